"""The Collector page's view model: what the last pass did, the next one, the store, which Late it talks to
(never the key), and the "Sync now" pass run for the page. `collector_view(ctx)` gathers it all into one
`CollectorView`; the page only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from late_logs import analysis, collector, source
from late_logs.api import LateError
from late_logs.records import retention_days_of
from late_logs.store import StoreError, StoreLocked, StoreStats
from late_logs.ui import data

NO_PASS_YET = "No pass has finished yet."
UNREADABLE_REPORT = "The last pass left a report this version cannot read."
SYNC_LOCKED = (
    "The background collector (or `python -m late_logs collect`) is writing to the store right "
    "now, so this pass was not started; its results show up here when it finishes."
)


@dataclass(frozen=True)
class CollectorView:
    """Everything the Collector page shows (times as datetimes, counts as ints; text still goes through
    `text` on the page)."""

    now: datetime
    last_pass: datetime | None
    freshness: str
    passes: int
    polling: bool  # a background collector runs in this server process
    running: bool
    interval_seconds: int
    next_pass: datetime | None
    requests: int
    rate_limited: int
    summary: str
    contract: str
    drift: str
    last_error: str | None
    last_error_at: datetime | None
    problems: list[str]
    stats: StoreStats | None
    store_error: str | None
    kept_by_late: int
    folder: str
    mode: str
    base_url: str
    key_is_set: bool


def summary_of(state: collector.CollectorState) -> str:
    """The stored last report in the collector's own words."""
    if state.last_report is None:
        return NO_PASS_YET
    try:
        return state.last_report.summary()
    except (TypeError, ValueError, AttributeError):
        return UNREADABLE_REPORT


def collector_view(ctx: data.AppContext) -> CollectorView:
    state = data.collector_state(ctx.store)
    config = ctx.settings
    now = analysis.utc_now()
    last = data.last_pass_at(state)
    handle = ctx.collector
    stats, store_error = None, None
    try:
        stats = ctx.store.stats()
    except StoreError as exc:
        store_error = str(exc)
    return CollectorView(
        now=now,
        last_pass=last,
        freshness=analysis.freshness_text(last, now),
        passes=state.total_passes,
        polling=handle is not None,
        running=handle is not None and handle.running,
        interval_seconds=handle.interval_seconds if handle is not None else 0,
        next_pass=state.next_pass_at,
        requests=state.total_requests,
        rate_limited=state.total_rate_limited,
        summary=summary_of(state),
        contract=collector.contract_line(state),
        drift=collector.drift_line(state),
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        problems=state.last_errors,
        stats=stats,
        store_error=store_error,
        kept_by_late=retention_days_of(state.flavor),
        folder=str(config.cache_dir),
        mode=source.mode_line(config),
        base_url=source.DEMO_BASE_URL if config.demo else config.base_url,
        key_is_set=config.key_is_set,
    )


@dataclass(frozen=True)
class SyncOutcome:
    """How a Sync now press ended: "done" (with the summary), "locked" or "failed" (with the message)."""

    state: str
    text: str


def sync_now(ctx: data.AppContext, progress: Callable[[collector.Progress], None]) -> SyncOutcome:
    """One pass for the page, with the pages' client; another writer at work is not an error."""
    try:
        report = collector.sync_once(data.late_client(ctx.settings), ctx.store, progress=progress)
    except StoreLocked:
        return SyncOutcome("locked", SYNC_LOCKED)
    except LateError as exc:
        return SyncOutcome("failed", exc.message)
    return SyncOutcome("done", report.summary())
