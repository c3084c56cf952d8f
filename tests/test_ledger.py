"""The triage ledger over a simulated week with a fake clock: computed states (new → ongoing → resolved →
regressed), human states (acknowledged, muted) with who and when surviving a store reopen, the audit trail,
and that a ledger write neither bumps the store's version nor loses a concurrent note."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from late_logs import analysis, ledger
from late_logs.records import to_frame
from late_logs.store import LogStore

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
EXPIRED = "Error validating access token: Session has expired on Monday, 23-Nov-26 01:12:00 PST."


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
        "error_message": EXPIRED,
        "status_code": 400,
    }
    record.update(fields)
    return record


def frame_of(*records: dict) -> pd.DataFrame:
    return to_frame(list(records)).sort_values("created_at", ascending=False).reset_index(drop=True)


def state_at(history: pd.DataFrame, now: datetime, memory: dict | None = None) -> str:
    found = ledger.states(history, memory or {}, now - timedelta(hours=24), now, resolve_hours=24)
    ((state, _),) = found.values()
    return state


def test_a_group_goes_new_ongoing_resolved_regressed_over_a_week() -> None:
    monday = [failure(f"m{i}", MONDAY + timedelta(minutes=10 * i)) for i in range(3)]
    tuesday = [failure(f"t{i}", MONDAY + timedelta(days=1, minutes=10 * i)) for i in range(2)]
    saturday = [failure("s0", MONDAY + timedelta(days=5))]
    week = monday + tuesday + saturday

    def seen_until(now: datetime) -> pd.DataFrame:  # what the store holds at `now`
        return frame_of(*[r for r in week if r["created_at"] <= now])

    assert state_at(seen_until(MONDAY + timedelta(hours=2)), MONDAY + timedelta(hours=2)) == "new"
    tuesday_noon = MONDAY + timedelta(days=1, hours=2)
    assert state_at(seen_until(tuesday_noon), tuesday_noon) == "ongoing"
    thursday = MONDAY + timedelta(days=3)
    assert state_at(seen_until(thursday), thursday) == "resolved"
    saturday_noon = MONDAY + timedelta(days=5, hours=2)
    assert state_at(seen_until(saturday_noon), saturday_noon) == "regressed"
    # A day later, still failing, the regression is no longer news.
    sunday = MONDAY + timedelta(days=6, hours=1)
    again = frame_of(*week, failure("s1", MONDAY + timedelta(days=5, hours=20)))
    assert state_at(again, sunday) == "ongoing"


def test_resolve_hours_decides_when_a_quiet_group_counts_as_resolved() -> None:
    history = frame_of(failure("a", MONDAY))
    now = MONDAY + timedelta(hours=7)
    start = now - timedelta(hours=24)
    assert (
        ledger.states(history, {}, start, now, resolve_hours=6)[analysis.error_group_keys(history)[0]][0]
        == "resolved"
    )
    assert (
        ledger.states(history, {}, start, now, resolve_hours=24)[analysis.error_group_keys(history)[0]][0]
        == "new"
    )


def test_a_pruned_groups_memory_keeps_it_from_looking_new(tmp_path) -> None:
    """Late's retention and the store's prune drop old attempts; the ledger remembers the first failure."""
    with LogStore(tmp_path / "s") as store:
        old = frame_of(failure("a", MONDAY))
        ledger.refresh(store, old, MONDAY - timedelta(hours=1), MONDAY + timedelta(hours=1))
        later = MONDAY + timedelta(days=20)
        recent = frame_of(failure("b", later - timedelta(hours=1)))
        table = ledger.ledger_table(recent, recent, store.ledger(), later - timedelta(hours=24), later)
    assert list(table["state"]) == ["regressed"]
    assert table.loc[0, "first_seen"] == pd.Timestamp(MONDAY)


def test_refresh_records_each_state_change_once_in_the_audit_trail(tmp_path) -> None:
    history = frame_of(failure("a", MONDAY))
    with LogStore(tmp_path / "s") as store:
        version = store.version
        first = ledger.refresh(store, history, MONDAY - timedelta(hours=1), MONDAY + timedelta(hours=1))
        again = ledger.refresh(store, history, MONDAY - timedelta(hours=1), MONDAY + timedelta(hours=2))
        later = ledger.refresh(store, history, MONDAY, MONDAY + timedelta(days=2))
        trail = ledger.audit_trail(store.ledger())
        assert store.version == version  # a ledger write is not data: frames stay valid
    assert [(t.before, t.after) for t in first] == [(None, "new")]
    assert again == []
    assert [(t.before, t.after) for t in later] == [("new", "resolved")]
    assert list(trail["change"]) == ["resolved", "new"]  # newest first
    assert set(trail["by"]) == {"late-logs"}


def test_acknowledged_and_muted_survive_a_store_reopen_with_who_and_when(tmp_path) -> None:
    history = frame_of(failure("a", MONDAY))
    group = analysis.error_group_keys(history)[0]
    now = MONDAY + timedelta(hours=1)
    with LogStore(tmp_path / "s") as store:
        ledger.acknowledge(store, group, "Ann", "asked the customer to reconnect", now)
        ledger.mute(store, group, "Bob", now + timedelta(hours=4), now)
    with LogStore(tmp_path / "s") as reopened:
        kept = reopened.ledger()["groups"][group]
        trail = ledger.audit_trail(reopened.ledger(), group)
    assert kept["ack"] == {
        "note": "asked the customer to reconnect",
        "by": "Ann",
        "at": pd.Timestamp(now).isoformat(),
    }
    assert kept["mute"]["by"] == "Bob"
    assert ledger.human_text(kept, now) == (
        "acknowledged by Ann 2026-11-23 11:00: asked the customer to reconnect"
        " · muted by Bob until 2026-11-23 15:00"
    )
    assert ledger.human_text(kept, now + timedelta(hours=5)).endswith("reconnect")  # the mute ran out
    assert list(trail["change"]) == ["muted", "acknowledged"]
    assert list(trail["by"]) == ["Bob", "Ann"]


def test_a_muted_group_sinks_below_unmuted_ones_and_new_and_regressed_come_first(tmp_path) -> None:
    now = MONDAY + timedelta(days=5, hours=2)
    history = frame_of(
        failure("old", MONDAY + timedelta(days=3), error_code="368", error_message="blocked"),
        failure("reg0", MONDAY, platform="tiktok", error_code="x", error_message="spam"),
        failure("reg1", now - timedelta(hours=1), platform="tiktok", error_code="x", error_message="spam"),
        failure("new", now - timedelta(hours=1), platform="reddit", error_code="y", error_message="rate"),
        failure("muted", now - timedelta(hours=1), platform="reddit", error_code="z", error_message="zz"),
        failure("on0", now - timedelta(hours=26), platform="x", error_code="w", error_message="dup"),
        failure("on1", now - timedelta(hours=10), platform="x", error_code="w", error_message="dup"),
    )
    keys = dict(zip(history["log_id"], analysis.error_group_keys(history), strict=True))
    with LogStore(tmp_path / "s") as store:
        ledger.mute(store, keys["muted"], "Ann", now + timedelta(days=1), now)
        table = ledger.ledger_table(history, history, store.ledger(), now - timedelta(hours=24), now)
    order = list(zip(table["platform"], table["state"], table["muted"], strict=True))
    assert order == [
        ("reddit", "new", False),
        ("tiktok", "regressed", False),
        ("x", "ongoing", False),
        ("facebook", "resolved", False),
        ("reddit", "new", True),
    ]
    assert table.loc[1, "count"] == 2 and table.loc[1, "trend"][-1] == 1


def test_a_note_with_a_token_is_redacted_before_it_reaches_the_store(tmp_path) -> None:
    with LogStore(tmp_path / "s") as store:
        ledger.acknowledge(store, "abc", "Ann", "key is sk_live_51HcDq2ExampleExampleExample0", MONDAY)
        note = store.ledger()["groups"]["abc"]["ack"]["note"]
    assert "sk_live_51HcDq2" not in note and "[REDACTED]" in note


def test_a_human_change_without_a_name_is_refused_with_a_sentence(tmp_path) -> None:
    with LogStore(tmp_path / "s") as store, pytest.raises(ValueError, match="type your name"):
        ledger.acknowledge(store, "abc", "  ", "note", MONDAY)


def test_two_writers_interleaving_keep_both_notes(tmp_path) -> None:
    """Each write reads the ledger inside its own lock: a second reviewer's note never drops the first."""
    with LogStore(tmp_path / "s") as first, LogStore(tmp_path / "s") as second:
        ledger.acknowledge(first, "g1", "Ann", "one", MONDAY)
        ledger.acknowledge(second, "g2", "Bob", "two", MONDAY)
        groups = first.ledger()["groups"]
    assert groups["g1"]["ack"]["note"] == "one" and groups["g2"]["ack"]["note"] == "two"


