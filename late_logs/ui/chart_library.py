"""The browser starts fetching plotly's script (the largest part of the page) at a session's first run, while
the server still computes the page's numbers, rather than after the first chart has arrived.

One tiny empty chart (`library_loader`) inside a keyed container (LOADER_KEY: Streamlit names it
`st-key-<key>` in the page, so the browser tests tell it from the charts). Measured on a real server with
headless Chromium at a million stored attempts: nothing else of the page shows until plotly's script has
been fetched and compiled, 2-4 s on two busy cores, after the Overview's numbers had arrived. On a fresh
install's first-sync page it brought the first charts ~2 s sooner (8.6-9.9 s -> 7.7-9.1 s to a real chart).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

# Only streamlit and plotly here (no pandas, nothing of late_logs): `dashboard.py` draws the loader before it
# imports the rest, so the browser starts on plotly's script while the server is still importing.
LOADER_KEY = "chart-library-loader"
LOADER_HEIGHT = 10  # plotly's least; the loader's height in pixels: there, not seen
_DRAWN = "chart_library_requested"  # session state: the loader went out once in this session


# Out of the flow: the loader takes no room wherever it is drawn (first thing in the sidebar), so nothing
# moves when a later run leaves it out. Fixed text, nothing from the logs.
_OUT_OF_FLOW = (
    f'<style>.st-key-{LOADER_KEY}, [data-testid="stLayoutWrapper"]:has(> .st-key-{LOADER_KEY}) '
    "{position: absolute; visibility: hidden; width: 1px;}</style>"
)


def library_loader() -> go.Figure:
    """A figure of nothing, a few pixels high."""
    return go.Figure(
        layout={
            "height": LOADER_HEIGHT,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        }
    )


def load_once() -> None:
    """Draw the loader here (first thing in the sidebar) at the session's first run only: the browser keeps
    the script, every later page already has it."""
    if st.session_state.get(_DRAWN):
        return
    with st.container(key=LOADER_KEY):  # its style inside it: nothing of it in the flow, not even a gap
        st.html(_OUT_OF_FLOW)
        st.plotly_chart(library_loader(), config={"displayModeBar": False, "staticPlot": True})
    st.session_state[_DRAWN] = True
