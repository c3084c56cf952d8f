"""The Error groups page's view model (`/groups`): the triage ledger for the sidebar's window, and the
reviewer's name kept in the browser session.

The store-wide pieces (each group's failure runs and verdict over every stored attempt) are computed once
per store version in SQL over the store's files (`late_logs.group_history`, `late_logs.queries`), never from
the whole store in pandas; so are each group's 7-day trend and its usual (its failures in the same hours of
the 7 days before the window). The ledger itself (notes, mutes) is read on every run, so an acknowledgement
shows at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from late_logs import analysis, baselines, digest, group_history, ledger, queries
from late_logs.store import StoreError
from late_logs.ui import nav

REVIEWER_KEY = "reviewer_name"  # the name typed once, kept for the session (not a widget key: pages switch)
MUTE_CHOICES = {"1 hour": timedelta(hours=1), "4 hours": timedelta(hours=4), "1 day": timedelta(days=1),
                "7 days": timedelta(days=7)}  # fmt: skip
STATE_LABELS = {
    "new": "🆕 new",
    "regressed": "↩ regressed",
    "ongoing": "ongoing",
    "resolved": "✓ resolved",
}


# What the ledger functions get for the history they need not read when its summaries are passed in.
NO_HISTORY = queries.empty_attempts()


@st.cache_resource(max_entries=4, show_spinner=False)
def _runs_at(cache_dir: str, version: int, resolve_hours: float, _files: tuple[str, ...]) -> dict:
    return group_history.failure_runs(_files, resolve_hours)


@st.cache_resource(max_entries=4, show_spinner=False)
def _all_groups_at(cache_dir: str, version: int, _files: tuple[str, ...]) -> pd.DataFrame:
    return queries.error_groups(_files, analysis.Filters())


def failure_runs(ctx) -> dict:
    """group_history.failure_runs of the whole store, cached per store version: all the Overview's group
    states need (the whole store's error groups beside them were 0.5 s more of its first run at 10M)."""
    files = tuple(ctx.files())
    return _runs_at(str(ctx.settings.cache_dir), ctx.version, ctx.settings.resolve_hours, files)


def store_wide(ctx) -> tuple[dict, pd.DataFrame]:
    """failure_runs and error_groups of the whole store, each cached per store version."""
    return failure_runs(ctx), _all_groups_at(str(ctx.settings.cache_dir), ctx.version, tuple(ctx.files()))


@st.cache_resource(max_entries=8, show_spinner=False)
def _trends_at(cache_dir: str, version: int, minute: str, _files: tuple[str, ...], _now: datetime) -> dict:
    return group_history.trends(_files, _now)


def trends(ctx, now: datetime) -> dict:
    """Each group's failures per day over the 7 days before now, cached per version and minute."""
    files = tuple(ctx.files(since=now - timedelta(days=ledger.TREND_DAYS), until=now))
    return _trends_at(str(ctx.settings.cache_dir), ctx.version, now.strftime("%Y%m%d%H%M"), files, now)


@st.cache_resource(max_entries=8, show_spinner=False)
def _usuals_at(
    cache_dir: str, version: int, start: str, end: str, flt: analysis.Filters, _ctx
) -> tuple[dict, int]:
    return digest.group_usuals(_ctx.store, pd.Timestamp(start), pd.Timestamp(end), flt)


def usuals(ctx, start: datetime, end: datetime, flt: analysis.Filters) -> tuple[dict, int]:
    """Each group's failures over the baseline windows of [start, end) among the rows the sidebar's
    filter keeps (as the window's count is), and how many windows there are."""
    span = pd.Timestamp(start).floor("min"), pd.Timestamp(end).floor("min")
    kept = replace(flt, start=None, end=None)  # the window is the key's start and end
    key = (str(ctx.settings.cache_dir), ctx.version, span[0].isoformat(), span[1].isoformat(), kept)
    return _usuals_at(*key, ctx)


@st.cache_resource(max_entries=8, show_spinner=False)
def _refreshed_at(cache_dir: str, version: int, minute: str, _ctx, _start: datetime, _now: datetime) -> bool:
    runs, all_groups = store_wide(_ctx)
    try:
        hours = _ctx.settings.resolve_hours
        ledger.refresh(_ctx.store, NO_HISTORY, _start, _now, hours, runs=runs, all_groups=all_groups)
    except StoreError:
        return False  # a read-only store: the states are still computed, only not remembered
    return True


def remember(ctx, now: datetime) -> None:
    """Write the groups' first/last seen and state into the ledger, at most once per version and minute.

    Judged over the last 24 h whatever the sidebar's window, as the alerts judge: a reviewer widening the
    window must not write "ongoing" into the audit trail of a group that is new today."""
    start = ledger.review_start(now)
    _refreshed_at(str(ctx.settings.cache_dir), ctx.version, now.strftime("%Y%m%d%H%M"), ctx, start, now)


@st.cache_resource(max_entries=8, show_spinner=False)
def _in_window_at(cache_dir: str, version: int, flt: analysis.Filters, _files: tuple[str, ...]) -> dict:
    return queries.group_counts(_files, flt)


def table(ctx, flt: analysis.Filters, now: datetime) -> pd.DataFrame:
    """The ledger table (ledger.LEDGER_COLUMNS) plus a state label, the group against its usual
    (`usual`: "4.0× usual (usually 2.5)", or "no baseline yet") and an Explorer link per group, for the
    sidebar's filter (its window's failures per group counted in SQL)."""
    start = flt.start or now - timedelta(hours=24)
    end = min(pd.Timestamp(flt.end or now), pd.Timestamp(now))
    runs, all_groups = store_wide(ctx)
    files = tuple(ctx.files(since=flt.start, until=flt.end))
    in_window = _in_window_at(str(ctx.settings.cache_dir), ctx.version, flt, files)
    rows = ledger.ledger_table(
        NO_HISTORY,
        NO_HISTORY,
        ctx.store.ledger(),
        start,
        now,
        ctx.settings.resolve_hours,
        runs=runs,
        all_groups=all_groups,
        in_window=in_window,
        trends=trends(ctx, now),
    )
    rows["state_label"] = rows["state"].map(STATE_LABELS).fillna(rows["state"])
    usual, windows = usuals(ctx, start, end, flt)
    rows["usual"] = [
        baselines.group_usual(count, usual.get(group, 0), windows).text
        for group, count in zip(rows["group"], rows["count"], strict=True)
    ]
    rows["link"] = [nav.explorer_href({"error_group": g, "status": "failed"}) for g in rows["group"]]
    return rows


def with_states(groups: pd.DataFrame, ctx, start: datetime | None, now: datetime) -> pd.DataFrame:
    """The Overview's error groups with their ledger state, new and regressed first (then as they were)."""
    if groups.empty:
        return groups.assign(state=pd.Series(dtype="string"))
    start = start or now - timedelta(hours=24)
    runs = failure_runs(ctx)
    found = ledger.states(NO_HISTORY, ctx.store.ledger(), start, now, ctx.settings.resolve_hours, runs)
    state = groups["group"].map(lambda g: found.get(g, ("ongoing",))[0])
    rank = state.map(lambda s: 0 if s in ("new", "regressed") else 1)
    ordered = groups.assign(state=state.map(STATE_LABELS).fillna(state), _rank=rank)
    return ordered.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def counts_line(rows: pd.DataFrame) -> str:
    """ "2 new · 1 regressed · 5 ongoing · 9 resolved" (muted groups counted apart)."""
    live = rows[~rows["muted"]] if len(rows) else rows
    parts = [f"**{int((live['state'] == s).sum()):,}** {s}" for s in ledger.STATES]
    muted = int(rows["muted"].sum()) if len(rows) else 0
    return " · ".join(parts) + (f" · **{muted:,}** muted" if muted else "")


def reviewer() -> str:
    return str(st.session_state.get(REVIEWER_KEY) or "")


def option_label(row: dict[str, Any]) -> str:
    return f"{row['platform']} · {row['error_code']} · {str(row['message'])[:80]}"


@st.cache_resource(max_entries=8, show_spinner=False)
def _digest_at(cache_dir: str, version: int, start: str, end: str, _ctx) -> str:
    since, until = pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime()
    runs, all_groups = store_wide(_ctx)
    # The digest reads the window's attempts only: the groups' states come from the store-wide summaries.
    window = _ctx.window_frame(since, until)
    built = digest.build(
        _ctx.store,
        window,
        since,
        until,
        _ctx.settings.public_url,
        _ctx.settings.resolve_hours,
        runs=runs,
        all_groups=all_groups,
        trends=trends(_ctx, until),
    )
    return digest.render(built, "markdown")


def digest_markdown(ctx, start: datetime | None, end: datetime | None, now: datetime) -> str:
    """The Overview's digest section: the same Markdown as `python -m late_logs digest`, for the last 24 h
    of the window (the whole window when shorter)."""
    end_at = min(pd.Timestamp(end or now), pd.Timestamp(now)).floor("min")
    # A daily digest: the last 24 h of the window at most. A 90-day window's every attempt read into pandas
    # for it held 1.6 GB of the server (peak 4.8 GB) at a million stored attempts.
    day_before = end_at - pd.Timedelta(hours=24)
    start_at = max(pd.Timestamp(start), day_before) if start is not None else day_before
    return _digest_at(str(ctx.settings.cache_dir), ctx.version, start_at.isoformat(), end_at.isoformat(), ctx)
