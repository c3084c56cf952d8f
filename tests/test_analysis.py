"""Analysis functions over small frames with exactly known contents; whole result rows are asserted."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from late_logs import analysis
from late_logs.analysis import (
    NO_CODE,
    NO_MESSAGE,
    STUCK_AFTER,
    UNKNOWN,
    Filters,
    Kpi,
    PlatformOutcome,
    PostOutcome,
    add_error_group_column,
    apply_filters,
    bucket_for_window,
    error_group_key,
    error_groups,
    failure_matrix,
    failure_rate,
    failure_rate_over_time,
    freshness_text,
    neighbours,
    normalise_message,
    post_attempts,
    post_outcome,
    status_volume_over_time,
    window_kpis,
)
from late_logs.records import to_frame

T0 = datetime(2024, 11, 1, 10, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def attempt(log_id: str, minutes: float, **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": at(minutes),
        "platform": "instagram",
        "action": "publish",
        "status": "success",
        "account_id": "acc1",
        "account_username": "@acme",
        "post_id": "post1",
    }
    record.update(fields)
    return record


def frame_of(*records: dict) -> pd.DataFrame:
    return to_frame(list(records))


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows as plain tuples with NaN → None, for whole-row comparisons."""
    out = []
    for values in frame[columns].itertuples(index=False):
        out.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in values))
    return out


# --------------------------------------------------------------------------------------------- filters


@pytest.fixture
def mixed() -> pd.DataFrame:
    return frame_of(
        attempt("a1", 0, platform="instagram", status="success", content_preview="Summer sale"),
        attempt(
            "a2",
            10,
            platform="twitter",
            status="failed",
            error_code="RATE_LIMITED",
            error_message="Rate limit exceeded",
            account_id="acc2",
            account_username="acme_tw",
        ),
        attempt(
            "a3",
            20,
            platform="facebook",
            status="failed",
            error_code=None,
            error_message="Media ID 17895695668004550 is not available",
            post_id="post2",
        ),
        attempt(
            "a4", 30, platform="facebook", action="retry", status="pending", endpoint="graph.facebook.com/x"
        ),
        attempt(
            "a5",
            60,
            platform="instagram",
            status="failed",
            error_code="190",
            error_message="Error validating access token (a+b)",
            post_id="post3",
        ),
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["a1", "a2", "a3", "a4", "a5"]),
        (Filters(start=at(10), end=at(30)), ["a2", "a3"]),  # [start, end)
        (Filters(platforms=("facebook",)), ["a3", "a4"]),
        (Filters(actions=("retry",)), ["a4"]),
        (Filters(statuses=("failed",)), ["a2", "a3", "a5"]),
        (Filters(accounts=("acc2",)), ["a2"]),
        (Filters(accounts=("@acme_tw",)), ["a2"]),  # username, "@" optional on either side
        (Filters(accounts=("acme",)), ["a1", "a3", "a4", "a5"]),
        (Filters(error_codes=(NO_CODE,)), ["a1", "a3", "a4"]),
        (Filters(error_codes=("190", "RATE_LIMITED")), ["a2", "a5"]),
        (Filters(post_id="post2"), ["a3"]),
        (Filters(text="MEDIA id"), ["a3"]),  # case-insensitive, error_message
        (Filters(text="summer"), ["a1"]),  # content_preview
        (Filters(text="graph.facebook"), ["a4"]),  # endpoint
        (Filters(text="(a+b)"), ["a5"]),  # regex characters are literal
        (Filters(text="rate_limited"), ["a2"]),  # error_code
        (Filters(text="post3"), ["a5"]),  # post_id
        (Filters(text="a4"), ["a4"]),  # log_id
        (Filters(text="  "), ["a1", "a2", "a3", "a4", "a5"]),
        (Filters(platforms=("facebook",), statuses=("failed",), start=at(0), end=at(120)), ["a3"]),
    ],
)
def test_apply_filters(mixed: pd.DataFrame, filters: Filters, expected: list[str]) -> None:
    assert apply_filters(mixed, filters)["log_id"].tolist() == expected


def test_apply_filters_by_error_group(mixed: pd.DataFrame) -> None:
    extra = frame_of(
        attempt("b1", 5, platform="facebook", status="failed", error_message="Media ID 1789 is not available")
    )
    frame = pd.concat([mixed, extra], ignore_index=True)
    key = error_group_key("facebook", None, "Media ID <n> is not available")
    assert apply_filters(frame, Filters(error_group=key))["log_id"].tolist() == ["a3", "b1"]
    assert apply_filters(frame, Filters(error_group=key, start=at(10)))["log_id"].tolist() == ["a3"]
    assert apply_filters(frame, Filters(error_group="000000000000")).empty


