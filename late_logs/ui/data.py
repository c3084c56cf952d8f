"""The Streamlit side of the data: settings, the store, the attempts frame and the one background collector.

The frame is cached per store version: a finished pass bumps the version, so the next rerun reads the new
data without a restart, and an unchanged store costs one version lookup. The frame is kept with
`st.cache_resource` rather than `st.cache_data` on purpose: `cache_data` pickles a copy on every hit, which
for a million attempts costs seconds per rerun; the shared frame is treated as read-only (analysis
functions return new frames).

What the Overview computes from a filter (KPIs, matrix, time series, error groups and their figures) is
cached per store version and filter too, over a narrow copy of the frame without the long text columns
(captions, media URLs): filtering a million attempts is mostly copying strings, and a filter change then
copies only the columns the Overview reads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from late_logs import analysis, charts, collector, source
from late_logs.api import LateClient
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.store import LogStore, StoreError
from late_logs.ui.text import escape_markdown

# The columns the Overview's analyses read (filters, KPIs, matrix, time series, error groups).
OVERVIEW_COLUMNS = (
    "log_id",
    "created_at",
    "platform",
    "action",
    "status",
    "account_id",
    "account_username",
    "post_id",
    "status_code",
    "error_code",
    "error_message",
)
# The failure-rate lines shown at first (the platforms with most failures); the others wait in the legend.
RATE_CHART_PLATFORMS = 5
# Bucket sizes the failure-rate chart may use, finest first: the finest at which most points of the shown
# platforms have enough settled attempts for a rate, never finer than the window's default bucket.
RATE_BUCKETS = ("h", "3h", "6h", "D")
FIRST_SYNC_REFRESH_SECONDS = 2
FRESHNESS_REFRESH_SECONDS = 10  # also how soon a page shows a finished pass

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


@st.cache_resource(max_entries=16, show_spinner=False)
def _distinct_at(cache_dir: str, version: int, column: str, _frame: pd.DataFrame) -> tuple[str, ...]:
    if column not in _frame.columns or not len(_frame):
        return ()
    return tuple(sorted(str(v) for v in _frame[column].dropna().unique()))


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
    window: pd.DataFrame, start: datetime, end: datetime, platforms: list[str]
) -> tuple[str, pd.DataFrame]:
    """The finest bucket (RATE_BUCKETS) at which most non-empty points of `platforms` have a reliable rate,
    with its series; the coarsest when none does."""
    default = analysis.bucket_for_window(start, end) if start and end else "h"
    candidates = RATE_BUCKETS[RATE_BUCKETS.index(default) :] if default in RATE_BUCKETS else (default,)
    series = pd.DataFrame()
    for bucket in candidates:
        series = analysis.failure_rate_over_time(window, start, end, bucket=bucket)
        shown = series[series["platform"].isin(platforms) & (series["settled"] > 0)]
        if shown.empty or float((~shown["muted"]).mean()) >= 0.5:
            return bucket, series
    return candidates[-1], series


def _top_failing_platforms(window: pd.DataFrame, count: int) -> list[str]:
    failed = window.loc[window["status"] == "failed", "platform"].dropna().astype(str)
    return list(failed.value_counts().head(count).index)


@st.cache_resource(max_entries=16, show_spinner=False)
def _overview_at(
    cache_dir: str, version: int, flt: analysis.Filters, _ctx: AppContext
) -> OverviewData:
    # The KPIs compare with the window of the same length before, so they read both windows.
    earlier = flt.start - (flt.end - flt.start) if flt.start and flt.end else None
    both = _ctx.filtered(dataclasses.replace(flt, start=earlier), OVERVIEW_COLUMNS)
    # The window is the newer part of `both`, still sorted newest first: found by binary search, no copy.
    window = analysis.apply_filters(both, flt)
    matrix = analysis.failure_matrix(window, analysis.MIN_VOLUME)
    top = _top_failing_platforms(window, RATE_CHART_PLATFORMS)
    bucket, series = rate_bucket(window, flt.start, flt.end, top)
    volume = analysis.status_volume_over_time(window, flt.start, flt.end, bucket=bucket)
    return OverviewData(
        kpis=analysis.window_kpis(both, flt.start, flt.end),
        matrix=matrix,
        matrix_figure=charts.failure_matrix_heatmap(matrix),
        # A drag across the chart selects a time range (the page's new window) instead of zooming.
        rate_figure=charts.failure_rate_chart(series, shown=top, legend="right").update_layout(
            dragmode="select", selectdirection="h"
        ),
        rate_bucket=bucket,
        volume_figure=charts.status_volume_chart(volume),
        # First and last seen over the whole store: a week-old problem must not look new in a 24 h window.
        groups=analysis.error_groups(window, history=_ctx.frame),
        posts=analysis.post_counts(window, analysis.utc_now()),
    )


@st.cache_resource(show_spinner=False)
def _late_client(settings_digest: str, _settings: Settings) -> LateClient:
    return source.open_client(_settings)


def late_client(config: Settings) -> LateClient:
    """The pages' one client to Late (a detail fetched on demand, Sync now), built once per server process
    rather than on every rerun. The background collector opens its own for each pass and closes it after."""
    # Keyed by a digest of the settings, so another key or address gets its own client; the key itself is
    # never part of a cache key.
    digest = hashlib.sha256(repr((dataclasses.astuple(config), config.demo)).encode("utf-8")).hexdigest()
    return _late_client(digest, config)


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


def collector_state(log_store: LogStore) -> collector.CollectorState:
    """The collector's state, typed; an unreadable store reads as a collector that never ran."""
    try:
        return collector.read_state(log_store)
    except StoreError:
        return collector.CollectorState()


def last_pass_at(state: collector.CollectorState) -> datetime | None:
    return state.last_pass_finished_at


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
    problem = state.last_error or (handle.last_error if handle else None)
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

    def filtered(self, filters: analysis.Filters, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        return filtered(self.frame, self.settings, self.store, filters, columns)

    def distinct(self, column: str) -> tuple[str, ...]:
        """The column's values in the whole store, sorted (for filter option lists)."""
        return _distinct_at(str(self.settings.cache_dir), self.version, column, self.frame)

    def overview(self, flt: analysis.Filters) -> OverviewData:
        """The Overview's numbers and figures for a filter with a time window, cached per version + filter."""
        return _overview_at(str(self.settings.cache_dir), self.version, flt, self)

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
