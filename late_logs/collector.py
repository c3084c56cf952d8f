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
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from late_logs.api import (
    AuthError,
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    LateClient,
    LateError,
    NotFoundError,
    NotInContractError,
    Page,
    RedirectedError,
    UnreachableError,
)
from late_logs.config import FLAVOR_AUTO
from late_logs.records import (
    DEFAULT_SOURCE,
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    FLAVORS,
    IDENTITY_KEY,
    drift_of,
    is_made_up_identity,
    late_id_of,
    late_key_of,
    late_keys_of_frame,
    log_id_has_id,
    log_id_of,
    outcome_of,
    parse_time,
    post_key_of,
    retention_days_of,
    split_log_id,
    stamp_identities,
    suspicious_time,
    time_of,
    twin_identity,
    with_source,
)
from late_logs.redact import redact_value
from late_logs.store import LogStore, StoreError, StoreLocked

DETAIL_BATCH = 25  # details written per store transaction
PAGE_LIMIT = 100  # the API's maximum page size (CONTRACT.md §1.1, §3)
LOOKBACK_DAYS = 7  # the Late 1.0.1 API's maximum `days` and its retention (the unified API keeps 90)
# Flush fetched pages to the store after the first page (so a first pass shows data at once) and then every
# few pages: a SIGKILL loses at most this many pages, which the rerun fetches again.
FLUSH_EVERY_PAGES = 5
# Order is "newest first but unguaranteed" (CONTRACT.md §4): an incremental walk goes on until a page holds an
# item this much older than the watermark, so attempts written slightly out of order are still picked up.
STOP_MARGIN = timedelta(minutes=2)
# A unified incremental pass asks from the watermark minus this margin. Whether `created_at` is when an
# attempt started or when its log was written is not in the spec (CONTRACT.md §3): a long video upload's
# log may become readable many minutes after the instant it carries, below a watermark a quicker log has
# already moved on. 30 minutes covers such uploads; on an account of normal volume that window holds a
# few dozen logs, one page at most (measured in bench/bench_requests.py: idle pass still 3 requests). The
# walk goes down to `from` (the server bounds it), not STOP_MARGIN below the watermark.
FROM_MARGIN = timedelta(minutes=30)
# How far past a settled log's instant its re-read asks (`to`), so the range holds it whether `to` is
# inclusive or half-open; a second also covers a server comparing at whole seconds.
SETTLED_READ_SPAN = timedelta(seconds=1)
# The most one optional step (pending, details, post histories, connections) may take before it is stopped
# and recorded, so one slow step never holds the writer lock for the rest of the day.
STEP_SECONDS = 300.0
# Kinds of drift kept per pass (each with its count and first example).
MAX_DRIFT_KINDS = 20
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

# What a pass reads of the stored attempts: ids, statuses and times, and the fields of records.late_key_of.
OWN_COLUMNS = ("log_id", "status", "source", "created_at", "platform", "account_id", "post_id",
               "attempt_number", "action")  # fmt: skip


class PassInterrupted(Exception):
    """The pass was asked to stop (Ctrl-C in `collect`); what was fetched so far is stored."""


def note_gone(days: int) -> str:
    """What the Attempt page says when Late no longer has an attempt, by the contract's retention."""
    return f"Late no longer has this attempt (it is kept {days} days by Late); showing the stored copy."


NOTE_GONE = note_gone(LOOKBACK_DAYS)

