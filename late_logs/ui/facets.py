"""Facet counts: how many attempts of the current time window have each platform, action, status, account
and error code, shown beside the filter options ("instagram (1,204)") so a choice is made knowing its size.

Counted over the window only, not the other filters, so an option's number does not change while it is
being picked; cached per store version and window.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from late_logs import analysis, queries
from late_logs.ui import data

# Filter parameter → the column it counts (the account filter lists usernames).
FACET_COLUMNS = {
    "platform": "platform",
    "action": "action",
    "status": "status",
    "account": "account_username",
    "error_code": "error_code",
    "source": "source",
}
# What a missing value is listed as, per column (the filters' own spelling of "missing").
MISSING_LABELS = {"error_code": analysis.NO_CODE, "platform": analysis.UNKNOWN, "action": analysis.UNKNOWN}

Counts = Callable[[str], Mapping[str, int]]
# A facet count a browser sent back as part of the value: `instagram (1,204)`.
_COUNT_SUFFIX = re.compile(r" \(\d[\d,]*\)$")


def value_counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    """Attempts per value of a column; missing (and blank) values under the filter's own missing label."""
    if column not in frame.columns or not len(frame):
        return {}
    counts: dict[str, int] = {}
    missing = 0
    # Counted on the raw values first: the distinct values are few, so blanks are folded in afterwards.
    for value, count in frame[column].value_counts(dropna=False).items():
        if value is None or pd.isna(value) or not str(value).strip():
            missing += int(count)
        else:
            counts[str(value)] = counts.get(str(value), 0) + int(count)
    label = MISSING_LABELS.get(column)
    if label is not None and missing:
        counts[label] = counts.get(label, 0) + missing
    return counts

def window_counts(
    frame: pd.DataFrame, start: datetime | None, end: datetime | None
) -> dict[str, dict[str, int]]:
    """Counts of every facet column over the attempts in [start, end)."""
    window = analysis.apply_filters(frame, analysis.Filters(start=start, end=end))
    return {column: value_counts(window, column) for column in FACET_COLUMNS.values()}


def option_label(value: str, counts: Mapping[str, int]) -> str:
    """`instagram (1,204)`; an option with nothing in the window reads `(0)`."""
    return f"{value} ({counts.get(value, 0):,})"


@st.cache_resource(max_entries=8, show_spinner=False)
def _counts_at(
    cache_dir: str, version: int, start: datetime | None, end: datetime | None, _files: tuple[str, ...]
) -> dict[str, dict[str, int]]:
    return queries.facet_counts(_files, start, end, FACET_COLUMNS.values(), MISSING_LABELS)


def counter(ctx: data.AppContext, flt: analysis.Filters) -> Counts:
    """`counts(param)` for the filter widgets: the window's attempts per option of that parameter, counted
    inside one scan of the window's files (`queries.facet_counts`, equal to `window_counts`)."""
    files = tuple(ctx.files(since=flt.start, until=flt.end))
    counted = _counts_at(str(ctx.settings.cache_dir), ctx.version, flt.start, flt.end, files)

    def counts(param: str) -> Mapping[str, int]:
        return counted.get(FACET_COLUMNS.get(param, ""), {})

    return counts


def labeller(param: str, counts: Counts | None) -> Callable[[str], str]:
    """A multiselect's format_func: the option with its count beside it (`instagram (1,204)`), or bare."""
    if counts is None:
        return str
    counted = counts(param)
    return lambda value: option_label(value, counted)


def without_counts(values: Sequence[str]) -> list[str]:
    """The values with any facet count taken off. The browser speaks in option labels: when the counts
    change (another window) before its next message, it names the old label, which matches no option."""
    return list(dict.fromkeys(_COUNT_SUFFIX.sub("", str(v)) for v in values))
