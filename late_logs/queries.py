"""The pages' aggregate questions answered inside the scan: DuckDB SQL over the store's Parquet files.

Each function takes the list of Parquet files to read (`LogStore.parquet_files(since, until)`, already cut
to the days a view needs) and an `analysis.Filters`, and returns the same small pandas result the pandas
function of `late_logs.analysis` returns for the same rows: same columns, dtypes and order, so pages and
charts need no change. Only the answer becomes pandas, never the rows behind it.

The files hold `records.RECORD_COLUMNS` plus the columns computed when an attempt is written: `error_group`
(analysis.error_group_keys), `who_must_act`, `retry`, `hint` (analysis.add_verdict_columns). Values are
always bound as parameters, never formatted into SQL; `where` is the one place a filter becomes SQL.

Usage:
    files = store.parquet_files(since=flt.start, until=flt.end)
    matrix = queries.failure_matrix(files, flt)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from late_logs import analysis, search, verdicts
from late_logs.records import RECORD_COLUMNS, RECORD_DTYPES, coerce_frame
from late_logs.store import ROLLUP_DIMENSIONS, StoreError, rollup_files

# The columns the writer adds to every file beside RECORD_COLUMNS.
DERIVED_COLUMNS = ("error_group", "who_must_act", "retry", "hint")
# What Python's str.strip() takes off that SQL's trim() would not: blank text counts as missing.
_WHITESPACE = " \t\n\r\x0b\x0c"
_FAILED = "status = 'failed'"
_SETTLED = "status IN ('success', 'failed')"
# The KPIs in two statements: plain counts over every row, then the distinct posts and accounts over the
# failures only (DuckDB's DISTINCT aggregates beside plain ones cost 1.6x more over 10M attempts).
_KPI_COUNTS = (
    f"count(*) AS attempts, count(*) FILTER (WHERE {_FAILED}) AS failures, "
    f"count(*) FILTER (WHERE {_SETTLED}) AS settled"
)
_KPI_DISTINCTS = (
    "count(DISTINCT post_id) AS posts, count(DISTINCT coalesce(account_id, account_username)) AS accounts"
)
HOUR_NS = 3_600 * 10**9
# Windows up to this long are counted from their rows (see _cells).
ROLLUP_FROM = pd.Timedelta(days=2)

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


def _scan(files: Sequence[str]) -> tuple[str, list[Any]]:
    """The FROM clause over the files (bound as one list parameter) and its parameters."""
    # union_by_name: a file written before a derived column existed still reads, the column NULL there.
    return "read_parquet(?, hive_partitioning = false, union_by_name = true)", [list(files)]


CHANGED_WHILE_READ = (
    "The stored attempts changed while being read (a file of the store is gone); reload the page to read "
    "the new state."
)


def _query(sql: str, params: list[Any]) -> pd.DataFrame:
    try:
        return _cursor().execute(sql, params).df()
    except duckdb.IOException:
        # A snapshot's file replaced under a long question (compaction, a newer version): one sentence, and
        # no path (a path says where the store lives, which is nobody's business on a page).
        raise StoreError(CHANGED_WHILE_READ) from None


def empty_attempts() -> pd.DataFrame:
    """No attempts, with the file's columns: what the pandas functions answer for an empty file list."""
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
    """SQL: the column, or the placeholder when blank (analysis._filled with blank_too)."""
    return f"(CASE WHEN {_blank(column)} THEN '{placeholder}' ELSE {column} END)"


# --------------------------------------------------------------------------------------------- filters


def _one_of(column: str, wanted: Iterable[str], unknown_is_missing: bool) -> tuple[str, list[Any]]:
    """analysis._matches: the value is one of `wanted`; UNKNOWN (when it counts) matches a missing value."""
    values = [str(w) for w in wanted if not (unknown_is_missing and w == analysis.UNKNOWN)]
    sql = f"list_contains(?, {column})"
    if unknown_is_missing and analysis.UNKNOWN in wanted:
        sql = f"({sql} OR {column} IS NULL)"
    return sql, [values]


