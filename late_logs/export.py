"""Stored attempts out to a text stream: JSON lines as Late returned them, or a flat CSV for spreadsheets.

JSON lines keep Late's field names (`_id` included), each entry merged with its stored detail, redacted
once more on the way out, newest first; each gains one top-level `late_logs` object with our verdict
(`who_must_act`, `retry`, `hint`, `error_group`), Late's own fields untouched. CSV holds the flat record
columns plus those four, with ISO-8601 UTC times, and any text cell a spreadsheet would run as a formula
(starting with = + - @ tab or CR) is prefixed with a quote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TextIO

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.records import RECORD_COLUMNS, flatten, log_id_of
from late_logs.redact import redact_value
from late_logs.store import LogStore, merge_raw, redact_text_column

# A leading character that makes Excel, LibreOffice or Google Sheets evaluate a cell (OWASP CSV injection):
# = + - @ tab and carriage return.
_FORMULA_PATTERN = r"^[=+\-@\t\r]"
# What every export adds to Late's fields: our verdict on the attempt, and its error group.
VERDICT_FIELDS = ("who_must_act", "retry", "hint", "error_group")
LATE_LOGS_KEY = "late_logs"  # the top-level JSONL key holding VERDICT_FIELDS


def verdict_block(entry: Mapping[str, Any]) -> dict[str, Any]:
    """`{"who_must_act", "retry", "hint", "error_group"}` of one raw entry; all None unless it failed."""
    record = flatten(entry)
    if record.get("status") != "failed":
        return dict.fromkeys(VERDICT_FIELDS)
    verdict = verdicts.classify_entry(entry)
    message = analysis.normalise_message(record.get("error_message"))
    group = analysis.error_group_key(record.get("platform"), record.get("error_code"), message)
    return {
        "who_must_act": verdict.who_must_act,
        "retry": verdict.retry,
        "hint": verdict.hint,
        "error_group": group,
    }


def with_verdict(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry with the `late_logs` block added at the top level; Late's own fields stay as they were."""
    return {**entry, LATE_LOGS_KEY: verdict_block(entry)}


def with_detail(entry: Mapping[str, Any], detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """A list entry with its detail's fields laid over it (the detail wins; nested objects merge)."""
    return merge_raw(entry, detail) if detail else dict(entry)


def _write_json_line(out: TextIO, entry: Any) -> None:
    out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str))
    out.write("\n")


def export_jsonl(
    store: LogStore,
    out: TextIO,
    since: datetime | None = None,
    filter: Callable[[dict[str, Any]], bool] | None = None,  # noqa: A002 - the name the CLI passes
) -> int:
    """Write every stored attempt (created at/after `since`) as a JSON line, newest first; returns the count.

    Each line is the raw entry as Late returned it, merged with its stored detail, redacted again in case an
    older store holds something today's rules would catch. `filter` receives that merged entry and says
    whether to keep it. Attempts loaded without a raw entry (LogStore.import_records) are not exported.
    """
    with_details = store.detail_ids()
    written = 0
    for raw in store.iter_raw_attempts(since):
        log_id = log_id_of(raw)
        entry = with_detail(raw, store.get_detail(log_id) if log_id in with_details else None)
        entry = redact_value(with_verdict(entry))
        if filter is not None and not filter(entry):
            continue
        _write_json_line(out, entry)
        written += 1
    return written


def export_jsonl_for_ids(store: LogStore, log_ids: Iterable[str], out: TextIO) -> int:
    """Write the raw entries of these attempts (e.g. the dashboard's filtered rows) as JSON lines, in the
    order given, merged with stored details and redacted; ids without a stored raw entry are skipped."""
    ordered = list(dict.fromkeys(str(log_id) for log_id in log_ids))
    raws = store.raw_attempts(ordered)
    with_details = store.detail_ids()
    written = 0
    for log_id in ordered:
        raw = raws.get(log_id)
        if raw is None:
            continue
        detail = store.get_detail(log_id) if log_id in with_details else None
        _write_json_line(out, redact_value(with_verdict(with_detail(raw, detail))))
        written += 1
    return written


def _iso_utc(column: pd.Series) -> pd.Series:
    """Datetimes as ISO-8601 UTC text with milliseconds and a Z ("2026-11-29T09:12:03.120Z"); NaT empty."""
    utc = pd.to_datetime(column, utc=True, errors="coerce")
    text = utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23) + "Z"
    return text.where(utc.notna(), None).astype("string")


