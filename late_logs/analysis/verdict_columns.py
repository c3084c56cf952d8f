"""The verdict of every failed row (who must act, retry, hint) and its error group, as columns of a copy."""

from __future__ import annotations

import pandas as pd

from late_logs import verdicts
from late_logs.fingerprint import error_group_keys


def add_verdict_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with who_must_act, retry, hint (failed rows; NA otherwise) and error_group."""
    result = frame.copy()
    found = verdicts.frame_verdicts(frame)
    for column in ("who_must_act", "retry", "hint"):
        result[column] = found[column].astype("string")
    result["error_group"] = error_group_keys(frame).astype("string")
    return result
