"""The app context every page reads: settings, the store, the store's Parquet files for a time range (what
`late_logs.queries` answers the pages' aggregates from), the attempts frame only when a page still asks for
it, the pages' client to Late, and what an empty store says. The background collector lives in `background`,
the Overview's figures in `overview_view`.

Everything is cached per store version: a finished pass bumps the version, so the next rerun reads the new
data without a restart, and an unchanged store costs one version lookup. The frame is never loaded for a page
that does not ask for it (`AppContext.frame` is a property): at millions of attempts it costs gigabytes. It
is kept with `st.cache_resource` rather than `st.cache_data` on purpose: `cache_data` pickles a copy on
every hit, which for a million attempts costs seconds per rerun; the shared frame is treated as read-only
(analysis functions return new frames).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import pandas as pd
import streamlit as st

from late_logs import analysis, collector, queries, source
from late_logs.api import LateClient
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.records import DEFAULT_SOURCE, RECORD_COLUMNS, split_log_id
from late_logs.store import LogStore, StoreError
from late_logs.ui.background import BackgroundCollector, background_collector, progress_fraction
from late_logs.ui.text import escape_markdown

# How often the empty page looks for the first page landing: each second of it delays the first charts.
FIRST_SYNC_REFRESH_SECONDS = 1
FRESHNESS_REFRESH_SECONDS = 10  # also how soon a page shows a finished pass

NO_DATA_POLLING_OFF = (
    "No attempts are stored yet: run `python -m late_logs sync`, or press **Sync now** on the Collector page."
)
FIRST_SYNC = "First sync in progress… the pages fill in as soon as the first attempts are stored."


def settings() -> Settings:
    """The app's settings; a bad setting stops the page with the one sentence that says which."""
    try:
        return load_settings()
    except ConfigError as exc:
        st.error(escape_markdown(str(exc)))
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
        st.error(escape_markdown(str(exc)))
        st.stop()
        raise


def store_version(log_store: LogStore) -> int:
    try:
        return int(log_store.version)
    except StoreError as exc:
        st.error(escape_markdown(str(exc)))
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
        st.error(escape_markdown(str(exc)))
        st.stop()
        raise


@st.cache_resource(max_entries=2, show_spinner=False)
def _columns_at(cache_dir: str, version: int, columns: tuple[str, ...], _frame: pd.DataFrame) -> pd.DataFrame:
    return _frame[[c for c in columns if c in _frame.columns]]


@st.cache_resource(max_entries=16, show_spinner=False)
def _filtered_at(
    cache_dir: str,
    version: int,
    filters: analysis.Filters,
    columns: tuple[str, ...] | None,
    _frame: pd.DataFrame,
) -> pd.DataFrame:
    source_frame = _frame if columns is None else _columns_at(cache_dir, version, columns, _frame)
    return analysis.apply_filters(source_frame, filters)


def filtered(
    all_attempts: pd.DataFrame,
    config: Settings,
    log_store: LogStore,
    filters: analysis.Filters,
    columns: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The attempts matching a filter, cached per store version and filter (read-only, like the frame).

    With `columns`, only those columns (cheaper to filter; the filter must not need the others).
    """
    return _filtered_at(str(config.cache_dir), store_version(log_store), filters, columns, all_attempts)


@st.cache_resource(show_spinner=False)
def _late_client(settings_digest: str, label: str | None, _settings: Settings) -> LateClient:
    return source.open_client(_settings, label)


def late_client(config: Settings, label: str | None = None) -> LateClient:
    """The pages' one client to Late per source (a detail fetched on demand, Sync now), built once per
    server process rather than on every rerun; the first source's when `label` is None. The background
    collector opens its own for each pass and closes it after."""
    # Keyed by a digest of the settings, so another key or address gets its own client; the key itself is
    # never part of a cache key.
    digest = hashlib.sha256(repr((dataclasses.astuple(config), config.demo)).encode("utf-8")).hexdigest()
    return _late_client(digest, label, config)


def late_client_of_attempt(config: Settings, log_id: str) -> LateClient | None:
    """The client of the source an attempt was collected from (its id says which); None when that source
    is no longer configured, so the stored copy is shown and nothing is asked of another workspace."""
    label = split_log_id(log_id)[0]
    if config.demo or not config.several_sources and label == DEFAULT_SOURCE:
        return late_client(config)
    if label not in {s.label for s in config.sources}:
        return None
    return late_client(config, label)


def collector_state(log_store: LogStore, label: str = DEFAULT_SOURCE) -> collector.CollectorState:
    """A source's collector state (the default source's unless named), typed; an unreadable store reads as
    a collector that never ran."""
    try:
        return collector.read_state(log_store, label)
    except StoreError:
        return collector.CollectorState()


def source_states(config: Settings, log_store: LogStore) -> dict[str, collector.CollectorState]:
    """Each configured source's collector state, by label, in the order configured."""
    return {s.label: collector_state(log_store, s.label) for s in config.sources}


