"""The Overview at the sizes support engineers use (1400×1000 and 1280×720): the error-group table shows
everything through Posts, Accounts, Open, Last and First seen without a horizontal scroll; a drag across the
volume chart sets the window as one across the failure-rate chart does."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from late_logs.ui import overview_view
from tests.demo_dashboard import CHARTS, open_page, script_runs, wait_for_rerun

pytestmark = pytest.mark.browser

SCROLLER = "[data-testid=stDataFrame] .dvn-scroller"


@pytest.mark.parametrize("size", [(1400, 1000), (1280, 720)], ids=["1400x1000", "1280x720"])
def test_error_group_columns_through_first_seen_need_no_horizontal_scroll(browser, dashboard_url, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        open_page(page, dashboard_url + "/")
        grid = page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        shown, full = page.evaluate(
            "(css) => { const s = document.querySelector(css); return [s.clientWidth, s.scrollWidth]; }",
            SCROLLER,
        )
        # The grid draws the widths the view model asks for (so the arithmetic below is the browser's) ...
        every = overview_view.group_lead_width(through=list(overview_view.GROUP_COLUMNS)[-1])
        assert abs(full - every) <= 2, (full, every)
        # ... and every column through First seen (Posts, Accounts, Open, Last seen among them) is in view.
        assert overview_view.group_lead_width("first_seen") <= shown, (shown, size)
    finally:
        context.close()


def test_drag_across_the_volume_chart_sets_the_window(page, dashboard_url):
    open_page(page, dashboard_url + "/?window=7d")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stPlotlyChart] .nsewdrag').length >= 3", timeout=60_000
    )
    chart = page.locator(CHARTS).nth(2)  # heatmap, failure rate, then attempts by status
    chart.scroll_into_view_if_needed()
    box = chart.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    runs = script_runs(page)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=8)
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=8)
    page.mouse.up()
    wait_for_rerun(page, runs)
    page.wait_for_function("() => new URLSearchParams(location.search).has('start')", timeout=30_000)
    query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert "window" not in query
    start, end = pd.Timestamp(query["start"]), pd.Timestamp(query["end"])
    assert timedelta(hours=12) < end - start < timedelta(days=3)  # a third of the 7 days, give or take
