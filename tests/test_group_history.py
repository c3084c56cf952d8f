"""The groups' whole history in SQL (late_logs.group_history) against the pandas it replaces: the same failure
runs, trends and baseline counts on a store, the same ledger table from the summaries as from the whole
frame, and the alerts and the digest command never reading the whole store into pandas."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from late_logs import alerts, analysis, cli, digest, group_history, ledger, queries
from late_logs.config import Settings
from late_logs.records import to_frame
from late_logs.store import LogStore
from late_logs.store.rollups import rollup_path

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def failure(log_id: str, at: datetime, **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": at,
        "platform": "facebook",
        "action": "publish",
        "status": "failed",
        "account_id": "acc-1",
        "account_username": "@shop",
        "post_id": f"p-{log_id}",
        "error_code": "190",
        "error_message": "Error validating access token: session expired",
    }
    record.update(fields)
    return record


def week() -> list[dict]:
    """Four groups over nine days: one failing in bursts with quiet days between (several runs), one
    steady, one new today, one failing twice at the same instant; and successes that belong to no group."""
    records = []
    for day in (0, 2, 5, 8):  # bursts: runs split wherever a day or more passed without a failure
        for minute in (0, 20, 40):
            at = NOW - timedelta(days=day, hours=3, minutes=minute)
            records.append(failure(f"b{day}-{minute}", at, platform="tiktok", error_code="spam"))
    for hour in range(0, 9 * 24, 7):  # steady every 7 hours: one run at 24 h, many at 6 h
        records.append(failure(f"s{hour}", NOW - timedelta(hours=hour), platform="x", error_code="dup"))
    records.append(failure("n1", NOW - timedelta(hours=2), platform="reddit", error_code="rate"))
    twice = NOW - timedelta(days=2, hours=5)
    records += [failure("d1", twice, error_code="368"), failure("d2", twice, error_code="368")]
    for i in range(5):
        records.append(failure(f"ok{i}", NOW - timedelta(hours=i), status="success", error_code=None))
    return records


@pytest.fixture
def store(tmp_path):
    with LogStore(tmp_path / "s") as log_store:
        log_store.import_records(to_frame(week()))
        yield log_store


@pytest.mark.parametrize("hours", [0.5, 1, 6, 24, 48])
@pytest.mark.parametrize("rollups", [True, False])
def test_failure_runs_in_sql_are_the_runs_pandas_makes(store, hours, rollups) -> None:
    """From the files' hourly rollup cells (an hour's quiet or more ends a run) or from the rows (shorter
    quiets, or a file without its rollup): the runs pandas makes of the rows."""
    store.import_records(to_frame(hour_edges()))
    frame = store.frame()
    files = store.parquet_files()
    if not rollups:
        for name in files:
            rollup_path(name).unlink()
    expected = ledger.failure_runs(frame, hours)
    assert group_history.failure_runs(files, hours) == expected
    assert len(expected) == 5 and max(len(r) for r in expected.values()) > 1  # the fixture has splits


def hour_edges() -> list[dict]:
    """One group's failures 40 min apart across an hour's edge (one run at an hour), then 80 min apart
    across the next two (two runs at an hour, one at six), then 20 min inside one hour."""
    base = NOW.replace(minute=0) - timedelta(days=1)
    moments = [base + timedelta(minutes=50), base + timedelta(minutes=90), base + timedelta(minutes=170),
               base + timedelta(minutes=175), base + timedelta(minutes=195)]  # fmt: skip
    return [failure(f"e{n}", at, platform="pinterest", error_code="edge") for n, at in enumerate(moments)]


def test_trends_in_sql_are_the_trends_pandas_makes(store) -> None:
    frame = store.frame()
    files = store.parquet_files(since=NOW - timedelta(days=7), until=NOW)
    found = group_history.trends(files, NOW)
    expected = {g: t for g, t in ledger.trends_of(frame, NOW).items() if any(t)}
    assert found == expected
    assert sum(found[analysis.error_group_keys(to_frame([failure("d", NOW, error_code="368")]))[0]]) == 2


def test_failures_in_windows_count_what_pandas_counts(store) -> None:
    frame = store.frame()
    windows = [(NOW - timedelta(days=k, hours=24), NOW - timedelta(days=k)) for k in (1, 2, 3)]
    expected: dict[str, int] = {}
    for start, end in windows:
        rows = analysis.apply_filters(frame, analysis.Filters(start=start, end=end))
        for group, n in analysis.error_group_keys(rows).value_counts().items():
            expected[str(group)] = expected.get(str(group), 0) + int(n)
    assert group_history.failures_in(store.parquet_files(), windows) == expected
    assert group_history.failures_in(store.parquet_files(), []) == {}
    assert group_history.failure_runs([], 24) == {} and group_history.trends([], NOW) == {}


def test_the_ledger_table_from_the_sql_summaries_equals_the_one_from_the_whole_frame(store) -> None:
    start = NOW - timedelta(hours=24)
    frame = store.frame()
    window = analysis.apply_filters(frame, analysis.Filters(start=start, end=NOW))
    whole = ledger.ledger_table(frame, window, store.ledger(), start, NOW, 24)
    facts = group_history.facts_of(store, NOW, 24)
    summarised = ledger.ledger_table(alerts.NO_ROWS, window, store.ledger(), start, NOW, 24, **facts.known())
    pd.testing.assert_frame_equal(whole, summarised)
    assert set(whole["state"]) == {"new", "regressed", "ongoing", "resolved"}


def test_the_ledger_memory_of_a_pruned_failure_still_counts_in_the_runs_and_trend(store) -> None:
    """A remembered first failure the store no longer holds joins the runs (the group is not new) and its
    day of the sparkline."""
    start = NOW - timedelta(hours=24)
    facts = group_history.facts_of(store, NOW, 24)
    reddit = next(g for g, r in facts.runs.items() if len(r) == 1 and r[0][0] > start)
    remembered = NOW - timedelta(days=3)
    book = {"groups": {reddit: {"first_seen": remembered.isoformat(), "last_seen": remembered.isoformat()}}}
    table = ledger.ledger_table(alerts.NO_ROWS, alerts.NO_ROWS, book, start, NOW, 24, **facts.known())
    row = table[table["group"] == reddit].iloc[0]
    assert row["state"] == "regressed" and row["first_seen"] == pd.Timestamp(remembered)
    assert row["trend"][-4] == 1 and row["trend"][-1] == 1


class NoWholeFrame:
    """A store that refuses to read every attempt into pandas (frame() without a range)."""

    def __init__(self, store: LogStore) -> None:
        self._store = store
        self.ranges: list[tuple] = []

    def frame(self, since=None, until=None, columns=None):
        if since is None:
            raise AssertionError("the whole store was read into pandas")
        self.ranges.append((since, until))
        return self._store.frame(since=since, until=until, columns=columns)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_an_alert_run_reads_only_the_window_into_pandas(store) -> None:
    guarded = NoWholeFrame(store)
    settings = Settings(api_key="k" * 20, alert_webhook="http://127.0.0.1:9/x", public_url="https://ll")
    raised = alerts.evaluate(
        guarded,
        guarded.frame(since=NOW - timedelta(hours=24), until=NOW),
        NOW,
        settings.public_url,
        **group_history.facts_of(guarded, NOW, 24).known(),
    )
    # the same alerts as from the whole frame
    assert {a.key for a in raised} == {
        a.key for a in alerts.evaluate(store, store.frame(), NOW, "https://ll")
    }
    assert {a.rule for a in raised} >= {"new_group", "regressed_group"}
    assert guarded.ranges and all(since is not None for since, _ in guarded.ranges)


def test_run_rules_never_reads_the_whole_store(store, monkeypatch) -> None:
    guarded = NoWholeFrame(store)
    monkeypatch.setattr(alerts, "deliver", lambda url, body, **kw: None)
    settings = Settings(api_key="k" * 20, alert_webhook="http://127.0.0.1:9/x", public_url="https://ll")
    delivered, problems = alerts.run_rules(guarded, settings, NOW)
    assert delivered >= 2 and problems == []
    assert [since for since, _ in guarded.ranges] == [NOW - timedelta(hours=24)]


def test_the_digest_command_reads_only_its_window(tmp_path, monkeypatch) -> None:
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_KEY": "sk_test_" + "a" * 24}
    with LogStore(tmp_path) as seeded:
        seeded.import_records(to_frame([failure("n", datetime.now(timezone.utc) - timedelta(hours=1))]))
    seen: list = []
    original = LogStore.frame

    def guarded(self, since=None, until=None, columns=None):
        seen.append(since)
        if since is None:
            raise AssertionError("the whole store was read into pandas")
        return original(self, since=since, until=until, columns=columns)

    monkeypatch.setattr(LogStore, "frame", guarded)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["digest", "--since", "6h"], env=env, stdout=out, stderr=err) == cli.EXIT_OK
    assert "## New and regressed error groups (1)" in out.getvalue()
    assert "[new\\: facebook · 190" in out.getvalue()
    assert seen and None not in seen


def test_a_digest_from_summaries_says_what_the_whole_frame_digest_says(store) -> None:
    start = NOW - timedelta(hours=24)
    whole = digest.build(store, store.frame(), start, NOW, "https://ll")
    facts = group_history.facts_of(store, NOW, 24)
    window = store.frame(since=start, until=NOW)
    summarised = digest.build(store, window, start, NOW, "https://ll", **facts.known())
    assert digest.to_json(whole) == digest.to_json(summarised)
    assert queries.oldest_time(store.parquet_files()) is not None
