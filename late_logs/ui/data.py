"""The Streamlit side of the data: settings, the store, the attempts frame and the one background collector.

The frame is cached per store version: a finished pass bumps the version, so the next rerun reads the new
data without a restart, and an unchanged store costs one version lookup. The frame is kept with
`st.cache_resource` rather than `st.cache_data` on purpose: `cache_data` pickles a copy on every hit, which
for a million attempts costs seconds per rerun; the shared frame is treated as read-only (analysis
functions return new frames).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from late_logs import analysis, collector, source
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.records import parse_time
from late_logs.store import LogStore, StoreError
from late_logs.ui.text import escape_markdown

FIRST_SYNC_REFRESH_SECONDS = 2
FRESHNESS_REFRESH_SECONDS = 30

NO_DATA_POLLING_OFF = (
    "No attempts are stored yet: run `python -m late_logs sync`, or press **Sync now** on the Collector page."
)
FIRST_SYNC = "First sync in progress… the pages fill in as soon as the first attempts are stored."


@dataclass
class BackgroundCollector:
    """The process's polling thread and what it last reported (read by every session)."""

    interval_seconds: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    progress: collector.Progress | None = None
    last_error: str | None = None
    passes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def on_progress(self, progress: collector.Progress) -> None:
        with self.lock:
            self.progress = progress

    def on_pass(self, report: collector.SyncReport | None, error: BaseException | None) -> None:
        with self.lock:
            self.passes += 1
            self.progress = None
            self.last_error = None if error is None else (getattr(error, "message", None) or str(error))


def settings() -> Settings:
    """The app's settings; a bad setting stops the page with the one sentence that says which."""
    try:
        return load_settings()
    except ConfigError as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner=False)
def _open_store(cache_dir: str, retention_days: int, _settings: Settings) -> LogStore:
    return source.open_store(_settings)


def store(config: Settings) -> LogStore:
    """The store of these settings, opened once per server process."""
    try:
        return _open_store(str(config.cache_dir), config.retention_days, config)
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise


def store_version(log_store: LogStore) -> int:
    try:
        return int(log_store.version)
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise


@st.cache_resource(max_entries=2, show_spinner=False)
def _frame_at(cache_dir: str, version: int, _log_store: LogStore) -> pd.DataFrame:
    return _log_store.frame()


def frame(log_store: LogStore, config: Settings) -> pd.DataFrame:
    """Every stored attempt, newest first (shared between sessions: do not modify it in place)."""
    version = store_version(log_store)
    try:
        return _frame_at(str(config.cache_dir), version, log_store)
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise


@st.cache_resource(max_entries=16, show_spinner=False)
def _filtered_at(
    cache_dir: str, version: int, filters: analysis.Filters, _frame: pd.DataFrame
) -> pd.DataFrame:
    return analysis.apply_filters(_frame, filters)


def filtered(
    all_attempts: pd.DataFrame, config: Settings, log_store: LogStore, filters: analysis.Filters
) -> pd.DataFrame:
    """The attempts matching a filter, cached per store version and filter (read-only, like the frame)."""
    return _filtered_at(str(config.cache_dir), store_version(log_store), filters, all_attempts)


@st.cache_resource(show_spinner=False)
def _start_collector(
    cache_dir: str, interval_seconds: int, _settings: Settings, _log_store: LogStore
) -> BackgroundCollector:
    handle = BackgroundCollector(interval_seconds=interval_seconds)

    def make_client():
        return source.open_client(_settings)

    handle.thread = threading.Thread(
        target=collector.run_forever,
        args=(make_client, _log_store, interval_seconds, handle.stop),
        kwargs={"progress": handle.on_progress, "on_pass": handle.on_pass},
        name="late-logs-collector",
        daemon=True,  # the server's exit must not wait for a pass
    )
    handle.thread.start()
    return handle


def background_collector(config: Settings, log_store: LogStore) -> BackgroundCollector | None:
    """The one polling thread of this server process, started on first use; None when polling is off."""
    if config.poll_seconds <= 0:
        return None
    return _start_collector(str(config.cache_dir), config.poll_seconds, config, log_store)


def collector_state(log_store: LogStore) -> dict[str, Any]:
    try:
        return dict(log_store.state() or {})
    except StoreError:
        return {}


def last_pass_at(state: dict[str, Any]) -> datetime | None:
    return parse_time(state.get("last_pass_finished_at"))


def progress_fraction(progress: collector.Progress | None) -> float:
    if progress is None or not progress.total:
        return 0.0
    return max(0.0, min(1.0, progress.done / progress.total))


def show_first_sync(log_store: LogStore, handle: BackgroundCollector, version_seen: int) -> None:
    """The empty-store page while the background collector's first pass runs; reruns once data lands."""

    @st.fragment(run_every=FIRST_SYNC_REFRESH_SECONDS)
    def first_sync_progress() -> None:
        if store_version(log_store) != version_seen:
            st.rerun()
        st.info(FIRST_SYNC)
        progress = handle.progress
        st.progress(
            progress_fraction(progress),
            text=progress.message if progress is not None else "Asking Late for the first page…",
        )
        if handle.last_error:
            st.error(escape_markdown(handle.last_error))

    first_sync_progress()


def show_no_data(
    config: Settings, log_store: LogStore, handle: BackgroundCollector | None, version: int
) -> None:
    """What an empty store says: the first sync is running, or how to fill it, or why the last pass failed."""
    state = collector_state(log_store)
    problem = state.get("last_error") or (handle.last_error if handle else None)
    if handle is not None and handle.running:
        show_first_sync(log_store, handle, version)
        return
    if problem:
        st.error(escape_markdown(problem))
    st.info(NO_DATA_POLLING_OFF)


@dataclass
class AppContext:
    """What every page reads, gathered once per run from the cached pieces above."""

    settings: Settings
    store: LogStore
    frame: pd.DataFrame
    version: int
    collector: BackgroundCollector | None

    def filtered(self, filters: analysis.Filters) -> pd.DataFrame:
        return filtered(self.frame, self.settings, self.store, filters)

    def require_attempts(self) -> None:
        """Stop the page with the empty-store notice when nothing is stored yet."""
        if self.frame.empty:
            show_no_data(self.settings, self.store, self.collector, self.version)
            st.stop()


def app_context() -> AppContext:
    config = settings()
    log_store = store(config)
    handle = background_collector(config, log_store)
    version = store_version(log_store)
    return AppContext(
        settings=config, store=log_store, frame=frame(log_store, config), version=version, collector=handle
    )