def _is_datetime(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(column)


def spreadsheet_safe(column: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would evaluate as a formula, prefixed with a single quote."""
    text = column.astype("string")
    risky = text.str.contains(_FORMULA_PATTERN, regex=True).fillna(False).astype(bool)
    if not risky.any():
        return text
    return text.mask(risky, "'" + text)


def csv_ready(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The cells a CSV export writes: chosen columns, ISO UTC times, numbers as numbers, text neutralised
    against formula injection and redacted once more."""
    if columns is None:
        columns = [c for c in RECORD_COLUMNS if c in frame.columns] or list(frame.columns)
    if "status" in frame.columns:
        # Every attempts export carries the verdict, whichever columns were chosen.
        columns = [*columns, *(c for c in VERDICT_FIELDS if c not in columns)]
        frame = _with_verdict_columns(frame)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"cannot export unknown column(s) {', '.join(missing)}; choose from the frame's columns."
        )
    cells: dict[str, pd.Series] = {}
    for name in columns:
        column = frame[name]
        if _is_datetime(column):
            cells[name] = _iso_utc(column)
        elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            cells[name] = column
        else:
            cells[name] = spreadsheet_safe(redact_text_column(column.astype("string")))
    return pd.DataFrame(cells, index=frame.index)


def _with_verdict_columns(frame: pd.DataFrame) -> pd.DataFrame:
    if all(c in frame.columns for c in VERDICT_FIELDS):
        return frame
    return analysis.add_verdict_columns(frame)


def frame_to_csv(frame: pd.DataFrame, out: TextIO, columns: list[str] | None = None) -> int:
    """Write a frame of attempts (the whole filtered set, not a page) as CSV with a header; returns its rows.

    Lines end in CRLF as RFC 4180 says, which also makes the writer quote cells holding a bare CR; open
    files with `newline=""`.
    """
    csv_ready(frame, columns).to_csv(out, index=False, lineterminator="\r\n")
    return len(frame)


def export_csv(
    store_or_frame: LogStore | pd.DataFrame,
    out: TextIO,
    columns: list[str] | None = None,
    since: datetime | None = None,
) -> int:
    """Write attempts as CSV (RECORD_COLUMNS by default, newest first as stored); returns the row count.

    Takes a store (its whole frame, or the part created at/after `since`) or a frame the caller filtered.
    """
    if isinstance(store_or_frame, LogStore):
        frame = store_or_frame.frame(since=since)
    else:
        frame = store_or_frame
        if since is not None and "created_at" in frame.columns:
            floor = pd.Timestamp(since)
            floor = floor.tz_localize("UTC") if floor.tzinfo is None else floor  # naive means UTC
            frame = frame[frame["created_at"] >= floor]
    return frame_to_csv(frame, out, columns)


def frame_to_jsonl(frame: pd.DataFrame, out: TextIO, columns: list[str] | None = None) -> int:
    """Write a frame's rows as JSON lines with our flat column names (ISO UTC times, null for missing);
    for rows that have no raw entry to export. Returns the row count."""
    if columns is None:
        columns = list(frame.columns)
    blocks: list[dict[str, Any]] | None = None
    if "status" in frame.columns:
        found = _with_verdict_columns(frame)[list(VERDICT_FIELDS)].astype(object)
        found = found.where(found.notna(), None)
        rows = found.itertuples(index=False, name=None)
        blocks = [dict(zip(VERDICT_FIELDS, row, strict=True)) for row in rows]
    cells = {}
    for name in columns:
        column = frame[name]
        if _is_datetime(column):
            cells[name] = _iso_utc(column)
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            cells[name] = redact_text_column(column.astype("string"))
        else:
            cells[name] = column
    ready = pd.DataFrame(cells, index=frame.index).astype(object)
    ready = ready.where(ready.notna(), None)
    written = 0
    for position, row in enumerate(ready.itertuples(index=False, name=None)):
        line = {name: _json_scalar(value) for name, value in zip(columns, row, strict=True)}
        if blocks is not None:
            line[LATE_LOGS_KEY] = redact_value(blocks[position])
        _write_json_line(out, line)
        written += 1
    return written


def _json_scalar(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
