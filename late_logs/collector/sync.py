"""One sync pass of one source, start to end (`sync_once`): under the store's writer lock, settle the
contract (following a server that changed it once), list the attempts down to the watermark, move the
watermark, run the optional steps, prune what Late no longer keeps, and record the report and totals in the
source's `CollectorState`, also when the pass fails or is interrupted.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

from late_logs.api import BadRequestError, BadResponseError, LateClient
from late_logs.collector import limits, steps
from late_logs.collector.run import FlavorChanged, Pass, PassInterrupted, error_text
from late_logs.collector.state import ProgressCallback, SyncReport, Watermark, read_state, utc_now
from late_logs.config import FLAVOR_AUTO
from late_logs.records import DEFAULT_SOURCE, FLAVOR_UNIFIED, FLAVORS
from late_logs.store import LogStore


def default_bounds() -> dict[str, int]:
    """The per-pass bounds of the per-item steps (`Pass.bounds`), read from `limits` when a pass starts,
    so a knob turned on the package reaches the pass; `sync_once` sets the last two from its arguments."""
    return {
        "pending_pages": limits.MAX_PENDING_PAGES,
        "pending_refresh": limits.MAX_PENDING_REFRESH,
        "details": limits.MAX_DETAILS,
        "post_histories": limits.MAX_POST_HISTORIES,
    }


def sync_once(
    client: LateClient,
    store: LogStore,
    *,
    progress: ProgressCallback | None = None,
    detail_workers: int = 4,
    fetch_details: bool = True,
    max_details: int | None = None,
    max_post_histories: int | None = None,
    stop: threading.Event | None = None,
    step_seconds: float | None = None,
    source: str = DEFAULT_SOURCE,
) -> SyncReport:
    """Run one pass for one source (the default one unless named; `client` must be that source's) and
    return what it did.

    Raises StoreLocked when another writer holds the store, and the client's LateError (AuthError,
    UnreachableError, ...) when the attempts list cannot be read; the error is recorded in the store state
    and everything fetched before it stays stored. Optional steps never raise: their errors are in
    `SyncReport.errors`.
    """
    bounds = default_bounds()  # `limits` read now, not at import: a knob turned on the package counts
    if max_details is not None:
        bounds["details"] = max_details
    if not fetch_details:
        bounds["details"] = 0
    if max_post_histories is not None:
        bounds["post_histories"] = max_post_histories
    step_seconds = limits.STEP_SECONDS if step_seconds is None else step_seconds
    started = time.monotonic()
    requests_before = client.stats.requests
    limited_before = client.stats.rate_limited
    with store.writer_lock():
        run = Pass(client, store, progress, detail_workers, bounds, stop, step_seconds, source)
        run.update_state(last_pass_started_at=utc_now())
        try:
            head = _list_in_the_right_contract(run)
            # Everything newer than the old watermark is stored now, so the watermark may move.
            run.update_state(watermark=head, flavor=run.flavor)
            run.state = read_state(store, source)
            steps.queue_post_histories(run)
            # Optional steps: one that is unavailable or slow is recorded, and the pass finishes the rest.
            run.optional("pending attempts", lambda: steps.refresh_pending(run))
            if bounds["details"] > 0 and not run.unified:
                window_start = head.at - timedelta(days=run.retention_days) if head.at else None
                run.optional(
                    "details of failed attempts",
                    lambda: steps.fetch_failed_details(run, steps.failed_without_detail(run, window_start)),
                )
            run.optional("post histories", lambda: steps.complete_post_histories(run))
            run.optional("connection logs", lambda: steps.list_connection_logs(run))
            if head.at is not None:
                store.prune(now=head.at)
        except BaseException as exc:
            report = _finish(run.report, client, requests_before, limited_before, started)
            if isinstance(exc, (PassInterrupted, KeyboardInterrupt, SystemExit)):
                report.errors.append("the pass was interrupted before it finished")
                run.update_state(last_report=report, **_totals(store, report, source))
            else:
                run.update_state(
                    last_error=error_text(exc),
                    last_error_at=utc_now(),
                    last_report=report,
                    **_totals(store, report, source),
                )
            raise
        report = _finish(run.report, client, requests_before, limited_before, started)
        run.update_state(
            last_pass_finished_at=utc_now(),
            last_report=report,
            last_error=None,
            last_error_at=None,
            **_totals(store, report, source),
        )
    # Imported here, not at the top: the rules (digest, baselines, group history) add ~0.6 s to importing
    # the collector, which every CLI command and every page (its sidebar) do without running a pass.
    from late_logs import alerts

    alerts.after_pass(store)  # a background thread, only with LATE_LOGS_ALERT_WEBHOOK set; never raises
    return report


def _list_in_the_right_contract(run: Pass) -> Watermark:
    """Settle the contract and list the attempts; a server that changed contract is followed once."""
    client = run.client
    remembered = run.state.flavor
    try:
        run.settle_flavor()
        head = run.list_attempts()
        if run.flavor is not None or run.ask_flavor() != FLAVOR_UNIFIED:
            if run.flavor is None and client.flavor is not None:
                run.flavor = run.report.flavor = client.flavor
            return head
    except FlavorChanged as changed:
        client.flavor = str(changed)
    except BadRequestError:
        # A remembered contract the server no longer speaks (its parameters refused): ask again.
        if client.flavor_setting != FLAVOR_AUTO or remembered not in FLAVORS:
            raise
        client.flavor = None
    run.state = dataclasses.replace(run.state, flavor=None)
    run.settle_flavor()
    try:
        return run.list_attempts()
    except FlavorChanged:
        raise BadResponseError(
            "Late's answers keep switching between the Late 1.0.1 and the unified shape; set "
            "LATE_API_FLAVOR to the contract your server speaks (late-1.0 or unified)"
        ) from None


def _finish(
    report: SyncReport, client: LateClient, requests_before: int, limited_before: int, started: float
) -> SyncReport:
    report.requests = client.stats.requests - requests_before
    report.rate_limited = client.stats.rate_limited - limited_before
    report.seconds = time.monotonic() - started
    return report


def _totals(store: LogStore, report: SyncReport, source: str) -> dict[str, int]:
    state = read_state(store, source)
    return dict(
        total_requests=state.total_requests + report.requests,
        total_rate_limited=state.total_rate_limited + report.rate_limited,
        total_passes=state.total_passes + 1,
    )
