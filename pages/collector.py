"""Collector: is the data current and complete? The last pass and what it did, the next one, what the store
holds and for how long, requests and rate limits, recent problems, which Late it talks to (never the key),
and a "Sync now" button for an immediate pass.
"""

from __future__ import annotations

import threading

import streamlit as st

from late_logs import analysis, collector, source
from late_logs.api import LateError
from late_logs.records import parse_time, retention_days_of
from late_logs.store import StoreError, StoreLocked
from late_logs.ui import data, nav
from late_logs.ui.text import bytes_text, count_text, escape_markdown, plain, utc_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

ctx = data.app_context()
config = ctx.settings
state = data.collector_state(ctx.store)
now = analysis.utc_now()

st.title("Collector")


def summary_of(report: object) -> str:
    """The stored last report (a dict) in the collector's own words."""
    if not isinstance(report, dict):
        return "No pass has finished yet."
    known = {k: v for k, v in report.items() if k in collector.SyncReport.__dataclass_fields__}
    try:
        return collector.SyncReport(**known).summary()
    except TypeError:
        return "The last pass left a report this version cannot read."


def fact(label: str, value: str) -> None:
    st.caption(label)
    st.text(value)


with st.container(border=True):
    st.subheader("Passes")
    first, second, third = st.columns(3)
    with first:
        last = data.last_pass_at(state)
        fact("Last pass finished", f"{utc_text(last)} ({analysis.freshness_text(last, now)})")
        fact("Passes so far", count_text(state.get("total_passes") or 0))
    with second:
        handle = ctx.collector
        if handle is None:
            fact(
                "Next pass",
                "Background polling is off (LATE_LOGS_POLL_SECONDS=0): press Sync now below, "
                "or run: python -m late_logs collect",
            )
        else:
            fact(
                "Next pass",
                utc_text(parse_time(state.get("next_pass_at")))
                if state.get("next_pass_at")
                else "after the current pass",
            )
            fact(
                "Background collector",
                ("running" if handle.running else "stopped") + f", every {handle.interval_seconds} s",
            )
    with third:
        fact("Requests to Late (all passes)", count_text(state.get("total_requests") or 0))
        fact("Rate-limited answers (429)", count_text(state.get("total_rate_limited") or 0))
    fact("Last pass summary", plain(summary_of(state.get("last_report"))))
    fact("Contract in use", plain(collector.contract_line(state)))
    drift = collector.drift_line(state)
    if drift:
        st.warning(escape_markdown("Late's answers drifted from the contract: " + drift))
    errors = (
        (state.get("last_report") or {}).get("errors") if isinstance(state.get("last_report"), dict) else []
    )
    if state.get("last_error"):
        st.error(
            f"Last pass failed at {utc_text(parse_time(state.get('last_error_at')))}: "
            f"{escape_markdown(state['last_error'])}"
        )
    if errors:
        with st.expander(f"Problems in the last pass ({len(errors)})"):
            st.text("\n".join(plain(e) for e in errors[:50]))

with st.container(border=True):
    st.subheader("Store")
    try:
        stats = ctx.store.stats()
    except StoreError as exc:
        st.error(escape_markdown(str(exc)))
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
        kept_by_late = retention_days_of(state.get("flavor"))
        fact("Retention", f"{stats.retention_days} days (Late itself keeps {kept_by_late})")
        fact("Folder", plain(config.cache_dir))

with st.container(border=True):
    st.subheader("Late API")
    fact("Source", plain(source.mode_line(config)))
    fact("Base URL", plain(source.DEMO_BASE_URL if config.demo else config.base_url))
    fact("API key", "set" if config.key_is_set else "not set (demo mode)")

if st.button("Sync now", type="primary", icon=":material/sync:", key="collector_sync_now"):
    with st.status("Syncing with Late…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting the pass…")
        script_thread = threading.current_thread()

        def show_progress(progress: collector.Progress) -> None:
            if threading.current_thread() is script_thread:  # only the script's thread may draw
                bar.progress(data.progress_fraction(progress), text=escape_markdown(progress.message))

        client = source.open_client(config)
        try:
            report = collector.sync_once(client, ctx.store, progress=show_progress)
        except StoreLocked:
            status.update(label="Another collector is syncing", state="complete")
            st.info(
                "The background collector (or `python -m late_logs collect`) is writing to the store right "
                "now, so this pass was not started; its results show up here when it finishes."
            )
        except LateError as exc:
            status.update(label="Sync failed", state="error")
            st.error(escape_markdown(exc.message))
        else:
            bar.progress(1.0, text="Done")
            status.update(label="Sync finished", state="complete")
            st.text(plain(report.summary()))
            st.button("Show the new data", key="collector_show_new")
        finally:
            client.close()