def test_apply_filters_accepts_naive_times_as_utc(mixed: pd.DataFrame) -> None:
    naive = Filters(start=datetime(2024, 11, 1, 10, 10), end=datetime(2024, 11, 1, 10, 30))
    assert apply_filters(mixed, naive)["log_id"].tolist() == ["a2", "a3"]


def test_apply_filters_on_empty_frame() -> None:
    assert apply_filters(to_frame([]), Filters(text="x", error_group="abc", statuses=("failed",))).empty


# --------------------------------------------------------------------------------------------- rates and KPIs


def test_failure_rate() -> None:
    assert failure_rate(1, 4) == 0.25
    assert math.isnan(failure_rate(0, 0))
    assert failure_rate(0, 3) == 0.0


def kpi_tuple(kpi: Kpi) -> tuple:
    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    return (kpi.key, kpi.name, clean(kpi.value), clean(kpi.previous), clean(kpi.delta), kpi.unit)


def test_window_kpis_against_the_previous_window() -> None:
    frame = frame_of(
        # previous window [09:00, 10:00): 4 attempts, 1 failure of 3 settled (1 pending), 1 post, 1 account
        attempt("p1", -50, status="success", post_id="x"),
        attempt("p2", -40, status="failed", post_id="x", account_id="accA"),
        attempt("p3", -30, status="success", post_id="y"),
        attempt("p4", -20, status="pending", post_id="z"),
        # current window [10:00, 11:00): 5 attempts, 3 failures of 4 settled (1 skipped)
        attempt("c1", 0, status="failed", post_id="x", account_id="accA"),
        attempt("c2", 10, status="failed", post_id="x", account_id="accB"),
        attempt("c3", 20, status="failed", post_id="w", account_id=None, account_username="@solo"),
        attempt("c4", 30, status="success", post_id="v"),
        attempt("c5", 40, status="skipped", post_id="u"),
        # outside both windows
        attempt("o1", 60, status="failed", post_id="q", account_id="accZ"),
        attempt("o2", -61, status="failed", post_id="q", account_id="accZ"),
    )
    kpis = window_kpis(frame, at(0), at(60))
    assert [kpi_tuple(k) for k in kpis] == [
        ("attempts", "Attempts", 5, 4, 1, "count"),
        ("failures", "Failures", 3, 1, 2, "count"),
        ("failure_rate", "Failure rate", 0.75, pytest.approx(1 / 3), pytest.approx(0.75 - 1 / 3), "rate"),
        ("posts_affected", "Posts affected", 2, 1, 1, "count"),
        ("accounts_affected", "Accounts affected", 3, 1, 2, "count"),
    ]


def test_window_kpis_rate_is_nan_without_settled_attempts() -> None:
    frame = frame_of(attempt("c1", 0, status="pending"))
    rate = window_kpis(frame, at(0), at(60))[2]
    assert kpi_tuple(rate) == ("failure_rate", "Failure rate", None, None, None, "rate")


def test_failure_matrix_whole_rows_and_muting() -> None:
    records = [attempt(f"ig{i}", i, status="failed" if i < 2 else "success") for i in range(6)]  # 2/6
    records += [
        attempt("tw1", 1, platform="twitter", status="failed"),
        attempt("tw2", 2, platform="twitter", status="success"),
        attempt("tw3", 3, platform="twitter", status="pending"),
        attempt("tw4", 4, platform="twitter", status="skipped"),
    ]  # 1/2 settled: muted
    records += [
        attempt(f"r{i}", i, action="retry", status="success") for i in range(5)
    ]  # 0/5, exactly at floor
    records += [attempt("np", 1, platform=None, action=None, status="failed")]
    matrix = failure_matrix(frame_of(*records))
    columns = ["platform", "action", "attempts", "settled", "failures", "failure_rate", "muted"]
    assert rows(matrix, columns) == [
        ("(unknown)", "(unknown)", 1, 1, 1, 1.0, True),
        ("instagram", "publish", 6, 6, 2, pytest.approx(1 / 3), False),
        ("instagram", "retry", 5, 5, 0, 0.0, False),
        ("twitter", "publish", 4, 2, 1, 0.5, True),
    ]
    assert failure_matrix(frame_of(*records), min_volume=1)["muted"].tolist() == [False] * 4


