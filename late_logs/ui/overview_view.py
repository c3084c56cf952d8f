"""The Overview's view model: what it computes from a filter (KPIs, matrix, time series, error groups and
their figures), cached per store version and filter.

Every number is answered inside the scan by `late_logs.queries` over the Parquet files of the window (and of
the window before it, for the KPIs); only the small results become pandas, never the attempts behind them.
The time series come from one scan of hourly counts, summed into whichever bucket the chart settles on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from late_logs import analysis, baselines, charts, queries, verdicts
from late_logs.ui import data, nav
from late_logs.ui.text import count_text, escape_markdown, rate_text

# The failure-rate lines shown at first (the platforms with most failures); the others wait in the legend.
RATE_CHART_PLATFORMS = 5
# Bucket sizes the failure-rate chart may use, finest first: the finest at which most points of the shown
# platforms have enough settled attempts for a rate, never finer than the window's default bucket.
RATE_BUCKETS = ("h", "3h", "6h", "D")


@dataclass(frozen=True)
class BaselineView:
    """This window against its usual (late_logs.baselines): KPIs, every matrix cell, the cells worse."""

    kpis: dict[str, baselines.KpiBaseline]
    cells: pd.DataFrame  # baselines.compare of the matrix's cells
    windows: int  # how many baseline windows hold attempts (0: no baseline yet)
    described: str = ""  # what the usual is, in words: "the same hours on the 6 days before"


@dataclass(frozen=True)
class OverviewCharts:
    """What the Overview draws first, from the rollups' counts: the matrix and the three charts."""

    matrix: pd.DataFrame
    matrix_figure: go.Figure
    rate_figure: go.Figure
    rate_bucket: str
    volume_figure: go.Figure


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
    baseline: BaselineView | None = None  # None for a window without a start or an end


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
def _charts_at(cache_dir: str, version: int, flt: analysis.Filters, _ctx: data.AppContext) -> OverviewCharts:
    window = _ctx.files(since=flt.start, until=flt.end)
    matrix = without_empty_actions(queries.failure_matrix(window, flt, analysis.MIN_VOLUME))
    counts = queries.time_counts(window, flt)
    top = counts.top_failing_platforms(RATE_CHART_PLATFORMS)
    bucket, series = rate_bucket(counts, flt.start, flt.end, top)
    volume = queries.volume_series(counts, bucket)
    return OverviewCharts(
        matrix=matrix,
        matrix_figure=charts.failure_matrix_heatmap(matrix),
        # A drag across the chart selects a time range (the page's new window) instead of zooming.
        rate_figure=charts.failure_rate_chart(series, shown=top, legend="right").update_layout(
            dragmode="select", selectdirection="h"
        ),
        rate_bucket=bucket,
        volume_figure=charts.status_volume_chart(volume).update_layout(
            dragmode="select", selectdirection="h"
        ),
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _overview_at(
    cache_dir: str, version: int, flt: analysis.Filters, _ctx: data.AppContext, _drawn: OverviewCharts
) -> OverviewData:
    # The KPIs compare with the window of the same length before, so they read both windows' days.
    earlier = flt.start - (flt.end - flt.start) if flt.start and flt.end else None
    both = _ctx.files(since=earlier, until=flt.end)
    window = _ctx.files(since=flt.start, until=flt.end)
    kpis = queries.window_kpis(both, flt)
    # This window's numbers for its baseline: the KPIs just counted, and the settled attempts the matrix
    # counted (an action left out of it settled none), not a second scan of the same rows.
    current = {kpi.key: kpi.value for kpi in kpis} | {"settled": int(_drawn.matrix["settled"].sum())}
    return OverviewData(
        kpis=kpis,
        **{field.name: getattr(_drawn, field.name) for field in dataclasses.fields(OverviewCharts)},
        # First and last seen over the whole store: a week-old problem must not look new in a 24 h window.
        groups=queries.error_groups(window, flt, history=_ctx.files()),
        posts=queries.post_counts(window, flt, analysis.utc_now()),
        baseline=_baseline(_ctx, flt, _drawn.matrix, current),
    )


def overview_charts(ctx: data.AppContext, flt: analysis.Filters) -> OverviewCharts:
    """The Overview's matrix and charts for a filter with a time window, cached per version + filter: the
    page draws them before it asks for the rest (`overview`), which reads rows, not only counts."""
    return _charts_at(str(ctx.settings.cache_dir), ctx.version, flt, ctx)


def overview(ctx: data.AppContext, flt: analysis.Filters) -> OverviewData:
    """The Overview's numbers and figures for a filter with a time window, cached per version + filter."""
    drawn = overview_charts(ctx, flt)
    found = _overview_at(str(ctx.settings.cache_dir), ctx.version, flt, ctx, drawn)
    counted = st.session_state.setdefault(COUNTED_KEY, set())
    if len(counted) >= _COUNTED_KEPT:
        counted.clear()
    counted.add((ctx.version, flt))
    return found


# The (store version, filter) pairs this session's Overview has counted: those it draws in place at once
# (blanking them until after the charts made the page jump on every rerun: a click, the digest fold).
COUNTED_KEY = "overview_counted"
_COUNTED_KEPT = 64


def counted(ctx: data.AppContext, flt: analysis.Filters) -> bool:
    """Whether this session counted the Overview's numbers for this store version and filter already (then
    they are cached: the page draws them in place instead of after the charts)."""
    return (ctx.version, flt) in st.session_state.get(COUNTED_KEY, ())


def without_empty_actions(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix without the actions no platform settled an attempt of (columns of "0/0" only)."""
    if matrix.empty:
        return matrix
    settled = matrix.groupby("action", sort=False)["settled"].transform("sum")
    return matrix[settled.to_numpy() > 0].reset_index(drop=True)


# --------------------------------------------------------------------------------------------- baselines
# Kept apart from the counts above: only `_baseline_counts` reads attempts; the comparison itself is
# late_logs.baselines over count frames, whichever way the counts are made.


def _baseline_counts(
    ctx: data.AppContext, flt: analysis.Filters, windows: list
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Per baseline window: the platform × action counts and the KPI numbers, under the page's filter."""
    covered = baselines.span(windows)
    if covered is None:
        return [], pd.DataFrame(columns=["attempts", "settled", "failures"])
    cells, numbers = [], []
    for w_start, w_end in windows:
        part = dataclasses.replace(flt, start=w_start.to_pydatetime(), end=w_end.to_pydatetime())
        files = ctx.files(since=part.start, until=part.end)  # only that window's days are read
        cells.append(queries.failure_matrix(files, part))
        numbers.append(queries.kpi_numbers(files, part))
    return cells, pd.DataFrame(numbers)


def _baseline(
    ctx: data.AppContext, flt: analysis.Filters, matrix: pd.DataFrame, current: dict[str, float]
) -> BaselineView | None:
    if not (flt.start and flt.end):
        return None
    oldest = queries.oldest_time(ctx.files())
    windows = baselines.baseline_windows(
        flt.start, flt.end, since=None if oldest is None or pd.isna(oldest) else oldest
    )
    cells, per_window = _baseline_counts(ctx, flt, windows)
    pooled = baselines.pool(cells, ["platform", "action"])
    usual = per_window[per_window["attempts"] > 0] if len(per_window) else per_window
    return BaselineView(
        kpis=baselines.kpi_baselines(current, per_window),
        cells=baselines.compare(matrix, pooled),
        windows=len(usual),
        described=_described(flt, len(usual)),
    )


def _described(flt: analysis.Filters, windows: int) -> str:
    days = "day" if windows == 1 else f"{windows} days"
    if pd.Timestamp(flt.end) - pd.Timestamp(flt.start) <= pd.Timedelta(days=1):
        return f"the same hours on the {days} before"
    periods = "period" if windows == 1 else f"{windows} periods"
    return f"the {periods} of the same length before, shifted by whole days"


@dataclass(frozen=True)
class KpiCard:
    """One KPI as st.metric draws it: the delta against the usual, or "no baseline yet"."""

    label: str
    value: str
    delta: str | None
    color: str  # st.metric's delta_color
    arrow: str  # st.metric's delta_arrow
    help: str


def _kpi_text(kpi_unit: str, value: float | None) -> str:
    return rate_text(value) if kpi_unit == "rate" else count_text(value)


KPI_MEANINGS = {
    "failure_rate": "Failed of settled (succeeded or failed) attempts.",
    "posts_affected": "Posts with a failed attempt in the window.",
    "accounts_affected": "Accounts with a failed attempt in the window (not every account that posted).",
}


def kpi_cards(view: OverviewData) -> list[KpiCard]:
    """The KPIs against their usual (same hours, previous days), with the previous window in the help."""
    cards = []
    for kpi in view.kpis:
        base = view.baseline.kpis.get(kpi.key) if view.baseline else None
        color = "off" if kpi.key == "attempts" else "inverse"  # a rise is bad for all but the attempt count
        meaning = f"{KPI_MEANINGS[kpi.key]} " if kpi.key in KPI_MEANINGS else ""
        previous = f"Previous window of the same length: {_kpi_text(kpi.unit, kpi.previous)}."
        if base is None or not base.has_baseline or base.delta is None:
            cards.append(
                KpiCard(
                    kpi.name,
                    _kpi_text(kpi.unit, kpi.value),
                    baselines.NO_BASELINE,
                    "off",
                    "off",
                    f"{meaning}No baseline yet: the store holds no attempts of these hours on the days "
                    f"before. {previous}",
                )  # fmt: skip
            )
            continue
        if kpi.unit == "rate":
            delta, usual = f"{base.delta * 100:+.1f} pp vs usual", rate_text(base.usual)
        else:
            # A mean of a few days is rarely whole: one decimal while it matters ("-0.4", not "-0").
            shown = f"{base.delta:+.1f}" if abs(base.delta) < 10 else f"{base.delta:+,.0f}"
            delta, usual = f"{shown} vs usual", f"{base.usual:,.1f}"
        described = view.baseline.described if view.baseline else ""
        help_text = f"{meaning}Usual: {usual}, the mean of {described}. {previous}"
        cards.append(KpiCard(kpi.name, _kpi_text(kpi.unit, kpi.value), delta, color, "auto", help_text))
    return cards


@dataclass(frozen=True)
class CellLink:
    """A matrix cell worth a look, as a label and the Explorer filter it opens."""

    label: str
    params: dict[str, str]


LINKED_CELLS = 6


def worse_cells(view: OverviewData) -> tuple[str, list[CellLink]]:
    """A heading and the cells worse than usual, the most excess failures first. When none is (or there is
    no baseline), the cells with most failures (never the highest rate: 3 of 5 would outrank 26 of 91)."""
    cells = view.baseline.cells if view.baseline is not None else pd.DataFrame()

    def link(row, sentence: str) -> CellLink:
        label = (
            f"{escape_markdown(row.platform)} · {escape_markdown(row.action)}: {escape_markdown(sentence)}"
        )
        return CellLink(label, {"platform": str(row.platform), "action": str(row.action), "status": "failed"})

    heading = "No baseline yet for these hours; most failures:"
    if len(cells) and bool(cells["has_baseline"].any()):
        worse = baselines.worse_than_usual(cells, LINKED_CELLS)
        if len(worse):
            return "Worse than usual", [
                link(row, baselines.cell_sentence(row)) for row in worse.itertuples(index=False)
            ]
        heading = "No cell is worse than usual; most failures:"
    matrix = view.matrix
    top = matrix[~matrix["muted"] & (matrix["failures"] > 0)].sort_values(
        ["failures", "settled"], ascending=[False, True], kind="stable"
    )
    return heading, [
        link(row, f"{row.failures} of {row.settled} failed ({rate_text(row.failure_rate)})")
        for row in top.head(LINKED_CELLS).itertuples(index=False)
    ]


# --------------------------------------------------------------------------------------------- error groups
# The table's columns: key → (header, width px). Widths make everything through "First seen" fit the
# grid's 786 px at 1280×720 with the sidebar open (32 px of it the row checkbox); what to do, who must act,
# the platform and code alone come after, behind the horizontal scroll.

GROUP_COLUMNS: dict[str, tuple[str, int]] = {
    "state": ("State", 80),
    "what": ("Error (platform · code · message)", 235),
    "count": ("Failures", 62),
    "posts": ("Posts", 50),
    "accounts": ("Accounts", 68),
    "link": ("Open", 60),
    "last_seen": ("Last seen", 95),
    "first_seen": ("First seen", 95),
    "kind": ("Who must act", 170),
    "hint": ("What to do", 260),
    "platform": ("Platform", 90),
    "error_code": ("Code", 140),
}
GRID_CHECKBOX_PX = 32  # the row-selection column at the grid's left edge (measured: scrollWidth − widths)


def group_lead_width(through: str = "first_seen") -> int:
    """The px from the grid's left edge to the end of `through` (the browser test holds it to the grid)."""
    width = GRID_CHECKBOX_PX
    for column, (_, px) in GROUP_COLUMNS.items():
        width += px
        if column == through:
            break
    return width


def group_table(groups: pd.DataFrame) -> pd.DataFrame:
    """The Overview's error groups as the table shows them (GROUP_COLUMNS), links into the Explorer."""
    table = groups.assign(
        what=groups["platform"].astype(str) + " · " + groups["error_code"].astype(str) + " · "
        + groups["message"].astype(str),
        kind=groups["who_must_act"].map(verdicts.WHO_LABELS) + " · retry: " + groups["retry"],
        link=[nav.explorer_href({"error_group": g, "status": "failed"}) for g in groups["group"]],
    )  # fmt: skip
    return table[list(GROUP_COLUMNS)]


def group_column_config() -> dict:
    config: dict = {}
    for column, (label, width) in GROUP_COLUMNS.items():
        if column in ("last_seen", "first_seen"):
            config[column] = st.column_config.DatetimeColumn(
                label, format="MM-DD HH:mm", timezone="UTC", width=width, help=f"{label} (UTC), whole store"
            )
        elif column in ("count", "posts", "accounts"):
            config[column] = st.column_config.NumberColumn(label, width=width)
        elif column == "link":
            config[column] = st.column_config.LinkColumn(label, display_text="attempts", width=width)
        else:
            config[column] = st.column_config.TextColumn(label, width=width)
    return config
