"""What the user narrowed the attempts to (`Filters`) and the rows that match it (`apply_filters`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from late_logs import verdicts
from late_logs.analysis.frame import _bools, _in_window, _utc, _window_slice
from late_logs.fingerprint import NO_CODE, UNKNOWN, error_group_keys


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the attempts to; every field empty means everything.

    Usage: `apply_filters(frame, Filters(start=..., end=..., platforms=("instagram",)))`.
    """

    start: datetime | None = None  # aware UTC, inclusive
    end: datetime | None = None  # aware UTC, exclusive
    platforms: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()  # account_id or account_username (with or without "@")
    error_codes: tuple[str, ...] = ()  # NO_CODE matches missing codes
    error_group: str | None = None  # a group key from error_groups()
    who_must_act: tuple[str, ...] = ()  # verdict words (verdicts.WHO_MUST_ACT); only failed rows have one
    retry: tuple[str, ...] = ()  # verdicts.RETRY words
    post_id: str | None = None
    text: str = ""  # a query in the search language of late_logs.search
    sources: tuple[str, ...] = ()  # source labels (config.Source), when several Late workspaces are collected


def _matches(column: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """Rows whose value is one of `wanted`; UNKNOWN matches a missing value, as breakdowns label it."""
    hit = _bools(column.isin([w for w in wanted if w != UNKNOWN]))
    if UNKNOWN in wanted:
        hit |= _bools(column.isna())
    return hit


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows matching every filter, in the frame's order; cheap column masks first, text search last."""
    start, end = _utc(filters.start), _utc(filters.end)
    window = _window_slice(frame, start, end)
    if window is not None:
        frame = frame.iloc[window]
        mask = np.ones(len(frame), dtype=bool)
    else:
        mask = _in_window(frame, start, end)
    if filters.platforms:
        mask &= _matches(frame["platform"], filters.platforms)
    if filters.actions:
        mask &= _matches(frame["action"], filters.actions)
    if filters.statuses:
        mask &= _bools(frame["status"].isin(list(filters.statuses)))
    if filters.post_id:
        mask &= _bools(frame["post_id"] == filters.post_id)
    if filters.sources and "source" in frame.columns:
        mask &= _bools(frame["source"].isin(list(filters.sources)))
    if filters.accounts:
        wanted = [str(a) for a in filters.accounts]
        bare = [a.lstrip("@") for a in wanted]
        by_id = _bools(frame["account_id"].isin(wanted))
        by_name = _bools(frame["account_username"].astype("string").str.lstrip("@").isin(bare))
        mask &= by_id | by_name
    if filters.error_codes:
        codes = frame["error_code"].astype("string")
        by_code = _bools(codes.isin([c for c in filters.error_codes if c != NO_CODE]))
        if NO_CODE in filters.error_codes:
            by_code |= _bools(codes.isna() | (codes.str.strip() == ""))
        mask &= by_code
    # A window slice is already a new (copy-on-write) frame: no need to copy it again when nothing else
    # narrowed it; the caller's own frame is never handed back.
    result = frame if window is not None and mask.all() else frame[mask]
    if filters.error_group:
        # The store's own key when the rows carry it (written with the attempt); else computed, on the
        # already-narrowed rows, which keeps the message normalisation cheap.
        keys = result["error_group"] if "error_group" in result.columns else error_group_keys(result)
        result = result[_bools(keys == filters.error_group)]
    if (filters.who_must_act or filters.retry) and len(result):
        # The store's verdicts when the rows carry them (written with the attempt, raw body read); else
        # computed once per distinct failure of the narrowed rows from the flat fields.
        stored = {"who_must_act", "retry"} <= set(result.columns)
        found = result[["who_must_act", "retry"]] if stored else verdicts.frame_verdicts(result)
        keep = np.ones(len(result), dtype=bool)
        if filters.who_must_act:
            keep &= _bools(found["who_must_act"].isin(list(filters.who_must_act)))
        if filters.retry:
            keep &= _bools(found["retry"].isin(list(filters.retry)))
        result = result[keep]
    if filters.text.strip() and len(result):
        # The search language builds on this module's error group keys, hence the import here, not at the top.
        from late_logs import search

        result = search.search(result, filters.text)
    return result
