"""Links, Back and text in a real browser: log text never becomes a link, a 1 MB body leaves the page usable,
the address bar is the view shown (Newer/Older, drill-through, drag-select), Back steps through views, and
relative windows follow the clock while absolute ones stay put.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.demo_dashboard import (
    CHARTS,
    DashboardServer,
    open_demo_store,
    open_folds,
    open_page,
    script_runs,
    wait_for_app,
    wait_for_charts,
    wait_for_rerun,
)
from tests.e2e import hostile_store

pytestmark = pytest.mark.browser

# Every anchor on the page: its href as written, rel and target.
ANCHORS = "() => [...document.querySelectorAll('a')].map(a => [a.getAttribute('href') || '', a.rel])"


def stamp(moment) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


@pytest.fixture(scope="module")
def hostile_server(browser, tmp_path_factory: pytest.TempPathFactory):
    """A dashboard over a small store whose every text field carries Markdown, HTML and URLs."""
    root = tmp_path_factory.mktemp("late-logs-hostile")
    store = open_demo_store(root)  # creates the demo store folder the server will read
    directory = store.directory
    store.close()
    planted = hostile_store.populate(directory)
    with DashboardServer(root) as server:
        yield server.url, planted, directory


def app_own(href: str, base: str) -> bool:
    """A link of the app itself: a page of this server, relative, or an anchor on this page."""
    if href.startswith("#"):
        return True
    split = urlsplit(href)
    return not split.scheme or href.startswith(base)


def test_log_text_makes_no_link_on_any_page(page, hostile_server, events):
    base, planted, _ = hostile_server
    paths = [
        "/?" + urlencode({"platform": hostile_store.mixed(1)}),
        "/explorer?" + urlencode({"q": "f9", "platform": hostile_store.mixed(1)}),
        f"/log?id={planted.link_log_id}",
        f"/post?id={planted.link_post_id}",
        "/collector",
    ]
    for path in paths:
        open_page(page, base + path)
        open_folds(page)
        anchors = page.evaluate(ANCHORS)
        foreign = [a for a in anchors if not app_own(a[0], base)]
        assert foreign == [], f"{path}: log text became a link: {foreign}"
        assert not [a for a in anchors if any(host in a[0] for host in hostile_store.EVIL_HOSTS)], path
        assert page.locator('[data-testid="stException"]').count() == 0
    assert events.dialogs == [] and events.page_errors == []


def test_platform_post_url_is_a_safe_link(page, hostile_server):
    base, planted, _ = hostile_server
    open_page(page, base + f"/log?id={planted.safe_url_log_id}")
    link = page.get_by_role("link", name="Open on linkedin")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == hostile_store.SAFE_POST_URL
    assert "noopener" in (link.get_attribute("rel") or "").split()
    assert link.get_attribute("target") == "_blank"

    open_page(page, base + f"/log?id={planted.link_log_id}")  # a javascript: "post URL" stays text
    expect(page.get_by_text(hostile_store.UNSAFE_POST_URL, exact=True)).to_be_visible()
    assert page.locator('a[href^="javascript:"]').count() == 0


def test_one_megabyte_body_leaves_the_attempt_page_usable(page, hostile_server, events):
    """Was: 21-38 s in the browser for a 1 MB body. The figure is measured by bench/bench_attempt_body.py."""
    base, planted, _ = hostile_server
    open_page(page, base + f"/log?id={planted.huge_log_id}")
    expect(page.get_by_role("heading", level=1, name="Attempt", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Showing the first .* of 1\.\d MB")).first).to_be_visible()
    assert "item-000100" in page.locator("body").inner_text()
    assert "item-011000" not in page.locator("body").inner_text()  # the rest waits for "Show all"

    runs = script_runs(page)
    page.get_by_role("button", name="Show all").first.click()
    wait_for_rerun(page, runs, timeout_ms=60_000)
    expect(page.get_by_text("Showing the whole body").first).to_be_visible()
    whole = page.get_by_test_id("stTextArea").locator("textarea").first
    expect(whole).to_be_visible()
    assert "item-011000" in whole.input_value()
    assert events.page_errors == []


@pytest.fixture(scope="module")
def whole_store_window(attempts) -> dict[str, str]:
    # Whole minutes: the From / To inputs step by the minute, so links are normalised to them.
    return {"start": stamp(attempts["created_at"].min().floor("min") - timedelta(minutes=1)),
            "end": stamp(attempts["created_at"].max().ceil("min") + timedelta(minutes=1))}


def test_address_bar_follows_newer_older_and_the_keys(page, dashboard_url, attempts, whole_store_window):
    """Was: after Older / Newer the address bar kept the first attempt's id."""
    failed = attempts[attempts["status"] == "failed"]
    first = str(failed["log_id"].iloc[3])
    query = {"id": first, **whole_store_window, "status": "failed"}
    open_page(page, dashboard_url + "/log?" + urlencode(query))

    page.get_by_role("link", name="Older attempt").click()
    page.wait_for_url(lambda url: f"id={first}" not in url)
    second = query_of(page)["id"]
    expect(page.get_by_test_id("stCode").filter(has_text=second).first).to_be_visible()
    wait_for_app(page)
    assert query_of(page)["status"] == "failed"  # the filter travels along

    page.locator("body").press("j")  # the next older one
    page.wait_for_url(lambda url: f"id={second}" not in url and f"id={first}" not in url)
    third = query_of(page)["id"]
    expect(page.get_by_test_id("stCode").filter(has_text=third).first).to_be_visible()
    wait_for_app(page)  # the new page's links, not the old page's still on screen
    page.locator("body").press("k")  # and back to the newer one
    page.wait_for_url(re.compile(rf"[?&]id={second}(&|$)"))
    page.go_back()  # Back steps through the attempts seen
    page.wait_for_url(re.compile(rf"[?&]id={third}(&|$)"))
    expect(page.get_by_test_id("stCode").filter(has_text=third).first).to_be_visible()
    page.reload()  # the address is the view: a reload opens the same attempt
    expect(page.get_by_test_id("stCode").filter(has_text=third).first).to_be_visible()


