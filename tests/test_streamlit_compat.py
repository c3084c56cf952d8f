"""The one door to Streamlit's `PagesManager.uses_pages_directory`: it exists in the installed Streamlit,
`page_setup()` switches the v1 multipage mode off once and says so, and a Streamlit without the flag makes it
a no-op rather than an error."""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager

from late_logs.ui import streamlit_compat


def test_the_installed_streamlit_still_has_the_flag() -> None:
    assert streamlit_compat.supported()


def test_page_setup_leaves_pages_directory_mode_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    assert streamlit_compat.in_pages_directory_mode()
    assert streamlit_compat.page_setup() is True  # the caller reruns through the router
    assert PagesManager.uses_pages_directory is False
    assert streamlit_compat.page_setup() is False  # already through the router: nothing to do


def test_a_streamlit_without_the_flag_makes_page_setup_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streamlit_compat, "PagesManager", None)
    assert not streamlit_compat.supported()
    assert streamlit_compat.page_setup() is False


def test_keep_router_mode_holds_the_flag_off_for_new_managers(monkeypatch: pytest.MonkeyPatch) -> None:
    streamlit_compat.keep_router_mode(monkeypatch.setattr)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    PagesManager("dashboard.py")
    assert PagesManager.uses_pages_directory is False
