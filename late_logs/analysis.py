"""Pure pandas functions over the attempts frame: filters, failure rates, trends, error groups, post outcomes.

Every function takes a frame with the `records.RECORD_COLUMNS` schema and is vectorised, because the
dashboard calls them on up to a million rows on every rerun. No Streamlit, no plotly here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import numpy as np
import pandas as pd

from late_logs import verdicts
from late_logs.fingerprint import (  # noqa: F401 - NO_CODE, NO_MESSAGE, UNKNOWN and the keys are read as analysis.*
    NO_CODE,
    NO_MESSAGE,
    UNKNOWN,
    error_group_key,
    error_group_keys,
    failure_identity,
    normalise_message,
)
from late_logs.fingerprint import filled as _filled

MIN_VOLUME = 5  # error-rate cells/points with fewer settled attempts are muted
STUCK_AFTER = timedelta(minutes=30)  # an attempt pending longer than this is stuck

SETTLED_STATUSES = ("success", "failed")  # pending and skipped attempts say nothing about failure rates
PUBLISHING_ACTIONS = ("publish", "retry")  # the actions whose outcome decides whether a post went live
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


# --------------------------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------------------------- filters


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


# --------------------------------------------------------------------------------------------- KPIs


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


# --------------------------------------------------------------------------------------------- breakdowns


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
    columns = ["platform", "action", "attempts", "settled", "failures", "failure_rate", "muted"]
    if frame.empty:
        return _empty(
            columns,
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
    columns = ["platform", "action", "attempts", "settled", "failures", "failure_rate", "muted"]
    counts = counts.sort_values(["platform", "action"], kind="stable").reset_index(drop=True)
    counts["platform"] = counts["platform"].astype("string")
    counts["action"] = counts["action"].astype("string")
    counts[["attempts", "settled", "failures"]] = counts[["attempts", "settled", "failures"]].astype("int64")
    counts["failure_rate"] = _rates(counts["failures"], counts["settled"])
    counts["muted"] = counts["settled"].to_numpy() < min_volume
    return counts[columns].reset_index(drop=True)


def _empty(columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "string")) for c in columns})


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
    columns = [
        "bucket_start",
        "bucket_end",
        "platform",
        "attempts",
        "settled",
        "failures",
        "failure_rate",
        "muted",
    ]
    dtypes = {
        "bucket_start": TIME_UNIT,
        "bucket_end": TIME_UNIT,
        "attempts": "int64",
        "settled": "int64",
        "failures": "int64",
        "failure_rate": "float64",
        "muted": "bool",
    }
    start_ts, end_ts = _resolve_window(frame, start, end)
    if start_ts is None or end_ts is None:
        return _empty(columns, dtypes)
    bucket = bucket or bucket_for_window(start_ts, end_ts)
    rows = _rows(frame, _in_window(frame, start_ts, end_ts), ("created_at", "platform", "status"))
    if rows.empty:
        return _empty(columns, dtypes)
    counts = _counts_frame(
        rows,
        {
            "bucket_start": rows["created_at"].dt.floor(bucket).astype(TIME_UNIT),
            "platform": _filled(rows["platform"], UNKNOWN, blank_too=False),
        },
    )
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
    columns = [
        "bucket_start",
        "bucket_end",
        "platform",
        "attempts",
        "settled",
        "failures",
        "failure_rate",
        "muted",
    ]
    grid = _bucket_grid(start_ts, end_ts, bucket)
    platforms = sorted(counts.index.get_level_values("platform").unique())
    full = pd.MultiIndex.from_product([grid, platforms], names=["bucket_start", "platform"])
    counts = counts.reindex(full, fill_value=0).reset_index()
    counts["bucket_end"] = counts["bucket_start"] + pd.tseries.frequencies.to_offset(bucket)
    counts["failure_rate"] = _rates(counts["failures"], counts["settled"])
    counts["muted"] = counts["settled"].to_numpy() < min_volume
    counts["platform"] = counts["platform"].astype("string")
    counts[["attempts", "settled", "failures"]] = counts[["attempts", "settled", "failures"]].astype("int64")
    return counts[columns]


def status_volume_over_time(
    frame: pd.DataFrame, start: datetime | None, end: datetime | None, bucket: str | None = None
) -> pd.DataFrame:
    """Attempts per time bucket and status (every bucket × status, zeros included); adds bucket_end."""
    columns = ["bucket_start", "status", "attempts", "bucket_end"]
    dtypes = {"bucket_start": TIME_UNIT, "bucket_end": TIME_UNIT, "attempts": "int64"}
    start_ts, end_ts = _resolve_window(frame, start, end)
    if start_ts is None or end_ts is None:
        return _empty(columns, dtypes)
    bucket = bucket or bucket_for_window(start_ts, end_ts)
    rows = _rows(frame, _in_window(frame, start_ts, end_ts), ("created_at", "status"))
    if rows.empty:
        return _empty(columns, dtypes)
    counts = _counts_frame(
        rows,
        {
            "bucket_start": rows["created_at"].dt.floor(bucket).astype(TIME_UNIT),
            "status": _filled(rows["status"], UNKNOWN, blank_too=False),
        },
    )["attempts"]
    return volume_series_from_counts(counts, start_ts, end_ts, bucket)


def volume_series_from_counts(
    counts: pd.Series, start_ts: pd.Timestamp, end_ts: pd.Timestamp, bucket: str
) -> pd.DataFrame:
    """status_volume_over_time's result from attempts indexed by (bucket_start, status), wherever they were
    counted (here, or by `late_logs.queries`); at least one row."""
    columns = ["bucket_start", "status", "attempts", "bucket_end"]
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
    return result[columns]


# --------------------------------------------------------------------------------------------- error groups

_GROUP_INPUT_COLUMNS = (
    "log_id",
    "created_at",
    "platform",
    "action",
    "post_id",
    "account_id",
    "account_username",
    "status_code",
    "error_code",
    "error_message",
)


def add_error_group_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with an "error_group" column: the group key for failed rows, NA otherwise."""
    result = frame.copy()
    result["error_group"] = error_group_keys(frame).to_numpy()
    result["error_group"] = result["error_group"].astype("string")
    return result