def test_back_after_a_drill_through_returns_to_the_overview_with_its_filters(page, dashboard_url):
    """Was: every filter write pushed a history entry; the drill-through's filters stuck to the Overview."""
    open_page(page, dashboard_url + "/?window=7d")
    history = page.evaluate("() => history.length")
    runs = script_runs(page)
    page.get_by_test_id("stSidebar").get_by_text("30 days", exact=True).click()  # a widget write
    wait_for_rerun(page, runs)
    assert query_of(page) == {"window": "30d"}
    assert page.evaluate("() => history.length") == history  # no Back step for a widget

    cell = page.get_by_role("link", name=re.compile(r" failed \("))  # a heatmap cell's drill-through
    cell.first.click()
    page.wait_for_url(re.compile(r"/explorer\?"))
    expect(page.get_by_role("heading", level=1, name="Explorer", exact=True)).to_be_visible()
    assert query_of(page)["status"] == "failed"

    page.go_back()
    page.wait_for_url(re.compile(r"/\?window=30d$"))
    expect(page.get_by_role("heading", level=1, name="Overview", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"30 days until now"))).to_be_visible()
    assert page.get_by_text("status failed").count() == 0


def test_pasted_relative_link_ends_now_and_absolute_link_stays_put(page, dashboard_url, whole_store_window):
    open_page(page, dashboard_url + "/explorer?window=24h")
    caption = page.get_by_text(re.compile(r"Last 24 h until now \(.* to \S+ \d\d:\d\d UTC\)")).first
    expect(caption).to_be_visible()
    end = re.search(r"to \S+ (\d\d:\d\d) UTC", caption.inner_text()).group(1)
    now = pd.Timestamp.now(tz="UTC")
    assert end in {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1, 2)}
    assert query_of(page) == {"window": "24h"}

    open_page(page, dashboard_url + "/explorer?" + urlencode(whole_store_window))
    expect(page.get_by_text(re.compile(r"UTC \(fixed\)")).first).to_be_visible()
    assert query_of(page) == whole_store_window


