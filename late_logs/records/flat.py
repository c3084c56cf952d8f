"""The flat record: the attempts frame's columns and dtypes, and a log entry of either contract read into
them (`flatten`), with the few fields callers read of an entry without flattening it (post, outcome, time,
bodies)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from late_logs.records.contracts import (
    _meta,
    _metadata_post_id,
    is_unified_shape,
    parse_metadata,
    unified_vocabulary,
)
from late_logs.records.identity import log_id_of
from late_logs.records.sources import DEFAULT_SOURCE, source_of
from late_logs.records.values import (
    _first_present,
    _frame_time,
    _integer,
    _mapping,
    _reference,
    _text,
    parse_time,
)

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
    # Ours, not Late's: the label of the workspace (source) the attempt was collected from. Last, so the
    # columns before it keep their places in exports.
    "source": "string",
}
RECORD_COLUMNS: list[str] = list(RECORD_DTYPES)


# Which columns a record's media URLs are joined with in the flat frame.
MEDIA_URL_SEPARATOR = "\n"


def post_key_of(entry: Mapping[str, Any]) -> str | None:
    """The post an entry belongs to: Late 1.0.1 `postId` (a plain id or a populated object), or in a
    unified item the post id in `metadata`, else `request_id` (the logs one API call spawned)."""
    if is_unified_shape(entry):
        return _metadata_post_id(parse_metadata(entry.get("metadata"))) or _text(entry.get("request_id"))
    post_id, _ = _reference(entry.get("postId"))
    return post_id or None


def outcome_of(entry: Mapping[str, Any]) -> str | None:
    """The entry's outcome (success, failed, pending, skipped, or an unknown value verbatim)."""
    if is_unified_shape(entry):
        metadata = parse_metadata(entry.get("metadata"))
        attempt = _integer(_meta(metadata, "attempt_number", "attemptNumber", "attempt"))
        return unified_vocabulary(entry.get("action"), entry.get("status"), attempt)[1]
    return _text(entry.get("status"))


def time_of(entry: Mapping[str, Any]) -> datetime | None:
    """The creation time of an entry of either contract (`createdAt` or `created_at`)."""
    return parse_time(_first_present(entry, "createdAt", "created_at"))


