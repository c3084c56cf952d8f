"""records.flatten and the attempts frame on the contract's example payloads and on odd real-world shapes."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from late_logs.records import (
    ACTIONS,
    PLATFORMS,
    RECORD_COLUMNS,
    RECORD_DTYPES,
    STATUSES,
    coerce_frame,
    flatten,
    is_unified_shape,
    log_id_of,
    parse_time,
    synthetic_log_id,
    to_frame,
    twin_identity,
)

UTC = timezone.utc

# CONTRACT.md §6, verbatim: a list item, the detail, and a post-logs failure.
LIST_ITEM = {
    "_id": "675f1c0a9e2b5af0012ab34cd",
    "postId": {"_id": "65f1c0a9e2b5af0012ab34cd", "content": "Check out our new feature!",
               "status": "published"},
    "userId": "64e1f0a9e2b5af0012ab34de", "platform": "instagram", "accountId": "64e1f0a9e2b5af0012ab34ef",
    "accountUsername": "@acmecorp", "action": "publish", "status": "success", "statusCode": 200,
    "endpoint": "graph.facebook.com/me/media_publish",
    "request": {"contentPreview": "Check out our new feature!", "mediaCount": 1, "mediaTypes": ["image"],
                "mediaUrls": ["https://storage.getlate.dev/abc123.jpg"]},
    "response": {"platformPostId": "17895695668004550", "platformPostUrl": "https://www.instagram.com/p/ABC123/"},
    "durationMs": 2340, "attemptNumber": 1, "createdAt": "2024-11-01T10:00:05Z",
}
DETAIL = {
    "_id": "675f1c0a9e2b5af0012ab34cd",
    "postId": {"_id": "65f1c0a9e2b5af0012ab34cd", "content": "Check out our new feature!",
               "status": "published", "scheduledFor": "2024-11-01T10:00:00Z",
               "mediaItems": [{"type": "image", "url": "https://storage.getlate.dev/abc123.jpg"}]},
    "userId": "64e1f0a9e2b5af0012ab34de", "platform": "instagram",
    "accountId": {"_id": "64e1f0a9e2b5af0012ab34ef", "platform": "instagram", "username": "acmecorp",
                  "displayName": "Acme Corporation"},
    "accountUsername": "acmecorp", "action": "publish", "status": "success", "statusCode": 200,
    "endpoint": "graph.facebook.com/me/media_publish",
    "request": {"contentPreview": "Check out our new feature!", "mediaCount": 1, "mediaTypes": ["image"],
                "mediaUrls": ["https://storage.getlate.dev/abc123.jpg"],
                "rawBody": "{\"image_url\":\"https://storage.getlate.dev/abc123.jpg\"}"},
    "response": {"platformPostId": "17895695668004550", "platformPostUrl": "https://www.instagram.com/p/ABC123/",
                 "rawBody": "{\"id\":\"17895695668004550\"}"},
    "durationMs": 2340, "attemptNumber": 1, "createdAt": "2024-11-01T10:00:05Z",
}
POST_LOG_FAILURE = {
    "_id": "675f1c0a9e2b5af0012ab34ce", "postId": "65f1c0a9e2b5af0012ab34cd",
    "userId": "64e1f0a9e2b5af0012ab34de", "platform": "twitter", "accountUsername": "@acme",
    "action": "publish", "status": "failed", "statusCode": 429,
    "response": {"errorMessage": "Rate limit exceeded", "errorCode": "RATE_LIMITED"},
    "durationMs": 150, "attemptNumber": 1, "createdAt": "2024-11-01T10:00:03Z",
}
# CONTRACT.md §3: the current unified /v1/logs item (snake_case, no _id).
UNIFIED = {
    "type": "publishing", "action": "post.failed", "user_id": "u1", "platform": "tiktok", "account_id": "a1",
    "status": "failed", "status_code": 400, "error_message": "video too short", "error_code": "INVALID_MEDIA",
    "duration_ms": 812, "endpoint": "open.tiktokapis.com/v2/post/publish/video/init/",
    "request_body": "{}", "response_body": "{}", "created_at": "2026-05-01T08:00:00.000Z",
}

# Every record names its source; an entry without our note is of the default one.
EMPTY_RECORD = {**dict.fromkeys(RECORD_COLUMNS), "source": "default"}


def record(**values: object) -> dict:
    return {**EMPTY_RECORD, **values}


def test_list_item_flattens_to_a_whole_record() -> None:
    assert flatten(LIST_ITEM) == record(
        log_id="675f1c0a9e2b5af0012ab34cd",
        created_at=datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC),
        platform="instagram", action="publish", status="success",
        account_id="64e1f0a9e2b5af0012ab34ef", account_username="@acmecorp",
        post_id="65f1c0a9e2b5af0012ab34cd", post_content="Check out our new feature!",
        status_code=200, endpoint="graph.facebook.com/me/media_publish",
        content_preview="Check out our new feature!", media_count=1,
        media_urls="https://storage.getlate.dev/abc123.jpg",
        platform_post_id="17895695668004550", platform_post_url="https://www.instagram.com/p/ABC123/",
        duration_ms=2340, attempt_number=1, user_id="64e1f0a9e2b5af0012ab34de",
    )


def test_detail_reads_populated_account_and_post_objects() -> None:
    flat = flatten(DETAIL)
    assert flat["account_id"] == "64e1f0a9e2b5af0012ab34ef"
    assert flat["account_username"] == "acmecorp"
    assert flat["post_id"] == "65f1c0a9e2b5af0012ab34cd"
    assert flat["post_content"] == "Check out our new feature!"
    assert flat["log_id"] == flatten(LIST_ITEM)["log_id"]


def test_post_log_failure_with_plain_post_id_and_nested_error() -> None:
    assert flatten(POST_LOG_FAILURE) == record(
        log_id="675f1c0a9e2b5af0012ab34ce", created_at=datetime(2024, 11, 1, 10, 0, 3, tzinfo=UTC),
        platform="twitter", action="publish", status="failed", account_username="@acme",
        post_id="65f1c0a9e2b5af0012ab34cd", status_code=429, error_code="RATE_LIMITED",
        error_message="Rate limit exceeded", duration_ms=150, attempt_number=1,
        user_id="64e1f0a9e2b5af0012ab34de",
    )


def test_username_falls_back_to_the_populated_account() -> None:
    entry = {**DETAIL}
    del entry["accountUsername"]
    assert flatten(entry)["account_username"] == "acmecorp"


def test_unified_shape_is_read_as_a_second_source() -> None:
    # issue 7: `post.failed` is a publish whose outcome is failed (action and outcome apart), not an action.
    assert is_unified_shape(UNIFIED) and not is_unified_shape(LIST_ITEM)
    flat = flatten(UNIFIED)
    assert flat == record(
        log_id=synthetic_log_id(UNIFIED), created_at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
        platform="tiktok", action="publish", status="failed", account_id="a1", status_code=400,
        error_code="INVALID_MEDIA", error_message="video too short",
        endpoint="open.tiktokapis.com/v2/post/publish/video/init/", duration_ms=812, user_id="u1",
    )
    assert flat["log_id"].startswith("u") and len(flat["log_id"]) == 25
    assert flatten(dict(reversed(list(UNIFIED.items()))))["log_id"] == flat["log_id"]  # key order irrelevant


def test_empty_entry_gives_an_empty_record_with_a_stable_id() -> None:
    flat = flatten({})
    assert set(flat) == set(RECORD_COLUMNS)
    assert flat["log_id"] == flatten({})["log_id"]
    assert flat["source"] == "default"
    assert all(value is None for name, value in flat.items() if name not in ("log_id", "source"))


@pytest.mark.parametrize(
    ("entry", "column", "expected"),
    [
        ({"_id": 12345}, "log_id", "12345"),
        ({"_id": None, "id": "x1"}, "log_id", "x1"),
        ({"postId": {"_id": None, "id": "p1"}}, "post_id", "p1"),
        ({"postId": None}, "post_id", None),
        ({"postId": 99}, "post_id", "99"),
        ({"statusCode": "502"}, "status_code", 502),
        ({"statusCode": 200.0}, "status_code", 200),
        ({"statusCode": 200.5}, "status_code", None),
        ({"statusCode": True}, "status_code", None),
        ({"statusCode": "n/a"}, "status_code", None),
        ({"statusCode": 2**70}, "status_code", None),  # would overflow the Int64 column
        ({"durationMs": [1]}, "duration_ms", None),
        ({"platform": "discord"}, "platform", "discord"),  # unknown enums are kept
        ({"status": "queued"}, "status", "queued"),
        ({"response": "boom"}, "error_message", None),  # not an object: ignored, not an error
        ({"response": {"errorCode": 190}}, "error_code", "190"),
        ({"response": {"errorMessage": {"message": "x"}}}, "error_message", '{"message": "x"}'),
        ({"request": {"mediaUrls": ["a", None, "b"]}}, "media_urls", "a\n\nb"),
        ({"request": {"mediaUrls": []}}, "media_urls", None),
        ({"request": {"mediaUrls": "https://x/y.jpg"}}, "media_urls", "https://x/y.jpg"),
        ({"createdAt": "garbage"}, "created_at", None),
        ({"createdAt": "0001-01-01T00:00:00Z"}, "created_at", None),  # a sentinel outside the frame's range
        ({"createdAt": 1730455205000}, "created_at", datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ({"request": {"scheduledFor": "2024-11-01T12:00:00+02:00"}}, "scheduled_for",
         datetime(2024, 11, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_odd_field_values_are_tolerated(entry: dict, column: str, expected: object) -> None:
    if "_id" not in entry and "id" not in entry:
        entry = {"_id": "l1", **entry}
    assert flatten(entry)[column] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-01T10:00:05Z", datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ("2024-11-01T10:00:05.123Z", datetime(2024, 11, 1, 10, 0, 5, 123000, tzinfo=UTC)),
        ("2024-11-01T12:00:05+02:00", datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ("2024-11-01T10:00:05", datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),  # naive means UTC
        ("  2024-11-01T10:00:05z ", datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),
        (1730455205, datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),
        (1730455205000, datetime(2024, 11, 1, 10, 0, 5, tzinfo=UTC)),  # epoch milliseconds
        (None, None), ("", None), ("yesterday", None), (True, None), ({"$date": 1}, None),
        (float("nan"), None), (float("inf"), None), (10**20, None),  # unreadable numbers never raise
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_log_id_of_prefers_the_entry_id() -> None:
    assert log_id_of(LIST_ITEM) == "675f1c0a9e2b5af0012ab34cd"
    assert log_id_of(UNIFIED) == synthetic_log_id(UNIFIED)
    # issue 7: a pending log that settles in place keeps its identity (the old hash of the whole entry
    # gave it a second one), while another account at the same instant is another log.
    assert synthetic_log_id(UNIFIED) == synthetic_log_id({**UNIFIED, "status": "success"})
    assert synthetic_log_id(UNIFIED) != synthetic_log_id({**UNIFIED, "account_id": "a2"})


def test_enums_are_the_late_era_lists() -> None:
    assert len(PLATFORMS) == 13 and "snapchat" in PLATFORMS and "googlebusiness" in PLATFORMS
    assert ACTIONS == ("publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled")
    assert STATUSES == ("success", "failed", "pending", "skipped")


def test_to_frame_has_the_schema_and_the_values() -> None:
    frame = to_frame([flatten(LIST_ITEM), flatten(POST_LOG_FAILURE), flatten({"createdAt": "0001-01-01"})])
    assert list(frame.columns) == RECORD_COLUMNS
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == RECORD_DTYPES
    assert frame["log_id"].tolist()[:2] == ["675f1c0a9e2b5af0012ab34cd", "675f1c0a9e2b5af0012ab34ce"]
    assert frame["status_code"].tolist()[:2] == [200, 429]
    assert frame.loc[0, "created_at"] == pd.Timestamp("2024-11-01T10:00:05Z")
    assert pd.isna(frame.loc[2, "created_at"]) and pd.isna(frame.loc[2, "status_code"])


def test_to_frame_of_nothing_keeps_the_schema() -> None:
    frame = to_frame([])
    assert len(frame) == 0
    assert list(frame.columns) == RECORD_COLUMNS
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == RECORD_DTYPES


def test_coerce_frame_adds_missing_columns_converts_types_and_keeps_extras() -> None:
    frame = pd.DataFrame(
        {"log_id": ["a", "b"], "created_at": ["2024-11-01T10:00:05Z", "not a time"],
         "status_code": ["200", None], "extra": [1, 2]}
    )
    coerced = coerce_frame(frame)
    assert {name: str(coerced[name].dtype) for name in RECORD_COLUMNS} == RECORD_DTYPES
    assert coerced["extra"].tolist() == [1, 2]
    assert coerced["status_code"].tolist()[0] == 200 and pd.isna(coerced["status_code"].tolist()[1])
    assert coerced.loc[0, "created_at"] == pd.Timestamp("2024-11-01T10:00:05Z")
    assert pd.isna(coerced.loc[1, "created_at"])
    assert coerced["platform"].isna().all()


def test_coerce_frame_round_trips_a_typed_frame() -> None:
    frame = to_frame([flatten(LIST_ITEM), flatten(UNIFIED)])
    again = coerce_frame(frame.copy())
    pd.testing.assert_frame_equal(again, frame)


def test_a_twin_met_on_a_later_page_takes_the_next_free_number_never_one_already_kept() -> None:
    # Twins split by a page edge used to take the first one's id and be dropped as a repeat.
    assert twin_identity("uabc", {"uabc"}) == "uabc~2"
    assert twin_identity("uabc~2", {"uabc", "uabc~2"}) == "uabc~3"
    assert twin_identity("uabc", {"uabc", "uabc~2", "uabc~3", "uxyz~4"}) == "uabc~4"