def test_drag_across_the_failure_rate_chart_sets_the_window(page, dashboard_url):
    open_page(page, dashboard_url + "/?window=7d")
    wait_for_charts(page)
    chart = page.locator(CHARTS).nth(1)  # the heatmap, then the failure rate over time
    chart.scroll_into_view_if_needed()
    plot = chart.locator(".nsewdrag").first
    box = plot.bounding_box()
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

    query = query_of(page)
    assert "window" not in query
    start, end = pd.Timestamp(query["start"]), pd.Timestamp(query["end"])
    assert timedelta(hours=12) < end - start < timedelta(days=3)  # a third of the 7 days, give or take
    expect(page.get_by_text(re.compile(r"UTC \(fixed\)")).first).to_be_visible()


def test_slash_focuses_the_search_box(page, dashboard_url):
    open_page(page, dashboard_url + "/explorer")
    page.locator("body").press("/")
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
    assert focused.startswith("Search")


BAD_LINKS = (
    "/?start=2026-11-01T00:00:00Z&end=9999-12-31T23:59:59Z",
    "/explorer?start=0001-01-01T00:00:00Z&end=2262-04-12T00:00:00Z",
    "/log?id=hostile000000000000000001&end=99999-01-01",
    "/explorer?start=garbage&end=%00%ff&window=forever&platform=%5Bx%5D(javascript:alert(1))",
    "/explorer?start=2026-11-30T12:00:00Z&end=2026-11-30T00:00:00Z&q=" + "x" * 5000,
    "/log?id=" + "%3Cscript%3E" * 20,
    "/post?id=%00",
)


def test_no_link_shows_a_traceback(page, hostile_server, events):
    """Was: OutOfBoundsDatetime tracebacks on /, /explorer and /log for a window ending after 2262."""
    base, _, _ = hostile_server
    for path in BAD_LINKS:
        open_page(page, base + path)
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, f"{path}: {exceptions.first.inner_text()[:300]}"
        assert "Traceback" not in page.locator("body").inner_text(), path
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
    assert events.dialogs == [] and events.page_errors == []


def test_page_refreshes_itself_when_a_pass_lands(page, hostile_server):
    """Was: "New data arrived: refresh" had to be clicked, and the new attempts still stayed out."""
    from datetime import datetime, timezone

    from late_logs.store import LogStore

    base, _, directory = hostile_server
    open_page(page, base + "/explorer?platform=linkedin")
    expect(page.get_by_text("2 attempts match", exact=False)).to_be_visible()
    address = page.url

    store = LogStore(directory)  # what a collector pass does: new attempts, a new store version
    try:
        with store.writer_lock():
            created = datetime.now(timezone.utc).replace(microsecond=0)
            store.upsert_attempts([hostile_store.entry("refresh00000000000000001", created)])
    finally:
        store.close()

    # No click, no reload: the freshness fragment sees the new version and reruns the page.
    expect(page.get_by_text("3 attempts match", exact=False)).to_be_visible(timeout=40_000)
    assert page.url == address
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMultiSelect").first).to_contain_text("linkedin")  # the filter kept


def test_the_overview_digest_is_built_when_its_fold_opens(page, dashboard_url):
    """Closed, the digest is not on the page (it is not even built); opened, its Markdown shows as text."""
    open_page(page, dashboard_url + "/?window=7d")
    assert "late-logs digest" not in page.locator("body").inner_text()
    open_folds(page)
    digest = page.get_by_test_id("stExpander").filter(has_text="Daily digest").get_by_test_id("stCode")
    expect(digest).to_contain_text("# late-logs digest")