ERROR_GROUP_COLUMNS = [
    "group",
    "platform",
    "error_code",
    "message",
    "sample_message",
    "count",
    "posts",
    "accounts",
    "account_names",
    "first_seen",
    "last_seen",
    "sample_log_id",
    "who_must_act",
    "retry",
    "hint",
]
MAX_ACCOUNT_NAMES = 5  # account_names lists this many handles, then "+N more"


def _account_names(values: pd.Series) -> str:
    return account_names_text(str(v).lstrip("@") for v in values.dropna())


def account_names_text(handles: Iterable[str]) -> str:
    """ "@a, @b, @c, @d, @e +3 more": a group's distinct handles (without "@"), sorted, the first few."""
    names = sorted(set(handles))
    shown = ", ".join(f"@{n}" for n in names[:MAX_ACCOUNT_NAMES])
    if len(names) > MAX_ACCOUNT_NAMES:
        shown += f" +{len(names) - MAX_ACCOUNT_NAMES} more"
    return shown


def _seen_over(history: pd.DataFrame, keys: Iterable[str]) -> pd.DataFrame:
    """first_seen/last_seen of each group key over a whole store's failures, not only the window's."""
    needed = ("created_at", "platform", "error_code", "error_message")
    failed = _rows(history, _is_status(history, ["failed"]), needed)
    if failed.empty:
        return pd.DataFrame(columns=["first_seen", "last_seen"])
    groups = failure_identity(failed)["group"]
    wanted = _bools(groups.isin(list(keys)))
    stamps = pd.DataFrame({"group": groups[wanted], "created_at": failed["created_at"][wanted]})
    grouped = stamps.groupby("group", sort=False, observed=True)["created_at"]
    return pd.DataFrame({"first_seen": grouped.min(), "last_seen": grouped.max()})


