"""Collector: is the data current and complete? The last pass and what it did, the next one, what the store
holds and for how long, requests and rate limits, recent problems, which Late it talks to (never the key),
and a "Sync now" button for an immediate pass.
"""

from __future__ import annotations

import threading

import streamlit as st

from late_logs.ui import background, collector_view, data, nav
from late_logs.ui.text import bytes_text, count_text, escape_markdown, plain, utc_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

ctx = data.app_context()
view = collector_view.collector_view(ctx)

st.title("Collector")


def fact(label: str, value: str) -> None:
    st.caption(label)
    st.text(value)


def source_passes(one: collector_view.SourcePasses) -> None:
    """One source's passes, when several sources are collected."""
    with st.container(border=True):
        st.subheader(f"Source {plain(one.label)}")
        st.caption(escape_markdown(one.line))
        first, second, third = st.columns(3)
        with first:
            fact("Last pass finished", f"{utc_text(one.last_pass)} ({one.freshness})")
            fact("Passes so far", count_text(one.passes))
        with second:
            fact("Next pass", utc_text(one.next_pass) if one.next_pass else "not planned yet")
        with third:
            fact("Requests to Late (all passes)", count_text(one.requests))
            fact("Rate-limited answers (429)", count_text(one.rate_limited))
        fact("Last pass summary", plain(one.summary))
        fact("Contract in use", plain(one.contract))
        if one.drift:
            st.warning(escape_markdown("Late's answers drifted from the contract: " + one.drift))
        if one.last_error:
            st.error(
                f"Last pass failed at {utc_text(one.last_error_at)}: {escape_markdown(one.last_error)}"
            )
        if one.problems:
            with st.expander(f"Problems in the last pass ({len(one.problems)})"):
                st.text("\n".join(plain(e) for e in one.problems[:50]))


if view.sources:
    with st.container(border=True):
        st.subheader("Background collector")
        if not view.polling:
            fact(
                "Next pass",
                "Background polling is off (LATE_LOGS_POLL_SECONDS=0): press Sync now below, "
                "or run: python -m late_logs collect",
            )
        else:
            fact(
                "Background collector",
                ("running" if view.running else "stopped")
                + f", a pass per source every {view.interval_seconds} s",
            )
    for one_source in view.sources:
        source_passes(one_source)
else:  # one source: its passes, as they always were shown
    with st.container(border=True):
        st.subheader("Passes")
        first, second, third = st.columns(3)
        with first:
            fact("Last pass finished", f"{utc_text(view.last_pass)} ({view.freshness})")
            fact("Passes so far", count_text(view.passes))
        with second:
            if not view.polling:
                fact(
                    "Next pass",
                    "Background polling is off (LATE_LOGS_POLL_SECONDS=0): press Sync now below, "
                    "or run: python -m late_logs collect",
                )
            else:
                fact("Next pass", utc_text(view.next_pass) if view.next_pass else "after the current pass")
                fact(
                    "Background collector",
                    ("running" if view.running else "stopped") + f", every {view.interval_seconds} s",
                )
        with third:
            fact("Requests to Late (all passes)", count_text(view.requests))
            fact("Rate-limited answers (429)", count_text(view.rate_limited))
        fact("Last pass summary", plain(view.summary))
        fact("Contract in use", plain(view.contract))
        if view.drift:
            st.warning(escape_markdown("Late's answers drifted from the contract: " + view.drift))
        if view.last_error:
            when = utc_text(view.last_error_at)
            st.error(f"Last pass failed at {when}: {escape_markdown(view.last_error)}")
        if view.problems:
            with st.expander(f"Problems in the last pass ({len(view.problems)})"):
                st.text("\n".join(plain(e) for e in view.problems[:50]))

with st.container(border=True):
    st.subheader("Store")
    stats = view.stats
    if stats is None:
        st.error(escape_markdown(view.store_error or ""))
        st.stop()
    first, second, third = st.columns(3)
    with first:
        fact("Attempts stored", count_text(stats.attempts))
        fact("Details stored", count_text(stats.details))
        fact("Connection logs", count_text(stats.connection_logs))
    with second:
        fact("Oldest attempt", utc_text(stats.oldest))
        fact("Newest attempt", utc_text(stats.newest))
    with third:
        fact("Size on disk", bytes_text(stats.size_bytes))
        fact("Retention", f"{stats.retention_days} days (Late itself keeps {view.kept_by_late})")
        fact("Folder", plain(view.folder))

with st.container(border=True):
    st.subheader("Late API")
    fact("Source", plain(view.mode))
    if not view.sources:  # several: each source's API is on its own card above
        fact("Base URL", plain(view.base_url))
    fact("API key", "set" if view.key_is_set else "not set (demo mode)")

if st.button("Sync now", type="primary", icon=":material/sync:", key="collector_sync_now"):
    with st.status("Syncing with Late…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting the pass…")
        script_thread = threading.current_thread()

        def show_progress(progress) -> None:
            if threading.current_thread() is script_thread:  # only the script's thread may draw
                bar.progress(background.progress_fraction(progress), text=escape_markdown(progress.message))

        outcome = collector_view.sync_now(ctx, show_progress)
        if outcome.state == "locked":
            status.update(label="Another collector is syncing", state="complete")
            st.info(outcome.text)
        elif outcome.state == "failed":
            status.update(label="Sync failed", state="error")
            st.error(escape_markdown(outcome.text))
        else:
            bar.progress(1.0, text="Done")
            status.update(label="Sync finished", state="complete")
            st.text(plain(outcome.text))
            st.button("Show the new data", key="collector_show_new")