def test_failure_matrix_empty() -> None:
    matrix = failure_matrix(to_frame([]))
    assert matrix.empty
    assert list(matrix.columns) == [
        "platform",
        "action",
        "attempts",
        "settled",
        "failures",
        "failure_rate",
        "muted",
    ]


def test_bucket_for_window() -> None:
    assert bucket_for_window(at(0), at(0) + timedelta(days=3)) == "h"
    assert bucket_for_window(at(0), at(0) + timedelta(days=3, minutes=1)) == "6h"
    assert bucket_for_window(at(0), at(0) + timedelta(days=7)) == "6h"  # 28 points for a week
    assert bucket_for_window(at(0), at(0) + timedelta(days=10, minutes=1)) == "D"
    assert bucket_for_window(at(0), at(0) + timedelta(hours=1)) == "h"


def test_failure_rate_over_time_has_every_bucket() -> None:
    records = [attempt(f"a{i}", 5 + i, status="failed" if i < 2 else "success") for i in range(6)]  # 10:xx
    records += [attempt("b1", 130, platform="twitter", status="failed")]  # 12:10
    records += [attempt("z1", 185, status="failed")]  # 13:05: outside the window
    series = failure_rate_over_time(frame_of(*records), at(0), at(180))
    columns = [
        "bucket_start",
        "bucket_end",
        "platform",
        "attempts",
        "settled",
        "failures",
        "failure_rate",
        "muted",
    ]
    hour = pd.Timestamp(T0)
    h = pd.Timedelta(hours=1)
    assert rows(series, columns) == [
        (hour, hour + h, "instagram", 6, 6, 2, pytest.approx(1 / 3), False),
        (hour, hour + h, "twitter", 0, 0, 0, None, True),
        (hour + h, hour + 2 * h, "instagram", 0, 0, 0, None, True),
        (hour + h, hour + 2 * h, "twitter", 0, 0, 0, None, True),
        (hour + 2 * h, hour + 3 * h, "instagram", 0, 0, 0, None, True),
        (hour + 2 * h, hour + 3 * h, "twitter", 1, 1, 1, 1.0, True),
    ]
    assert str(series["bucket_start"].dtype) == "datetime64[ns, UTC]"


def test_failure_rate_over_time_daily_and_explicit_bucket() -> None:
    records = [attempt("d1", 0, status="failed"), attempt("d2", 60 * 24 * 3, status="success")]
    daily = failure_rate_over_time(frame_of(*records), at(-600), at(60 * 24 * 4), bucket="D")
    assert rows(daily, ["bucket_start", "attempts", "failures"]) == [
        (pd.Timestamp("2024-11-01T00:00Z"), 1, 1),
        (pd.Timestamp("2024-11-02T00:00Z"), 0, 0),
        (pd.Timestamp("2024-11-03T00:00Z"), 0, 0),
        (pd.Timestamp("2024-11-04T00:00Z"), 1, 0),
        (pd.Timestamp("2024-11-05T00:00Z"), 0, 0),
    ]
    hourly = failure_rate_over_time(frame_of(*records), at(0), at(120), bucket="h")
    assert len(hourly) == 2


def test_failure_rate_over_time_empty_window() -> None:
    series = failure_rate_over_time(frame_of(attempt("a", 0)), at(600), at(660))
    assert series.empty and "failure_rate" in series.columns


def test_status_volume_over_time() -> None:
    records = [
        attempt("a", 1, status="success"),
        attempt("b", 2, status="failed"),
        attempt("c", 65, status="failed"),
        attempt("d", 70, status="failed"),
    ]
    volume = status_volume_over_time(frame_of(*records), at(0), at(120))
    hour = pd.Timestamp(T0)
    assert rows(volume, ["bucket_start", "status", "attempts"]) == [
        (hour, "success", 1),
        (hour, "failed", 1),
        (hour + pd.Timedelta(hours=1), "success", 0),
        (hour + pd.Timedelta(hours=1), "failed", 2),
    ]


