"""The shared frame around every page: the demo banner, how fresh the data is (the page reruns itself when
a pass lands), the filter widgets with "Reset filters", and what was wrong with a pasted link's window.
With several sources (Late workspaces) the filter offers the source, and each source's failed pass is told.
"""

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
        several = ctx.settings.several_sources
        states = data.source_states(ctx.settings, ctx.store) if several else {}
        state = data.collector_state(ctx.store)
        handle = ctx.collector
        progress = handle.progress if handle is not None else None
        last = data.last_pass_at(state) if not several else data.stalest_pass_at(states.values())
        first_pass = last is None and handle is not None and handle.running
        synced = "syncing (first pass)" if first_pass else analysis.freshness_text(last, analysis.utc_now())
        st.caption(f"Data {synced} · all times UTC")
        if progress is not None:
            st.caption(f"Syncing now: {escape_markdown(progress.message)}")
        for label, own in states.items():
            if own.last_error:
                st.caption(f"Last pass of {escape_markdown(label)} failed: {escape_markdown(own.last_error)}")
        if not several and state.last_error:
            st.caption(f"Last pass failed: {escape_markdown(state.last_error)}")
        if data.store_version(ctx.store) != ctx.version:
            # A pass landed: rerun the whole page with the new data. Widgets, selections and the scroll
            # position survive a rerun; a relative window moves on to now.
            st.rerun(scope="app")

    freshness_line()
    st.caption(escape_markdown(source.mode_line(ctx.settings)))
    if not ctx.settings.several_sources:  # several: each source's contract is on the Collector page
        st.caption(escape_markdown(collector.contract_line(data.collector_state(ctx.store))))


def link_note() -> None:
    """The sentence saying what was wrong with the window of the link the page was opened with."""
    note = filters.url_note()
    if note:
        st.warning(escape_markdown(note), icon=":material/link_off:")


def render(ctx: data.AppContext, scope: tuple[str, ...]) -> None:
    """The sidebar below the page menu: filters for pages that read them, then freshness."""
    with st.sidebar:
        if scope:
            filters.sidebar_filters(
                ctx.distinct, facets.counter(ctx, filters.current(scope)), data.source_labels(ctx.settings)
            )
            if not filters.is_default(scope):
                st.button(
                    "Reset filters",
                    key="sidebar_reset_filters",
                    on_click=filters.reset,
                    icon=":material/filter_alt_off:",
                    help="Back to the last 24 h with no other filter.",
                )
            st.divider()
        freshness(ctx)
