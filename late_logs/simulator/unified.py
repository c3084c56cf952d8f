"""How the simulated world looks through today's unified `GET /v1/logs` (Zernio, CONTRACT.md §3).

The same attempts and connection events as the Late 1.0.1 rendering, in the unified snake_case item: no
`_id` and no post id, `request_body` / `response_body` / `metadata` as strings, a dotted `action`, and a
`request_id` that ties together every log one API call (the post's creation) spawned. A pending attempt
settles in place: same `created_at`, account and request id; its status, action, bodies and metadata
change.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from .render import _raw_request, _raw_response
from .world import Attempt, World, iso

MAX_REQUEST_BODY = 5 * 1024  # "Request JSON (truncated to 5KB)"
MAX_RESPONSE_BODY = 10 * 1024  # "Response JSON (truncated to 10KB)"

# Late-era (action, status) as a unified dotted action.
_POST_ACTIONS = {"success": "post.published", "failed": "post.failed", "pending": "post.pending",
                 "skipped": "post.skipped"}
_MEDIA_ACTIONS = {"success": "media.uploaded", "failed": "media.upload_failed", "pending": "media.upload",
                  "skipped": "media.upload"}
_TOKEN_ACTIONS = {"success": "token.refreshed", "failed": "token.refresh_failed",
                  "pending": "token.refreshed", "skipped": "token.refreshed"}
_CONNECTION_ACTIONS = {
    "connect_success": ("account.connected", "success"),
    "connect_failed": ("account.connection_failed", "failed"),
    "disconnect": ("account.disconnected", "success"),
    "reconnect_success": ("account.reconnected", "success"),
    "reconnect_failed": ("account.reconnect_failed", "failed"),
}


def unified_action(action: str, status: str) -> str:
    if action in ("publish", "retry"):
        return _POST_ACTIONS.get(status, "post.published")
    if action == "media_upload":
        return _MEDIA_ACTIONS.get(status, "media.upload")
    if action == "token_refresh":
        return _TOKEN_ACTIONS.get(status, "token.refreshed")
    if action == "rate_limit_pause":
        return "post.rate_limited"
    return "post.cancelled"


def request_id_of(post_id: str) -> str:
    """The correlation id of the API call that created the post (stable, derived from the post)."""
    return "req_" + hashlib.sha256(post_id.encode("ascii")).hexdigest()[:20]


def publishing_item(world: World, attempt: Attempt, now_ms: int) -> dict[str, Any]:
    """One attempt as a `type=publishing` unified item, as it looks at `now_ms`."""
    post = attempt.post
    account = attempt.account
    outcome = attempt.outcome_at(now_ms)
    # The same seed as the Late-era detail, so both renderings carry the same bodies.
    rnd = random.Random(f"{world.seed}:detail:{attempt.id}")
    raw_request = _raw_request(attempt, rnd)
    raw_response = _raw_response(attempt, outcome, rnd)
    item: dict[str, Any] = {
        "type": "publishing",
        "action": unified_action(attempt.action, outcome.status),
        "user_id": world.user_id,
        "platform": account.platform,
        "account_id": account.id,
        "status": outcome.status,
    }
    if outcome.status_code is not None:
        item["status_code"] = outcome.status_code
    if outcome.error_message is not None:
        item["error_message"] = outcome.error_message
    if outcome.error_code is not None:
        item["error_code"] = outcome.error_code
    item["duration_ms"] = outcome.duration_ms
    if attempt.endpoint:
        item["endpoint"] = attempt.endpoint
    if raw_request:
        item["request_body"] = raw_request[:MAX_REQUEST_BODY]
    if raw_response:
        item["response_body"] = raw_response[:MAX_RESPONSE_BODY]
    item["created_at"] = iso(attempt.created_ms)
    metadata: dict[str, Any] = {
        "post_id": post.id,
        "profile_id": account.profile.id,
        "account_username": account.username,
        "attempt_number": attempt.attempt_number,
        "content_preview": post.content[:200],
        "media_urls": [url for _, url in attempt.media],
    }
    if outcome.platform_post_id:
        metadata["platform_post_id"] = outcome.platform_post_id
    if outcome.platform_post_url:
        metadata["platform_post_url"] = outcome.platform_post_url
    if attempt.pending is not None and now_ms >= attempt.settle_ms:
        metadata["settled_at"] = iso(attempt.settle_ms)
    item["metadata"] = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    item["request_id"] = request_id_of(post.id)
    return item


def connection_item(entry: dict[str, Any]) -> dict[str, Any]:
    """A Late-era connection log entry as a `type=connections` unified item."""
    action, status = _CONNECTION_ACTIONS.get(entry.get("eventType", ""), ("account.event", "success"))
    item: dict[str, Any] = {"type": "connections", "action": action}
    if entry.get("userId"):
        item["user_id"] = entry["userId"]
    item["platform"] = entry.get("platform")
    if entry.get("accountId"):
        item["account_id"] = entry["accountId"]
    item["status"] = status
    error = entry.get("error") or {}
    if error.get("message"):
        item["error_message"] = error["message"]
    if error.get("code"):
        item["error_code"] = error["code"]
    item["duration_ms"] = entry.get("durationMs")
    if error.get("rawResponse"):
        item["response_body"] = error["rawResponse"]
    item["created_at"] = entry.get("createdAt")
    metadata = {
        "event_type": entry.get("eventType"),
        "connection_method": entry.get("connectionMethod"),
        "profile_id": entry.get("profileId"),
        "success": entry.get("success"),
        "context": entry.get("context"),
    }
    item["metadata"] = json.dumps({k: v for k, v in metadata.items() if v is not None}, ensure_ascii=False)
    return item
