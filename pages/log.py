"""Attempt (`/log?id=<logId>`): one publishing attempt in full, for triage. What happened (status, platform,
endpoint, HTTP status, timing), what the platform said (error code and message, raw request and response),
who must act and whether a retry helps, and the way to the post's history and to the neighbouring attempts
of the current filter.
"""

from __future__ import annotations

import streamlit as st

from late_logs.ui import attempt_view, data, nav
from late_logs.ui.text import duration_text, escape_markdown, is_missing, plain, pretty_body, utc_and_ago

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

NOT_FOUND = (
    "Attempt not found: no attempt with this id is stored and Late does not have it either. "
    "Check the link, or find the attempt in the Explorer."
)

ctx = data.app_context()
log_id = str(st.query_params.get("id") or "").strip()
st.title("Attempt")
if not log_id:
    st.info("No attempt chosen: open one from the Explorer, or add `?id=<logId>` to this page's address.")
    st.stop()

with st.spinner("Fetching the attempt's detail…"):
    view = attempt_view.attempt(ctx, log_id)
if not view.found:
    st.error(NOT_FOUND)
    st.stop()
record = view.record
status = view.status
st.code(log_id, language=None)
if view.note:
    st.warning(escape_markdown(view.note))
if view.retention and not view.note:
    st.caption(view.retention)
# The request as a line a person can copy: method (when Late recorded one) and the full endpoint, redacted.
st.code(view.request_line, language=None, wrap_lines=True)


def field(label: str, value: str) -> None:
    st.caption(label)
    st.text(value)


# The verdict comes first: "who must act, and is a retry safe?" is what the page is opened for.
block = view.verdict
if block is not None:
    with st.container(border=True):
        st.subheader(block.title)
        st.text(block.hint)
        code_column, message_column = st.columns([1, 3])
        with code_column:
            field("Error code", plain(record.get("error_code")))
        with message_column:
            field("Error message", plain(record.get("error_message")))
        if block.late_line:
            (st.warning if block.late_disagrees else st.caption)(escape_markdown(block.late_line))
        st.caption(escape_markdown(block.why))

with st.container(border=True):
    first, second, third, fourth = st.columns(4)
    with first:
        field("Status", status)
        field("Time", utc_and_ago(record.get("created_at"), view.now))
        field("Attempt number", plain(record.get("attempt_number")))
    with second:
        field("Platform", plain(record.get("platform")))
        field("Action", plain(record.get("action")))
        field("Duration", duration_text(record.get("duration_ms")))
    with third:
        field("Account", plain(record.get("account_username")))
        field("Account id", plain(record.get("account_id")))
        field("Platform HTTP status", plain(record.get("status_code")))
    with fourth:
        field("Method", view.method)
        field("Post id", plain(record.get("post_id")))
        attempt_view.post_url_field(record.get("platform_post_url"), record.get("platform"))

if status != "failed" and not is_missing(record.get("error_message")):
    with st.container(border=True):
        field("Error code", plain(record.get("error_code")))
        field("Error message", plain(record.get("error_message")))

if view.live_elsewhere:
    st.warning(
        "This post already went live on this platform in another attempt: a retry could post it "
        "twice. Check the post history first."
    )

left, right = st.columns(2)
for column, title, body in (
    (left, "Request sent to the platform", view.request_body),
    (right, "Platform's response", view.response_body),
):
    with column, st.container(border=True):
        st.subheader(title)
        text, language = pretty_body(body)
        if text:
            attempt_view.body(text, language, key=f"{log_id}:{title}")
        else:
            st.caption("Late did not record this body for this attempt.")

if view.media_urls:
    with st.container(border=True):
        st.subheader("Media")
        st.code("\n".join(view.media_urls), language=None)
if not is_missing(record.get("content_preview")):
    with st.expander("Content preview"):
        st.text(plain(record.get("content_preview")))
if view.detail is not None:
    with st.expander("Everything stored for this attempt (redacted JSON)"):
        attempt_view.body(pretty_body(view.detail)[0], "json", key=f"{log_id}:everything")

newer, older = view.newer, view.older
links = st.columns(2)
with links[0]:
    if newer:
        st.page_link(
            nav.ATTEMPT,
            label="Newer attempt",
            icon=":material/arrow_back:",
            query_params=nav.attempt_params(newer),
            help="Key: k",
        )
with links[1]:
    if older:
        st.page_link(
            nav.ATTEMPT,
            label="Older attempt",
            icon=":material/arrow_forward:",
            query_params=nav.attempt_params(older),
            help="Key: j",
        )
if view.outside_filter:
    st.caption("This attempt is outside the current filter, so there is no previous or next attempt to show.")
attempt_view.related_links(record, view.stored, view.now)
