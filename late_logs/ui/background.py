"""The server process's one background collector: a polling thread started on first use, and what it last
reported, read by every session (`collector.run_forever` does the passes)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from late_logs import collector, source
from late_logs.config import Settings
from late_logs.store import LogStore


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


@st.cache_resource(show_spinner=False)
def _start_collector(
    cache_dir: str, interval_seconds: int, _settings: Settings, _log_store: LogStore
) -> BackgroundCollector:
    handle = BackgroundCollector(interval_seconds=interval_seconds)

    def make_client(label: str | None = None):
        return source.open_client(_settings, label)

    several = [s.label for s in _settings.sources] if _settings.several_sources else None
    handle.thread = threading.Thread(
        target=collector.run_forever,
        args=(make_client, _log_store, interval_seconds, handle.stop),
        kwargs={"progress": handle.on_progress, "on_pass": handle.on_pass, "sources": several},
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


def progress_fraction(progress: collector.Progress | None) -> float:
    if progress is None or not progress.total:
        return 0.0
    return max(0.0, min(1.0, progress.done / progress.total))
