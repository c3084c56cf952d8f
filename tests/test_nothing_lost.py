"""Issue 6, data loss: bad input in a later listing never deletes or overwrites good stored data.

Each test is named after a defect that was measured on the old code (a future-dated item wiping the store,
epoch and garbage dates moving or hiding attempts, nulls erasing stored fields). The collector tests drive
the real LateClient through the simulator; a tampering transport rewrites the `/v1/logs` pages on the way,
the way a Late with bad data would send them. The rules themselves (records.merge_listing and
records.suspicious_time) are tested on their own from the spec's field shapes (CONTRACT.md §7: any field may
be missing, null or of an unexpected type).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import pandas as pd
import pytest

from late_logs.api import LateClient
from late_logs.collector import sync_once
from late_logs.records import merge_listing, suspicious_time
from late_logs.simulator import DEMO_API_KEY, SimulatedLate
from late_logs.simulator.clock import FakeClock
from late_logs.store import LogStore, StoreError

BASE_URL = "http://simulator.test/api"
WALL = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
STORED_FIELDS = [
    "error_message",
    "error_code",
    "content_preview",
    "media_urls",
    "media_count",
    "platform_post_url",
    "platform_post_id",
    "post_content",
    "status_code",
]


class TamperingTransport(httpx.BaseTransport):
    """The simulator's transport, with `tamper` applied to each list entry of unfiltered `/v1/logs` pages."""

    def __init__(self, sim: SimulatedLate) -> None:
        self.inner = sim.transport()
        self.tamper: Callable[[dict[str, Any]], None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.tamper is None or not request.url.path.endswith("/v1/logs"):
            return response
        body = json.loads(response.read())
        for item in body.get("logs", []):
            self.tamper(item)
        return httpx.Response(response.status_code, headers={"content-type": "application/json"}, json=body)


class Late:
    """A quiet simulated week, a client through the tampering transport and a store on the same clock."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock()
        self.sim = SimulatedLate(seed=11, clock=self.clock, rate_limit_per_minute=10**9, attempts_per_hour=4)
        self.transport = TamperingTransport(self.sim)
        self.client = LateClient(
            DEMO_API_KEY, BASE_URL, transport=self.transport, sleep=self.clock.sleep, clock=self.clock.time
        )
        self.store = LogStore(tmp_path / "store", clock=self.clock)

    def sync(self):
        return sync_once(self.client, self.store, max_details=10**6, max_post_histories=10**6)

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def late(tmp_path):
    made = Late(tmp_path)
    yield made
    made.close()


def shown(store: LogStore) -> pd.DataFrame:
    return store.frame().set_index("log_id").sort_index()


# --- through the collector ----------------------------------------------------------------------------------


def test_an_attempt_dated_400_days_ahead_neither_wipes_the_store_nor_freezes_later_passes(late):
    late.sync()
    before = shown(late.store)
    details = late.store.detail_ids()
    assert len(before) > 500 and details

    late.clock.advance(timedelta(minutes=30).total_seconds())
    ahead = (late.clock() + timedelta(days=400)).isoformat().replace("+00:00", "Z")
    first = {}

    def one_in_the_future(item: dict) -> None:
        if not first:
            first["id"] = item["_id"]
            item["createdAt"] = ahead

    late.transport.tamper = one_in_the_future
    late.sync()
    after = shown(late.store)
    assert set(before.index) <= set(after.index)  # was: 1,963 attempts -> 2
    assert late.store.detail_ids() >= details  # was: 425 details -> 0
    assert late.store.state()["last_error"] is None
    # the future-dated attempt is kept as received, flagged, and shown at the time it was first seen
    assert late.store.raw_attempt(first["id"])["createdAt"] == ahead
    assert first["id"] in late.store.suspect_time_ids()
    assert after.loc[first["id"], "created_at"] <= pd.Timestamp(late.clock())
    assert late.store.state()["suspicious_total"]["bad_time"] >= 1

    # a good pass later still fetches what is new: the watermark did not move 400 days ahead
    late.transport.tamper = None
    late.clock.advance(timedelta(hours=6).total_seconds())
    late.sync()
    truth = {entry["_id"] for entry in late.sim.retained_logs()}
    assert truth <= set(shown(late.store).index)


def test_a_watermark_left_in_the_future_by_an_older_version_does_not_freeze_later_passes(late):
    late.sync()
    ahead = (late.clock() + timedelta(days=400)).isoformat()
    late.store.update_state(watermark={"at": ahead, "ids": ["x"]})  # what the old prune-from-data left
    late.clock.advance(timedelta(hours=40).total_seconds())
    late.sync()
    assert {entry["_id"] for entry in late.sim.retained_logs()} <= set(shown(late.store).index)


def test_one_epoch_dated_attempt_on_the_first_page_does_not_end_an_incremental_pass_there(late):
    late.sync()
    late.clock.advance(timedelta(hours=40).total_seconds())  # ~160 new attempts: more than one page
    truth = {entry["_id"] for entry in late.sim.retained_logs()}
    last_of_first_page = late.sim.retained_logs()[99]["_id"]

    def epoch_dated(item: dict) -> None:
        if item["_id"] == last_of_first_page:
            item["createdAt"] = 0

    late.transport.tamper = epoch_dated
    late.sync()
    assert truth <= set(shown(late.store).index)  # was: the walk took 1970 for "below the watermark"


@pytest.mark.parametrize("bad", [0, -1, "garbage", 1e30, "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z"])
def test_an_epoch_or_garbage_created_at_in_a_later_listing_never_moves_or_prunes_a_stored_attempt(late, bad):
    late.sync()
    before = shown(late.store)
    details = late.store.detail_ids()

    def bad_time(item: dict) -> None:
        item["createdAt"] = bad

    late.transport.tamper = bad_time
    late.clock.advance(timedelta(minutes=10).total_seconds())
    late.sync()
    after = shown(late.store)
    assert set(before.index) <= set(after.index)  # was: 106 attempts pruned with their details
    assert late.store.detail_ids() >= details
    kept = after.loc[before.index, "created_at"]
    assert kept.equals(before["created_at"])  # nobody moved to 1970 or became undated
    assert late.store.suspect_time_ids().isdisjoint(before.index)
    assert late.store.state()["suspicious_total"]["bad_time"] > 0


FAR_AHEAD = datetime.now(timezone.utc) + timedelta(days=400)


@pytest.mark.parametrize("bad", [None, -1, "garbage", 1e30, FAR_AHEAD])
def test_new_attempts_with_garbage_dates_stay_visible_in_time_views_until_a_good_time_dates_them(late, bad):
    value = bad.isoformat() if isinstance(bad, datetime) else bad

    def garbage(item: dict) -> None:
        item["createdAt"] = value

    late.transport.tamper = garbage
    late.sync()
    frame = shown(late.store)
    assert len(frame) > 500 and not frame["created_at"].isna().any()  # was: 230 undated, in no time view
    truth = {e["_id"]: e["createdAt"] for e in late.sim.retained_logs()}
    suspects = late.store.suspect_time_ids()
    recent = set(late.store.frame(since=late.clock() - timedelta(hours=1))["log_id"])
    assert suspects and suspects <= recent  # shown at the time first seen
    # those whose detail (a good createdAt) came in the same pass are dated already
    dated = [i for i in frame.index if i not in suspects]
    assert all(frame.loc[i, "created_at"] == pd.Timestamp(truth[i]) for i in dated)

    late.transport.tamper = None
    late.clock.advance(timedelta(minutes=5).total_seconds())
    late.sync()
    fixed = shown(late.store)
    relisted = suspects & {e["_id"] for e in late.sim.retained_logs()}  # a few aged out of Late's 7 days
    assert len(relisted) > len(suspects) * 0.9
    assert all(fixed.loc[i, "created_at"] == pd.Timestamp(truth[i]) for i in relisted)
    assert not late.store.suspect_time_ids() & relisted


def test_null_request_and_response_in_a_later_listing_do_not_erase_messages_captions_media_or_urls(late):
    late.sync()
    before = shown(late.store)[STORED_FIELDS]
    assert before["error_message"].notna().any() and before["platform_post_url"].notna().any()

    def nulls(item: dict) -> None:
        item.update(request=None, response=None, postId=None, statusCode=None)

    late.transport.tamper = nulls
    late.clock.advance(timedelta(minutes=10).total_seconds())
    late.sync()
    after = shown(late.store).loc[before.index, STORED_FIELDS]
    pd.testing.assert_frame_equal(after, before)  # was: 152 attempts lost their messages, captions, URLs
    assert late.store.state()["suspicious_total"]["null_ignored"] > 0


def test_a_string_or_number_where_an_object_was_keeps_the_stored_object(late):
    late.sync()
    before = shown(late.store)[STORED_FIELDS]

    def drift(item: dict) -> None:
        item.update(request="unavailable", response=503, postId=["x"])

    late.transport.tamper = drift
    late.clock.advance(timedelta(minutes=10).total_seconds())
    late.sync()
    after = shown(late.store).loc[before.index, STORED_FIELDS]
    pd.testing.assert_frame_equal(after, before)
    assert late.store.state()["suspicious_total"]["type_changed"] > 0


# --- the store on its own -----------------------------------------------------------------------------------


def listed(number: int, created: datetime, **fields: Any) -> dict[str, Any]:
    entry = {
        "_id": f"{int(created.timestamp()):08x}{number:016x}",
        "postId": {"_id": f"post{number}", "content": f"Caption {number}"},
        "platform": "tiktok",
        "status": "failed",
        "statusCode": 400,
        "request": {"contentPreview": f"Caption {number}", "mediaUrls": ["https://cdn.example/a.mp4"]},
        "response": {"errorMessage": "Video too short", "errorCode": "E_SHORT"},
        "createdAt": created.isoformat().replace("+00:00", "Z"),
    }
    entry.update(fields)
    return entry


def test_prune_with_a_now_from_the_data_far_in_the_future_is_clamped_to_the_clock(tmp_path: Path):
    with LogStore(tmp_path / "s", retention_days=30, clock=lambda: WALL) as store:
        store.upsert_attempts([listed(n, WALL - timedelta(days=n)) for n in range(1, 20)])
        assert store.prune(now=WALL + timedelta(days=400)) == 0  # was: everything older than 400 - 30 days
        assert store.prune(now=WALL + timedelta(days=400)) == 0
        assert store.stats().attempts == 19
        assert store.prune(now=WALL - timedelta(days=30)) == 0  # a past `now` only prunes less
        assert store.prune() == 0


def test_attempts_an_older_version_kept_undated_become_visible_at_the_next_prune(tmp_path: Path):
    # Rewritten for the columnar store (issue 8): the same claim, the undated row written in its format.
    from late_logs.records import flatten
    from late_logs.store import pack_raw
    from late_logs.store.face import _flat_table

    undated = listed(1, WALL, createdAt="garbage")
    with LogStore(tmp_path / "s", clock=lambda: WALL) as store:
        with store._transaction():  # as late-logs before issue 6 stored it: created_at null, "unknown"
            row = store._with_derived(_flat_table([flatten(undated)]), [undated], ["default"])
            store._table.write(row, {}, {}, store.version + 1, {undated["_id"]: pack_raw(undated)})
            store._bump_version()
        assert store.frame()["created_at"].isna().all()
        store.prune()
        frame = store.frame(since=WALL - timedelta(hours=1))
        assert frame["log_id"].tolist() == [undated["_id"]]
        assert frame["created_at"].iloc[0] == pd.Timestamp(WALL)
        assert store.raw_attempt(undated["_id"])["createdAt"] == "garbage"
        assert store.suspect_time_ids() == {undated["_id"]}


def test_a_store_refuses_a_retention_of_zero_or_less_days(tmp_path: Path):
    for days in (0, -5):
        with pytest.raises(StoreError, match="at least 1 day"):
            LogStore(tmp_path / "s", retention_days=days)


def test_suspicious_counts_are_returned_and_kept_as_running_totals_in_the_state(tmp_path: Path):
    with LogStore(tmp_path / "s", clock=lambda: WALL) as store:
        good = listed(1, WALL - timedelta(hours=1))
        assert store.upsert_attempts([good]).suspicious == {}
        later = dict(good, createdAt=0, request=None, response="gone")
        result = store.upsert_attempts([later])
        assert result.suspicious == {"bad_time": 1, "null_ignored": 1, "type_changed": 1}
        store.upsert_attempts([dict(good, request=None)])
        assert store.state()["suspicious_total"] == {"bad_time": 1, "null_ignored": 2, "type_changed": 1}
        raw = store.raw_attempt(good["_id"])
        assert raw["createdAt"] == good["createdAt"] and raw["request"] == good["request"]


def test_a_listing_cannot_forge_the_stores_own_time_first_seen_note(tmp_path: Path):
    with LogStore(tmp_path / "s", clock=lambda: WALL) as store:
        forged = listed(1, WALL, createdAt="garbage", _late_logs={"firstSeenAt": "2001-01-01T00:00:00Z"})
        store.upsert_attempts([forged])
        assert store.frame()["created_at"].iloc[0] == pd.Timestamp(WALL)


# --- the rules, from the spec's field shapes ---------------------------------------------------------------


def test_merge_listing_never_lets_null_or_missing_erase_a_present_value():
    stored = {"_id": "a", "request": {"contentPreview": "hi", "mediaCount": 2}, "statusCode": 400}
    later = {"_id": "a", "request": {"contentPreview": None}, "statusCode": None}
    merged, ignored = merge_listing(stored, later, WALL)
    assert merged == stored and ignored == {"null_ignored": 2}
    merged, ignored = merge_listing(stored, {"_id": "a"}, WALL)  # a missing field is no news
    assert merged == stored and ignored == {}


def test_merge_listing_keeps_the_stored_kind_but_lets_values_of_the_same_kind_change():
    stored = {"request": {"contentPreview": "hi"}, "durationMs": 1200, "status": "pending", "tags": ["a"]}
    later = {"request": "oops", "durationMs": 1500.0, "status": "failed", "tags": {"a": 1}}
    merged, ignored = merge_listing(stored, later, WALL)
    assert merged == dict(stored, durationMs=1500.0, status="failed")
    assert ignored == {"type_changed": 2}


def test_merge_listing_accepts_the_populated_object_behind_a_plain_id_and_never_the_reverse():
    plain = {"postId": "p1", "accountId": {"_id": "acc", "username": "@b"}}
    later = {"postId": {"_id": "p1", "content": "c"}, "accountId": "acc"}
    merged, ignored = merge_listing(plain, later, WALL)
    assert merged == {"postId": {"_id": "p1", "content": "c"}, "accountId": {"_id": "acc", "username": "@b"}}
    assert ignored == {}


def test_merge_listing_lets_a_plausible_time_replace_an_impossible_one_but_not_the_reverse():
    good = "2026-11-28T10:00:00.000Z"
    assert merge_listing({"createdAt": good}, {"createdAt": 0}, WALL) == (
        {"createdAt": good},
        {"bad_time": 1},
    )
    assert merge_listing({"createdAt": "garbage"}, {"createdAt": good}, WALL) == ({"createdAt": good}, {})
    assert merge_listing({"created_at": good}, {"created_at": "2099-01-01T00:00:00Z"}, WALL)[0] == {
        "created_at": good
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("garbage", "unreadable"),
        (1e30, "unreadable"),
        (float("nan"), "unreadable"),
        (0, "before 2000"),
        (-1, "before 2000"),
        ("1999-12-31T23:59:59Z", "before 2000"),
        ("0001-01-01T00:00:00Z", "before 2000"),
        ("2026-12-01T12:00:01Z", "in the future"),
        ("9999-12-31T23:59:59Z", "in the future"),
        ("2000-01-01T00:00:00Z", None),
        ("2026-11-30T11:59:00Z", None),  # within a day ahead: clock skew
        (1764417600000, None),  # epoch milliseconds (2025-11-29)
        ("2026-11-29T13:00:00+01:00", None),
    ],
)
def test_suspicious_time_says_why_a_created_at_cannot_be_true(value, reason):
    assert suspicious_time(value, WALL) == reason
