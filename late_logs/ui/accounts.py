"""The Accounts page's view model: the account health of late_logs.accounts (re-exported here for the page),
and one account's attempts with their verdicts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from late_logs import analysis, queries
from late_logs.accounts import (
    ACCOUNT_COLUMNS,
    STATES,
    WORKLIST_COLUMNS,
    account_events,
    account_facts,
    account_health,
    account_row,
    health_of,
    reconnect_worklist,
    states_count,
)
from late_logs.ui.verdicts import with_verdicts


def account_attempts(frame: pd.DataFrame, account_id: str, start: Any, end: Any, now: Any) -> pd.DataFrame:
    """The account's attempts in the window, newest first, with their verdicts and flags."""
    rows = analysis.apply_filters(frame, analysis.Filters(start=start, end=end, accounts=(str(account_id),)))
    return with_verdicts(rows, now)


def store_health(ctx: Any, start: Any, end: Any, now: Any) -> pd.DataFrame:
    """account_health of the store behind an AppContext, in SQL over its files (queries.account_facts):
    the whole store only for each account's newest handle and last success, never every row in pandas."""
    facts = queries.account_facts(ctx.files(), ctx.files(since=start, until=end), start, end)
    return health_of(*facts, ctx.store.connection_logs(), now)


def store_account_attempts(ctx: Any, account_id: str, start: Any, end: Any, now: Any) -> pd.DataFrame:
    """account_attempts over the window's files (the same account filter, in SQL)."""
    flt = analysis.Filters(start=start, end=end, accounts=(str(account_id),))
    return with_verdicts(queries.attempts(ctx.files(since=start, until=end), flt), now)


__all__ = [
    "ACCOUNT_COLUMNS",
    "STATES",
    "WORKLIST_COLUMNS",
    "account_attempts",
    "account_events",
    "account_facts",
    "account_health",
    "account_row",
    "health_of",
    "reconnect_worklist",
    "states_count",
    "store_account_attempts",
    "store_health",
]
