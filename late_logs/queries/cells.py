"""The Overview's counts as cells: attempts per hour (or day) and per value of each ROLLUP_DIMENSIONS column,
summed from the files' rollups (late_logs/store/rollups.py) over whole hours and days, from the rows over a
window's partial hours at its edges."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from late_logs import analysis
from late_logs.queries.sql import (
    _FAILED,
    _SETTLED,
    HOUR_NS,
    _utc,
    _window,
    scan,
    where,
)
from late_logs.store import ROLLUP_DIMENSIONS, UNKNOWN_DAY, rollup_files

# Windows up to this long are counted from their rows (see window_cells).
ROLLUP_FROM = pd.Timedelta(days=2)


# --------------------------------------------------------------------------------------------- hourly cells
# The Overview's counts (KPIs, matrix, time series, baselines) are sums of cells: attempts per hour and per
# value of each ROLLUP_DIMENSIONS column. Whole hours of a window come from the files' rollups (written with
# the files, late_logs/store/rollups.py), the partial hours at its two edges from the rows themselves, so the
# sums are exact for any window; a filter on what the rollups do not keep (an account, a post, a search) or a
# file without a rollup counts every row instead.


def _rolled_up(flt: analysis.Filters) -> bool:
    return not (flt.post_id or flt.accounts or flt.text.strip())



def _ceil(stamp: pd.Timestamp, step: str) -> pd.Timestamp:
    return stamp.ceil(step)


def day_folder(name: str) -> str | None:
    """The day of the partition folder a file sits in (`day=YYYY-MM-DD`, or `day=unknown` for undated
    rows), or None for a file outside one."""
    folder = Path(name).parent.name
    if not folder.startswith("day="):
        return None
    day = folder[len("day=") :]
    if day == UNKNOWN_DAY:
        return day
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return None
    return day


def files_of_days(files: Sequence[str], moments: Iterable[pd.Timestamp]) -> list[str]:
    """The files of the UTC days of `moments` (the store's partition folders, `day_folder`): the only files
    that can hold the rows of a window's partial hours."""
    days = {moment.strftime("%Y-%m-%d") for moment in moments}
    return [name for name in files if day_folder(name) in days]


def window_cells(
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
    edges = files_of_days(files, (start, first - tick, last, end - tick))
    if edges and (start < first or last < end):
        source, source_params = scan(edges)
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