# Errors that end a pass: nothing more can be fetched with this key, this network or this address.
FATAL_ERRORS = (AuthError, UnreachableError, RedirectedError)


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
    flavor: str | None = None  # the contract the pass spoke: "late-1.0" or "unified"
    # Items that departed from their contract's shape: count per kind, and one example per kind.
    drift: dict[str, int] = field(default_factory=dict)
    drift_examples: dict[str, str] = field(default_factory=dict)
    twins: int = 0  # entries that could not be told apart from another one (all kept)
    # What the store flagged while merging (bad times, nulls ignored, ...), counted per kind.
    suspicious: dict[str, int] = field(default_factory=dict)

    def note_drift(self, kind: str, example: str) -> None:
        if kind not in self.drift and len(self.drift) >= MAX_DRIFT_KINDS:
            kind = "other drift"
        self.drift[kind] = self.drift.get(kind, 0) + 1
        self.drift_examples.setdefault(kind, example)

    def drift_text(self) -> str:
        """ "3 items drifted from the unified contract (2 status_code is str, e.g. status_code=200; ...)"."""
        if not self.drift:
            return ""
        total = sum(self.drift.values())
        kinds = sorted(self.drift.items(), key=lambda pair: -pair[1])
        first, count = kinds[0]
        more = f" and {len(kinds) - 1} more kind(s)" if len(kinds) > 1 else ""
        contract = self.flavor or "its"
        return (
            f"{total} drift(s) from the {contract} contract: {count} x {first}, "
            f"e.g. {self.drift_examples.get(first, '')}{more}"
        )

    def summary(self) -> str:
        text = (
            f"{self.new} new, {self.updated} updated, {self.details} details, "
            f"{self.pending_refreshed} pending refreshed, {self.post_histories} post histories, "
            f"{self.connection_logs} connection logs; {self.requests} requests "
            f"({self.list_requests} list pages, {self.rate_limited} answered 429) in {self.seconds:.1f} s"
        )
        if self.flavor:
            text += f"; contract {self.flavor}"
        if self.twins:
            text += f"; {self.twins} indistinguishable entries kept"
        if self.suspicious:
            text += "; suspicious: " + ", ".join(f"{v} {k}" for k, v in sorted(self.suspicious.items()))
        if self.drift:
            text += "; " + self.drift_text()
        if self.errors:
            text += f"; {len(self.errors)} problem(s), first: {self.errors[0]}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, value: object) -> SyncReport | None:
        """A stored report (`as_dict`, perhaps of an older or newer late-logs: unknown keys are dropped);
        None when it is not a report this version can read."""
        if not isinstance(value, Mapping):
            return None
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return None


ProgressCallback = Callable[[Progress], None]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _short_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _error_text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Watermark:
    """The newest creation time fully synced, with the ids seen at exactly that instant.

    Everything at or older than it (within Late's retention: 7 days, or 90 unified) is in the store.
    """

    at: datetime | None = None
    ids: frozenset[str] = frozenset()

    def advanced(self, entries: Iterable[Mapping[str, Any]], until: datetime | None = None) -> Watermark:
        """Moved to the newest creation time among `entries` (either contract's field), never past `until`."""
        at, ids = self.at, set(self.ids)
        for entry in entries:
            created = _created(entry)
            if created is not None and until is not None and created > until:
                continue
            if created is None:
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


def _count(value: object) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError, OverflowError):
        return 0


def _ids(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, (list, tuple)) else ()


