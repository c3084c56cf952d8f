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


def _code_at(frame: pd.DataFrame, name: str, row: int) -> str | None:
    value = _column(frame, name).iloc[row]
    return (
        None
        if value is None or value is pd.NA or (isinstance(value, float) and value != value)
        else str(value)
    )


def frame_verdicts(frame: pd.DataFrame) -> pd.DataFrame:
    """who_must_act, retry, hint, reason of every failed row (NA for the others), aligned with the frame."""
    result = pd.DataFrame({c: pd.Series(pd.NA, index=frame.index, dtype="string") for c in VERDICT_COLUMNS})
    if frame.empty or "status" not in frame.columns:
        return result
    failed_mask = (frame["status"].astype("string") == "failed").fillna(False).to_numpy(dtype=bool)
    if not failed_mask.any():
        return result
    columns = list(_KEY_COLUMNS) + ([_BODY_COLUMN] if _BODY_COLUMN in frame.columns else [])
    # Only the columns a verdict reads: taking all of a million-row frame's columns costs more than the rest.
    failed = frame.loc[failed_mask, [c for c in (*columns, "created_at") if c in frame.columns]]
    # One integer per distinct combination, from per-column codes: factorizing a MultiIndex of strings is
    # several times slower on a million rows.
    combined = np.zeros(len(failed), dtype=np.int64)
    for name in columns:
        codes, values = pd.factorize(_column(failed, name).astype("string"), use_na_sentinel=True)
        # Re-numbered after each column, so the combined number stays small whatever the cardinalities.
        combined, _ = pd.factorize(combined * (len(values) + 1) + (codes + 1))
    _, first_rows, numbers = np.unique(combined, return_index=True, return_inverse=True)
    uniques = [tuple(_code_at(failed, name, row) for name in columns) for row in first_rows]
    created = _column(failed, "created_at")
    values = {c: np.empty(len(uniques), dtype=object) for c in VERDICT_COLUMNS}
    timed: list[int] = []  # distinct failures whose hint names a time: recomputed per row below
    for position, key in enumerate(uniques):
        fields = dict(zip(columns, key, strict=True))
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
    per_row = {name: values[name][numbers] for name in VERDICT_COLUMNS}
    if timed:
        # "Wait until 14:05 UTC" depends on when each attempt failed: few rows, computed one by one.
        rows = np.flatnonzero(np.isin(numbers, timed))
        for row in rows:
            key = dict(zip(columns, uniques[numbers[row]], strict=True))
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
            per_row["hint"][row] = verdict.hint
    # Filled as plain arrays, assigned once per column: per-row assignment into Arrow strings is slow.
    positions = np.flatnonzero(failed_mask)
    for name in VERDICT_COLUMNS:
        column = np.full(len(frame), None, dtype=object)
        column[positions] = per_row[name]
        result[name] = pd.array(column, dtype="string")
    return result
