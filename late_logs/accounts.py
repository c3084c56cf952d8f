"""Account health, pure (no Streamlit): one row per account with its state in the window, and the reconnect
worklist. The Accounts page (late_logs.ui.accounts), the digest and the alerts read it.

An account's state comes from its failures' verdicts since its last success: `needs reconnect` ("token dead
since 09:12: 37 failures on 14 posts") when the newest failure says reconnect, `account problem` when it
names the platform account itself, `failing` for any other failure in the window, `healthy` otherwise.
Connection logs (disconnects, failed reconnects) are joined by account id.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.records import parse_time

STATES = ("needs reconnect", "account problem", "failing", "healthy")  # worst first: the table's order
ACCOUNT_COLUMNS = [
    "state",
    "platform",
    "handle",
    "failures",
    "posts_hurt",
    "attempts",
    "last_success",
    "state_text",
    "connection",
    "account_id",
    "link",
]
WORKLIST_COLUMNS = ["platform", "handle", "account_id", "dead_since", "failures", "posts_hurt", "hint"]
_NEEDED = analysis.SUMMARY_COLUMNS
BAD_CONNECTION_EVENTS = ("disconnect", "reconnect_failed", "connect_failed", "token_refresh_failed")


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["account_id"].astype("string").fillna(frame["account_username"].astype("string"))


def _when(stamp: Any, now: pd.Timestamp) -> str:
    moment = pd.Timestamp(stamp)
    return moment.strftime("%H:%M") if moment.date() == now.date() else moment.strftime("%Y-%m-%d %H:%M")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def connection_summary(connection_logs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Per account id: its connection events, the newest first, as one line ("reconnect_failed 05:39 ·
    2 failed reconnects · 3 events") and the events themselves for the account view."""
    rows = []
    for entry in connection_logs:
        if not isinstance(entry, Mapping):
            continue
        error = entry.get("error") if isinstance(entry.get("error"), Mapping) else {}
        rows.append(
            {
                "account_id": str(entry.get("accountId") or ""),
                "platform": entry.get("platform"),
                "event": str(entry.get("eventType") or "(unknown event)"),
                "created_at": parse_time(entry.get("createdAt")),
                "error": error.get("message") if error else None,
            }
        )
    events = pd.DataFrame(rows, columns=["account_id", "platform", "event", "created_at", "error"])
    events["created_at"] = pd.to_datetime(events["created_at"], utc=True, errors="coerce")
    return events.sort_values("created_at", ascending=False, na_position="last", kind="stable")


def _connection_lines(events: pd.DataFrame, now: pd.Timestamp) -> dict[str, str]:
    lines: dict[str, str] = {}
    for account_id, group in events.groupby("account_id", sort=False):
        newest = group.iloc[0]
        bad = int(group["event"].isin(BAD_CONNECTION_EVENTS).sum())
        when = _when(newest["created_at"], now) if pd.notna(newest["created_at"]) else "?"
        parts = [f"{newest['event']} {when}"]
        if bad:
            parts.append(_plural(bad, "bad event"))
        parts.append(_plural(len(group), "event"))
        lines[str(account_id)] = " · ".join(parts)
    return lines


def account_facts(frame: pd.DataFrame, start: Any, end: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From stored rows (newest first): the accounts (indexed by key, in the order their newest attempt
    comes: platform, handle, account_id, attempts in [start, end), last_success over every row) and the
    window's failures (the rows, newest first). `queries.account_facts` answers the same in SQL."""
    narrow = frame[[c for c in _NEEDED if c in frame.columns]]
    if narrow.empty:
        return pd.DataFrame(), narrow
    keys = _keys(narrow)
    status = narrow["status"].astype("string")
    success = (status == "success").fillna(False).to_numpy(dtype=bool)
    last_success = narrow["created_at"][success].groupby(keys[success].to_numpy()).max()
    window = analysis.apply_filters(narrow, analysis.Filters(start=start, end=end))
    accounts = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "platform": narrow["platform"].to_numpy(),
            "handle": narrow["account_username"].to_numpy(),
            "account_id": narrow["account_id"].to_numpy(),
        }
    )
    accounts = accounts.dropna(subset=["key"]).drop_duplicates("key", keep="first").set_index("key")
    accounts["attempts"] = _keys(window).value_counts().reindex(accounts.index).fillna(0).astype("int64")
    accounts["last_success"] = last_success.reindex(accounts.index)
    failed_mask = (window["status"].astype("string") == "failed").fillna(False).to_numpy(dtype=bool)
    return accounts, window[failed_mask]


def account_health(
    frame: pd.DataFrame,
    start: Any,
    end: Any,
    connection_logs: Iterable[Mapping[str, Any]] = (),
    now: Any = None,
) -> pd.DataFrame:
    """One row per account seen in the store (ACCOUNT_COLUMNS), worst state first, then most failures.

    Failures and posts hurt count the window [start, end); last success and the dead-since moment look at
    the whole store, so a token dead since last week still says so.
    """
    accounts, failed = account_facts(frame, start, end)
    return health_of(accounts, failed, connection_logs, now)


