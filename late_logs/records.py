"""The only place that knows Late's field names: a raw log entry becomes one flat record.

Tolerant by design (CONTRACT.md §7): every field may be missing or of an unexpected type, `postId` and
`accountId` may be strings or populated objects, and enum values we have never seen are kept as they are.
A second source shape, the unified snake_case `/v1/logs` item (no `_id`), is read too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import pandas as pd

# Columns of the attempts frame, in display order, with their pandas dtypes. Everything downstream
# (store, analysis, charts, pages, export) uses these names and nothing of Late's.
RECORD_DTYPES: dict[str, str] = {
    "log_id": "string",
    "created_at": "datetime64[ns, UTC]",
    "platform": "string",
    "action": "string",
    "status": "string",
    "account_id": "string",
    "account_username": "string",
    "post_id": "string",
    "post_content": "string",
    "status_code": "Int64",
    "error_code": "string",
    "error_message": "string",
    "endpoint": "string",
    "content_preview": "string",
    "media_count": "Int64",
    "media_urls": "string",
    "platform_post_id": "string",
    "platform_post_url": "string",
    "duration_ms": "Int64",
    "attempt_number": "Int64",
    "scheduled_for": "datetime64[ns, UTC]",
    "user_id": "string",
    "profile_id": "string",
}
RECORD_COLUMNS: list[str] = list(RECORD_DTYPES)

# The Late-era enums (CONTRACT.md §5). Values outside them are kept, never dropped.
PLATFORMS = (
    "tiktok", "instagram", "facebook", "youtube", "linkedin", "twitter", "threads",
    "pinterest", "reddit", "bluesky", "googlebusiness", "telegram", "snapchat",
)
ACTIONS = ("publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled")
STATUSES = ("success", "failed", "pending", "skipped")

# Which columns a record's media URLs are joined with in the flat frame.
MEDIA_URL_SEPARATOR = "\n"

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


def is_unified_shape(entry: Mapping[str, Any]) -> bool:
    """True for the current unified `/v1/logs` item (snake_case, no `_id`)."""
    return "_id" not in entry and any(k in entry for k in ("created_at", "status_code", "error_message"))


def synthetic_log_id(entry: Mapping[str, Any]) -> str:
    """A stable id for an entry that carries none (the unified shape): a hash of its content."""
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
    return "u" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def log_id_of(entry: Mapping[str, Any]) -> str:
    """The entry's log id: `_id` (or `id`), or a content hash when the source gives none."""
    value = _text(_first_present(entry, "_id", "id"))
    return value if value else synthetic_log_id(entry)


def flatten(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One raw log entry (list item or detail, either source shape) as a dict of RECORD_COLUMNS."""
    if is_unified_shape(entry):
        return _flatten_unified(entry)
    request = _mapping(entry.get("request"))
    response = _mapping(entry.get("response"))
    post_id, post = _reference(entry.get("postId"))
    account_id, account = _reference(entry.get("accountId"))
    username = _text(entry.get("accountUsername")) or _text(account.get("username"))
    media_urls = request.get("mediaUrls")
    if isinstance(media_urls, list):
        media_text = MEDIA_URL_SEPARATOR.join(_text(u) or "" for u in media_urls)
    else:
        media_text = _text(media_urls)
    return {
        "log_id": log_id_of(entry),
        "created_at": _frame_time(entry.get("createdAt")),
        "platform": _text(entry.get("platform")),
        "action": _text(entry.get("action")),
        "status": _text(entry.get("status")),
        "account_id": account_id,
        "account_username": username,
        "post_id": post_id,
        "post_content": _text(post.get("content")),
        "status_code": _integer(entry.get("statusCode")),
        "error_code": _text(response.get("errorCode")),
        "error_message": _text(response.get("errorMessage")),
        "endpoint": _text(entry.get("endpoint")),
        "content_preview": _text(request.get("contentPreview")),
        "media_count": _integer(request.get("mediaCount")),
        "media_urls": media_text or None,
        "platform_post_id": _text(response.get("platformPostId")),
        "platform_post_url": _text(response.get("platformPostUrl")),
        "duration_ms": _integer(entry.get("durationMs")),
        "attempt_number": _integer(entry.get("attemptNumber")),
        "scheduled_for": _frame_time(request.get("scheduledFor")),
        "user_id": _text(entry.get("userId")),
        "profile_id": _text(entry.get("profileId")),
    }


def _flatten_unified(entry: Mapping[str, Any]) -> dict[str, Any]:
    record = dict.fromkeys(RECORD_COLUMNS)
    record.update(
        log_id=log_id_of(entry),
        created_at=_frame_time(entry.get("created_at")),
        platform=_text(entry.get("platform")),
        action=_text(entry.get("action")),
        status=_text(entry.get("status")),
        account_id=_text(entry.get("account_id")),
        status_code=_integer(entry.get("status_code")),
        error_code=_text(entry.get("error_code")),
        error_message=_text(entry.get("error_message")),
        endpoint=_text(entry.get("endpoint")),
        duration_ms=_integer(entry.get("duration_ms")),
        user_id=_text(entry.get("user_id")),
    )
    return record


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Flat records as a frame with exactly RECORD_COLUMNS and RECORD_DTYPES (an empty frame keeps them)."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    return coerce_frame(frame)


def coerce_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the record columns and dtypes; missing columns appear empty, unknown ones are kept."""
    for column, dtype in RECORD_DTYPES.items():
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype="object")
        if str(frame[column].dtype) != dtype:
            if dtype.startswith("datetime"):
                frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce").astype(dtype)
            else:
                frame[column] = frame[column].astype(dtype)
    return frame


# --- what a later listing may change, and which times to trust (the store's write path) -------------------

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
    # Times are judged by plausibility, not kind: epoch milliseconds may replace ISO text and back.
    times = {name: later[name] for name in CREATED_AT_FIELDS if name in later}
    merged = _merge_fields(stored, {k: v for k, v in later.items() if k not in times}, ignored)
    for name, value in times.items():
        previous = stored.get(name)
        if previous is None:
            merged[name] = value
        elif value is None:
            ignored["null_ignored"] = ignored.get("null_ignored", 0) + 1
        elif suspicious_time(previous, now) is None and suspicious_time(value, now) is not None:
            ignored["bad_time"] = ignored.get("bad_time", 0) + 1
        else:
            merged[name] = value
    return merged, ignored


def _merge_fields(stored: Mapping[str, Any], later: Mapping[str, Any], ignored: dict[str, int]) -> dict:
    merged = dict(stored)
    for key, value in later.items():
        previous = merged.get(key)
        if previous is None:
            merged[key] = value
        elif value is None:
            ignored["null_ignored"] = ignored.get("null_ignored", 0) + 1
        elif isinstance(previous, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_fields(previous, value, ignored)
        elif isinstance(previous, Mapping) and value in (previous.get("_id"), previous.get("id")):
            continue  # the plain id of the populated object we hold: nothing new
        elif isinstance(value, Mapping) and previous in (value.get("_id"), value.get("id")):
            merged[key] = value  # the populated object behind the plain id we hold
        elif _kind(previous) != _kind(value):
            ignored["type_changed"] = ignored.get("type_changed", 0) + 1
        else:
            merged[key] = value
    return merged
