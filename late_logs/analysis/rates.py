"""Failure rates and volumes broken down: the platform x action matrix and the series over time buckets,
counted here from a frame or finished from counts made elsewhere (`late_logs.queries`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from late_logs.analysis.frame import SETTLED_STATUSES, TIME_UNIT, _empty, _in_window, _is_status, _rows, _utc
from late_logs.fingerprint import UNKNOWN
from late_logs.fingerprint import filled as _filled

MIN_VOLUME = 5  # error-rate cells/points with fewer settled attempts are muted
# The columns of each result, in order: counted here or finished from counts made elsewhere, the same.
MATRIX_COLUMNS = ["platform", "action", "attempts", "settled", "failures", "failure_rate", "muted"]
RATE_SERIES_COLUMNS = [
    "bucket_start",
    "bucket_end",
    "platform",
    "attempts",
    "settled",
    "failures",
    "failure_rate",
    "muted",
]
VOLUME_SERIES_COLUMNS = ["bucket_start", "status", "attempts", "bucket_end"]


def failure_rate(failures: float, settled: float) -> float:
    """failed / (success + failed) as a fraction 0..1; NaN when nothing settled."""
    if settled is None or pd.isna(settled) or settled <= 0:
        return float("nan")
    return float(failures) / float(settled)


def _rates(failures: pd.Series, settled: pd.Series) -> np.ndarray:
    failures_array = failures.to_numpy(dtype=float)
    settled_array = settled.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            settled_array > 0, failures_array / np.where(settled_array > 0, settled_array, 1), np.nan
        )


def _counts_frame(frame: pd.DataFrame, by: dict[str, pd.Series]) -> pd.DataFrame:
    """attempts/settled/failures per group of the `by` columns, indexed and sorted by them.

    Integer codes and bincount rather than a groupby on Arrow strings: about five times faster on a
    million rows, which matters because this runs on every dashboard rerun.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    for values in by.values():
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
    numbers, _ = pd.factorize(combined)
    count = int(numbers.max()) + 1 if len(numbers) else 0
    first = np.empty(count, dtype=np.int64)
    first[numbers[::-1]] = np.arange(len(numbers) - 1, -1, -1)  # earliest row of each group
    result = pd.DataFrame({name: pd.Series(values).iloc[first].to_numpy() for name, values in by.items()})
    for name, values in by.items():
        result[name] = result[name].astype(pd.Series(values).dtype)
    result["attempts"] = np.bincount(numbers, minlength=count).astype(np.int64)
    result["settled"] = np.bincount(numbers, weights=_is_status(frame, SETTLED_STATUSES), minlength=count)
    result["failures"] = np.bincount(numbers, weights=_is_status(frame, ["failed"]), minlength=count)
    result[["settled", "failures"]] = result[["settled", "failures"]].astype(np.int64)
    return result.set_index(list(by)).sort_index()


def failure_matrix(frame: pd.DataFrame, min_volume: int = MIN_VOLUME) -> pd.DataFrame:
    """Platform × action: attempts, settled, failures, failure_rate, muted (settled < min_volume)."""
    if frame.empty:
        return _empty(
            MATRIX_COLUMNS,
            {
                "attempts": "int64",
                "settled": "int64",
                "failures": "int64",
                "failure_rate": "float64",
                "muted": "bool",
            },
        )
    counts = _counts_frame(
        frame,
        {
            "platform": _filled(frame["platform"], UNKNOWN, blank_too=False),
            "action": _filled(frame["action"], UNKNOWN, blank_too=False),
        },
    ).reset_index()
    return matrix_from_counts(counts, min_volume)


def matrix_from_counts(counts: pd.DataFrame, min_volume: int = MIN_VOLUME) -> pd.DataFrame:
    """failure_matrix's result from per-cell counts (platform, action, attempts, settled, failures; missing
    platform or action already UNKNOWN), however they were counted: here, or by `late_logs.queries`."""
    counts = counts.sort_values(["platform", "action"], kind="stable").reset_index(drop=True)
    counts["platform"] = counts["platform"].astype("string")
    counts["action"] = counts["action"].astype("string")
    counts[["attempts", "settled", "failures"]] = counts[["attempts", "settled", "failures"]].astype("int64")
    counts["failure_rate"] = _rates(counts["failures"], counts["settled"])
    counts["muted"] = counts["settled"].to_numpy() < min_volume
    return counts[MATRIX_COLUMNS].reset_index(drop=True)


def bucket_for_window(start: datetime, end: datetime) -> str:
    """Hourly buckets for windows up to three days, 6-hour ones up to ten days (a week is 28 points: the
    daily rhythm stays visible, which hourly points over a week hid in noise), daily ones beyond."""
    length = _utc(end) - _utc(start)
    if length <= timedelta(days=3):
        return "h"
    return "6h" if length <= timedelta(days=10) else "D"


def _bucket_grid(start: pd.Timestamp, end: pd.Timestamp, bucket: str) -> pd.DatetimeIndex:
    first = start.floor(bucket)
    grid = pd.date_range(first, end, freq=bucket, inclusive="left")
    if len(grid) == 0:
        grid = pd.DatetimeIndex([first])
    return grid.astype(TIME_UNIT)


