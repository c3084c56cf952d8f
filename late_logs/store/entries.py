"""Raw entries as the store keeps them: redacted, JSON-clean, merged listing over listing, with our own note
on an impossible createdAt, and packed one per attempt (deflated JSON behind a CRC-32) for the id table.

A later listing never destroys what is stored (records.merge_listing): nulls and values of another type are
ignored and counted, and a createdAt that cannot be true (missing, unreadable, before 2000, more than a day
ahead) neither moves a stored attempt nor prunes anything.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from late_logs.records import (
    CREATED_AT_FIELDS,
    DEFAULT_SOURCE,
    NOTE_KEY,
    log_id_of,
    merge_listing,
    parse_time,
    source_of,
    split_log_id,
    stamp_identities,
    suspicious_time,
    with_source,
)
from late_logs.redact import candidate_pattern, redact_text, redact_value

# Our own note inside a stored raw entry, never Late's: when its createdAt cannot be true, the time we first
# saw the attempt. The frame shows the attempt at that time (visible in every time view, never in 1970 where
# retention would drop it, never in 2027 where it would sit above everything), while the raw entry keeps the
# createdAt exactly as received. RECORD_COLUMNS stay as they are (exports and CSV columns are a contract), so
# the flag is this note plus the index's suspect mark (LogStore.suspect_time_ids).
LOCAL_NOTE_KEY = NOTE_KEY  # "_late_logs"
# A packed entry: magic, CRC-32 and length of the JSON, then the JSON deflated against _SHAPES, a preset
# dictionary of both contracts' field names. One entry alone is too short for a compressor to learn them:
# measured on collector-shaped entries (bench/bench_store_write.py), zstd without a dictionary (pyarrow's
# codec has none) kept 62 % of the bytes, deflate with this dictionary 28 %. The dictionary is part of the
# format: change it only under a new magic.
_RAW_MAGIC = b"LLD1"
_HEADER = struct.Struct("<4sII")
_SHAPES = json.dumps(
    [
        {"type": "publishing", "action": "post.failed", "status": "failed", "platform": "instagram",
         "status_code": 400, "error_message": "", "request_id": "req_", "user_id": "", "account_id": "",
         "post_id": "", "duration_ms": 0, "request_body": '{"caption":"',
         "response_body": '{"error":{"message":"',
         "metadata": "{}", "created_at": "2026-01-01T00:00:00.000Z", "late_logs_id": ""},
        {"_id": "", "postId": {"_id": "", "content": "", "status": "published",
                               "scheduledFor": "2026-01-01T00:00:00.000Z"},
         "userId": "", "platform": "facebook",
         "accountId": {"_id": "", "platform": "tiktok", "username": "", "displayName": ""},
         "accountUsername": "@", "action": "publish", "status": "success", "statusCode": 200,
         "endpoint": "graph.facebook.com/v19.0/me/media_publish",
         "request": {"contentPreview": "", "mediaCount": 1, "mediaTypes": ["image", "video"],
                     "mediaUrls": ["https://"], "rawBody": ""},
         "response": {"platformPostId": "", "platformPostUrl": "https://www.", "errorMessage": "",
                      "errorCode": "", "rawBody": ""},
         "durationMs": 1000, "attemptNumber": 1, "createdAt": "2026-01-01T00:00:00.000Z",
         "_late_logs": {"timeSuspect": "", "firstSeenAt": ""}},
    ],
    separators=(",", ":"),
).encode("utf-8")


def pack_raw(entry: Mapping[str, Any]) -> bytes:
    """A raw entry as stored: compact JSON, deflated, with a CRC-32 that finds any flipped bit."""
    text = dump(entry).encode("utf-8")
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _SHAPES)
    return _HEADER.pack(_RAW_MAGIC, zlib.crc32(text), len(text)) + packer.compress(text) + packer.flush()


def unpack_raw(blob: Any) -> dict[str, Any]:
    """pack_raw undone; ValueError for anything that is not a whole, undamaged packed entry."""
    if not isinstance(blob, (bytes, bytearray, memoryview)) or len(blob) < _HEADER.size:
        raise ValueError("not a packed raw entry")
    blob = bytes(blob)
    magic, crc, size = _HEADER.unpack_from(blob)
    if magic != _RAW_MAGIC:
        raise ValueError("not a packed raw entry")
    try:
        unpacker = zlib.decompressobj(-15, _SHAPES)
        text = unpacker.decompress(blob[_HEADER.size :], size + 1) + unpacker.flush()
    except zlib.error as exc:
        raise ValueError(f"undecodable raw entry ({exc})") from None
    if len(text) != size or zlib.crc32(text) != crc:
        raise ValueError("checksum mismatch")
    try:
        entry = json.loads(text)
    except ValueError:
        raise ValueError("undecodable raw entry") from None
    if not isinstance(entry, dict):
        raise ValueError("a raw entry that is not an object")
    return entry


def plain_json(value: Any) -> Any:
    """A JSON-clean copy (lists, not tuples; odd scalars as strings): stored and incoming data compare."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def redacted_json(value: Any) -> Any:
    """plain_json(redact_value(value)), without the JSON round trip when it would change nothing.

    redact_value builds new dicts and lists all the way down and keeps only immutable scalars, so when its
    copy holds nothing but dicts with text keys, lists, text, ints, booleans, None and finite floats (every
    entry parsed from Late's JSON) that copy already is what the round trip would give back.
    """
    redacted = redact_value(value)
    return redacted if _json_clean(redacted) else plain_json(redacted)