def where(flt: analysis.Filters) -> tuple[str, list[Any]]:
    """The filter as a SQL condition and its parameters, meaning exactly what analysis.apply_filters keeps.

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
        sql, values = search.to_sql(search.parse(flt.text))
        parts.append(sql)  # already NULL-safe, term by term
        params.extend(values)
    return (" AND ".join(parts) if parts else "TRUE"), params


def _select(
    select: str, files: Sequence[str], flt: analysis.Filters, tail: str = "", extra: str = ""
) -> tuple[str, list[Any]]:
    """`SELECT <select> FROM <files> WHERE <filter> [AND extra] <tail>` and its parameters, in order."""
    source, source_params = _scan(files)
    condition, params = where(flt)
    if extra:
        condition = f"({condition}) AND ({extra})"
    return f"SELECT {select} FROM {source} WHERE {condition} {tail}", [*source_params, *params]


# --------------------------------------------------------------------------------------------- hourly cells
# The Overview's counts (KPIs, matrix, time series, baselines) are sums of cells: attempts per hour and per
# value of each ROLLUP_DIMENSIONS column. Whole hours of a window come from the files' rollups (written with
# the files, late_logs/store/rollups.py), the partial hours at its two edges from the rows themselves, so the
# sums are exact for any window; a filter on what the rollups do not keep (an account, a post, a search) or a
# file without a rollup counts every row instead.


def _rolled_up(flt: analysis.Filters) -> bool:
    return not (flt.post_id or flt.accounts or flt.text.strip())


_DAY = pd.Timedelta(days=1)
_HOUR = pd.Timedelta(hours=1)


def _ceil(stamp: pd.Timestamp, step: str) -> pd.Timestamp:
    return stamp.ceil(step)


def _edge_files(files: Sequence[str], moments: Iterable[pd.Timestamp]) -> list[str]:
    """The files of the UTC days of `moments` (the store's partition folders are named `day=YYYY-MM-DD`):
    the only files that can hold the rows of a window's partial hours."""
    days = {f"day={moment.strftime('%Y-%m-%d')}" for moment in moments}
    return [name for name in files if Path(name).parent.name in days]


def _cells(
    files: Sequence[str], flt: analysis.Filters, days: bool = True
) -> tuple[str, list[Any]] | None:
    """SQL of the filtered attempts of [flt.start, flt.end) as cells (hour_ns, ROLLUP_DIMENSIONS, attempts,
    oldest, newest) and its parameters; None when the rollups cannot answer (then scan the rows).

    Whole days come from the daily cells (with `days`; else hourly ones, for series finer than a day), the
    whole hours around them from the hourly cells, the partial hours at either edge from the rows."""
    start, end = _utc(flt.start), _utc(flt.end)
    if start is None or end is None or not files or not _rolled_up(flt):
        return None
    # A short window is cheap to scan and mostly edges; its rows answer faster than two kinds of reads.
    if end - start <= ROLLUP_FROM:
        return None
    rollups = rollup_files(files)
    if rollups is None:
        return None
    first, last = _ceil(start, "h"), end.floor("h")
    first_day, last_day = _ceil(first, "D"), last.floor("D")
    condition, params = where(_window(flt, None, None))
    dimensions = ", ".join(f'"{name}"' for name in ROLLUP_DIMENSIONS)
    cell = (
        f"SELECT epoch_ns(hour) AS hour_ns, {dimensions}, attempts, oldest, newest "
        "FROM read_parquet(?, hive_partitioning = false)"
    )
    if days and first_day < last_day:
        grain = (
            "((hours = 24 AND hour >= ? AND hour < ?) "
            "OR (hours = 1 AND ((hour >= ? AND hour < ?) OR (hour >= ? AND hour < ?))))"
        )
        grain_params: list[Any] = [first_day, last_day, first, first_day, last_day, last]
    else:
        grain, grain_params = "(hours = 1 AND hour >= ? AND hour < ?)", [first, last]
    sql = f"{cell} WHERE {grain} AND {condition}"
    all_params: list[Any] = [rollups, *grain_params, *params]
    tick = pd.Timedelta(microseconds=1)
    edges = _edge_files(files, (start, first - tick, last, end - tick))
    if edges and (start < first or last < end):
        source, source_params = _scan(edges)
        hour = f"epoch_ns(created_at) - ((epoch_ns(created_at) % {HOUR_NS}) + {HOUR_NS}) % {HOUR_NS}"
        sql += (
            f" UNION ALL SELECT {hour} AS hour_ns, {dimensions}, count(*) AS attempts, "
            f"min(created_at) AS oldest, max(created_at) AS newest FROM {source} "
            "WHERE ((created_at >= ? AND created_at < ?) OR (created_at >= ? AND created_at < ?)) "
            f"AND {condition} GROUP BY ALL"
        )
        all_params += [*source_params, start, first, last, end, *params]
    return sql, all_params


_CELL_COUNTS = (
    "coalesce(sum(attempts), 0)::BIGINT AS attempts, "
    f"coalesce(sum(attempts) FILTER (WHERE {_SETTLED}), 0)::BIGINT AS settled, "
    f"coalesce(sum(attempts) FILTER (WHERE {_FAILED}), 0)::BIGINT AS failures"
)


# --------------------------------------------------------------------------------------------- counts


def count(files: Sequence[str], flt: analysis.Filters | None = None) -> int:
    """How many attempts match the filter (0 for no files)."""
    if not files:
        return 0
    sql, params = _select("count(*) AS n", files, flt or analysis.Filters())
    return int(_query(sql, params)["n"].iloc[0])


def distinct(files: Sequence[str], column: str) -> tuple[str, ...]:
    """The column's values over the files, sorted (for filter option lists), as AppContext.distinct gave."""
    if not files or column not in (*RECORD_COLUMNS, *DERIVED_COLUMNS):
        return ()
    source, params = _scan(files)
    found = _query(f'SELECT DISTINCT "{column}" AS v FROM {source} WHERE "{column}" IS NOT NULL', params)
    return tuple(sorted(str(v) for v in found["v"].tolist()))


def facet_counts(
    files: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    columns: Iterable[str],
    missing_labels: Mapping[str, str],
) -> dict[str, dict[str, int]]:
    """ui.facets.window_counts over the files: attempts per value of each column in [start, end), one scan
    for all of them (grouping sets); missing and blank values under `missing_labels[column]` (not counted
    where a column has none)."""
    columns = list(dict.fromkeys(columns))
    result: dict[str, dict[str, int]] = {c: {} for c in columns}
    # Only stored column names reach the SQL (they are identifiers, which cannot be bound).
    columns = [c for c in columns if c in (*RECORD_COLUMNS, *DERIVED_COLUMNS)]
    if not files or not columns:
        return result
    sets = ", ".join(f'("{c}")' for c in columns)
    select = ", ".join(
        [*(f'"{c}"' for c in columns), *(f'GROUPING("{c}") AS g{i}' for i, c in enumerate(columns))]
        + ["count(*) AS n"]
    )
    sql, params = _select(
        select, files, analysis.Filters(start=start, end=end), f"GROUP BY GROUPING SETS ({sets})"
    )
    found = _query(sql, params)
    missing = {c: 0 for c in columns}
    for values in found.to_dict("records"):
        for i, column in enumerate(columns):
            if values[f"g{i}"] != 0:  # this row counts another grouping set
                continue
            value, number = values[column], int(values["n"])
            if value is None or pd.isna(value) or not str(value).strip():
                missing[column] += number
            else:
                result[column][str(value)] = result[column].get(str(value), 0) + number
    for column in columns:
        label = missing_labels.get(column)
        if label is not None and missing[column]:
            result[column][label] = result[column].get(label, 0) + missing[column]
    return result


# --------------------------------------------------------------------------------------------- KPIs


def window_kpis(files: Sequence[str], flt: analysis.Filters) -> list[analysis.Kpi]:
    """analysis.window_kpis of the filtered rows: the window [flt.start, flt.end) against the one of equal
    length before it, both from one scan."""
    start, end = _utc(flt.start), _utc(flt.end)
    if start is None or end is None:
        raise ValueError("window_kpis needs a window with a start and an end")
    earlier = start - (end - start)
    numbers = {True: _no_numbers(), False: _no_numbers()}
    if files:
        both = _window(flt, earlier, end)
        current = _cells(files, _window(flt, start, end))
        previous = _cells(files, _window(flt, earlier, start))
        if current is not None and previous is not None:
            sql = (f"SELECT TRUE AS current, {_CELL_COUNTS} FROM ({current[0]}) UNION ALL "
                   f"SELECT FALSE AS current, {_CELL_COUNTS} FROM ({previous[0]})")  # fmt: skip
            found = _query(sql, [*current[1], *previous[1]])
        else:
            sql, params = _select(f"created_at >= ? AS current, {_KPI_COUNTS}", files, both, "GROUP BY ALL")
            found = _query(sql, [start, *params])
        for row in found.to_dict("records"):
            numbers[bool(row["current"])].update(
                attempts=int(row["attempts"]),
                failures=int(row["failures"]),
                failure_rate=analysis.failure_rate(int(row["failures"]), int(row["settled"])),
            )
        select = f"created_at >= ? AS current, {_KPI_DISTINCTS}"
        sql, params = _select(select, files, both, "GROUP BY ALL", extra=_FAILED)
        for row in _query(sql, [start, *params]).to_dict("records"):
            numbers[bool(row["current"])].update(
                posts_affected=int(row["posts"]), accounts_affected=int(row["accounts"])
            )
    kpis = []
    for key, label, unit in analysis.KPI_LABELS:
        value, before = numbers[True][key], numbers[False][key]
        delta = float("nan") if pd.isna(value) or pd.isna(before) else value - before
        kpis.append(analysis.Kpi(name=label, value=value, previous=before, delta=delta, unit=unit, key=key))
    return kpis


def kpi_numbers(files: Sequence[str], flt: analysis.Filters) -> dict[str, float]:
    """analysis.kpi_numbers of the filtered rows (one window, e.g. one of its baselines): the KPIs and the
    settled count."""
    numbers: dict[str, float] = {**_no_numbers(), "settled": 0}
    if not files:
        return numbers
    cells = _cells(files, flt)
    if cells is not None:
        row = _query(f"SELECT {_CELL_COUNTS} FROM ({cells[0]})", cells[1]).iloc[0]
    else:
        sql, params = _select(_KPI_COUNTS, files, flt)
        row = _query(sql, params).iloc[0]
    failures, settled = int(row["failures"]), int(row["settled"])
    numbers.update(attempts=int(row["attempts"]), failures=failures, settled=settled,
                   failure_rate=analysis.failure_rate(failures, settled))  # fmt: skip
    if failures:
        sql, params = _select(_KPI_DISTINCTS, files, flt, extra=_FAILED)
        row = _query(sql, params).iloc[0]
        numbers.update(posts_affected=int(row["posts"]), accounts_affected=int(row["accounts"]))
    return numbers


def oldest_time(files: Sequence[str]) -> pd.Timestamp | None:
    """The oldest stored attempt's time (None for no files or no dated attempt)."""
    if not files:
        return None
    rollups = rollup_files(files)
    if rollups is not None:  # each cell's oldest: a few thousand rows, not every attempt
        sql = "SELECT min(oldest) AS oldest FROM read_parquet(?, hive_partitioning = false)"
        params: list[Any] = [rollups]
    else:
        source, params = _scan(files)
        sql = f"SELECT min(created_at) AS oldest FROM {source}"
    found = _query(sql, params)["oldest"].iloc[0]
    if pd.isna(found):
        return None
    moment = pd.Timestamp(found)
    return moment.tz_convert("UTC") if moment.tzinfo else moment.tz_localize("UTC")


def _no_numbers() -> dict[str, float]:
    return {"attempts": 0, "failures": 0, "failure_rate": float("nan"), "posts_affected": 0,
            "accounts_affected": 0}  # fmt: skip


def _window(flt: analysis.Filters, start: pd.Timestamp | None, end: pd.Timestamp | None) -> analysis.Filters:
    return analysis.Filters(**{**flt.__dict__, "start": start, "end": end})


# --------------------------------------------------------------------------------------------- breakdowns


def failure_matrix(
    files: Sequence[str], flt: analysis.Filters, min_volume: int = analysis.MIN_VOLUME
) -> pd.DataFrame:
    """analysis.failure_matrix of the filtered rows (platform × action)."""
    empty = analysis.failure_matrix(empty_attempts(), min_volume)
    if not files:
        return empty
    cell = (
        f"coalesce(platform, '{analysis.UNKNOWN}') AS platform, "
        f"coalesce(action, '{analysis.UNKNOWN}') AS action"
    )
    cells = _cells(files, flt)
    if cells is not None:
        counts = _query(f"SELECT {cell}, {_CELL_COUNTS} FROM ({cells[0]}) GROUP BY ALL", cells[1])
    else:
        select = (
            f"{cell}, count(*) AS attempts, count(*) FILTER (WHERE {_SETTLED}) AS settled, "
            f"count(*) FILTER (WHERE {_FAILED}) AS failures"
        )
        sql, params = _select(select, files, flt, "GROUP BY ALL")
        counts = _query(sql, params)
    if counts.empty:
        return empty
    return analysis.matrix_from_counts(counts, min_volume)


@dataclass(frozen=True)
class TimeCounts:
    """Attempts of a window per hour, platform and status: every time series of the Overview (any bucket of
    whole hours, aligned on the epoch as pandas' floor is) is summed from it without another scan."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    rows: pd.DataFrame  # hour (aware UTC), platform, status (raw, may be NA), attempts
    # The rows' finest step: an hour, or a day when whole days came from daily rollup cells (then only
    # buckets of whole days are exact).
    step_ns: int = HOUR_NS

    def by(self, bucket: str, column: str) -> pd.DataFrame:
        """attempts, settled, failures per (bucket_start, column filled with UNKNOWN) for a bucket of whole
        hours ("h", "3h", "6h", "D")."""
        step = pd.tseries.frequencies.to_offset(bucket).nanos
        if step % self.step_ns:
            raise ValueError(f"bucket {bucket} is finer than these counts ({self.step_ns // HOUR_NS} h)")
        rows = self.rows
        hour_ns = rows["hour"].astype("int64").to_numpy() if len(rows) else np.array([], dtype=np.int64)
        starts = pd.to_datetime(hour_ns - hour_ns % step, unit="ns", utc=True).astype(analysis.TIME_UNIT)
        status = rows["status"].astype("string")
        work = pd.DataFrame(
            {
                "bucket_start": starts,
                column: rows[column].astype("string").fillna(analysis.UNKNOWN).to_numpy(),
                "attempts": rows["attempts"].to_numpy(dtype=np.int64),
                "settled": np.where(
                    status.isin(analysis.SETTLED_STATUSES).fillna(False), rows["attempts"], 0
                ),
                "failures": np.where((status == "failed").fillna(False), rows["attempts"], 0),
            }
        )
        work[column] = work[column].astype("string")
        summed = work.groupby(["bucket_start", column], sort=True, observed=True)[
            ["attempts", "settled", "failures"]
        ].sum()
        return summed.astype("int64")

    def top_failing_platforms(self, count: int) -> list[str]:
        """The platforms with most failures (ties by name), missing platforms left out."""
        failed = self.rows[(self.rows["status"] == "failed").fillna(False) & self.rows["platform"].notna()]
        totals = failed.groupby(failed["platform"].astype(str))["attempts"].sum()
        ranked = sorted(totals.items(), key=lambda item: (-int(item[1]), item[0]))
        return [name for name, _ in ranked[:count]]


def time_counts(
    files: Sequence[str],
    flt: analysis.Filters,
    start: datetime | None = None,
    end: datetime | None = None,
    hourly: bool = False,
) -> TimeCounts:
    """The hourly counts of the filtered rows in [start, end) (default: the filter's window; an open end is
    resolved from the data, as analysis does); for a window whose charts are daily, daily counts (its
    `step_ns`) unless `hourly`."""
    start_ts = _utc(start) if start is not None else _utc(flt.start)
    end_ts = _utc(end) if end is not None else _utc(flt.end)
    empty = pd.DataFrame(
        {"hour": pd.Series([], dtype="int64"), "platform": pd.Series([], dtype="string"),
         "status": pd.Series([], dtype="string"), "attempts": pd.Series([], dtype="int64")}
    )  # fmt: skip
    if not files:
        return TimeCounts(start_ts, end_ts, empty)
    if start_ts is None or end_ts is None:
        sql, params = _select(
            "epoch_ns(min(created_at)) AS first, epoch_ns(max(created_at)) AS last",
            files,
            flt,
        )
        bounds = _query(sql, params).iloc[0]
        if pd.isna(bounds["first"]):
            return TimeCounts(start_ts, end_ts, empty)
        if start_ts is None:
            start_ts = pd.Timestamp(int(bounds["first"]), unit="ns", tz="UTC")
        if end_ts is None:
            end_ts = pd.Timestamp(int(bounds["last"]), unit="ns", tz="UTC") + pd.Timedelta(microseconds=1)
    # The hour of each attempt in epoch nanoseconds; the double modulo floors times before 1970 too.
    window = _window(flt, start_ts, end_ts)
    # Daily cells only where the chart's buckets are days anyway (analysis.bucket_for_window).
    daily = not hourly and analysis.bucket_for_window(start_ts, end_ts) == "D"
    cells = _cells(files, window, days=daily)
    if cells is not None:
        sql = (
            "SELECT hour_ns AS hour, platform, status, sum(attempts)::BIGINT AS attempts "
            f"FROM ({cells[0]}) GROUP BY ALL"
        )
        return TimeCounts(start_ts, end_ts, _query(sql, cells[1]), 24 * HOUR_NS if daily else HOUR_NS)
    hour = f"epoch_ns(created_at) - ((epoch_ns(created_at) % {HOUR_NS}) + {HOUR_NS}) % {HOUR_NS}"
    select = f"{hour} AS hour, platform, status, count(*) AS attempts"
    sql, params = _select(select, files, window, "GROUP BY ALL")
    rows = _query(sql, params)
    return TimeCounts(start_ts, end_ts, rows)


def rate_series(
    counts: TimeCounts, bucket: str | None = None, min_volume: int = analysis.MIN_VOLUME
) -> pd.DataFrame:
    """analysis.failure_rate_over_time from hourly counts."""
    empty = analysis.failure_rate_over_time(empty_attempts(), None, None)
    if counts.start is None or counts.end is None or counts.rows.empty:
        return empty
    bucket = bucket or analysis.bucket_for_window(counts.start, counts.end)
    by_platform = counts.by(bucket, "platform")
    return analysis.rate_series_from_counts(by_platform, counts.start, counts.end, bucket, min_volume)


def volume_series(counts: TimeCounts, bucket: str | None = None) -> pd.DataFrame:
    """analysis.status_volume_over_time from hourly counts."""
    empty = analysis.status_volume_over_time(empty_attempts(), None, None)
    if counts.start is None or counts.end is None or counts.rows.empty:
        return empty
    bucket = bucket or analysis.bucket_for_window(counts.start, counts.end)
    by_status = counts.by(bucket, "status")["attempts"]
    return analysis.volume_series_from_counts(by_status, counts.start, counts.end, bucket)


def failure_rate_over_time(
    files: Sequence[str],
    flt: analysis.Filters,
    start: datetime | None,
    end: datetime | None,
    bucket: str | None = None,
    min_volume: int = analysis.MIN_VOLUME,
) -> pd.DataFrame:
    """analysis.failure_rate_over_time(filtered rows, start, end, bucket) in one scan."""
    hourly = bucket not in (None, "D")
    return rate_series(time_counts(files, flt, start, end, hourly), bucket, min_volume)


def status_volume_over_time(
    files: Sequence[str], flt: analysis.Filters, start: datetime | None, end: datetime | None,
    bucket: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """analysis.status_volume_over_time(filtered rows, start, end, bucket) in one scan."""
    return volume_series(time_counts(files, flt, start, end, bucket not in (None, "D")), bucket)


# --------------------------------------------------------------------------------------------- error groups


def seen_over(files: Sequence[str], keys: Iterable[str] | None = None) -> pd.DataFrame:
    """first_seen / last_seen of each error group over every failure in the files (the whole history),
    indexed by group: one cheap min/max per group over two columns."""
    empty = pd.DataFrame(
        {
            "first_seen": pd.Series([], dtype=analysis.TIME_UNIT),
            "last_seen": pd.Series([], dtype=analysis.TIME_UNIT),
        }
    ).rename_axis("group")
    if not files:
        return empty
    rollups = rollup_files(files)
    if rollups is not None:  # the cells' oldest and newest: the same extremes from a few thousand rows
        source, params = "read_parquet(?, hive_partitioning = false)", [rollups]
        first, last, dated = "min(oldest)", "max(newest)", "hour IS NOT NULL"
    else:
        source, params = _scan(files)
        first, last, dated = "min(created_at)", "max(created_at)", "created_at IS NOT NULL"
    condition = f"{_FAILED} AND error_group IS NOT NULL AND {dated}"
    if keys is not None:
        condition += " AND list_contains(?, error_group)"
        params = [*params, [str(k) for k in keys]]
    found = _query(
        f'SELECT error_group AS "group", epoch_ns({first}) AS first_ns, epoch_ns({last}) AS last_ns '
        f"FROM {source} WHERE {condition} GROUP BY ALL",
        params,
    )
    if found.empty:
        return empty
    return pd.DataFrame(
        {
            "first_seen": _stamps(found["first_ns"]).to_numpy(),
            "last_seen": _stamps(found["last_ns"]).to_numpy(),
        },
        index=pd.Index(found["group"].astype("string"), name="group"),
    ).astype(analysis.TIME_UNIT)


@lru_cache(maxsize=4)
def _seen_over_all(files: tuple[str, ...]) -> pd.DataFrame:
    """seen_over of every group, kept for the same files: a snapshot's files never change (a new state has
    new files), and every filter of the Overview asks the same whole-history question."""
    return seen_over(files)


def failure_times(files: Sequence[str]) -> dict[str, list[pd.Timestamp]]:
    """ledger.failure_times over the files: each error group's failure times, oldest first (the triage
    ledger's states are computed from them); two columns of the failed rows are read."""
    if not files:
        return {}
    source, params = _scan(files)
    found = _query(
        f'SELECT error_group AS "group", epoch_ns(created_at) AS at_ns FROM {source} '
        f"WHERE {_FAILED} AND error_group IS NOT NULL AND created_at IS NOT NULL ORDER BY 1, 2",
        params,
    )
    if found.empty:
        return {}
    stamps = pd.Series(_stamps(found["at_ns"]).to_numpy(), index=found["group"].astype(str).to_numpy())
    return {str(group): list(times) for group, times in stamps.groupby(level=0, sort=False)}


