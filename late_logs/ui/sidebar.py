"""The shared frame around every page: the demo banner, how fresh the data is, and the filter widgets."""

from __future__ import annotations

import streamlit as st

from late_logs import analysis, collector, source
from late_logs.ui import data, facets, filters
from late_logs.ui.text import escape_markdown

DEMO_BANNER = "Demo mode: simulated Late API data. Set LATE_API_KEY to see your own logs."


def demo_banner(ctx: data.AppContext) -> None:
    if ctx.settings.demo:
        st.info(DEMO_BANNER, icon=":material/science:")


def freshness(ctx: data.AppContext) -> None:
    """ "Data synced 2 min ago", kept current by a small fragment, with a refresh button once a pass lands."""

    @st.fragment(run_every=data.FRESHNESS_REFRESH_SECONDS)
    def freshness_line() -> None:
        state = data.collector_state(ctx.store)
        synced = analysis.freshness_text(data.last_pass_at(state), analysis.utc_now())
        st.caption(f"Data {synced} · all times UTC")
        handle = ctx.collector
        progress = handle.progress if handle is not None else None
        if progress is not None:
            st.caption(f"Syncing now: {escape_markdown(progress.message)}")
        if state.get("last_error"):
            st.caption(f"Last pass failed: {escape_markdown(state['last_error'])}")
        if data.store_version(ctx.store) != ctx.version:
            if st.button("New data arrived: refresh", icon=":material/refresh:", key="sidebar_refresh"):
                st.rerun()

    freshness_line()
    st.caption(escape_markdown(source.mode_line(ctx.settings)))
    st.caption(escape_markdown(collector.contract_line(data.collector_state(ctx.store))))


def render(ctx: data.AppContext, scope: tuple[str, ...]) -> None:
    """The sidebar below the page menu: filters for pages that read them, then freshness."""
    with st.sidebar:
        if scope:
            filters.sidebar_filters(ctx.distinct, facets.counter(ctx, filters.current(scope)))
            st.divider()
        freshness(ctx)
