"""One collector pass's own state (`Pass`): its client, store, source, report and progress, the contract
it speaks, how it reads a page (identities, drift, a change of contract, ids Late lost) and its walk of the
attempts list down to the watermark, with the catch-up rounds for what landed meanwhile.

The optional steps that come after the listing are in `steps`; `sync` runs them in order.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from late_logs.api import (
    AuthError,
    LateClient,
    LateError,
    Page,
    RedirectedError,
    UnreachableError,
)
from late_logs.collector import limits
from late_logs.collector.state import (
    CollectorState,
    Progress,
    ProgressCallback,
    SyncReport,
    Watermark,
    read_state,
)
from late_logs.collector.walk import Walk, walk_from_head
from late_logs.config import FLAVOR_AUTO
from late_logs.records import (
    DEFAULT_SOURCE,
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    FLAVORS,
    IDENTITY_KEY,
    drift_of,
    is_made_up_identity,
    late_key_of,
    late_keys_of_frame,
    log_id_has_id,
    log_id_of,
    outcome_of,
    post_key_of,
    retention_days_of,
    split_log_id,
    stamp_identities,
    with_source,
)
from late_logs.store import LogStore

# What a pass reads of the stored attempts: ids, statuses and times, and the fields of records.late_key_of.
OWN_COLUMNS = ("log_id", "status", "source", "created_at", "platform", "account_id", "post_id",
               "attempt_number", "action")  # fmt: skip


class PassInterrupted(Exception):
    """The pass was asked to stop (Ctrl-C in `collect`); what was fetched so far is stored."""


# Errors that end a pass: nothing more can be fetched with this key, this network or this address.
FATAL_ERRORS = (AuthError, UnreachableError, RedirectedError)


def _short_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def error_text(exc: BaseException) -> str:
    """An error's one sentence (a LateError's `message`), for the report and the stored state."""
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


class _StepTimeUp(Exception):
    """An optional step used up its `limits.STEP_SECONDS`; what it fetched is stored."""


class FlavorChanged(Exception):
    """A list answer's items follow another contract than the one the pass started with."""


