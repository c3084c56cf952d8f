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
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from late_logs import analysis, baselines, contrast, ledger, verdicts
from late_logs.simulator.planted import HTML_PAYLOADS, PLANTED_SECRETS
from late_logs.source import build_demo_simulator
from late_logs.store import LogStore
from late_logs.ui import accounts as accounts_view
from late_logs.ui import filters, guard, streamlit_compat
from late_logs.ui import verdicts as verdict_view
from late_logs.ui.text import BODY_PREVIEW_CHARS
from tests.e2e import hostile_store

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


def as_read(markdown: str) -> str:
    """What a reader sees of escaped markdown text: escapes and word joiners gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.text]


def codes(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.code]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    # The guard turns a bug into one sentence on the page: a clean run has none.
    assert not [e.value for e in at.error if "unexpected problem" in e.value]


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
    streamlit_compat.keep_router_mode(monkeypatch.setattr)


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


def test_overview_counts_posts_that_did_not_go_out_and_stuck_attempts(
    demo_app: Path, demo_frame: pd.DataFrame
) -> None:
    at = start()
    assert_clean(at)
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    window_rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    counts = analysis.post_counts(window_rows, analysis.utc_now())
    assert counts.hit > 0
    [line] = [m.value for m in at.markdown if "hit by a failure" in m.value]
    assert f"**{counts.hit:,} posts** hit by a failure" in line
    assert f"**{counts.failed_everywhere:,}** failed everywhere" in line
    assert f"**{counts.recovered:,}** recovered after a retry" in line
    assert f"**{counts.stuck_attempts:,}** attempts stuck" in line


def test_overview_error_groups_say_who_must_act_and_first_seen_over_the_store(
    demo_app: Path, demo_frame: pd.DataFrame
) -> None:
    at = start()
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    window_rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    groups = analysis.error_groups(window_rows, history=demo_frame)
    # New and regressed groups come first (the triage ledger), then the biggest, as before.
    found = ledger.states(demo_frame, {}, start_at, analysis.utc_now())
    urgent = groups["group"].map(lambda g: found[g][0] in ("new", "regressed"))
    groups = groups.assign(urgent=urgent).sort_values("urgent", ascending=False, kind="stable")
    groups = groups.head(15).reset_index(drop=True)
    table = at.dataframe[0].value
    assert table["hint"].tolist() == groups["hint"].tolist()
    assert all(kind.split(" · ")[0] in verdicts.WHO_LABELS.values() for kind in table["kind"])
    assert (table["first_seen"] == groups["first_seen"]).all()
    assert (groups["first_seen"] < pd.Timestamp(start_at)).any()  # some groups are older than the window


def test_preset_writes_a_relative_window_into_the_url(demo_app: Path) -> None:
    """A preset is a window that follows the clock ("7 days" until now), and the URL says so; the old
    behaviour froze it into an absolute window whose end stayed put while the preset stayed highlighted."""
    at = start()
    before = filters.window_of({"window": "7d"}, analysis.utc_now())[0]
    at.segmented_control(key=filters.PRESET_KEY).set_value("7d").run()
    after = filters.window_of({"window": "7d"}, analysis.utc_now())[0]
    assert_clean(at)
    assert at.query_params["window"] == "7d" and "start" not in at.query_params
    # The window is in whole minutes and follows the clock: the run may fall either side of a minute.
    shown = at.datetime_input(key=filters.START_KEY).value
    assert shown in {before.replace(tzinfo=None), after.replace(tzinfo=None)}
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
    table = next(d.value for d in at.dataframe if "link" in d.value.columns and "count" in d.value.columns)
    assert len(table), "the demo window has failures"
    # The row shown first (new and regressed groups come first, then the biggest), as the page lists it.
    first = parse_qs(urlsplit(str(table.iloc[0]["link"])).query)["error_group"][0]
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    failures = analysis.apply_filters(
        demo_frame, analysis.Filters(start=start_at, end=end_at, statuses=("failed",))
    )
    expected = int((analysis.error_group_keys(failures) == first).sum())
    assert expected == int(table.iloc[0]["count"])  # the table counts the group's failures in the window
    at.session_state["overview_groups"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Explorer"
    assert at.query_params["error_group"] == first
    assert at.query_params["status"] == "failed"
    assert len(at.dataframe[0].value) == expected


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
    # (the posts line's stuck-attempts link opens the Explorer too: the cells are those with a platform)
    cell_links = [
        link
        for link in at.page_link
        if link.proto.page == "explorer" and "platform=" in link.proto.query_string
    ]
    assert cell_links
    query = parse_qs(cell_links[0].proto.query_string)
    assert query["status"] == ["failed"] and query["platform"] and query["action"]
    assert query["start"] == [window_params["start"]]


def test_overview_kpis_are_compared_with_the_same_hours_of_the_days_before(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    # An absolute window: the test's rows are the page's to the second (a relative one moves on).
    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), page="pages/overview.py")
    assert_clean(at)
    oldest = demo_frame["created_at"].min()
    windows = baselines.baseline_windows(start_at, end_at, since=oldest)
    assert windows  # the demo store holds a week: the last 24 h have days before them
    per_window = pd.DataFrame(
        [
            analysis.kpi_numbers(analysis.apply_filters(demo_frame, analysis.Filters(start=a, end=b)))
            for a, b in windows
        ]
    )
    usual_attempts = per_window.loc[per_window["attempts"] > 0, "attempts"].mean()
    current = analysis.window_kpis(demo_frame, start_at, end_at)[0].value
    delta = current - usual_attempts
    shown = f"{delta:+.1f}" if abs(delta) < 10 else f"{delta:+,.0f}"
    assert at.metric[0].proto.delta == f"{shown} vs usual"
    assert all(m.proto.delta.endswith("vs usual") for m in at.metric)
    assert "same hours on the" in at.metric[0].proto.help


def test_overview_accounts_affected_counts_accounts_with_a_failure_only(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    # An absolute window: the test's rows are the page's to the second (a relative one moves on).
    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), page="pages/overview.py")
    rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    failing = rows.loc[rows["status"] == "failed", "account_id"].nunique()
    assert failing < rows["account_id"].nunique()  # some accounts only succeeded: they are not counted
    accounts = next(m for m in at.metric if m.label == "Accounts affected")
    assert accounts.value == f"{failing:,}"
    assert accounts.proto.help.startswith("Accounts with a failed attempt in the window")


def test_overview_of_a_window_with_nothing_before_says_no_baseline_yet(demo_app: Path) -> None:
    # The demo store holds one week: the week before the last 7 days is empty, which is no reason for red.
    at = start({"window": "7d"}, page="pages/overview.py")
    assert_clean(at)
    assert [m.proto.delta for m in at.metric] == [baselines.NO_BASELINE] * 5
    assert any("No baseline yet for these hours" in m.value for m in at.markdown)


def test_overview_matrix_leaves_out_actions_with_no_settled_attempt(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    # An absolute window: the test's rows are the page's to the second (a relative one moves on).
    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), page="pages/overview.py")
    window_rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    settled = window_rows["status"].isin(analysis.SETTLED_STATUSES)
    with_settled = set(window_rows.loc[settled, "action"])
    empty = set(window_rows["action"]) - with_settled
    assert empty  # the demo's cancelled posts are skipped attempts only: a column of 0/0
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    shown = set(figure["data"][0]["x"])
    assert shown == with_settled and not shown & empty


def test_overview_worse_than_usual_links_rank_by_excess_failures(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    # An absolute window: the test's rows are the page's to the second (a relative one moves on).
    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), page="pages/overview.py")
    window_rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    windows = baselines.baseline_windows(start_at, end_at, since=demo_frame["created_at"].min())
    pooled = baselines.pool(
        [
            analysis.failure_matrix(analysis.apply_filters(demo_frame, analysis.Filters(start=a, end=b)))
            for a, b in windows
        ],
        ["platform", "action"],
    )
    worse = baselines.worse_than_usual(baselines.compare(analysis.failure_matrix(window_rows), pooled), 6)
    cell_links = [
        parse_qs(link.proto.query_string)
        for link in at.page_link
        if link.proto.page == "explorer" and "platform=" in link.proto.query_string
    ]
    if worse.empty:  # then the cells with most failures, still by volume, never by rate alone
        assert any("No cell is worse than usual; most failures:" in m.value for m in at.markdown)
        matrix = analysis.failure_matrix(window_rows)
        top = matrix[~matrix["muted"] & (matrix["failures"] > 0)].sort_values(
            ["failures", "settled"], ascending=[False, True], kind="stable"
        )
        assert [(q["platform"][0], q["action"][0]) for q in cell_links] == list(
            zip(top["platform"], top["action"], strict=True)
        )[:6]
    else:
        assert [(q["platform"][0], q["action"][0]) for q in cell_links] == list(
            zip(worse["platform"], worse["action"], strict=True)
        )


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
        f"Download the evidence bundle of {len(expected):,} attempts (zip)",
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


def test_explorer_shows_the_verdict_of_each_failure(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 3)
    at = start({**url_window(start_at, end_at), "status": "failed"}, "pages/explorer.py")
    assert_clean(at)
    shown = at.dataframe[0].value
    # The verdict sits right after the error message, inside the columns that fit at 1280 px.
    columns = list(shown.columns)
    assert columns[columns.index("error_message") + 1 : columns.index("error_message") + 5] == [
        "who_must_act",
        "retry",
        "flag",
        "hint",
    ]
    assert set(shown["who_must_act"]) <= set(verdicts.WHO_MUST_ACT) and shown["hint"].notna().all()
    expected = verdicts.frame_verdicts(
        analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at, statuses=("failed",)))
    )
    assert shown["who_must_act"].value_counts().to_dict() == expected["who_must_act"].value_counts().to_dict()
    verify = shown[shown["retry"] == "verify"]
    assert len(verify) and verify["flag"].str.startswith("may have gone live: check").all()


def test_explorer_filters_by_who_must_act_and_retry(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 7)
    query = {**url_window(start_at, end_at), "who": "reconnect,wait", "retry": "later"}
    at = start(query, "pages/explorer.py")
    assert_clean(at)
    shown = at.dataframe[0].value
    assert len(shown) and set(shown["who_must_act"]) == {"wait"} and set(shown["retry"]) == {"later"}
    assert at.multiselect(key="explorer_who").value == ["reconnect", "wait"]
    # The verdicts the store wrote with each attempt (they read the raw response body too).
    with LogStore(demo_app / "demo") as store:
        stored = store.frame(columns=[*demo_frame.columns, "who_must_act", "retry"])
    expected = analysis.apply_filters(
        stored,
        analysis.Filters(start=start_at, end=end_at, who_must_act=("reconnect", "wait"), retry=("later",)),
    )
    assert len(shown) == min(len(expected), 5000)


def test_explorer_filtered_by_a_group_says_its_message_and_verdict(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 7)
    window_rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    groups = analysis.error_groups(window_rows)
    group = groups.iloc[0]
    at = start({**url_window(start_at, end_at), "error_group": group["group"]}, "pages/explorer.py")
    assert_clean(at)
    [caption] = [t for t in texts(at) if t.startswith(f"Error group {group['group']}:")]
    assert group["message"] in caption and group["hint"] in caption
    assert verdicts.WHO_LABELS[group["who_must_act"]] in caption


def test_explorer_flags_stuck_attempts_with_their_age(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 7)
    at = start({**url_window(start_at, end_at), "status": "pending"}, "pages/explorer.py")
    assert_clean(at)
    shown = at.dataframe[0].value
    old = shown[shown["created_at"] < pd.Timestamp(demo_now) - analysis.STUCK_AFTER - timedelta(minutes=2)]
    assert len(old) and old["flag"].str.match(r"stuck \d+ (min|h|days)").all()


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


def test_explorer_says_what_sets_the_failures_apart(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 1)
    at = start({**url_window(start_at, end_at), "status": "failed"}, page="pages/explorer.py")
    assert_clean(at)
    # A drill-through to failures still compares them with the successes of the same window.
    rows = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    rows = rows[rows["status"].isin(["failed", "success"])]
    found = contrast.reading(rows, contrast.contrast(rows))
    [line] = [m.value for m in at.markdown if m.value.startswith("**What sets the failures apart:**")]
    assert as_read(line) == f"**What sets the failures apart:** {found.sentence}"
    table = next(d.value for d in at.dataframe if "of_failures" in d.value.columns)
    best = contrast.contrast(rows).drop_duplicates("attribute")
    assert table["value"].tolist() == best["value"].tolist()
    assert table["of_successes"].sum() > 0  # successes were there to compare with
    platform_link = table.loc[table["what"] == "Platform", "link"]
    assert platform_link.empty or "status=failed" in platform_link.iloc[0]


def test_explorer_one_row_per_post_view_is_kept_in_the_url(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 1)
    # The page reads each post's state at the minute of its run (a pending attempt turns stuck at 30 min):
    # the minute before the run or, when one ended during it, the one after.
    minutes = [analysis.utc_now().replace(second=0, microsecond=0)]
    at = start(
        {**url_window(start_at, end_at), "status": "failed", "view": "posts"}, page="pages/explorer.py"
    )
    minutes.append(analysis.utc_now().replace(second=0, microsecond=0))
    assert_clean(at)
    assert at.query_params["view"] == "posts"
    failed = analysis.apply_filters(
        demo_frame, analysis.Filters(start=start_at, end=end_at, statuses=("failed",))
    )
    ids = set(failed["post_id"].dropna())
    table = at.dataframe[0].value
    shown = (table["post_id"].tolist(), table["platforms"].tolist())
    expected = [analysis.post_rows(demo_frame[demo_frame["post_id"].isin(ids)], m) for m in minutes]
    assert shown in [
        (e["post_id"].head(len(table)).tolist(), e["platforms"].head(len(table)).tolist()) for e in expected
    ]
    # Filtered to failures, yet each post's state comes from all its attempts: some went out after a retry.
    assert "yes" in set(table["recovered"]) and "published" in set(table["state"])
    assert all(link.startswith("post?id=") for link in table["open"])
    assert any(f"{len(ids):,} posts have attempts that match" in m.value for m in at.markdown)
    # Switched back to attempts: the parameter goes, the attempt table returns.
    at.segmented_control(key="explorer_rows").set_value("attempts").run()
    assert "view" not in at.query_params
    assert "log_id" in at.dataframe[0].value.columns


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
    # The verdict heads the page: who must act and whether a retry is safe, in the taxonomy's words.
    store = LogStore(demo_app / "demo")
    try:
        verdict = verdicts.classify_entry(store.raw_attempt(row["log_id"]))
    finally:
        store.close()
    assert verdict.label in [s.value for s in at.subheader]
    assert verdict.hint in texts(at)


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


def test_post_history_cards_say_who_must_act_on_a_failed_platform(
    demo_app: Path, demo_frame: pd.DataFrame
) -> None:
    chosen = None
    for post_id in demo_frame.loc[demo_frame["status"] == "failed", "post_id"].dropna().unique()[:200]:
        attempts = analysis.post_attempts(demo_frame, post_id)
        outcome = analysis.post_outcome(attempts, analysis.utc_now())
        failed = [p for p in outcome.platforms if p.state == "failed" and not p.went_live]
        if failed:
            chosen, lane = str(post_id), failed[0]
            break
    assert chosen, "the demo has posts that failed on a platform"
    title, hint = verdict_view.platform_lane_verdict(attempts, lane)
    at = start({"id": chosen}, "pages/post.py")
    assert_clean(at)
    assert any(m.value == f"**{title}**" for m in at.markdown)
    assert hint in texts(at)


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


# --------------------------------------------------------------------------------------------- accounts


def dead_in_window(simulated, start_at: datetime, end_at: datetime) -> dict[str, int]:
    """The simulated accounts whose token was dead at some time in [start_at, end_at), with how long (ms)."""
    low, high = int(start_at.timestamp() * 1000), int(end_at.timestamp() * 1000)
    found = {}
    for account in simulated.world.accounts:
        periods = account.dead_periods(low, high)
        inside = sum(max(0, min(end, high) - max(begin, low)) for begin, end in periods)
        if inside:
            found[account.id] = inside
    return found


def test_accounts_page_lists_every_account_worst_first(demo_app: Path, demo_now: datetime) -> None:
    start_at, end_at = window(demo_now, 7)
    at = start(url_window(start_at, end_at), "pages/accounts.py")
    assert_clean(at)
    assert at.title[0].value == "Accounts"
    table = at.dataframe[0].value
    simulated = build_demo_simulator(dict(os.environ))  # the env demo_app set
    assert len(table) == len(simulated.accounts())
    assert list(table["state"]) == sorted(table["state"], key=accounts_view.STATES.index)
    # An account that needs a reconnect is the first row, told in words, and on the worklist; its token
    # was dead in the window (the simulator's ground truth; "dead now" is not: at some clocks one died
    # minutes ago, with no failure yet, and one reconnected minutes ago is still told from its failures).
    dead = dead_in_window(simulated, start_at, end_at)
    top = table.iloc[0]
    assert top["state"] == "needs reconnect" and top["account_id"] in dead
    assert re.fullmatch(r"token dead since [\d: -]+: [\d,]+ failures? on [\d,]+ posts?", top["state_text"])
    assert top["link"] == f"accounts?id={top['account_id']}"
    # The worklist: exactly the accounts that need a reconnect (in its own order, the oldest dead token
    # first; the table ranks them by failures), each with the hint to send.
    worklist = at.dataframe[1].value
    needing = table[table["state"] == "needs reconnect"].set_index("account_id")
    assert sorted(worklist["account_id"]) == sorted(needing.index)
    first = needing.loc[worklist.iloc[0]["account_id"]]
    name = verdicts.PLATFORM_NAMES[first["platform"]]
    assert worklist.iloc[0]["hint"].startswith(f"Reconnect the {name} account @{first['handle'].lstrip('@')}")
    assert [b.label for b in at.download_button][0].startswith("Export the ")
    # Connection events are joined: the dead account's failed reconnects show (counted as bad events; its
    # newest event may be another).
    assert "bad event" in top["connection"]


def test_accounts_id_opens_one_account_with_its_attempts(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 7)
    # The account the list puts first (one that needs a reconnect), as its row's link opens it; its token
    # was dead in the window (the simulator's ground truth).
    listed = start(url_window(start_at, end_at), "pages/accounts.py").dataframe[0].value.iloc[0]
    dead = {"accountId": str(listed["account_id"])}
    assert dead["accountId"] in dead_in_window(build_demo_simulator(dict(os.environ)), start_at, end_at)
    at = start({**url_window(start_at, end_at), "id": dead["accountId"]}, "pages/accounts.py")
    assert_clean(at)
    assert any(t.startswith("needs reconnect: token dead since") for t in texts(at))
    events, attempts = at.dataframe[0].value, at.dataframe[1].value
    assert "reconnect_failed" in set(events["event"])
    expected = analysis.apply_filters(
        demo_frame, analysis.Filters(start=start_at, end=end_at, accounts=(dead["accountId"],))
    )
    assert len(attempts) == min(len(expected), 2000)
    assert set(attempts.loc[attempts["status"] == "failed", "who_must_act"]) >= {"reconnect"}
    assert any(link.proto.label == "Open its attempts in the Explorer" for link in at.page_link)


def test_accounts_unknown_id_says_so(demo_app: Path) -> None:
    at = start({"id": "no-such-account"}, "pages/accounts.py")
    assert_clean(at)
    assert any("No stored attempt belongs to this account id" in i.value for i in at.info)


# --------------------------------------------------------------------------------------------- bad links


FAR_FUTURE = {"start": "2026-11-01T00:00:00Z", "end": "9999-12-31T00:00:00Z"}


@pytest.mark.parametrize("page", [None, "pages/explorer.py", "pages/log.py"])
def test_far_future_link_window_is_clamped_and_said(
    demo_app: Path, demo_frame: pd.DataFrame, page: str | None
) -> None:
    """Was: an OutOfBoundsDatetime traceback on /, /explorer and /log for a window ending after 2262."""
    query = dict(FAR_FUTURE, id=str(demo_frame.iloc[0]["log_id"])) if page == "pages/log.py" else FAR_FUTURE
    at = start(query, page) if page else start()
    if page is None:
        at.query_params.update(FAR_FUTURE)
        at.run()
    assert_clean(at)
    assert any("ends after 2262; showing up to now" in as_read(w.value) for w in at.warning)
    end_at = filters.parse_time(at.query_params["end"])
    assert end_at is not None and end_at <= analysis.utc_now() + timedelta(minutes=2)
    assert at.query_params["start"] == FAR_FUTURE["start"]  # the good half of the link is kept


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"start": "yesterday", "end": "2026-11-30T00:00:00Z"}, "is not a time"),
        ({"start": "2026-11-30T12:00:00Z", "end": "2026-11-30T00:00:00Z"}, "the right way round"),
        ({"window": "3y"}, "is not one of 24h, 7d, 30d"),
        ({"start": "1970-01-01T00:00:00Z", "end": "2026-11-30T00:00:00Z"}, "starts before 2000"),
    ],
)
def test_bad_link_window_says_what_was_wrong_and_what_is_shown(
    demo_app: Path, query: dict[str, str], said: str
) -> None:
    """Was: a reversed or malformed window silently became the last 24 h."""
    at = start(query, "pages/explorer.py")
    assert_clean(at)
    notes = [as_read(w.value) for w in at.warning]
    assert any(said in n and "showing" in n for n in notes), notes
    # The URL now holds what is shown: a valid window.
    start_at, end_at = filters.window_of(dict(at.query_params), analysis.utc_now())
    assert start_at is not None and end_at is not None and start_at < end_at


def test_reversed_link_window_is_shown_the_right_way_round(demo_app: Path) -> None:
    at = start({"start": "2026-11-30T12:00:00Z", "end": "2026-11-30T00:00:00Z"}, "pages/explorer.py")
    shown = (at.query_params["start"], at.query_params["end"])
    assert shown == ("2026-11-30T00:00:00Z", "2026-11-30T12:00:00Z")


def test_store_error_on_a_page_is_one_sentence(empty_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from late_logs.store import StoreError

    sentence = "The store in /tmp/x is damaged (partition 2026-11-30); run python -m late_logs repair."

    def broken(self, *args, **kwargs):
        raise StoreError(sentence)

    monkeypatch.setattr(LogStore, "frame", broken)
    monkeypatch.setattr(LogStore, "parquet_files", broken)  # what the pages read now (late_logs.queries)
    for page in (None, "pages/explorer.py", "pages/post.py"):
        at = start({"id": "abc"} if page == "pages/post.py" else None, page)
        assert not at.exception
        assert [as_read(e.value) for e in at.error] == [sentence]


def test_unexpected_error_on_a_page_is_one_sentence_not_a_traceback(
    demo_app: Path, demo_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(*args, **kwargs):
        raise KeyError("created_at")

    monkeypatch.setattr(analysis, "post_outcome", bug)
    post_id = str(demo_frame["post_id"].dropna().iloc[0])
    at = start({"id": post_id}, "pages/post.py")
    assert not at.exception
    assert [e.value for e in at.error] == [guard.UNEXPECTED.format(kind="KeyError")]


def test_overview_explorer_groups_attempt_and_post_never_load_the_whole_store_into_pandas(
    demo_app: Path, demo_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They answer from the store's Parquet files (late_logs.queries); the frame is for the page that still
    needs rows in pandas (Accounts), and costs gigabytes at millions of attempts."""
    from late_logs.ui import data

    def whole_store(*args, **kwargs):
        raise AssertionError("the whole store was loaded into pandas")

    monkeypatch.setattr(data, "frame", whole_store)
    failed = str(analysis.error_group_keys(demo_frame).dropna().iloc[0])
    # a post that went live somewhere: a post that failed everywhere shows its state as an error box, which
    # would hide the guard's error this test looks for (the demo's newest post is either, by the clock)
    published_post = str(demo_frame.loc[demo_frame["status"] == "success", "post_id"].dropna().iloc[0])
    for page, query in (
        (None, None),
        ("pages/explorer.py", {"window": "7d", "q": "token", "sort": "-duration_ms"}),
        ("pages/explorer.py", {"window": "7d", "error_group": failed}),
        ("pages/groups.py", {"window": "7d"}),
        ("pages/log.py", {"id": str(demo_frame["log_id"].iloc[3]), "window": "7d"}),
        ("pages/post.py", {"id": published_post}),
    ):
        at = start(query, page)
        assert not at.exception
        assert not at.error, (page, [e.value for e in at.error])
        assert_clean(at)


