"""The SQL every question shares: the process's DuckDB cursor, the FROM clause over a list of Parquet files,
the one place a filter becomes SQL (`where`), and the small conversions of what comes back."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Sequence

import duckdb
import pandas as pd

from late_logs import analysis, search
from late_logs.records import RECORD_DTYPES
from late_logs.store import (
    REPAIR_HINT,
    StoreDamaged,
    StoreError,
    alphabets_of,
    copies_hold,
    failure_files,
    rollup_files,
)

DERIVED_COLUMNS = ("error_group", "who_must_act", "retry", "hint")
# What Python's str.strip() takes off that SQL's trim() would not: blank text counts as missing.
_WHITESPACE = " \t\n\r\x0b\x0c"
_FAILED = "status = 'failed'"
_SETTLED = "status IN ('success', 'failed')"
HOUR_NS = 3_600 * 10**9

_connection: duckdb.DuckDBPyConnection | None = None
_connection_lock = threading.Lock()
_local = threading.local()


def _cursor() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the process's one in-process DuckDB (cursors are not shared across threads;
    they share the database and its cache of Parquet footers)."""
    global _connection
    cursor = getattr(_local, "cursor", None)
    if cursor is None:
        with _connection_lock:
            if _connection is None:
                connection = duckdb.connect(":memory:")
                # Footers are re-read on every question otherwise; the files of a snapshot never change.
                connection.execute("SET GLOBAL parquet_metadata_cache = true")
                _connection = connection
            cursor = _connection.cursor()
        _local.cursor = cursor
    return cursor


def scan(files: Sequence[str], statuses: Iterable[str] = ()) -> tuple[str, list[Any]]:
    """The FROM clause over the files (bound as one list parameter) and its parameters. With `statuses` (the
    question's condition keeps rows of only these), each file's failures copy where it has one: the same
    rows of those statuses without the others (store/failures.py)."""
    if copies_hold(statuses):
        files = failure_files(files)
    # union_by_name: a file written before a derived column existed still reads, the column NULL there.
    return "read_parquet(?, hive_partitioning = false, union_by_name = true)", [list(files)]


CHANGED_WHILE_READ = (
    "The stored attempts changed while being read (a file of the store is gone); reload the page to read "
    "the new state."
)


UNREADABLE_FILE = f"A file of the store cannot be read; {REPAIR_HINT}."


def query(sql: str, params: list[Any]) -> pd.DataFrame:
    """The answer to one bound statement as a small frame; a file gone under it, or one DuckDB cannot read,
    is told in one sentence."""
    try:
        return _cursor().execute(sql, params).df()
    except duckdb.IOException:
        # A snapshot's file replaced under a long question (compaction, a newer version): one sentence, and
        # no path (a path says where the store lives, which is nobody's business on a page).
        raise StoreError(CHANGED_WHILE_READ) from None
    except duckdb.Error as exc:
        # A damaged file ("too small to be a Parquet file", "Footer length error in file ..."); any other
        # error is a bug of the statement and stays one.
        if " file" in str(exc).lower() and ".parquet" in str(exc).lower():
            raise StoreDamaged(UNREADABLE_FILE) from None
        raise


def empty_attempts() -> pd.DataFrame:
    """No attempts, with the file's columns: what the pandas functions answer for an empty file list."""
    return _empty_attempts().copy()


@lru_cache(maxsize=1)
def _empty_attempts() -> pd.DataFrame:
    # Built once: 28 typed empty columns took 11-16 ms, asked several times by every Overview.
    columns = {c: pd.Series([], dtype=d) for c, d in RECORD_DTYPES.items()}
    columns.update({c: pd.Series([], dtype="string") for c in DERIVED_COLUMNS})
    return pd.DataFrame(columns)


