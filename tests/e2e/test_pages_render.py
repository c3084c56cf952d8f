"""Every page of the real dashboard renders on demo data in Chromium: no exception box, no traceback, its
heading on screen, and the router's frame (page menu, demo banner) around it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import open_page

pytestmark = pytest.mark.browser

# page key -> (heading the page shows, text that proves the page has content beyond its title)
PAGES = {
    "overview": ("Overview", "Failure rate by platform and action"),
    "explorer": ("Explorer", "attempts match"),
    "attempt": ("Attempt", "Request sent to the platform"),
    "post": ("Post history", "Timeline"),
    "collector": ("Collector", "Attempts stored"),
}


def page_path(key: str, showcase) -> str:
    return {
        "overview": "/",
        "explorer": "/explorer",
        "attempt": f"/log?id={showcase.failed_log_id}",
        "post": f"/post?id={showcase.failed_post_id}",
        "collector": "/collector",
    }[key]


def assert_rendered_cleanly(page, heading: str) -> None:
    """No exception element, no traceback text, and the page's own h1 visible."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"the page shows an exception: {exceptions.first.inner_text()[:500]}"
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()


@pytest.mark.parametrize("key", list(PAGES))
def test_page_renders_on_demo_data(page, dashboard_url, showcase, events, assert_no_secrets,
                                   forbidden_strings, key):
    heading, content = PAGES[key]
    open_page(page, dashboard_url + page_path(key, showcase))

    assert_rendered_cleanly(page, heading)
    expect(page.get_by_text(content).first).to_be_visible()
    # The router's frame: the page menu and the demo banner, so the page ran inside dashboard.py.
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True)).to_be_visible()
    expect(page.get_by_text("Demo mode: simulated Late API data.")).to_be_visible()
    assert events.page_errors == []
    # No planted token and not the API key: in the HTML, the text, or the data sent for canvas tables.
    assert_no_secrets(page, key)
    frames = "".join(events.websocket_frames)
    assert all(secret not in frames for secret in forbidden_strings)


def test_attempt_page_shows_the_attempt_asked_for(page, dashboard_url, showcase, attempts):
    open_page(page, dashboard_url + f"/log?id={showcase.failed_log_id}")

    assert_rendered_cleanly(page, "Attempt")
    stored = attempts[attempts["log_id"] == showcase.failed_log_id].iloc[0]
    expect(page.get_by_test_id("stCode").filter(has_text=showcase.failed_log_id).first).to_be_visible()
    expect(page.get_by_text(str(stored["platform"]), exact=True).first).to_be_visible()
    expect(page.get_by_text("failed", exact=True).first).to_be_visible()


def test_unknown_attempt_says_so_in_one_sentence(page, dashboard_url):
    open_page(page, dashboard_url + "/log?id=000000000000000000000000")

    assert_rendered_cleanly(page, "Attempt")
    expect(page.get_by_text("Attempt not found", exact=False)).to_be_visible()
