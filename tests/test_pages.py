"""The dashboard's pages under Streamlit's AppTest: every page renders, deep links and drill-throughs land on
the right rows, empty and error states say what to do, and neither the API key nor a planted secret nor raw
HTML from the logs reaches the page.

Plotly click events cannot be fed to AppTest (their selection state is read-only there); the chart
drill-throughs are left to the browser tests.

AppTest and a `pages/` folder: AppTest resets `PagesManager.uses_pages_directory` before every run, and a
`pages/` folder beside the entry script turns it on again, so from the second run on AppTest runs the page
file alone, without the router (the real server turns it off for good once `st.navigation` has run). The
`navigation_only` fixture keeps it off, as the server does; it patches Streamlit's test harness, not our code.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pandas as pd
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from late_logs import analysis
from late_logs.simulator.planted import HTML_PAYLOADS, PLANTED_SECRETS
from late_logs.store import LogStore
from late_logs.ui import filters

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
TIMEOUT = 60


# --------------------------------------------------------------------------------------------- helpers


def start(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    """Run the app once (the Overview), then open `page` with `query` as its URL parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.query_params.clear()
        at.query_params.update(query or {})
        at.run()
    return at


def page_text(at: AppTest) -> str:
    """Everything the app sent to the browser in its last run, as text (element protos, recursively)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def markdown_bodies(at: AppTest) -> list[str]:
    """Every string the browser will interpret as markdown (markdown, captions, alerts, titles)."""
    bodies = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "subheader",
        "header",
    ):
        bodies += [str(element.value) for element in getattr(at, kind)]
    return bodies


def texts(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.text]


def codes(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.code]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    end = now + timedelta(minutes=1)
    return end - timedelta(days=days), end


def url_window(start_at: datetime, end_at: datetime) -> dict[str, str]:
    return {"start": filters.format_instant(start_at), "end": filters.format_instant(end_at)}


def failed_with_bodies(frame: pd.DataFrame, store_dir: Path) -> pd.Series:
    """A failed attempt whose stored detail has an error message and both raw bodies."""
    store = LogStore(store_dir / "demo")
    try:
        for row in frame[frame["status"] == "failed"].itertuples(index=False):
            detail = store.get_detail(row.log_id)
            if (
                detail
                and isinstance(row.error_message, str)
                and (detail.get("request") or {}).get("rawBody")
                and (detail.get("response") or {}).get("rawBody")
            ):
                return frame[frame["log_id"] == row.log_id].iloc[0]
    finally:
        store.close()
    pytest.fail("the demo store holds no failed attempt with both raw bodies")


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def navigation_only(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Every AppTest run goes through the router, as in the real server (see the module docstring).

    Tests named `test_fresh_server_*` opt out: they check the app's own way back to the router.
    """
    if request.node.name.startswith("test_fresh_server_"):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def demo_app(app_env, demo_store_dir: Path) -> Path:
    app_env(demo_store_dir)
    return demo_store_dir


@pytest.fixture
def empty_app(app_env, tmp_path: Path) -> Path:
    root = tmp_path / "empty-cache"
    app_env(root)
    return root


# --------------------------------------------------------------------------------------------- overview


def test_overview_renders_kpis_banner_and_relative_window_in_url(
    demo_app: Path, demo_frame: pd.DataFrame
) -> None:
    at = start()
    assert_clean(at)
    assert [m.label for m in at.metric] == [
        "Attempts",
        "Failures",
        "Failure rate",
        "Posts affected",
        "Accounts affected",
    ]
    assert any(
        "Demo mode: simulated Late API data. Set LATE_API_KEY to see your own logs." in i.value
        for i in at.info
    )
    # The default window is written into the URL as a relative one: the last 24 h, until now.
    assert at.query_params["window"] == "24h" and "start" not in at.query_params
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    assert end_at - start_at == timedelta(hours=24)
    expected = analysis.window_kpis(demo_frame, start_at, end_at)[0]
    assert at.metric[0].value == f"{int(expected.value):,}"
    assert any("synced" in c.value for c in at.sidebar.caption)


