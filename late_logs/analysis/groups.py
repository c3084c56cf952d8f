"""Error groups: failures sharing platform, error code and normalised message, with their counts, when they
were first and last seen, the accounts they hit, a sample and its verdict."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from late_logs import verdicts
from late_logs.analysis.frame import TIME_UNIT, _account_keys, _bools, _empty, _is_status, _rows
from late_logs.fingerprint import error_group_keys, failure_identity

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