@dataclass(frozen=True)
class CollectorState:
    """The collector's state kept in the store, typed: the one place its keys are spelled (the field names).

    `from_state` reads the stored dict (a missing, null or damaged value reads as its default);
    `to_state` writes it back; `changes(**fields)` is the partial update `LogStore.update_state` takes,
    so a write names fields the type checks, never a free key.
    """

    flavor: str | None = None  # the contract the store was last collected with
    watermark: Watermark = Watermark()
    connection_watermark: Watermark = Watermark()
    last_pass_started_at: datetime | None = None
    last_pass_finished_at: datetime | None = None
    next_pass_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_report: SyncReport | None = None
    total_passes: int = 0
    total_requests: int = 0
    total_rate_limited: int = 0
    details_gone: tuple[str, ...] = ()  # failed attempts whose detail Late no longer has
    post_queue: tuple[str, ...] = ()  # posts whose history is still to be completed
    suspicious_total: Mapping[str, int] | None = None  # written by the store while merging

    @classmethod
    def from_state(cls, value: object) -> CollectorState:
        state = value if isinstance(value, Mapping) else {}
        error = state.get("last_error")
        flavor = state.get("flavor")
        suspicious = state.get("suspicious_total")
        return cls(
            flavor=flavor if isinstance(flavor, str) else None,
            watermark=Watermark.from_state(state.get("watermark")),
            connection_watermark=Watermark.from_state(state.get("connection_watermark")),
            last_pass_started_at=parse_time(state.get("last_pass_started_at")),
            last_pass_finished_at=parse_time(state.get("last_pass_finished_at")),
            next_pass_at=parse_time(state.get("next_pass_at")),
            last_error=str(error) if error else None,
            last_error_at=parse_time(state.get("last_error_at")),
            last_report=SyncReport.from_dict(state.get("last_report")),
            total_passes=_count(state.get("total_passes")),
            total_requests=_count(state.get("total_requests")),
            total_rate_limited=_count(state.get("total_rate_limited")),
            details_gone=_ids(state.get("details_gone")),
            post_queue=_ids(state.get("post_queue")),
            suspicious_total=suspicious if isinstance(suspicious, Mapping) else None,
        )

    def to_state(self) -> dict[str, Any]:
        """The stored form: times as ISO text, watermarks and the report as their own dicts, ids as lists."""
        stored: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Watermark):
                value = value.to_state()
            elif isinstance(value, SyncReport):
                value = value.as_dict()
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            stored[name] = value
        return stored

    @classmethod
    def changes(cls, **fields: Any) -> dict[str, Any]:
        """The stored form of just these fields, for `LogStore.update_state` (other keys stay as stored).
        An unknown field name raises TypeError, as a misspelt keyword does."""
        full = dataclasses.replace(cls(), **fields).to_state()
        return {name: full[name] for name in fields}

    @property
    def last_errors(self) -> list[str]:
        """The problems the last pass recorded (empty when there was no pass or none)."""
        return list(self.last_report.errors) if self.last_report is not None else []


def read_state(store: LogStore, source: str = DEFAULT_SOURCE) -> CollectorState:
    """The store's collector state of one source (the default one unless named), typed."""
    return CollectorState.from_state(store.state(source))


def labelled_progress(progress: ProgressCallback | None, label: str) -> ProgressCallback | None:
    """Progress reports of one source's pass with its label in front, for a run over several sources."""
    if progress is None:
        return None
    report = progress

    def tell(step: Progress) -> None:
        report(dataclasses.replace(step, message=f"{label}: {step.message}"))

    return tell


@dataclass
class _Walk:
    """The outcome of walking one paged listing from its head."""

    entries: dict[str, dict] = field(default_factory=dict)  # id -> entry, first sighting wins
    first_page: list[dict] = field(default_factory=list)  # the head as it was when the walk began
    pages: int = 0
    shifted: bool = False  # items moved down while paging (new ones landed at the head)
    complete: bool = False
    twins: int = 0  # entries alike in every fixed field met on two pages, kept as one more log each


def _created(entry: Mapping[str, Any]) -> datetime | None:
    created = time_of(entry)
    # A 1970 or far-future time (kept as received by the store) must neither end a walk nor move the
    # watermark: only the wall clock judges it.
    if created is None or suspicious_time(created, _now()):
        return None
    return created


