"""Moving between attempts and telling the time: the newer and older neighbour of an attempt in a filtered
list, how long ago the collector synced, and the current time in UTC."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from late_logs.analysis.frame import _bools, _text_or_none, _utc


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
