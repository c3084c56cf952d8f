"""The two contracts Late has served its publishing logs in (CONTRACT.md §0, §2, §3, §5): which one an item
follows, their vocabulary (platforms, actions, statuses; the unified actions read as Late-era ones), their
retention, and the unified item's `metadata`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from late_logs.records.values import _first_present, _text

# The Late-era enums (CONTRACT.md §5). Values outside them are kept, never dropped.
PLATFORMS = (
    "tiktok", "instagram", "facebook", "youtube", "linkedin", "twitter", "threads",
    "pinterest", "reddit", "bluesky", "googlebusiness", "telegram", "snapchat",
)
ACTIONS = ("publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled")
STATUSES = ("success", "failed", "pending", "skipped")


# The two shapes Late has served its publishing logs in (CONTRACT.md §0): the Late 1.0.1 camelCase
# `PostLog` with an `_id`, and today's unified snake_case `/v1/logs` item with no id at all.
FLAVOR_LATE = "late-1.0"
FLAVOR_UNIFIED = "unified"
FLAVORS = (FLAVOR_LATE, FLAVOR_UNIFIED)
# How long Late keeps logs under each contract (CONTRACT.md §4, "Retention").
RETENTION_DAYS = {FLAVOR_LATE: 7, FLAVOR_UNIFIED: 90}
# Fields that only one of the two shapes has; an item's shape is read from which of them it carries.
_LATE_ONLY = ("_id", "createdAt", "postId", "accountId", "statusCode", "durationMs", "attemptNumber")
_UNIFIED_ONLY = ("created_at", "account_id", "status_code", "duration_ms", "request_body", "response_body",
                 "error_message", "request_id", "user_id", "type")


# Unified actions (free dotted strings, CONTRACT.md §3) that mean the same as a Late-era action, with the
# outcome they imply. The item's own `status` wins over the implied outcome; unknown actions are kept as
# they come, so a new one shows up verbatim in every filter and chart.
UNIFIED_ACTIONS: dict[str, tuple[str, str | None]] = {
    "post.published": ("publish", "success"),
    "post.failed": ("publish", "failed"),
    "post.partial": ("publish", "failed"),
    "post.pending": ("publish", "pending"),
    "post.publishing": ("publish", "pending"),
    "post.processing": ("publish", "pending"),
    "post.skipped": ("publish", "skipped"),
    "post.retry": ("retry", None),
    "post.retried": ("retry", None),
    "post.cancelled": ("cancelled", None),
    "post.canceled": ("cancelled", None),
    "post.rate_limited": ("rate_limit_pause", None),
    "account.rate_limited": ("rate_limit_pause", None),
    "media.uploaded": ("media_upload", "success"),
    "media.upload_failed": ("media_upload", "failed"),
    "media.upload": ("media_upload", None),
    "token.refreshed": ("token_refresh", "success"),
    "token.refresh_failed": ("token_refresh", "failed"),
    "account.token_refreshed": ("token_refresh", "success"),
    "account.token_refresh_failed": ("token_refresh", "failed"),
}
UNIFIED_TYPES = ("publishing", "connections", "webhooks", "messaging", "workflow_event", "api_request")


def flavor_of_item(entry: Mapping[str, Any]) -> str | None:
    """Which contract one list item follows, by its fields; None when it carries neither's marks."""
    if "_id" in entry or "createdAt" in entry:
        return FLAVOR_LATE
    late = sum(1 for name in _LATE_ONLY if name in entry)
    unified = sum(1 for name in _UNIFIED_ONLY if name in entry)
    if unified > late:
        return FLAVOR_UNIFIED
    if late > unified:
        return FLAVOR_LATE
    return None


def flavor_of_items(items: list[Mapping[str, Any]]) -> str | None:
    """The contract a page of items follows (most items decide), or None for an empty or unreadable page."""
    votes = {FLAVOR_LATE: 0, FLAVOR_UNIFIED: 0}
    for item in items:
        flavor = flavor_of_item(item)
        if flavor is not None:
            votes[flavor] += 1
    if not any(votes.values()):
        return None
    return FLAVOR_UNIFIED if votes[FLAVOR_UNIFIED] > votes[FLAVOR_LATE] else FLAVOR_LATE


def is_unified_shape(entry: Mapping[str, Any]) -> bool:
    """True for the current unified `/v1/logs` item (snake_case, no `_id`)."""
    return flavor_of_item(entry) == FLAVOR_UNIFIED


def parse_metadata(value: Any) -> dict[str, Any]:
    """The unified item's `metadata`, a JSON string by the spec (an object also accepted); {} otherwise."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _meta(metadata: Mapping[str, Any], *names: str) -> Any:
    """A value from metadata under any of its spellings (Zernio does not document the keys)."""
    for name in names:
        value = metadata.get(name)
        if value is not None and value != "":
            return value
    return None


def _metadata_post_id(metadata: Mapping[str, Any]) -> str | None:
    value = _meta(metadata, "post_id", "postId")
    if isinstance(value, Mapping):
        value = _first_present(value, "_id", "id")
    return _text(value)


def unified_vocabulary(action: Any, status: Any, attempt_number: int | None) -> tuple[str | None, str | None]:
    """(action, outcome) in the publishing vocabulary for a unified action and status.

    `post.published` is a publish that succeeded, `post.failed` a publish that failed, ...; the item's own
    `status` wins over what the action implies; a publish after the first attempt is a retry, as in Late
    1.0.1; an action not in `UNIFIED_ACTIONS` is kept verbatim.
    """
    text = _text(action)
    outcome = _text(status)
    if text is None:
        return None, outcome
    mapped = UNIFIED_ACTIONS.get(text.strip().lower())
    if mapped is None:
        return text, outcome
    name, implied = mapped
    if name == "publish" and attempt_number is not None and attempt_number > 1:
        name = "retry"
    return name, outcome or implied


def retention_days_of(flavor: str | None) -> int:
    """How many days Late keeps logs under this contract (the Late-era 7 when it is not known yet)."""
    return RETENTION_DAYS.get(flavor or "", RETENTION_DAYS[FLAVOR_LATE])
