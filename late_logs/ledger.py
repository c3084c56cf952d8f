"""The triage ledger of error groups: which problems are new, ongoing, regressed or resolved, and what a
person decided about them (acknowledged with a note, muted until a time), with an audit trail.

The computed state comes from a group's failure runs over the whole store (its failures cut wherever
`resolve_hours` passed without one) plus the ledger's memory of the group (its first and last failure), so a
group keeps its history after Late's retention and the store's prune have dropped the attempts themselves.
The runs and the 7-day trends may come from pandas over a frame (`failure_runs`, `trends_of`) or from SQL
over the store's files (late_logs.group_history); the states below need nothing else:

- `resolved`: no failure for `resolve_hours` (LATE_LOGS_RESOLVE_HOURS, default 24);
- `regressed`: failing again after such a quiet spell, the new run having begun inside the review window;
- `new`: its first failure ever is inside the review window;
- `ongoing`: anything else still failing.

The ledger lives in the store (LogStore.update_ledger, one locked transaction, no version bump) as
{"groups": {key: memory and human state}, "audit": [state changes, oldest first]}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.records import parse_time

STATES = ("new", "regressed", "ongoing", "resolved")  # the review's order: what is new first
DEFAULT_RESOLVE_HOURS = 24
MAX_AUDIT = 5_000  # the trail keeps the newest entries; a year of daily reviews fits many times over
MAX_NOTE = 2_000
SYSTEM = "late-logs"  # who made a computed change
LEDGER_COLUMNS = [
    "state",
    "human",
    "platform",
    "error_code",
    "message",
    "count",
    "total",
    "trend",
    "first_seen",
    "last_seen",
    "kind",
    "hint",
    "group",
    "muted",
]


@dataclass(frozen=True)
class Transition:
    """A group's computed state changed: what alerts and the audit trail are made of."""

    group: str
    before: str | None
    after: str
    at: datetime


def _iso(moment: Any) -> str | None:
    stamp = _time(moment)
    return stamp.isoformat() if stamp is not None else None


def _time(value: Any) -> pd.Timestamp | None:
    moment = parse_time(value) if not isinstance(value, (datetime, pd.Timestamp)) else value
    if moment is None or pd.isna(moment):
        return None
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def failure_times(history: pd.DataFrame) -> dict[str, list[pd.Timestamp]]:
    """Each error group's failure times over `history` (the whole store), oldest first."""
    if history.empty:
        return {}
    keys = analysis.error_group_keys(history)
    failed = keys.notna() & history["created_at"].notna()
    stamps = pd.DataFrame({"group": keys[failed], "created_at": history["created_at"][failed]})
    return {
        str(group): sorted(pd.Timestamp(t) for t in times)
        for group, times in stamps.groupby("group", sort=False)["created_at"]
    }


# A run of failures: the first and the last, with no quiet spell of resolve_hours between any two of them.
Run = tuple[pd.Timestamp, pd.Timestamp]
TREND_DAYS = 7


def runs_of(times: Sequence[pd.Timestamp], resolve_hours: float) -> tuple[Run, ...]:
    """Sorted failure times cut into runs wherever `resolve_hours` passed without a failure, oldest first."""
    quiet = pd.Timedelta(hours=resolve_hours)
    runs: list[Run] = []
    for moment in times:
        if runs and moment - runs[-1][1] < quiet:
            runs[-1] = (runs[-1][0], max(runs[-1][1], moment))
        else:
            runs.append((moment, moment))
    return tuple(runs)


def failure_runs(history: pd.DataFrame, resolve_hours: float) -> dict[str, tuple[Run, ...]]:
    """Each error group's failure runs over `history` (pandas; group_history.failure_runs is the SQL)."""
    return {group: runs_of(times, resolve_hours) for group, times in failure_times(history).items()}


def trends_of(history: pd.DataFrame, now: datetime, days: int = TREND_DAYS) -> dict[str, list[int]]:
    """Each error group's failures per day over the last `days` days before `now`, oldest first."""
    return {group: _trend(times, now, days) for group, times in failure_times(history).items()}


