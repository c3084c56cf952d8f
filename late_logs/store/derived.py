"""The columns the store derives once, at write time, beside each flat record: the error group and the
failure verdict (who must act, whether a retry helps, the hint), stamped with the version of the code that
computed them, so a page never runs the regex normalisation or the rule table over millions of messages.

A failure with its raw entry at hand is judged from the entry (verdicts.classify_entry reads the platform's
own error envelope in the raw response body, and Late's errorCategory/errorSource); a flat row without one
(a bulk import) from its flat fields only, as verdicts.frame_verdicts does. Other rows get nulls. The error
group of a failure whose platform, code and message were seen before is remembered (per fingerprint version).
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
    failed = [status == "failed" for status in records["status"].to_pylist()]
    groups = _error_groups(records, failed)
    columns = {name: [None] * rows for name in ("who_must_act", "retry", "hint")}
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
        found = verdicts.frame_verdicts(_frame(records).iloc[flat_only])
        for name in ("who_must_act", "retry", "hint"):
            values = found[name].astype(object).where(found[name].notna(), None).tolist()
            for i, value in zip(flat_only, values, strict=True):
                columns[name][i] = value
    result = {"error_group": pa.array(groups, pa.string())}
    for name, values in columns.items():
        result[name] = pa.array(values, pa.string())
    result[VERSION_COLUMN] = pa.array([current_version()] * rows, pa.string())
    return result


# (fingerprint version, platform, error code, error message) -> error group of a failed row. A batch's
# failures repeat a few messages, and fingerprint.error_group_keys costs milliseconds of pandas per call
# whatever its size: only the rows not seen before go through it. Bounded; the version is read per call
# (a test may change it), so a stale group is never served.
_GROUPS: dict[tuple[str, Any, Any, Any], str | None] = {}
_MAX_GROUPS = 100_000


def _frame(records: pa.Table) -> pd.DataFrame:
    """The columns the fingerprint and the flat-field verdicts read, as the frame they take."""
    return records.select(
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
    ).to_pandas(types_mapper=pandas_type)


def _error_groups(records: pa.Table, failed: list[bool]) -> list[str | None]:
    """fingerprint.error_group_keys(_frame(records)) as a list (None for rows that did not fail), computed
    by that very function for the failed rows whose (platform, error code, message) it has not seen yet."""
    version = fingerprint.FINGERPRINT_VERSION
    triples = zip(
        records["platform"].to_pylist(),
        records["error_code"].to_pylist(),
        records["error_message"].to_pylist(),
        strict=True,
    )
    keys = [
        (version, *triple) if is_failed else None for is_failed, triple in zip(failed, triples, strict=True)
    ]
    global _GROUPS
    if len(_GROUPS) > _MAX_GROUPS:
        _GROUPS = {}  # a new dict, not clear(): a write in another thread keeps the one it is reading
    known = _GROUPS
    unseen = [i for i, key in enumerate(keys) if key is not None and key not in known]
    if unseen:
        found = fingerprint.error_group_keys(_frame(records.take(unseen)))
        for i, group in zip(unseen, found.tolist(), strict=True):
            known[keys[i]] = None if pd.isna(group) else group
    return [None if key is None else known[key] for key in keys]


def pandas_type(arrow_type: pa.DataType) -> Any:
    """The pandas dtype a stored column reads as: text as pyarrow strings, whole numbers as nullable Int64."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    if arrow_type == pa.int64():
        return pd.Int64Dtype()
    return None
