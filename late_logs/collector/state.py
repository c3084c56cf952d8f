"""What the collector remembers and reports, typed: `CollectorState` (kept in the store, one per source), its
`Watermark`s, a pass's `SyncReport` and `Progress`, and the one-line readings of them (`contract_line`,
`drift_line`) that `status` and the pages show.

`CollectorState` is the one place the stored state's keys are spelled (tests/test_layers.py checks it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from late_logs.collector import limits
from late_logs.records import (
    DEFAULT_SOURCE,
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    log_id_of,
    parse_time,
    suspicious_time,
    time_of,
)
from late_logs.store import LogStore


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def trusted_created(entry: Mapping[str, Any]) -> datetime | None:
    """An entry's creation time (either contract's field), None when missing or not to be trusted."""
    created = time_of(entry)
    # A 1970 or far-future time (kept as received by the store) must neither end a walk nor move the
    # watermark: only the wall clock judges it.
    if created is None or suspicious_time(created, utc_now()):
        return None
    return created


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
        if kind not in self.drift and len(self.drift) >= limits.MAX_DRIFT_KINDS:
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
            created = trusted_created(entry)
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
        # Left in the future by an older late-logs: start over.
        if suspicious_time(value.get("at"), utc_now()):
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