def group_counts(files: Sequence[str], flt: analysis.Filters) -> dict[str, int]:
    """Failures per error group among the filtered rows (the groups page's "in window")."""
    if not files:
        return {}
    sql, params = _select(
        'error_group AS "group", count(*) AS n', files, flt, "GROUP BY ALL", extra="error_group IS NOT NULL"
    )
    found = _query(sql, params)
    return {str(g): int(n) for g, n in zip(found["group"], found["n"], strict=True)}


def error_groups(
    files: Sequence[str], flt: analysis.Filters, history: Sequence[str] | None = None
) -> pd.DataFrame:
    """analysis.error_groups of the filtered rows (ERROR_GROUP_COLUMNS), grouped by the stored error_group
    column; with `history` (the files of the whole store) first and last seen come from every stored failure.

    The sample of a group is its newest failure (ties: the smallest log id, as the store's newest-first order
    puts last); its verdict is classified again without the sample's handle, as analysis does, once per group.
    """
    empty = analysis.error_groups(empty_attempts())
    if not files:
        return empty
    # The sample's fields in one arg_min over (newest first, then the smallest log id): six ordered
    # first() aggregates sorted each group six times.
    newest_first = (
        f"{{'t': coalesce(-epoch_ns(created_at), {2**63 - 1}), 'id': log_id}}"  # an undated failure last
    )
    sample = (
        "{'log_id': log_id, 'platform': platform, 'error_code': error_code, "
        "'error_message': error_message, 'status_code': status_code, 'action': action}"
    )
    name = "ltrim(coalesce(account_username, account_id), '@')"
    select = (
        'error_group AS "group", count(*) AS count, count(DISTINCT post_id) AS posts, '
        "count(DISTINCT coalesce(account_id, account_username)) AS accounts, "
        "epoch_ns(min(created_at)) AS first_ns, epoch_ns(max(created_at)) AS last_ns, "
        f"coalesce(list_sort(list(DISTINCT {name}) FILTER (WHERE {name} IS NOT NULL)), []::VARCHAR[]) "
        "AS names, "
        f"arg_min({sample}, {newest_first}) AS sample"
    )
    sql, params = _select(select, files, flt, "GROUP BY ALL", extra=f"{_FAILED} AND error_group IS NOT NULL")
    sql = (
        "SELECT * EXCLUDE (sample), sample.log_id AS sample_log_id, sample.platform AS platform, "
        "sample.error_code AS error_code, sample.error_message AS sample_message, "
        f"sample.status_code AS status_code, sample.action AS action FROM ({sql})"
    )
    found = _query(sql, params)
    if found.empty:
        return empty
    summary = pd.DataFrame(
        {
            "group": found["group"].astype("string"),
            "count": found["count"].astype("int64"),
            "posts": found["posts"].astype("int64"),
            "accounts": found["accounts"].astype("int64"),
            "first_seen": _stamps(found["first_ns"]),
            "last_seen": _stamps(found["last_ns"]),
        }
    )
    summary["account_names"] = [_account_names(names) for names in found["names"]]
    if history:
        seen = _seen_over_all(tuple(history))
        if len(seen):
            seen = seen.reindex(pd.Index(summary["group"]))
            first, last = seen["first_seen"].to_numpy(), seen["last_seen"].to_numpy()
            earlier = pd.notna(first) & (first < summary["first_seen"].to_numpy())
            later = pd.notna(last) & (last > summary["last_seen"].to_numpy())
            summary["first_seen"] = summary["first_seen"].where(
                ~earlier, pd.Series(first, index=summary.index)
            )
            summary["last_seen"] = summary["last_seen"].where(~later, pd.Series(last, index=summary.index))
    platforms = found["platform"].astype(object).where(found["platform"].notna(), None).tolist()
    codes = found["error_code"].astype(object).where(found["error_code"].notna(), None).tolist()
    messages = found["sample_message"].astype(object).where(found["sample_message"].notna(), None).tolist()
    statuses = [None if pd.isna(v) else int(v) for v in found["status_code"].tolist()]
    actions = found["action"].astype(object).where(found["action"].notna(), None).tolist()
    summary["platform"] = [_or_placeholder(p, analysis.UNKNOWN) for p in platforms]
    summary["error_code"] = [_or_placeholder(c, analysis.NO_CODE) for c in codes]
    summary["message"] = [analysis.normalise_message(m) for m in messages]
    summary["sample_message"] = pd.array(messages, dtype="string")
    summary["sample_log_id"] = found["sample_log_id"].astype("string")
    found_verdicts = [
        verdicts.classify(platform, code, message, status, action=action)
        for platform, code, message, status, action in zip(
            platforms, codes, messages, statuses, actions, strict=True
        )
    ]
    summary["who_must_act"] = [v.who_must_act for v in found_verdicts]
    summary["retry"] = [v.retry for v in found_verdicts]
    summary["hint"] = [v.hint for v in found_verdicts]
    summary = summary.sort_values(
        ["count", "last_seen", "group"], ascending=[False, False, True], kind="stable"
    )
    for column in ("group", "platform", "error_code", "message", "sample_message", "sample_log_id",
                   "account_names", "who_must_act", "retry", "hint"):  # fmt: skip
        summary[column] = summary[column].astype("string")
    for column in ("first_seen", "last_seen"):
        summary[column] = summary[column].astype(analysis.TIME_UNIT)
    return summary[analysis.ERROR_GROUP_COLUMNS].reset_index(drop=True)


