"""What to fetch from Late and when: one sync pass (full or incremental) and the polling loop around it.

A pass settles which contract the server speaks (`LATE_API_FLAVOR`, remembered in the store state and
re-checked by every list answer), pages the publishing logs from the head down to a stored watermark
(flushing to the store every few pages), then runs the optional steps: refresh pending attempts, keep the
details of failed attempts (Late 1.0.1 only: today's unified items carry their bodies), complete post
histories (only when the listing could not be completed), and page the connection logs. An optional step
that fails or runs out of time is recorded and the pass goes on. Under the unified contract the first pass
backfills everything Late keeps (90 days) newest first, and later passes ask `from` = watermark minus a
margin and a `to` frozen at the pass start, so logs landing meanwhile do not shift the pages. It holds the
store's writer lock for the whole pass.

Several sources (Late workspaces, `config.Source`) share one store: a pass is for one source, with its own
client (its own key and rate share), its own `CollectorState` and only its own stored attempts; every entry
it lists is noted with its source (`records.with_source`), which puts the label in front of the ids of
every source but the default one (`records.namespaced`). `run_forever` runs one pass per source in turn.

This package re-exports its public names; its rooms, each with one job:

- `limits`: the knobs (page size, margins, per-pass bounds);
- `state`: `CollectorState`, `Watermark`, `SyncReport`, `Progress` and their one-line readings;
- `walk`: paging one listing from its head down to a watermark, under churn;
- `run`: one pass's own state (`Pass`), how it reads a page, and its walk of the attempts list;
- `steps`: the optional steps after the listing (pending, details, post histories, connection logs);
- `sync`: `sync_once`, a whole pass under the writer lock;
- `detail`: `fetch_detail`, an attempt's detail for the dashboard;
- `loop`: `run_forever`, the polling loop over every source.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from late_logs.collector import limits
from late_logs.collector.detail import NOTE_GONE, fetch_detail, note_gone
from late_logs.collector.loop import run_forever
from late_logs.collector.run import PassInterrupted
from late_logs.collector.state import (
    CollectorState,
    Progress,
    ProgressCallback,
    SyncReport,
    Watermark,
    contract_line,
    drift_line,
    labelled_progress,
    read_state,
)
from late_logs.collector.sync import sync_once

__all__ = [
    "CollectorState",
    "NOTE_GONE",
    "PassInterrupted",
    "Progress",
    "ProgressCallback",
    "SyncReport",
    "Watermark",
    "contract_line",
    "drift_line",
    "fetch_detail",
    "labelled_progress",
    "note_gone",
    "read_state",
    "run_forever",
    "sync_once",
    *limits.KNOBS,
]


def __getattr__(name: str) -> Any:
    """`late_logs.collector.PAGE_LIMIT` and the other knobs, read live from `limits`."""
    if name in limits.KNOBS:
        return getattr(limits, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """Setting a knob on the package (`monkeypatch.setattr("late_logs.collector.FROM_MARGIN", ...)`, a
    benchmark's sweep) sets it in `limits`, where every part of the collector reads it; a copy kept here
    instead would change nothing and say nothing."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in limits.KNOBS:
            setattr(limits, name, value)
        else:
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