def error_groups(frame: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Failed attempts grouped by platform + error code + normalised message, biggest group first.

    Columns: ERROR_GROUP_COLUMNS. A failure without code and message is the visible group ("(none)",
    "(no message)"), not a hole. The sample is the group's most recent failure; its verdict (who must act,
    retry, hint) is the group's. With `history` (the whole store), first and last seen come from every stored
    failure of the group, so a week-old problem does not look new in a 24 h window.
    """
    columns = ERROR_GROUP_COLUMNS
    failed = _rows(frame, _is_status(frame, ["failed"]), _GROUP_INPUT_COLUMNS)
    if failed.empty:
        return _empty(
            columns,
            {
                "count": "int64",
                "posts": "int64",
                "accounts": "int64",
                "first_seen": TIME_UNIT,
                "last_seen": TIME_UNIT,
            },
        )
    failed = failed.reset_index(drop=True)
    ident = failure_identity(failed)
    work = pd.DataFrame(
        {
            "group": ident["group"],
            "post_id": failed["post_id"],
            "account": _account_keys(failed),
            "created_at": failed["created_at"],
        }
    )
    grouped = work.groupby("group", sort=False, observed=True)
    summary = pd.DataFrame(
        {
            "count": grouped.size(),
            "posts": grouped["post_id"].nunique(dropna=True),
            "accounts": grouped["account"].nunique(dropna=True),
            "first_seen": grouped["created_at"].min(),
            "last_seen": grouped["created_at"].max(),
        }
    )
    names = failed["account_username"].astype("string").fillna(failed["account_id"].astype("string"))
    summary["account_names"] = names.groupby(work["group"].to_numpy(), sort=False).agg(_account_names)
    if history is not None and len(history):
        seen = _seen_over(history, summary.index)
        if len(seen):
            seen = seen.reindex(summary.index)
            earlier = seen["first_seen"].notna() & (seen["first_seen"] < summary["first_seen"])
            later = seen["last_seen"].notna() & (seen["last_seen"] > summary["last_seen"])
            summary["first_seen"] = seen["first_seen"].where(earlier, summary["first_seen"])
            summary["last_seen"] = seen["last_seen"].where(later, summary["last_seen"])
    # The sample row: the newest failure of each group (ties: the later row in frame order).
    order = work.sort_values("created_at", kind="stable", na_position="first")
    sample_index = order.groupby("group", sort=False, observed=True).tail(1)
    sample_index = pd.Series(sample_index.index, index=sample_index["group"].to_numpy())
    samples = failed.loc[sample_index.reindex(summary.index).to_numpy()]
    summary["platform"] = ident.loc[samples.index, "platform"].to_numpy()
    summary["error_code"] = ident.loc[samples.index, "error_code"].to_numpy()
    summary["message"] = ident.loc[samples.index, "message"].to_numpy()
    summary["sample_message"] = samples["error_message"].to_numpy()
    summary["sample_log_id"] = samples["log_id"].to_numpy()
    # One verdict per group, from its sample, without the sample's handle: the group spans accounts.
    sample_verdicts = [
        verdicts.classify(platform, code, message, status, action=action)
        for platform, code, message, status, action in zip(
            samples["platform"].tolist(),
            samples["error_code"].tolist(),
            samples["error_message"].tolist(),
            samples["status_code"].tolist(),
            samples["action"].tolist() if "action" in samples.columns else [None] * len(samples),
            strict=True,
        )
    ]
    summary["who_must_act"] = [v.who_must_act for v in sample_verdicts]
    summary["retry"] = [v.retry for v in sample_verdicts]
    summary["hint"] = [v.hint for v in sample_verdicts]
    summary = summary.rename_axis("group").reset_index()
    summary = summary.sort_values(
        ["count", "last_seen", "group"], ascending=[False, False, True], kind="stable"
    )
    for column in (
        "group",
        "platform",
        "error_code",
        "message",
        "sample_message",
        "sample_log_id",
        "account_names",
        "who_must_act",
        "retry",
        "hint",
    ):
        summary[column] = summary[column].astype("string")
    for column in ("count", "posts", "accounts"):
        summary[column] = summary[column].astype("int64")
    for column in ("first_seen", "last_seen"):
        summary[column] = summary[column].astype(TIME_UNIT)
    return summary[columns].reset_index(drop=True)


def error_group_summary(frame: pd.DataFrame, key: str) -> dict[str, Any] | None:
    """The group `key`'s platform, code, normalised message and verdict, from the frame's failures; None if
    no failure there belongs to it. Pages show it wherever a group id alone would mean nothing."""
    keys = error_group_keys(frame)
    members = _rows(frame, _bools(keys == key), ("status", *_GROUP_INPUT_COLUMNS))
    if members.empty:
        return None
    groups = error_groups(members)
    return groups.iloc[0].to_dict()


# ------------------------------------------------------------------------------------------ verdicts


def add_verdict_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with who_must_act, retry, hint (failed rows; NA otherwise) and error_group."""
    result = frame.copy()
    found = verdicts.frame_verdicts(frame)
    for column in ("who_must_act", "retry", "hint"):
        result[column] = found[column].astype("string")
    result["error_group"] = error_group_keys(frame).astype("string")
    return result


