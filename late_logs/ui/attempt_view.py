"""The Attempt page's view model and its parts that need care: `attempt()` gathers everything the page shows
(the stored row, the detail fetched on demand, the verdict, the neighbours in the current filter) into one
`AttemptView`; the request line, the platform's post link, long bodies shown cut with a "show all" on
demand, and the links to the attempt's error group, account and post.

Everything here comes from the logs, so it goes through `text` (redacted, shown as text); the only links
made from log data are checked http(s) addresses (`text.web_url`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from late_logs import analysis, collector, queries, records
from late_logs.ui import data, filters, nav
from late_logs.ui import verdicts as verdict_view
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

# Late's ids are hex; anything else in the address is not asked of the API (it would land in its URL path).
PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9_:-]{1,128}")  # `:` between a source's label and Late's id
SHOW_ALL_KEY = "attempt_show_all"  # session set of body keys the reader asked to see whole
# How far around the attempt the error group link looks: Late's own retention on either side.
GROUP_LINK_REACH = pd.Timedelta(days=7)


def bodies(detail: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(request body, response body) of a stored entry of either contract: a Late 1.0.1 detail keeps them in
    request/response.rawBody, a unified log carries request_body/response_body itself."""
    return records.bodies_of(detail)


def retention_note(state: collector.CollectorState, created: Any, now: Any) -> str | None:
    """"Late keeps attempts for N days; this is the copy late-logs stored." once an attempt is older than the
    contract in use keeps (7 days for Late 1.0.1, 90 for the unified API); None while Late still has it."""
    days = records.retention_days_of(state.flavor)
    if is_missing(created) or pd.Timestamp(now) - pd.Timestamp(created) <= pd.Timedelta(days=days):
        return None
    return f"Late keeps attempts for {days} days; this is the copy late-logs stored."


@dataclass(frozen=True)
class AttemptView:
    """Everything the Attempt page shows of one attempt (read-only; text still goes through `text`)."""

    log_id: str
    found: bool  # stored, or Late has it
    now: datetime
    note: str = ""  # what the detail fetch has to say ("Late no longer has this attempt ...")
    record: dict[str, Any] = field(default_factory=dict)  # the list entry with the detail's fields over it
    detail: dict[str, Any] | None = None
    stored: pd.DataFrame = field(default_factory=pd.DataFrame)  # the stored row (empty when not stored)
    retention: str | None = None
    request_line: str = ""
    method: str = ""
    verdict: verdict_view.VerdictBlock | None = None
    # The post already went live on this platform in another attempt: a retry could post it twice.
    live_elsewhere: bool = False
    request_body: str | None = None
    response_body: str | None = None
    newer: str | None = None
    older: str | None = None
    outside_filter: bool = False  # the attempt is not in the current filter, so it has no neighbours

    @property
    def status(self) -> str:
        return plain(self.record.get("status"))

    @property
    def media_urls(self) -> list[str]:
        media = self.record.get("media_urls")
        if is_missing(media):
            return []
        return [plain(url) for url in str(media).split(records.MEDIA_URL_SEPARATOR)]


def attempt(ctx: data.AppContext, log_id: str) -> AttemptView:
    """The Attempt page's view of `log_id`: the stored row, the detail (fetched from Late when not stored,
    through the store's single writer) and what follows from them."""
    now = analysis.utc_now()
    detail, note = None, ""
    if PLAUSIBLE_ID.fullmatch(log_id):
        client = data.late_client_of_attempt(ctx.settings, log_id)
        detail, note = collector.fetch_detail(client, ctx.store, log_id)
    stored = queries.attempt_rows(ctx.files(), log_id)
    if detail is None and stored.empty:
        return AttemptView(log_id=log_id, found=False, now=now)
    record = records.flatten(detail) if detail is not None else {}
    if not stored.empty:  # the list entry fills what the detail lacks (and vice versa)
        record = {**stored.iloc[0].to_dict(), **{k: v for k, v in record.items() if not is_missing(v)}}
    live_elsewhere = False
    post_id = record.get("post_id")
    if not is_missing(post_id) and plain(record.get("status")) != "success":
        outcome = analysis.post_outcome(queries.post_attempts(ctx.files(), str(post_id)), now)
        same = [o for o in outcome.platforms if o.platform == record.get("platform")]
        live_elsewhere = bool(same and same[0].went_live)
    # Previous / next within the filter, found inside the scan: only the two neighbours come back.
    flt = filters.current(filters.ALL_PARAMS)
    newer, older, in_filter = queries.neighbours(ctx.files(since=flt.start, until=flt.end), flt, log_id)
    request_body, response_body = bodies(detail)
    return AttemptView(
        log_id=log_id,
        found=True,
        now=now,
        note=note,
        record=record,
        detail=detail,
        stored=stored,
        retention=retention_note(data.collector_state(ctx.store), record.get("created_at"), now),
        request_line=request_line(detail or {}, record),
        method=method_of(detail or {}, record),
        verdict=verdict_view.attempt_verdict(record, detail or ctx.store.raw_attempt(log_id)),
        live_elsewhere=live_elsewhere,
        request_body=request_body,
        response_body=response_body,
        newer=newer,
        older=older,
        outside_filter=not in_filter,
    )


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
