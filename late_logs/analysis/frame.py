"""The attempts frame as the analysis reads it: UTC stamps, boolean masks, time windows, narrow copies of
the rows an aggregation needs, and empty results of a schema.

Every part of `late_logs.analysis` picks its rows through these, because the dashboard runs them on up to a
million rows on every rerun: a mask or a slice, never a Python loop over rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import numpy as np
import pandas as pd

SETTLED_STATUSES = ("success", "failed")  # pending and skipped attempts say nothing about failure rates
TIME_UNIT = "datetime64[ns, UTC]"
# The columns the summaries read (filters, KPIs, matrix, time series, error groups, account health): a
# narrow copy of the frame with these is much cheaper to filter than one with the long text columns.
SUMMARY_COLUMNS = (
    "log_id",
    "created_at",
    "platform",
    "action",
    "status",
    "account_id",
    "account_username",
    "post_id",
    "status_code",
    "error_code",
    "error_message",
)


def _utc(value: datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """A UTC Timestamp; naive input is taken to be UTC already (the whole product speaks UTC)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC")


def _bools(values: Any) -> np.ndarray:
    """A plain numpy bool array from a (possibly nullable) boolean result; missing counts as False."""
    if isinstance(values, np.ndarray) and values.dtype == bool:
        array = values
    else:
        array = pd.Series(values).to_numpy(dtype=bool, na_value=False)
    # Arrow-backed results can come back as read-only views; callers combine masks in place.
    return array if array.flags.writeable else array.copy()


def _is_status(frame: pd.DataFrame, statuses: Iterable[str]) -> np.ndarray:
    return _bools(frame["status"].isin(list(statuses)))


def _account_keys(frame: pd.DataFrame) -> pd.Series:
    """One identity per account: its id, or its username when Late gave no id."""
    return frame["account_id"].astype("string").fillna(frame["account_username"].astype("string"))


def _rows(frame: pd.DataFrame, mask: np.ndarray, columns: Iterable[str]) -> pd.DataFrame:
    """Only the columns an aggregation needs, of the masked rows: taking all 23 columns of a million rows
    costs more than the aggregation itself."""
    narrow = frame[[c for c in columns if c in frame.columns]]
    return narrow if mask.all() else narrow[mask]


def _in_window(frame: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> np.ndarray:
    created = frame["created_at"]
    mask = np.ones(len(frame), dtype=bool)
    if start is not None:
        mask &= _bools(created >= start)
    if end is not None:
        mask &= _bools(created < end)
    return mask


def _window_slice(frame: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> slice | None:
    """The positions of the rows in [start, end) when created_at is sorted newest first without gaps (as the
    store gives it), found by binary search; None when it is not, and a mask must scan every row.

    A slice of a million rows is a view, where a boolean mask copies every column of the kept rows.
    """
    if start is None and end is None:
        return None
    created = frame["created_at"]
    if not isinstance(created.dtype, pd.DatetimeTZDtype) or created.hasnans:
        return None
    if not created.is_monotonic_decreasing:
        return None
    ascending = created.array[::-1]  # a view; searchsorted wants ascending values
    count = len(ascending)
    # Rows before `end` (and before `start`) are the first positions of the ascending view.
    before_end = count if end is None else int(ascending.searchsorted(end, side="left"))
    before_start = 0 if start is None else int(ascending.searchsorted(start, side="left"))
    # Ascending positions [before_start, before_end) are newest-first positions [count - before_end, ...).
    return slice(count - before_end, max(count - before_start, count - before_end))


def _empty(columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "string")) for c in columns})


def _text_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)
