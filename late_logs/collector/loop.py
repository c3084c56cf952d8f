"""The polling loop (`run_forever`): one pass per source in turn every interval, backing off after rounds
in which every pass failed, skipping a source Late asked to come back later, never raising.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Callable, Sequence

from late_logs.api import LateClient, LateError
from late_logs.collector.run import PassInterrupted, error_text
from late_logs.collector.state import (
    CollectorState,
    ProgressCallback,
    SyncReport,
    labelled_progress,
    utc_now,
)
from late_logs.collector.sync import sync_once
from late_logs.records import DEFAULT_SOURCE
from late_logs.store import LogStore, StoreLocked


def run_forever(
    make_client: Callable[..., LateClient],
    store: LogStore,
    interval_seconds: float,
    stop: threading.Event,
    progress: ProgressCallback | None = None,
    *,
    on_pass: Callable[[SyncReport | None, BaseException | None], None] | None = None,
    max_backoff_seconds: float = 3600.0,
    sources: Sequence[str] | None = None,
) -> None:
    """Run passes every `interval_seconds` until `stop` is set; never raises.

    With `sources` (labels), each round runs one pass per source in turn, `make_client(label)` giving that
    source's client; without, one pass of the default source with `make_client()`. A failed pass is
    recorded in its source's state (by sync_once, or here for a locked store); the loop waits longer after
    each round in which every pass failed, up to `max_backoff_seconds`, and a source Late asked to come
    back later (a long Retry-After) is skipped until then while the others go on. `on_pass(report, error)`
    is told about every round (the last report, the first error).
    """
    labels: list[str | None] = list(sources) if sources else [None]
    several = len(labels) > 1
    not_before: dict[str | None, float] = {}
    failures = 0
    while not stop.is_set():
        reports: list[SyncReport] = []
        errors: list[BaseException] = []
        for label in labels:
            if stop.is_set():
                return
            if time.time() < not_before.get(label, 0.0):
                continue
            told = labelled_progress(progress, label) if several and label is not None else progress
            try:
                report = _one_pass(make_client, store, label, told, stop)
            except PassInterrupted:
                return
            except Exception as exc:  # noqa: BLE001 - the loop must outlive any one pass
                errors.append(exc)
                retry_at = getattr(exc, "retry_at", None)
                if isinstance(retry_at, (int, float)):
                    not_before[label] = retry_at  # Late said when to come back: not before then
                continue
            not_before.pop(label, None)
            reports.append(report)
        error = errors[0] if errors else None
        failures = failures + 1 if errors and not reports else 0
        delay = max(0.0, float(interval_seconds))
        if failures:
            delay = min(max(delay, 5.0) * 2 ** (failures - 1), max(max_backoff_seconds, delay))
        if not reports and not_before:
            # Every source is waiting: not before the earliest time Late gave.
            soonest = min(not_before.values())
            delay = max(delay, min(soonest - time.time(), max(max_backoff_seconds, 86400.0)))
        next_at = utc_now() + timedelta(seconds=delay)
        for label in labels:
            try:
                store.update_state(label, **CollectorState.changes(next_pass_at=next_at))
            except Exception:  # noqa: BLE001 - a state write failing must not stop the loop
                pass
        if on_pass is not None:
            try:
                on_pass(reports[-1] if reports else None, error)
            except Exception:  # noqa: BLE001
                pass
        if delay > 0:
            stop.wait(delay)


def _one_pass(
    make_client: Callable[..., LateClient],
    store: LogStore,
    label: str | None,
    progress: ProgressCallback | None,
    stop: threading.Event,
) -> SyncReport:
    """One pass of one source for run_forever: an error that is not a LateError (nor a locked store, which
    is another writer at work) is recorded in the source's state here, as sync_once records Late's."""
    source = DEFAULT_SOURCE if label is None else label
    try:
        client = make_client() if label is None else make_client(label)
        try:
            return sync_once(client, store, progress=progress, stop=stop, source=source)
        finally:
            client.close()
    except (PassInterrupted, StoreLocked, LateError):
        raise
    except Exception as exc:
        _record_quietly(store, exc, source)
        raise


def _record_quietly(store: LogStore, exc: BaseException, source: str = DEFAULT_SOURCE) -> None:
    try:
        changes = CollectorState.changes(last_error=error_text(exc), last_error_at=utc_now())
        store.update_state(source, **changes)
    except Exception:  # noqa: BLE001
        pass