def _resolve_window(
    frame: pd.DataFrame, start: datetime | None, end: datetime | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    start_ts, end_ts = _utc(start), _utc(end)
    created = frame["created_at"].dropna()
    if start_ts is None and len(created):
        start_ts = created.min()
    if end_ts is None and len(created):
        end_ts = created.max() + pd.Timedelta(microseconds=1)
    return start_ts, end_ts


def _counts_per_bucket(
    frame: pd.DataFrame, start: datetime | None, end: datetime | None, bucket: str | None, by: str
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp, str] | None:
    """Counts of the window's rows per (bucket_start, `by`), with the window and bucket they were counted
    in (the window defaults to the rows' own span); None when there is no window or no row in it."""
    start_ts, end_ts = _resolve_window(frame, start, end)
    if start_ts is None or end_ts is None:
        return None
    bucket = bucket or bucket_for_window(start_ts, end_ts)
    rows = _rows(frame, _in_window(frame, start_ts, end_ts), dict.fromkeys(("created_at", by, "status")))
    if rows.empty:
        return None
    counts = _counts_frame(
        rows,
        {
            "bucket_start": rows["created_at"].dt.floor(bucket).astype(TIME_UNIT),
            by: _filled(rows[by], UNKNOWN, blank_too=False),
        },
    )
    return counts, start_ts, end_ts, bucket


def failure_rate_over_time(
    frame: pd.DataFrame,
    start: datetime | None,
    end: datetime | None,
    bucket: str | None = None,
    min_volume: int = MIN_VOLUME,
) -> pd.DataFrame:
    """Per platform and time bucket: attempts, settled, failures, failure_rate, muted.

    Every bucket of the window appears for every platform seen in it (with zeros), so a line drawn through
    the points never bridges a quiet hour as if nothing had happened.
    """
    dtypes = {
        "bucket_start": TIME_UNIT,
        "bucket_end": TIME_UNIT,
        "attempts": "int64",
        "settled": "int64",
        "failures": "int64",
        "failure_rate": "float64",
        "muted": "bool",
    }
    counted = _counts_per_bucket(frame, start, end, bucket, "platform")
    if counted is None:
        return _empty(RATE_SERIES_COLUMNS, dtypes)
    counts, start_ts, end_ts, bucket = counted
    return rate_series_from_counts(counts, start_ts, end_ts, bucket, min_volume)


def rate_series_from_counts(
    counts: pd.DataFrame,
    start_ts: pd.Timestamp,
    end_ts: pd.Timestamp,
    bucket: str,
    min_volume: int = MIN_VOLUME,
) -> pd.DataFrame:
    """failure_rate_over_time's result from counts indexed by (bucket_start, platform) with attempts,
    settled, failures, wherever they were counted (here, or by `late_logs.queries`); at least one row."""
    grid = _bucket_grid(start_ts, end_ts, bucket)
    platforms = sorted(counts.index.get_level_values("platform").unique())
    full = pd.MultiIndex.from_product([grid, platforms], names=["bucket_start", "platform"])
    counts = counts.reindex(full, fill_value=0).reset_index()
    counts["bucket_end"] = counts["bucket_start"] + pd.tseries.frequencies.to_offset(bucket)
    counts["failure_rate"] = _rates(counts["failures"], counts["settled"])
    counts["muted"] = counts["settled"].to_numpy() < min_volume
    counts["platform"] = counts["platform"].astype("string")
    counts[["attempts", "settled", "failures"]] = counts[["attempts", "settled", "failures"]].astype("int64")
    return counts[RATE_SERIES_COLUMNS]


def status_volume_over_time(
    frame: pd.DataFrame, start: datetime | None, end: datetime | None, bucket: str | None = None
) -> pd.DataFrame:
    """Attempts per time bucket and status (every bucket × status, zeros included); adds bucket_end."""
    dtypes = {"bucket_start": TIME_UNIT, "bucket_end": TIME_UNIT, "attempts": "int64"}
    counted = _counts_per_bucket(frame, start, end, bucket, "status")
    if counted is None:
        return _empty(VOLUME_SERIES_COLUMNS, dtypes)
    counts, start_ts, end_ts, bucket = counted
    return volume_series_from_counts(counts["attempts"], start_ts, end_ts, bucket)


def volume_series_from_counts(
    counts: pd.Series, start_ts: pd.Timestamp, end_ts: pd.Timestamp, bucket: str
) -> pd.DataFrame:
    """status_volume_over_time's result from attempts indexed by (bucket_start, status), wherever they were
    counted (here, or by `late_logs.queries`); at least one row."""
    present = set(counts.index.get_level_values("status"))
    # Known statuses in their usual order first, so stacks keep the same order on every chart.
    statuses = [s for s in ("success", "failed", "pending", "skipped") if s in present]
    statuses += sorted(present - set(statuses))
    full = pd.MultiIndex.from_product(
        [_bucket_grid(start_ts, end_ts, bucket), statuses], names=["bucket_start", "status"]
    )
    result = counts.reindex(full, fill_value=0).reset_index()
    result["attempts"] = result["attempts"].astype("int64")
    result["status"] = result["status"].astype("string")
    result["bucket_end"] = result["bucket_start"] + pd.tseries.frequencies.to_offset(bucket)
    return result[VOLUME_SERIES_COLUMNS]
