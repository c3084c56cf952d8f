"""Every page run ends in a sentence, never in a traceback box.

A damaged or unreadable store raises `late_logs.store.StoreError`, whose text already says what happened and
what to do; it is shown as is. Anything else is a bug: the page says so in one sentence and the traceback
goes to the server's log (never to the page, where log text or a path could sit in it).
"""

from __future__ import annotations

import logging
from typing import Callable

import streamlit as st

from late_logs.store import StoreError
from late_logs.ui.text import escape_markdown

LOG = logging.getLogger("late_logs.dashboard")
UNEXPECTED = (
    "This page stopped on an unexpected problem ({kind}); the other pages still work. Reload to try again; "
    "the server's log has the details."
)


def run_guarded(body: Callable[[], None]) -> None:
    """Run a page (or the whole app script); Streamlit's own stop / rerun / page switch pass through."""
    try:
        body()
    except StoreError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/database:")
    except Exception as exc:  # noqa: BLE001 - the last line of defence between a bug and the reader
        LOG.error("page failed: %s", type(exc).__name__, exc_info=True)
        st.error(UNEXPECTED.format(kind=type(exc).__name__), icon=":material/error:")
