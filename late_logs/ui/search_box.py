"""The Explorer's search box around the widget: its hint and help, and the lines under it that say what the
search understood and what it could not read (`late_logs.search` does the parsing)."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from late_logs import search
from late_logs.ui.text import escape_markdown

PLACEHOLDER = 'spring sale  "rate limit"  platform:instagram  -status:success'
HELP = (
    "Every word must appear (any case) in the error message, caption, endpoint, an id, the handle or the "
    'error code. "quoted phrase" as written. field:value with platform, action, status, account, code, '
    "group, post, class, who, source; field:a,b for either. -word or -field:value excludes."
)


def feedback(text: str | None, columns: Sequence[str] | None) -> None:
    """Under the box: each thing the search could not read, then what it searches for, in plain words
    (escaped: the words are the user's, and may be pasted from the logs)."""
    query = search.parse(text, columns)
    for error in query.errors:
        st.caption(f":material/error: {escape_markdown(error)}")
    if not query.empty:
        st.caption(f"Searching for: {escape_markdown(query.describe())}")
