"""The Collector page's view model: what the last pass did, the next one, the store, which Late it talks to
(never the key), and the "Sync now" pass run for the page. `collector_view(ctx)` gathers it all into one
`CollectorView`; the page only lays it out. With several sources (Late workspaces) each has its own
`SourcePasses`, and Sync now runs a pass for each in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

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
class PassFacts:
    """What one source's passes tell: the last one and the next, how many, their requests, how the last
    one went (its summary, contract, drift, error and problems)."""

    last_pass: datetime | None
    freshness: str
    passes: int
    next_pass: datetime | None
    requests: int
    rate_limited: int
    summary: str
    contract: str
    drift: str
    last_error: str | None
    last_error_at: datetime | None
    problems: list[str]


@dataclass(frozen=True)
class CollectorView(PassFacts):
    """Everything the Collector page shows (times as datetimes, counts as ints; text still goes through
    `text` on the page); the pass facts are the default source's."""

    now: datetime
    polling: bool  # a background collector runs in this server process
    running: bool
    interval_seconds: int
    stats: StoreStats | None
    store_error: str | None
    kept_by_late: int
    folder: str
    mode: str
    base_url: str
    key_is_set: bool
    # One per source when several are configured (the fields above are then the default source's, if any).
    sources: tuple[SourcePasses, ...] = field(default=())


@dataclass(frozen=True)
class SourcePasses(PassFacts):
    """One source's passes, for the Collector page when several sources are collected."""

    label: str
    line: str  # the source's API and whether its key is set (never the key)


def pass_facts(state: collector.CollectorState, now: datetime) -> dict[str, Any]:
    """The PassFacts fields of one source's collector state, for either view that holds them."""
    last = data.last_pass_at(state)
    # Keywords, not a dict of strings: `last_error` is a collector-state key too, spelled only there.
    return dict(
        last_pass=last,
        freshness=analysis.freshness_text(last, now),
        passes=state.total_passes,
        next_pass=state.next_pass_at,
        requests=state.total_requests,
        rate_limited=state.total_rate_limited,
        summary=summary_of(state),
        contract=collector.contract_line(state),
        drift=collector.drift_line(state),
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        problems=state.last_errors,
    )


def source_passes(ctx: data.AppContext, now: datetime) -> tuple[SourcePasses, ...]:
    """Each source's passes, in the order configured; nothing when there is one source."""
    config = ctx.settings
    if not config.several_sources:
        return ()
    states = data.source_states(config, ctx.store)
    return tuple(
        SourcePasses(label=one.label, line=source.source_line(one), **pass_facts(states[one.label], now))
        for one in config.sources
    )


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
    handle = ctx.collector
    stats, store_error = None, None
    try:
        stats = ctx.store.stats()
    except StoreError as exc:
        store_error = str(exc)
    return CollectorView(
        **pass_facts(state, now),
        now=now,
        polling=handle is not None,
        running=handle is not None and handle.running,
        interval_seconds=handle.interval_seconds if handle is not None else 0,
        stats=stats,
        store_error=store_error,
        kept_by_late=retention_days_of(state.flavor),
        folder=str(config.cache_dir),
        mode=source.mode_line(config),
        base_url=source.DEMO_BASE_URL if config.demo else config.base_url,
        key_is_set=config.key_is_set,
        sources=source_passes(ctx, now),
    )


@dataclass(frozen=True)
class SyncOutcome:
    """How a Sync now press ended: "done" (with the summary), "locked" or "failed" (with the message)."""

    state: str
    text: str


def sync_now(ctx: data.AppContext, progress: Callable[[collector.Progress], None]) -> SyncOutcome:
    """One pass for the page, with the pages' client; another writer at work is not an error. With several
    sources, one pass per source in turn (a failed one is told and the others still run)."""
    config = ctx.settings
    if not config.several_sources:
        try:
            report = collector.sync_once(data.late_client(config), ctx.store, progress=progress)
        except StoreLocked:
            return SyncOutcome("locked", SYNC_LOCKED)
        except LateError as exc:
            return SyncOutcome("failed", exc.message)
        return SyncOutcome("done", report.summary())
    done: list[str] = []
    failed: list[str] = []
    for one in config.sources:
        try:
            report = collector.sync_once(
                data.late_client(config, one.label),
                ctx.store,
                progress=collector.labelled_progress(progress, one.label),
                source=one.label,
            )
        except StoreLocked:
            return SyncOutcome("locked", SYNC_LOCKED)
        except LateError as exc:
            failed.append(f"{one.label}: {exc.message}")
            continue
        done.append(f"{one.label}: {report.summary()}")
    if failed:
        return SyncOutcome("failed", "\n".join(failed + done))
    return SyncOutcome("done", "\n".join(done))
