"""The Explorer's search language, column chooser and sort in a real browser: a typed search lands in the
URL and narrows the rows as `late_logs.search` says, its mistakes are explained under the box, a column and
sort choice survives a reload, and at 1280×720 the lead columns and the Open link need no horizontal scroll.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pandas as pd
import pytest
from playwright.sync_api import expect

from late_logs import analysis, search
from late_logs.records import RECORD_COLUMNS
from late_logs.ui import explorer_view, filters
from tests.demo_dashboard import open_page, script_runs, wait_for_rerun

pytestmark = pytest.mark.browser

COUNT_LINE = re.compile(r"([\d,]+) attempts match")
SMALL = {"width": 1280, "height": 720}
GRID_ROW_PX = 35
GRID_CHECKBOX_PX = 37  # the row-selection column at the grid's left edge


def stamp(moment) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def window(attempts) -> dict:
    """An absolute window of the five days before the newest attempt, as URL parameters and as bounds."""
    end = (attempts["created_at"].max() + timedelta(hours=1)).floor("h")
    start = end - timedelta(days=5)
    return {"params": {"start": stamp(start), "end": stamp(end)}, "start": start, "end": end}


def window_rows(attempts, window) -> pd.DataFrame:
    return analysis.apply_filters(attempts, analysis.Filters(start=window["start"], end=window["end"]))


def shown_count(page) -> int:
    line = page.get_by_text(COUNT_LINE).first
    expect(line).to_be_visible()
    match = COUNT_LINE.search(line.inner_text())
    assert match, line.inner_text()
    return int(match.group(1).replace(",", ""))


def url_params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def search_box(page):
    return page.get_by_test_id("stTextInput").filter(has_text="Search").locator("input")


def type_search(page, text: str) -> None:
    runs = script_runs(page)
    search_box(page).fill(text)
    search_box(page).press("Enter")
    wait_for_rerun(page, runs)


def exported_ids(page) -> list[str]:
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Export .* rows as CSV")).click()
    with open(download_info.value.path(), encoding="utf-8", newline="") as handle:
        return [row["log_id"] for row in csv.DictReader(io.StringIO(handle.read()))]


def test_typed_search_narrows_rows_and_goes_into_the_url(page, dashboard_url, attempts, window) -> None:
    rows = window_rows(attempts, window)
    failed = rows[rows["status"] == "failed"]
    busiest = str(failed["platform"].value_counts().index[0])
    word = str(failed["error_message"].dropna().iloc[0]).split()[0]
    text = f'status:failed -platform:{busiest} "{word}"'
    expected = search.search(rows, text)
    assert 0 < len(expected) < len(failed)

    open_page(page, dashboard_url + "/explorer?" + urlencode(window["params"]))
    type_search(page, text)

    assert url_params(page)["q"] == text
    assert shown_count(page) == len(expected)
    assert set(exported_ids(page)) == set(expected["log_id"])
    expect(page.get_by_text(f"Searching for: status failed · platform not {busiest}").first).to_be_visible()

    # A reload (or the link pasted elsewhere) shows the same search and rows.
    page.reload(wait_until="domcontentloaded")
    expect(search_box(page)).to_have_value(text)
    assert shown_count(page) == len(expected)


def test_spring_sale_finds_captions_with_both_words(page, dashboard_url, attempts, window) -> None:
    """The defect: the box was one plain substring, so two words of a caption found nothing."""
    rows = window_rows(attempts, window)
    words = next(c.split() for c in rows["content_preview"].dropna().astype(str) if len(c.split()) >= 3)
    text = f"{words[-1]} {words[0]}"
    expected = search.search(rows, text)
    assert len(expected) > 0

    open_page(page, dashboard_url + "/explorer?" + urlencode(window["params"]))
    type_search(page, text)
    assert shown_count(page) == len(expected)


def test_search_mistakes_are_explained_under_the_box(page, dashboard_url, window) -> None:
    open_page(page, dashboard_url + "/explorer?" + urlencode(window["params"]))
    type_search(page, 'platform: -status:success "unclosed')
    expect(page.get_by_text("platform: has no value, so it was ignored").first).to_be_visible()
    expect(page.get_by_text("is not closed, so the phrase runs to the end of the box").first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    # The rest of the search still ran.
    expect(page.get_by_text('Searching for: status not success · "unclosed"').first).to_be_visible()


def test_column_and_sort_choice_survive_a_reload(page, dashboard_url, attempts, window) -> None:
    params = {**window["params"], "cols": "error_message,status,log_id", "sort": "-duration_ms"}
    open_page(page, dashboard_url + "/explorer?" + urlencode(params))

    page.get_by_role("button", name=re.compile("Columns and sort")).click()
    chooser = page.get_by_test_id("stPopoverBody")
    expect(chooser.get_by_text("Error message", exact=True)).to_be_visible()
    runs = script_runs(page)
    chooser.get_by_text("Ascending", exact=True).click()
    wait_for_rerun(page, runs)
    assert url_params(page)["sort"] == "duration_ms"
    assert url_params(page)["cols"] == "error_message,status,log_id"

    page.reload(wait_until="domcontentloaded")
    expect(page.get_by_text(COUNT_LINE).first).to_contain_text("by Duration (ms), lowest first")
    assert url_params(page)["sort"] == "duration_ms"
    assert url_params(page)["cols"] == "error_message,status,log_id"
    expected = explorer_view.sorted_rows(window_rows(attempts, window), "duration_ms", False)
    assert exported_ids(page) == expected["log_id"].tolist()


def test_lead_columns_and_open_link_fit_at_1280x720(browser, dashboard_url, attempts, window) -> None:
    context = browser.new_context(viewport=SMALL)
    try:
        page = context.new_page()
        open_page(page, dashboard_url + "/explorer?" + urlencode(window["params"]))
        grid = page.get_by_test_id("stDataFrame").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        lead = GRID_CHECKBOX_PX + explorer_view.lead_width(explorer_view.default_columns(RECORD_COLUMNS))
        # The error message starts inside the table with room to read it, left of any scroll.
        assert lead + 150 <= box["width"] <= SMALL["width"]
        assert box["x"] + box["width"] <= SMALL["width"]

        newest = str(window_rows(attempts, window).iloc[0]["log_id"])
        x, y = box["x"] + GRID_CHECKBOX_PX + 18, box["y"] + GRID_ROW_PX + GRID_ROW_PX / 2
        page.mouse.move(x, y)
        with context.expect_page() as opened:
            page.mouse.click(x, y)  # the first click puts the cell in focus, the second follows the link
            page.mouse.click(x, y)
        attempt = opened.value
        attempt.wait_for_url(re.compile(r"/log\?(.*&)?id=" + newest))
    finally:
        context.close()


def test_counted_option_stays_its_value_after_the_counts_change(
    page, dashboard_url, attempts, window
) -> None:
    """Options read "instagram (120)"; the browser names a choice by that label. After another window changes
    the counts, the next change of another filter must still send platform=instagram, not the old label."""
    open_page(page, dashboard_url + "/explorer?" + urlencode(window["params"]))
    sidebar = page.get_by_test_id("stSidebar")
    platform = str(window_rows(attempts, window)["platform"].value_counts().index[0])

    runs = script_runs(page)
    sidebar.get_by_role("combobox", name="Platform").click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(platform)} \([\d,]+\)$")).click()
    wait_for_rerun(page, runs)
    page.keyboard.press("Escape")
    assert url_params(page)["platform"] == platform

    runs = script_runs(page)
    sidebar.get_by_role("radio", name="30 days", exact=True).click()  # every count changes
    wait_for_rerun(page, runs)

    runs = script_runs(page)
    sidebar.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name=re.compile(r"^failed \([\d,]+\)$")).click()
    wait_for_rerun(page, runs)
    page.keyboard.press("Escape")

    params = url_params(page)
    assert params["platform"] == platform
    assert params["status"] == "failed"
    # "30 days" is a relative window now (window=30d, until now); the store holds one week, so its
    # start edge holds no rows and the count cannot drift while the test runs.
    assert params.get("window") == "30d"
    start, end = filters.window_of(params, analysis.utc_now())
    expected = analysis.apply_filters(
        attempts, analysis.Filters(start=start, end=end, platforms=(platform,), statuses=("failed",))
    )
    assert shown_count(page) == len(expected) > 0