# --------------------------------------------------------------------------------------------- posts


@dataclass
class PostCounts:
    """How many posts of a window did not go out, beside the attempt figures (attempts over-count: one post
    retried five times is one post)."""

    hit: int  # posts with at least one failed publish/retry in the window
    failed_everywhere: int  # went live on no platform, nothing still in progress
    partly_published: int  # live on some platforms, failed on others
    recovered: int  # a failure, then live on every platform after a retry
    stuck_attempts: int  # attempts pending longer than STUCK_AFTER
    stuck_posts: int


def post_counts(frame: pd.DataFrame, now: datetime) -> PostCounts:
    """PostCounts of a window's rows, vectorised: one groupby over (post, platform), one over posts."""
    now_ts = _utc(now)
    status = frame["status"].astype("string")
    pending = _bools(status == "pending")
    stuck = pending & _bools(frame["created_at"] < now_ts - STUCK_AFTER)
    publishing = _bools(frame["action"].isin(PUBLISHING_ACTIONS)) & _bools(frame["post_id"].notna())
    rows = _rows(frame, publishing, ("post_id", "platform", "status"))
    if rows.empty:
        return PostCounts(0, 0, 0, 0, int(stuck.sum()), int(frame["post_id"][stuck].nunique()))
    lanes = pd.DataFrame(
        {
            "post": rows["post_id"].astype("string").to_numpy(),
            "platform": _filled(rows["platform"], UNKNOWN).to_numpy(),
            "success": _bools(rows["status"] == "success"),
            "failed": _bools(rows["status"] == "failed"),
            "pending": _bools(rows["status"] == "pending"),
        }
    )
    per_lane = lanes.groupby(["post", "platform"], sort=False).agg(
        success=("success", "any"), failed=("failed", "any"), pending=("pending", "any")
    )
    per_lane["live"] = per_lane["success"]
    per_lane["dead"] = per_lane["failed"] & ~per_lane["success"] & ~per_lane["pending"]
    per_post = per_lane.groupby(level="post", sort=False).agg(
        lanes=("live", "size"),
        live=("live", "sum"),
        dead=("dead", "sum"),
        failed=("failed", "any"),
        pending=("pending", "any"),
    )
    hit = per_post["failed"]
    return PostCounts(
        hit=int(hit.sum()),
        failed_everywhere=int((hit & (per_post["dead"] == per_post["lanes"])).sum()),
        partly_published=int((hit & (per_post["live"] > 0) & (per_post["dead"] > 0)).sum()),
        recovered=int((hit & (per_post["live"] == per_post["lanes"])).sum()),
        stuck_attempts=int(stuck.sum()),
        stuck_posts=int(frame["post_id"][stuck].nunique()),
    )


