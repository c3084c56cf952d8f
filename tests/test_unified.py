"""Today's Late API (issue 7): the unified `/v1/logs` beside the 1.0.1 contract.

Items here are written from the Zernio spec text (CONTRACT.md §3, zernio-openapi-full-2026-08-22.yaml), not
from the simulator: snake_case fields, no id, `request_body`/`response_body`/`metadata` as strings.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from late_logs import records
from late_logs.records import (
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    bodies_of,
    drift_of,
    flatten,
    flavor_of_items,
    identity_of,
    stamp_identities,
)
from late_logs.redact import redact_value

UTC = timezone.utc

# A unified item as the spec describes it, by hand.
PENDING = {
    "type": "publishing",
    "action": "post.pending",
    "user_id": "64e1f0a9e2b5af0012ab34de",
    "platform": "instagram",
    "account_id": "64e1f0a9e2b5af0012ab34ef",
    "status": "pending",
    "endpoint": "graph.facebook.com/v21.0/me/media_publish?access_token=EAAGm0PX4ZCpsBAKZCZBnotreal123456",
    "request_body": '{"caption":"Launch day","image_url":"https://storage.zernio.com/a.jpg"}',
    "created_at": "2026-08-20T10:00:05.120Z",
    "metadata": json.dumps({"post_id": "65f1c0a9e2b5af0012ab34cd", "attempt_number": 1}),
    "request_id": "req_7f3a",
}
SETTLED = {
    **PENDING,
    "action": "post.published",
    "status": "success",
    "status_code": 200,
    "duration_ms": 2340,
    "response_body": '{"id":"17895695668004550"}',
    "metadata": json.dumps(
        {
            "post_id": "65f1c0a9e2b5af0012ab34cd",
            "attempt_number": 1,
            "platform_post_url": "https://www.instagram.com/p/ABC123/",
            "account_username": "acmecorp",
        }
    ),
}


def test_a_pending_unified_log_that_settles_in_place_keeps_one_identity() -> None:
    assert identity_of(PENDING) == identity_of(SETTLED)
    assert flatten(PENDING)["log_id"] == flatten(SETTLED)["log_id"]


def test_identity_is_the_same_before_and_after_redaction_once_stamped() -> None:
    # The endpoint carries a token: hashing the redacted copy would give the log a second id.
    (stamped,), _ = stamp_identities([PENDING])
    redacted = redact_value(stamped)
    assert redacted["endpoint"] != PENDING["endpoint"]
    assert identity_of(redacted) == identity_of(PENDING) == stamped[records.IDENTITY_KEY]


def test_entries_that_cannot_be_told_apart_are_kept_and_counted() -> None:
    stamped, twins = stamp_identities([PENDING, dict(PENDING), dict(PENDING)])
    ids = [identity_of(item) for item in stamped]
    assert twins == 2 and len(set(ids)) == 3
    assert ids[1] == ids[0] + "~2" and ids[2] == ids[0] + "~3"


def test_another_account_at_the_same_instant_is_another_log() -> None:
    assert identity_of(PENDING) != identity_of({**PENDING, "account_id": "other"})


def test_a_late_era_item_without_id_gets_one_identity_whatever_its_status() -> None:
    item = {"postId": "p1", "accountId": "a1", "platform": "x", "action": "publish", "status": "pending",
            "attemptNumber": 1, "createdAt": "2026-02-10T09:00:00Z"}
    settled = {**item, "status": "failed", "response": {"errorMessage": "boom"}}
    assert identity_of(item) == identity_of(settled)


def test_unified_actions_map_onto_the_publishing_vocabulary() -> None:
    flat = flatten(SETTLED)
    assert (flat["action"], flat["status"]) == ("publish", "success")
    assert flatten({**SETTLED, "action": "post.failed", "status": "failed"})["action"] == "publish"
    assert flatten({**SETTLED, "action": "post.failed", "status": None})["status"] == "failed"
    retry = {**SETTLED, "metadata": json.dumps({"attempt_number": 2})}
    assert flatten(retry)["action"] == "retry"


def test_an_unknown_unified_action_is_kept_verbatim() -> None:
    assert flatten({**SETTLED, "action": "post.teleported"})["action"] == "post.teleported"


def test_metadata_gives_post_account_attempt_and_post_url() -> None:
    flat = flatten(SETTLED)
    assert flat["post_id"] == "65f1c0a9e2b5af0012ab34cd"
    assert flat["attempt_number"] == 1
    assert flat["platform_post_url"] == "https://www.instagram.com/p/ABC123/"
    assert flat["account_username"] == "acmecorp"
    assert flat["created_at"] == datetime(2026, 8, 20, 10, 0, 5, 120000, tzinfo=UTC)


def test_without_a_post_id_in_metadata_the_request_id_is_the_post_key() -> None:
    assert flatten({**SETTLED, "metadata": "{}"})["post_id"] == "req_7f3a"


def test_bodies_are_read_from_either_contract() -> None:
    assert bodies_of(SETTLED) == (SETTLED["request_body"], SETTLED["response_body"])
    detail = {"_id": "x", "request": {"rawBody": "{}"}, "response": {"rawBody": "[]"}}
    assert bodies_of(detail) == ("{}", "[]")
    assert bodies_of({"_id": "x"}) == (None, None)


def test_the_shape_of_a_page_tells_the_contract() -> None:
    assert flavor_of_items([SETTLED, PENDING]) == FLAVOR_UNIFIED
    assert flavor_of_items([{"_id": "a", "createdAt": "2026-02-10T09:00:00Z"}]) == FLAVOR_LATE
    assert flavor_of_items([]) is None


def test_drift_counts_an_unknown_field_type_and_enum_without_failing() -> None:
    kinds = [kind for kind, _ in drift_of({**SETTLED, "status_code": "200", "type": "teleport",
                                           "status": "exploded", "new_field": 1}, FLAVOR_UNIFIED)]
    assert "status_code is str" in kinds
    assert "unknown type teleport" in kinds and "unknown status exploded" in kinds
    assert "unknown field new_field" in kinds
    assert drift_of(SETTLED, FLAVOR_UNIFIED) == []
    assert flatten({**SETTLED, "status_code": "oops", "metadata": "not json"})["status_code"] is None


def test_retention_by_contract() -> None:
    assert records.retention_days_of(FLAVOR_UNIFIED) == 90
    assert records.retention_days_of(FLAVOR_LATE) == 7
