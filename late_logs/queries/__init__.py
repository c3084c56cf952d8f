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

from late_logs.queries.accounts import account_facts
from late_logs.queries.cells import (
    ROLLUP_FROM,
    files_of_days,
    window_cells,
)
from late_logs.queries.counts import (
    TimeCounts,
    count,
    distinct,
    facet_counts,
    failure_matrix,
    failure_rate_over_time,
    kpi_numbers,
    oldest_time,
    rate_series,
    status_volume_over_time,
    time_counts,
    volume_series,
    window_kpis,
)
from late_logs.queries.groups import (
    error_groups,
    group_counts,
    seen_over,
)
from late_logs.queries.rows import (
    attempt_rows,
    attempts,
    attempts_of_posts,
    first_attempts,
    matching_count,
    neighbours,
    post_attempts,
    post_counts,
)
from late_logs.queries.sql import (
    CHANGED_WHILE_READ,
    DERIVED_COLUMNS,
    HOUR_NS,
    empty_attempts,
    query,
    scan,
    where,
)

__all__ = [
    "account_facts",
    "CHANGED_WHILE_READ",
    "DERIVED_COLUMNS",
    "HOUR_NS",
    "ROLLUP_FROM",
    "TimeCounts",
    "attempt_rows",
    "attempts",
    "attempts_of_posts",
    "count",
    "distinct",
    "empty_attempts",
    "error_groups",
    "facet_counts",
    "failure_matrix",
    "failure_rate_over_time",
    "files_of_days",
    "first_attempts",
    "matching_count",
    "group_counts",
    "kpi_numbers",
    "neighbours",
    "oldest_time",
    "post_attempts",
    "post_counts",
    "query",
    "rate_series",
    "scan",
    "seen_over",
    "status_volume_over_time",
    "time_counts",
    "volume_series",
    "where",
    "window_cells",
    "window_kpis",
]
