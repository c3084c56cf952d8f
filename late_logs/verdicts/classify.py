"""Who must act on a failed attempt and whether a retry is safe: one failure in, one `Verdict` out.

Lookup order, most specific first: the platform's (code, subcode) row, then its code row, then message
patterns (the platform's, then any platform's), then Late's own codes, then the HTTP status. A clear message
beats a platform's catch-all code, so a dead token wrapped in a 400 or 500 is still "reconnect". Late's own
`errorCategory`/`errorSource`, when present, are shown beside ours and used only when nothing else matched.
Pure functions of one failure, so the store can compute them once at write time (see VERDICTS_VERSION).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from late_logs.verdicts import table
from late_logs.verdicts.envelope import (
    PlatformReply,
    code_text,
    families,
    parse_body,
    read_envelope,
    read_reply,
)

# Bump when rules change: verdicts stamped with an older version must be computed again.
VERDICTS_VERSION = "1"

PLATFORM_NAMES = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "threads": "Threads",
    "twitter": "X",
    "x": "X",
    "youtube": "YouTube",
    "googlebusiness": "Google Business Profile",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
    "pinterest": "Pinterest",
    "reddit": "Reddit",
    "bluesky": "Bluesky",
    "telegram": "Telegram",
    "snapchat": "Snapchat",
    "discord": "Discord",
}
WHO_LABELS = {
    "reconnect": "Reconnect the account",
    "account": "Account problem",
    "content": "Change the post",
    "wait": "Wait for the limit",
    "platform": "Platform failure",
    "late": "Late's side",
    "unknown": "Unknown",
}
RETRY_LABELS = {
    "yes": "a retry is safe",
    "later": "retry after the reset",
    "no": "a retry will fail the same way",
    "verify": "check the platform before retrying: it may have gone live",
}
# Actions after which a failed step cannot have published anything.
NOT_PUBLISHING_ACTIONS = frozenset({"media_upload", "token_refresh", "rate_limit_pause"})
# Platforms whose error "code" is only the HTTP status again (Telegram error_code, Reddit's 401 body).
_STATUS_AS_CODE = re.compile(r"^[45]\d\d$")
_WAIT_TEXT = re.compile(
    r"(?:try again in|retry after|break for|wait|again in|after)\s+(\d+(?:\.\d+)?)\s*"
    r"(seconds?|secs?|s\b|minutes?|mins?|m\b|hours?|h\b)?",
    re.IGNORECASE,
)
_STATUS_IN_TEXT = re.compile(
    r"status(?: code)?:? ([45]\d\d)\b|\bHTTP[ /]?(?:1\.1 )?([45]\d\d)\b|"
    r"\b([45]\d\d) (?:Forbidden|Unauthorized|Bad Request|Internal Server Error|Service Unavailable|"
    r"Bad Gateway|"
    r"Gateway Time-?out|Too Many Requests|Not Found|Conflict|Payload Too Large|Unprocessable Entity)\b",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Verdict:
    """The answer to "who must act, and is a retry safe?" for one failure.

    Usage: `classify("instagram", "4", msg, 400, raw_body=body).who_must_act` → "wait".
    """

    who_must_act: str  # one of table.WHO_MUST_ACT
    retry: str  # one of table.RETRY
    hint: str  # one line: what to do
    reason: str  # what happened, in plain words
    source: str  # the public page the rule comes from ("" when nothing matched)
    rule: str  # which rule matched, for "why this verdict?" ("instagram 4/2207051", "HTTP 503", ...)
    late_category: str | None = None
    late_source: str | None = None
    late_disagrees: bool = False  # Late's own category or source names someone else than we do
    wait_seconds: float | None = None  # how long the platform said to wait, when it said
    retry_at: datetime | None = None  # when a "later" retry should work, when known

    @property
    def label(self) -> str:
        """ "Reconnect the account: a retry will fail the same way"."""
        return f"{WHO_LABELS[self.who_must_act]}: {RETRY_LABELS[self.retry]}"


def _status(value: Any) -> int | None:
    try:
        if value is None or isinstance(value, bool) or value != value:
            return None
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _text_or_none(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _match_code_rows(
    fams: tuple[str, ...], codes: list[str], subcode: str | None
) -> tuple[table.Row | None, str]:
    if subcode:
        for fam in fams:
            for code in codes:
                row = table.CODE_INDEX.get((fam, code, subcode))
                if row:
                    return row, f"{fam} {code}/{subcode}"
            row = table.SUBCODE_INDEX.get((fam, subcode))
            if row:
                return row, f"{fam} subcode {subcode}"
    for fam in (*fams, "*"):
        for code in codes:
            row = table.CODE_INDEX.get((fam, code, None))
            if row:
                return row, f"{fam} {code}"
    # A subcode that came as the only code (Late's errorCode holds Facebook's 1366046, say).
    for fam in fams:
        for code in codes:
            row = table.SUBCODE_INDEX.get((fam, code))
            if row:
                return row, f"{fam} subcode {code}"
    return None, ""


def _match_message_rows(fams: tuple[str, ...], text: str) -> tuple[table.Row | None, str]:
    if not text:
        return None, ""
    for fam in (*fams, "*"):
        for row in table.MESSAGE_ROWS:
            if row.platform == fam and row.pattern is not None and row.pattern.search(text):
                return row, f"{fam} message /{row.pattern.pattern[:40]}/"
    return None, ""


def _wait_seconds(reply: PlatformReply, who: str) -> float | None:
    if reply.retry_after_seconds is not None:
        return reply.retry_after_seconds
    if who != "wait":
        return None
    for message in reply.messages:
        match = _WAIT_TEXT.search(message)
        if match:
            unit = (match.group(2) or "s").lower().rstrip("s") or "s"
            unit = {"sec": "s", "min": "m", "hour": "h", "minute": "m", "second": "s"}.get(unit, unit)
            return float(match.group(1)) * _UNITS.get(unit, 1)
    return None


def _retry_at(at: datetime | None, wait: float | None, rule: str) -> datetime | None:
    if at is None:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    if wait is not None:
        return (at + timedelta(seconds=wait)).astimezone(timezone.utc)
    if "quotaexceeded" in rule or "dailylimitexceeded" in rule:
        # YouTube's daily quota resets at midnight Pacific time.
        local = at.astimezone(_PACIFIC)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), _PACIFIC)
        return midnight.astimezone(timezone.utc)
    return None


def _hint(
    who: str,
    retry: str,
    reason: str,
    platform: Any,
    account: Any,
    at: datetime | None,
    retry_at: datetime | None,
    wait: float | None,
) -> str:
    platform_text = _text_or_none(platform)
    name = PLATFORM_NAMES.get(str(platform_text).lower(), platform_text or "the platform")
    handle = _text_or_none(account)
    account_text = f"the {name} account @{handle.lstrip('@')}" if handle else f"the {name} account"
    if who == "reconnect":
        return f"Reconnect {account_text} in Late, granting every permission asked: {reason}."
    if who == "account":
        return f"Have the owner fix {account_text} on {name} itself: {reason}."
    if retry == "verify":
        return f"Check on {name} whether the post went live before retrying: {reason}."
    if who == "content":
        return f"Change the post, then publish it again: {reason}."
    if who == "late":
        if retry == "yes":
            return f"Retry; if it fails again, escalate to Late support: {reason}."
        return f"Escalate to Late support: {reason}."
    if who == "wait" or retry == "later":
        if retry_at is not None:
            soon = at is not None and retry_at.date() == at.astimezone(timezone.utc).date()
            when = retry_at.strftime("%H:%M UTC" if soon else "%Y-%m-%d %H:%M UTC")
            return f"Wait until {when}, then retry: {reason}."
        if wait is not None:
            span = f"{round(wait)} s" if wait < 90 else f"{round(wait / 60)} min"
            return f"Wait about {span}, then retry: {reason}."
        return f"Wait for the limit to reset, then retry: {reason}."
    if who == "platform":
        return f"Retry: {reason}."
    return "Read the platform's response below to decide who must act: no known rule matches it."


@lru_cache(maxsize=100_000)
def _classify_core(
    platform: str | None,
    action: str | None,
    status_code: int | None,
    error_code: str | None,
    error_message: str | None,
    raw_body: str | None,
    late_category: str | None,
    late_source: str | None,
) -> tuple[str, str, str, str, str, str | None, str | None, bool, float | None]:
    reply = read_reply(error_code, error_message, raw_body)
    category = (late_category or reply.late_category or "").strip().lower() or None
    source_word = (late_source or reply.late_source or "").strip().lower() or None
    fams = families(platform)
    status = status_code
    codes = list(reply.codes)
    if "meta" not in fams:
        # A 4xx/5xx "code" outside Meta is the HTTP status again (Telegram error_code, Reddit's 401 body).
        http_like = [c for c in codes if _STATUS_AS_CODE.match(c)]
        if status is None and http_like:
            status = int(http_like[0])
        codes = [c for c in codes if not _STATUS_AS_CODE.match(c) or c not in (str(status), *http_like)]
    else:
        codes = [c for c in codes if c != str(status) or c == "506"]
    row, rule = _match_code_rows(fams, codes, reply.subcode)
    message_row, message_rule = _match_message_rows(fams, reply.text)
    # A platform's catch-all code gives way to a message naming the account or a limit: a dead token is
    # often wrapped in a generic 400 or 500.
    overrides = message_row is not None and message_row.who_must_act in ("reconnect", "account", "wait")
    if message_row is not None and (row is None or (row.weak and overrides and not message_row.weak)):
        row, rule = message_row, message_rule
    if row is None and "reddit" in fams and reply.ok_false:
        row, rule = table.REDDIT_REFUSED, "reddit json.errors"
    if status is None:
        # "Request failed with status code 503", "HTTP 429": the status, when only the text has it.
        spelled = _STATUS_IN_TEXT.search(reply.text)
        status = int(next(g for g in spelled.groups() if g)) if spelled else None
    if row is None and status is not None and status in table.STATUS_ROWS:
        row, rule = table.STATUS_ROWS[status], f"HTTP {status}"
    if row is None and status is not None and status >= 500:
        row, rule = table.STATUS_ROWS[500], f"HTTP {status}"
    # Late knows its own failures and what it saw: its category beats our catch-alls (a bare status, a
    # platform's generic code), never a specific row.
    if category in table.LATE_CATEGORIES and row is not None and (row.weak or rule.startswith("HTTP")):
        row = None
    if row is None and category in table.LATE_CATEGORIES:
        who, retry = table.LATE_CATEGORIES[category]
        reason = f"Late classed it as {category}"
        row_source, rule = table.ZO, f"Late errorCategory {category}"
    elif row is None:
        who, retry, reason, row_source, rule = "unknown", "no", "no known rule matches this reply", "", "none"
    else:
        who, retry, reason, row_source = row.who_must_act, row.retry, row.reason, row.source
    if action in NOT_PUBLISHING_ACTIONS and retry == "verify" and who in ("platform", "late"):
        retry = "yes"  # a failed upload or token refresh cannot have published the post
    disagrees = False
    if category in table.LATE_CATEGORIES and who != "unknown":
        disagrees = table.LATE_CATEGORIES[category][0] != who
    if source_word in table.LATE_SOURCES and who != "unknown":
        disagrees = disagrees or who not in table.LATE_SOURCES[source_word]
    wait = _wait_seconds(reply, who) if retry == "later" else None
    return who, retry, reason, row_source, rule, category, source_word, disagrees, wait


def classify(
    platform: Any,
    error_code: Any = None,
    error_message: Any = None,
    status_code: Any = None,
    *,
    raw_body: Any = None,
    action: Any = None,
    account: Any = None,
    at: datetime | None = None,
    late_category: Any = None,
    late_source: Any = None,
) -> Verdict:
    """The verdict on one failed attempt from Late's fields and, when stored, the raw response body.

    `platform` is Late's platform name ("instagram", "twitter", ...); `raw_body` the response body text (or
    decoded JSON); `action` Late's action ("publish", "media_upload", ...); `account` the handle for the hint;
    `at` the attempt's time, to say until when to wait.
    """
    body = raw_body
    if body is not None and not isinstance(body, str):
        body = (
            json.dumps(body, default=str, sort_keys=True) if isinstance(body, (Mapping, list)) else str(body)
        )
    who, retry, reason, source, rule, category, source_word, disagrees, wait = _classify_core(
        _text_or_none(platform).lower() if _text_or_none(platform) else None,
        _text_or_none(action),
        _status(status_code),
        code_text(error_code) if not isinstance(error_code, str) else (error_code.strip() or None),
        _text_or_none(error_message),
        body,
        _text_or_none(late_category),
        _text_or_none(late_source),
    )
    retry_at = _retry_at(at, wait, rule) if retry == "later" else None
    return Verdict(
        who_must_act=who,
        retry=retry,
        hint=_hint(who, retry, reason, platform, account, at, retry_at, wait),
        reason=reason,
        source=source,
        rule=rule,
        late_category=category,
        late_source=source_word,
        late_disagrees=disagrees,
        wait_seconds=wait,
        retry_at=retry_at,
    )


def _late_fields(entry: Mapping[str, Any]) -> tuple[Any, Any]:
    """errorCategory/errorSource wherever Late put them: on the entry, its response, metadata or platforms."""
    probe = PlatformReply()
    for part in (entry, entry.get("response"), entry.get("metadata"), entry.get("error")):
        data = parse_body(part) if isinstance(part, str) else part
        if isinstance(data, Mapping):
            read_envelope(
                {
                    k: data.get(k)
                    for k in ("errorCategory", "error_category", "errorSource", "error_source")
                    if k in data
                },
                probe,
            )
    return probe.late_category, probe.late_source


def classify_entry(entry: Mapping[str, Any]) -> Verdict:
    """The verdict on one raw Late log entry (the 1.0.1 `PostLog` shape or a unified `/v1/logs` item)."""
    from late_logs.records import flatten, parse_time

    record = flatten(entry)
    response = entry.get("response") if isinstance(entry.get("response"), Mapping) else {}
    raw_body = response.get("rawBody") if response else None
    if raw_body is None:
        raw_body = entry.get("response_body") or entry.get("responseBody")
    category, source_word = _late_fields(entry)
    at = parse_time(entry.get("createdAt") or entry.get("created_at"))
    return classify(
        record.get("platform"),
        record.get("error_code"),
        record.get("error_message"),
        record.get("status_code"),
        raw_body=raw_body,
        action=record.get("action"),
        account=record.get("account_username"),
        at=at,
        late_category=category,
        late_source=source_word,
    )
