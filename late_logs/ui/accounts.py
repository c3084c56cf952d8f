"""The Accounts page's view model: the account health of late_logs.accounts (re-exported here for the page),
and one account's attempts with their verdicts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from late_logs import analysis
from late_logs.accounts import (
    ACCOUNT_COLUMNS,
    STATES,
    WORKLIST_COLUMNS,
    account_events,
    account_health,
    account_row,
    reconnect_worklist,
    states_count,
)
from late_logs.ui.verdicts import with_verdicts


def account_attempts(frame: pd.DataFrame, account_id: str, start: Any, end: Any, now: Any) -> pd.DataFrame:
    """The account's attempts in the window, newest first, with their verdicts and flags."""
    rows = analysis.apply_filters(frame, analysis.Filters(start=start, end=end, accounts=(str(account_id),)))
    return with_verdicts(rows, now)


__all__ = [
    "ACCOUNT_COLUMNS",
    "STATES",
    "WORKLIST_COLUMNS",
    "account_attempts",
    "account_events",
    "account_health",
    "account_row",
    "reconnect_worklist",
    "states_count",
]