def test_preset_writes_a_relative_window_into_the_url(demo_app: Path) -> None:
    """A preset is a window that follows the clock ("7 days" until now), and the URL says so; the old
    behaviour froze it into an absolute window whose end stayed put while the preset stayed highlighted."""
    at = start()
    at.segmented_control(key=filters.PRESET_KEY).set_value("7d").run()
    assert_clean(at)
    assert at.query_params["window"] == "7d" and "start" not in at.query_params
    start_at, end_at = filters.window_of({"window": "7d"}, analysis.utc_now())
    assert at.datetime_input(key=filters.START_KEY).value == start_at.replace(tzinfo=None)
    assert at.segmented_control(key=filters.PRESET_KEY).value == "7d"


def test_page_menu_arrival_keeps_the_session_filter(demo_app: Path) -> None:
    at = start()
    at.segmented_control(key=filters.PRESET_KEY).set_value("7d").run()
    at.multiselect(key="filters_platforms").set_value(["tiktok"]).run()
    chosen = dict(at.query_params)
    at.switch_page("pages/explorer.py")
    at.query_params.clear()  # a click in the page menu drops the query string
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Explorer"
    assert {k: at.query_params[k] for k in ("window", "platform")} == chosen
    assert set(at.dataframe[0].value["platform"]) <= {"tiktok"}


