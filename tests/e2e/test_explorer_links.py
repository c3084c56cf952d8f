"""The Explorer in a real browser: a row click opens the attempt, and a pasted link shows the same rows in
another browser, also on a server nobody has opened yet.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlencode

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import DashboardServer, open_page

pytestmark = pytest.mark.browser

COUNT_LINE = re.compile(r"([\d,]+) attempts match")
# Glide data grid's geometry in Streamlit: a header row, then rows of this height; the row-selection
# checkbox column is the leftmost, about 40 px wide.
GRID_ROW_PX = 35
GRID_CHECKBOX_X_PX = 20


def stamp(moment) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_count(page) -> int:
    line = page.get_by_text(COUNT_LINE).first
    expect(line).to_be_visible()
    match = COUNT_LINE.search(line.inner_text())
    assert match, line.inner_text()
    return int(match.group(1).replace(",", ""))


def exported_rows(page) -> list[dict[str, str]]:
    """Click the CSV export and read the file the browser receives."""
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Export .* rows as CSV")).click()
    path = download_info.value.path()
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


@pytest.fixture(scope="module")
def failed_link(attempts) -> tuple[str, dict]:
    """An Explorer link with an absolute window (older than the default 24 h) and filters: failed
    attempts of the two platforms with the most failures."""
    newest = attempts["created_at"].max()
    start, end = (newest - timedelta(days=5)).floor("h"), (newest - timedelta(hours=6)).floor("h")
    failed = attempts[(attempts["status"] == "failed") & attempts["created_at"].between(start, end)]
    platforms = sorted(failed["platform"].value_counts().head(2).index.astype(str))
    params = {"start": stamp(start), "end": stamp(end), "status": "failed", "platform": ",".join(platforms)}
    return "/explorer?" + urlencode(params), {"start": start, "end": end, "platforms": set(platforms)}


def test_row_click_opens_the_attempt(page, dashboard_url, showcase, attempts):
    post_rows = attempts[attempts["post_id"] == showcase.failed_post_id].sort_values("created_at")
    newest_id = str(post_rows.iloc[-1]["log_id"])
    window = {"start": stamp(post_rows["created_at"].min() - timedelta(hours=1)),
              "end": stamp(post_rows["created_at"].max() + timedelta(hours=1))}
    open_page(page, dashboard_url + "/explorer?" + urlencode({**window, "post_id": showcase.failed_post_id}))
    assert shown_count(page) == len(post_rows)

    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # The first data row's selection checkbox: below the header row, in the leftmost column.
    page.mouse.click(box["x"] + GRID_CHECKBOX_X_PX, box["y"] + GRID_ROW_PX + GRID_ROW_PX / 2)

    page.wait_for_url(re.compile(r"/log\?(.*&)?id=" + newest_id))
    expect(page.get_by_role("heading", level=1, name="Attempt", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stCode").filter(has_text=newest_id).first).to_be_visible()


def test_pasted_explorer_link_shows_the_same_rows(new_page, dashboard_url, failed_link):
    path, wanted = failed_link
    first, second = new_page(), new_page()  # two browser contexts: nothing shared but the link

    open_page(first, dashboard_url + path)
    count = shown_count(first)
    rows = exported_rows(first)
    open_page(second, dashboard_url + path)

    assert count > 0
    assert len(rows) == count
    assert shown_count(second) == count
    assert [r["log_id"] for r in exported_rows(second)] == [r["log_id"] for r in rows]
    assert second.url == first.url  # the link stays as pasted (normalised the same way)
    for row in rows:  # and the rows are what the link says
        assert row["status"] == "failed"
        assert row["platform"] in wanted["platforms"]
        assert wanted["start"] <= pd.Timestamp(row["created_at"]) <= wanted["end"]


def test_pasted_link_on_a_fresh_server_goes_through_the_router(new_page, demo_cache, dashboard_url,
                                                               failed_link):
    """A link opened first thing after a restart must get the same page, filter and rows, not the bare
    `pages/explorer.py` Streamlit runs for a `pages/` folder before the router has ever run."""
    path, _ = failed_link
    reference = new_page()
    open_page(reference, dashboard_url + path)
    expected = shown_count(reference)

    with DashboardServer(demo_cache) as fresh:
        page = new_page()
        open_page(page, fresh.url + path, timeout_ms=90_000)
        expect(page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Time range")).to_be_visible()
        assert shown_count(page) == expected