# --------------------------------------------------------------------------------------------- error groups


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Media ID 17895695668004550 is not available", "Media ID <n> is not available"),
        ("Media ID 1789 is not available", "Media ID <n> is not available"),
        ("Invalid image URL https://cdn.example.com/a/123.jpg?x=1", "Invalid image URL <url>"),
        ("User jane.doe+x@example.co.uk is blocked", "User <email> is blocked"),
        ('Field "caption" is too long', 'Field "<value>" is too long'),
        ("Field 'title' can't be empty", 'Field "<value>" can\'t be empty'),
        ("Post 65f1c0a9e2b5af0012ab34cd not found", "Post <id> not found"),
        ("Request 123e4567-e89b-12d3-a456-426614174000 failed", "Request <id> failed"),
        ("Pointer 0x7ffe1234 freed", "Pointer <hex> freed"),
        ("Container B9xYz12Qa8 failed", "Container <id> failed"),
        ("Scheduled at 2024-11-01T10:00:05Z expired", "Scheduled at <time> expired"),
        ("(#190) OAuth2 token missing", "(#<n>) OAuth2 token missing"),
        ("Upload took 1.5s of 10MB", "Upload took <n>s of <n>MB"),
        ("  two   spaces\nnewline ", "two spaces newline"),
        ("", NO_MESSAGE),
        ("   ", NO_MESSAGE),
        (None, NO_MESSAGE),
        (pd.NA, NO_MESSAGE),
    ],
)
def test_normalise_message(message, expected) -> None:
    assert normalise_message(message) == expected


def test_error_group_key_is_stable_short_and_distinct() -> None:
    key = error_group_key("instagram", "9007", "Media ID <n> is not available")
    assert key == error_group_key("instagram", "9007", "Media ID <n> is not available")
    assert len(key) == 12 and all(ch in "0123456789abcdef" for ch in key)
    assert key != error_group_key("instagram", "9008", "Media ID <n> is not available")
    assert key != error_group_key("facebook", "9007", "Media ID <n> is not available")
    assert (
        error_group_key("x", None, "m") == error_group_key("x", "", "m") == error_group_key("x", NO_CODE, "m")
    )


def test_error_groups_whole_rows() -> None:
    frame = frame_of(
        attempt(
            "m1",
            0,
            status="failed",
            error_code="9007",
            error_message="Media ID 17895695668004550 is not available",
            post_id="p1",
            account_id="acc1",
        ),
        attempt(
            "m2",
            30,
            status="failed",
            error_code="9007",
            error_message="Media ID 1789 is not available",
            post_id="p2",
            account_id="acc1",
        ),
        attempt(
            "m3",
            20,
            status="failed",
            error_code="9007",
            error_message="Media ID 42 is not available",
            post_id="p2",
            account_id="acc2",
        ),
        # a different error code with the same text is a different group
        attempt(
            "m4",
            40,
            status="failed",
            error_code="9004",
            error_message="Media ID 55 is not available",
            post_id="p3",
        ),
        # no code and no message: the visible "unknown" group
        attempt("u1", 5, status="failed", post_id="p4", status_code=500),
        attempt("u2", 6, status="failed", post_id="p4", error_message=""),
        # successes never form groups
        attempt("s1", 7, status="success", error_message="Media ID 1 is not available"),
    )
    groups = error_groups(frame)
    media = error_group_key("instagram", "9007", "Media ID <n> is not available")
    other = error_group_key("instagram", "9004", "Media ID <n> is not available")
    unknown = error_group_key("instagram", NO_CODE, NO_MESSAGE)
    columns = [
        "group",
        "platform",
        "error_code",
        "message",
        "sample_message",
        "count",
        "posts",
        "accounts",
        "first_seen",
        "last_seen",
        "sample_log_id",
        "who_must_act",
        "retry",
    ]
    assert rows(groups, columns) == [
        (
            media,
            "instagram",
            "9007",
            "Media ID <n> is not available",
            "Media ID 1789 is not available",
            3,
            2,
            2,
            pd.Timestamp(at(0)),
            pd.Timestamp(at(30)),
            "m2",
            "platform",  # Instagram 9007: the media is still processing, nothing was published
            "yes",
        ),
        (
            unknown,
            "instagram",
            NO_CODE,
            NO_MESSAGE,
            "",
            2,
            1,
            1,
            pd.Timestamp(at(5)),
            pd.Timestamp(at(6)),
            "u2",
            "unknown",  # the newest sample, u2, carries neither code, message nor status
            "no",
        ),
        (
            other,
            "instagram",
            "9004",
            "Media ID <n> is not available",
            "Media ID 55 is not available",
            1,
            1,
            1,
            pd.Timestamp(at(40)),
            pd.Timestamp(at(40)),
            "m4",
            "late",  # Meta 9004: the media URL could not be fetched
            "no",
        ),
    ]


