"""How one list item departs from its contract's shape (an unknown field, a value of another type, an
unknown status or type): counted per pass and told, never a crash; the item is stored all the same."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from late_logs.records.contracts import FLAVOR_UNIFIED, STATUSES, UNIFIED_TYPES, parse_metadata
from late_logs.records.identity import IDENTITY_KEY
from late_logs.records.values import _text

# What each field of a unified item is, by the Zernio spec (CONTRACT.md §3): a value of another type, or a
# field not listed here, is drift, counted per pass and never a crash.
UNIFIED_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **{name: (str,) for name in (
        "type", "action", "user_id", "platform", "account_id", "status", "error_message", "error_code",
        "endpoint", "request_body", "response_body", "created_at", "metadata", "request_id", "api_key_id",
        "method", "path", "ip_address", "user_agent",
    )},
    "status_code": (int,),
    "duration_ms": (int,),
}
LATE_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **{name: (str,) for name in (
        "_id", "userId", "profileId", "platform", "accountUsername", "action", "status", "endpoint",
        "createdAt",
    )},
    "postId": (str, dict),
    "accountId": (str, dict),
    "statusCode": (int,),
    "durationMs": (int,),
    "attemptNumber": (int,),
    "request": (dict,),
    "response": (dict,),
    "metadata": (dict,),
}


def drift_of(entry: Any, flavor: str) -> list[tuple[str, str]]:
    """How one list item departs from its contract's shape: (kind, example) pairs, empty when it fits.

    Kinds: "not an object", "unknown field <name>", "<field> is <type>", "unknown status <value>",
    "unknown type <value>". Only counted and told; the item is stored all the same.
    """
    if not isinstance(entry, Mapping):
        return [("not an object", _text(entry) or "null")]
    types = UNIFIED_FIELD_TYPES if flavor == FLAVOR_UNIFIED else LATE_FIELD_TYPES
    found: list[tuple[str, str]] = []
    for name, value in entry.items():
        if name == IDENTITY_KEY:
            continue
        allowed = types.get(name)
        if allowed is None:
            found.append((f"unknown field {name}", f"{name}={_short(value)}"))
        elif value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
            found.append((f"{name} is {type(value).__name__}", f"{name}={_short(value)}"))
    status = entry.get("status")
    if isinstance(status, str) and status not in STATUSES:
        found.append((f"unknown status {status}", f"status={_short(status)}"))
    if flavor == FLAVOR_UNIFIED:
        kind = entry.get("type")
        if isinstance(kind, str) and kind not in UNIFIED_TYPES:
            found.append((f"unknown type {kind}", f"type={_short(kind)}"))
        metadata = entry.get("metadata")
        if isinstance(metadata, str) and metadata.strip() and not parse_metadata(metadata):
            found.append(("metadata is not a JSON object", f"metadata={_short(metadata)}"))
    return found


def _short(value: Any) -> str:
    text = _text(value) or "null"
    return text if len(text) <= 60 else text[:57] + "..."
