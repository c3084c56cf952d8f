"""The attempts themselves, and the posts' counts: the Explorer's rows, one attempt, one post's attempts,
an attempt's neighbours, and how many posts did not go out."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Sequence

import pandas as pd

from late_logs import analysis
from late_logs.queries.cells import day_folder, files_of_days
from late_logs.queries.sql import (
    DERIVED_COLUMNS,
    _filled,
    _select,
    _utc,
    empty_attempts,
    query,
    scan,
    where,
)
from late_logs.records import RECORD_COLUMNS, RECORD_DTYPES, coerce_frame
from late_logs.store import UNKNOWN_DAY, rollup_files

# --------------------------------------------------------------------------------------------- posts


# A post's lanes as bits of one UBIGINT: this many lanes (platforms) at most; more take the lane names path.
MASK_LANES = 64


def post_counts(files: Sequence[str], flt: analysis.Filters, now: datetime) -> analysis.PostCounts:
    """analysis.post_counts of the filtered rows: lanes per (post, platform), then posts, in one statement.

    A post's lanes are bits of one integer (which lanes it published on, failed on, has pending), so the
    posts are one GROUP BY post_id over the publishing attempts; grouping (post, lane) pairs and then the
    pairs by post took 3.3-4.6 s and a 1.2 GB peak at 10M attempts over 90 days, the bits 1.2-2.1 s and
    0.7 GB. The bits' lane names come from the files' rollups (every platform a file holds, in a few
    thousand cells); without rollups, or past MASK_LANES names, the lanes are grouped by name."""
    if not files:
        return analysis.post_counts(empty_attempts(), now)
    names = _lane_names(files)
    if names is not None and len(names) <= MASK_LANES:
        counts = _post_counts_by_bits(files, flt, now, names)
        if counts is not None:
            return counts
    return _post_counts_by_lane_names(files, flt, now)


def _lane_names(files: Sequence[str]) -> list[str] | None:
    """Every lane (platform, blank as UNKNOWN) the files' rows can have, from their rollup cells; None when
    a file has no rollup."""
    rollups = rollup_files(files)
    if rollups is None:
        return None
    lane = _filled("platform", analysis.UNKNOWN)
    cells = "read_parquet(?, hive_partitioning = false)"
    found = query(f"SELECT DISTINCT {lane} AS lane FROM {cells}", [rollups])
    return sorted(str(name) for name in found["lane"])


def _stuck(files: Sequence[str], flt: analysis.Filters, now: datetime) -> tuple[str, list[Any]]:
    """SQL of the stuck attempts and posts (pending longer than STUCK_AFTER), from the failures copies."""
    condition, filter_params = where(flt)
    source, source_params = scan(files, ("pending",))
    sql = f"""
        SELECT count(*) AS stuck_attempts, count(DISTINCT post_id) AS stuck_posts FROM {source}
        WHERE ({condition}) AND status = 'pending' AND created_at < ?"""
    return sql, [*source_params, *filter_params, _utc(now) - analysis.STUCK_AFTER]


_COUNT_NAMES = ("hit", "failed_everywhere", "partly_published", "recovered", "stuck_attempts", "stuck_posts")


def _post_counts_by_bits(
    files: Sequence[str], flt: analysis.Filters, now: datetime, names: list[str]
) -> analysis.PostCounts | None:
    """post_counts with each post's lanes as bit masks over `names`; None when a row's lane is not among
    them (a file changed between its rollup and its rows cannot, but the answer must never drop a lane)."""
    condition, filter_params = where(flt)
    source, source_params = scan(files)
    failures, failure_params = scan(files, ("failed",))
    stuck, stuck_params = _stuck(files, flt, now)
    lane = _filled("platform", analysis.UNKNOWN)
    sql = f"""
        WITH publishing AS NOT MATERIALIZED (
            SELECT post_id, status, (1::UBIGINT << (list_position(?, {lane}) - 1)::UBIGINT) AS bit
            FROM {source}
            WHERE ({condition}) AND action IN ('publish', 'retry') AND post_id IS NOT NULL AND post_id IN (
                SELECT post_id FROM {failures}
                WHERE ({condition}) AND status = 'failed' AND action IN ('publish', 'retry')
            )
        ),
        posts AS (
            SELECT bit_or(bit) AS lanes, bool_or(bit IS NULL) AS unlisted,
                   coalesce(bit_or(bit) FILTER (WHERE status = 'success'), 0) AS live,
                   coalesce(bit_or(bit) FILTER (WHERE status = 'failed'), 0) AS failed,
                   coalesce(bit_or(bit) FILTER (WHERE status = 'pending'), 0) AS pending
            FROM publishing GROUP BY post_id
        ),
        dead AS (SELECT lanes, live, failed & ~live & ~pending AS dead, unlisted FROM posts),
        stuck AS ({stuck})
        SELECT * FROM (
            SELECT count(*) AS hit,
                   count(*) FILTER (WHERE dead = lanes) AS failed_everywhere,
                   count(*) FILTER (WHERE live <> 0 AND dead <> 0) AS partly_published,
                   count(*) FILTER (WHERE live = lanes) AS recovered,
                   coalesce(bool_or(unlisted), FALSE) AS unlisted
            FROM dead
        ), stuck
    """
    params = [names, *source_params, *filter_params, *failure_params, *filter_params, *stuck_params]
    row = query(sql, params).iloc[0]
    if bool(row["unlisted"]):
        return None
    return analysis.PostCounts(**{name: int(row[name]) for name in _COUNT_NAMES})


def _post_counts_by_lane_names(
    files: Sequence[str], flt: analysis.Filters, now: datetime
) -> analysis.PostCounts:
    """post_counts with lanes grouped by (post, lane name), for posts with a failed publishing attempt only
    (a semi-join on the window's failed posts, the rows read twice rather than held)."""
    condition, filter_params = where(flt)
    source, source_params = scan(files)
    stuck, stuck_params = _stuck(files, flt, now)
    sql = f"""
        WITH publishing AS NOT MATERIALIZED (
            SELECT post_id, {_filled("platform", analysis.UNKNOWN)} AS lane, status FROM {source}
            WHERE ({condition}) AND action IN ('publish', 'retry') AND post_id IS NOT NULL
        ),
        hit AS (SELECT DISTINCT post_id FROM publishing WHERE status = 'failed'),
        lanes AS (
            SELECT post_id, lane,
                   bool_or(coalesce(status = 'success', FALSE)) AS success,
                   bool_or(coalesce(status = 'failed', FALSE)) AS failed,
                   bool_or(coalesce(status = 'pending', FALSE)) AS pending
            FROM publishing SEMI JOIN hit USING (post_id) GROUP BY ALL
        ),
        posts AS (
            SELECT count(*) AS lanes, count(*) FILTER (WHERE success) AS live,
                   count(*) FILTER (WHERE failed AND NOT success AND NOT pending) AS dead
            FROM lanes GROUP BY post_id
        ),
        stuck AS ({stuck})
        SELECT * FROM (
            SELECT count(*) AS hit,
                   count(*) FILTER (WHERE dead = lanes) AS failed_everywhere,
                   count(*) FILTER (WHERE live > 0 AND dead > 0) AS partly_published,
                   count(*) FILTER (WHERE live = lanes) AS recovered
            FROM posts
        ), stuck
    """
    params = [*source_params, *filter_params, *stuck_params]
    row = query(sql, params).iloc[0]
    return analysis.PostCounts(**{name: int(row[name]) for name in _COUNT_NAMES})


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
    frame = query(sql, params)
    return _typed(frame[wanted])


def first_attempts(
    files: Sequence[str],
    flt: analysis.Filters,
    columns: Sequence[str] | None,
    sort_column: str,
    descending: bool,
    limit: int,
    count: bool = True,
) -> tuple[pd.DataFrame, int | None]:
    """`attempts(...)` limited to the first `limit`, and how many match in all, in cheap reads instead of
    one costly one: the ids of the first rows from the filter's and the order's columns, the count (only
    when there may be more), then every column of only those rows, from the files of their days. Reading
    every column of every matching row to sort them took 6.6 s (+ 2.1 s for the count) for a 90-day search
    at 1M attempts on a loaded machine, the two reads 1.4 s; 1.5-1.9 s against 1.3-1.4 s on a quiet one.
    Without `count`, the count is None when the rows fill the limit (`matching_count` reads it later)."""
    known = (*RECORD_COLUMNS, *DERIVED_COLUMNS)
    wanted = [c for c in (columns or RECORD_COLUMNS) if c in known]
    if not files:
        return _typed(empty_attempts()[wanted]), 0
    sort_column = sort_column if sort_column in known else "created_at"
    direction = "DESC" if descending else "ASC"
    order = f'ORDER BY "{sort_column}" {direction} NULLS LAST, created_at DESC NULLS LAST, log_id DESC'
    if sort_column == "created_at" and descending:
        first = _newest_ids(files, flt, order, int(limit))
    else:
        first = _first_ids(files, flt, order, int(limit))
    if first.empty:
        return _typed(empty_attempts()[wanted]), 0
    total: int | None = len(first)
    if total == int(limit):
        # Counted apart: a window count over the first rows' query made it read and sort every match, where
        # alone it is a top-N that skips what cannot make the first rows (90-day search at 4.5M attempts:
        # 3.14 s with the window count, 0.38 s + 2.18 s for the count apart). Fewer rows than the limit are
        # every match: no count to read.
        total = matching_count(files, flt) if count else None
    ids = first["log_id"].astype(str).tolist()
    chosen, bounds = list(files), ""
    bound_params: list[Any] = []
    if first["at_ns"].notna().all():  # every row dated: only their days' files, only their time range
        low, high = (pd.Timestamp(int(v), unit="ns", tz="UTC") for v in first["at_ns"].agg(["min", "max"]))
        days = pd.date_range(low.floor("D"), high.floor("D"), freq="D")
        chosen = files_of_days(files, days) or chosen
        bounds, bound_params = "created_at >= ? AND created_at <= ? AND ", [low, high]
    source, source_params = scan(chosen)
    select = ", ".join(f'"{c}"' for c in dict.fromkeys([*wanted, "log_id"]))
    rows = query(
        f"SELECT {select} FROM {source} WHERE {bounds}log_id IN (SELECT unnest(?))",
        [*source_params, *bound_params, ids],
    )
    position = {log_id: n for n, log_id in enumerate(ids)}
    rows = rows.iloc[rows["log_id"].map(position).argsort(kind="stable")]
    return _typed(rows[wanted]), total


def _first_ids(files: Sequence[str], flt: analysis.Filters, order: str, limit: int) -> pd.DataFrame:
    """The first `limit` matching rows' (log_id, at_ns) in `order`, in one statement over the files."""
    sql, params = _select("log_id, epoch_ns(created_at) AS at_ns", files, flt, f"{order} LIMIT ?")
    return query(sql, [*params, limit])


def _newest_ids(files: Sequence[str], flt: analysis.Filters, order: str, limit: int) -> pd.DataFrame:
    """The first `limit` matching rows' (log_id, at_ns), newest first, read from the newest days' files
    first: a day partition's rows are all newer than an older day's, so once the days read hold `limit`
    matches the older ones cannot change the first rows. The newest day first, then more days at a time
    (see below). A 90-day search at 10M attempts read all 90 days' files for its first 5,000 rows (0.97 s)
    where 7 days held them. It trusts the store's layout (a row sits in the folder of its own UTC day,
    `store.files.day_of`), as reading the shown rows from their days' files below does; files without a
    day folder are read at once."""
    days: dict[str, list[str]] = {}
    for name in files:
        day = day_folder(name)
        if day is None:
            return _first_ids(files, flt, order, limit)
        days.setdefault(day, []).append(name)
    # Newest day first; undated rows (`unknown`) sort last (NULLS LAST), so their files come last.
    ordered = sorted((d for d in days if d != UNKNOWN_DAY), reverse=True)
    ordered += [d for d in days if d == UNKNOWN_DAY]
    found: list[pd.DataFrame] = []
    held, position, step = 0, 0, 1
    while position < len(ordered) and held < limit:
        batch = [name for day in ordered[position : position + step] for name in days[day]]
        found.append(_first_ids(batch, flt, order, limit - held))
        held, position = held + len(found[-1]), position + step
        # The next days: twice as many, or as many as the matches so far per day say are still needed
        # (with a margin), or all that are left when the days read held none: a sparse match is read
        # in two or three statements, not seven.
        per_day = held / position
        wanted = math.ceil(1.25 * (limit - held) / per_day) if per_day else len(ordered)
        step = max(step * 2, wanted)
    return pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]


def matching_count(files: Sequence[str], flt: analysis.Filters) -> int:
    """How many attempts the filter matches (one scan of its columns; the Explorer's count line)."""
    if not files:
        return 0
    sql, params = _select("count(*) AS total", files, flt)
    return int(query(sql, params)["total"].iloc[0])


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
    source, source_params = scan(files)
    select = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    found = query(f"SELECT {select} FROM {source} WHERE {condition} {order}", [*source_params, *params])
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
    source, source_params = scan(files)
    sql = f"""
        WITH chosen AS (SELECT log_id, created_at FROM {source} WHERE {condition}),
        ordered AS (
            SELECT log_id, lag(log_id) OVER newest AS newer, lead(log_id) OVER newest AS older
            FROM chosen WINDOW newest AS (ORDER BY created_at DESC NULLS LAST, log_id DESC)
        )
        SELECT newer, older FROM ordered WHERE log_id = ? LIMIT 1
    """
    found = query(sql, [*source_params, *params, log_id])
    if found.empty:
        return None, None, False
    newer, older = found["newer"].iloc[0], found["older"].iloc[0]
    return (None if pd.isna(newer) else str(newer)), (None if pd.isna(older) else str(older)), True
