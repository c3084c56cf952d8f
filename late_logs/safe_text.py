"""Text from the logs made inert for Markdown, for every layer: the digest and the evidence bundle write
Markdown outside the dashboard, and late_logs.ui shows it inside. No Streamlit here.

Log content (error messages, captions, endpoints) is written by platforms and by the people who post; it
can hold Markdown, HTML, Streamlit colour directives or a token.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from late_logs.redact import redact_text

MISSING = "—"

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them also
# defuses Streamlit's own syntax (`:red[...]`, `:material/icon:`, `$math$`) and raw HTML (`<`).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'%@;,/?])")
# Escapes do not stop autolinks: Streamlit's renderer (remark-gfm) finds `https://`, `www.` and `x@y.z` in
# the text after unescaping. A WORD JOINER (invisible, zero width) inside each trigger breaks the match.
WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA: the shapes a missing value takes in a frame."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, dict, tuple)) else False
    except (TypeError, ValueError):
        return False


def plain(value: Any) -> str:
    """A value from the logs as one redacted string; missing values read as a dash."""
    if is_missing(value):
        return MISSING
    return redact_text(str(value))


def escape_markdown(value: Any) -> str:
    """Text safe to put inside st.markdown / st.caption / a label: every markdown character escaped."""
    text = plain(value)
    # A newline would start a new markdown block (a heading, a list); one line is what labels want.
    text = " ".join(text.splitlines())
    text = _AUTOLINK_TRIGGERS.sub(WORD_JOINER, text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
