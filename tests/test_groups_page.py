"""The Error groups page (`/groups`) and the Overview's states under AppTest, on a copy of the demo store
(acknowledging writes the ledger; the session's shared demo store stays as it was)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from late_logs import ledger
from late_logs.store import LogStore
from late_logs.ui import groups as groups_view
from tests.test_pages import assert_clean, navigation_only, start, url_window, window  # noqa: F401


@pytest.fixture
def own_demo_app(app_env, demo_store_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "demo-copy"
    shutil.copytree(demo_store_dir, root)
    app_env(root)
    return root


def test_groups_page_lists_every_group_new_and_regressed_first(
    own_demo_app: Path, demo_now: datetime
) -> None:
    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), "pages/groups.py")
    assert_clean(at)
    assert at.title[0].value == "Error groups"
    table = at.dataframe[0].value
    assert len(table) > 0
    order = [groups_view.STATE_LABELS[s] for s in ledger.STATES]
    ranks = [order.index(label) for label in table["state_label"]]
    assert ranks == sorted(ranks)  # nothing muted yet: states in the review's order
    assert set(table["link"].str.slice(0, 9)) == {"explorer?"}
    # Opening the page remembered every group in the ledger, with its first and last failure.
    with LogStore(own_demo_app / "demo") as store:
        remembered = store.ledger()["groups"]
    assert len(remembered) == len(table)
    assert all(memory["first_seen"] and memory["state"] in ledger.STATES for memory in remembered.values())


def test_acknowledging_without_a_name_asks_for_one(own_demo_app: Path, demo_now: datetime) -> None:
    at = start(url_window(*window(demo_now, 1)), "pages/groups.py")
    at.button(key="groups_ack").click().run()
    assert_clean(at)
    assert any("type your name" in w.value for w in at.warning)


def test_an_acknowledgement_with_a_note_shows_with_who_and_stays_after_a_new_session(
    own_demo_app: Path, demo_now: datetime
) -> None:
    query = url_window(*window(demo_now, 1))
    at = start(query, "pages/groups.py")
    chosen = at.selectbox(key="groups_chosen").value
    at.text_input(key="groups_name").input("Ann").run()
    at.text_input(key="groups_note").input("asked Meta, case 123").run()
    at.button(key="groups_ack").click().run()
    assert_clean(at)
    table = at.dataframe[0].value
    row = table[table["human"] != ""]
    assert len(row) == 1 and row.iloc[0]["human"].startswith("acknowledged by Ann ")
    assert row.iloc[0]["human"].endswith(": asked Meta, case 123")
    trail = at.dataframe[1].value
    assert list(trail["change"])[:1] == ["acknowledged"] and list(trail["by"])[:1] == ["Ann"]
    fresh = start(query, "pages/groups.py")  # another session (a reload): the name is gone, the note is not
    humans = fresh.dataframe[0].value["human"]
    assert (humans.str.startswith("acknowledged by Ann")).sum() == 1
    with LogStore(own_demo_app / "demo") as store:
        assert store.ledger()["groups"][chosen]["ack"]["by"] == "Ann"


def test_the_overview_shows_each_groups_state_new_and_regressed_first(
    own_demo_app: Path, demo_now: datetime
) -> None:
    at = start(url_window(*window(demo_now, 1)))
    assert_clean(at)
    groups = next(frame.value for frame in at.dataframe if "state" in frame.value.columns)
    urgent = groups["state"].isin([groups_view.STATE_LABELS["new"], groups_view.STATE_LABELS["regressed"]])
    assert urgent.any()
    assert list(urgent) == sorted(urgent, reverse=True)


def test_the_overview_digest_section_shows_the_markdown_digest_as_text(
    own_demo_app: Path, demo_now: datetime
) -> None:
    at = start(url_window(*window(demo_now, 1)))
    at.session_state["overview_digest"] = True  # the fold opened: its digest is built
    at.run()
    assert_clean(at)
    digests = [c.value for c in at.code if c.value.startswith("# late-logs digest ")]
    assert len(digests) == 1
    text = digests[0]
    for title in (
        "## New and regressed error groups",
        "## Accounts whose token died",
        "## Posts that did not go out",
    ):
        assert title in text
    assert "](http://127.0.0.1:8501/explorer?" in text  # absolute links, the default public URL
    assert "token died (0)" not in text  # the demo world has a dead token


def test_the_explorer_gives_a_frozen_incident_link_and_an_evidence_bundle(own_demo_app: Path) -> None:
    at = start({"window": "7d", "status": "failed"}, "pages/explorer.py")
    assert_clean(at)
    links = [c.value for c in at.code if c.value.startswith("http://127.0.0.1:8501/explorer?")]
    assert len(links) == 1
    params = parse_qs(urlparse(links[0]).query)
    assert "window" not in params and params["start"] and params["end"]  # a relative window made absolute
    assert params["status"] == ["failed"]
    assert any(b.label.startswith("Download the evidence bundle of ") for b in at.download_button)


def _usual_texts_in_pandas(store_dir: Path, start_at, end_at, table, flt) -> list[str]:
    """Each row's "Against usual" counted in pandas over the whole store: the group's failures among the
    rows `flt` keeps in each baseline window, against its count in the window."""
    from late_logs import analysis, baselines

    groups = [parse_qs(urlparse(link).query)["error_group"][0] for link in table["link"]]
    with LogStore(store_dir / "demo") as store:
        frame = store.frame()
    windows = baselines.baseline_windows(start_at, end_at, since=frame["created_at"].min())
    assert windows, "the demo store holds days before the window"
    usual: dict[str, int] = {}
    for a, b in windows:
        rows = analysis.apply_filters(frame, replace(flt, start=a, end=b))
        for group, n in analysis.error_group_keys(rows).value_counts().items():
            usual[str(group)] = usual.get(str(group), 0) + int(n)
    return [
        baselines.group_usual(count, usual.get(group, 0), len(windows)).text
        for group, count in zip(groups, table["count"], strict=True)
    ]


def test_groups_page_compares_each_group_with_its_usual(own_demo_app: Path, demo_now: datetime) -> None:
    """The "Against usual" column: each group's failures in the window against its mean over the same hours
    of the days before, counted here in pandas over the whole store (the page counts in SQL)."""
    from late_logs import analysis

    start_at, end_at = window(demo_now, 1)
    at = start(url_window(start_at, end_at), "pages/groups.py")
    assert_clean(at)
    table = at.dataframe[0].value
    expected = _usual_texts_in_pandas(own_demo_app, start_at, end_at, table, analysis.Filters())
    assert list(table["usual"]) == expected
    assert any("× usual (usually " in text for text in expected)


def test_a_groups_usual_is_counted_under_the_sidebars_filter_as_its_window_count_is(
    own_demo_app: Path, demo_now: datetime
) -> None:
    """Found in review: with an action filter the window's count was the filtered one and the usual every
    action's, so a group read "0.3× usual" while nothing had changed."""
    from late_logs import analysis

    start_at, end_at = window(demo_now, 1)
    action = "retry"
    at = start({**url_window(start_at, end_at), "action": action}, "pages/groups.py")
    assert_clean(at)
    table = at.dataframe[0].value
    counted = table[table["count"] > 0]
    assert len(counted), "the demo store has retry failures in the window"
    kept = analysis.Filters(actions=(action,))
    expected = _usual_texts_in_pandas(own_demo_app, start_at, end_at, table, kept)
    assert list(table["usual"]) == expected


def test_the_overview_digest_compares_cells_with_the_days_before(
    own_demo_app: Path, demo_now: datetime
) -> None:
    """Was: the section read only the window's attempts, so its cells never had a baseline."""
    at = start(url_window(*window(demo_now, 1)))
    at.session_state["overview_digest"] = True  # the fold opened: its digest is built
    at.run()
    assert_clean(at)
    text = next(c.value for c in at.code if c.value.startswith("# late-logs digest "))
    cells = text.split("## Cells worse than usual", 1)[1].split("##", 1)[0]
    assert "No baseline yet" not in cells
