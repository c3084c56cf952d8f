"""Accounts and verdicts in a real browser: a row click on /accounts opens that account, and an attempt's
verdict sits above the fold at 1280×720.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import open_page

pytestmark = pytest.mark.browser

# Glide data grid's geometry in Streamlit (as in test_explorer_links): header row, then rows this high.
GRID_ROW_PX = 35
GRID_CHECKBOX_X_PX = 20


def test_a_row_click_on_accounts_opens_that_account(page, dashboard_url, attempts):
    newest = attempts["created_at"].max()
    start = (newest - pd.Timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (newest + pd.Timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    open_page(page, f"{dashboard_url}/accounts?start={start}&end={end}")
    expect(page.get_by_role("heading", level=1, name="Accounts", exact=True)).to_be_visible()

    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # The first (worst) account's selection checkbox.
    page.mouse.click(box["x"] + GRID_CHECKBOX_X_PX, box["y"] + GRID_ROW_PX + GRID_ROW_PX / 2)

    page.wait_for_url(re.compile(r"/accounts\?(.*&)?id=[^&]+"))
    state = re.compile(r"^(needs reconnect|account problem|failing|healthy): ")
    expect(page.get_by_text(state).first).to_be_visible()
    expect(page.get_by_role("heading", name="Attempts in the window")).to_be_visible()
    expect(page.get_by_role("link", name="Open its attempts in the Explorer")).to_be_visible()


def test_the_attempt_verdict_is_above_the_fold_at_1280_by_720(page, dashboard_url, attempts):
    failed = attempts[attempts["status"] == "failed"].iloc[0]
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{dashboard_url}/log?id={failed['log_id']}")
    title = page.get_by_role(
        "heading",
        name=re.compile(
            r": (a retry is safe|retry after the reset|a retry will fail"
            r" the same way|check the platform before retrying)"
        ),
    )
    expect(title.first).to_be_visible()
    box = title.first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box