class Pass:
    """The state of one sync pass: the client, the store, the report and progress.

    `bounds` caps the per-item steps ("pending_pages", "pending_refresh", "details", "post_histories";
    `sync.default_bounds`)."""

    def __init__(
        self,
        client: LateClient,
        store: LogStore,
        progress: ProgressCallback | None,
        detail_workers: int,
        bounds: Mapping[str, int],
        stop: threading.Event | None = None,
        step_seconds: float = limits.STEP_SECONDS,
        source: str = DEFAULT_SOURCE,
    ) -> None:
        self.stop = stop
        self.client = client
        self.store = store
        self.source = source
        self.progress = progress
        self.detail_workers = max(1, detail_workers)
        self.bounds = bounds
        self.report = SyncReport()
        self.state = read_state(store, source)
        self.previous_flavor = self.state.flavor  # the contract the store was last collected with
        self.step_seconds = step_seconds
        self.step_deadline: float | None = None
        # The `to` of every unified question of this pass: logs landing meanwhile wait for the next pass.
        self.until = client.now()
        self.flavor: str | None = None
        self.known_failed: set[str] = set()
        self.listing_complete = True
        self.posts_of_new_failures: list[str] = []
        self._late_keys: dict[tuple, str] | None = None  # fixed fields -> id, built on first need
        self._made_up: dict[tuple, str] | None = None  # fixed fields -> stored made-up id, likewise

    @property
    def unified(self) -> bool:
        return self.flavor == FLAVOR_UNIFIED

    @property
    def retention_days(self) -> int:
        return retention_days_of(self.flavor)

    def settle_flavor(self) -> str | None:
        """The contract of this pass: the setting, else the one remembered in the state (re-checked by the
        first list answer). Still unknown, the first page is asked in terms both contracts accept and its
        items decide (`prepare`); costs nothing extra against Late 1.0.1, one page against today's API."""
        client = self.client
        if client.flavor_setting == FLAVOR_AUTO and client.flavor is None:
            remembered = self.state.flavor
            if remembered in FLAVORS:
                client.flavor = remembered
        self.flavor = client.flavor
        self.report.flavor = self.flavor
        self.known_failed = self._stored_failures()
        return self.flavor

    def ask_flavor(self) -> str | None:
        """After a listing that told nothing (no items): ask the unified-only question once."""
        asked = self.client.stats.requests
        flavor = self.client.detect_flavor(first_page_asked=True)
        self.report.list_requests += self.client.stats.requests - asked
        return flavor

    def _stored_failures(self) -> set[str]:
        """Ids stored as failed (within Late's window), so only failures new to us count as new."""
        watermark = self.state.watermark
        if watermark.at is None and self.state.last_pass_started_at is None:
            return set()
        since = watermark.at - timedelta(days=self.retention_days) if watermark.at else None
        frame = self.own_frame(since)
        return set(frame.loc[frame["status"] == "failed", "log_id"].astype(str))

    def own_frame(self, since: datetime | None) -> pd.DataFrame:
        """The stored attempts of this pass's source (created at/after `since`), with only the columns a pass
        reads of them (OWN_COLUMNS): since is Late's window, 90 days under the unified API, so every column
        of every attempt would be the whole store in memory (several GB at 10M attempts)."""
        frame = self.store.frame(since=since, columns=OWN_COLUMNS)
        return frame[frame["source"] == self.source]

    def own_ids(self, log_ids: Iterable[str]) -> list[str]:
        """The ids among `log_ids` of attempts of this pass's source."""
        return [i for i in log_ids if split_log_id(i)[0] == self.source]

    def noted(self, items: Iterable[Any]) -> list[Any]:
        """Entries as Late sent them, noted with this pass's source (replacing any note Late sent)."""
        return [with_source(item, self.source) if isinstance(item, Mapping) else item for item in items]

    def update_state(self, **fields: Any) -> None:
        """Write these CollectorState fields of this pass's source."""
        self.store.update_state(self.source, **CollectorState.changes(**fields))

    def tell(self, phase: str, done: int, total: int | None, message: str) -> None:
        if self.progress is not None:
            self.progress(Progress(phase, done, total, message))

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise PassInterrupted("the pass was stopped before it finished; what was fetched is stored")
        if self.step_deadline is not None and time.monotonic() > self.step_deadline:
            raise _StepTimeUp()

    def note_problem(self, what: str, exc: LateError) -> None:
        if isinstance(exc, FATAL_ERRORS):
            raise exc
        self.report.errors.append(f"{what}: {error_text(exc)}")

    def optional(self, what: str, step: Callable[[], None]) -> None:
        """Run one optional step: its failure or time-out is recorded and the pass goes on."""
        self.step_deadline = time.monotonic() + self.step_seconds
        try:
            step()
        except _StepTimeUp:
            self.report.errors.append(
                f"{what}: stopped after {self.step_seconds:g} s; the rest comes with the next pass"
            )
        except LateError as exc:
            self.report.errors.append(f"{what}: {error_text(exc)}")
        finally:
            self.step_deadline = None

    # -- reading pages ------------------------------------------------------------------------------

    def prepare(self, page: Page) -> list[dict]:
        """A page's entries with their identities stamped (from the raw items, before any redaction), its
        drift from the contract counted, and a change of contract caught."""
        if page.flavor is not None and self.flavor is None:
            if page.flavor == FLAVOR_UNIFIED:
                raise FlavorChanged(page.flavor)  # asked in Late 1.0.1 terms: ask again in unified ones
            self.flavor = self.report.flavor = page.flavor
        elif page.flavor is not None and page.flavor != self.flavor:
            if self.client.flavor_setting == FLAVOR_AUTO:
                raise FlavorChanged(page.flavor)
            self.report.note_drift(
                f"items in the {page.flavor} shape", f"LATE_API_FLAVOR is {self.flavor}"
            )
        flavor = self.flavor or FLAVOR_LATE
        for item in page.items:
            for kind, example in drift_of(item, flavor):
                self.report.note_drift(kind, example)
        entries, twins = stamp_identities(self.adopt_ids(self.noted(page.items)))
        self.report.twins += twins
        return self.keep_publishing(entries)

    def keep_publishing(self, entries: list[dict]) -> list[dict]:
        """The publishing logs of a unified page; other categories (a server that ignores `type=publishing`)
        are counted as drift, connection logs go to their own store, the rest is not an attempt."""
        if not self.unified:
            return entries
        kept: list[dict] = []
        others: list[dict] = []
        for entry in entries:
            kind = entry.get("type")
            if kind in (None, "publishing"):
                kept.append(entry)
                continue
            shown = _short_text(kind)
            self.report.note_drift(f"type {shown} in the publishing listing", f"type={shown}")
            if kind == "connections":
                others.append(entry)
        if others:
            result = self.store.upsert_connection_logs(others)
            self.report.connection_logs += result.new
        return kept

    def adopt_ids(self, items: list[dict]) -> list[dict]:
        """Late 1.0.1 items that lost their `_id` take the id of the stored (or already listed) attempt with
        the same fixed fields (records.late_key_of), so one attempt is never stored under two ids."""
        if not self.unified:
            self.claim_made_up_ids(items)
        if self.unified or not any(isinstance(i, Mapping) and not log_id_has_id(i) for i in items):
            for item in items:
                self._note_late_key(item)
            return items
        if self._late_keys is None:
            since = self.until - timedelta(days=self.retention_days + 1)
            self._late_keys = late_keys_of_frame(self.own_frame(since))
        adopted = []
        for item in items:
            if isinstance(item, Mapping) and not log_id_has_id(item):
                known = self._late_keys.get(late_key_of(item))
                if known is not None:
                    item = {**item, IDENTITY_KEY: known}
            else:
                self._note_late_key(item)
            adopted.append(item)
        return adopted

    def claim_made_up_ids(self, items: list[dict]) -> None:
        """The reverse of adopting: a Late 1.0.1 item listed with its `_id` whose attempt is stored under an
        id made up when Late once listed it without one (same fixed fields) gives that row its real id
        (store.replace_ids), so the attempt is not kept twice. The stored made-up ids are read once a pass."""
        with_ids = [item for item in items if isinstance(item, Mapping) and log_id_has_id(item)]
        if not with_ids:
            return
        if self._made_up is None:
            since = self.until - timedelta(days=self.retention_days + 1)
            frame = self.own_frame(since)
            self._made_up = late_keys_of_frame(frame[frame["log_id"].map(is_made_up_identity)])
        if not self._made_up:
            return
        renames: dict[str, str] = {}
        for item in with_ids:
            old = self._made_up.pop(late_key_of(item), None)
            if old is not None:
                renames[old] = log_id_of(item)
        if renames:
            self.store.replace_ids(renames)
            if self._late_keys is not None:
                self._late_keys = {key: renames.get(known, known) for key, known in self._late_keys.items()}

    def _note_late_key(self, item: Any) -> None:
        if self._late_keys is not None and isinstance(item, Mapping) and log_id_has_id(item):
            self._late_keys.setdefault(late_key_of(item), log_id_of(item))

    # -- attempts list ------------------------------------------------------------------------------

    def save_attempts(self, entries: list[dict]) -> None:
        if not entries:
            return
        result = self.store.upsert_attempts(entries)
        self.report.new += result.new
        self.report.updated += result.updated
        # The store's counts of what it would not take as it came (bad times, nulls ignored, ...).
        for kind, count in (getattr(result, "suspicious", None) or {}).items():
            self.report.suspicious[kind] = self.report.suspicious.get(kind, 0) + int(count)

    def save_listed(self, entries: list[dict]) -> None:
        """Store a batch of listed attempts, noting the posts of failures not stored as failed before."""
        self.note_posts_of_new_failures(entries)
        self.save_attempts(entries)

    def note_posts_of_new_failures(self, entries: Iterable[Mapping[str, Any]]) -> None:
        for entry in entries:
            if outcome_of(entry) != "failed":
                continue
            log_id = log_id_of(entry)
            if log_id in self.known_failed:
                continue
            self.known_failed.add(log_id)
            post_id = post_key_of(entry)
            if post_id:
                self.posts_of_new_failures.append(post_id)

    def fetch_attempts(self, skip: int, watermark: Watermark) -> Page:
        self.report.list_requests += 1
        if self.unified:
            # The first pass backfills all Late keeps; later ones ask from the watermark minus a margin.
            since = watermark.at - limits.FROM_MARGIN if watermark.at is not None else None
            return self.client.list_logs(limit=limits.PAGE_LIMIT, skip=skip, since=since, until=self.until)
        return self.client.list_logs(days=limits.LOOKBACK_DAYS, limit=limits.PAGE_LIMIT, skip=skip)

    def list_attempts(self) -> Watermark:
        watermark = self.state.watermark
        if self.previous_flavor not in (None, self.flavor):
            # Another contract than last pass (e.g. 7 days then 90): backfill what this one keeps.
            watermark = Watermark()
        self.report.full_pass = watermark.at is None
        first_total: list[int | None] = []

        def on_page(walk: Walk, page: Page) -> None:
            if not first_total:
                first_total.append(page.total)
            total = first_total[0] if watermark.at is None else None
            self.tell("list", len(walk.entries), total, f"page {walk.pages}: {len(walk.entries)} attempts")

        def walk_down_to(mark: Watermark) -> Walk:
            walk = walk_from_head(
                lambda skip: self.fetch_attempts(skip, mark),
                mark,
                flush=self.save_listed,
                prepare=self.prepare,
                on_page=on_page,
                check_stop=self.check_stop,
                stop_margin=limits.FROM_MARGIN if self.unified else limits.STOP_MARGIN,
            )
            self.report.twins += walk.twins
            return walk

        walk = walk_down_to(watermark)
        # Everything at or below the head of the walk's first page is stored now. Attempts that landed at
        # the head while we paged sit above it (a server that ignores `to`, or Late 1.0.1, which has none):
        # walk again from the top down to that head, and again for what landed meanwhile, until a walk
        # sees no movement (each round is shorter than the one before).
        covered = watermark.advanced(walk.first_page, self.until if self.unified else None)
        shifted, rounds, last = walk.shifted, 0, walk
        while shifted and rounds < limits.MAX_CATCH_UP_ROUNDS:
            rounds += 1
            last = walk_down_to(covered)
            covered = covered.advanced(last.first_page, self.until if self.unified else None)
            shifted = last.shifted
        if shifted or not last.complete:
            self.listing_complete = False
            return covered  # still moving after the last round: only what is surely complete
        return covered.advanced(last.entries.values(), self.until if self.unified else None)