def _merged(runs: Sequence[Run], points: Sequence[pd.Timestamp], quiet: pd.Timedelta) -> tuple[Run, ...]:
    """The runs with single failures added (the ledger's memory), joined where less than `quiet` apart:
    the runs the failure times and the points would have made together."""
    spans = sorted([*runs, *((p, p) for p in points)])
    joined: list[Run] = []
    for first, last in spans:
        if joined and first - joined[-1][1] < quiet:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return tuple(joined)


def state_of_runs(runs: Sequence[Run], window_start: datetime, now: datetime, resolve_hours: float) -> str:
    """The state of a group whose failures make `runs` (oldest first, memory included)."""
    if not runs:
        return "resolved"
    now_at, start_at = _time(now), _time(window_start)
    if now_at - runs[-1][1] >= pd.Timedelta(hours=resolve_hours):
        return "resolved"
    if len(runs) > 1 and runs[-1][0] >= start_at:
        return "regressed"  # the current run began in the window, after a quiet spell
    if runs[0][0] >= start_at:
        return "new"
    return "ongoing"


def _memory_points(memory: Mapping[str, Any]) -> list[pd.Timestamp]:
    """The ledger's memory of the first and last failure (kept past prune)."""
    return [t for t in (_time(memory.get("first_seen")), _time(memory.get("last_seen"))) if t is not None]


def states(
    history: pd.DataFrame,
    ledger: Mapping[str, Any],
    window_start: datetime,
    now: datetime,
    resolve_hours: float = DEFAULT_RESOLVE_HOURS,
    runs: Mapping[str, Sequence[Run]] | None = None,
) -> dict[str, tuple[str, tuple[Run, ...]]]:
    """Every known group (stored failures or ledger memory): its computed state and failure runs (the
    memory included).

    `runs`: failure_runs(history) when the caller has it already (from SQL, cached per store version);
    then `history` is not read."""
    memory = ledger.get("groups", {})
    runs = failure_runs(history, resolve_hours) if runs is None else runs
    quiet = pd.Timedelta(hours=resolve_hours)
    result = {}
    for group in {*runs, *memory}:
        known = _merged(runs.get(group, ()), _memory_points(memory.get(group, {})), quiet)
        if known:  # a note on a group with no failure known (a damaged or hand-made entry) has no state
            result[group] = (state_of_runs(known, window_start, now, resolve_hours), known)
    return result


def _copy_ledger(ledger: Mapping[str, Any]) -> dict[str, Any]:
    # Other keys (the alerts' delivered keys) are kept as they are.
    return {**ledger, "groups": dict(ledger.get("groups", {})), "audit": list(ledger.get("audit", []))}


def _audit(ledger: dict[str, Any], entry: dict[str, Any]) -> None:
    ledger["audit"].append(entry)
    del ledger["audit"][:-MAX_AUDIT]


def refresh(
    store,
    history: pd.DataFrame,
    window_start: datetime,
    now: datetime,
    resolve_hours: float = DEFAULT_RESOLVE_HOURS,
    runs: Mapping[str, Sequence[Run]] | None = None,
    all_groups: pd.DataFrame | None = None,
) -> list[Transition]:
    """Remember every group's first/last failure and computed state in the ledger; return the changes.

    Writes only when something changed, so a page that calls it on every run costs one read. The changes
    land in the audit trail (by "late-logs"); alerts are made of them. `runs` and `all_groups`
    (failure_runs and analysis.error_groups of `history`, e.g. from late_logs.group_history) may be passed
    in when known; then `history` is not read.
    """
    found = states(history, store.ledger(), window_start, now, resolve_hours, runs)
    identities = _identities(history, all_groups)
    _, changes, touched = _remember(store.ledger(), found, identities, now)
    if not touched:
        return []
    result: list[list[Transition]] = []

    def change(current: dict) -> dict:
        ledger, made, _ = _remember(current, found, identities, now)
        result[:] = [made]
        return ledger

    store.update_ledger(change)
    return result[0] if result else changes


