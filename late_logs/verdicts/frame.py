"""Verdicts for a whole attempts frame: `classify` once per distinct failure, mapped back onto each row.

A million attempts hold a few thousand distinct (platform, action, status, code, message, account) failures,
so this costs a factorize and a few thousand lookups, not a million.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from late_logs.verdicts.classify import classify

VERDICT_COLUMNS = ("who_must_act", "retry", "hint", "reason")
_KEY_COLUMNS = ("platform", "action", "status_code", "error_code", "error_message", "account_username")
_BODY_COLUMN = "response_body"  # present only when a caller joined the raw bodies in


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def frame_verdicts(frame: pd.DataFrame) -> pd.DataFrame:
    """who_must_act, retry, hint, reason of every failed row (NA for the others), aligned with the frame."""
    result = pd.DataFrame({c: pd.Series(pd.NA, index=frame.index, dtype="string") for c in VERDICT_COLUMNS})
    if frame.empty or "status" not in frame.columns:
        return result
    failed_mask = (frame["status"].astype("string") == "failed").fillna(False).to_numpy(dtype=bool)
    if not failed_mask.any():
        return result
    failed = frame[failed_mask]
    columns = list(_KEY_COLUMNS) + ([_BODY_COLUMN] if _BODY_COLUMN in frame.columns else [])
    keys = pd.DataFrame({c: _column(failed, c).astype("string").fillna("\x00") for c in columns})
    numbers, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    created = _column(failed, "created_at")
    values = {c: np.empty(len(uniques), dtype=object) for c in VERDICT_COLUMNS}
    timed: list[int] = []  # distinct failures whose hint names a time: recomputed per row below
    for position, key in enumerate(uniques):
        fields = dict(zip(columns, (None if v == "\x00" else v for v in key), strict=True))
        verdict = classify(
            fields["platform"],
            fields["error_code"],
            fields["error_message"],
            fields["status_code"],
            raw_body=fields.get(_BODY_COLUMN),
            action=fields["action"],
            account=fields["account_username"],
        )
        for name in VERDICT_COLUMNS:
            values[name][position] = getattr(verdict, name)
        if verdict.retry == "later" and verdict.wait_seconds is not None:
            timed.append(position)
    for name in VERDICT_COLUMNS:
        result.loc[failed.index, name] = values[name][numbers]
    if timed:
        # "Wait until 14:05 UTC" depends on when each attempt failed: few rows, computed one by one.
        rows = np.flatnonzero(np.isin(numbers, timed))
        for row in rows:
            key = dict(zip(columns, (None if v == "\x00" else v for v in uniques[numbers[row]]), strict=True))
            stamp = created.iloc[row]
            verdict = classify(
                key["platform"],
                key["error_code"],
                key["error_message"],
                key["status_code"],
                raw_body=key.get(_BODY_COLUMN),
                action=key["action"],
                account=key["account_username"],
                at=None if pd.isna(stamp) else stamp.to_pydatetime(),
            )
            result.loc[failed.index[row], "hint"] = verdict.hint
    return result
