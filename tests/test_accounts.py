"""The Accounts view model on small frames with known contents: states, their sentences, the worklist."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from late_logs import accounts
from late_logs.records import to_frame

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
EXPIRED = "Error validating access token: Session has expired on Tuesday, 01-Dec-26 01:12:00 PST."


def attempt(log_id: str, hours_ago: float, account: str, status: str = "success", **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": NOW - timedelta(hours=hours_ago),
        "platform": "instagram",
        "action": "publish",
        "status": status,
        "account_id": account,
        "account_username": f"@{account}",
        "post_id": f"p-{log_id}",
    }
    record.update(fields)
    return record


def health(*records: dict, connection_logs=()) -> pd.DataFrame:
    frame = to_frame(list(records)).sort_values("created_at", ascending=False).reset_index(drop=True)
    return accounts.account_health(frame, NOW - timedelta(hours=24), NOW, connection_logs, NOW)


def test_a_dead_token_says_since_when_and_how_many_failures_on_how_many_posts() -> None:
    table = health(
        attempt("ok", 10, "dead"),
        *(
            attempt(
                f"f{i}",
                3 - i * 0.1,
                "dead",
                "failed",
                error_code="190",
                error_message=EXPIRED,
                post_id=f"p{i % 2}",
            )
            for i in range(3)
        ),
        attempt("h", 1, "fine"),
    )
    dead = accounts.account_row(table, "dead")
    assert dead["state"] == "needs reconnect"
    assert dead["state_text"] == "token dead since 09:00: 3 failures on 2 posts"
    assert dead["last_success"] == pd.Timestamp(NOW - timedelta(hours=10))
    assert accounts.account_row(table, "@fine")["state"] == "healthy"
    assert list(table["state"]) == ["needs reconnect", "healthy"]  # worst first


def test_a_success_after_the_token_failures_means_it_was_reconnected() -> None:
    table = health(
        attempt("f", 5, "back", "failed", error_code="190", error_message=EXPIRED),
        attempt("ok", 1, "back"),
    )
    row = accounts.account_row(table, "back")
    assert (row["state"], row["state_text"]) == ("failing", "1 failure on 1 post")


def test_an_account_problem_is_told_apart_from_a_dead_token() -> None:
    table = health(
        attempt(
            "f",
            2,
            "blocked",
            "failed",
            platform="telegram",
            status_code=403,
            error_message="Forbidden: bot was kicked from the channel chat",
        ),
    )
    row = accounts.account_row(table, "blocked")
    assert row["state"] == "account problem" and row["state_text"].startswith("account problem since 10:00")


def test_transient_failures_are_failing_not_reconnect() -> None:
    table = health(attempt("f", 2, "busy", "failed", status_code=503, error_message="Service Unavailable"))
    assert accounts.account_row(table, "busy")["state"] == "failing"


def test_old_failures_outside_the_window_leave_an_account_healthy() -> None:
    table = health(attempt("f", 48, "old", "failed", error_code="190", error_message=EXPIRED))
    row = accounts.account_row(table, "old")
    assert (row["state"], row["failures"]) == ("healthy", 0)


def test_connection_events_are_joined_by_account_id() -> None:
    events = [
        {"accountId": "dead", "eventType": "disconnect", "createdAt": "2026-12-01T08:00:00Z"},
        {
            "accountId": "dead",
            "eventType": "reconnect_failed",
            "createdAt": "2026-12-01T09:30:00Z",
            "error": {"code": "token_exchange_failed", "message": "Token refresh failed"},
        },
        {"accountId": "other", "eventType": "connect_success", "createdAt": "2026-11-30T08:00:00Z"},
        "not an event",
    ]
    table = health(
        attempt("f", 2, "dead", "failed", error_code="190", error_message=EXPIRED), connection_logs=events
    )
    assert (
        accounts.account_row(table, "dead")["connection"]
        == "reconnect_failed 09:30 · 2 bad events · 2 events"
    )
    story = accounts.account_events(events, "dead")
    assert story["event"].tolist() == ["reconnect_failed", "disconnect"]
    assert story.loc[0, "error"] == "Token refresh failed"


def test_the_reconnect_worklist_holds_only_dead_tokens_oldest_first() -> None:
    table = health(
        attempt("a", 2, "newer", "failed", error_code="190", error_message=EXPIRED),
        attempt("b", 6, "older", "failed", error_code="190", error_message=EXPIRED, platform="facebook"),
        attempt("c", 1, "busy", "failed", status_code=503),
    )
    worklist = accounts.reconnect_worklist(table)
    assert worklist["account_id"].tolist() == ["older", "newer"]
    assert list(worklist.columns) == accounts.WORKLIST_COLUMNS
    assert worklist.loc[0, "hint"].startswith("Reconnect the Facebook account @older in Late")


def test_an_empty_store_has_no_accounts() -> None:
    assert health().empty


def test_an_empty_store_has_an_empty_worklist_with_its_columns() -> None:
    # The empty table keeps every column the full one has: the worklist sorts by dead_since.
    table = health()
    assert list(table.columns) == [*accounts.ACCOUNT_COLUMNS, "dead_since"]
    worklist = accounts.reconnect_worklist(table)
    assert worklist.empty and list(worklist.columns) == accounts.WORKLIST_COLUMNS


def test_the_sql_facts_give_the_health_pandas_gives_over_the_demo_world(demo_frame, tmp_path) -> None:
    # The page answers from the store's files (queries.account_facts), never the whole store in pandas.
    from pandas.testing import assert_frame_equal

    from late_logs import queries
    from tests.test_queries import write_hive

    frame = demo_frame.sort_values(["created_at", "log_id"], ascending=False, kind="stable")
    frame = frame.reset_index(drop=True)
    files = write_hive(frame, tmp_path)
    end = frame["created_at"].max() + pd.Timedelta(minutes=1)
    for start in (end - pd.Timedelta(hours=24), end - pd.Timedelta(days=7)):
        expected = accounts.account_health(frame, start, end, (), end)
        found = accounts.health_of(*queries.account_facts(files, files, start, end), (), end)
        assert len(expected) > 3 and (expected["failures"] > 0).any()
        assert_frame_equal(found, expected, check_dtype=False)