def _remember(
    current: Mapping[str, Any],
    found: Mapping[str, tuple[str, tuple[Run, ...]]],
    identities: Mapping[str, dict[str, str]],
    now: datetime,
) -> tuple[dict[str, Any], list[Transition], bool]:
    """The ledger with `found` remembered, the state changes, and whether anything changed at all."""
    ledger = _copy_ledger(current)
    changes: list[Transition] = []
    touched = False
    for group, (state, runs) in found.items():
        memory = dict(ledger["groups"].get(group, {}))
        before = memory.get("state")
        update = {"state": state, "first_seen": _iso(runs[0][0]), "last_seen": _iso(runs[-1][1])}
        update.update(identities.get(group, {}))
        if all(memory.get(k) == v for k, v in update.items()):
            continue
        touched = True
        memory.update(update)
        ledger["groups"][group] = memory
        if before != state:
            changes.append(Transition(group, before, state, _time(now).to_pydatetime()))
            _audit(ledger, {"at": _iso(now), "by": SYSTEM, "group": group, "change": state, "before": before})
    return ledger, changes, touched


def _identities(history: pd.DataFrame, groups: pd.DataFrame | None = None) -> dict[str, dict[str, str]]:
    """platform, code and normalised message of each group, kept so a pruned group still has a name."""
    if groups is None:
        groups = analysis.error_groups(history) if len(history) else pd.DataFrame()
    return {
        str(row.group): {
            "platform": str(row.platform),
            "error_code": str(row.error_code),
            "message": str(row.message),
        }
        for row in groups.itertuples(index=False)
    }


def _clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())[:80]
    if not text:
        raise ValueError("type your name first: the ledger says who acknowledged or muted a group.")
    return text


def _human_change(store, group: str, by: str, now: datetime, field: str, value: dict | None, entry: dict):
    by = _clean_name(by)

    def change(current: dict) -> dict:
        ledger = _copy_ledger(current)
        memory = dict(ledger["groups"].get(group, {}))
        if value is None:
            memory.pop(field, None)
        else:
            memory[field] = {**value, "by": by, "at": _iso(now)}
        ledger["groups"][group] = memory
        _audit(ledger, {"at": _iso(now), "by": by, "group": group, **entry})
        return ledger

    return store.update_ledger(change)


def acknowledge(store, group: str, by: str, note: str, now: datetime) -> dict:
    """Mark a group acknowledged by `by` with a note (who and when are kept, and an audit entry)."""
    note = str(note or "").strip()[:MAX_NOTE]
    return _human_change(
        store, group, by, now, "ack", {"note": note}, {"change": "acknowledged", "note": note}
    )


def unacknowledge(store, group: str, by: str, now: datetime) -> dict:
    return _human_change(store, group, by, now, "ack", None, {"change": "acknowledgement removed"})


def mute(store, group: str, by: str, until: datetime, now: datetime) -> dict:
    """Mute a group until a time: it sinks to the bottom of the list and raises no alert until then."""
    return _human_change(
        store,
        group,
        by,
        now,
        "mute",
        {"until": _iso(until)},
        {"change": "muted", "until": _iso(until)},
    )


def unmute(store, group: str, by: str, now: datetime) -> dict:
    return _human_change(store, group, by, now, "mute", None, {"change": "unmuted"})


def muted_until(memory: Mapping[str, Any], now: datetime) -> pd.Timestamp | None:
    """The end of a mute still in force, else None."""
    mute_state = memory.get("mute") if isinstance(memory.get("mute"), Mapping) else None
    until = _time(mute_state.get("until")) if mute_state else None
    return until if until is not None and until > _time(now) else None


def human_text(memory: Mapping[str, Any], now: datetime) -> str:
    """The human state as one line: "acknowledged by ann 09:12: waiting for Meta · muted until 18:00"."""
    parts = []
    ack = memory.get("ack") if isinstance(memory.get("ack"), Mapping) else None
    if ack:
        at = _time(ack.get("at"))
        when = at.strftime("%Y-%m-%d %H:%M") if at is not None else "?"
        note = f": {ack['note']}" if ack.get("note") else ""
        parts.append(f"acknowledged by {ack.get('by')} {when}{note}")
    until = muted_until(memory, now)
    if until is not None:
        parts.append(f"muted by {memory['mute'].get('by')} until {until.strftime('%Y-%m-%d %H:%M')}")
    return " · ".join(parts)


def _trend(times: Sequence[pd.Timestamp], now: datetime, days: int = TREND_DAYS) -> list[int]:
    """Failures per day over the last `days` days, oldest first: the sparkline."""
    end = _time(now)
    counts = [0] * days
    for moment in times:
        age = (end - moment) / pd.Timedelta(days=1)
        if 0 <= age < days:
            counts[days - 1 - int(age)] += 1
    return counts