def _or_placeholder(value: Any, placeholder: str) -> str:
    return value if isinstance(value, str) and value.strip() else placeholder


def _account_names(names: Any) -> str:
    """analysis._account_names from the group's distinct handles (already without their "@")."""
    values = [] if names is None else [str(n) for n in list(names) if n is not None]
    return analysis.account_names_text(values)


# --------------------------------------------------------------------------------------------- posts


def post_counts(files: Sequence[str], flt: analysis.Filters, now: datetime) -> analysis.PostCounts:
    """analysis.post_counts of the filtered rows: lanes per (post, platform), then posts, in one query."""
    if not files:
        return analysis.post_counts(empty_attempts(), now)
    stuck_before = _utc(now) - analysis.STUCK_AFTER
    condition, filter_params = where(flt)
    source, source_params = _scan(files)
    sql = f"""
        WITH chosen AS (
            SELECT post_id, platform, action, status, created_at FROM {source} WHERE {condition}
        ),
        lanes AS (
            SELECT post_id, {_filled("platform", analysis.UNKNOWN)} AS lane,
                   bool_or(coalesce(status = 'success', FALSE)) AS success,
                   bool_or(coalesce(status = 'failed', FALSE)) AS failed,
                   bool_or(coalesce(status = 'pending', FALSE)) AS pending
            FROM chosen WHERE action IN ('publish', 'retry') AND post_id IS NOT NULL GROUP BY ALL
        ),
        posts AS (
            SELECT post_id, count(*) AS lanes, count(*) FILTER (WHERE success) AS live,
                   count(*) FILTER (WHERE failed AND NOT success AND NOT pending) AS dead,
                   bool_or(failed) AS failed
            FROM lanes GROUP BY ALL
        )
        SELECT
            (SELECT count(*) FILTER (WHERE failed) FROM posts) AS hit,
            (SELECT count(*) FILTER (WHERE failed AND dead = lanes) FROM posts) AS failed_everywhere,
            (SELECT count(*) FILTER (WHERE failed AND live > 0 AND dead > 0) FROM posts) AS partly_published,
            (SELECT count(*) FILTER (WHERE failed AND live = lanes) FROM posts) AS recovered,
            (SELECT count(*) FROM chosen WHERE status = 'pending' AND created_at < ?) AS stuck_attempts,
            (SELECT count(DISTINCT post_id) FROM chosen WHERE status = 'pending' AND created_at < ?)
                AS stuck_posts
    """
    row = _query(sql, [*source_params, *filter_params, stuck_before, stuck_before]).iloc[0]
    names = ("hit", "failed_everywhere", "partly_published", "recovered", "stuck_attempts", "stuck_posts")
    return analysis.PostCounts(**{name: int(row[name]) for name in names})


