"""The Overview's view model: what it computes from a filter (KPIs, matrix, time series, error groups and
their figures), cached per store version and filter.

Every number is answered inside the scan by `late_logs.queries` over the Parquet files of the window (and of
the window before it, for the KPIs); only the small results become pandas, never the attempts behind them.
The time series come from one scan of hourly counts, summed into whichever bucket the chart settles on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from late_logs import analysis, charts, queries
from late_logs.ui import data

# The failure-rate lines shown at first (the platforms with most failures); the others wait in the legend.
RATE_CHART_PLATFORMS = 5
# Bucket sizes the failure-rate chart may use, finest first: the finest at which most points of the shown
# platforms have enough settled attempts for a rate, never finer than the window's default bucket.
RATE_BUCKETS = ("h", "3h", "6h", "D")


@dataclass(frozen=True)
class OverviewData:
    """Everything the Overview draws for one filter: numbers, analysis frames and figures (read-only)."""

    kpis: list[analysis.Kpi]
    matrix: pd.DataFrame
    matrix_figure: go.Figure
    rate_figure: go.Figure
    rate_bucket: str
    volume_figure: go.Figure
    groups: pd.DataFrame
    posts: analysis.PostCounts | None = None  # posts that did not go out, and stuck attempts


def rate_bucket(
    counts: queries.TimeCounts, start: datetime, end: datetime, platforms: list[str]
) -> tuple[str, pd.DataFrame]:
    """The finest bucket (RATE_BUCKETS) at which most non-empty points of `platforms` have a reliable rate,
    with its series; the coarsest when none does."""
    default = analysis.bucket_for_window(start, end) if start and end else "h"
    candidates = RATE_BUCKETS[RATE_BUCKETS.index(default) :] if default in RATE_BUCKETS else (default,)
    series = pd.DataFrame()
    for bucket in candidates:
        series = queries.rate_series(counts, bucket)
        shown = series[series["platform"].isin(platforms) & (series["settled"] > 0)]
        if shown.empty or float((~shown["muted"]).mean()) >= 0.5:
            return bucket, series
    return candidates[-1], series


@st.cache_resource(max_entries=16, show_spinner=False)
def _overview_at(
    cache_dir: str, version: int, flt: analysis.Filters, _ctx: data.AppContext
) -> OverviewData:
    # The KPIs compare with the window of the same length before, so they read both windows' days.
    earlier = flt.start - (flt.end - flt.start) if flt.start and flt.end else None
    both = _ctx.files(since=earlier, until=flt.end)
    window = _ctx.files(since=flt.start, until=flt.end)
    matrix = queries.failure_matrix(window, flt, analysis.MIN_VOLUME)
    counts = queries.time_counts(window, flt)
    top = counts.top_failing_platforms(RATE_CHART_PLATFORMS)
    bucket, series = rate_bucket(counts, flt.start, flt.end, top)
    volume = queries.volume_series(counts, bucket)
    return OverviewData(
        kpis=queries.window_kpis(both, flt),
        matrix=matrix,
        matrix_figure=charts.failure_matrix_heatmap(matrix),
        # A drag across the chart selects a time range (the page's new window) instead of zooming.
        rate_figure=charts.failure_rate_chart(series, shown=top, legend="right").update_layout(
            dragmode="select", selectdirection="h"
        ),
        rate_bucket=bucket,
        volume_figure=charts.status_volume_chart(volume),
        # First and last seen over the whole store: a week-old problem must not look new in a 24 h window.
        groups=queries.error_groups(window, flt, history=_ctx.files()),
        posts=queries.post_counts(window, flt, analysis.utc_now()),
    )


def overview(ctx: data.AppContext, flt: analysis.Filters) -> OverviewData:
    """The Overview's numbers and figures for a filter with a time window, cached per version + filter."""
    return _overview_at(str(ctx.settings.cache_dir), ctx.version, flt, ctx)
