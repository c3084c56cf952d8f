"""What the browser receives is safe: hostile captions stay text, and no token from the raw logs (nor the
API key) reaches a page, its text, or the websocket frames that carry the tables drawn on canvas.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import open_page

pytestmark = pytest.mark.browser

# The payloads that would run script if rendered as HTML; both are in the simulator's hostile captions.
SCRIPT_PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
# Elements a payload would have created had it been parsed as HTML.
PAYLOAD_ELEMENTS = 'img[src="x"], svg[onload], a[href^="javascript:"], [onerror]'


def stamp(moment) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_payload_inert(page, events, payload: str) -> None:
    assert events.dialogs == [], f"a payload ran: {events.dialogs}"
    assert page.locator(PAYLOAD_ELEMENTS).count() == 0, "a caption's HTML became an element"
    scripts_from_captions = "() => [...document.scripts].filter(s => s.textContent.includes('alert(')).length"
    assert page.evaluate(scripts_from_captions) == 0, "a caption's <script> became an element"
    expect(page.get_by_text(payload).filter(visible=True).first).to_be_visible()


@pytest.mark.parametrize("payload", [SCRIPT_PAYLOAD, IMG_PAYLOAD])
def test_html_caption_stays_text_on_the_attempt_page(page, dashboard_url, hostile_attempts, events, payload):
    assert payload in hostile_attempts, f"the demo store holds no caption with {payload!r}"
    hostile = hostile_attempts[payload]
    open_page(page, dashboard_url + f"/log?id={hostile.log_id}")

    # The caption sits in a closed expander.
    page.get_by_test_id("stExpander").filter(has_text="Content preview").locator("summary").click()
    assert_payload_inert(page, events, payload)


@pytest.mark.parametrize("payload", [SCRIPT_PAYLOAD, IMG_PAYLOAD])
def test_html_caption_stays_text_in_the_explorer(page, dashboard_url, hostile_attempts, events, payload):
    """Filtered by the payload itself: it shows in the filter's caption and the search box, and in the
    table (drawn on canvas)."""
    assert payload in hostile_attempts, f"the demo store holds no caption with {payload!r}"
    hostile = hostile_attempts[payload]
    window = {"start": stamp(hostile.created_at - timedelta(hours=1)),
              "end": stamp(hostile.created_at + timedelta(hours=1))}
    open_page(page, dashboard_url + "/explorer?" + urlencode({**window, "q": payload}))

    expect(page.get_by_text("attempts match").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    assert_payload_inert(page, events, payload)


def secret_pages(secret_log_ids, attempts) -> list[str]:
    posts = attempts[attempts["log_id"].isin(secret_log_ids)]["post_id"].dropna().astype(str).unique()
    whole_store = {"start": stamp(attempts["created_at"].min() - timedelta(minutes=1)),
                   "end": stamp(attempts["created_at"].max() + timedelta(minutes=1))}
    # The plain pages are checked by test_pages_render; here: the pages of attempts that carried secrets.
    return [
        "/explorer?" + urlencode({**whole_store, "q": "access_token"}),  # rows whose endpoint held a token
        *(f"/post?id={post}" for post in posts[:1]),
        *(f"/log?id={log_id}" for log_id in secret_log_ids),
    ]


def test_no_token_from_the_raw_logs_reaches_any_page(page, dashboard_url, secret_log_ids, attempts, events,
                                                     assert_no_secrets, forbidden_strings):
    assert secret_log_ids, "the simulator planted no secret in any stored attempt; the test would be empty"
    for path in secret_pages(secret_log_ids, attempts):
        open_page(page, dashboard_url + path)
        assert_no_secrets(page, path)

    # Tables are drawn on canvas from data sent over the websocket: check what was sent, too.
    frames = "".join(events.websocket_frames)
    assert secret_log_ids[0] in frames  # the frames are readable: the ids shown are in them
    for secret in forbidden_strings:
        assert secret not in frames, "a secret was sent to the browser over the websocket"