def health_of(
    accounts: pd.DataFrame,
    failed: pd.DataFrame,
    connection_logs: Iterable[Mapping[str, Any]] = (),
    now: Any = None,
) -> pd.DataFrame:
    """account_health from the accounts and the window's failures (account_facts or queries.account_facts)."""
    now_ts = pd.Timestamp(now if now is not None else analysis.utc_now())
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    events = connection_summary(connection_logs)
    if accounts.empty:
        return pd.DataFrame(columns=[*ACCOUNT_COLUMNS, "dead_since"])  # the columns a full table has
    accounts = accounts.copy()
    failed = failed.copy()
    failed["key"] = _keys(failed).to_numpy()
    found = verdicts.frame_verdicts(failed)
    failed["who"] = found["who_must_act"].to_numpy()
    by_key = failed.groupby("key", sort=False)
    accounts["failures"] = by_key.size().reindex(accounts.index).fillna(0).astype("int64")
    accounts["posts_hurt"] = by_key["post_id"].nunique().reindex(accounts.index).fillna(0).astype("int64")

    states, texts, dead = [], [], []
    newest = (
        failed.sort_values("created_at", kind="stable").groupby("key", sort=False).tail(1).set_index("key")
    )
    for key in accounts.index:
        count = int(accounts.at[key, "failures"])
        if count == 0:
            states.append("healthy")
            texts.append("no failures in this window")
            dead.append(pd.NaT)
            continue
        since = accounts.at[key, "last_success"]
        own = failed[failed["key"] == key]
        streak = own if pd.isna(since) else own[own["created_at"] > since]
        latest_who = newest.at[key, "who"] if key in newest.index else None
        if latest_who in ("reconnect", "account") and len(streak):
            hurting = streak[streak["who"] == latest_who]
            first = hurting["created_at"].min()
            failures = _plural(len(hurting), "failure")
            posts = _plural(int(hurting["post_id"].nunique()), "post")
            if latest_who == "reconnect":
                states.append("needs reconnect")
                texts.append(f"token dead since {_when(first, now_ts)}: {failures} on {posts}")
            else:
                states.append("account problem")
                texts.append(f"account problem since {_when(first, now_ts)}: {failures} on {posts}")
            dead.append(first)
        else:
            states.append("failing")
            texts.append(
                f"{_plural(count, 'failure')} on {_plural(int(accounts.at[key, 'posts_hurt']), 'post')}"
            )
            dead.append(pd.NaT)
    accounts["state"] = states
    accounts["state_text"] = texts
    accounts["dead_since"] = pd.to_datetime(pd.Series(dead, index=accounts.index), utc=True)
    lines = _connection_lines(events, now_ts)
    accounts["connection"] = [
        lines.get(str(a), "") for a in accounts["account_id"].astype("string").fillna("")
    ]
    accounts["link"] = [f"accounts?id={key}" for key in accounts.index]
    accounts["account_id"] = (
        accounts["account_id"].astype("string").fillna(pd.Series(accounts.index, index=accounts.index))
    )
    order = accounts["state"].map({s: i for i, s in enumerate(STATES)})
    accounts = accounts.assign(_order=order.to_numpy()).sort_values(
        ["_order", "failures", "handle"], ascending=[True, False, True], kind="stable"
    )
    result = accounts.reset_index(drop=True)
    for column in ("platform", "handle", "state", "state_text", "connection", "link", "account_id"):
        result[column] = result[column].astype("string")
    return result[[*ACCOUNT_COLUMNS, "dead_since"]]


def reconnect_worklist(health: pd.DataFrame) -> pd.DataFrame:
    """The accounts whose customer must reconnect, oldest dead token first, with the hint to send them."""
    dead = health[health["state"] == "needs reconnect"].sort_values("dead_since", kind="stable")
    hints = [
        verdicts.classify(platform, None, "access token expired", 401, account=handle).hint
        for platform, handle in zip(dead["platform"].tolist(), dead["handle"].tolist(), strict=True)
    ]
    return dead.assign(hint=pd.array(hints, dtype="string"))[WORKLIST_COLUMNS].reset_index(drop=True)


def account_row(health: pd.DataFrame, account_id: str) -> pd.Series | None:
    """One account's row of the health table, found by id (or handle, with or without "@")."""
    wanted = str(account_id).strip()
    hit = health[(health["account_id"] == wanted) | (health["handle"].str.lstrip("@") == wanted.lstrip("@"))]
    return None if hit.empty else hit.iloc[0]


def account_events(connection_logs: Iterable[Mapping[str, Any]], account_id: str) -> pd.DataFrame:
    events = connection_summary(connection_logs)
    return events[events["account_id"] == str(account_id)].reset_index(drop=True)


def states_count(health: pd.DataFrame) -> dict[str, int]:
    counts = health["state"].value_counts()
    return {state: int(counts.get(state, 0)) for state in STATES}


__all__ = [
    "ACCOUNT_COLUMNS",
    "STATES",
    "WORKLIST_COLUMNS",
    "account_events",
    "account_facts",
    "account_health",
    "account_row",
    "health_of",
    "reconnect_worklist",
    "states_count",
]
