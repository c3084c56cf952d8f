"""The Accounts page's facts in SQL: each account's newest platform, handle and id, its attempts in the
window and its last success over the whole store, and the window's failures; what ui.accounts.account_facts
makes of every stored row in pandas, without loading them."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from late_logs import analysis
from late_logs.queries.rows import attempts
from late_logs.queries.sql import _stamps, _utc, query, scan

_KEY = "coalesce(account_id, account_username)"  # ui.accounts._keys: the id, else the handle


def account_facts(
    files: list[str], window_files: list[str], start: datetime, end: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts indexed by key in the order of their newest attempt: platform, handle, account_id,
    attempts in [start, end), last_success; the window's failures, newest first), from every stored file
    (`files`) and the window's (`window_files`)."""
    if not files:
        return pd.DataFrame(), attempts([], analysis.Filters())
    source, params = scan(files)
    # The newest row of each account in the store's order (time newest first, undated last, then log id).
    newest = "{'t': coalesce(epoch_ns(created_at), -9223372036854775807), 'id': log_id}"
    found = query(
        f"SELECT {_KEY} AS key, arg_max({{'platform': platform, 'handle': account_username, "
        f"'account_id': account_id}}, {newest}) AS first, max({newest}) AS position, "
        "count(*) FILTER (WHERE created_at >= ? AND created_at < ?) AS attempts, "
        "epoch_ns(max(created_at) FILTER (WHERE status = 'success')) AS success_ns "
        f"FROM {source} WHERE {_KEY} IS NOT NULL GROUP BY ALL ORDER BY position DESC",
        [_utc(start), _utc(end), *params],
    )
    if found.empty:
        return pd.DataFrame(), attempts([], analysis.Filters())
    accounts = pd.DataFrame(
        {
            "platform": [f["platform"] for f in found["first"]],
            "handle": [f["handle"] for f in found["first"]],
            "account_id": [f["account_id"] for f in found["first"]],
            "attempts": found["attempts"].astype("int64").to_numpy(),
            "last_success": _stamps(found["success_ns"]).to_numpy(),
        },
        index=pd.Index(found["key"].astype(str).to_numpy(), name="key"),
    )
    failed = attempts(window_files, analysis.Filters(start=start, end=end, statuses=("failed",)))
    return accounts, failed


__all__ = ["account_facts"]