def test_error_groups_empty_when_nothing_failed() -> None:
    groups = error_groups(frame_of(attempt("s", 0)))
    assert groups.empty and "sample_log_id" in groups.columns


def test_add_error_group_column() -> None:
    frame = frame_of(
        attempt("f1", 0, status="failed", error_code="9007", error_message="Media ID 1 is not available"),
        attempt("s1", 1, status="success"),
        attempt("f2", 2, status="failed", error_code="9007", error_message="Media ID 22 is not available"),
        attempt(
            "f3",
            3,
            status="failed",
            platform="twitter",
            error_code="187",
            error_message="Status is a duplicate.",
        ),
    )
    with_groups = add_error_group_column(frame)
    media = error_group_key("instagram", "9007", "Media ID <n> is not available")
    dup = error_group_key("twitter", "187", "Status is a duplicate.")
    assert rows(with_groups, ["log_id", "error_group"]) == [
        ("f1", media),
        ("s1", None),
        ("f2", media),
        ("f3", dup),
    ]
    assert "error_group" not in frame.columns  # the input is left alone
    assert set(error_groups(frame)["group"]) == {media, dup}


# ------------------------------------------------------------------------------------------ failure classes


def test_verdict_columns_come_once_per_failed_row() -> None:
    frame = frame_of(
        attempt("a", 0, status="failed", status_code=401, account_username="acme"),
        attempt("b", 1, status="success", status_code=401),
        attempt("c", 2, status="failed", error_message="timed out", action="publish"),
        attempt("d", 3, status="failed", error_message="timed out", action="media_upload"),
    )
    with_verdicts = analysis.add_verdict_columns(frame)
    assert rows(with_verdicts, ["log_id", "who_must_act", "retry"]) == [
        ("a", "reconnect", "no"),
        ("b", None, None),
        ("c", "platform", "verify"),  # a timeout on a publish step may have gone live
        ("d", "platform", "yes"),  # a failed upload cannot have published anything
    ]
    assert with_verdicts.loc[0, "hint"].startswith("Reconnect the Instagram account @acme")
    assert with_verdicts["error_group"].notna().tolist() == [True, False, True, True]
    assert "who_must_act" not in frame.columns  # the input is left alone


def test_the_weekday_in_a_session_expiry_does_not_split_its_group() -> None:
    # Meta prints token expiry with the weekday and date (the simulator's dead tokens, and real replies:
    # "Session has expired on Friday, 05-Jan-24 08:00:00 PST" in gitroomhq/postiz-app issues).
    tuesday = "Error validating access token: Session has expired on Tuesday, 10-Feb-26 01:12:00 PST."
    friday = "Error validating access token: Session has expired on Friday, 13-Mar-26 23:59:59 PDT."
    frame = frame_of(
        attempt("t", 0, status="failed", error_code="190", error_message=tuesday),
        attempt("f", 1, status="failed", error_code="190", error_message=friday),
    )
    groups = error_groups(frame)
    assert len(groups) == 1 and groups.loc[0, "count"] == 2
    expected = "Error validating access token: Session has expired on <day> <date> <time>."
    assert groups.loc[0, "message"] == expected
    assert groups.loc[0, "who_must_act"] == "reconnect"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Try again after Jan 5, 2024 at 3:04 PM", "Try again after March 17, 2025 at 11:30 AM"),
        ("Limit resets at 14:05 UTC", "Limit resets at 09:00 UTC"),
        ("Posted on 2024-01-05 already", "Posted on 2025-12-31 already"),
        ("Account @acme_co is restricted", "Account @other.brand is restricted"),
        ("You aren't allowed to post in r/pics", "You aren't allowed to post in r/aww"),
        ('Field "caption" is invalid', 'Field "title" is invalid'),
        ("See https://a.example/x?id=1", "See https://b.example/y"),
        ("Media ID 1789 is not available", "Media ID 17895695668004550 is not available"),
    ],
)
def test_fingerprints_survive_variable_parts(first: str, second: str) -> None:
    assert normalise_message(first) == normalise_message(second)


def test_a_month_name_that_is_a_word_is_kept() -> None:
    assert normalise_message("You may not post this") == "You may not post this"


