"""What to fetch from Late and when: one sync pass (full or incremental) and the polling loop around it.

A pass pages `/v1/logs` from the head down to a stored watermark, flushing to the store every few pages,
then refreshes pending attempts, keeps the details of failed attempts, completes the histories of posts with
new failures and pages the connection logs. It holds the store's writer lock for the whole pass.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping

from late_logs.api import (
    AuthError,
    ForbiddenError,
    LateClient,
    LateError,
    NotFoundError,
    Page,
    UnreachableError,
)
from late_logs.records import log_id_of, parse_time, suspicious_time
from late_logs.store import LogStore, StoreLocked

DETAIL_BATCH = 25  # details written per store transaction
PAGE_LIMIT = 100  # the API's maximum page size (CONTRACT.md §1.1)
LOOKBACK_DAYS = 7  # the API's maximum `days` and its retention
# Flush fetched pages to the store after the first page (so a first pass shows data at once) and then every
# few pages: a SIGKILL loses at most this many pages, which the rerun fetches again.
FLUSH_EVERY_PAGES = 5
# Order is "newest first but unguaranteed" (CONTRACT.md §4): an incremental walk goes on until a page holds an
# item this much older than the watermark, so attempts written slightly out of order are still picked up.
STOP_MARGIN = timedelta(minutes=2)
# Bounds per pass on the per-item requests, so one pass never turns into thousands of calls; what is left
# over is picked up by the next pass.
MAX_PENDING_PAGES = 10
MAX_PENDING_REFRESH = 200
MAX_DETAILS = 1000
MAX_POST_HISTORIES = 200
MAX_CATCH_UP_ROUNDS = 3
# A server that keeps answering "more" with nothing we have not seen ends the walk after this many pages.
MAX_PAGES_WITHOUT_NEWS = 3
# Ids of failed attempts whose detail Late no longer has; kept so a pass does not ask for them again.
MAX_GONE_IDS = 5000


class PassInterrupted(Exception):
    """The pass was asked to stop (Ctrl-C in `collect`); what was fetched so far is stored."""


NOTE_GONE = "Late no longer has this attempt (it keeps 7 days); showing the stored copy."

# Errors that end a pass: nothing more can be fetched with this key or this network.
FATAL_ERRORS = (AuthError, UnreachableError)


@dataclass
class Progress:
    """One progress report: phase is "list", "pending", "details", "posts" or "connections"."""

    phase: str
    done: int
    total: int | None
    message: str


@dataclass
class SyncReport:
    """What one pass did. `requests` and `rate_limited` are HTTP requests and 429s seen by the client."""

    new: int = 0
    updated: int = 0
    details: int = 0
    pending_refreshed: int = 0
    post_histories: int = 0
    connection_logs: int = 0
    requests: int = 0
    rate_limited: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    list_requests: int = 0
    full_pass: bool = False

    def summary(self) -> str:
        text = (
            f"{self.new} new, {self.updated} updated, {self.details} details, "
            f"{self.pending_refreshed} pending refreshed, {self.post_histories} post histories, "
            f"{self.connection_logs} connection logs; {self.requests} requests "
            f"({self.list_requests} list pages, {self.rate_limited} answered 429) in {self.seconds:.1f} s"
        )
        if self.errors:
            text += f"; {len(self.errors)} problem(s), first: {self.errors[0]}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


ProgressCallback = Callable[[Progress], None]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _post_id(entry: Mapping[str, Any]) -> str | None:
    """`postId` is a plain id or a populated object (CONTRACT.md §7)."""
    value = entry.get("postId")
    if isinstance(value, Mapping):
        value = value.get("_id", value.get("id"))
    return str(value) if value else None


def _error_text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Watermark:
    """The newest createdAt fully synced, with the ids seen at exactly that instant.

    Everything at or older than it (within Late's 7 days) is in the store.
    """

    at: datetime | None = None
    ids: frozenset[str] = frozenset()

    def advanced(self, entries: Iterable[Mapping[str, Any]], time_key: str = "createdAt") -> Watermark:
        at, ids = self.at, set(self.ids)
        for entry in entries:
            created = parse_time(entry.get(time_key))
            if created is None or suspicious_time(entry.get(time_key), _now()):  # a future time: no watermark
                continue
            if at is None or created > at:
                at, ids = created, {log_id_of(entry)}
            elif created == at:
                ids.add(log_id_of(entry))
        return Watermark(at, frozenset(ids))

    def to_state(self) -> dict[str, Any] | None:
        if self.at is None:
            return None
        return {"at": self.at.isoformat(), "ids": sorted(self.ids)}

    @classmethod
    def from_state(cls, value: object) -> Watermark:
        if not isinstance(value, Mapping):
            return cls()
        at = parse_time(value.get("at"))
        if suspicious_time(value.get("at"), _now()):  # left in the future by an older late-logs: start over
            return cls()
        ids = value.get("ids")
        return cls(at, frozenset(str(i) for i in ids) if isinstance(ids, list) and at else frozenset())


@dataclass
class _Walk:
    """The outcome of walking one paged listing from its head."""

    entries: dict[str, dict] = field(default_factory=dict)  # id -> entry, first sighting wins
    first_page: list[dict] = field(default_factory=list)  # the head as it was when the walk began
    pages: int = 0
    shifted: bool = False  # items moved down while paging (new ones landed at the head)
    complete: bool = False


def _created(entry: Mapping[str, Any]) -> datetime | None:
    value = entry.get("createdAt", entry.get("created_at"))
    return None if suspicious_time(value, _now()) else parse_time(value)  # a 1970 item must not end a walk


def _walk_from_head(
    fetch: Callable[[int], Page],
    watermark: Watermark,
    *,
    flush: Callable[[list[dict]], None],
    on_page: Callable[[_Walk, Page], None] | None = None,
    check_stop: Callable[[], None] | None = None,
) -> _Walk:
    """Page a listing with `skip` from 0 until the watermark (or the end) is reached.

    Churn: attempts landing at the head shift everything down between two requests, so the next page
    repeats a few items (dropped by id) and nothing is skipped; stepping by the page length is the same as
    "unique items seen plus the growth of `pagination.total`". When `total` shrinks, items may have moved
    up past the cursor, so the next skip steps back by the shrink (bounded) and the overlap is dropped.
    Attempts ageing out at the tail never move anything above the cursor.
    """
    walk = _Walk()
    buffer: list[dict] = []
    skip = 0
    previous_total: int | None = None
    pages_without_news = 0
    try:
        while pages_without_news < MAX_PAGES_WITHOUT_NEWS:
            if check_stop is not None:
                check_stop()
            page = fetch(skip)
            walk.pages += 1
            items = [item for item in page.items if isinstance(item, Mapping)]
            if walk.pages == 1:
                walk.first_page = items
            total = page.total
            if previous_total is not None and total is not None and total > previous_total:
                walk.shifted = True
            fresh = 0
            for item in items:
                log_id = log_id_of(item)
                if log_id in walk.entries:
                    walk.shifted = True
                    continue
                walk.entries[log_id] = item
                buffer.append(item)
                fresh += 1
            pages_without_news = 0 if fresh else pages_without_news + 1
            if walk.pages == 1 or walk.pages % FLUSH_EVERY_PAGES == 0:
                flush(buffer)
                buffer = []
            if on_page is not None:
                on_page(walk, page)
            if not items or not page.has_more:
                walk.complete = True
                break
            if watermark.at is not None and _reached(items, watermark):
                walk.complete = True
                break
            step = len(items)
            if previous_total is not None and total is not None and total < previous_total:
                step = max(step // 2, step - (previous_total - total))
            previous_total = total
            skip += step
    finally:
        # Whatever was fetched is kept, also when a request fails half-way through the walk.
        if buffer:
            flush(buffer)
    return walk


def _reached(items: list[Mapping[str, Any]], watermark: Watermark) -> bool:
    """True when this page goes far enough below the watermark that older pages hold nothing new.

    Only trusted when the page itself runs newest first; a page in another order never stops the walk early.
    """
    times = [t for t in (_created(item) for item in items) if t is not None]
    if not times or watermark.at is None:
        return False
    if times[0] < times[-1]:
        return False
    return min(times) < watermark.at - STOP_MARGIN


class _Pass:
    """The state of one sync pass: the client, the store, the report and progress."""

    def __init__(
        self,
        client: LateClient,
        store: LogStore,
        progress: ProgressCallback | None,
        detail_workers: int,
        limits: Mapping[str, int],
        stop: threading.Event | None = None,
    ) -> None:
        self.stop = stop
        self.client = client
        self.store = store
        self.progress = progress
        self.detail_workers = max(1, detail_workers)
        self.limits = limits
        self.report = SyncReport()
        self.state = store.state()
        self.known_failed = self._stored_failures()

    def _stored_failures(self) -> set[str]:
        """Ids stored as failed (within Late's window), so only failures new to us queue post histories."""
        watermark = Watermark.from_state(self.state.get("watermark"))
        if watermark.at is None and not self.state.get("last_pass_started_at"):
            return set()
        since = watermark.at - timedelta(days=LOOKBACK_DAYS) if watermark.at else None
        frame = self.store.frame(since=since)
        return set(frame.loc[frame["status"] == "failed", "log_id"].astype(str))

    def tell(self, phase: str, done: int, total: int | None, message: str) -> None:
        if self.progress is not None:
            self.progress(Progress(phase, done, total, message))

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise PassInterrupted("the pass was stopped before it finished; what was fetched is stored")

    def note_problem(self, what: str, exc: LateError) -> None:
        if isinstance(exc, FATAL_ERRORS):
            raise exc
        self.report.errors.append(f"{what}: {_error_text(exc)}")

    # -- attempts list ------------------------------------------------------------------------------

    def save_attempts(self, entries: list[dict]) -> None:
        if not entries:
            return
        result = self.store.upsert_attempts(entries)
        self.report.new += result.new
        self.report.updated += result.updated

    def save_listed(self, entries: list[dict]) -> None:
        """Store a batch of listed attempts and queue the posts of failures not stored as failed before.

        The queue is in the store state at once, so a pass killed later still completes those histories.
        """
        self.queue_posts_of_new_failures(entries)  # first: a kill between the two loses no post
        self.save_attempts(entries)

    def queue_posts_of_new_failures(self, entries: Iterable[Mapping[str, Any]]) -> None:
        posts = []
        for entry in entries:
            if entry.get("status") != "failed":
                continue
            log_id = log_id_of(entry)
            if log_id in self.known_failed:
                continue
            self.known_failed.add(log_id)
            post_id = _post_id(entry)
            if post_id:
                posts.append(post_id)
        if posts:
            queue = list(dict.fromkeys([*(self.state.get("post_queue") or []), *posts]))
            self.store.update_state(post_queue=queue)
            self.state["post_queue"] = queue

    def list_attempts(self) -> Watermark:
        watermark = Watermark.from_state(self.state.get("watermark"))
        self.report.full_pass = watermark.at is None

        def fetch(skip: int) -> Page:
            self.report.list_requests += 1
            return self.client.list_logs(days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=skip)

        first_total: list[int | None] = []

        def on_page(walk: _Walk, page: Page) -> None:
            if not first_total:
                first_total.append(page.total)
            total = first_total[0] if watermark.at is None else None
            self.tell("list", len(walk.entries), total, f"page {walk.pages}: {len(walk.entries)} attempts")

        walk = _walk_from_head(
            fetch, watermark, flush=self.save_listed, on_page=on_page, check_stop=self.check_stop
        )
        # Everything at or below the head of the walk's first page is stored now. Attempts that landed at
        # the head while we paged sit above it: walk again from the top down to that head, and again for
        # what landed meanwhile, until a walk sees no movement (each round is shorter than the one before).
        covered = watermark.advanced(walk.first_page)
        shifted, rounds, last = walk.shifted, 0, walk
        while shifted and rounds < MAX_CATCH_UP_ROUNDS:
            rounds += 1
            last = _walk_from_head(
                fetch, covered, flush=self.save_listed, on_page=on_page, check_stop=self.check_stop
            )
            covered = covered.advanced(last.first_page)
            shifted = last.shifted
        if shifted:
            return covered  # still moving after the last round: only what is surely complete
        return covered.advanced(last.entries.values())

    # -- pending attempts ---------------------------------------------------------------------------

    def refresh_pending(self) -> None:
        if not self.store.pending_ids():
            return
        still_pending: set[str] = set()
        done = 0
        for page_number in range(self.limits["pending_pages"]):
            page = self.client.list_logs(
                status="pending", days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=page_number * PAGE_LIMIT
            )
            self.report.list_requests += 1
            items = [item for item in page.items if isinstance(item, Mapping)]
            still_pending.update(log_id_of(item) for item in items)
            self.save_listed(items)
            if not items or not page.has_more:
                break
        gone = set(self.state.get("details_gone") or [])
        settled = [i for i in self.store.pending_ids() if i not in still_pending and i not in gone]
        settled = settled[: self.limits["pending_refresh"]]
        newly_gone: list[str] = []
        self.tell("pending", 0, len(settled), f"{len(still_pending)} still pending, {len(settled)} settled")
        for log_id, outcome in self._fetch_details(settled):
            done += 1
            if isinstance(outcome, NotFoundError):
                newly_gone.append(log_id)  # aged out of Late; the stored copy stays as it was
                continue
            if isinstance(outcome, LateError):
                self.note_problem(f"refreshing pending attempt {log_id}", outcome)
                continue
            self.store.put_detail(log_id, outcome)
            self.queue_posts_of_new_failures([outcome])
            self.report.pending_refreshed += 1
            self.tell("pending", done, len(settled), f"refreshed {done} of {len(settled)}")
        self.remember_gone(newly_gone)

    def remember_gone(self, log_ids: list[str]) -> None:
        if log_ids:
            gone = [*(self.state.get("details_gone") or []), *log_ids][-MAX_GONE_IDS:]
            self.store.update_state(details_gone=gone)
            self.state["details_gone"] = gone

    # -- details of failed attempts -------------------------------------------------------------------

    def _fetch_details(self, log_ids: list[str]) -> Iterable[tuple[str, dict | LateError]]:
        """(id, detail or the LateError) for each id, fetched by a few threads; results come back here so
        only this thread writes to the store."""
        if not log_ids:
            return

        def one(log_id: str) -> dict | LateError:
            try:
                return self.client.get_log(log_id)
            except LateError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self.detail_workers, thread_name_prefix="late-detail") as pool:
            futures = {pool.submit(one, log_id): log_id for log_id in log_ids}
            try:
                for future in as_completed(futures):
                    self.check_stop()
                    yield futures[future], future.result()
            finally:
                for future in futures:
                    future.cancel()

    def failed_without_detail(self, since: datetime | None) -> list[str]:
        """Ids of failed attempts in Late's window that have no stored detail, newest first."""
        frame = self.store.frame(since=since)
        if frame.empty:
            return []
        failed = frame[frame["status"] == "failed"]
        skip = self.store.detail_ids() | set(self.state.get("details_gone") or [])
        missing = failed[~failed["log_id"].isin(skip)].sort_values("created_at", ascending=False)
        return [str(i) for i in missing["log_id"]]

    def fetch_failed_details(self, candidates: list[str]) -> None:
        candidates = candidates[: self.limits["details"]]
        gone: list[str] = []
        self.tell("details", 0, len(candidates), f"{len(candidates)} failed attempts need their detail")
        done = 0
        # Written in batches: each write rewrites a day partition, so one write per detail would make the
        # details phase of a first pass mostly disk work. A kill loses at most one unwritten batch.
        batch: dict[str, dict] = {}
        for log_id, outcome in self._fetch_details(candidates):
            done += 1
            if isinstance(outcome, NotFoundError):
                gone.append(log_id)
            elif isinstance(outcome, LateError):
                self.note_problem(f"detail of {log_id}", outcome)
            else:
                batch[log_id] = outcome
            if done % DETAIL_BATCH == 0 or done == len(candidates):
                self._save_details(batch)
                self.tell("details", done, len(candidates), f"{done} of {len(candidates)} details")
        self._save_details(batch)
        self.remember_gone(gone)

    def _save_details(self, batch: dict[str, dict]) -> None:
        if batch:
            self.store.put_details(batch)
            self.report.details += len(batch)
            batch.clear()

    # -- post histories -----------------------------------------------------------------------------

    def complete_post_histories(self) -> None:
        queue = list(self.state.get("post_queue") or [])
        batch = queue[: self.limits["post_histories"]]
        handled: set[str] = set()
        self.tell("posts", 0, len(batch), f"{len(batch)} posts with new failures")
        try:
            for done, post_id in enumerate(batch, start=1):
                self.check_stop()
                try:
                    entries = self.client.get_post_logs(post_id, limit=PAGE_LIMIT)
                except (NotFoundError, ForbiddenError):
                    handled.add(post_id)  # the post is gone or not ours; nothing to complete
                    continue
                except LateError as exc:
                    self.note_problem(f"history of post {post_id}", exc)
                    continue
                # The store merges: a plain `postId` string does not erase the populated object it has.
                self.save_attempts(entries)
                handled.add(post_id)
                self.report.post_histories += 1
                self.tell("posts", done, len(batch), f"{done} of {len(batch)} post histories")
        finally:
            # Posts not done this pass (bounded, failed or interrupted) wait for the next one.
            self.store.update_state(post_queue=[p for p in queue if p not in handled])

    # -- connection logs ----------------------------------------------------------------------------

    def list_connection_logs(self) -> None:
        watermark = Watermark.from_state(self.state.get("connection_watermark"))

        def fetch(skip: int) -> Page:
            return self.client.list_connection_logs(days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=skip)

        def save(entries: list[dict]) -> None:
            if entries:
                result = self.store.upsert_connection_logs(entries)
                self.report.connection_logs += result.new

        def on_page(walk: _Walk, page: Page) -> None:
            self.tell("connections", len(walk.entries), page.total, f"page {walk.pages} of connection logs")

        walk = _walk_from_head(fetch, watermark, flush=save, on_page=on_page, check_stop=self.check_stop)
        if walk.complete:
            self.store.update_state(connection_watermark=watermark.advanced(walk.entries.values()).to_state())


DEFAULT_LIMITS = {
    "pending_pages": MAX_PENDING_PAGES,
    "pending_refresh": MAX_PENDING_REFRESH,
    "details": MAX_DETAILS,
    "post_histories": MAX_POST_HISTORIES,
}


def sync_once(
    client: LateClient,
    store: LogStore,
    *,
    progress: ProgressCallback | None = None,
    detail_workers: int = 4,
    fetch_details: bool = True,
    max_details: int = MAX_DETAILS,
    max_post_histories: int = MAX_POST_HISTORIES,
    stop: threading.Event | None = None,
) -> SyncReport:
    """Run one pass and return what it did.

    Raises StoreLocked when another writer holds the store, and the client's LateError (AuthError,
    UnreachableError, ...) when the attempts list cannot be read; the error is recorded in the store state
    and everything fetched before it stays stored.
    """
    limits = {
        **DEFAULT_LIMITS,
        "details": max_details if fetch_details else 0,
        "post_histories": max_post_histories,
    }
    started = time.monotonic()
    requests_before = client.stats.requests
    limited_before = client.stats.rate_limited
    with store.writer_lock():
        run = _Pass(client, store, progress, detail_workers, limits, stop)
        store.update_state(last_pass_started_at=_iso(_now()))
        try:
            head = run.list_attempts()
            # Everything newer than the old watermark is stored now, so the watermark may move.
            store.update_state(watermark=head.to_state())
            run.state = store.state()
            run.refresh_pending()
            window_start = head.at - timedelta(days=LOOKBACK_DAYS) if head.at else None
            if limits["details"] > 0:
                run.fetch_failed_details(run.failed_without_detail(window_start))
            run.complete_post_histories()
            run.list_connection_logs()
            if head.at is not None:
                store.prune(now=head.at)
        except BaseException as exc:
            report = _finish(run.report, client, requests_before, limited_before, started)
            if isinstance(exc, (PassInterrupted, KeyboardInterrupt, SystemExit)):
                report.errors.append("the pass was interrupted before it finished")
                store.update_state(last_report=report.as_dict(), **_totals(store, report))
            else:
                store.update_state(
                    last_error=_error_text(exc),
                    last_error_at=_iso(_now()),
                    last_report=report.as_dict(),
                    **_totals(store, report),
                )
            raise
        report = _finish(run.report, client, requests_before, limited_before, started)
        store.update_state(
            last_pass_finished_at=_iso(_now()),
            last_report=report.as_dict(),
            last_error=None,
            last_error_at=None,
            **_totals(store, report),
        )
    return report


def _finish(
    report: SyncReport, client: LateClient, requests_before: int, limited_before: int, started: float
) -> SyncReport:
    report.requests = client.stats.requests - requests_before
    report.rate_limited = client.stats.rate_limited - limited_before
    report.seconds = time.monotonic() - started
    return report


def _totals(store: LogStore, report: SyncReport) -> dict[str, int]:
    state = store.state()
    return {
        "total_requests": int(state.get("total_requests") or 0) + report.requests,
        "total_rate_limited": int(state.get("total_rate_limited") or 0) + report.rate_limited,
        "total_passes": int(state.get("total_passes") or 0) + 1,
    }


def fetch_detail(client: LateClient | None, store: LogStore, log_id: str) -> tuple[dict | None, str]:
    """An attempt's detail for the dashboard: the stored copy, else fetched from Late and stored.

    Returns (detail or None, a note for the reader; "" when there is nothing to say); never raises LateError.
    """
    stored = store.get_detail(log_id)
    if stored is not None:
        return stored, ""
    raw = store.raw_attempt(log_id)
    if client is None:
        if raw is not None:
            return raw, "The full detail was never fetched; showing the stored list entry."
        return None, f"Attempt {log_id} is not in the store."
    try:
        detail = client.get_log(log_id)
    except NotFoundError:
        if raw is not None:
            return raw, NOTE_GONE
        return None, f"Attempt {log_id} is not in the store and Late does not have it."
    except LateError as exc:
        note = f"Could not fetch the detail from Late: {_error_text(exc)}"
        return raw, note + (" Showing the stored list entry." if raw is not None else "")
    store.put_detail(log_id, detail)
    kept = store.get_detail(log_id)
    return (kept if kept is not None else detail), ""


def run_forever(
    make_client: Callable[[], LateClient],
    store: LogStore,
    interval_seconds: float,
    stop: threading.Event,
    progress: ProgressCallback | None = None,
    *,
    on_pass: Callable[[SyncReport | None, BaseException | None], None] | None = None,
    max_backoff_seconds: float = 3600.0,
) -> None:
    """Run passes every `interval_seconds` until `stop` is set; never raises.

    A failed pass is recorded in the store state (by sync_once, or here for a locked store) and the loop
    waits longer after each consecutive failure, up to `max_backoff_seconds`. `on_pass(report, error)` is
    told about every pass.
    """
    failures = 0
    while not stop.is_set():
        report: SyncReport | None = None
        error: BaseException | None = None
        try:
            client = make_client()
            try:
                report = sync_once(client, store, progress=progress, stop=stop)
            finally:
                client.close()
        except PassInterrupted:
            return
        except StoreLocked as exc:
            error = exc  # another writer is at work; not an error of ours to record
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one pass
            error = exc
            if not isinstance(exc, LateError):
                _record_quietly(store, exc)
        failures = failures + 1 if error is not None else 0
        delay = max(0.0, float(interval_seconds))
        if failures:
            delay = min(max(delay, 5.0) * 2 ** (failures - 1), max(max_backoff_seconds, delay))
        try:
            store.update_state(next_pass_at=_iso(_now() + timedelta(seconds=delay)))
        except Exception:  # noqa: BLE001 - a state write failing must not stop the loop
            pass
        if on_pass is not None:
            try:
                on_pass(report, error)
            except Exception:  # noqa: BLE001
                pass
        if delay > 0:
            stop.wait(delay)


def _record_quietly(store: LogStore, exc: BaseException) -> None:
    try:
        store.update_state(last_error=_error_text(exc), last_error_at=_iso(_now()))
    except Exception:  # noqa: BLE001
        pass
