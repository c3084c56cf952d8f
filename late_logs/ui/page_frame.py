"""The frame around a page (the sidebar's filters and freshness, the browser's keys), drawn after the page's
own content: the browser draws what comes first, and the filters' option counts are questions of their own
(start -> Overview charts at 10M attempts, old and new alternating: medians 6.19 -> 5.24 s and 5.67 ->
5.01 s). The router says what draws the frame (`around`) and draws it after the page (`draw`); a page that
ends early calls `stop` instead of `st.stop()`, which draws the frame first: after `st.stop()` no element
can be drawn any more, and an empty state keeps its filters.

The widgets' values are in the session before a run starts (their callbacks set the filter), so a page that
reads the filter before the widgets are drawn reads the same one.
"""

from __future__ import annotations

import threading
from typing import Callable

import streamlit as st

# A session's run happens in one thread, so the frame to draw is kept per thread: set by the router at the
# start of the run, drawn at most once, forgotten at its end.
_run = threading.local()


def around(draw_frame: Callable[[], None]) -> None:
    """This run's frame: what `draw` (or `stop`) draws, once."""
    _run.frame = draw_frame


def draw() -> None:
    """Draw this run's frame, unless it was drawn already (or no router set one: a page run alone)."""
    frame = getattr(_run, "frame", None)
    _run.frame = None
    if frame is not None:
        frame()


def forget() -> None:
    """The run is over (or thrown away by a rerun): nothing left to draw."""
    _run.frame = None


def stop() -> None:
    """`st.stop()` for a page: the frame first, so an empty state or a "not found" keeps its filters. Ends
    the run as `st.stop()` does (outside a script run, bare Python, both return)."""
    draw()
    st.stop()