def test_first_seen_is_over_the_whole_store_not_the_window() -> None:
    limit = "(#4) Application request limit reached"
    old = attempt("old", 0, status="failed", error_code="4", error_message=limit)
    new = attempt("new", 600, status="failed", error_code="4", error_message=limit)
    history = frame_of(old, new)
    window = frame_of(new)
    assert error_groups(window).loc[0, "first_seen"] == pd.Timestamp(at(600))
    whole = error_groups(window, history=history)
    assert whole.loc[0, "first_seen"] == pd.Timestamp(at(0))
    assert whole.loc[0, "last_seen"] == pd.Timestamp(at(600))
    assert whole.loc[0, "count"] == 1  # counts stay the window's


def test_error_groups_name_their_accounts() -> None:
    frame = frame_of(
        *(
            attempt(f"f{i}", i, status="failed", error_code="190", error_message="Token expired",
                    account_id=f"acc{i}", account_username=f"brand{i}")
            for i in range(7)
        )
    )
    groups = error_groups(frame)
    assert groups.loc[0, "accounts"] == 7
    assert groups.loc[0, "account_names"] == "@brand0, @brand1, @brand2, @brand3, @brand4 +2 more"


def test_error_group_summary_gives_the_message_and_verdict_of_a_key() -> None:
    frame = frame_of(
        attempt("a", 0, status="failed", platform="twitter", error_code="32",
                error_message="Could not authenticate you."),
    )
    key = error_group_key("twitter", "32", "Could not authenticate you.")
    summary = analysis.error_group_summary(frame, key)
    assert summary["message"] == "Could not authenticate you." and summary["who_must_act"] == "reconnect"
    assert analysis.error_group_summary(frame, "000000000000") is None


# --------------------------------------------------------------------------------------------- posts


def test_post_attempts_oldest_first() -> None:
    frame = frame_of(attempt("c", 20), attempt("a", 0), attempt("x", 5, post_id="other"), attempt("b", 10))
    assert post_attempts(frame, "post1")["log_id"].tolist() == ["a", "b", "c"]
    assert post_attempts(frame, "missing").empty


def outcome_tuples(outcome: PostOutcome) -> list[tuple]:
    return [
        (o.platform, o.state, o.attempts, o.last_log_id, o.platform_post_url, o.error_message, o.went_live)
        for o in outcome.platforms
    ]


def test_post_outcome_per_platform() -> None:
    attempts = post_attempts(
        frame_of(
            # instagram: failed, then a retry succeeded → published
            attempt("ig1", 0, status="failed", error_message="Media ID 1 is not available"),
            attempt(
                "ig2", 5, action="retry", status="success", platform_post_url="https://instagram.com/p/A"
            ),
            # twitter: the latest publish failed → failed, with that failure's message
            attempt("tw1", 0, platform="twitter", status="failed", error_message="first"),
            attempt(
                "tw2",
                6,
                platform="twitter",
                action="retry",
                status="failed",
                error_message="Status is a duplicate.",
            ),
            # facebook: the media upload succeeded, then the publish is pending since minute 10
            attempt("fb1", 8, platform="facebook", action="media_upload", status="success"),
            attempt("fb2", 10, platform="facebook", status="pending"),
            # linkedin: skipped
            attempt("li1", 3, platform="linkedin", status="skipped", error_message="Account paused"),
            # tiktok: cancelled after a failure
            attempt("tt1", 1, platform="tiktok", status="failed", error_message="x"),
            attempt("tt2", 2, platform="tiktok", action="cancelled", status="success"),
        ),
        "post1",
    )
    now = at(10) + timedelta(minutes=29)
    outcome = post_outcome(attempts, now)
    assert outcome.overall == "pending"
    assert outcome_tuples(outcome) == [
        ("facebook", "pending", 2, "fb2", None, None, False),
        ("instagram", "published", 2, "ig2", "https://instagram.com/p/A", None, True),
        ("linkedin", "skipped", 1, "li1", None, "Account paused", False),
        ("tiktok", "cancelled", 2, "tt2", None, None, False),
        ("twitter", "failed", 2, "tw2", None, "Status is a duplicate.", False),
    ]
    assert outcome.platforms[0].last_attempt_at == at(10)
    assert isinstance(outcome.platforms[0], PlatformOutcome)

    later = post_outcome(attempts, at(10) + timedelta(minutes=31))
    assert [o.state for o in later.platforms] == ["stuck", "published", "skipped", "cancelled", "failed"]
    assert later.overall == "partial"