POST_ROW_COLUMNS = [
    "post_id",
    "state",
    "platforms",
    "attempts",
    "failures",
    "recovered",
    "accounts",
    "first_attempt",
    "last_attempt",
    "caption",
]


def _lane_state(lanes: pd.DataFrame) -> np.ndarray:
    """published, stuck, pending, failed or skipped, per (post, platform) lane."""
    return np.select(
        [lanes["live"], lanes["stuck"], lanes["pending"], lanes["failed"]],
        ["published", "stuck", "pending", "failed"],
        default="skipped",
    )


def _joined(keys: pd.Series, values: pd.Series, join) -> dict:
    """{key: join(its values, in order)} in one pass over plain Python values (missing values skipped)."""
    found: dict = {}
    for key, value in zip(
        keys.to_numpy(dtype=object), values.to_numpy(dtype=object, na_value=None), strict=True
    ):
        if value is not None:
            found.setdefault(key, []).append(value)
    return {key: join(items) for key, items in found.items()}


def _post_account_names(posts: pd.Series, accounts: pd.Series) -> pd.Series:
    """_account_names per post (distinct handles, sorted, the first few then "+N more")."""

    def shown(names: list[str]) -> str:
        unique = sorted({str(n).lstrip("@") for n in names})
        text = ", ".join(f"@{n}" for n in unique[:MAX_ACCOUNT_NAMES])
        more = len(unique) - MAX_ACCOUNT_NAMES
        return text + (f" +{more} more" if more > 0 else "")

    return pd.Series(_joined(posts, accounts, shown), name="accounts", dtype=object)


