"""What pages show of a verdict: the attempt's verdict block, a group's caption, the words of the filter.

Pages render these lines with `st.text` or as plain table cells: hints carry handles and messages from the
logs, so they are never Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from late_logs import analysis, verdicts
from late_logs.ui.text import is_missing, span_text


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
    """ "Error group c0cd76f1a66e: instagram 190 "Error validating access token: …" — Reconnect …" for the
    Explorer when it is filtered by a group; None when no failure of the frame is in it."""
    summary = analysis.error_group_summary(frame, key)
    return None if summary is None else summary_caption(summary, key)


def summary_caption(summary: Mapping[str, Any], key: str) -> str:
    """group_caption's sentence from a group's row of error_groups (analysis's or queries')."""
    who = verdicts.WHO_LABELS.get(str(summary["who_must_act"]), str(summary["who_must_act"]))
    retry = verdicts.RETRY_LABELS.get(str(summary["retry"]), str(summary["retry"]))
    return (
        f"Error group {key}: {summary['platform']} {summary['error_code']} “{summary['message']}”. "
        f"{who}: {retry}. {summary['hint']}"
    )


# Where an account's own page is, to check whether a "verify" attempt went live when Late gave no post URL.
PROFILE_URLS = {
    "instagram": "https://www.instagram.com/{handle}/",
    "facebook": "https://www.facebook.com/{handle}",
    "threads": "https://www.threads.net/@{handle}",
    "twitter": "https://x.com/{handle}",
    "tiktok": "https://www.tiktok.com/@{handle}",
    "youtube": "https://www.youtube.com/@{handle}",
    "pinterest": "https://www.pinterest.com/{handle}/",
    "reddit": "https://www.reddit.com/user/{handle}/",
    "bluesky": "https://bsky.app/profile/{handle}",
}
VERDICT_COLUMNS = ("flag", "who_must_act", "retry", "hint")


def check_url(platform: Any, handle: Any, post_url: Any) -> str | None:
    """Where to look whether an attempt went live: its post URL, else the account's profile page."""
    if not is_missing(post_url):
        return str(post_url)
    template = PROFILE_URLS.get(str(platform).lower()) if not is_missing(platform) else None
    if template and not is_missing(handle):
        return template.format(handle=str(handle).lstrip("@"))
    return None


def with_verdicts(rows: pd.DataFrame, now: Any) -> pd.DataFrame:
    """The Explorer's rows with who_must_act, retry, hint, and a flag: "stuck 3 h 12 min" for an attempt
    pending longer than analysis.STUCK_AFTER, "may have gone live: check <url>" for a `verify` failure."""
    table = analysis.add_verdict_columns(rows)
    flags = pd.Series(pd.NA, index=table.index, dtype="string")
    now_ts = pd.Timestamp(now)
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts
    pending = (table["status"].astype("string") == "pending").fillna(False).to_numpy(dtype=bool)
    ages = now_ts - table["created_at"]
    stuck = pending & (ages > analysis.STUCK_AFTER).fillna(False).to_numpy(dtype=bool)
    for index in table.index[stuck]:
        flags.loc[index] = f"stuck {span_text(ages.loc[index])}"
    verify = (table["retry"] == "verify").fillna(False).to_numpy(dtype=bool)
    for index in table.index[verify]:
        url = check_url(
            table.at[index, "platform"],
            table.at[index, "account_username"],
            table.at[index, "platform_post_url"],
        )
        flags.loc[index] = (
            f"may have gone live: check {url}" if url else "may have gone live: check the platform"
        )
    table["flag"] = flags
    return table


def platform_lane_verdict(
    attempts: pd.DataFrame, outcome: analysis.PlatformOutcome
) -> tuple[str, str] | None:
    """(title, hint) for a Post history card whose platform ended failed: the verdict on its latest
    failure. A platform that already went live in an earlier attempt is never advised to retry."""
    if outcome.state != "failed":
        return None
    rows = attempts[
        (attempts["platform"].astype("string") == outcome.platform).fillna(False).to_numpy(dtype=bool)
    ]
    failed = rows[(rows["status"].astype("string") == "failed").fillna(False).to_numpy(dtype=bool)]
    if failed.empty:
        return None
    latest = failed.sort_values("created_at", kind="stable").iloc[-1].to_dict()
    verdict = _from_record(latest)
    if outcome.went_live:
        return (
            f"{verdicts.WHO_LABELS[verdict.who_must_act]}: already live, do not retry",
            "It went live in an earlier attempt: check the platform; a retry would post it twice.",
        )
    return verdict.label, verdict.hint