@pytest.mark.parametrize(("minutes", "state"), [(29, "pending"), (30, "pending"), (31, "stuck")])
def test_stuck_after_thirty_minutes(minutes: int, state: str) -> None:
    attempts = frame_of(attempt("p", 0, status="pending"))
    outcome = post_outcome(attempts, at(minutes))
    assert [o.state for o in outcome.platforms] == [state]
    assert STUCK_AFTER == timedelta(minutes=30)
    assert outcome.overall == "pending"


def test_success_before_the_last_failure_is_not_published_but_went_live() -> None:
    attempts = frame_of(
        attempt("a", 0, status="success", platform_post_url="https://x.com/1"),
        attempt("b", 5, action="retry", status="failed", error_message="Status is a duplicate."),
    )
    outcome = post_outcome(attempts, at(60))
    assert outcome.overall == "failed"
    assert outcome_tuples(outcome) == [
        ("instagram", "failed", 2, "b", "https://x.com/1", "Status is a duplicate.", True),
    ]


def test_success_after_the_last_failure_wins_over_a_later_pending_retry() -> None:
    attempts = frame_of(
        attempt("a", 0, status="failed"),
        attempt("b", 5, action="retry", status="success"),
        attempt("c", 6, action="retry", status="pending"),
    )
    assert [o.state for o in post_outcome(attempts, at(120)).platforms] == ["published"]


@pytest.mark.parametrize(
    ("states", "overall"),
    [
        (["success", "success"], "published"),
        (["success", "failed"], "partial"),
        (["failed", "failed"], "failed"),
        (["success", "skipped"], "published"),
        (["failed", "pending"], "pending"),
    ],
)
def test_post_overall(states: list[str], overall: str) -> None:
    attempts = frame_of(*[attempt(f"l{i}", 50, platform=f"p{i}", status=s) for i, s in enumerate(states)])
    assert post_outcome(attempts, at(60)).overall == overall


def test_post_outcome_of_no_attempts() -> None:
    assert post_outcome(to_frame([]), at(0)) == PostOutcome(overall="pending", platforms=[])


# --------------------------------------------------------------------------------------------- navigation


def test_neighbours_follow_frame_order() -> None:
    frame = frame_of(attempt("n3", 30), attempt("n2", 20), attempt("n1", 10))  # newest first
    assert neighbours(frame, "n3") == (None, "n2")
    assert neighbours(frame, "n2") == ("n3", "n1")
    assert neighbours(frame, "n1") == ("n2", None)
    assert neighbours(frame, "gone") == (None, None)
    filtered = apply_filters(frame, Filters(text="n3")).pipe(lambda f: pd.concat([f, frame.iloc[[2]]]))
    assert neighbours(filtered, "n3") == (None, "n1")


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (None, "never synced"),
        (timedelta(seconds=5), "synced just now"),
        (timedelta(seconds=-3), "synced just now"),
        (timedelta(minutes=2, seconds=10), "synced 2 min ago"),
        (timedelta(minutes=59), "synced 59 min ago"),
        (timedelta(hours=1), "synced 1 h ago"),
        (timedelta(hours=3, minutes=5), "synced 3 h 5 min ago"),
        (timedelta(days=1, hours=2), "synced 1 day ago"),
        (timedelta(days=4), "synced 4 days ago"),
    ],
)
def test_freshness_text(ago: timedelta | None, text: str) -> None:
    now = at(0)
    assert freshness_text(None if ago is None else now - ago, now) == text


def test_analysis_imports_neither_streamlit_nor_plotly() -> None:
    code = "import sys, late_logs.analysis; print(sorted({'streamlit', 'plotly'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(analysis.__file__).parents[2],  # the repository: analysis is a package now
    )
    assert result.stdout.strip() == "[]"


def test_unknown_platform_or_action_from_a_breakdown_filters_to_the_rows_missing_it():
    # A heatmap cell labelled "(unknown)" drills through with that label; it must find the rows behind it.
    frame = to_frame(
        [
            attempt("a", 1, platform=None, status="failed"),
            attempt("b", 2, platform="tiktok", status="failed"),
            attempt("c", 3, action=None, status="failed"),
        ]
    )
    matrix = failure_matrix(frame, min_volume=1)
    assert UNKNOWN in set(matrix["platform"]) and UNKNOWN in set(matrix["action"])
    assert list(apply_filters(frame, Filters(platforms=(UNKNOWN,)))["log_id"]) == ["a"]
    assert sorted(apply_filters(frame, Filters(platforms=(UNKNOWN, "tiktok")))["log_id"]) == ["a", "b"]
    assert list(apply_filters(frame, Filters(actions=(UNKNOWN,)))["log_id"]) == ["c"]


