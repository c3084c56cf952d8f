"""Where each page lives and how one page opens another with the filter travelling along.

Page URL paths are part of the product: `/` overview, `/explorer`, `/log?id=<logId>`, `/post?id=<postId>`,
`/collector`. A drill-through's filter is the Overview's plus the cell's, carried in the URL: it becomes the
opened page's filter, so filters of an earlier exploration (an account, a search) never leak into the rows
a chart cell stands for, and the Overview keeps its own.

Each page file is named after its URL path (`pages/log.py` serves `/log`): see `require_router`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from late_logs import analysis
from late_logs.ui import filters, streamlit_compat

OVERVIEW = "pages/overview.py"
EXPLORER = "pages/explorer.py"
ATTEMPT = "pages/log.py"
POST = "pages/post.py"
COLLECTOR = "pages/collector.py"
ACCOUNTS = "pages/accounts.py"
GROUPS = "pages/groups.py"
ROOT = Path(__file__).resolve().parents[2]

URL_PATHS = {
    OVERVIEW: "",
    EXPLORER: "explorer",
    ATTEMPT: "log",
    POST: "post",
    COLLECTOR: "collector",
    ACCOUNTS: "accounts",
    GROUPS: "groups",
}

# Which filter parameters a page reads (and keeps in its URL). Post history and the collector show
# everything, so they leave the filter alone.
SCOPES: dict[str, tuple[str, ...]] = {
    "": filters.SIDEBAR_PARAMS,  # the Overview's filter is the sidebar's
    "explorer": filters.ALL_PARAMS,
    "log": filters.ALL_PARAMS,
    "post": (),
    "collector": (),
    "accounts": filters.SIDEBAR_PARAMS,  # failures and posts hurt count the sidebar's window
    "groups": filters.SIDEBAR_PARAMS,  # "new" means first seen in the sidebar's window
}


def require_router() -> None:
    """Stop a script run that did not go through the router and rerun it through `dashboard.py`.

    Called first thing by `dashboard.py` and by every page. A `pages/` folder beside the entry script makes
    Streamlit start in its v1 multipage mode, in which a session's first request for `/explorer?...` runs
    `pages/explorer.py` alone: no sidebar, no filter from the URL. Streamlit leaves that mode for good once
    `st.navigation` has run in the process, which on a fresh server only happens if someone opened `/`.
    Here the flag is switched off by hand and the run repeated: the rerun keeps the page (v1 names a page
    after its file, `st.Page` after its url_path, and both hash the same when they are equal, hence
    `pages/log.py` for `/log`) and the query string, so `st.navigation` resolves the same address.
    """
    if streamlit_compat.page_setup():
        st.rerun()


def pages() -> list[st.Page]:
    return [
        st.Page(OVERVIEW, title="Overview", icon=":material/monitoring:", default=True),
        st.Page(EXPLORER, title="Explorer", icon=":material/table_rows:", url_path="explorer"),
        st.Page(
            ATTEMPT, title="Attempt", icon=":material/receipt_long:", url_path="log", visibility="hidden"
        ),
        st.Page(POST, title="Post history", icon=":material/timeline:", url_path="post", visibility="hidden"),
        st.Page(ACCOUNTS, title="Accounts", icon=":material/group:", url_path="accounts"),
        st.Page(GROUPS, title="Error groups", icon=":material/bug_report:", url_path="groups"),
        st.Page(COLLECTOR, title="Collector", icon=":material/sync:", url_path="collector"),
    ]


def scope_of(page: st.Page) -> tuple[str, ...]:
    return SCOPES.get(page.url_path, ())


def drill_params(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """The Overview's filter (window, platform, action, status) with `overrides` applied; None removes.

    The window is written absolute: a drill-through stands for the rows a cell counted, so its link shows
    those rows tomorrow too.
    """
    params = filters.absolute(filters.url_params(filters.SIDEBAR_PARAMS), analysis.utc_now())
    for key, value in overrides.items():
        if value:
            params[key] = str(value)
        else:
            params.pop(key, None)
    return params


def open_explorer(overrides: Mapping[str, str | None]) -> None:
    """Switch to the Explorer showing exactly the rows behind a chart cell, point or error group.

    The filter travels in the URL only: it becomes the Explorer's, never the Overview's.
    """
    st.switch_page(EXPLORER, query_params=drill_params(overrides))


def explorer_href(overrides: Mapping[str, str | None]) -> str:
    """A relative link to the same Explorer view, for tables and places where a click event is awkward."""
    return f"{URL_PATHS[EXPLORER]}?{urlencode(drill_params(overrides))}"


def frozen_explorer_url(public_url: str) -> str:
    """An absolute link to this Explorer view with its window made absolute: an incident's link, which shows
    the same attempts next week."""
    params = filters.absolute(filters.url_params(filters.ALL_PARAMS), analysis.utc_now())
    return f"{public_url.rstrip('/')}/{URL_PATHS[EXPLORER]}?{urlencode(params)}"


def attempt_params(log_id: str) -> dict[str, str]:
    return {"id": str(log_id), **filters.url_params(filters.ALL_PARAMS)}


def open_attempt(log_id: str) -> None:
    """Switch to an attempt's page; the current filter travels along for previous / next."""
    st.switch_page(ATTEMPT, query_params=attempt_params(log_id))


def has_accounts_page() -> bool:
    """True once the Accounts page exists (`/accounts?id=<accountId>`); links to it wait for it."""
    return (ROOT / ACCOUNTS).is_file()


def window_params(start, end) -> dict[str, str]:
    """An absolute window as URL parameters (no start: Late's seven days before `end`)."""
    end_at = pd.Timestamp(end)
    start_at = pd.Timestamp(start) if start is not None else end_at - pd.Timedelta(days=7)
    return {"start": filters.format_instant(start_at), "end": filters.format_instant(end_at.ceil("min"))}
