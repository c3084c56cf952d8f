"""What pages show of a verdict: the attempt's verdict block, a group's caption, the words of the filter.

Pages render these lines with `st.text` or as plain table cells: hints carry handles and messages from the
logs, so they are never Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.ui.text import is_missing

WHO_OPTIONS = verdicts.WHO_MUST_ACT
RETRY_OPTIONS = verdicts.RETRY


@dataclass(frozen=True)
class VerdictBlock:
    """The lines the Attempt page shows at its top for a failed attempt."""

    title: str  # "Reconnect the account: a retry will fail the same way" (our own words only)
    hint: str  # may hold a handle from the logs: shown as text
    why: str  # which rule matched, and its public source
    late_line: str | None  # Late's own errorCategory/errorSource beside ours, when the entry has them
    late_disagrees: bool
    verdict: verdicts.Verdict


def _value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    return None if is_missing(value) else value


def attempt_verdict(record: Mapping[str, Any], raw_entry: Mapping[str, Any] | None) -> VerdictBlock | None:
    """The verdict block of one attempt (None unless it failed): from its raw entry when stored, so the codes
    inside the platform's response body count, else from the flat record."""
    if _value(record, "status") != "failed":
        return None
    if raw_entry:
        verdict = verdicts.classify_entry(raw_entry)
        if verdict.who_must_act == "unknown":  # the flat record may know more than a partial raw entry
            verdict = _from_record(record)
    else:
        verdict = _from_record(record)
    why = f"Rule: {verdict.rule}." + (f" Source: {verdict.source}" if verdict.source else "")
    late_line = None
    if verdict.late_category or verdict.late_source:
        parts = [p for p in (verdict.late_category, verdict.late_source) if p]
        late_line = "Late's own classification: " + " / ".join(parts)
        if verdict.late_disagrees:
            late_line += f" (disagrees with ours: {verdict.who_must_act})"
    return VerdictBlock(
        title=verdict.label,
        hint=verdict.hint,
        why=why,
        late_line=late_line,
        late_disagrees=verdict.late_disagrees,
        verdict=verdict,
    )


def _from_record(record: Mapping[str, Any]) -> verdicts.Verdict:
    created = _value(record, "created_at")
    return verdicts.classify(
        _value(record, "platform"),
        _value(record, "error_code"),
        _value(record, "error_message"),
        _value(record, "status_code"),
        action=_value(record, "action"),
        account=_value(record, "account_username"),
        at=None if created is None else pd.Timestamp(created).to_pydatetime(),
    )


def group_caption(frame: pd.DataFrame, key: str) -> str | None:
    """"Error group c0cd76f1a66e: instagram 190 "Error validating access token: …" — Reconnect …" for the
    Explorer when it is filtered by a group; None when no failure of the frame is in it."""
    summary = analysis.error_group_summary(frame, key)
    if summary is None:
        return None
    who = verdicts.WHO_LABELS.get(str(summary["who_must_act"]), str(summary["who_must_act"]))
    retry = verdicts.RETRY_LABELS.get(str(summary["retry"]), str(summary["retry"]))
    return (
        f"Error group {key}: {summary['platform']} {summary['error_code']} “{summary['message']}”. "
        f"{who}: {retry}. {summary['hint']}"
    )
