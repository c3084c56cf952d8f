"""The Explorer's table and filter aids: the column choice and sort order (pure parts and through the URL
under AppTest), facet counts beside filter options, and what the search box says under it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from late_logs import analysis, search
from late_logs.records import RECORD_COLUMNS, to_frame
from late_logs.ui import explorer_view, facets, filters, streamlit_compat
from late_logs.ui.text import escape_markdown

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
TIMEOUT = 60
EXPLORER = "pages/explorer.py"
T0 = datetime(2025, 11, 20, 9, 0, tzinfo=timezone.utc)


def rows_of(*records: dict) -> pd.DataFrame:
    base = {"platform": "instagram", "action": "publish", "status": "success", "account_username": "acme"}
    return to_frame(
        [
            {**base, "log_id": f"r{i}", "created_at": T0 - timedelta(minutes=i), **record}
            for i, record in enumerate(records)
        ]
    )


# --------------------------------------------------------------------------------------------- pure parts


def test_default_columns_lead_with_what_a_row_is_read_by() -> None:
    assert explorer_view.default_columns(RECORD_COLUMNS)[:6] == (
        "status",
        "created_at",
        "platform",
        "account_username",
        "action",
        "error_message",
    )
    # The verdict column only where the store has it.
    assert "who_must_act" not in explorer_view.default_columns(RECORD_COLUMNS)
    assert "who_must_act" in explorer_view.default_columns([*RECORD_COLUMNS, "who_must_act"])


def test_lead_columns_fit_the_table_at_1280_px() -> None:
    """At 1280 px with the sidebar open the table is about 900 px wide; the Open link, status, time,
    platform, account and action must leave room for the start of the error message."""
    assert explorer_view.lead_width(explorer_view.default_columns(RECORD_COLUMNS)) <= 640


def test_parse_columns_keeps_the_given_order_and_reports_unknown_names() -> None:
    columns, unknown = explorer_view.parse_columns("error_message,status,bogus,,status", RECORD_COLUMNS)
    assert columns == ("error_message", "status")
    assert unknown == ("bogus",)
    default = explorer_view.default_columns(RECORD_COLUMNS)
    assert explorer_view.parse_columns("", RECORD_COLUMNS) == (default, ())
    assert explorer_view.parse_columns("nope", RECORD_COLUMNS) == (default, ("nope",))


def test_format_columns_leaves_the_default_out_of_the_url() -> None:
    default = explorer_view.default_columns(RECORD_COLUMNS)
    assert explorer_view.format_columns(default, RECORD_COLUMNS) is None
    assert explorer_view.format_columns(("log_id", "status"), RECORD_COLUMNS) == "log_id,status"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("created_at", True, None)),
        ("-duration_ms", ("duration_ms", True, None)),
        ("platform", ("platform", False, None)),
        ("created_at", ("created_at", False, None)),
        ("-password", ("created_at", True, "The link sorts by password, which is not a column here; newest "
                                            "first instead.")),
    ],
)
def test_parse_sort(text: str, expected: tuple) -> None:
    assert explorer_view.parse_sort(text, RECORD_COLUMNS) == expected


def test_format_sort_round_trips_and_leaves_newest_first_out() -> None:
    assert explorer_view.format_sort("created_at", True) is None
    assert explorer_view.format_sort("duration_ms", True) == "-duration_ms"
    assert explorer_view.format_sort("platform", False) == "platform"


def test_sorted_rows_puts_missing_last_and_keeps_ties_newest_first() -> None:
    frame = rows_of({"duration_ms": 5}, {"duration_ms": None}, {"duration_ms": 9}, {"duration_ms": 5})
    def order(column: str, descending: bool, limit: int | None = None) -> list[str]:
        return explorer_view.sorted_rows(frame, column, descending, limit)["log_id"].tolist()

    assert order("duration_ms", True) == ["r2", "r0", "r3", "r1"]
    assert order("duration_ms", False) == ["r0", "r3", "r2", "r1"]
    assert order("duration_ms", True, limit=2) == ["r2", "r0"]
    assert order("created_at", False) == ["r3", "r2", "r1", "r0"]
    assert order("created_at", True, limit=3) == ["r0", "r1", "r2"]

def test_sort_text() -> None:
    choice = explorer_view.TableChoice(("status",), "created_at", True)
    assert explorer_view.sort_text(choice) == "newest first"
    assert explorer_view.sort_text(explorer_view.TableChoice((), "created_at", False)) == "oldest first"
    assert explorer_view.sort_text(explorer_view.TableChoice((), "duration_ms", True)) == (
        "by Duration (ms), highest first"
    )


def test_attempt_links_carry_the_id_and_the_filter() -> None:
    ids = pd.Series(["65a1", "id with/slash&"], index=[7, 9])
    links = explorer_view.attempt_links(ids, {"start": "2025-11-20T09:00:00Z", "q": "spring sale"})
    assert links.tolist() == [
        "log?id=65a1&start=2025-11-20T09%3A00%3A00Z&q=spring+sale",
        "log?id=id%20with%2Fslash%26&start=2025-11-20T09%3A00%3A00Z&q=spring+sale",
    ]
    assert links.index.tolist() == [7, 9]
    assert explorer_view.attempt_links(pd.Series(["a"]), {}).tolist() == ["log?id=a"]


def test_table_frame_puts_the_open_link_first_then_the_chosen_columns() -> None:
    frame = rows_of({"error_message": "boom"})
    links = explorer_view.attempt_links(frame["log_id"], {})
    table = explorer_view.table_frame(frame, ("error_message", "status"), links)
    assert list(table.columns) == ["open", "error_message", "status"]
    assert table.iloc[0].tolist() == ["log?id=r0", "boom", "success"]


def test_value_counts_fold_missing_and_blank_values_into_the_filters_label() -> None:
    frame = rows_of({"error_code": "190"}, {"error_code": None}, {"error_code": " "}, {"error_code": "190"},
                    {"platform": None})
    assert facets.value_counts(frame, "error_code") == {"190": 2, analysis.NO_CODE: 3}
    assert facets.value_counts(frame, "platform") == {"instagram": 4, analysis.UNKNOWN: 1}
    assert facets.value_counts(frame, "status") == {"success": 5}
    assert facets.value_counts(frame.iloc[:0], "status") == {}
    assert facets.value_counts(frame, "who_must_act") == {}


def test_window_counts_count_only_the_window() -> None:
    frame = rows_of({"platform": "tiktok"}, {"platform": "tiktok"}, {"platform": "bluesky"})
    counts = facets.window_counts(frame, T0 - timedelta(minutes=1), T0 + timedelta(minutes=1))
    assert counts["platform"] == {"tiktok": 2}  # r0 and r1 are in [T0-1, T0+1); r2 is not
    assert counts["status"] == {"success": 2}
    assert facets.option_label("tiktok", counts["platform"]) == "tiktok (2)"
    assert facets.option_label("bluesky", counts["platform"]) == "bluesky (0)"


def test_option_labels_coming_back_from_the_browser_lose_their_counts() -> None:
    assert facets.without_counts(["instagram (1,204)", "instagram", "x (y)", "(none) (3)"]) == [
        "instagram",
        "x (y)",
        "(none)",
    ]


# --------------------------------------------------------------------------------------------- AppTest


@pytest.fixture(autouse=True)
def navigation_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest runs go through the router, as on the real server (see tests/test_pages.py)."""
    streamlit_compat.keep_router_mode(monkeypatch.setattr)


