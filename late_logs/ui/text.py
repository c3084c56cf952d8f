"""Showing text from the logs safely: always as text, never as HTML or live markdown, secrets scrubbed.

Log content (error messages, captions, endpoints, raw bodies) is written by platforms and by the people who
post; it can hold markdown, HTML, Streamlit colour directives or a token. Pages put it through these helpers
or through widgets that never interpret it (`st.text`, `st.code`, `st.dataframe`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pandas as pd

from late_logs.redact import redact_text, redact_value

# The Markdown-safe text itself lives below ui (the digest and the bundle need it too); pages and views
# keep importing it from here.
from late_logs.safe_text import MISSING as MISSING
from late_logs.safe_text import WORD_JOINER as WORD_JOINER
from late_logs.safe_text import escape_markdown as escape_markdown
from late_logs.safe_text import is_missing as is_missing
from late_logs.safe_text import plain as plain

TIMEZONE_LABEL = "UTC"


def utc_text(value: Any, *, seconds: bool = True) -> str:
    """A timestamp as `2025-11-29 13:52:07 UTC` (the one timezone of the product, always labelled)."""
    if is_missing(value):
        return MISSING
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {TIMEZONE_LABEL}"


def duration_text(milliseconds: Any) -> str:
    if is_missing(milliseconds):
        return MISSING
    ms = int(milliseconds)
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def count_text(value: Any) -> str:
    if is_missing(value):
        return MISSING
    return f"{int(value):,}"


def rate_text(value: Any) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:.1f}%"


def pretty_body(raw: Any) -> tuple[str, str]:
    """A raw request/response body as (text, language) for st.code: indented JSON when it parses, else as is.

    Redacted again here although the store redacts on the way in: what reaches the page must be scrubbed
    even if an older store or a new secret pattern slipped through.
    """
    if is_missing(raw) or raw == "":
        return "", "text"
    parsed: Any
    if isinstance(raw, (dict, list)):
        parsed = raw
    else:
        text = str(raw)
        try:
            parsed = json.loads(text)
        except ValueError:
            return redact_text(text), "text"
        if not isinstance(parsed, (dict, list)):
            return redact_text(text), "text"
    return json.dumps(redact_value(parsed), indent=2, ensure_ascii=False, sort_keys=False), "json"


def age_text(then: datetime | pd.Timestamp | None, now: datetime) -> str:
    """How long ago, in words: "42 min", "3 h 5 min", "2 days"."""
    if is_missing(then):
        return MISSING
    age = max(pd.Timedelta(0), pd.Timestamp(now) - pd.Timestamp(then))
    if age < pd.Timedelta(minutes=1):
        return "under a minute"
    return span_text(age)


def span_text(span: pd.Timedelta) -> str:
    """A span in whole minutes, hours or days: "0 min", "42 min", "3 h 5 min", "2 days"."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def bytes_text(size: Any) -> str:
    if is_missing(size):
        return MISSING
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def ago_text(then: Any, now: datetime) -> str:
    """`3 h 5 min ago` (or `in 2 h` for a time after `now`), for beside an absolute UTC time."""
    if is_missing(then):
        return MISSING
    if pd.Timestamp(then) > pd.Timestamp(now) + pd.Timedelta(minutes=1):
        return f"in {age_text(now, then)}"
    return f"{age_text(then, now)} ago"


def utc_and_ago(value: Any, now: datetime) -> str:
    """`2025-11-29 13:52:07 UTC (3 h ago)`."""
    if is_missing(value):
        return MISSING
    return f"{utc_text(value)} ({ago_text(value, now)})"


# A body longer than this is shown cut, with a button for the rest: the browser takes seconds per megabyte
# to lay out one code block, and nobody reads past the first screens of a platform's response.
BODY_PREVIEW_CHARS = 20_000


def cut_body(text: str, limit: int = BODY_PREVIEW_CHARS) -> tuple[str, str | None]:
    """(the text to show, None) for a short body; (its first `limit` characters, what the cut says) else."""
    if len(text) <= limit:
        return text, None
    cut = text.rfind("\n", 0, limit)
    shown = text[: cut if cut > limit // 2 else limit]
    note = (
        f"Showing the first {bytes_text(len(shown.encode('utf-8')))} of "
        f"{bytes_text(len(text.encode('utf-8')))}."
    )
    return shown, note


_WEB_URL = re.compile(r"https?://[^\s/?#@\\]+(?:[/?#][^\s\\]*)?", re.IGNORECASE)


def web_url(value: Any) -> str | None:
    """The value when it is a plain http(s) address fit for a link (no other scheme, no credentials, no
    spaces), else None: a `javascript:` or `data:` "post URL" from the logs is shown as text instead."""
    if is_missing(value):
        return None
    text = str(value).strip()
    if not _WEB_URL.fullmatch(text) or any(ord(c) < 32 or c in "<>\"'`" for c in text):
        return None
    return text


def markdown_link(label: str, url: str) -> str:
    """A markdown link to a checked web address (see web_url) with a label already made safe.

    The address goes in `<...>` so parentheses in it do not end the link; `<`, `>` cannot be in it.
    Streamlit opens markdown links in a new tab with rel="noopener noreferrer".
    """
    return f"[{label}](<{url}>)"