_CLEAN_SCALARS = frozenset({str, int, bool, type(None)})


def _json_clean(value: Any) -> bool:
    """True when json.loads(json.dumps(value)) equals `value` with the same types and key order."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _CLEAN_SCALARS:
            continue
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif kind is not float or not math.isfinite(item):  # NaN comes back as another NaN object
            return False
    return True


def dump(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str)


def merge_raw(old: Mapping[str, Any], new: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """`new` laid over `old` by records.merge_listing: nested objects merge, a null or a value of another type
    never replaces a stored value, a plain id string does not replace the populated object with that id, and
    an impossible createdAt does not replace a plausible one (`now`: the wall clock by default)."""
    return merge_listing(old, new, now or datetime.now(timezone.utc))[0]


def add_counts(total: dict[str, int], more: Mapping[str, int]) -> None:
    for kind, count in more.items():
        total[kind] = total.get(kind, 0) + int(count)


def _created_value(raw: Mapping[str, Any]) -> Any:
    """The entry's creation time as received (Late's `createdAt`, or the unified shape's `created_at`)."""
    return next((raw[name] for name in CREATED_AT_FIELDS if raw.get(name) is not None), None)


def note_time(raw: dict[str, Any], now: datetime) -> bool:
    """Write (or drop) our note on `raw`'s createdAt; True when the time as received cannot be true.

    The note keeps the time we first saw the attempt, so the attempt keeps its place in time views across
    later listings that still carry the impossible time; a plausible createdAt later drops the note."""
    reason = suspicious_time(_created_value(raw), now)
    note = raw.get(LOCAL_NOTE_KEY)
    note = dict(note) if isinstance(note, Mapping) else {}
    if reason is None:
        note.pop("timeSuspect", None)
        note.pop("firstSeenAt", None)
        if note:
            raw[LOCAL_NOTE_KEY] = note
        else:
            raw.pop(LOCAL_NOTE_KEY, None)
        return False
    if parse_time(note.get("firstSeenAt")) is None:
        note["firstSeenAt"] = now.isoformat()
    note["timeSuspect"] = reason
    raw[LOCAL_NOTE_KEY] = note
    return True


def time_suspect(raw: Mapping[str, Any]) -> bool:
    note = raw.get(LOCAL_NOTE_KEY)
    return isinstance(note, Mapping) and bool(note.get("timeSuspect"))


def shown_time(raw: Mapping[str, Any], now: datetime) -> datetime | None:
    """Where a suspect attempt is shown: the time first seen (None when the createdAt can be trusted)."""
    if not time_suspect(raw):
        return None
    return parse_time(raw[LOCAL_NOTE_KEY].get("firstSeenAt")) or now


def kept_note(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw entry on its way in without our notes, except its source (written by the collector, which
    replaces any `_late_logs` Late sent): the attempt's identity depends on it."""
    label = source_of(raw)
    raw.pop(LOCAL_NOTE_KEY, None)
    return with_source(raw, label) if label != DEFAULT_SOURCE else raw


def detail_of_source(detail: dict[str, Any], log_id: str) -> dict[str, Any]:
    """A detail Late sent (no note) for an attempt of another source than the default one, noting it: the
    detail's own `_id` then reads as the stored attempt's id."""
    label = split_log_id(log_id)[0]
    return with_source(detail, label) if label != DEFAULT_SOURCE else detail


def redacted_batch(
    entries: Iterable[Mapping[str, Any]], now: datetime, ignored: dict[str, int], restoring: bool = False
) -> dict[str, dict[str, Any]]:
    """Entries as the store keeps them, one per log id (a later twin in the batch merged over the earlier)."""
    batch: dict[str, dict[str, Any]] = {}
    # The identity is taken from the entry as Late sent it, before redaction (records.identity_of), and
    # stamped into it, so the collector and the store give one log one id.
    stamped, _ = stamp_identities(
        [entry for entry in entries if isinstance(entry, Mapping)], keep_twins=False
    )
    for entry in stamped:
        raw = redacted_json(entry)
        if not isinstance(raw, dict):
            continue
        if not restoring:
            raw = kept_note(raw)  # only this store writes its notes, never Late (the source aside)
        log_id = log_id_of(raw)
        if log_id in batch:
            raw, counts = merge_listing(batch[log_id], raw, now)
            add_counts(ignored, counts)
        batch[log_id] = raw
    return batch


def connection_id(entry: Mapping[str, Any]) -> str:
    # The same identity rule as attempts (an id, else the stamp taken before redaction).
    return log_id_of(entry)


def redact_text_column(column: pd.Series) -> pd.Series:
    """redact_text over a text column, once per distinct value.

    The distinct values are screened in one vectorised pass (pyarrow's RE2) for anything redaction could
    act on (`candidate_pattern`); only the values it flags go through redact_text. Each value is judged on
    its own, so nothing in a neighbouring value (an earlier `[REDACTED]`, say) can hide a secret.
    """
    distinct = pa.array(column.dropna().unique(), pa.large_string())
    flagged = pc.match_substring_regex(distinct, candidate_pattern(), ignore_case=True)
    replacements: dict[str, str] = {}
    for value in distinct.filter(flagged).to_pylist():
        redacted = redact_text(value)
        if redacted != value:
            replacements[value] = redacted
    if not replacements:
        return column
    return column.replace(replacements).astype("string")
