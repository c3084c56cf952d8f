"""Pure pandas functions over the attempts frame: filters, KPIs, failure rates and trends, error groups,
verdict columns, post outcomes, navigation between attempts.

Every function takes a frame with the `records.RECORD_COLUMNS` schema and is vectorised, because the
dashboard calls them on up to a million rows on every rerun. No Streamlit, no plotly here. One part a job:

- `frame`: UTC stamps, masks, windows and narrow copies every part picks its rows with;
- `filters`: `Filters` and `apply_filters`;
- `kpis`: the headline numbers of a window against the one before;
- `rates`: the platform x action matrix and the rate and volume series over time;
- `groups`: error groups, failures grouped by platform, code and normalised message;
- `verdict_columns`: who must act and whether to retry, as columns;
- `posts`: posts that did not go out, one row per post, where each platform of a post ended up;
- `navigation`: an attempt's neighbours, how long ago the collector synced, the time now.

Callers use `late_logs.analysis.<name>`; the parts are how the package is kept, not addresses to import.
"""

from __future__ import annotations

from late_logs.analysis.filters import Filters, apply_filters
from late_logs.analysis.frame import SETTLED_STATUSES, SUMMARY_COLUMNS, TIME_UNIT
from late_logs.analysis.groups import (
    ERROR_GROUP_COLUMNS,
    MAX_ACCOUNT_NAMES,
    account_names_text,
    add_error_group_column,
    error_group_summary,
    error_groups,
)
from late_logs.analysis.kpis import KPI_LABELS, Kpi, kpi_numbers, window_kpis
from late_logs.analysis.navigation import freshness_text, neighbours, utc_now
from late_logs.analysis.posts import (
    POST_ROW_COLUMNS,
    PUBLISHING_ACTIONS,
    STUCK_AFTER,
    PlatformOutcome,
    PostCounts,
    PostOutcome,
    post_attempts,
    post_counts,
    post_outcome,
    post_rows,
)
from late_logs.analysis.rates import (
    MATRIX_COLUMNS,
    MIN_VOLUME,
    RATE_SERIES_COLUMNS,
    VOLUME_SERIES_COLUMNS,
    bucket_for_window,
    failure_matrix,
    failure_rate,
    failure_rate_over_time,
    matrix_from_counts,
    rate_series_from_counts,
    status_volume_over_time,
    volume_series_from_counts,
)
from late_logs.analysis.verdict_columns import add_verdict_columns

# The error-group vocabulary lives in `fingerprint` (the store stamps it at write time); pages and
# queries read it as analysis.UNKNOWN, analysis.error_group_keys, ...
from late_logs.fingerprint import (
    NO_CODE,
    NO_MESSAGE,
    UNKNOWN,
    error_group_key,
    error_group_keys,
    failure_identity,
    normalise_message,
)

__all__ = [
    # frame
    "SETTLED_STATUSES",
    "SUMMARY_COLUMNS",
    "TIME_UNIT",
    # filters
    "Filters",
    "apply_filters",
    # kpis
    "KPI_LABELS",
    "Kpi",
    "kpi_numbers",
    "window_kpis",
    # rates
    "MATRIX_COLUMNS",
    "MIN_VOLUME",
    "RATE_SERIES_COLUMNS",
    "VOLUME_SERIES_COLUMNS",
    "bucket_for_window",
    "failure_matrix",
    "failure_rate",
    "failure_rate_over_time",
    "matrix_from_counts",
    "rate_series_from_counts",
    "status_volume_over_time",
    "volume_series_from_counts",
    # error groups
    "ERROR_GROUP_COLUMNS",
    "MAX_ACCOUNT_NAMES",
    "account_names_text",
    "add_error_group_column",
    "error_group_summary",
    "error_groups",
    # verdict columns
    "add_verdict_columns",
    # posts
    "POST_ROW_COLUMNS",
    "PUBLISHING_ACTIONS",
    "STUCK_AFTER",
    "PlatformOutcome",
    "PostCounts",
    "PostOutcome",
    "post_attempts",
    "post_counts",
    "post_outcome",
    "post_rows",
    # navigation
    "freshness_text",
    "neighbours",
    "utc_now",
    # the error-group vocabulary of `fingerprint`
    "NO_CODE",
    "NO_MESSAGE",
    "UNKNOWN",
    "error_group_key",
    "error_group_keys",
    "failure_identity",
    "normalise_message",
]