def source_labels(config: Settings) -> tuple[str, ...]:
    """The configured sources' labels (one, `default`, unless several are configured)."""
    return tuple(s.label for s in config.sources)


def last_pass_at(state: collector.CollectorState) -> datetime | None:
    return state.last_pass_finished_at


def stalest_pass_at(states: Iterable[collector.CollectorState]) -> datetime | None:
    """The oldest of the sources' last passes, so "synced 2 min ago" holds for every source; None until
    each source has finished a pass."""
    lasts = [last_pass_at(state) for state in states]
    if not lasts or any(last is None for last in lasts):
        return None
    return min(last for last in lasts if last is not None)


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
    # No chart here: the session's first run drew the chart library's loader in the sidebar (dashboard.py),
    # so the browser fetches plotly's script while the first attempts are fetched.


def show_no_data(
    config: Settings, log_store: LogStore, handle: BackgroundCollector | None, version: int
) -> None:
    """What an empty store says: the first sync is running, or how to fill it, or why the last pass failed."""
    state = collector_state(log_store)
    problem = state.last_error or (handle.last_error if handle else None)
    if handle is not None and handle.running:
        show_first_sync(log_store, handle, version)
        return
    if problem:
        st.error(escape_markdown(problem))
    st.info(NO_DATA_POLLING_OFF)


@st.cache_resource(max_entries=32, show_spinner=False)
def _files_at(
    cache_dir: str, version: int, since: datetime | None, until: datetime | None, _log_store: LogStore
) -> tuple[str, ...]:
    return tuple(_log_store.parquet_files(since=since, until=until))


def parquet_files(
    log_store: LogStore, config: Settings, since: datetime | None = None, until: datetime | None = None
) -> list[str]:
    """The store's Parquet files that can hold attempts in [since, until) (all of them for an open range)."""
    version = store_version(log_store)
    try:
        return list(_files_at(str(config.cache_dir), version, since, until, log_store))
    except StoreError as exc:
        st.error(escape_markdown(str(exc)))
        st.stop()
        raise


@st.cache_resource(max_entries=4, show_spinner=False)
def _attempt_count_at(cache_dir: str, version: int, files: tuple[str, ...]) -> int:
    return queries.count(files)


@st.cache_resource(max_entries=16, show_spinner=False)
def _distinct_values_at(cache_dir: str, version: int, column: str, files: tuple[str, ...]) -> tuple[str, ...]:
    return queries.distinct(files, column)


@dataclass
class AppContext:
    """What every page reads, gathered once per run from the cached pieces above. Nothing here reads the
    attempts until asked: `files` for `late_logs.queries`, `frame` (the whole store in pandas) only for the
    pages that still need rows in pandas."""

    settings: Settings
    store: LogStore
    version: int
    collector: BackgroundCollector | None

    @property
    def frame(self) -> pd.DataFrame:
        """Every stored attempt, newest first, loaded on first use (shared: do not modify it in place)."""
        return frame(self.store, self.settings)

    # The columns of a stored attempt (what the frame would have), without loading it.
    columns: ClassVar[tuple[str, ...]] = tuple(RECORD_COLUMNS)

    def files(self, since: datetime | None = None, until: datetime | None = None) -> list[str]:
        """The Parquet files that can hold attempts in [since, until), for `late_logs.queries`."""
        return parquet_files(self.store, self.settings, since, until)

    def window_frame(self, start: datetime | None, end: datetime | None) -> pd.DataFrame:
        """The attempts of [start, end) only, newest first, read from the window's files (not cached: the
        callers cache what they make of it)."""
        window = analysis.Filters(start=start, end=end)
        return queries.attempts(self.files(since=start, until=end), window)

    def filtered(self, filters: analysis.Filters, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        return filtered(self.frame, self.settings, self.store, filters, columns)

    def distinct(self, column: str) -> tuple[str, ...]:
        """The column's values in the whole store, sorted (for filter option lists)."""
        return _distinct_values_at(str(self.settings.cache_dir), self.version, column, tuple(self.files()))

    def attempt_count(self) -> int:
        """How many attempts are stored (read from the files' footers, not their rows)."""
        return _attempt_count_at(str(self.settings.cache_dir), self.version, tuple(self.files()))

    def require_attempts(self) -> None:
        """Stop the page with the empty-store notice when nothing is stored yet."""
        if self.attempt_count() == 0:
            show_no_data(self.settings, self.store, self.collector, self.version)
            st.stop()


def app_context() -> AppContext:
    config = settings()
    log_store = store(config)
    handle = background_collector(config, log_store)
    version = store_version(log_store)
    return AppContext(settings=config, store=log_store, version=version, collector=handle)