def _utc(value: datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _stamps(nanoseconds: pd.Series) -> pd.Series:
    """Epoch nanoseconds (how every time leaves SQL: no time zone library involved) as aware UTC times."""
    return pd.to_datetime(nanoseconds.astype("Int64"), unit="ns", utc=True).astype(analysis.TIME_UNIT)


def _blank(column: str) -> str:
    """SQL: the column is missing or only whitespace (the pandas side's isna() | strip() == "")."""
    return f"({column} IS NULL OR trim({column}, '{_WHITESPACE}') = '')"


def _filled(column: str, placeholder: str) -> str:
    """SQL: the column, or the placeholder when blank (fingerprint.filled with blank_too, which the analysis
    package imports as _filled)."""
    return f"(CASE WHEN {_blank(column)} THEN '{placeholder}' ELSE {column} END)"


# --------------------------------------------------------------------------------------------- filters


def _one_of(column: str, wanted: Iterable[str], unknown_is_missing: bool) -> tuple[str, list[Any]]:
    """analysis.filters._matches: the value is one of `wanted`; UNKNOWN (when it counts) matches a missing
    value."""
    values = [str(w) for w in wanted if not (unknown_is_missing and w == analysis.UNKNOWN)]
    sql = f"list_contains(?, {column})"
    if unknown_is_missing and analysis.UNKNOWN in wanted:
        sql = f"({sql} OR {column} IS NULL)"
    return sql, [values]


def where(flt: analysis.Filters, files: Sequence[str] = ()) -> tuple[str, list[Any]]:
    """The filter as a SQL condition and its parameters, meaning exactly what analysis.apply_filters keeps.
    Given the `files` it will read, a searched word skips the id columns none of their values could hold.

    Every part is wrapped so a NULL never decides anything by accident (a missing value is False, as the
    pandas masks treat it)."""
    parts: list[str] = []
    params: list[Any] = []

    def add(sql: str, values: list[Any]) -> None:
        parts.append(f"COALESCE({sql}, FALSE)")
        params.extend(values)

    start, end = _utc(flt.start), _utc(flt.end)
    if start is not None:
        add("created_at >= ?", [start])
    if end is not None:
        add("created_at < ?", [end])
    if flt.platforms:
        add(*_one_of("platform", flt.platforms, True))
    if flt.actions:
        add(*_one_of("action", flt.actions, True))
    if flt.statuses:
        add(*_one_of("status", flt.statuses, False))
    if flt.post_id:
        add("post_id = ?", [flt.post_id])
    if flt.sources:
        add("list_contains(?, source)", [list(flt.sources)])
    if flt.accounts:
        wanted = [str(a) for a in flt.accounts]
        add(
            "(list_contains(?, account_id) OR list_contains(?, ltrim(account_username, '@')))",
            [wanted, [a.lstrip("@") for a in wanted]],
        )
    if flt.error_codes:
        codes = [c for c in flt.error_codes if c != analysis.NO_CODE]
        sql = "list_contains(?, error_code)"
        if analysis.NO_CODE in flt.error_codes:
            sql = f"({sql} OR {_blank('error_code')})"
        add(sql, [codes])
    if flt.error_group:
        add("error_group = ?", [flt.error_group])
    if flt.who_must_act:
        add("list_contains(?, who_must_act)", [list(flt.who_must_act)])
    if flt.retry:
        add("list_contains(?, retry)", [list(flt.retry)])
    if flt.text.strip():
        parsed = search.parse(flt.text)
        sql, values = search.to_sql(parsed, text_columns(files, search.needles(parsed)) if files else None)
        parts.append(sql)  # already NULL-safe, term by term
        params.extend(values)
    return (" AND ".join(parts) if parts else "TRUE"), params


def text_columns(files: Sequence[str], needles: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each searched word or phrase, the text columns of these files that can hold it: an id column
    whose characters (as the files' rollups list them) lack one of the word's cannot, and is not read.

    90-day search "timed out" at 10M attempts: the count 2.2 s -> 1.3-1.7 s without the log and post ids
    (0.85 s of it). Asking each other column whether any row holds the word, to leave it out of the OR
    when none does, cost as much as it spared (0.8 s of questions for 0.9 s less count): a column costs
    its decoding, asked alone or in the OR."""
    alphabets = _alphabets(files)
    return {
        needle: tuple(
            column for column in search.TEXT_COLUMNS
            if alphabets is None or search.may_hold(alphabets.get(column), needle)
        )
        for needle in needles
    }  # fmt: skip


def _alphabets(files: Sequence[str]) -> dict[str, frozenset[str] | None] | None:
    """The characters of the files' id columns, from their rollups' footers; None when any is unknown."""
    try:
        rollups = rollup_files(files)
    except ValueError:  # not a store's files (no attempts folder): nothing known of them
        return None
    return None if rollups is None else alphabets_of(rollups)


def _select(
    select: str,
    files: Sequence[str],
    flt: analysis.Filters,
    tail: str = "",
    extra: str = "",
    failed_only: bool = False,
) -> tuple[str, list[Any]]:
    """`SELECT <select> FROM <files> WHERE <filter> [AND extra] <tail>` and its parameters, in order; with
    `failed_only`, of the failed rows only (read from the files' failures copies)."""
    condition, params = where(flt, files)
    if extra:
        condition = f"({condition}) AND ({extra})"
    if failed_only:
        condition = f"({condition}) AND {_FAILED}"
    source, source_params = scan(files, ("failed",) if failed_only else flt.statuses)
    return f"SELECT {select} FROM {source} WHERE {condition} {tail}", [*source_params, *params]


def _window(flt: analysis.Filters, start: pd.Timestamp | None, end: pd.Timestamp | None) -> analysis.Filters:
    return analysis.Filters(**{**flt.__dict__, "start": start, "end": end})
