"""The Attempt page's parts that need care: the request line, the platform's post link, long bodies shown cut
with a "show all" on demand, and the links to the attempt's error group, account and post.

Everything here comes from the logs, so it goes through `text` (redacted, shown as text); the only links
made from log data are checked http(s) addresses (`text.web_url`).
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from late_logs import analysis, records
from late_logs.ui import nav
from late_logs.ui.text import (
    MISSING,
    bytes_text,
    cut_body,
    escape_markdown,
    is_missing,
    markdown_link,
    plain,
    web_url,
)

SHOW_ALL_KEY = "attempt_show_all"  # session set of body keys the reader asked to see whole
# How far around the attempt the error group link looks: Late's own retention on either side.
GROUP_LINK_REACH = pd.Timedelta(days=7)


def bodies(detail: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(request body, response body) of a stored entry of either contract: a Late 1.0.1 detail keeps them in
    request/response.rawBody, a unified log carries request_body/response_body itself."""
    return records.bodies_of(detail)


def retention_note(state: Mapping[str, Any], created: Any, now: Any) -> str | None:
    """"Late keeps attempts for N days; this is the copy late-logs stored." once an attempt is older than the
    contract in use keeps (7 days for Late 1.0.1, 90 for the unified API); None while Late still has it."""
    days = records.retention_days_of(state.get("flavor"))
    if is_missing(created) or pd.Timestamp(now) - pd.Timestamp(created) <= pd.Timedelta(days=days):
        return None
    return f"Late keeps attempts for {days} days; this is the copy late-logs stored."


def method_of(detail: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """The HTTP method, when Late recorded one (the unified `/v1/logs` items carry `method`)."""
    request = detail.get("request") if isinstance(detail.get("request"), Mapping) else {}
    for value in (detail.get("method"), request.get("method"), record.get("method")):
        if isinstance(value, str) and value.strip():
            return plain(value.strip().upper())
    return "not recorded by Late"


def request_line(detail: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """`POST graph.facebook.com/v18.0/me/media_publish?access_token=[REDACTED]`: method and full endpoint."""
    method = method_of(detail, record)
    endpoint = plain(record.get("endpoint"))
    if endpoint == MISSING:
        endpoint = "(Late recorded no endpoint)"
    return endpoint if method.startswith("not ") else f"{method} {endpoint}"


def post_url_field(value: Any, platform: Any) -> None:
    """The platform's post URL: a link that opens in a new tab when it is an http(s) address, else text."""
    st.caption("Platform post URL")
    url = web_url(plain(value)) if not is_missing(value) else None
    if url is None:
        st.text(plain(value))
        if not is_missing(value):
            st.caption("Not a web address, so shown as text.")
        return
    st.markdown(markdown_link(f"Open on {escape_markdown(platform)}", url))
    st.text(url)


def show_all_wanted(key: str) -> bool:
    return key in st.session_state.get(SHOW_ALL_KEY, set())


def _want_all(key: str) -> None:
    st.session_state[SHOW_ALL_KEY] = {*st.session_state.get(SHOW_ALL_KEY, set()), key}


def body(text: str, language: str, *, key: str) -> None:
    """A raw body in a code block; a long one cut, with a button that loads the rest on demand.

    The whole body goes into a text box: a code block of a megabyte costs the browser tens of seconds to
    lay out (coloured or not), a text box about one. Editing the box changes nothing.
    """
    shown, cut_note = cut_body(text)
    if cut_note is None:
        st.code(text, language=language, wrap_lines=True)
        return
    if show_all_wanted(key):
        st.caption(f"Showing the whole body ({bytes_text(len(text.encode('utf-8')))}).")
        st.text_area("Whole body", text, height=560, key=f"whole:{key}", label_visibility="collapsed")
        return
    st.code(shown, language=language, wrap_lines=True)
    st.caption(cut_note)
    st.button(
        "Show all", key=f"show_all:{key}", on_click=_want_all, args=(key,), icon=":material/unfold_more:"
    )


def error_group_of(stored: pd.DataFrame) -> str | None:
    """The error group key of a stored failed attempt (one row), else None."""
    if stored.empty:
        return None
    keys = analysis.error_group_keys(stored.head(1))
    key = keys.iloc[0]
    return None if is_missing(key) else str(key)


def related_links(record: Mapping[str, Any], stored: pd.DataFrame, now: Any) -> None:
    """Links to the post's history, the attempt's error group in the Explorer and the account's page."""
    post_id = record.get("post_id")
    group = error_group_of(stored)
    account_id = record.get("account_id")
    columns = st.columns(3)
    with columns[0]:
        if not is_missing(post_id):
            st.page_link(
                nav.POST, label="Post history", icon=":material/timeline:", query_params={"id": str(post_id)}
            )
    with columns[1]:
        if group is not None:
            created = record.get("created_at")
            since = None if is_missing(created) else pd.Timestamp(created) - GROUP_LINK_REACH
            window = nav.window_params(since, now)
            st.page_link(
                nav.EXPLORER,
                label="Failures of this error group",
                icon=":material/category:",
                query_params={**window, "error_group": group, "status": "failed"},
            )
    with columns[2]:
        if not is_missing(account_id) and nav.has_accounts_page():
            try:
                st.page_link(
                    nav.ACCOUNTS,
                    label="Account",
                    icon=":material/person:",
                    query_params={"id": str(account_id)},
                )
            except StreamlitPageNotFoundError:
                pass  # the file is there but not in the page menu yet: no link rather than a broken one
