"""Each error group's whole history as the triage ledger needs it, told by DuckDB over the store's Parquet
files: its failure runs (cut wherever `resolve_hours` passed without a failure), its failures per day over
the last 7 days, and its failures in the same hours of the 7 days before a window (its usual).

The alerts after every collector pass, the digest command and the /groups page ask these instead of reading
the whole store into pandas (6 GB at 10M attempts): only the answers leave SQL, a few rows per group. The
results mean exactly what ledger.failure_runs, ledger.trends_of and pandas counts over a frame mean.

Usage:
    files = store.parquet_files()
    runs = group_history.failure_runs(files, settings.resolve_hours)
    table = ledger.ledger_table(NO_ROWS, NO_ROWS, store.ledger(), start, now, runs=runs, ...)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Sequence

import pandas as pd

from late_logs import analysis, queries
from late_logs.ledger import TREND_DAYS, Run
from late_logs.store import rollup_files

DAY_NS = 86_400 * 10**9
HOUR_NS = 3_600 * 10**9
# The failures that belong to a group: what ledger.failure_times keeps on the pandas side.
_GROUP_FAILURES = "status = 'failed' AND error_group IS NOT NULL AND created_at IS NOT NULL"


def _ns(moment: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)


def _stamp(nanoseconds: int) -> pd.Timestamp:
    return pd.Timestamp(int(nanoseconds), unit="ns", tz="UTC")


def failure_runs(files: Sequence[str], resolve_hours: float) -> dict[str, tuple[Run, ...]]:
    """ledger.failure_runs over the files: per group, its runs of failures (first, last), oldest first.

    A failure starts a run when the one before it in its group is `resolve_hours` or more older (or there
    is none): one window function, over the files' hourly rollup cells (a group's failures of one hour,
    oldest and newest) when every file has one and a run needs an hour's quiet or more, else over the failed
    rows. The cells give the same runs: inside an hour no gap reaches an hour, and the gap between two
    cells is the one between the failures on either side (10M attempts, 90 days: 1.06 s -> 0.16 s)."""
    if not files:
        return {}
    rollups = rollup_files(files)
    if rollups is not None and resolve_hours >= 1:
        failures = (
            'SELECT error_group AS "group", epoch_ns(min(oldest)) AS first_ns, '
            "epoch_ns(max(newest)) AS last_ns FROM read_parquet(?, hive_partitioning = false) "
            "WHERE hours = 1 AND status = 'failed' AND error_group IS NOT NULL AND hour IS NOT NULL "
            "GROUP BY error_group, hour"
        )
        params: list = [rollups]
    else:
        source, params = queries.scan(files)
        failures = (
            'SELECT error_group AS "group", epoch_ns(created_at) AS first_ns, '
            f"epoch_ns(created_at) AS last_ns FROM {source} WHERE {_GROUP_FAILURES}"
        )
    sql = (
        f"WITH failures AS ({failures}), marked AS ("
        '  SELECT "group", first_ns, last_ns, CASE WHEN first_ns - lag(last_ns) OVER '
        '    (PARTITION BY "group" ORDER BY first_ns, last_ns) < ? THEN 0 ELSE 1 END AS starts FROM failures'
        "), numbered AS ("
        '  SELECT "group", first_ns, last_ns, sum(starts) OVER '
        '    (PARTITION BY "group" ORDER BY first_ns, last_ns ROWS UNBOUNDED PRECEDING) AS run FROM marked'
        ') SELECT "group", run, min(first_ns) AS first_ns, max(last_ns) AS last_ns FROM numbered'
        " GROUP BY ALL ORDER BY 1, 2"
    )
    found = queries.query(sql, [*params, int(resolve_hours * HOUR_NS)])
    runs: dict[str, list[Run]] = {}
    for group, first, last in zip(found["group"], found["first_ns"], found["last_ns"], strict=True):
        runs.setdefault(str(group), []).append((_stamp(first), _stamp(last)))
    return {group: tuple(found_runs) for group, found_runs in runs.items()}


def trends(files: Sequence[str], now: datetime, days: int = TREND_DAYS) -> dict[str, list[int]]:
    """ledger.trends_of over the files: per group, failures per day over the `days` days before `now`,
    oldest first (day k counts ages in [days-1-k, days-k) days). Pass the files of those days only."""
    if not files:
        return {}
    source, params = queries.scan(files)
    now_ns = _ns(now)
    found = queries.query(
        'SELECT error_group AS "group", '
        f"CAST(floor((? - epoch_ns(created_at)) / {DAY_NS}) AS BIGINT) AS age, "
        f"count(*) AS n FROM {source} WHERE {_GROUP_FAILURES} "
        "AND epoch_ns(created_at) <= ? AND epoch_ns(created_at) > ? GROUP BY ALL",
        [now_ns, *params, now_ns, now_ns - days * DAY_NS],
    )
    result: dict[str, list[int]] = {}
    for group, age, count in zip(found["group"], found["age"], found["n"], strict=True):
        counts = result.setdefault(str(group), [0] * days)
        if 0 <= int(age) < days:
            counts[days - 1 - int(age)] += int(count)
    return result


def failures_in(
    files: Sequence[str],
    windows: Sequence[tuple[datetime, datetime]],
    flt: analysis.Filters | None = None,
) -> dict[str, int]:
    """Per group, its failures in all the windows together ([start, end) each, as analysis.Filters keeps
    them) among the rows `flt` keeps (its own start and end aside: the windows say when): the baseline of
    group_usual, under the same filter as the count it is compared with. One scan over the files those
    windows need."""
    if not files or not windows:
        return {}
    source, params = queries.scan(files)
    kept, kept_params = queries.where(replace(flt or analysis.Filters(), start=None, end=None))
    inside = " OR ".join(["(epoch_ns(created_at) >= ? AND epoch_ns(created_at) < ?)"] * len(windows))
    bounds = [bound for start, end in windows for bound in (_ns(start), _ns(end))]
    found = queries.query(
        f'SELECT error_group AS "group", count(*) AS n FROM {source} '
        f"WHERE {_GROUP_FAILURES} AND ({kept}) AND ({inside}) GROUP BY ALL",
        [*params, *kept_params, *bounds],
    )
    return {str(g): int(n) for g, n in zip(found["group"], found["n"], strict=True)}


@dataclass(frozen=True)
class GroupFacts:
    """What the ledger, the digest and the alerts need of the whole store, as small answers: every group's
    failure runs, its verdict and counts (analysis.error_groups), and its 7-day trend at `now`."""

    runs: dict[str, tuple[Run, ...]]
    all_groups: pd.DataFrame
    trends: dict[str, list[int]]

    def known(self) -> dict[str, Any]:
        """As keyword arguments of ledger.ledger_table and digest.build."""
        return {"runs": self.runs, "all_groups": self.all_groups, "trends": self.trends}


def facts_of(store, now: datetime, resolve_hours: float) -> GroupFacts:
    """GroupFacts of the store at `now`: three scans of the failed rows' few columns, no attempt in pandas."""
    files = store.parquet_files()
    week = store.parquet_files(since=pd.Timestamp(now) - pd.Timedelta(days=TREND_DAYS), until=now)
    return GroupFacts(
        runs=failure_runs(files, resolve_hours),
        all_groups=queries.error_groups(files, analysis.Filters()),
        trends=trends(week, now),
    )
