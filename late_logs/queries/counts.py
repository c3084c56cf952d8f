"""Counts of the filtered attempts: totals, filter option counts, the KPIs, the platform x action matrix and
the hourly counts every time series is summed from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from late_logs import analysis
from late_logs.queries.cells import _CELL_COUNTS, window_cells
from late_logs.queries.sql import (
    _FAILED,
    _SETTLED,
    DERIVED_COLUMNS,
    HOUR_NS,
    _select,
    _utc,
    _window,
    empty_attempts,
    query,
    scan,
)
from late_logs.records import RECORD_COLUMNS
from late_logs.store import ROLLUP_DIMENSIONS, rollup_files

# The KPIs in two statements: plain counts over every row, then the distinct posts and accounts over the
# failures only (DuckDB's DISTINCT aggregates beside plain ones cost 1.6x more over 10M attempts).
_KPI_COUNTS = (
    f"count(*) AS attempts, count(*) FILTER (WHERE {_FAILED}) AS failures, "
    f"count(*) FILTER (WHERE {_SETTLED}) AS settled"
)
_KPI_DISTINCTS = (
    "count(DISTINCT post_id) AS posts, count(DISTINCT coalesce(account_id, account_username)) AS accounts"
)


# --------------------------------------------------------------------------------------------- counts


def count(files: Sequence[str], flt: analysis.Filters | None = None) -> int:
    """How many attempts match the filter (0 for no files)."""
    if not files:
        return 0
    sql, params = _select("count(*) AS n", files, flt or analysis.Filters())
    return int(query(sql, params)["n"].iloc[0])


def distinct(files: Sequence[str], column: str) -> tuple[str, ...]:
    """The column's values over the files, sorted (for filter option lists), as AppContext.distinct gave."""
    if not files or column not in (*RECORD_COLUMNS, *DERIVED_COLUMNS):
        return ()
    try:
        rollups = rollup_files(files) if column in ROLLUP_DIMENSIONS else None
    except ValueError:  # not a store's files (no attempts folder): no rollups
        rollups = None
    if rollups is not None:
        # Every value a file holds is in a cell of its rollup: its daily cells, not its rows (the sidebar's
        # platform, action and status lists read 10M rows in 0.4 s of every store version's first run).
        source, params, cells = "read_parquet(?, hive_partitioning = false)", [rollups], "hours = 24 AND "
    else:
        (source, params), cells = scan(files), ""
    sql = f'SELECT DISTINCT "{column}" AS v FROM {source} WHERE {cells}"{column}" IS NOT NULL'
    found = query(sql, params)
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
    found = query(sql, params)
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
        current = window_cells(files, _window(flt, start, end))
        previous = window_cells(files, _window(flt, earlier, start))
        if current is not None and previous is not None:
            sql = (f"SELECT TRUE AS current, {_CELL_COUNTS} FROM ({current[0]}) UNION ALL "
                   f"SELECT FALSE AS current, {_CELL_COUNTS} FROM ({previous[0]})")  # fmt: skip
            found = query(sql, [*current[1], *previous[1]])
        else:
            sql, params = _select(f"created_at >= ? AS current, {_KPI_COUNTS}", files, both, "GROUP BY ALL")
            found = query(sql, [start, *params])
        for row in found.to_dict("records"):
            numbers[bool(row["current"])].update(
                attempts=int(row["attempts"]),
                failures=int(row["failures"]),
                failure_rate=analysis.failure_rate(int(row["failures"]), int(row["settled"])),
            )
        select = f"created_at >= ? AS current, {_KPI_DISTINCTS}"
        sql, params = _select(select, files, both, "GROUP BY ALL", failed_only=True)
        for row in query(sql, [start, *params]).to_dict("records"):
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
    cells = window_cells(files, flt)
    if cells is not None:
        row = query(f"SELECT {_CELL_COUNTS} FROM ({cells[0]})", cells[1]).iloc[0]
    else:
        sql, params = _select(_KPI_COUNTS, files, flt)
        row = query(sql, params).iloc[0]
    failures, settled = int(row["failures"]), int(row["settled"])
    numbers.update(attempts=int(row["attempts"]), failures=failures, settled=settled,
                   failure_rate=analysis.failure_rate(failures, settled))  # fmt: skip
    if failures:
        sql, params = _select(_KPI_DISTINCTS, files, flt, failed_only=True)
        row = query(sql, params).iloc[0]
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
        source, params = scan(files)
        sql = f"SELECT min(created_at) AS oldest FROM {source}"
    found = query(sql, params)["oldest"].iloc[0]
    if pd.isna(found):
        return None
    moment = pd.Timestamp(found)
    return moment.tz_convert("UTC") if moment.tzinfo else moment.tz_localize("UTC")


def _no_numbers() -> dict[str, float]:
    return {"attempts": 0, "failures": 0, "failure_rate": float("nan"), "posts_affected": 0,
            "accounts_affected": 0}  # fmt: skip



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
    cells = window_cells(files, flt)
    if cells is not None:
        counts = query(f"SELECT {cell}, {_CELL_COUNTS} FROM ({cells[0]}) GROUP BY ALL", cells[1])
    else:
        select = (
            f"{cell}, count(*) AS attempts, count(*) FILTER (WHERE {_SETTLED}) AS settled, "
            f"count(*) FILTER (WHERE {_FAILED}) AS failures"
        )
        sql, params = _select(select, files, flt, "GROUP BY ALL")
        counts = query(sql, params)
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
        bounds = query(sql, params).iloc[0]
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
    cells = window_cells(files, window, days=daily)
    if cells is not None:
        sql = (
            "SELECT hour_ns AS hour, platform, status, sum(attempts)::BIGINT AS attempts "
            f"FROM ({cells[0]}) GROUP BY ALL"
        )
        return TimeCounts(start_ts, end_ts, query(sql, cells[1]), 24 * HOUR_NS if daily else HOUR_NS)
    hour = f"epoch_ns(created_at) - ((epoch_ns(created_at) % {HOUR_NS}) + {HOUR_NS}) % {HOUR_NS}"
    select = f"{hour} AS hour, platform, status, count(*) AS attempts"
    sql, params = _select(select, files, window, "GROUP BY ALL")
    rows = query(sql, params)
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


