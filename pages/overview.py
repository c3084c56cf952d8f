"""Overview: the morning failure review. What failed in the window, compared with the window before it,
where (platform × action), when (failure rate over time) and why (top error groups). Every cell, point and
error group opens the Explorer filtered to the attempts behind it.
"""

from __future__ import annotations

import dataclasses
import math

import streamlit as st

from late_logs import analysis, charts
from late_logs.ui import data, filters, nav
from late_logs.ui.text import count_text, escape_markdown, rate_text

TOP_GROUPS = 15
LINKED_CELLS = 6
# A rise is bad for every number but the plain attempt count, which is neither good nor bad.
DELTA_COLORS = {"attempts": "off"}

ctx = data.app_context()
ctx.require_attempts()
flt = filters.current(filters.SIDEBAR_PARAMS)
window = ctx.filtered(flt)
# The KPIs compare with the window before, so they need the same filter without the time bounds.
all_times = ctx.filtered(dataclasses.replace(flt, start=None, end=None))

st.title("Overview")
st.caption(filters.describe(filters.state(), filters.SIDEBAR_PARAMS))


def selected_customdata(event) -> list | None:
    """The customdata of the first clicked point of a plotly selection event, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        custom = point.get("customdata")
        if custom:
            return list(custom)
    return None


def kpi_delta(kpi: analysis.Kpi) -> str | None:
    if kpi.delta is None or math.isnan(kpi.delta):
        return None
    if kpi.unit == "rate":
        return f"{kpi.delta * 100:+.1f} pp"
    return f"{int(kpi.delta):+,}"


with st.container(border=True):
    columns = st.columns(5)
    for column, kpi in zip(columns, analysis.window_kpis(all_times, flt.start, flt.end), strict=True):
        value = rate_text(kpi.value) if kpi.unit == "rate" else count_text(kpi.value)
        previous = rate_text(kpi.previous) if kpi.unit == "rate" else count_text(kpi.previous)
        column.metric(
            kpi.name,
            value,
            kpi_delta(kpi),
            delta_color=DELTA_COLORS.get(kpi.key, "inverse"),
            help=f"Previous window of the same length: {previous}",
        )

left, right = st.columns([5, 6])
with left, st.container(border=True):
    st.subheader("Failure rate by platform and action")
    matrix = analysis.failure_matrix(window, analysis.MIN_VOLUME)
    event = st.plotly_chart(
        charts.failure_matrix_heatmap(matrix),
        key="overview_matrix",
        on_select="rerun",
        selection_mode="points",
    )
    cell = selected_customdata(event)
    if cell:
        nav.open_explorer({"platform": cell[0], "action": cell[1], "status": "failed"})
    st.caption(
        f"Grey cells have fewer than {analysis.MIN_VOLUME} settled attempts. Click a cell to see its "
        "failures."
    )
    worst = matrix[~matrix["muted"] & (matrix["failures"] > 0)].sort_values("failure_rate", ascending=False)
    for row in worst.head(LINKED_CELLS).itertuples(index=False):
        st.page_link(
            nav.EXPLORER,
            label=f"{escape_markdown(row.platform)} · {escape_markdown(row.action)}: "
            f"{row.failures} of {row.settled} failed ({rate_text(row.failure_rate)})",
            query_params=nav.drill_params(
                {"platform": row.platform, "action": row.action, "status": "failed"}
            ),
            icon=":material/open_in_new:",
        )

with right, st.container(border=True):
    st.subheader("Failure rate over time")
    series = analysis.failure_rate_over_time(window, flt.start, flt.end)
    event = st.plotly_chart(
        charts.failure_rate_chart(series), key="overview_rate", on_select="rerun", selection_mode="points"
    )
    point = selected_customdata(event)
    if point:
        nav.open_explorer({"platform": point[0], "start": point[1], "end": point[2], "status": "failed"})
    volume = analysis.status_volume_over_time(window, flt.start, flt.end)
    event = st.plotly_chart(
        charts.status_volume_chart(volume), key="overview_volume", on_select="rerun", selection_mode="points"
    )
    bar = selected_customdata(event)
    if bar:
        nav.open_explorer({"status": bar[0], "start": bar[1], "end": bar[2]})
    st.caption("Click a point or a bar to see the attempts of that hour or day.")

with st.container(border=True):
    st.subheader("Top error groups")
    groups = analysis.error_groups(window).head(TOP_GROUPS)
    if groups.empty:
        st.success("No failures in this window.")
    else:
        table = groups.assign(
            kind=groups["failure_class"].map(analysis.FAILURE_CLASS_LABELS),
            link=[nav.explorer_href({"error_group": g, "status": "failed"}) for g in groups["group"]],
        )[
            [
                "platform",
                "error_code",
                "message",
                "count",
                "posts",
                "accounts",
                "first_seen",
                "last_seen",
                "kind",
                "link",
            ]
        ]
        selection = st.dataframe(
            table,
            key="overview_groups",
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            column_config={
                "platform": "Platform",
                "error_code": "Code",
                "message": st.column_config.TextColumn("Message (normalised)", width="medium"),
                "count": st.column_config.NumberColumn("Failures"),
                "posts": st.column_config.NumberColumn("Posts"),
                "accounts": st.column_config.NumberColumn("Accounts"),
                "first_seen": st.column_config.DatetimeColumn(
                    "First seen (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"
                ),
                "last_seen": st.column_config.DatetimeColumn(
                    "Last seen (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"
                ),
                "kind": "Who must act",
                "link": st.column_config.LinkColumn("Open", display_text="attempts"),
            },
        )
        rows = selection.selection.rows if selection else []
        if rows:
            nav.open_explorer({"error_group": str(groups.iloc[rows[0]]["group"]), "status": "failed"})
        st.caption("Select a row to see the failures of that group in the Explorer.")