def _walk_from_head(
    fetch: Callable[[int], Page],
    watermark: Watermark,
    *,
    flush: Callable[[list[dict]], None],
    prepare: Callable[[Page], list[dict]] | None = None,
    on_page: Callable[[_Walk, Page], None] | None = None,
    check_stop: Callable[[], None] | None = None,
    stop_margin: timedelta = STOP_MARGIN,
) -> _Walk:
    """Page a listing (LateClient.pages) from skip 0 until the watermark (or the end) is reached.

    `prepare` turns a page into the entries to keep (stamping identities, counting drift). Churn: logs
    landing at the head shift everything down between two requests, so the next page repeats a few items
    (dropped by identity) and nothing is skipped; a shrinking `total` makes the pager step back. Logs ageing
    out at the tail never move anything above the cursor.

    Twins (entries without an id that cannot be told apart) split by a page edge: a known identity in the
    page's first `_repeats_expected` items is the same log seen again; further down it is one more log
    alike, kept as the next free `~n` (records.twin_identity) and counted in `walk.twins`.
    """
    walk = _Walk()
    buffer: list[dict] = []
    previous_total: int | None = None
    previous_page: Page | None = None
    pages_without_news = 0

    def guarded(skip: int) -> Page:
        if check_stop is not None:
            check_stop()
        return fetch(skip)

    try:
        for page in LateClient.pages(guarded):
            walk.pages += 1
            items = prepare(page) if prepare is not None else list(page.items)
            if walk.pages == 1:
                walk.first_page = items
            total = page.total
            if previous_total is not None and total is not None and total > previous_total:
                walk.shifted = True
            previous_total = total
            repeats = _repeats_expected(previous_page, page)
            previous_page = page
            fresh = 0
            for index, item in enumerate(items):
                log_id = log_id_of(item)
                if log_id in walk.entries:
                    if index < repeats or log_id_has_id(item):
                        walk.shifted = True
                        continue
                    log_id = twin_identity(log_id, walk.entries)
                    item = {**item, IDENTITY_KEY: log_id}
                    walk.twins += 1
                walk.entries[log_id] = item
                buffer.append(item)
                fresh += 1
            pages_without_news = 0 if fresh else pages_without_news + 1
            if walk.pages == 1 or walk.pages % FLUSH_EVERY_PAGES == 0:
                flush(buffer)
                buffer = []
            if on_page is not None:
                on_page(walk, page)
            if not page.items or not page.has_more:  # the page as Late sent it, before `prepare` kept a part
                walk.complete = True
                break
            if watermark.at is not None and _reached(items, watermark, stop_margin):
                walk.complete = True
                break
            if pages_without_news >= MAX_PAGES_WITHOUT_NEWS:
                break
    finally:
        # Whatever was fetched is kept, also when a request fails half-way through the walk.
        if buffer:
            flush(buffer)
    return walk


def _repeats_expected(previous: Page | None, page: Page) -> int:
    """How many of `page`'s first items may be ones the previous page already held: the pager's step back
    plus the logs that landed above meanwhile (the growth of `total`). Every item when either page has no
    `total` (nothing tells a shift from a page that goes on, so a known identity is taken for a repeat)."""
    if previous is None:
        return 0
    if previous.total is None or page.total is None:
        return len(page.items)
    stepped_back = max(0, previous.skip + len(previous.items) - page.skip)
    return stepped_back + max(0, page.total - previous.total)


def _reached(items: list[Mapping[str, Any]], watermark: Watermark, margin: timedelta = STOP_MARGIN) -> bool:
    """True when this page goes far enough below the watermark that older pages hold nothing new.

    Only trusted when the page itself runs newest first; a page in another order never stops the walk early.
    """
    times = [t for t in (_created(item) for item in items) if t is not None]
    if not times or watermark.at is None:
        return False
    if times[0] < times[-1]:
        return False
    return min(times) < watermark.at - margin


class _StepTimeUp(Exception):
    """An optional step used up its STEP_SECONDS; what it fetched is stored."""