def test_ledger_writes_keep_keys_they_do_not_own(tmp_path) -> None:
    """The alerts keep their delivered keys in the ledger; a refresh or a note must not drop them."""
    history = frame_of(failure("a", MONDAY))
    with LogStore(tmp_path / "s") as store:
        store.update_ledger(lambda book: {**book, "alerts_sent": {"group:x": "2026-11-23T10:00:00+00:00"}})
        ledger.refresh(store, history, MONDAY - timedelta(hours=1), MONDAY + timedelta(hours=1))
        ledger.acknowledge(store, "g", "Ann", "n", MONDAY)
        assert store.ledger()["alerts_sent"] == {"group:x": "2026-11-23T10:00:00+00:00"}


def test_a_note_on_a_group_with_no_failure_known_does_not_break_the_table(tmp_path) -> None:
    """Was: an IndexError (a ledger entry without first/last seen, e.g. acknowledged by a script)."""
    history = frame_of(failure("a", MONDAY))
    with LogStore(tmp_path / "s") as store:
        ledger.acknowledge(store, "no-such-group", "Ann", "n", MONDAY)
        table = ledger.ledger_table(history, history, store.ledger(), MONDAY - timedelta(hours=1), MONDAY)
        changes = ledger.refresh(store, history, MONDAY - timedelta(hours=1), MONDAY)
    assert list(table["group"]) == list(analysis.error_group_keys(history).unique())
    assert [c.after for c in changes] == ["new"]
