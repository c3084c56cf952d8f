"""What sets the failures apart, on fixtures with exactly known contents: one account's problem and a
one-platform outage are told apart, small values are not ranked, and attribute values read right."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from late_logs import contrast
from late_logs.records import to_frame

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
PLATFORMS = ("instagram", "facebook", "linkedin")


def attempt(n: int, platform: str, account: str, status: str, **fields) -> dict:
    record = {
        "log_id": f"a{n}",
        "created_at": T0 + timedelta(minutes=n % 120),  # every attempt within the same two hours
        "platform": platform,
        "action": "publish",
        "status": status,
        "account_id": f"id-{account}",
        "account_username": account,
        "post_id": f"p{n}",
        "endpoint": f"graph.facebook.com/v19.0/{1789000 + n}/media",
        "error_code": "190" if status == "failed" else None,
    }
    record.update(fields)
    return record


def healthy_world(start: int = 0) -> list[dict]:
    """Ten accounts on each of three platforms, every one succeeding four times."""
    records, n = [], start
    for platform in PLATFORMS:
        for account in range(10):
            for _ in range(4):
                records.append(attempt(n, platform, f"@{platform[:2]}{account}", "success"))
                n += 1
    return records


@pytest.fixture
def one_account() -> pd.DataFrame:
    """@in3 on instagram fails 12 times (a dead token); two other failures are scattered."""
    records = healthy_world()
    records += [attempt(1000 + i, "instagram", "@in3", "failed") for i in range(12)]
    records += [attempt(2000, "facebook", "@fa1", "failed"), attempt(2001, "linkedin", "@li2", "failed")]
    return to_frame(records)


@pytest.fixture
def outage() -> pd.DataFrame:
    """Facebook fails for eight of its ten accounts at once; the other platforms are fine."""
    records = healthy_world()
    records += [attempt(1000 + i, "facebook", f"@fa{i % 8}", "failed", error_code="2") for i in range(16)]
    return to_frame(records)


def test_one_accounts_failures_are_told_as_one_customers_problem(one_account) -> None:
    ranked = contrast.contrast(one_account)
    top = ranked.iloc[0]
    # 12 of 14 failures, 4 of 120 successes: the account stands out more than its platform does
    account = ranked[(ranked["attribute"] == "account")].iloc[0]
    assert (account["value"], account["failures"], account["successes"]) == ("instagram · @in3", 12, 4)
    assert account["difference"] == pytest.approx(12 / 14 - 4 / 120)
    # Every failure has code 190 and no success has a code: the code always tells, the account next
    assert (top["attribute"], top["value"], top["difference"]) == ("error_code", "190", 1.0)
    assert ranked.iloc[1]["attribute"] == "account"
    found = contrast.reading(one_account, ranked)
    assert found.kind == "account" and found.value == "instagram · @in3"
    assert found.sentence.startswith("One account: instagram · @in3 holds 86 % of the failures and 3 %")


def test_a_one_platform_outage_is_told_from_one_account(outage) -> None:
    ranked = contrast.contrast(outage)
    platform = ranked[ranked["attribute"] == "platform"].iloc[0]
    assert (platform["value"], platform["failures"], platform["successes"]) == ("facebook", 16, 40)
    assert platform["difference"] == pytest.approx(1 - 40 / 120)
    # No account holds more than 2 of the 16 failures: under the floor, not ranked at all
    assert ranked[ranked["attribute"] == "account"].empty
    found = contrast.reading(outage, ranked)
    assert found.kind == "platform" and found.value == "facebook"
    assert "over 8 accounts" in found.sentence and "outage" in found.sentence


def test_values_under_the_floor_are_not_ranked(one_account) -> None:
    ranked = contrast.contrast(one_account)
    assert (ranked["failures"] >= contrast.MIN_FAILURES).all()
    assert "linkedin" not in set(ranked.loc[ranked["attribute"] == "platform", "value"])


def test_too_few_failures_say_so() -> None:
    frame = to_frame(healthy_world() + [attempt(999, "instagram", "@in1", "failed")])
    ranked = contrast.contrast(frame)
    assert ranked.empty and list(ranked.columns) == contrast.CONTRAST_COLUMNS
    assert contrast.reading(frame, ranked) == contrast.Reading(
        "none", "Too few failures (1) to say what sets them apart."
    )


def test_spread_failures_name_no_culprit() -> None:
    records = healthy_world()
    records += [
        attempt(1000 + i, PLATFORMS[i % 3], f"@{PLATFORMS[i % 3][:2]}{i % 10}", "failed") for i in range(30)
    ]
    frame = to_frame(records)
    assert contrast.reading(frame, contrast.contrast(frame)).kind == "spread"


def test_failures_only_still_rank_by_their_share() -> None:
    frame = to_frame([attempt(i, "tiktok", "@t", "failed") for i in range(6)])
    ranked = contrast.contrast(frame)
    assert set(ranked["success_share"]) == {0.0} and (ranked["failure_share"] == 1.0).all()


@pytest.mark.parametrize(
    ("endpoint", "place"),
    [
        ("graph.facebook.com/v19.0/17895695668004550/media", "graph.facebook.com/v19.0/:id/media"),
        ("https://api.linkedin.com/rest/posts?x=1", "api.linkedin.com/rest/posts"),
        (
            "open.tiktokapis.com/v2/post/publish/video/init/",
            "open.tiktokapis.com/v2/post/publish/video/init/",
        ),
        (None, contrast.NONE),
        ("  ", contrast.NONE),
    ],
)
def test_endpoint_place_drops_ids_and_queries(endpoint, place) -> None:
    assert contrast.endpoint_place(endpoint) == place


@pytest.mark.parametrize(
    ("urls", "kind"),
    [
        ("https://cdn.example/a.mp4", "video"),
        ("https://cdn.example/a.JPG", "image"),
        ("https://cdn.example/a.jpg\nhttps://cdn.example/b.png", "images"),
        ("https://cdn.example/a.jpg\nhttps://cdn.example/b.mov", "mixed"),
        (None, contrast.NONE),
    ],
)
def test_media_kind_reads_the_media_urls(urls, kind) -> None:
    assert contrast.media_kind(urls) == kind


def test_attributes_read_hour_media_and_missing_values() -> None:
    frame = to_frame(
        [
            attempt(0, "x", "@a", "failed", media_urls="https://c/a.mp4", media_count=1),
            attempt(61, None, None, "success", account_id=None, media_count=2),
        ]
    )
    table = contrast.attributes(frame)
    assert table.to_dict("records") == [
        {"platform": "x", "account": "x · @a", "action": "publish", "media": "video",
         "endpoint": "graph.facebook.com/v19.0/:id/media", "error_code": "190", "hour": "08:00"},
        {"platform": "(none)", "account": "(none) · (none)", "action": "publish", "media": "media",
         "endpoint": "graph.facebook.com/v19.0/:id/media", "error_code": "(none)", "hour": "09:00"},
    ]  # fmt: skip
