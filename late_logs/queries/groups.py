"""Error groups: first and last seen over the history, failures per group, and the Overview's group
table."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Sequence

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.queries.cells import files_of_days
from late_logs.queries.sql import (
    _FAILED,
    _select,
    _stamps,
    empty_attempts,
    query,
    scan,
)
from late_logs.store import rollup_files

# --------------------------------------------------------------------------------------------- error groups


def seen_over(files: Sequence[str], keys: Iterable[str] | None = None) -> pd.DataFrame:
    """first_seen / last_seen of each error group over every failure in the files (the whole history),
    indexed by group: one cheap min/max per group over two columns."""
    empty = pd.DataFrame(
        {
            "first_seen": pd.Series([], dtype=analysis.TIME_UNIT),
            "last_seen": pd.Series([], dtype=analysis.TIME_UNIT),
        }
    ).rename_axis("group")
    if not files:
        return empty
    rollups = rollup_files(files)
    if rollups is not None:  # the cells' oldest and newest: the same extremes from a few thousand rows
        source, params = "read_parquet(?, hive_partitioning = false)", [rollups]
        first, last, dated = "min(oldest)", "max(newest)", "hour IS NOT NULL"
    else:
        source, params = scan(files)
        first, last, dated = "min(created_at)", "max(created_at)", "created_at IS NOT NULL"
    condition = f"{_FAILED} AND error_group IS NOT NULL AND {dated}"
    if keys is not None:
        condition += " AND list_contains(?, error_group)"
        params = [*params, [str(k) for k in keys]]
    found = query(
        f'SELECT error_group AS "group", epoch_ns({first}) AS first_ns, epoch_ns({last}) AS last_ns '
        f"FROM {source} WHERE {condition} GROUP BY ALL",
        params,
    )
    if found.empty:
        return empty
    return pd.DataFrame(
        {
            "first_seen": _stamps(found["first_ns"]).to_numpy(),
            "last_seen": _stamps(found["last_ns"]).to_numpy(),
        },
        index=pd.Index(found["group"].astype("string"), name="group"),
    ).astype(analysis.TIME_UNIT)


@lru_cache(maxsize=4)
def _seen_over_all(files: tuple[str, ...]) -> pd.DataFrame:
    """seen_over of every group, kept for the same files: a snapshot's files never change (a new state has
    new files), and every filter of the Overview asks the same whole-history question."""
    return seen_over(files)


def group_counts(files: Sequence[str], flt: analysis.Filters) -> dict[str, int]:
    """Failures per error group among the filtered rows (the groups page's "in window")."""
    if not files:
        return {}
    sql, params = _select(
        'error_group AS "group", count(*) AS n', files, flt, "GROUP BY ALL", extra="error_group IS NOT NULL"
    )
    found = query(sql, params)
    return {str(g): int(n) for g, n in zip(found["group"], found["n"], strict=True)}


def error_groups(
    files: Sequence[str], flt: analysis.Filters, history: Sequence[str] | None = None
) -> pd.DataFrame:
    """analysis.error_groups of the filtered rows (ERROR_GROUP_COLUMNS), grouped by the stored error_group
    column; with `history` (the files of the whole store) first and last seen come from every stored failure.

    The sample of a group is its newest failure (ties: the smallest log id, as the store's newest-first order
    puts last); its verdict is classified again without the sample's handle, as analysis does, once per group.
    """
    empty = analysis.error_groups(empty_attempts())
    if not files:
        return empty
    name = "ltrim(coalesce(account_username, account_id), '@')"
    select = (
        'error_group AS "group", count(*) AS count, count(DISTINCT post_id) AS posts, '
        "count(DISTINCT coalesce(account_id, account_username)) AS accounts, "
        "epoch_ns(min(created_at)) AS first_ns, epoch_ns(max(created_at)) AS last_ns, "
        f"coalesce(list_sort(list(DISTINCT {name}) FILTER (WHERE {name} IS NOT NULL)), []::VARCHAR[]) "
        "AS names"
    )
    grouped = "error_group IS NOT NULL"
    sql, params = _select(select, files, flt, "GROUP BY ALL", extra=grouped, failed_only=True)
    found = query(sql, params)
    if found.empty:
        return empty
    found = found.join(_samples(files, flt, found), on="group")
    summary = pd.DataFrame(
        {
            "group": found["group"].astype("string"),
            "count": found["count"].astype("int64"),
            "posts": found["posts"].astype("int64"),
            "accounts": found["accounts"].astype("int64"),
            "first_seen": _stamps(found["first_ns"]),
            "last_seen": _stamps(found["last_ns"]),
        }
    )
    summary["account_names"] = [_account_names(names) for names in found["names"]]
    if history:
        seen = _seen_over_all(tuple(history))
        if len(seen):
            seen = seen.reindex(pd.Index(summary["group"]))
            first, last = seen["first_seen"].to_numpy(), seen["last_seen"].to_numpy()
            earlier = pd.notna(first) & (first < summary["first_seen"].to_numpy())
            later = pd.notna(last) & (last > summary["last_seen"].to_numpy())
            summary["first_seen"] = summary["first_seen"].where(
                ~earlier, pd.Series(first, index=summary.index)
            )
            summary["last_seen"] = summary["last_seen"].where(~later, pd.Series(last, index=summary.index))
    platforms = found["platform"].astype(object).where(found["platform"].notna(), None).tolist()
    codes = found["error_code"].astype(object).where(found["error_code"].notna(), None).tolist()
    messages = found["sample_message"].astype(object).where(found["sample_message"].notna(), None).tolist()
    statuses = [None if pd.isna(v) else int(v) for v in found["status_code"].tolist()]
    actions = found["action"].astype(object).where(found["action"].notna(), None).tolist()
    summary["platform"] = [_or_placeholder(p, analysis.UNKNOWN) for p in platforms]
    summary["error_code"] = [_or_placeholder(c, analysis.NO_CODE) for c in codes]
    summary["message"] = [analysis.normalise_message(m) for m in messages]
    summary["sample_message"] = pd.array(messages, dtype="string")
    summary["sample_log_id"] = found["sample_log_id"].astype("string")
    found_verdicts = [
        verdicts.classify(platform, code, message, status, action=action)
        for platform, code, message, status, action in zip(
            platforms, codes, messages, statuses, actions, strict=True
        )
    ]
    summary["who_must_act"] = [v.who_must_act for v in found_verdicts]
    summary["retry"] = [v.retry for v in found_verdicts]
    summary["hint"] = [v.hint for v in found_verdicts]
    summary = summary.sort_values(
        ["count", "last_seen", "group"], ascending=[False, False, True], kind="stable"
    )
    for column in ("group", "platform", "error_code", "message", "sample_message", "sample_log_id",
                   "account_names", "who_must_act", "retry", "hint"):  # fmt: skip
        summary[column] = summary[column].astype("string")
    for column in ("first_seen", "last_seen"):
        summary[column] = summary[column].astype(analysis.TIME_UNIT)
    return summary[analysis.ERROR_GROUP_COLUMNS].reset_index(drop=True)


_SAMPLE = (
    "{'log_id': log_id, 'platform': platform, 'error_code': error_code, 'error_message': error_message, "
    "'status_code': status_code, 'action': action}"
)


def _samples(files: Sequence[str], flt: analysis.Filters, found: pd.DataFrame) -> pd.DataFrame:
    """Each group's sample: its newest failure (ties: the smallest log id; a group with only undated failures,
    the smallest log id of those), indexed by group, as columns sample_log_id, platform, error_code,
    sample_message, status_code, action.

    Read apart from the groups' counts, and only from the files of the days the groups' newest failures fall
    on (mostly the window's last day): carrying six sample fields through the counts' scan of every failure
    was 0.45 of its 0.78 s over 90 days at 4.5M attempts."""

    def newest(chosen: Sequence[str], condition: str, values: list[str]) -> pd.DataFrame:
        sql, params = _select(
            f'error_group AS "group", arg_min({_SAMPLE}, log_id) AS sample',
            chosen,
            flt,
            "GROUP BY ALL",
            extra=condition,
            failed_only=True,
        )
        return query(sql, [*params, values])

    dated = found["last_ns"].notna()
    at_newest = "list_contains(?, error_group || '|' || epoch_ns(created_at))"
    parts = []
    if dated.any():
        times = found.loc[dated, "last_ns"].astype("int64")
        keys = [f"{group}|{at}" for group, at in zip(found.loc[dated, "group"], times, strict=True)]
        days = pd.to_datetime(times, unit="ns", utc=True)
        parts.append(newest(files_of_days(files, days) or files, at_newest, keys))
        # A newest failure outside its day's folder (not the store's layout, but a file list is a file list):
        # those groups again, over every file.
        missing = set(found.loc[dated, "group"].astype(str)) - set(parts[-1]["group"].astype(str))
        if missing:
            parts.append(newest(files, at_newest, [k for k in keys if k.rsplit("|", 1)[0] in missing]))
    if not dated.all():
        undated = found.loc[~dated, "group"].astype(str).tolist()
        parts.append(newest(files, "created_at IS NULL AND list_contains(?, error_group)", undated))
    samples = pd.concat(parts, ignore_index=True)
    fields = {
        "log_id": "sample_log_id", "platform": "platform", "error_code": "error_code",
        "error_message": "sample_message", "status_code": "status_code", "action": "action",
    }  # fmt: skip
    return pd.DataFrame(
        {column: [row[field] for row in samples["sample"]] for field, column in fields.items()},
        index=pd.Index(samples["group"], name="group"),
    )


def _or_placeholder(value: Any, placeholder: str) -> str:
    return value if isinstance(value, str) and value.strip() else placeholder


def _account_names(names: Any) -> str:
    """analysis.groups._account_names from the group's distinct handles (already without their "@")."""
    values = [] if names is None else [str(n) for n in list(names) if n is not None]
    return analysis.account_names_text(values)
