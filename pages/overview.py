"""Overview: the morning failure review. What failed in the window, compared with its usual (the same hours
of the days before: late_logs.baselines), where (platform × action, the cells worse than usual linked), when
(failure rate and attempts over time) and why (top error groups). Every cell, point and error group opens
the Explorer filtered to the attempts behind it.
"""

from __future__ import annotations

import streamlit as st

from late_logs import analysis
from late_logs.ui import data, filters, nav, overview_view
from late_logs.ui import groups as groups_view
from late_logs.ui.text import count_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

TOP_GROUPS = 15
# A figure's modebar (zoom, pan, download) would cover the heatmap's column labels; nothing to zoom there.
NO_MODEBAR = {"displayModeBar": False}
BUCKET_WORDS = {"h": "hour", "3h": "3 hours", "6h": "6 hours", "D": "day"}
DIGEST_KEY = "overview_digest"  # the digest fold's open state, in the session

ctx = data.app_context()
ctx.require_attempts()
flt = filters.current(filters.SIDEBAR_PARAMS)

st.title("Overview")
st.caption(filters.describe(filters.state(), filters.SIDEBAR_PARAMS))

# The matrix and charts first (from the rollups' counts); the KPIs, post counts, usual and error groups, which
# read rows, after the charts are on screen (1 s of a first run at 10M attempts), unless this session
# counted them already (then they are drawn in place, the page not jumping). Both cached per store version
# and filter.
drawn = overview_view.overview_charts(ctx, flt)
view = overview_view.overview(ctx, flt) if overview_view.counted(ctx, flt) else None