# --------------------------------------------------------------------------------------------- rows


def attempts(
    files: Sequence[str],
    flt: analysis.Filters,
    columns: Sequence[str] | None = None,
    sort_column: str = "created_at",
    descending: bool = True,
    limit: int | None = None,
) -> pd.DataFrame:
    """The filtered attempts themselves (RECORD_COLUMNS, or `columns`), in the Explorer's order: the sort
    column with missing values last, ties newest first (the store's order), the first `limit` of them."""
    known = (*RECORD_COLUMNS, *DERIVED_COLUMNS)
    wanted = [c for c in (columns or RECORD_COLUMNS) if c in known]
    if not files:
        return _typed(empty_attempts()[wanted])
    sort_column = sort_column if sort_column in known else "created_at"
    direction = "DESC" if descending else "ASC"
    order = f'ORDER BY "{sort_column}" {direction} NULLS LAST, created_at DESC NULLS LAST, log_id DESC'
    tail = order + (" LIMIT ?" if limit is not None else "")
    sql, params = _select(", ".join(f'"{c}"' for c in wanted), files, flt, tail)
    if limit is not None:
        params.append(int(limit))
    frame = _query(sql, params)
    return _typed(frame[wanted])


def first_attempts(
    files: Sequence[str],
    flt: analysis.Filters,
    columns: Sequence[str] | None,
    sort_column: str,
    descending: bool,
    limit: int,
) -> tuple[pd.DataFrame, int]:
    """`attempts(...)` limited to the first `limit`, and how many match in all, in two cheap reads instead of
    one costly one: the ids (and the count) of the first rows from the filter's and the order's columns,
    then every column of only those rows, from the files of their days. Reading every column of every
    matching row to sort them took 6.6 s for a 90-day search at 1M attempts; the two reads 1.4 s."""
    known = (*RECORD_COLUMNS, *DERIVED_COLUMNS)
    wanted = [c for c in (columns or RECORD_COLUMNS) if c in known]
    if not files:
        return _typed(empty_attempts()[wanted]), 0
    sort_column = sort_column if sort_column in known else "created_at"
    direction = "DESC" if descending else "ASC"
    order = f'ORDER BY "{sort_column}" {direction} NULLS LAST, created_at DESC NULLS LAST, log_id DESC'
    sql, params = _select(
        "log_id, epoch_ns(created_at) AS at_ns, count(*) OVER () AS total", files, flt, f"{order} LIMIT ?"
    )
    first = _query(sql, [*params, int(limit)])
    if first.empty:
        return _typed(empty_attempts()[wanted]), 0
    total = int(first["total"].iloc[0])
    ids = first["log_id"].astype(str).tolist()
    chosen, bounds = list(files), ""
    bound_params: list[Any] = []
    if first["at_ns"].notna().all():  # every row dated: only their days' files, only their time range
        low, high = (pd.Timestamp(int(v), unit="ns", tz="UTC") for v in first["at_ns"].agg(["min", "max"]))
        days = pd.date_range(low.floor("D"), high.floor("D"), freq="D")
        chosen = _edge_files(files, days) or chosen
        bounds, bound_params = "created_at >= ? AND created_at <= ? AND ", [low, high]
    source, source_params = _scan(chosen)
    select = ", ".join(f'"{c}"' for c in dict.fromkeys([*wanted, "log_id"]))
    rows = _query(
        f"SELECT {select} FROM {source} WHERE {bounds}log_id IN (SELECT unnest(?))",
        [*source_params, *bound_params, ids],
    )
    position = {log_id: n for n, log_id in enumerate(ids)}
    rows = rows.iloc[rows["log_id"].map(position).argsort(kind="stable")]
    return _typed(rows[wanted]), total


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The record dtypes (strings, nullable ints, aware UTC times) on whatever DuckDB handed back."""
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        dtype = RECORD_DTYPES.get(column, "string")
        if dtype.startswith("datetime"):
            values = frame[column]
            if not isinstance(values.dtype, pd.DatetimeTZDtype):
                values = pd.to_datetime(values, errors="coerce").dt.tz_localize("UTC")
            frame[column] = values.dt.tz_convert("UTC").astype(dtype)
        elif str(frame[column].dtype) != dtype:
            frame[column] = frame[column].astype(dtype)
    return coerce_frame(frame) if set(RECORD_COLUMNS) <= set(frame.columns) else frame


def _rows_where(files: Sequence[str], condition: str, params: list[Any], order: str) -> pd.DataFrame:
    """Every RECORD_COLUMNS row of the files meeting `condition` (its `?` bound to `params`), in `order`."""
    if not files:
        return _typed(empty_attempts()[RECORD_COLUMNS])
    source, source_params = _scan(files)
    select = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    found = _query(f"SELECT {select} FROM {source} WHERE {condition} {order}", [*source_params, *params])
    return _typed(found[RECORD_COLUMNS])


def attempt_rows(files: Sequence[str], log_id: str) -> pd.DataFrame:
    """The stored row(s) of one attempt (the Attempt page's `frame[frame.log_id == id]`)."""
    return _rows_where(files, "log_id = ?", [log_id], "ORDER BY created_at DESC NULLS LAST, log_id DESC")


def post_attempts(files: Sequence[str], post_id: str) -> pd.DataFrame:
    """analysis.post_attempts over the files: every attempt of one post, oldest first."""
    return _rows_where(
        files, "post_id = ?", [post_id], "ORDER BY created_at ASC NULLS FIRST, log_id ASC NULLS FIRST"
    )


def attempts_of_posts(files: Sequence[str], post_ids: Sequence[str]) -> pd.DataFrame:
    """Every attempt of these posts, newest first (the Explorer's one-row-per-post view reads each post's
    whole story, not only the attempts a filter matched)."""
    if not post_ids:
        return _typed(empty_attempts()[RECORD_COLUMNS])
    return _rows_where(
        files,
        "list_contains(?, post_id)",
        [list(post_ids)],
        "ORDER BY created_at DESC NULLS LAST, log_id DESC",
    )


def neighbours(
    files: Sequence[str], flt: analysis.Filters, log_id: str
) -> tuple[str | None, str | None, bool]:
    """analysis.neighbours of the filtered rows in the store's newest-first order: (newer, older) log ids
    beside `log_id`, and whether it is among the filtered rows at all. Only the one row comes back."""
    if not files:
        return None, None, False
    condition, params = where(flt)
    source, source_params = _scan(files)
    sql = f"""
        WITH chosen AS (SELECT log_id, created_at FROM {source} WHERE {condition}),
        ordered AS (
            SELECT log_id, lag(log_id) OVER newest AS newer, lead(log_id) OVER newest AS older
            FROM chosen WINDOW newest AS (ORDER BY created_at DESC NULLS LAST, log_id DESC)
        )
        SELECT newer, older FROM ordered WHERE log_id = ? LIMIT 1
    """
    found = _query(sql, [*source_params, *params, log_id])
    if found.empty:
        return None, None, False
    newer, older = found["newer"].iloc[0], found["older"].iloc[0]
    return (None if pd.isna(newer) else str(newer)), (None if pd.isna(older) else str(older)), True