def test_post_counts_tell_posts_that_did_not_go_out_from_those_that_recovered() -> None:
    frame = frame_of(
        # p1 failed on its only platform
        attempt("a", 0, post_id="p1", status="failed"),
        # p2 live on instagram, failed on facebook: partly published
        attempt("b", 0, post_id="p2", status="success"),
        attempt("c", 0, post_id="p2", platform="facebook", status="failed"),
        # p3 failed, then a retry went live: recovered
        attempt("d", 0, post_id="p3", status="failed"),
        attempt("e", 5, post_id="p3", action="retry", status="success"),
        # p4 fine; p5 pending for an hour: stuck, not counted as failed
        attempt("f", 0, post_id="p4", status="success"),
        attempt("g", 0, post_id="p5", status="pending"),
        # a failed media upload is not a publishing failure
        attempt("h", 0, post_id="p6", action="media_upload", status="failed"),
    )
    counts = analysis.post_counts(frame, at(60))
    assert counts == analysis.PostCounts(
        hit=3, failed_everywhere=1, partly_published=1, recovered=1, stuck_attempts=1, stuck_posts=1
    )
    assert analysis.post_counts(frame, at(10)).stuck_attempts == 0  # pending 10 min is not stuck yet


def test_verdict_filters_keep_only_failures_with_that_verdict() -> None:
    frame = frame_of(
        attempt("a", 0, status="failed", error_code="190", error_message="Session has expired"),
        attempt("b", 1, status="failed", status_code=503),
        attempt("c", 2, status="success"),
    )
    assert apply_filters(frame, Filters(who_must_act=("reconnect",)))["log_id"].tolist() == ["a"]
    assert apply_filters(frame, Filters(retry=("verify",)))["log_id"].tolist() == ["b"]
    assert apply_filters(frame, Filters(who_must_act=("wait",))).empty


# --------------------------------------------------------------------------------------------- post rows


def test_post_rows_give_each_posts_final_state_per_platform() -> None:
    frame = frame_of(
        # post1: instagram failed then published after a retry; tiktok published at once
        attempt("a1", 0, status="failed", error_code="500"),
        attempt("a2", 5, action="retry", status="success"),
        attempt("a3", 1, platform="tiktok", status="success", account_username="@acme_tt"),
        # post2: failed on linkedin twice, live on facebook: partly published
        attempt("b1", 10, platform="linkedin", status="failed", post_id="post2"),
        attempt("b2", 12, platform="linkedin", action="retry", status="failed", post_id="post2"),
        attempt("b3", 11, platform="facebook", status="success", post_id="post2"),
        # post3: failed everywhere; post4 pending for an hour (stuck); post5 cancelled
        attempt("c1", 20, status="failed", post_id="post3"),
        attempt("d1", 30, status="pending", post_id="post4"),
        attempt("e1", 40, action="cancelled", status="skipped", post_id="post5"),
        attempt("x1", 50, post_id=None),  # no post: no row
    )
    result = analysis.post_rows(frame, at(95))
    assert rows(result, ["post_id", "state", "platforms", "attempts", "failures", "recovered"]) == [
        ("post5", "not published", "instagram: skipped", 1, 0, False),
        ("post4", "stuck", "instagram: stuck", 1, 0, False),
        ("post3", "failed everywhere", "instagram: failed", 1, 1, False),
        ("post2", "partly published", "facebook: published · linkedin: failed", 3, 2, False),
        ("post1", "published", "instagram: published · tiktok: published", 3, 1, True),
    ]
    post1 = result[result["post_id"] == "post1"].iloc[0]
    assert post1["accounts"] == "@acme, @acme_tt"
    assert (post1["first_attempt"], post1["last_attempt"]) == (pd.Timestamp(at(0)), pd.Timestamp(at(5)))


def test_post_rows_of_a_fresh_pending_post_say_in_progress() -> None:
    frame = frame_of(attempt("p1", 0, status="pending"), attempt("p2", 0, platform="x", status="failed"))
    result = analysis.post_rows(frame, at(10))
    assert rows(result, ["state", "platforms"]) == [("in progress", "instagram: pending · x: failed")]


def test_post_rows_of_no_posts_is_empty() -> None:
    result = analysis.post_rows(frame_of(attempt("x", 0, post_id=None)), at(0))
    assert result.empty and list(result.columns) == analysis.POST_ROW_COLUMNS