def selected_customdata(event) -> list | None:
    """The customdata of the first clicked point of a plotly selection event, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        custom = point.get("customdata")
        if custom:
            return list(custom)
    return None


def draw_numbers(view: overview_view.OverviewData) -> None:
    """The KPI cards and the posts line, into their places at the top."""
    with kpi_slot.container(border=True):
        columns = st.columns(5)
        for column, card in zip(columns, overview_view.kpi_cards(view), strict=True):
            column.metric(
                card.label, card.value, card.delta, delta_color=card.color, delta_arrow=card.arrow,
                help=card.help,
            )  # fmt: skip
    posts = view.posts
    if posts is None:
        posts_slot.empty()
        return
    with posts_slot.container(border=True):
        # Posts, not only attempts: a post retried five times is one post, and many recover.
        st.markdown(
            f"**{count_text(posts.hit)} posts** hit by a failure: **{count_text(posts.failed_everywhere)}** "
            f"failed everywhere, **{count_text(posts.partly_published)}** partly published, "
            f"**{count_text(posts.recovered)}** recovered after a retry · "
            f"**{count_text(posts.stuck_attempts)}** attempts stuck (pending over "
            f"{int(analysis.STUCK_AFTER.total_seconds() // 60)} min) on {count_text(posts.stuck_posts)} posts"
        )
        if posts.stuck_attempts:
            st.page_link(
                nav.EXPLORER,
                label="See the pending attempts",
                query_params=nav.drill_params({"status": "pending"}),
                icon=":material/hourglass_disabled:",
            )


def draw_worse_cells(view: overview_view.OverviewData) -> None:
    """The cells worse than usual (they need the usual), into their place under the matrix."""
    with worse_slot.container():
        heading, cells = overview_view.worse_cells(view)
        st.markdown(f"**{heading}**")
        link_columns = st.columns(2)
        half = (len(cells) + 1) // 2  # ranked down the first column, then the second
        for index, cell_link in enumerate(cells):
            with link_columns[index // half]:
                st.page_link(
                    nav.EXPLORER,
                    label=cell_link.label,
                    query_params=nav.drill_params(cell_link.params),
                    icon=":material/open_in_new:",
                )
        if cells and view.baseline is not None and view.baseline.windows:
            st.caption(
                f"Against {view.baseline.described}, ranked by failures beyond what the usual rate predicts "
                "for this volume."
            )


kpi_slot, posts_slot = st.empty(), st.empty()
if view is not None:
    draw_numbers(view)

with st.container(border=True):
    st.subheader("Failure rate by platform and action")
    event = st.plotly_chart(
        drawn.matrix_figure,
        key="overview_matrix",
        on_select="rerun",
        selection_mode="points",
        config=NO_MODEBAR,
    )
    cell = selected_customdata(event)
    if cell:
        nav.open_explorer({"platform": cell[0], "action": cell[1], "status": "failed"})
    st.caption(
        f"Each cell: failed / settled attempts. Grey cells have fewer than {analysis.MIN_VOLUME} settled "
        "attempts; actions with none anywhere are left out. Click a cell to see its failures."
    )
    worse_slot = st.empty()
    if view is not None:
        draw_worse_cells(view)

rate_column, volume_column = st.columns([3, 2])
with rate_column, st.container(border=True):
    st.subheader("Failure rate over time")
    event = st.plotly_chart(
        drawn.rate_figure,
        key="overview_rate",
        on_select=lambda: filters.window_from_selection(st.session_state.get("overview_rate")),
        selection_mode=("points", "box"),
    )
    point = None if filters.selected_range(event) else selected_customdata(event)
    if point:
        nav.open_explorer({"platform": point[0], "start": point[1], "end": point[2], "status": "failed"})
    st.caption(
        f"Per {BUCKET_WORDS.get(drawn.rate_bucket, drawn.rate_bucket)}. "
        f"The {overview_view.RATE_CHART_PLATFORMS} "
        "platforms with most failures are drawn; click a name in the legend to add another. Faint rings: "
        "too few attempts for a rate. Click a point to see its failures; drag across the chart to make that "
        "time range the page's window."
    )
with volume_column, st.container(border=True):
    st.subheader("Attempts by status")
    event = st.plotly_chart(
        drawn.volume_figure,
        key="overview_volume",
        on_select=lambda: filters.window_from_selection(st.session_state.get("overview_volume")),
        selection_mode=("points", "box"),
    )
    bar = None if filters.selected_range(event) else selected_customdata(event)
    if bar:
        nav.open_explorer({"status": bar[0], "start": bar[1], "end": bar[2]})
    st.caption("Click a bar to see the attempts of that time; drag across the chart to make that time range "
               "the page's window.")  # fmt: skip

if view is None:  # counted now, after the charts went out, into the places left for them
    view = overview_view.overview(ctx, flt)
    draw_numbers(view)
    draw_worse_cells(view)

with st.container(border=True):
    st.subheader("Top error groups")
    # New and regressed first (the triage ledger's states), then the biggest.
    groups = groups_view.with_states(view.groups, ctx, flt.start, analysis.utc_now()).head(TOP_GROUPS)
    if groups.empty:
        st.success("No failures in this window.")
    else:
        table = overview_view.group_table(groups)
        # Sized so every column through "First seen" fits 1280 px with the sidebar open; the rest may scroll.
        selection = st.dataframe(
            table,
            key="overview_groups",
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            placeholder="—",
            column_config=overview_view.group_column_config(),
        )
        rows = selection.selection.rows if selection else []
        if rows:
            nav.open_explorer({"error_group": str(groups.iloc[rows[0]]["group"]), "status": "failed"})
        st.caption("Select a row, or follow its link, to see the failures of that group in the Explorer.")
        st.page_link(nav.GROUPS, label="Triage the groups", icon=":material/bug_report:")

# Built only when opened: the digest reads the day's attempts and seven baseline days (4 s of a first run at
# 10M attempts, most of it before the charts above showed, the script holding the server's Python).
digest_fold = st.expander(
    "Daily digest: paste it into a ticket or a chat",
    icon=":material/summarize:",
    key=DIGEST_KEY,
    on_change="rerun",
)
with digest_fold:
    if digest_fold.open:
        summary = groups_view.digest_markdown(ctx, flt.start, flt.end, analysis.utc_now())
        st.code(summary, language="markdown", wrap_lines=True)  # text, never rendered: log text stays inert
        st.caption("The last 24 h of the window, the same as `python -m late_logs digest --since 24h`; links "
                   "point at LATE_LOGS_PUBLIC_URL.")  # fmt: skip
