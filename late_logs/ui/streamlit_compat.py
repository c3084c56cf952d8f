"""The one door to a Streamlit internal: `PagesManager.uses_pages_directory`, the flag of Streamlit's v1
multipage mode (a `pages/` folder beside the entry script, which the product's page files need).

In that mode a session's first request for `/explorer?...` on a fresh server runs `pages/explorer.py` alone,
without the router; `st.navigation` switches the flag off for good, but only once someone opened `/`.
`page_setup()` switches it off by hand. Nothing else in late-logs touches the internal: a Streamlit that
renames it makes `page_setup()` a no-op (the pages still render; a deep link on a fresh server then
shows the page without its sidebar) and fails `tests/test_streamlit_compat.py`, not the app.
"""

from __future__ import annotations

from typing import Any, Callable

try:
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # a Streamlit without it: nothing to switch off
    PagesManager = None  # type: ignore[assignment,misc]

FLAG = "uses_pages_directory"


def supported() -> bool:
    """True when the installed Streamlit has the flag this module switches."""
    # None until the first PagesManager of the process has looked for a `pages/` folder, then a bool.
    return PagesManager is not None and hasattr(PagesManager, FLAG)


def in_pages_directory_mode() -> bool:
    return supported() and bool(getattr(PagesManager, FLAG))


def page_setup() -> bool:
    """Leave the v1 multipage mode; True when this script run did not go through the router (the caller
    reruns it), False when it did (or the flag is unknown to this Streamlit)."""
    if not in_pages_directory_mode():
        return False
    setattr(PagesManager, FLAG, False)  # what st.navigation does; it happens once per process
    return True


def keep_router_mode(setattr_: Callable[[Any, str, Any], None]) -> None:
    """For AppTest: keep the flag off on every run, as a real server does after `st.navigation` has run.

    AppTest makes a new PagesManager per run and a `pages/` folder turns the flag on again; `setattr_` is
    pytest's `monkeypatch.setattr`, so the patch is undone after the test.
    """
    if not supported():
        return
    original = PagesManager.__init__

    def init(self, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        setattr(PagesManager, FLAG, False)

    setattr_(PagesManager, "__init__", init)
