"""The headline numbers of a window (attempts, failures, failure rate, posts and accounts hit) against the
window of equal length just before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from late_logs.analysis.frame import SETTLED_STATUSES, _account_keys, _in_window, _is_status, _rows, _utc
from late_logs.analysis.rates import failure_rate


@dataclass
class Kpi:
    """One headline number of a window and the same number for the window of equal length just before it."""

    name: str
    value: float
    previous: float
    delta: float  # value - previous (NaN when either is NaN)
    unit: str  # "count" or "rate" (a fraction 0..1)
    key: str = ""  # stable identifier: attempts, failures, failure_rate, posts_affected, accounts_affected


def _window_numbers(frame: pd.DataFrame) -> dict[str, float]:
    failed = _is_status(frame, ["failed"])
    settled = int(_is_status(frame, SETTLED_STATUSES).sum())
    failures = int(failed.sum())
    failed_rows = frame[failed]
    return {
        "attempts": len(frame),
        "failures": failures,
        "failure_rate": failure_rate(failures, settled),
        "posts_affected": int(failed_rows["post_id"].nunique(dropna=True)),
        "accounts_affected": int(_account_keys(failed_rows).nunique(dropna=True)),
    }


KPI_LABELS = (
    ("attempts", "Attempts", "count"),
    ("failures", "Failures", "count"),
    ("failure_rate", "Failure rate", "rate"),
    ("posts_affected", "Posts affected", "count"),
    ("accounts_affected", "Accounts affected", "count"),
)


def kpi_numbers(frame: pd.DataFrame) -> dict[str, float]:
    """The KPIs of the rows of one window (any window, e.g. one of its baselines), plus its settled count."""
    numbers = _window_numbers(frame)
    numbers["settled"] = int(_is_status(frame, SETTLED_STATUSES).sum())
    return numbers


def window_kpis(frame: pd.DataFrame, start: datetime, end: datetime) -> list[Kpi]:
    """Attempts, failures, failure rate, posts and accounts hit by a failure, against the window before."""
    start_ts, end_ts = _utc(start), _utc(end)
    length = end_ts - start_ts
    needed = ("status", "post_id", "account_id", "account_username")
    current = _window_numbers(_rows(frame, _in_window(frame, start_ts, end_ts), needed))
    previous = _window_numbers(_rows(frame, _in_window(frame, start_ts - length, start_ts), needed))
    kpis = []
    for key, label, unit in KPI_LABELS:
        value, before = current[key], previous[key]
        delta = float("nan") if pd.isna(value) or pd.isna(before) else value - before
        kpis.append(Kpi(name=label, value=value, previous=before, delta=delta, unit=unit, key=key))
    return kpis