class _FlavorChanged(Exception):
    """A list answer's items follow another contract than the one the pass started with."""


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
        step_seconds: float = STEP_SECONDS,
        source: str = DEFAULT_SOURCE,
    ) -> None:
        self.stop = stop
        self.client = client
        self.store = store
        self.source = source
        self.progress = progress
        self.detail_workers = max(1, detail_workers)
        self.limits = limits
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
        self.report.errors.append(f"{what}: {_error_text(exc)}")

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
            self.report.errors.append(f"{what}: {_error_text(exc)}")
        finally:
            self.step_deadline = None

    # -- reading pages ------------------------------------------------------------------------------

    def prepare(self, page: Page) -> list[dict]:
        """A page's entries with their identities stamped (from the raw items, before any redaction), its
        drift from the contract counted, and a change of contract caught."""
        if page.flavor is not None and self.flavor is None:
            if page.flavor == FLAVOR_UNIFIED:
                raise _FlavorChanged(page.flavor)  # asked in Late 1.0.1 terms: ask again in unified ones
            self.flavor = self.report.flavor = page.flavor
        elif page.flavor is not None and page.flavor != self.flavor:
            if self.client.flavor_setting == FLAVOR_AUTO:
                raise _FlavorChanged(page.flavor)
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
            since = watermark.at - FROM_MARGIN if watermark.at is not None else None
            return self.client.list_logs(limit=PAGE_LIMIT, skip=skip, since=since, until=self.until)
        return self.client.list_logs(days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=skip)

    def list_attempts(self) -> Watermark:
        watermark = self.state.watermark
        if self.previous_flavor not in (None, self.flavor):
            # Another contract than last pass (e.g. 7 days then 90): backfill what this one keeps.
            watermark = Watermark()
        self.report.full_pass = watermark.at is None
        first_total: list[int | None] = []

        def on_page(walk: _Walk, page: Page) -> None:
            if not first_total:
                first_total.append(page.total)
            total = first_total[0] if watermark.at is None else None
            self.tell("list", len(walk.entries), total, f"page {walk.pages}: {len(walk.entries)} attempts")

        def walk_down_to(mark: Watermark) -> _Walk:
            walk = _walk_from_head(
                lambda skip: self.fetch_attempts(skip, mark),
                mark,
                flush=self.save_listed,
                prepare=self.prepare,
                on_page=on_page,
                check_stop=self.check_stop,
                stop_margin=FROM_MARGIN if self.unified else STOP_MARGIN,
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
        while shifted and rounds < MAX_CATCH_UP_ROUNDS:
            rounds += 1
            last = walk_down_to(covered)
            covered = covered.advanced(last.first_page, self.until if self.unified else None)
            shifted = last.shifted
        if shifted or not last.complete:
            self.listing_complete = False
            return covered  # still moving after the last round: only what is surely complete
        return covered.advanced(last.entries.values(), self.until if self.unified else None)

    # -- pending attempts ---------------------------------------------------------------------------

    def refresh_pending(self) -> None:
        if not self.own_ids(self.store.pending_ids()):
            return
        if self.unified:
            self.refresh_pending_unified()
            return
        still_pending: set[str] = set()
        done = 0
        for page in LateClient.pages(
            lambda skip: self._pending_page(skip), max_pages=self.limits["pending_pages"]
        ):
            self.check_stop()
            items = self.prepare(page)
            still_pending.update(log_id_of(item) for item in items)
            self.save_attempts(items)
        gone = set(self.state.details_gone)
        pending = self.own_ids(self.store.pending_ids())
        settled = [i for i in pending if i not in still_pending and i not in gone]
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
            self.report.pending_refreshed += 1
            self.tell("pending", done, len(settled), f"refreshed {done} of {len(settled)}")
        self.remember_gone(newly_gone)

    def _pending_page(self, skip: int) -> Page:
        self.report.list_requests += 1
        return self.client.list_logs(status="pending", days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=skip)

    def refresh_pending_unified(self) -> None:
        """Unified logs settle in place: one `status=pending` listing says which stored pending ones are
        still pending; each of the others is read again with `from` = `to` = its creation instant (one
        request that adds its outcome). Nothing asks an endpoint today's API does not have.

        The re-read asks `from` = its instant and `to` = a second later (SETTLED_READ_SPAN), never
        `from` == `to`: whether `to` includes its own instant is not in the spec (CONTRACT.md §3), and
        under a half-open reading that range is empty. The few neighbours the second brings are dropped by
        identity."""
        pending = self.own_ids(self.store.pending_ids())
        raws = self.store.raw_attempts(pending)
        times = [t for t in (time_of(raw) for raw in raws.values()) if t is not None]
        if not times:
            return
        since = max(min(times), self.until - timedelta(days=self.retention_days))
        still_pending: set[str] = set()

        def page_of(skip: int) -> Page:
            self.report.list_requests += 1
            return self.client.list_logs(
                status="pending", limit=PAGE_LIMIT, skip=skip, since=since, until=self.until
            )

        for page in LateClient.pages(page_of, max_pages=self.limits["pending_pages"]):
            self.check_stop()
            items = self.prepare(page)
            still_pending.update(log_id_of(item) for item in items)
            self.save_attempts(items)
        settled = [i for i in pending if i not in still_pending and i in raws]
        settled = settled[: self.limits["pending_refresh"]]
        self.tell("pending", 0, len(settled), f"{len(still_pending)} still pending, {len(settled)} settled")
        for done, log_id in enumerate(settled, start=1):
            self.check_stop()
            at = time_of(raws[log_id])
            if at is None:
                continue
            self.report.list_requests += 1
            page = self.client.list_logs(limit=PAGE_LIMIT, since=at, until=at + SETTLED_READ_SPAN)
            items = [item for item in self.prepare(page) if log_id_of(item) == log_id]
            if items:
                self.save_attempts(items)
                self.report.pending_refreshed += 1
            self.tell("pending", done, len(settled), f"refreshed {done} of {len(settled)}")

    def remember_gone(self, log_ids: list[str]) -> None:
        if log_ids:
            gone = (*self.state.details_gone, *log_ids)[-MAX_GONE_IDS:]
            self.update_state(details_gone=gone)
            self.state = dataclasses.replace(self.state, details_gone=gone)

    # -- details of failed attempts (Late 1.0.1: the list omits the raw bodies) ------------------------

    def _fetch_details(self, log_ids: list[str]) -> Iterable[tuple[str, dict | LateError]]:
        """(id, detail or the LateError) for each id, fetched by a few threads; results come back here so
        only this thread writes to the store."""
        if not log_ids:
            return

        def one(log_id: str) -> dict | LateError:
            try:
                return self.client.get_log(late_id_of(log_id, self.source))
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
        frame = self.own_frame(since)
        if frame.empty:
            return []
        failed = frame[frame["status"] == "failed"]
        skip = self.store.detail_ids() | set(self.state.details_gone)
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
        try:
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
        finally:
            self._save_details(batch)
            self.remember_gone(gone)

    def _save_details(self, batch: dict[str, dict]) -> None:
        if batch:
            self.store.put_details(batch)
            self.report.details += len(batch)
            batch.clear()

    # -- post histories -----------------------------------------------------------------------------

    def queue_post_histories(self) -> None:
        """Queue the posts of new failures for their history, only where it adds something.

        A post's history (`GET /v1/posts/{id}/logs`, Late 1.0.1 only) covers the same days as the listing,
        so after a complete listing it holds nothing the store lacks (measured in bench/bench_sync.py: 0
        of ~1,000 requests on a quiet demo store added an attempt). It is asked only when this pass's
        listing could not be completed (still moving after its catch-up rounds): then it fills the gaps.
        """
        posts, self.posts_of_new_failures = self.posts_of_new_failures, []
        if self.unified or self.listing_complete or not posts:
            return
        queue = tuple(dict.fromkeys([*self.state.post_queue, *posts]))
        self.update_state(post_queue=queue)
        self.state = dataclasses.replace(self.state, post_queue=queue)

    def complete_post_histories(self) -> None:
        queue = list(self.state.post_queue)
        batch = [] if self.unified else queue[: self.limits["post_histories"]]
        handled: set[str] = set()
        self.tell("posts", 0, len(batch), f"{len(batch)} posts with new failures")
        if not batch:
            return
        try:
            for done, post_id in enumerate(batch, start=1):
                self.check_stop()
                try:
                    entries = self.client.get_post_logs(post_id, limit=PAGE_LIMIT)
                except (NotFoundError, ForbiddenError, NotInContractError):
                    handled.add(post_id)  # the post is gone or not ours; nothing to complete
                    continue
                except LateError as exc:
                    self.note_problem(f"history of post {post_id}", exc)
                    continue
                # The store merges: a plain `postId` string does not erase the populated object it has.
                stamped, _ = stamp_identities(self.noted(entries))
                self.save_attempts(stamped)
                handled.add(post_id)
                self.report.post_histories += 1
                self.tell("posts", done, len(batch), f"{done} of {len(batch)} post histories")
        finally:
            # Posts not done this pass (bounded, failed or interrupted) wait for the next one.
            left = tuple(p for p in queue if p not in handled)
            self.update_state(post_queue=left)

    # -- connection logs ----------------------------------------------------------------------------

    def list_connection_logs(self) -> None:
        watermark = self.state.connection_watermark

        def fetch(skip: int) -> Page:
            if self.unified:
                since = watermark.at - FROM_MARGIN if watermark.at is not None else None
                return self.client.list_connection_logs(
                    limit=PAGE_LIMIT, skip=skip, since=since, until=self.until
                )
            return self.client.list_connection_logs(days=LOOKBACK_DAYS, limit=PAGE_LIMIT, skip=skip)

        def save(entries: list[dict]) -> None:
            if entries:
                result = self.store.upsert_connection_logs(entries)
                self.report.connection_logs += result.new

        def on_page(walk: _Walk, page: Page) -> None:
            self.tell("connections", len(walk.entries), page.total, f"page {walk.pages} of connection logs")

        def prepare(page: Page) -> list[dict]:
            entries, twins = stamp_identities(self.noted(page.items))
            self.report.twins += twins
            return entries

        walk = _walk_from_head(
            fetch, watermark, flush=save, prepare=prepare, on_page=on_page, check_stop=self.check_stop,
            stop_margin=FROM_MARGIN if self.unified else STOP_MARGIN,
        )
        self.report.twins += walk.twins
        if walk.complete:
            until = self.until if self.unified else None
            moved = watermark.advanced(walk.entries.values(), until)
            self.update_state(connection_watermark=moved)


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
    step_seconds: float = STEP_SECONDS,
    source: str = DEFAULT_SOURCE,
) -> SyncReport:
    """Run one pass for one source (the default one unless named; `client` must be that source's) and
    return what it did.

    Raises StoreLocked when another writer holds the store, and the client's LateError (AuthError,
    UnreachableError, ...) when the attempts list cannot be read; the error is recorded in the store state
    and everything fetched before it stays stored. Optional steps never raise: their errors are in
    `SyncReport.errors`.
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
        run = _Pass(client, store, progress, detail_workers, limits, stop, step_seconds, source)
        run.update_state(last_pass_started_at=_now())
        try:
            head = _list_in_the_right_contract(run)
            # Everything newer than the old watermark is stored now, so the watermark may move.
            run.update_state(watermark=head, flavor=run.flavor)
            run.state = read_state(store, source)
            run.queue_post_histories()
            # Optional steps: one that is unavailable or slow is recorded, and the pass finishes the rest.
            run.optional("pending attempts", run.refresh_pending)
            if limits["details"] > 0 and not run.unified:
                window_start = head.at - timedelta(days=run.retention_days) if head.at else None
                run.optional(
                    "details of failed attempts",
                    lambda: run.fetch_failed_details(run.failed_without_detail(window_start)),
                )
            run.optional("post histories", run.complete_post_histories)
            run.optional("connection logs", run.list_connection_logs)
            if head.at is not None:
                store.prune(now=head.at)
        except BaseException as exc:
            report = _finish(run.report, client, requests_before, limited_before, started)
            if isinstance(exc, (PassInterrupted, KeyboardInterrupt, SystemExit)):
                report.errors.append("the pass was interrupted before it finished")
                run.update_state(last_report=report, **_totals(store, report, source))
            else:
                run.update_state(
                    last_error=_error_text(exc),
                    last_error_at=_now(),
                    last_report=report,
                    **_totals(store, report, source),
                )
            raise
        report = _finish(run.report, client, requests_before, limited_before, started)
        run.update_state(
            last_pass_finished_at=_now(),
            last_report=report,
            last_error=None,
            last_error_at=None,
            **_totals(store, report, source),
        )
    from late_logs import alerts  # imported here: it pulls in the digest and views, which only this needs

    alerts.after_pass(store)  # a background thread, only with LATE_LOGS_ALERT_WEBHOOK set; never raises
    return report


def _list_in_the_right_contract(run: _Pass) -> Watermark:
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
    except _FlavorChanged as changed:
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
    except _FlavorChanged:
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


def fetch_detail(client: LateClient | None, store: LogStore, log_id: str) -> tuple[dict | None, str]:
    """An attempt's detail for the dashboard: the stored copy, else fetched from Late and stored.

    Under today's unified contract the list entry is the whole log (bodies included) and there is no detail
    endpoint: the stored entry is returned with no request and no note. The request is `urgent`: it goes
    ahead of a running collector's paced ones; it is stored under the writer lock, and storing a detail
    changes the store's version (so every session's frames) only when it changes the attempt's row.
    Returns (detail or None, a note for the reader; "" when there is nothing to say); never raises
    LateError. `client` is the one of the attempt's source (`records.split_log_id`).
    """
    stored = store.get_detail(log_id)
    if stored is not None:
        return stored, ""
    raw = store.raw_attempt(log_id)
    source = split_log_id(log_id)[0]
    flavor = read_state(store, source).flavor
    if flavor == FLAVOR_UNIFIED or (client is not None and client.flavor == FLAVOR_UNIFIED):
        if raw is not None:
            return raw, ""
        return None, f"Attempt {log_id} is not in the store."
    if client is None:
        if raw is not None:
            return raw, "The full detail was never fetched; showing the stored list entry."
        return None, f"Attempt {log_id} is not in the store."
    try:
        detail = client.get_log(late_id_of(log_id, source), urgent=True)
    except NotFoundError:
        if raw is not None:
            return raw, note_gone(retention_days_of(flavor))
        return None, f"Attempt {log_id} is not in the store and Late does not have it."
    except NotInContractError:
        return raw, ""
    except LateError as exc:
        note = f"Could not fetch the detail from Late: {_error_text(exc)}"
        return raw, note + (" Showing the stored list entry." if raw is not None else "")
    # The dashboard writes through the single writer, without waiting: while a pass holds the lock (or the
    # folder is read-only) the detail is shown, redacted, and the pass or a later view stores it.
    try:
        with store.writer_lock():
            store.put_detail(log_id, detail)
    except (StoreLocked, StoreError):
        return with_source(redact_value(dict(detail)), source), ""
    kept = store.get_detail(log_id)
    return (kept if kept is not None else with_source(redact_value(dict(detail)), source)), ""


def _typed(state: CollectorState | Mapping[str, Any]) -> CollectorState:
    return state if isinstance(state, CollectorState) else CollectorState.from_state(state)


def contract_line(state: CollectorState | Mapping[str, Any]) -> str:
    """Which contract the store was last collected with, in one line for `status` and the pages."""
    flavor = _typed(state).flavor
    if flavor == FLAVOR_UNIFIED:
        return "contract: today's unified /v1/logs (Zernio), logs kept 90 days by Late"
    if flavor == FLAVOR_LATE:
        return "contract: Late API 1.0.1 (/v1/logs with details and post logs), logs kept 7 days by Late"
    return "contract: not known yet (found out by the first pass)"


def drift_line(state: CollectorState | Mapping[str, Any]) -> str:
    """The last pass's drift from its contract, in one sentence; "" when there was none."""
    report = _typed(state).last_report
    if report is None or not isinstance(report.drift, Mapping) or not report.drift:
        return ""
    try:
        return report.drift_text()
    except (TypeError, ValueError, AttributeError):
        return ""


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
        next_at = _now() + timedelta(seconds=delay)
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
        changes = CollectorState.changes(last_error=_error_text(exc), last_error_at=_now())
        store.update_state(source, **changes)
    except Exception:  # noqa: BLE001
        pass
