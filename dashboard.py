"""late-logs dashboard: the router. Page setup, the shared sidebar, the page menu, one collector per process.

Run with `streamlit run dashboard.py`. Pages live in `pages/` and stay thin; everything they share is in
`late_logs.ui` (data access, the URL-bound filter, navigation, safe text).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="late-logs", layout="wide")

from late_logs.ui import chart_library  # noqa: E402 - streamlit and plotly only

# First of all, before the imports below (a second of pandas, DuckDB, the client and the store on a fresh
# server): the browser fetches and compiles plotly's script while the server imports and computes. In a fresh
# server's first run (the v1 mode require_router leaves) as in any session's first.
with st.sidebar:
    chart_library.load_once()

from late_logs.ui import browser, data, filters, guard, nav, sidebar  # noqa: E402


def app() -> None:
    nav.require_router()  # on a fresh server Streamlit's v1 multipage mode may have run this file as a page
    page = st.navigation(nav.pages())
    scope = nav.scope_of(page)
    # Read before any widget: a pasted link or a drill-through decides the filter the widgets then show.
    filters.sync_with_url(scope, page.url_path)
    context = data.app_context()  # also starts the background collector once per server process
    sidebar.render(context, scope)
    sidebar.demo_banner(context)
    sidebar.link_note()
    with st.sidebar:
        browser.install()  # Back steps through views, not widget writes; j/k and / keys
    page.run()


guard.run_guarded(app)  # a store error or a bug ends in one sentence, never a traceback box