# --------------------------------------------------------------------------------------------- page scope


def test_drill_through_filter_stays_on_the_page_it_opened(demo_app: Path) -> None:
    """Was: after a drill-through the Overview itself showed status=failed and the group's filter."""
    at = start()
    at.session_state["overview_groups"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.title[0].value == "Explorer" and at.query_params["status"] == "failed"
    at.switch_page("pages/overview.py")
    at.query_params.clear()  # the page menu: no query string
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    assert dict(at.query_params) == {"window": "24h"}
    assert at.multiselect(key="filters_statuses").value == []
    assert not [b for b in at.button if b.key == "sidebar_reset_filters"]  # nothing to reset


def test_reset_filters_shows_when_filters_differ_and_restores_defaults(demo_app: Path) -> None:
    at = start()
    assert not [b for b in at.button if b.key == "sidebar_reset_filters"]
    at.multiselect(key="filters_platforms").set_value(["tiktok"]).run()
    at.segmented_control(key=filters.PRESET_KEY).set_value("7d").run()
    assert at.query_params["platform"] == "tiktok"
    at.button(key="sidebar_reset_filters").click().run()
    assert_clean(at)
    assert dict(at.query_params) == {"window": "24h"}
    assert at.multiselect(key="filters_platforms").value == []
    assert at.segmented_control(key=filters.PRESET_KEY).value == "24h"


def test_explorer_filters_do_not_leak_into_the_overview(demo_app: Path, demo_now: datetime) -> None:
    at = start({"window": "7d", "q": "token", "platform": "tiktok"}, "pages/explorer.py")
    assert at.query_params["q"] == "token"
    at.switch_page("pages/overview.py")
    at.query_params.clear()
    at.run()
    assert_clean(at)
    assert "q" not in at.query_params and "platform" not in at.query_params


def test_absolute_link_window_stays_fixed_and_relative_one_follows_the_clock(demo_app: Path) -> None:
    absolute = {"start": "2026-11-29T10:00:00Z", "end": "2026-11-30T10:00:00Z"}
    at = start(absolute, "pages/explorer.py")
    assert_clean(at)
    assert {k: at.query_params[k] for k in absolute} == absolute and "window" not in at.query_params
    assert any("(fixed)" in as_read(c.value) for c in at.caption)
    at = start({"window": "24h"}, "pages/explorer.py")
    assert_clean(at)
    assert dict(at.query_params) == {"window": "24h"}
    assert any("Last 24 h until now" in as_read(c.value) for c in at.caption)


# --------------------------------------------------------------------------------------------- text as text


@pytest.fixture
def hostile_app(app_env, tmp_path: Path) -> hostile_store.HostileStore:
    root = tmp_path / "hostile-cache"
    app_env(root)
    return hostile_store.populate(root / "demo")


def markdown_strings(at: AppTest) -> list[str]:
    """Every string of the run that Streamlit renders as markdown: bodies, labels and help texts."""
    strings = markdown_bodies(at)
    for kind in ("page_link", "button", "metric", "expander", "multiselect", "text_input", "tabs"):
        for element in getattr(at, kind, []):
            for attribute in ("label", "help"):
                value = getattr(element, attribute, None)
                if value:
                    strings.append(str(value))
    return strings


@pytest.mark.parametrize("page", [None, "pages/explorer.py", "pages/log.py", "pages/post.py"])
def test_markdown_links_and_html_in_every_field_stay_text(
    hostile_app: hostile_store.HostileStore, page: str | None
) -> None:
    """Was: URLs in platform names, search terms and captions became live links (GFM autolinks)."""
    query = {
        None: {"platform": hostile_store.mixed(1)},
        "pages/explorer.py": {"q": "f9", "platform": hostile_store.mixed(1)},
        "pages/log.py": {"id": hostile_app.link_log_id},
        "pages/post.py": {"id": hostile_app.link_post_id},
    }[page]
    at = start(query, page or "pages/overview.py")
    assert_clean(at)
    strings = markdown_strings(at)
    everything = [*strings, *texts(at), *codes(at)]
    assert any("evil.example" in as_read(s) for s in everything), "no planted value on this page: empty test"
    for text in strings:
        unescaped = re.sub(r"\\(.)", r"\1", text)  # what the renderer's autolinker looks at
        assert "https://" not in unescaped and "www." not in unescaped.lower(), text
        assert not re.search(r"[\w.]@[\w-]", unescaped), text  # an e-mail autolink
        live = re.sub(r"\\.", "", text)  # the characters markdown may still interpret
        for markup in ("[click me](", "<https:", "<a href", "**bold**", ":red[", "$x^2$", "`code`"):
            assert markup not in live, text


def test_platform_post_url_is_a_link_only_when_it_is_http(hostile_app: hostile_store.HostileStore) -> None:
    at = start({"id": hostile_app.safe_url_log_id}, "pages/log.py")
    assert_clean(at)
    links = [m.value for m in at.markdown if "](<" in m.value]
    assert links == [f"[Open on linkedin](<{hostile_store.SAFE_POST_URL}>)"]
    at = start({"id": hostile_app.link_log_id}, "pages/log.py")
    assert not [m.value for m in at.markdown if "](" in m.value]
    assert hostile_store.UNSAFE_POST_URL in texts(at)  # shown, as text
    assert any("Not a web address" in as_read(c.value) for c in at.caption)


def test_huge_body_is_cut_and_show_all_loads_the_rest(hostile_app: hostile_store.HostileStore) -> None:
    """Was: a 1 MB body sent whole and highlighted, 21-38 s to render in the browser."""
    at = start({"id": hostile_app.huge_log_id}, "pages/log.py")
    assert_clean(at)
    assert max(len(c.value) for c in at.code) <= BODY_PREVIEW_CHARS
    cut = re.compile(r"Showing the first 19\.\d KB of 1\.\d MB\.")  # the pretty JSON is over 1 MB
    assert any(cut.fullmatch(as_read(c.value)) for c in at.caption), [c.value for c in at.caption]
    shown = [b for b in at.button if b.label == "Show all"]
    assert shown
    shown[0].click().run()
    assert_clean(at)
    whole = [box.value for box in at.text_area]
    assert whole and len(whole[0]) > hostile_store.HUGE_BODY_BYTES and "item-011000" in whole[0]


def test_attempt_page_shows_method_endpoint_relative_time_and_group_link(demo_app: Path, demo_frame) -> None:
    row = demo_frame[demo_frame["status"] == "failed"].iloc[0]
    at = start({"id": str(row["log_id"])}, "pages/log.py")
    assert_clean(at)
    assert any(str(row["endpoint"]) in c.value for c in at.code)  # the full endpoint, copyable
    assert any(t.endswith(" ago)") for t in texts(at))
    group = str(analysis.error_group_keys(demo_frame[demo_frame["log_id"] == row["log_id"]]).iloc[0])
    group_links = [link for link in at.page_link if link.proto.page == "explorer"]
    assert group_links and parse_qs(group_links[0].proto.query_string)["error_group"] == [group]


def test_freshness_says_first_pass_while_the_first_sync_runs(app_env, tmp_path: Path) -> None:
    """Was: "Data never synced" in the sidebar while the first pass was already filling the page."""
    from late_logs.ui import background, data

    root = tmp_path / "first-pass-cache"
    # Polling on, and a simulated Late slow enough that the first pass is still running when we look.
    app_env(root, LATE_LOGS_POLL_SECONDS="3600", LATE_LOGS_DEMO_SLOW_SECONDS="30")
    at = start()
    try:
        assert_clean(at)
        captions = [as_read(c.value) for c in at.sidebar.caption]
        assert any(c.startswith("Data syncing (first pass)") for c in captions), captions
        assert not any("never synced" in c for c in captions)
    finally:
        config = data.load_settings()
        handle = background._start_collector(str(config.cache_dir), config.poll_seconds, config, None)
        handle.stop.set()  # the background thread ends after its current request


def test_the_first_sync_page_loads_the_chart_library_before_the_first_charts(app_env, tmp_path: Path) -> None:
    # The browser fetches plotly's script while the first attempts are fetched: one tiny empty chart.
    from late_logs.ui import background, chart_library, data

    root = tmp_path / "first-pass-cache"
    app_env(root, LATE_LOGS_POLL_SECONDS="3600", LATE_LOGS_DEMO_SLOW_SECONDS="30")
    at = start()
    try:
        assert_clean(at)
        assert any(data.FIRST_SYNC in box.value for box in at.info)
        loaders = at.get("plotly_chart")
        assert len(loaders) == 1
        figure = json.loads(loaders[0].proto.spec)
        assert figure["layout"]["height"] == chart_library.LOADER_HEIGHT and not figure.get("data")
    finally:
        config = data.load_settings()
        handle = background._start_collector(str(config.cache_dir), config.poll_seconds, config, None)
        handle.stop.set()


def test_the_overview_builds_its_digest_only_when_its_fold_is_opened(
    demo_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closed, the fold's digest is never built (it read the day's attempts and seven baseline days before
    the charts could show); opened, it is, in the same session."""
    from late_logs.ui import groups as groups_view

    built = []
    real = groups_view.digest_markdown
    monkeypatch.setattr(groups_view, "digest_markdown", lambda *a, **k: built.append(1) or real(*a, **k))
    at = start({"window": "24h"})
    assert_clean(at)
    assert built == [] and not [c for c in at.code if c.value.startswith("# late-logs digest ")]
    at.session_state["overview_digest"] = True
    at.run()
    assert_clean(at)
    assert built == [1] and [c for c in at.code if c.value.startswith("# late-logs digest ")]


def test_the_overview_draws_its_charts_before_it_asks_for_the_numbers_that_read_rows(
    demo_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a filter the session has not counted, the matrix and the two charts (from the rollups' counts)
    are sent before the KPIs, post counts, usual and error groups are asked for (they read rows: a second
    of a first run at 10M attempts), and the numbers then fill their places above the charts; a rerun of
    the same filter (a click, the digest fold) draws them in place first, so the page does not jump."""
    import streamlit

    from late_logs.ui import overview_view

    events: list[str] = []
    real_chart, real_numbers = streamlit.plotly_chart, overview_view.overview
    monkeypatch.setattr(
        streamlit, "plotly_chart", lambda *a, **k: events.append("chart") or real_chart(*a, **k)
    )
    monkeypatch.setattr(
        overview_view, "overview", lambda *a, **k: events.append("numbers") or real_numbers(*a, **k)
    )
    at = start()
    assert_clean(at)
    for window in ("7d", "30d"):  # filters this session has not counted
        at.query_params.update({"window": window})
        events.clear()
        at.run()
        assert_clean(at)
        assert at.caption[0].value.startswith(("7 days", "30 days"))
        assert events.count("numbers") == 1
        asked = events.index("numbers")
        assert events[asked - 3 : asked] == ["chart"] * 3 and "chart" not in events[asked:]
        # Filled above the charts: the KPI cards, then the posts line, in the page's order.
        assert [m.label for m in at.metric] == [label for _, label, _ in analysis.KPI_LABELS]
        text = page_text(at)
        assert text.index("posts** hit by a failure") < text.index("Failure rate by platform and action")
        events.clear()
        at.run()  # the same filter again: counted, drawn in place before the charts
        assert_clean(at)
        assert events[0] == "numbers" and events.count("chart") == 3
        assert [m.label for m in at.metric] == [label for _, label, _ in analysis.KPI_LABELS]


def test_the_overviews_group_states_read_the_failure_runs_not_the_whole_stores_groups(
    demo_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Overview's error groups get their states from the store's failure runs alone; the whole store's
    error groups (the groups page's) are not counted for it (0.5 s of its first run at 10M attempts)."""
    from late_logs import queries
    from late_logs.ui import groups as groups_view

    asked: list[analysis.Filters] = []
    real = queries.error_groups
    monkeypatch.setattr(
        queries, "error_groups", lambda files, flt, **k: asked.append(flt) or real(files, flt, **k)
    )
    from late_logs.ui import overview_view

    for cached in (groups_view._runs_at, groups_view._all_groups_at, overview_view._overview_at):
        cached.clear()  # asked anew, not answered from an earlier test's run
    at = start({"window": "7d"}, "pages/overview.py")
    assert_clean(at)
    assert asked and all(flt.start is not None for flt in asked)  # the window's groups only
    table = at.dataframe[0].value  # the Overview's groups, each with its state
    assert len(table) and table["state"].notna().all()


def test_the_overview_digest_covers_the_last_24_hours_of_a_longer_window(demo_app: Path) -> None:
    at = start({"window": "7d"}, "pages/overview.py")
    assert at.caption[0].value.startswith("7 days until now")  # the page's window is the week
    at.session_state["overview_digest"] = True  # the fold opened: its digest is built
    at.run()
    assert_clean(at)
    digests = [c.value for c in at.code if c.value.startswith("# late-logs digest ")]
    assert len(digests) == 1
    heading = digests[0].splitlines()[0].removeprefix("# late-logs digest ").removesuffix(" UTC")
    since, until = (pd.Timestamp(part.strip(), tz="UTC") for part in heading.split("–"))
    # A daily digest, not the week's every attempt (the heading's times are whole minutes).
    assert pd.Timedelta(hours=23, minutes=58) <= until - since <= pd.Timedelta(hours=24)


def test_a_sessions_first_run_draws_the_chart_library_loader_in_the_sidebar_once(demo_app: Path) -> None:
    """The browser fetches plotly's script while the first page computes: one empty chart, a few pixels
    high, in the sidebar's keyed container at the session's first run; later runs draw none, and the page's
    own charts are the page's."""
    from late_logs.ui import chart_library

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert_clean(at)
    loaders = at.sidebar.get("plotly_chart")
    assert len(loaders) == 1
    figure = json.loads(loaders[0].proto.spec)
    assert figure["layout"]["height"] == chart_library.LOADER_HEIGHT and not figure.get("data")
    assert len(at.main.get("plotly_chart")) == 3  # the Overview's heatmap, failure rate, attempts by status
    assert at.session_state[chart_library._DRAWN]
    at.run()
    assert_clean(at)
    assert not at.sidebar.get("plotly_chart")
    assert len(at.main.get("plotly_chart")) == 3


def test_explorer_counts_every_match_after_its_table_when_the_rows_fill_it(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than the table holds: the table is drawn from the first rows, then the count line and
    the export buttons get the count of every match (no "Counting…" left once the run is done)."""
    from late_logs.ui import explorer_view

    monkeypatch.setattr(explorer_view, "MAX_ROWS_SHOWN", 1000)  # the demo's week is ~3,500 attempts
    # The table's cached rows are keyed by filter, not by its size: none from before, none left after.
    explorer_view._matching_at.clear()
    start_at, end_at = window(demo_now, 7)
    try:
        at = start(url_window(start_at, end_at), "pages/explorer.py")
    finally:
        explorer_view._matching_at.clear()
    assert_clean(at)
    expected = analysis.apply_filters(demo_frame, analysis.Filters(start=start_at, end=end_at))
    assert len(expected) > explorer_view.MAX_ROWS_SHOWN
    assert len(at.dataframe[0].value) == explorer_view.MAX_ROWS_SHOWN
    lines = [m.value for m in at.markdown]
    assert any(f"{len(expected):,} attempts match" in line and "The table shows the first 1,000" in line
               for line in lines)  # fmt: skip
    assert not any("Counting the matching attempts" in line for line in lines)
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"Export {len(expected):,} rows as CSV" in labels
