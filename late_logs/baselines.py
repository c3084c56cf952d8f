"""Baselines: is this window worse than usual? Pure functions over small frames of counts.

The usual of a window is the same hours of day over the previous 7 days: a window of 08:00-10:00 today is
compared with 08:00-10:00 on each of the 7 days before (`baseline_windows`), because publishing follows the
clock (a quiet night must not make a busy morning look bad). A window longer than a day is compared with the
windows of its own length, shifted by whole days, that fit in the 7 days before it (at least one).

Every input is a frame of counts (`platform`, `action`, `settled`, `failures`, ...), never attempts: the
counts may come from pandas (analysis.failure_matrix) or from SQL, and these functions neither know nor care.

**Which statistic ranks "worse than usual"**: the *excess failures*, the failures of a cell minus what its
own baseline rate predicts for the volume it had (`failures - settled × baseline_rate`). Chosen over a lower
confidence bound of the rate difference because

- it counts what a reviewer cares about (posts hurt beyond normal, "17 more failures than usual"), in a unit
  that reads without statistics and adds up across cells;
- it grows with volume by construction: "reddit · retry 3 of 5" against a 20 % baseline is 2 excess failures,
  "linkedin · publish 26 of 91" against 10 % is 16.9, so the small cell cannot outrank the large one;
- it needs nothing but the four counts, so it is the same one line in SQL.

Chance still makes small excesses: a cell is called worse than usual only when its excess is at least
MIN_EXCESS failures *and* at least Z_WORSE binomial standard deviations above the prediction. The baseline
rate is smoothed (one failure and one success added, Laplace) so a baseline with no failures does not turn
a single failure into an infinite surprise. A baseline with fewer than MIN_BASELINE_SETTLED settled attempts
(or none at all) is "no baseline yet": such a cell or KPI is never shown as a rise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

BASELINE_DAYS = 7  # how far back the usual is looked for
MIN_BASELINE_SETTLED = 20  # a baseline with fewer settled attempts says nothing yet
MIN_BASELINE_ATTEMPTS = 20  # the same floor for the KPIs that count attempts
MIN_SETTLED = 5  # a current cell with fewer settled attempts is not ranked (analysis.MIN_VOLUME)
MIN_EXCESS = 3.0  # fewer excess failures than this are never "worse than usual"
Z_WORSE = 2.0  # ... nor an excess within two standard deviations of the prediction
NO_BASELINE = "no baseline yet"
COUNT_COLUMNS = ("settled", "failures")
COMPARED_COLUMNS = [
    "settled",
    "failures",
    "failure_rate",
    "baseline_settled",
    "baseline_failures",
    "baseline_rate",
    "expected",
    "excess",
    "z",
    "has_baseline",
    "worse",
]


# --------------------------------------------------------------------------------------------- windows


def baseline_windows(
    start: datetime, end: datetime, *, days: int = BASELINE_DAYS, since: datetime | None = None
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The windows a window is compared with, newest first: the same hours of day shifted back by whole days.

    A window up to a day long: the same hours on each of the `days` days before. Longer: shifts by its own
    length rounded up to whole days, as many as fit in `days` days (at least one). Windows that start
    before `since` (the oldest stored attempt) are left out: a day the store never held is not a quiet day.
    """
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    length = end_ts - start_ts
    if length <= pd.Timedelta(0):
        return []
    step = pd.Timedelta(days=max(1, math.ceil(length / pd.Timedelta(days=1))))
    count = max(1, (pd.Timedelta(days=days) // step))
    since_ts = pd.Timestamp(since) if since is not None else None
    windows = []
    for k in range(1, count + 1):
        shifted = (start_ts - k * step, end_ts - k * step)
        if since_ts is not None and shifted[0] < since_ts:
            break
        windows.append(shifted)
    return windows


def span(windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The one interval holding every window (to read the rows once), or None for no windows."""
    if not windows:
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


# --------------------------------------------------------------------------------------------- cells


def pool(frames: Iterable[pd.DataFrame], keys: Sequence[str]) -> pd.DataFrame:
    """Several count frames (one per baseline window) summed per key: the baseline's counts."""
    present = [f for f in frames if len(f)]
    columns = [*keys, *COUNT_COLUMNS]
    if not present:
        return pd.DataFrame(
            {c: pd.Series([], dtype="int64" if c in COUNT_COLUMNS else "string") for c in columns}
        )
    stacked = pd.concat([f[columns] for f in present], ignore_index=True)
    return stacked.groupby(list(keys), sort=True, dropna=False)[list(COUNT_COLUMNS)].sum().reset_index()


def _smoothed_rate(failures: np.ndarray, settled: np.ndarray) -> np.ndarray:
    return (failures + 1.0) / (settled + 2.0)


def compare(
    current: pd.DataFrame,
    baseline: pd.DataFrame,
    keys: Sequence[str] = ("platform", "action"),
    *,
    min_settled: int = MIN_SETTLED,
    min_baseline: int = MIN_BASELINE_SETTLED,
) -> pd.DataFrame:
    """Each key of `current` beside its baseline: rates, the failures the baseline predicts, the excess,
    its z-score and whether it is worse than usual (see the module's docstring). Sorted by excess, largest
    first; cells without a baseline last.

    `current` and `baseline` hold `keys` + `settled` + `failures` (any other column is ignored)."""
    keys = list(keys)
    now = current[[*keys, *COUNT_COLUMNS]] if len(current) else pd.DataFrame(columns=[*keys, *COUNT_COLUMNS])
    usual = baseline[[*keys, *COUNT_COLUMNS]].rename(
        columns={"settled": "baseline_settled", "failures": "baseline_failures"}
    )
    merged = (
        now.merge(usual, on=keys, how="left")
        if len(now)
        else now.assign(
            baseline_settled=pd.Series([], dtype="int64"), baseline_failures=pd.Series([], dtype="int64")
        )
    )
    settled = merged["settled"].to_numpy(dtype=float)
    failures = merged["failures"].to_numpy(dtype=float)
    b_settled = merged["baseline_settled"].fillna(0).to_numpy(dtype=float)
    b_failures = merged["baseline_failures"].fillna(0).to_numpy(dtype=float)
    has_baseline = b_settled >= min_baseline
    rate = _smoothed_rate(b_failures, b_settled)
    expected = settled * rate
    excess = failures - expected
    spread = np.sqrt(np.maximum(settled * rate * (1 - rate), 1e-9))
    z = excess / spread
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(settled > 0, failures / np.where(settled > 0, settled, 1), np.nan)
        baseline_rate = np.where(b_settled > 0, b_failures / np.where(b_settled > 0, b_settled, 1), np.nan)
    worse = has_baseline & (settled >= min_settled) & (excess >= MIN_EXCESS) & (z >= Z_WORSE)
    result = merged[keys].copy()
    result["settled"] = settled.astype("int64")
    result["failures"] = failures.astype("int64")
    result["failure_rate"] = observed
    result["baseline_settled"] = b_settled.astype("int64")
    result["baseline_failures"] = b_failures.astype("int64")
    result["baseline_rate"] = np.where(has_baseline, baseline_rate, np.nan)
    result["expected"] = np.where(has_baseline, expected, np.nan)
    result["excess"] = np.where(has_baseline, excess, np.nan)
    result["z"] = np.where(has_baseline, z, np.nan)
    result["has_baseline"] = has_baseline
    result["worse"] = worse
    order = result.assign(_rank=np.where(has_baseline, result["excess"], -np.inf))
    order = order.sort_values(["_rank", *keys], ascending=[False, *([True] * len(keys))], kind="stable")
    return order.drop(columns="_rank").reset_index(drop=True)[[*keys, *COMPARED_COLUMNS]]


def worse_than_usual(compared: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The cells of `compare` that are worse than usual, the largest excess first."""
    worse = compared[compared["worse"]]
    return worse.head(limit).reset_index(drop=True) if limit else worse.reset_index(drop=True)


def cell_sentence(row) -> str:
    """ "26 of 91 failed (28.6 %), usually 10.0 %: 16.8 more failures than usual" (no baseline: says so)."""
    now = f"{int(row.failures):,} of {int(row.settled):,} failed ({_percent(row.failure_rate)})"
    if not row.has_baseline:
        return f"{now}, {NO_BASELINE}"
    usual = f"usually {_percent(row.baseline_rate)}"
    if row.excess > 0:
        return f"{now}, {usual}: {row.excess:.1f} more failures than usual"
    return f"{now}, {usual}: no more failures than usual"


def _percent(rate: float) -> str:
    return "–" if rate is None or (isinstance(rate, float) and math.isnan(rate)) else f"{rate * 100:.1f} %"


# --------------------------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiBaseline:
    """A KPI's usual value (the mean over its baseline windows with data), or None: no baseline yet."""

    key: str
    value: float
    usual: float | None
    delta: float | None  # value - usual; None without a baseline
    windows: int  # how many baseline windows held data

    @property
    def has_baseline(self) -> bool:
        return self.usual is not None


def kpi_baselines(current: dict[str, float], per_window: pd.DataFrame) -> dict[str, KpiBaseline]:
    """Each KPI of `current` against the mean of `per_window` (one row per baseline window: attempts,
    settled, failures, posts_affected, accounts_affected, ...). The failure rate is pooled (all failures
    over all settled attempts), not a mean of rates. Too little baseline volume: no baseline yet."""
    with_data = per_window[per_window["attempts"] > 0] if len(per_window) else per_window
    windows = len(with_data)
    enough = windows > 0 and float(with_data["attempts"].sum()) >= MIN_BASELINE_ATTEMPTS
    result = {}
    for key, value in current.items():
        usual: float | None = None
        if key == "failure_rate":
            settled = float(with_data["settled"].sum()) if windows else 0.0
            if enough and settled >= MIN_BASELINE_SETTLED:
                usual = float(with_data["failures"].sum()) / settled
        elif enough and key in with_data.columns:
            usual = float(with_data[key].mean())
        broken = value is None or (isinstance(value, float) and math.isnan(value))
        delta = None if usual is None or broken else float(value) - usual
        result[key] = KpiBaseline(key, value, usual, delta, windows)
    return result


# --------------------------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class GroupUsual:
    """An error group's failures in a window against its usual: the mean of its failures over the baseline
    windows (the same hours of the days before). `usual` is None when the store holds no such window."""

    count: int
    usual: float | None

    @property
    def ratio(self) -> float | None:
        """count ÷ usual; None without a baseline or when the group usually has no failure."""
        return self.count / self.usual if self.usual else None

    @property
    def text(self) -> str:
        """ "4.0× usual (usually 2.5)", "usually none", "none now (usually 2.5)" or "no baseline yet"."""
        if self.usual is None:
            return NO_BASELINE
        if not self.usual:
            return "usually none"
        if not self.count:
            return f"none now (usually {self.usual:.1f})"
        return f"{self.ratio:.1f}× usual (usually {self.usual:.1f})"


def group_usual(count: int, baseline_failures: int, windows: int) -> GroupUsual:
    """A group's `count` failures now against its `baseline_failures` over `windows` baseline windows."""
    return GroupUsual(int(count), float(baseline_failures) / windows if windows > 0 else None)