@pytest.fixture
def demo_app(app_env, demo_store_dir: Path) -> Path:
    app_env(demo_store_dir)
    return demo_store_dir


def open_explorer(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(EXPLORER)
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def week(now: datetime) -> dict[str, str]:
    end = now + timedelta(minutes=1)
    return {"start": filters.format_instant(end - timedelta(days=7)), "end": filters.format_instant(end)}


def week_rows(frame: pd.DataFrame, now: datetime, **flt) -> pd.DataFrame:
    end = now + timedelta(minutes=1)
    return analysis.apply_filters(frame, analysis.Filters(start=end - timedelta(days=7), end=end, **flt))


def captions(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption]


def test_columns_and_sort_from_the_url_shape_the_table(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    at = open_explorer({**week(demo_now), "status": "failed", "cols": "error_message,platform,log_id",
                        "sort": "-duration_ms"})
    table = at.dataframe[0].value
    assert list(table.columns) == ["open", "error_message", "platform", "log_id"]
    expected = explorer_view.sorted_rows(week_rows(demo_frame, demo_now, statuses=("failed",)), "duration_ms",
                                         True, explorer_view.MAX_ROWS_SHOWN)
    assert table["log_id"].tolist() == expected["log_id"].tolist()
    assert table["open"].iloc[0].startswith(f"log?id={expected['log_id'].iloc[0]}&")
    assert at.query_params["cols"] == "error_message,platform,log_id"
    assert at.query_params["sort"] == "-duration_ms"
    assert any("attempts match, by Duration (ms), highest first" in m.value for m in at.markdown)
    assert at.multiselect(key=explorer_view.COLUMNS_KEY).value == ["error_message", "platform", "log_id"]
    assert at.selectbox(key=explorer_view.SORT_COLUMN_KEY).value == "duration_ms"


def test_column_chooser_writes_the_choice_into_the_url(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    at = open_explorer(week(demo_now))
    assert "cols" not in at.query_params and "sort" not in at.query_params  # the default stays out
    at.multiselect(key=explorer_view.COLUMNS_KEY).set_value(["log_id", "status"]).run()
    at.selectbox(key=explorer_view.SORT_COLUMN_KEY).set_value("platform").run()
    at.radio(key=explorer_view.SORT_ORDER_KEY).set_value("asc").run()
    assert not at.exception
    assert at.query_params["cols"] == "log_id,status"
    assert at.query_params["sort"] == "platform"
    assert list(at.dataframe[0].value.columns) == ["open", "log_id", "status"]
    expected = explorer_view.sorted_rows(week_rows(demo_frame, demo_now), "platform", False, 5000)
    assert at.dataframe[0].value["log_id"].tolist() == expected["log_id"].tolist()


def test_page_menu_arrival_keeps_the_column_choice(demo_app: Path, demo_now: datetime) -> None:
    at = open_explorer({**week(demo_now), "cols": "status,log_id", "sort": "status"})
    at.switch_page("pages/overview.py")
    at.query_params.clear()
    at.run()
    at.switch_page(EXPLORER)
    at.query_params.clear()  # the page menu drops the query string
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value.columns) == ["open", "status", "log_id"]
    assert at.query_params["cols"] == "status,log_id"
    assert at.query_params["sort"] == "status"


def test_bad_columns_and_sort_in_a_link_say_what_is_shown_instead(demo_app: Path, demo_now: datetime) -> None:
    at = open_explorer({**week(demo_now), "cols": "status,<b>x</b>", "sort": "-nope"})
    assert list(at.dataframe[0].value.columns) == ["open", "status"]
    assert escape_markdown(
        "The link asks for columns this table does not have (<b>x</b>); they are left out."
    ) in " ".join(captions(at))
    sort_problem = "The link sorts by nope, which is not a column here; newest first instead."
    assert escape_markdown(sort_problem) in " ".join(captions(at))
    assert "sort" not in at.query_params  # the fallback (newest first) is the default


def test_filter_options_show_the_windows_counts(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    at = open_explorer(week(demo_now))
    window = week_rows(demo_frame, demo_now)
    platforms = at.multiselect(key=filters.WIDGET_KEYS["platform"])
    top = window["platform"].value_counts()
    name, count = str(top.index[0]), int(top.iloc[0])
    assert f"{name} ({count:,})" in platforms.options
    statuses = at.multiselect(key=filters.WIDGET_KEYS["status"]).options
    assert f"failed ({int((window['status'] == 'failed').sum()):,})" in statuses
    codes = at.multiselect(key=filters.WIDGET_KEYS["error_code"]).options
    assert any(c.startswith(f"{analysis.NO_CODE} (") for c in codes)
    # Picking a counted option filters by the value, not by its label.
    platforms.set_value([name]).run()
    assert not at.exception
    assert at.query_params["platform"] == name
    assert set(at.dataframe[0].value["platform"]) == {name}


def test_search_box_explains_what_it_could_not_read(demo_app: Path, demo_now: datetime) -> None:
    at = open_explorer({**week(demo_now), "q": 'platform: -status:success "unclosed'})
    shown = captions(at)
    query = search.parse('platform: -status:success "unclosed', ["x"])
    assert len(query.errors) == 2
    for error in query.errors[:2]:
        assert any(escape_markdown(error) in c for c in shown), error
    assert any(c.startswith("Searching for: ") for c in shown)


def test_search_words_need_not_be_adjacent(
    demo_app: Path, demo_frame: pd.DataFrame, demo_now: datetime
) -> None:
    """The defect: "spring sale" found nothing because the box was one plain substring."""
    window = week_rows(demo_frame, demo_now)
    captions_text = window["content_preview"].dropna().astype(str)
    # A caption of several space-separated words (a Japanese caption has none between its words).
    captions_text = captions_text[captions_text.str.split().str.len() >= 3]
    assert len(captions_text)
    words = captions_text.iloc[0].split()
    text = f"{words[-1]} {words[0]}"  # both words of one caption, in the other order
    at = open_explorer({**week(demo_now), "q": text})
    expected = search.search(window, text)
    assert 0 < len(expected)
    assert at.dataframe[0].value["log_id"].tolist() == expected["log_id"].head(5000).tolist()
    assert window.loc[captions_text.index[0], "log_id"] in set(expected["log_id"])
    assert len(search.search(window, f'"{text}"')) < len(expected)  # as a phrase, the order would matter
    assert at.query_params["q"] == text