def post_rows(attempts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """One row per post (POST_ROW_COLUMNS) from every attempt of the posts: the final state per platform
    ("instagram: published · tiktok: failed"), the post's state over all of them, how many attempts and
    failures, and whether a platform recovered (published after a failure). Most recent posts first.

    A platform's state: published once a publish or retry succeeded there, else stuck / pending while an
    attempt waits (stuck past STUCK_AFTER), else failed after a failure, else skipped (cancelled)."""
    rows = attempts[_bools(attempts["post_id"].notna())]
    if rows.empty:
        return _empty(POST_ROW_COLUMNS, {"attempts": "int64", "failures": "int64", "recovered": "bool",
                                         "first_attempt": TIME_UNIT, "last_attempt": TIME_UNIT})  # fmt: skip
    status = rows["status"].astype("string")
    pending = _bools(status == "pending")
    lanes = pd.DataFrame(
        {
            "post": rows["post_id"].astype("string").to_numpy(),
            "platform": _filled(rows["platform"], UNKNOWN).to_numpy(),
            "live": _bools(status == "success") & _bools(rows["action"].isin(PUBLISHING_ACTIONS)),
            "failed": _bools(status == "failed"),
            "pending": pending,
            "stuck": pending & _bools(rows["created_at"] < _utc(now) - STUCK_AFTER),
        }
    )
    per_lane = lanes.groupby(["post", "platform"], sort=True).agg(
        live=("live", "any"), failed=("failed", "any"), pending=("pending", "any"), stuck=("stuck", "any")
    )
    per_lane["state"] = _lane_state(per_lane)
    per_lane["recovered"] = per_lane["live"] & per_lane["failed"]
    per_lane = per_lane.reset_index()
    per_lane["label"] = per_lane["platform"] + ": " + per_lane["state"]
    # Sums of per-lane flags rather than lambdas per post: a lambda per group costs ~0.5 ms, ten thousand
    # posts would take seconds.
    per_lane = per_lane.assign(
        is_published=per_lane["state"] == "published",
        is_failed=per_lane["state"] == "failed",
        is_stuck=per_lane["state"] == "stuck",
        is_pending=per_lane["state"] == "pending",
    )
    grouped = per_lane.groupby("post", sort=False)
    per_post = grouped.agg(
        recovered=("recovered", "any"),
        lanes=("state", "size"),
        published=("is_published", "sum"),
        failed=("is_failed", "sum"),
        stuck=("is_stuck", "any"),
        waiting=("is_pending", "any"),
    )
    # Joined in one pass of plain Python: pandas' per-group Python aggregation costs ~0.1 ms a post.
    per_post["platforms"] = pd.Series(_joined(per_lane["post"], per_lane["label"], " · ".join))
    per_post["state"] = np.select(
        [
            per_post["stuck"],
            per_post["published"] == per_post["lanes"],
            (per_post["published"] > 0) & (per_post["failed"] > 0),
            per_post["waiting"],
            per_post["failed"] == per_post["lanes"],
            per_post["published"] > 0,
        ],
        ["stuck", "published", "partly published", "in progress", "failed everywhere", "published"],
        default="not published",
    )
    key = rows["post_id"].astype("string")
    accounts = rows["account_username"].astype("string").fillna(rows["account_id"].astype("string"))
    counts = pd.DataFrame(
        {
            "post": key.to_numpy(),
            "failed": _bools(status == "failed"),
            "created_at": rows["created_at"].to_numpy(),
            "account": accounts.to_numpy(),
            "caption": rows["content_preview"].astype("string").to_numpy()
            if "content_preview" in rows
            else pd.NA,
        }
    ).groupby("post", sort=False)
    result = per_post.join(
        counts.agg(
            attempts=("failed", "size"),
            failures=("failed", "sum"),
            first_attempt=("created_at", "min"),
            last_attempt=("created_at", "max"),
            caption=("caption", "first"),
        )
    ).join(_post_account_names(key, accounts))
    result = result.rename_axis("post_id").reset_index()
    result = result.sort_values(["last_attempt", "post_id"], ascending=[False, True], kind="stable")
    result[["attempts", "failures"]] = result[["attempts", "failures"]].astype("int64")
    return result[POST_ROW_COLUMNS].reset_index(drop=True)


def post_attempts(frame: pd.DataFrame, post_id: str) -> pd.DataFrame:
    """Every attempt of one post, oldest first."""
    rows = frame[_bools(frame["post_id"] == post_id)]
    return rows.sort_values(["created_at", "log_id"], kind="stable", na_position="first").reset_index(
        drop=True
    )


@dataclass
class PlatformOutcome:
    """Where one platform of a post ended up, and the attempt that says so."""

    platform: str
    state: str  # "published" | "failed" | "pending" | "stuck" | "skipped" | "cancelled"
    attempts: int
    last_attempt_at: datetime | None
    last_log_id: str | None
    platform_post_url: str | None
    error_message: str | None
    # True when any publish/retry succeeded, even if a later attempt failed: retrying could double-post.
    went_live: bool = False


@dataclass
class PostOutcome:
    """A post's overall result and one outcome per platform (alphabetical)."""

    overall: str  # "published" | "partial" | "failed" | "pending"
    platforms: list[PlatformOutcome] = field(default_factory=list)


def _text_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _platform_outcome(platform: str, rows: pd.DataFrame, now: pd.Timestamp) -> PlatformOutcome:
    rows = rows.sort_values("created_at", kind="stable", na_position="first")
    last = rows.iloc[-1]
    actions = rows["action"].astype("string")
    publishing = rows[_bools(actions.isin(PUBLISHING_ACTIONS))]
    pub_status = publishing["status"].astype("string")
    successes = publishing[_bools(pub_status == "success")]
    failures = publishing[_bools(pub_status == "failed")]
    went_live = len(successes) > 0
    url = None
    if went_live:
        with_url = successes[successes["platform_post_url"].notna()]
        url = _text_or_none(with_url["platform_post_url"].iloc[-1]) if len(with_url) else None

    last_failure_at = failures["created_at"].max() if len(failures) else None
    success_after_failure = went_live and (
        last_failure_at is None or bool((successes["created_at"] > last_failure_at).any())
    )
    decisive = last
    if success_after_failure:
        state = "published"
        decisive = successes.iloc[-1]
    else:
        later_cancel = rows[_bools(actions == "cancelled")]
        if len(publishing):
            decisive = publishing.iloc[-1]
        if len(later_cancel) and (
            not len(publishing) or later_cancel["created_at"].max() >= decisive["created_at"]
        ):
            state = "cancelled"
            decisive = later_cancel.iloc[-1]
        else:
            status = _text_or_none(decisive["status"])
            if status == "failed":
                state = "failed"
            elif status == "skipped":
                state = "skipped"
            else:
                # Pending, or only preparatory steps (a media upload) so far: in progress until it is too old.
                created = decisive["created_at"]
                state = "stuck" if pd.notna(created) and now - created > STUCK_AFTER else "pending"
    last_at = last["created_at"]
    return PlatformOutcome(
        platform=platform,
        state=state,
        attempts=len(rows),
        last_attempt_at=None if pd.isna(last_at) else last_at.to_pydatetime(),
        last_log_id=_text_or_none(last["log_id"]),
        platform_post_url=url,
        error_message=_text_or_none(decisive["error_message"])
        if state in ("failed", "skipped", "cancelled")
        else None,
        went_live=went_live,
    )


def post_outcome(attempts: pd.DataFrame, now: datetime) -> PostOutcome:
    """The final state of a post per platform, from its latest publish/retry attempts, and overall.

    Per platform: a publish/retry success after the last failure means published; otherwise the latest
    publish/retry decides (failed, skipped, pending), and pending older than STUCK_AFTER is stuck. A
    `cancelled` action after the last publish means cancelled. Overall: pending while any platform is still
    in progress; published when every platform went live (skipped/cancelled aside); partial when some did;
    failed when none did (stuck-only posts stay pending so nobody retries something that may yet go live).
    """
    now_ts = _utc(now)
    if attempts.empty:
        return PostOutcome(overall="pending", platforms=[])
    platforms = _filled(attempts["platform"], UNKNOWN)
    outcomes = [
        _platform_outcome(str(name), attempts[_bools(platforms == name)], now_ts)
        for name in sorted(platforms.unique())
    ]
    states = {o.state for o in outcomes}
    if "pending" in states:
        overall = "pending"
    elif "published" in states:
        overall = "published" if states <= {"published", "skipped", "cancelled"} else "partial"
    elif "stuck" in states:
        overall = "pending"
    else:
        overall = "failed"
    return PostOutcome(overall=overall, platforms=outcomes)


# --------------------------------------------------------------------------------------------- navigation


def neighbours(frame: pd.DataFrame, log_id: str) -> tuple[str | None, str | None]:
    """(newer, older) log ids beside `log_id` in a filtered frame sorted newest first; None at either end."""
    positions = np.flatnonzero(_bools(frame["log_id"] == log_id))
    if len(positions) == 0:
        return None, None
    position = int(positions[0])
    ids = frame["log_id"]
    newer = _text_or_none(ids.iloc[position - 1]) if position > 0 else None
    older = _text_or_none(ids.iloc[position + 1]) if position + 1 < len(frame) else None
    return newer, older


def freshness_text(last_pass: datetime | None, now: datetime) -> str:
    """How long ago the collector last finished a pass, in words: "synced 2 min ago", "never synced"."""
    if last_pass is None:
        return "never synced"
    seconds = (_utc(now) - _utc(last_pass)).total_seconds()
    if seconds < 60:
        return "synced just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"synced {minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"synced {hours} h {minutes} min ago" if minutes else f"synced {hours} h ago"
    days = hours // 24
    return f"synced {days} day ago" if days == 1 else f"synced {days} days ago"


def utc_now() -> datetime:
    """The current time, aware UTC (one helper so pages and tests agree on the timezone)."""
    return datetime.now(timezone.utc)