def test_error_group_row_opens_the_explorer_filtered_to_it(demo_app: Path, demo_frame: pd.DataFrame) -> None:
    at = start()
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    groups = analysis.error_groups(
        analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    )
    assert len(groups), "the demo window has failures"
    at.session_state["overview_groups"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Explorer"
    assert at.query_params["error_group"] == groups.iloc[0]["group"]
    assert at.query_params["status"] == "failed"
    assert len(at.dataframe[0].value) == int(groups.iloc[0]["count"])


def test_overview_offers_links_where_a_click_is_awkward(demo_app: Path, demo_frame: pd.DataFrame) -> None:
    at = start()
    # Drill-through links carry the Overview's window made absolute: they stand for the rows counted.
    window_params = filters.absolute(dict(at.query_params), analysis.utc_now())
    window_params = {k: window_params[k] for k in ("start", "end")}
    # The error-group table's link column opens the same Explorer view in a new tab.
    links = at.dataframe[0].value["link"].tolist()
    assert links and all(link.startswith("explorer?") and "error_group=" in link for link in links)
    assert all(urlencode(window_params) in link for link in links)
    # The worst heatmap cells are plain page links carrying the drill-through filter.
    cell_links = [link for link in at.page_link if link.proto.page == "explorer"]
    assert cell_links
    query = parse_qs(cell_links[0].proto.query_string)
    assert query["status"] == ["failed"] and query["platform"] and query["action"]
    assert query["start"] == [window_params["start"]]


# --------------------------------------------------------------------------------------------- explorer


def test_explorer_filters_from_the_url_narrow_the_rows(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 3)
    query = {**url_window(start_at, end_at), "platform": "instagram,facebook", "status": "failed"}
    at = start(query, "pages/explorer.py")
    assert_clean(at)
    expected = analysis.apply_filters(
        demo_frame,
        analysis.Filters(
            start=start_at, end=end_at, platforms=("instagram", "facebook"), statuses=("failed",)
        ),
    )
    assert 0 < len(expected) <= 5000
    shown = at.dataframe[0].value
    assert len(shown) == len(expected)
    assert set(shown["log_id"]) == set(expected["log_id"])
    assert any(f"{len(expected):,} attempts match" in m.value for m in at.markdown)
    # The sidebar widgets show the filter the URL carried, and the URL keeps it.
    assert at.multiselect(key="filters_platforms").value == ["instagram", "facebook"]
    assert at.query_params["platform"] == "instagram,facebook"
    assert [b.label for b in at.download_button] == [
        f"Export {len(expected):,} rows as CSV",
        f"Export {len(expected):,} rows as JSONL",
    ]


@pytest.mark.parametrize(
    ("page", "query", "title"),
    [
        ("pages/explorer.py", {"status": "failed", "platform": "instagram"}, "Explorer"),
        ("pages/log.py", {"status": "failed"}, "Attempt"),
    ],
)
def test_fresh_server_deep_link_goes_through_the_router(
    demo_app: Path, demo_frame: pd.DataFrame, page: str, query: dict[str, str], title: str
) -> None:
    """Without the harness patch every AppTest run starts as a fresh server does, in Streamlit's v1
    multipage mode, which would run the page file alone: no sidebar and no filter from the URL."""
    if page == "pages/log.py":
        query = {**query, "id": str(demo_frame[demo_frame["status"] == "failed"].iloc[0]["log_id"])}
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == [title]
    assert at.multiselect(key="filters_statuses").value == ["failed"]
    assert at.query_params["status"] == "failed"
    if page == "pages/explorer.py":
        assert set(at.dataframe[0].value["platform"]) == {"instagram"}
        assert set(at.dataframe[0].value["status"]) == {"failed"}
    else:
        assert query["id"] in codes(at)


def test_explorer_text_search_and_account_filters(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 7)
    account = str(demo_frame["account_username"].dropna().iloc[0])
    query = {**url_window(start_at, end_at), "account": account, "q": "a"}
    at = start(query, "pages/explorer.py")
    assert_clean(at)
    expected = analysis.apply_filters(
        demo_frame, analysis.Filters(start=start_at, end=end_at, accounts=(account,), text="a")
    )
    assert len(at.dataframe[0].value) == min(len(expected), 5000)
    assert at.text_input(key="explorer_text").value == "a"


def test_explorer_row_selection_opens_the_attempt(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 1)
    at = start({**url_window(start_at, end_at), "status": "failed"}, "pages/explorer.py")
    first_id = str(at.dataframe[0].value.iloc[0]["log_id"])
    at.session_state["explorer_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Attempt"
    assert at.query_params["id"] == first_id
    assert at.query_params["status"] == "failed"  # the filter travels for previous / next
    assert first_id in codes(at)


def test_empty_filter_result_says_what_to_do(demo_app: Path, demo_now: datetime) -> None:
    at = start(
        {**url_window(*window(demo_now, 1)), "q": "no attempt contains this sentence"}, "pages/explorer.py"
    )
    assert_clean(at)
    assert any("No attempts match this filter" in i.value for i in at.info)


# --------------------------------------------------------------------------------------------- attempt


def test_deep_link_to_a_failed_attempt_shows_error_and_raw_bodies(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    row = failed_with_bodies(demo_frame, demo_app)
    start_at, end_at = window(demo_now, 7)
    at = start({"id": row["log_id"], **url_window(start_at, end_at), "status": "failed"}, "pages/log.py")
    assert_clean(at)
    assert row["error_message"] in texts(at)
    json_blocks = [c for c in at.code if c.language == "json"]
    assert len(json_blocks) >= 2  # request and response, pretty-printed
    assert any(str(row["platform"]) == t for t in texts(at))
    assert any(" UTC (" in t and t.endswith(" ago)") for t in texts(at))  # UTC and how long ago
    # Previous / next stay within the filter the link carried.
    rows = analysis.apply_filters(
        demo_frame, analysis.Filters(start=start_at, end=end_at, statuses=("failed",))
    )
    newer, older = analysis.neighbours(rows, row["log_id"])
    linked = page_text(at)
    for neighbour in (newer, older):
        if neighbour:
            assert neighbour in linked
    kind = analysis.failure_class(row["error_code"], row["error_message"], row["status_code"])
    assert any(analysis.FAILURE_CLASS_LABELS[kind] in s.value for s in at.subheader)


@pytest.mark.parametrize("log_id", ["0000000000000000000000000", "../../v1/logs?x=1", "**bold** <b>x</b>"])
def test_unknown_attempt_id_says_not_found(demo_app: Path, log_id: str) -> None:
    at = start({"id": log_id}, "pages/log.py")
    assert_clean(at)
    assert any("Attempt not found" in e.value for e in at.error)
    assert log_id in codes(at) or log_id not in " ".join(markdown_bodies(at))


def test_attempt_page_shows_log_text_as_text_and_no_secret(demo_app: Path, demo_frame: pd.DataFrame) -> None:
    hostile = demo_frame[demo_frame["content_preview"].fillna("").str.contains("<", regex=False)]
    secretive = demo_frame[
        demo_frame["platform"].isin(["telegram"]) | (demo_frame["action"] == "token_refresh")
    ]
    assert len(hostile) and len(secretive), "the simulator plants hostile captions and secrets"
    for log_id in (hostile.iloc[0]["log_id"], secretive.iloc[0]["log_id"]):
        at = start({"id": str(log_id)}, "pages/log.py")
        assert_clean(at)
        rendered = page_text(at)
        for secret in PLANTED_SECRETS:
            assert secret not in rendered
        for body in markdown_bodies(at):
            for payload in HTML_PAYLOADS:
                assert payload not in body
    assert str(hostile.iloc[0]["content_preview"]) in texts(
        start({"id": str(hostile.iloc[0]["log_id"])}, "pages/log.py")
    )


# --------------------------------------------------------------------------------------------- post


def test_post_history_shows_lanes_and_flags_stuck(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    stuck_post = None
    for post_id in demo_frame.loc[demo_frame["status"] == "pending", "post_id"].dropna().unique():
        outcome = analysis.post_outcome(analysis.post_attempts(demo_frame, post_id), analysis.utc_now())
        if any(p.state == "stuck" for p in outcome.platforms):
            stuck_post, stuck_outcome = str(post_id), outcome
            break
    assert stuck_post, "the simulator keeps some attempts pending for good"
    at = start({"id": stuck_post}, "pages/post.py")
    assert_clean(at)
    assert any(w.value.startswith("Stuck: pending for") for w in at.warning)
    lanes = [p.platform for p in stuck_outcome.platforms]
    assert [s.value for s in at.subheader if s.value in lanes] == lanes
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["yaxis"]["categoryarray"] == sorted(lanes)
    table = at.dataframe[0].value
    assert len(table) == len(analysis.post_attempts(demo_frame, stuck_post))


def test_post_table_selection_opens_the_attempt(demo_app: Path, demo_frame: pd.DataFrame) -> None:
    post_id = str(demo_frame["post_id"].dropna().iloc[0])
    at = start({"id": post_id}, "pages/post.py")
    newest = str(at.dataframe[0].value.iloc[0]["log_id"])
    at.session_state["post_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert at.query_params["id"] == newest
    assert at.title[0].value == "Attempt"


def test_unknown_post_says_not_found(demo_app: Path) -> None:
    at = start({"id": "no-such-post"}, "pages/post.py")
    assert_clean(at)
    assert any("Post not found" in e.value for e in at.error)


# --------------------------------------------------------------------------------------------- collector


def test_collector_page_renders_store_facts(demo_app: Path, demo_frame: pd.DataFrame) -> None:
    at = start(page="pages/collector.py")
    assert_clean(at)
    shown = texts(at)
    assert f"{len(demo_frame):,}" in shown
    assert "not set (demo mode)" in shown
    assert any("polling is off" in t for t in shown)


def test_collector_never_shows_the_api_key(app_env, tmp_path: Path) -> None:
    secret = "sk_test_secret_" + "9" * 52
    app_env(tmp_path / "live-cache", LATE_API_KEY=secret)
    for page in (None, "pages/explorer.py", "pages/collector.py"):
        at = start(page=page)
        assert_clean(at)
        assert secret not in page_text(at)
        assert secret[:20] not in page_text(at)
        assert not any("Demo mode" in i.value for i in at.info)
    assert "set" in texts(at)  # the collector page says a key is set, and nothing more


def test_sync_now_while_another_collector_writes_says_so(empty_app: Path) -> None:
    store = LogStore(empty_app / "demo")
    try:
        at = start(page="pages/collector.py")
        with store.writer_lock():
            at.button(key="collector_sync_now").click().run()
        assert_clean(at)
        assert any("writing to the store right now" in i.value for i in at.info)
    finally:
        store.close()


# --------------------------------------------------------------------------------------------- empty store


@pytest.mark.parametrize("page", [None, "pages/explorer.py"])
def test_empty_store_says_how_to_fill_it(empty_app: Path, page: str | None) -> None:
    at = start(page=page)
    assert_clean(at)
    assert any("No attempts are stored yet" in i.value for i in at.info)
