"""The triage ledger in a real browser: a reviewer types a name once, acknowledges an error group with a
note, and after a reload (a new session, the name gone) the acknowledgement is still there, from the store."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import open_page

pytestmark = pytest.mark.browser


def test_an_acknowledged_group_is_still_acknowledged_after_a_reload(page, dashboard_url, attempts):
    newest = attempts["created_at"].max()
    start = (newest - pd.Timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (newest + pd.Timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"{dashboard_url}/groups?start={start}&end={end}"
    open_page(page, url)
    expect(page.get_by_role("heading", level=1, name="Error groups", exact=True)).to_be_visible()
    expect(page.get_by_text("triage: nobody has acknowledged or muted it yet")).to_be_visible()

    name = page.get_by_label("Your name")
    name.fill("Ann Reviewer")
    name.press("Enter")
    note = page.get_by_label("Note")
    note.fill("asked Meta support, case 4711")
    note.press("Enter")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    acknowledged = re.compile(r"triage: acknowledged by Ann Reviewer [\d: -]+: asked Meta support, case 4711")
    expect(page.get_by_text(acknowledged)).to_be_visible(timeout=20_000)

    page.reload()
    open_page(page, url)
    expect(page.get_by_text(acknowledged)).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Your name")).to_have_value("")  # a new session: the name was the old one's
