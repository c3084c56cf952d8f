"""What a later listing may change in a stored raw entry, and which creation times to trust: the store's
write path lays every listing over what it holds with these rules, so bad input never erases good data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from late_logs.records.values import parse_time

# A createdAt outside [2000-01-01, clock + 1 day] is not a time Late can have written: Late did not exist
# before 2000, and a day covers any clock skew between Late's servers and ours.
EARLIEST_PLAUSIBLE_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(days=1)
# The top-level time fields that place an attempt in time (Late's shape, then the unified shape).
CREATED_AT_FIELDS = ("createdAt", "created_at")


def suspicious_time(value: Any, now: datetime) -> str | None:
    """Why `value` cannot be an attempt's creation time ("missing", "unreadable", "before 2000",
    "in the future"), or None when it can. `now` is the wall clock, never a time taken from the data."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing"
    moment = parse_time(value)
    if moment is None:
        return "unreadable"
    if moment < EARLIEST_PLAUSIBLE_TIME:
        return "before 2000"
    if moment > now + FUTURE_TOLERANCE:
        return "in the future"
    return None


def _kind(value: Any) -> str:
    """The JSON kind of a value; int and float are one kind (Late writes 1200 and 1200.0 alike)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return "string" if isinstance(value, str) else type(value).__name__


def merge_listing(
    stored: Mapping[str, Any], later: Mapping[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, int]]:
    """A later listing of an attempt laid over its stored raw entry, field by field, never destroying.

    - a null (or missing) value never erases a present one ("null_ignored");
    - a value of another kind never replaces a present one: a string where an object was keeps the object
      ("type_changed"); except that a populated object may replace the plain id string it carries
      (`postId`, `accountId`), and a plain id never replaces the populated object;
    - nested objects merge by the same rules, so a list entry does not erase a detail's bodies;
    - a createdAt that `suspicious_time` rejects never replaces a plausible stored one ("bad_time"), so a
      listing with createdAt 0 cannot move a stored attempt to 1970, where retention would drop it.

    Returns the merged entry and how many values of each kind were ignored (only non-zero counts).
    """
    ignored: dict[str, int] = {}
    return _merge_fields(stored, later, ignored, now), ignored


def _merge_fields(
    stored: Mapping[str, Any], later: Mapping[str, Any], ignored: dict[str, int], now: datetime | None
) -> dict:
    """merge_listing's rules over one level; `now` at the top level only, where the creation times stand."""
    merged = dict(stored)
    items = later.items()
    if now is not None:  # the times last, in CREATED_AT_FIELDS order: a new field's place stays as it was
        order = {name: place for place, name in enumerate(CREATED_AT_FIELDS, start=1)}
        items = sorted(items, key=lambda item: order.get(item[0], 0))
    for key, value in items:
        previous = merged.get(key)
        if previous is None:
            merged[key] = value
        elif value is None:
            ignored["null_ignored"] = ignored.get("null_ignored", 0) + 1
        elif now is not None and key in CREATED_AT_FIELDS:
            # Times are judged by plausibility, not kind: epoch milliseconds may replace ISO text and back.
            if suspicious_time(previous, now) is None and suspicious_time(value, now) is not None:
                ignored["bad_time"] = ignored.get("bad_time", 0) + 1
            else:
                merged[key] = value
        elif isinstance(previous, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_fields(previous, value, ignored, None)
        elif isinstance(previous, Mapping) and value in (previous.get("_id"), previous.get("id")):
            continue  # the plain id of the populated object we hold: nothing new
        elif isinstance(value, Mapping) and previous in (value.get("_id"), value.get("id")):
            merged[key] = value  # the populated object behind the plain id we hold
        elif _kind(previous) != _kind(value):
            ignored["type_changed"] = ignored.get("type_changed", 0) + 1
        else:
            merged[key] = value
    return merged
