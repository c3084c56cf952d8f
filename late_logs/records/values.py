"""Tolerant readers of one JSON value from a log entry: text, an integer, a time, a mapping, a reference.

Every field of a log entry may be missing or of an unexpected type (CONTRACT.md §7); these turn what came
into what a record column holds, or None, and never raise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

# What the frame's Int64 and datetime64[ns] columns can hold; values outside become missing, because one
# absurd value (a sentinel date like 0001-01-01, an overflowing counter) must not make a whole frame fail.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_FRAME_TIME_MIN = datetime(1677, 9, 22, tzinfo=timezone.utc)  # pd.Timestamp.min, rounded inwards
_FRAME_TIME_MAX = datetime(2262, 4, 11, tzinfo=timezone.utc)  # pd.Timestamp.max, rounded inwards


def _text(value: Any) -> str | None:
    """A string for a scalar, None for missing; objects become compact JSON rather than being lost."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            return None
    if number is None or not _INT64_MIN <= number <= _INT64_MAX:
        return None
    return number


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO-8601 text (`Z` or an offset) or epoch numbers; None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):  # already parsed (the collector judges parsed times too)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):  # NaN, infinity, beyond the platform's time_t
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # an offset pushing 0001-01-01 or 9999-12-31 past the calendar
        return None


def _frame_time(value: Any) -> datetime | None:
    """parse_time, limited to what a datetime64[ns] column holds (sentinels like 0001-01-01 become None)."""
    parsed = parse_time(value)
    if parsed is None or not _FRAME_TIME_MIN <= parsed <= _FRAME_TIME_MAX:
        return None
    return parsed


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first_present(mapping: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` whose value is not None (`{"_id": null, "id": "x"}` gives "x")."""
    for name in names:
        value = mapping.get(name)
        if value is not None:
            return value
    return None


def _reference(value: Any) -> tuple[str | None, Mapping[str, Any]]:
    """`postId`/`accountId`: a plain id string, or a populated object with `_id` (or `id`)."""
    if isinstance(value, Mapping):
        return _text(_first_present(value, "_id", "id")), value
    return _text(value), {}