def _with_memory(
    trend: Sequence[int] | None, stored: Sequence[Run], memory: Mapping[str, Any], now: datetime
) -> list[int]:
    """The stored failures' trend plus a remembered failure the store no longer holds (outside the stored
    runs: pruned), so the sparkline of a pruned group is not blank."""
    counts = list(trend) if trend is not None else [0] * TREND_DAYS
    first, last = (stored[0][0], stored[-1][1]) if stored else (None, None)
    extra = [t for t in _memory_points(memory) if first is None or t < first or t > last]
    for day, count in enumerate(_trend(sorted(set(extra)), now, len(counts))):
        counts[day] += count
    return counts


def ledger_table(
    history: pd.DataFrame,
    window: pd.DataFrame,
    ledger: Mapping[str, Any],
    window_start: datetime,
    now: datetime,
    resolve_hours: float = DEFAULT_RESOLVE_HOURS,
    runs: Mapping[str, Sequence[Run]] | None = None,
    all_groups: pd.DataFrame | None = None,
    in_window: Mapping[str, int] | None = None,
    trends: Mapping[str, Sequence[int]] | None = None,
) -> pd.DataFrame:
    """One row per known group (LEDGER_COLUMNS): new and regressed first, muted ones last.

    `count` is the failures in the review window, `total` over the store; first/last seen include the
    ledger's memory; kind and hint are the group's verdict. `runs`, `all_groups` and `trends` (failure_runs,
    analysis.error_groups and trends_of of `history`) and `in_window` (failures per group of `window`) may be
    passed in when known (late_logs.group_history tells them in SQL); then `history` (and `window`) are not
    read.
    """
    runs = failure_runs(history, resolve_hours) if runs is None else runs
    trends = trends_of(history, now) if trends is None else trends
    found = states(history, ledger, window_start, now, resolve_hours, runs)
    memory = ledger.get("groups", {})
    if all_groups is None:
        all_groups = analysis.error_groups(history) if len(history) else pd.DataFrame(columns=["group"])
    by_group = {str(row["group"]): row for row in all_groups.to_dict("records")}
    if in_window is None:
        keys = analysis.error_group_keys(window) if len(window) else pd.Series(dtype="string")
        in_window = {str(k): int(n) for k, n in keys.value_counts().items()}
    rows = []
    for group, (state, known) in found.items():
        info = by_group.get(group, {})
        kept = memory.get(group, {})
        who = info.get("who_must_act")
        rows.append(
            {
                "state": state,
                "human": human_text(kept, now),
                "platform": info.get("platform") or kept.get("platform") or analysis.UNKNOWN,
                "error_code": info.get("error_code") or kept.get("error_code") or analysis.NO_CODE,
                "message": info.get("message") or kept.get("message") or analysis.NO_MESSAGE,
                "count": int(in_window.get(group, 0)),
                "total": int(info.get("count") or 0),
                "trend": _with_memory(trends.get(group), runs.get(group, ()), kept, now),
                "first_seen": known[0][0],
                "last_seen": known[-1][1],
                "kind": (f"{verdicts.WHO_LABELS.get(who, who)} · retry: {info.get('retry')}" if who else ""),
                "hint": info.get("hint") or "",
                "group": group,
                "muted": muted_until(kept, now) is not None,
            }
        )
    table = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    if table.empty:
        return table
    table["rank"] = table["state"].map(STATES.index)
    table = table.sort_values(
        ["muted", "rank", "last_seen"], ascending=[True, True, False], kind="stable"
    ).drop(columns="rank")
    return table.reset_index(drop=True)


def audit_trail(ledger: Mapping[str, Any], group: str | None = None) -> pd.DataFrame:
    """The audit trail, newest first, of one group or of all."""
    entries = [e for e in ledger.get("audit", []) if group is None or e.get("group") == group]
    frame = pd.DataFrame(entries, columns=["at", "by", "group", "change", "before", "note", "until"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True, errors="coerce")
    return frame.iloc[::-1].reset_index(drop=True)


def review_start(now: datetime, hours: float = 24) -> datetime:
    """The default review window's start: the last 24 h."""
    return now.astimezone(timezone.utc) - timedelta(hours=hours)