def bodies_of(entry: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(request body, response body) as Late recorded them, in either contract; None where it did not.

    Late 1.0.1 keeps them in `request.rawBody` / `response.rawBody` (detail only); the unified item carries
    `request_body` / `response_body` itself.
    """
    if not isinstance(entry, Mapping):
        return None, None
    request = _mapping(entry.get("request"))
    response = _mapping(entry.get("response"))
    return (
        _text(_first_present(entry, "request_body")) or _text(request.get("rawBody")),
        _text(_first_present(entry, "response_body")) or _text(response.get("rawBody")),
    )


# Where each column stands in an entry of each contract: (convert, (part, field), ...). The first reading
# that is not empty wins, as `a or b` would. A part is the entry itself or an object inside it: Late
# 1.0.1's `request`, `response` and populated `postId` / `accountId`, each read by one field name; the
# unified item's `metadata`, whose keys Zernio does not document, by any of several names, a blank value
# counting as none. The columns that need more than a field read (identity, post, account id, media, the
# unified vocabulary) `flatten` fills itself. One table a contract, one reader for both.
_LATE_COLUMNS: dict[str, tuple] = {
    "created_at": (_frame_time, ("entry", "createdAt")),
    "platform": (_text, ("entry", "platform")),
    "action": (_text, ("entry", "action")),
    "status": (_text, ("entry", "status")),
    "account_username": (_text, ("entry", "accountUsername"), ("account", "username")),
    "post_content": (_text, ("post", "content")),
    "status_code": (_integer, ("entry", "statusCode")),
    "error_code": (_text, ("response", "errorCode")),
    "error_message": (_text, ("response", "errorMessage")),
    "endpoint": (_text, ("entry", "endpoint")),
    "content_preview": (_text, ("request", "contentPreview")),
    "media_count": (_integer, ("request", "mediaCount")),
    "platform_post_id": (_text, ("response", "platformPostId")),
    "platform_post_url": (_text, ("response", "platformPostUrl")),
    "duration_ms": (_integer, ("entry", "durationMs")),
    "attempt_number": (_integer, ("entry", "attemptNumber")),
    "scheduled_for": (_frame_time, ("request", "scheduledFor")),
    "user_id": (_text, ("entry", "userId")),
    "profile_id": (_text, ("entry", "profileId")),
}
_UNIFIED_COLUMNS: dict[str, tuple] = {
    "created_at": (_frame_time, ("entry", "created_at")),
    "platform": (_text, ("entry", "platform")),
    "account_id": (_text, ("entry", "account_id"), ("metadata", "account_id", "accountId")),
    "account_username": (_text, ("metadata", "account_username", "accountUsername", "username")),
    "post_content": (_text, ("metadata", "post_content", "content")),
    "status_code": (_integer, ("entry", "status_code")),
    "error_code": (_text, ("entry", "error_code")),
    "error_message": (_text, ("entry", "error_message")),
    "endpoint": (_text, ("entry", "endpoint")),
    "content_preview": (_text, ("metadata", "content_preview", "contentPreview")),
    "media_count": (_integer, ("metadata", "media_count", "mediaCount")),
    "platform_post_id": (_text, ("metadata", "platform_post_id", "platformPostId")),
    "platform_post_url": (_text, ("metadata", "platform_post_url", "platformPostUrl", "post_url")),
    "duration_ms": (_integer, ("entry", "duration_ms")),
    "attempt_number": (_integer, ("metadata", "attempt_number", "attemptNumber", "attempt")),
    "scheduled_for": (_frame_time, ("metadata", "scheduled_for", "scheduledFor")),
    "user_id": (_text, ("entry", "user_id")),
    "profile_id": (_text, ("metadata", "profile_id", "profileId")),
}


def _readings(columns: dict[str, tuple]) -> tuple[tuple, tuple]:
    """A column table as plain tuples, walked without unpacking lists (flatten runs once per entry): the
    columns read from one field of a plain part, then the others (metadata, or several places)."""
    plain, other = [], []
    for column, (convert, *places) in columns.items():
        if len(places) == 1 and places[0][0] != "metadata" and len(places[0]) == 2:
            plain.append((column, convert, *places[0]))
        else:
            other.append((column, convert, tuple((part, tuple(names)) for part, *names in places)))
    return tuple(plain), tuple(other)


def _read_columns(readings: tuple[tuple, tuple], parts: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A record of RECORD_COLUMNS, the columns of `readings` read from the entry's parts (the rest None)."""
    plain, other = readings
    record: dict[str, Any] = dict.fromkeys(RECORD_COLUMNS)
    record.update({column: convert(parts[part].get(name)) for column, convert, part, name in plain})
    for column, convert, places in other:
        value = None
        for part, names in places:
            value = convert(_meta(parts[part], *names) if part == "metadata" else parts[part].get(names[0]))
            if value:
                break
        record[column] = value
    return record


_LATE_READINGS = _readings(_LATE_COLUMNS)
_UNIFIED_READINGS = _readings(_UNIFIED_COLUMNS)


def _media_text(urls: Any) -> str | None:
    """Media URLs as one text (a list joined with MEDIA_URL_SEPARATOR); None when there are none."""
    if isinstance(urls, list):
        return MEDIA_URL_SEPARATOR.join(_text(u) or "" for u in urls) or None
    return _text(urls) or None


def flatten(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One raw log entry (list item or detail, either source shape) as a dict of RECORD_COLUMNS.

    A unified item reads in the publishing vocabulary, with what its `metadata` adds (post, account,
    attempt number, platform post URL); its post key is the metadata's post id, else `request_id`, which
    ties together the logs one API call spawned.
    """
    if is_unified_shape(entry):
        metadata = parse_metadata(entry.get("metadata"))
        record = _read_columns(_UNIFIED_READINGS, {"entry": entry, "metadata": metadata})
        record["action"], record["status"] = unified_vocabulary(
            entry.get("action"), entry.get("status"), record["attempt_number"]
        )
        record["post_id"] = _metadata_post_id(metadata) or _text(entry.get("request_id"))
        record["media_urls"] = _media_text(_meta(metadata, "media_urls", "mediaUrls"))
    else:
        request = _mapping(entry.get("request"))
        post_id, post = _reference(entry.get("postId"))
        account_id, account = _reference(entry.get("accountId"))
        parts = {
            "entry": entry,
            "request": request,
            "response": _mapping(entry.get("response")),
            "post": post,
            "account": account,
        }
        record = _read_columns(_LATE_READINGS, parts)
        record["account_id"], record["post_id"] = account_id, post_id
        record["media_urls"] = _media_text(request.get("mediaUrls"))
    record["log_id"] = log_id_of(entry)
    record["source"] = source_of(entry)
    return record


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Flat records as a frame with exactly RECORD_COLUMNS and RECORD_DTYPES (an empty frame keeps them)."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    return coerce_frame(frame)


def coerce_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the record columns and dtypes; missing columns appear empty, unknown ones are kept."""
    for column, dtype in RECORD_DTYPES.items():
        if column not in frame.columns:
            # Records from before sources existed came from the one workspace there was: the default one.
            fill = DEFAULT_SOURCE if column == "source" else None
            frame[column] = pd.Series([fill] * len(frame), index=frame.index, dtype="object")
        if str(frame[column].dtype) != dtype:
            if dtype.startswith("datetime"):
                frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce").astype(dtype)
            else:
                frame[column] = frame[column].astype(dtype)
    return frame
