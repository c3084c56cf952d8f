"""The columns the store derives once, at write time, beside each flat record: the error group and the
failure verdict (who must act, whether a retry helps, the hint), stamped with the version of the code that
computed them, so a page never runs the regex normalisation or the rule table over millions of messages.

A failure with its raw entry at hand is judged from the entry (verdicts.classify_entry reads the platform's
own error envelope in the raw response body, and Late's errorCategory/errorSource); a flat row without one
(a bulk import) from its flat fields only, as verdicts.frame_verdicts does. Other rows get nulls.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from late_logs import fingerprint, verdicts

DERIVED_COLUMNS = ("error_group", "who_must_act", "retry", "hint")
VERSION_COLUMN = "derived_version"
# The module, not the function the verdicts package exports under the same name.
_RULES = importlib.import_module("late_logs.verdicts.classify")


def current_version() -> str:
    """The version stamped on derived columns: the verdict rules' and the fingerprint's, read at call time
    (a test may change either; a stale stamp makes the writer compute the columns again)."""
    return f"verdicts-{_RULES.VERDICTS_VERSION}+fingerprint-{fingerprint.FINGERPRINT_VERSION}"


def derive(records: pa.Table, raws: Sequence[Mapping[str, Any] | None]) -> dict[str, pa.Array]:
    """DERIVED_COLUMNS and VERSION_COLUMN for `records` (flat RECORD_COLUMNS), row for row with `raws`
    (the stored raw entry of each row, or None)."""
    rows = records.num_rows
    frame = records.select(
        [
            "status",
            "platform",
            "action",
            "status_code",
            "error_code",
            "error_message",
            "account_username",
            "created_at",
        ]
    ).to_pandas(types_mapper=_pandas_type)
    groups = fingerprint.error_group_keys(frame)
    columns = {name: [None] * rows for name in ("who_must_act", "retry", "hint")}
    failed = (frame["status"] == "failed").to_numpy(dtype=bool, na_value=False)
    flat_only = [i for i in range(rows) if failed[i] and raws[i] is None]
    for i in range(rows):
        if failed[i] and raws[i] is not None:
            verdict = verdicts.classify_entry(raws[i])
            columns["who_must_act"][i], columns["retry"][i], columns["hint"][i] = (
                verdict.who_must_act,
                verdict.retry,
                verdict.hint,
            )
    if flat_only:
        found = verdicts.frame_verdicts(frame.iloc[flat_only])
        for name in ("who_must_act", "retry", "hint"):
            values = found[name].astype(object).where(found[name].notna(), None).tolist()
            for i, value in zip(flat_only, values, strict=True):
                columns[name][i] = value
    result = {
        "error_group": pa.array(groups.astype(object).where(groups.notna(), None).tolist(), pa.string())
    }
    for name, values in columns.items():
        result[name] = pa.array(values, pa.string())
    result[VERSION_COLUMN] = pa.array([current_version()] * rows, pa.string())
    return result


def _pandas_type(arrow_type: pa.DataType) -> Any:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    if arrow_type == pa.int64():
        return pd.Int64Dtype()
    return None
