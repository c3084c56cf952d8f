"""The collector against the simulated Late: full and incremental passes, churn, pending, details, post
histories, connection logs, faults, a refused key, the writer lock and the polling loop.

Everything runs through the real LateClient and the simulator's httpx transport on a FakeClock; the only
wrapper is a recording transport that counts requests (and, for churn, moves the clock while paging).
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from datetime import timedelta
from typing import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from late_logs.api import AuthError, LateClient, LateError, RateLimitedError
from late_logs.collector import (
    NOTE_GONE,
    PAGE_LIMIT,
    Progress,
    SyncReport,
    fetch_detail,
    run_forever,
    sync_once,
)
from late_logs.records import parse_time
from late_logs.simulator import DEMO_API_KEY, SimulatedLate
from late_logs.simulator.clock import DEFAULT_FAKE_START, FakeClock
from late_logs.simulator.planted import PLANTED_SECRETS
from late_logs.store import LogStore, StoreLocked

BASE_URL = "http://simulator.test/api"
UNLIMITED = 10**9  # rate limit per minute for tests that are not about rate limits
# A quiet world (~800 attempts a week) keeps the tests fast; the budget test uses the busy default.
QUIET = 4.0


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to the simulator, remembering each one; `before` runs first (e.g. moves the clock)."""

    def __init__(self, inner: httpx.BaseTransport, before: Callable[[httpx.Request], None] | None = None):
        self.inner = inner
        self.before = before
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if self.before is not None:
            self.before(request)
        return self.inner.handle_request(request)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, kind: str) -> int:
        return sum(1 for r in list(self.requests) if request_kind(r) == kind)


def request_kind(request: httpx.Request) -> str:
    """ "list" (unfiltered /v1/logs), "list:pending", "detail", "post", "connections" or "other"."""
    path = request.url.path
    if path.endswith("/v1/logs"):
        status = parse_qs(request.url.query.decode()).get("status")
        return f"list:{status[0]}" if status else "list"
    if path.endswith("/v1/connections/logs"):
        return "connections"
    if "/v1/posts/" in path and path.endswith("/logs"):
        return "post"
    if "/v1/logs/" in path:
        return "detail"
    return "other"


class World:
    """A simulator on a FakeClock, a recording transport, a client over it and a store in tmp_path."""

    def __init__(
        self,
        tmp_path,
        *,
        rate_limit: int = UNLIMITED,
        api_key: str = DEMO_API_KEY,
        attempts_per_hour: float = QUIET,
        seed: int = 7,
    ):
        self.clock = FakeClock()
        self.sim = SimulatedLate(
            seed=seed, clock=self.clock, rate_limit_per_minute=rate_limit, attempts_per_hour=attempts_per_hour
        )
        self.transport = RecordingTransport(self.sim.transport())
        self.client = LateClient(
            api_key, BASE_URL, transport=self.transport, sleep=self.clock.sleep, clock=self.clock.time
        )
        self.store = LogStore(tmp_path / "store")

    def truth(self) -> dict[str, str]:
        return {entry["_id"]: entry["status"] for entry in self.sim.retained_logs()}

    def stored(self) -> dict[str, str]:
        frame = self.store.frame()
        return dict(zip(frame["log_id"], frame["status"], strict=True))

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def world(tmp_path):
    made = World(tmp_path)
    yield made
    made.close()


def assert_no_duplicates(store: LogStore) -> None:
    frame = store.frame()
    assert frame["log_id"].is_unique, "the store holds an attempt twice"


def sync_all(world: World, **options) -> SyncReport:
    """A pass without the per-pass bounds on details and post histories, so one pass completes everything."""
    return sync_once(world.client, world.store, max_details=10**6, max_post_histories=10**6, **options)


# --- full and incremental passes ------------------------------------------------------------------------


def test_full_pass_stores_exactly_what_late_holds(world):
    truth = world.truth()

    report = sync_all(world)

    assert world.stored() == truth
    assert_no_duplicates(world.store)
    assert report.full_pass and report.new == len(truth)
    assert report.requests == len(world.transport.requests)
    assert report.list_requests == world.transport.count("list") + world.transport.count("list:pending")
    state = world.store.state()
    assert state["last_pass_finished_at"] and state["last_error"] is None
    assert state["last_report"]["new"] == len(truth)
    newest = max(parse_time(entry["createdAt"]) for entry in world.sim.retained_logs())
    assert parse_time(state["watermark"]["at"]) == newest


def test_a_full_pass_of_a_busy_week_costs_at_most_10_5_list_requests_per_1000_attempts(tmp_path):
    world = World(tmp_path, attempts_per_hour=60.0)
    try:
        truth = world.truth()
        assert len(truth) > 5000

        sync_once(world.client, world.store, fetch_details=False)

        assert set(world.stored()) == set(truth)
        list_requests = world.transport.count("list")
        assert list_requests == math.ceil(len(truth) / PAGE_LIMIT)
        assert list_requests / len(truth) * 1000 <= 10.5
    finally:
        world.close()


@pytest.mark.parametrize("hours", [0, 1.5, 60, 300])
def test_incremental_pass_fetches_only_what_is_new(world, hours):
    sync_all(world)
    before = set(world.truth())
    world.clock.advance(hours * 3600)
    truth = world.truth()
    new = len(set(truth) - before)
    assert (new > PAGE_LIMIT) == (hours > 24)  # one page, or several
    world.transport.reset()

    report = sync_all(world)

    assert world.transport.count("list") <= math.ceil(new / PAGE_LIMIT) + 1
    assert report.new == new
    assert not report.full_pass
    stored = world.stored()
    assert {i: stored[i] for i in truth} == truth  # new ones stored, settled ones refreshed
    assert_no_duplicates(world.store)


def test_a_pass_with_nothing_new_makes_one_list_request_and_fetches_no_details_again(world):
    sync_all(world)
    world.transport.reset()

    report = sync_all(world)

    assert world.transport.count("list") == 1
    assert world.transport.count("detail") == 0
    assert world.transport.count("post") == 0
    assert (report.new, report.details, report.post_histories) == (0, 0, 0)


# --- churn ------------------------------------------------------------------------------------------------


def test_attempts_landing_at_the_head_and_ageing_out_while_paging_are_neither_missed_nor_doubled(tmp_path):
    world = World(tmp_path)
    try:

        def move_on_list_requests(request: httpx.Request) -> None:
            if request_kind(request) == "list":
                world.clock.advance(40 * 60)  # ~5 new attempts land at the head, ~5 age out at the tail

        world.transport.before = move_on_list_requests
        start = set(world.truth())

        sync_all(world)
        truth = world.truth()
        assert len(set(truth) - start) > 20  # churn really happened during the pass
        assert len(start - set(truth)) > 20

        stored = world.stored()
        missing = set(truth) - set(stored)
        assert not missing, f"{len(missing)} attempts still at Late were missed"
        assert_no_duplicates(world.store)

        # And an incremental pass under the same churn.
        world.clock.advance(5 * 3600)
        sync_all(world)
        truth = world.truth()
        assert not set(truth) - set(world.stored())
        assert_no_duplicates(world.store)
    finally:
        world.close()


# --- pending, details, post histories, connection logs ------------------------------------------------------


# With seed 7 at 60 attempts an hour, 54 hours after the FakeClock's default start an attempt ~175 places
# deep is still pending and settles within the hour: deeper than where the next walk stops.
PENDING_START = DEFAULT_FAKE_START + timedelta(hours=54)


def test_pending_attempts_are_refreshed_once_they_settle(tmp_path):
    world = World(tmp_path, attempts_per_hour=60.0)
    try:
        world.clock.set(PENDING_START)
        sync_once(world.client, world.store, fetch_details=False)
        order = [entry["_id"] for entry in world.sim.retained_logs()]
        pending_then = {i for i, status in world.truth().items() if status == "pending"}
        world.clock.advance(3600)
        truth = world.truth()
        settled = {i for i in pending_then if truth.get(i) not in (None, "pending")}
        new = len(set(truth) - set(order))
        last_page_reached = (new // PAGE_LIMIT + 1) * PAGE_LIMIT  # where the incremental walk stops
        deep = {i for i in settled if order.index(i) + new >= last_page_reached}
        assert deep, "the test needs a pending attempt deeper than the next walk that settles meanwhile"
        world.transport.reset()

        report = sync_once(world.client, world.store, fetch_details=False)

        stored = world.stored()
        assert {i: stored[i] for i in truth} == truth
        assert world.transport.count("list:pending") == 1
        refreshed = {
            r.url.path.rsplit("/", 1)[1] for r in world.transport.requests if request_kind(r) == "detail"
        }
        aged_out = pending_then - set(truth)  # still pending in the store; Late answers 404 for them
        assert deep <= refreshed <= settled | aged_out  # only ones no longer listed as pending
        assert report.pending_refreshed == len(refreshed - aged_out)
        assert aged_out <= set(world.store.state()["details_gone"])  # not asked for again
    finally:
        world.close()


def test_failed_attempts_get_their_details_stored_and_only_once(world):
    report = sync_all(world)
    failed = {i for i, status in world.truth().items() if status == "failed"}
    assert failed

    assert failed <= world.store.detail_ids()
    assert report.details == world.transport.count("detail") - report.pending_refreshed
    some = sorted(failed)[0]
    detail = world.store.get_detail(some)
    assert detail is not None and detail["_id"] == some
    assert world.store.frame().set_index("log_id").loc[some, "status"] == "failed"


def test_details_are_bounded_per_pass_and_the_rest_come_in_later_passes(world):
    failed = {i for i, status in world.truth().items() if status == "failed"}
    first = sync_once(world.client, world.store, max_details=50)
    assert first.details == 50
    second = sync_once(world.client, world.store, max_details=50)
    assert second.details == 50
    assert len(world.store.detail_ids() & failed) == 100


def test_a_complete_listing_asks_no_post_history_because_it_would_add_nothing(world):
    # issue 7: ~1,000 post-history requests over the first passes of a quiet store added nothing the full
    # listing had not stored; a history is asked only where the listing could not be completed.
    report = sync_all(world)

    assert world.transport.count("post") == 0 and report.post_histories == 0
    assert world.stored() == world.truth()


def test_posts_with_new_failures_get_their_history_once_when_the_listing_stayed_incomplete(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("late_logs.collector.MAX_CATCH_UP_ROUNDS", 0)
    world = World(tmp_path)
    try:
        def churn(request: httpx.Request) -> None:
            if request_kind(request) == "list":
                world.clock.advance(600)  # ten minutes per page: logs land at the head while paging

        world.transport.before = churn
        report = sync_all(world)
        asked = [
            r.url.path.split("/v1/posts/")[1].rsplit("/logs", 1)[0]
            for r in world.transport.requests
            if request_kind(r) == "post"
        ]
        assert asked and report.post_histories == len(asked)
        assert max(Counter(asked).values()) == 1  # once per post per pass
        frame = world.store.frame()
        failed_posts = set(frame.loc[frame["status"] == "failed", "post_id"].dropna())
        assert set(asked) <= failed_posts
    finally:
        world.close()


def test_connection_logs_are_paged_and_kept(world):
    report = sync_all(world)

    page = world.client.list_connection_logs(days=7, limit=100)
    assert page.total is not None and page.total > 0
    stored = world.store.connection_logs()
    assert len(stored) == page.total == report.connection_logs
    assert len({entry["_id"] for entry in stored}) == len(stored)


def test_progress_reports_every_phase(world):
    seen: list[Progress] = []
    sync_all(world, progress=seen.append)
    assert {"list", "details", "posts", "connections"} <= {p.phase for p in seen}
    list_reports = [p for p in seen if p.phase == "list"]
    assert list_reports[-1].done == len(world.truth())


# --- faults ------------------------------------------------------------------------------------------------


def test_a_short_rate_limit_storm_is_waited_out(tmp_path):
    world = World(tmp_path, rate_limit=UNLIMITED)
    try:

        def storm(request: httpx.Request) -> None:
            # On for requests 3..6, then off: the client waits Retry-After (on the fake clock) and retries.
            world.sim.faults.rate_limit_storm = 3 <= len(world.transport.requests) <= 6

        world.transport.before = storm
        report = sync_all(world)

        assert report.rate_limited >= 1
        assert not set(world.truth()) - set(world.stored())
        assert_no_duplicates(world.store)
    finally:
        world.close()


def test_a_long_rate_limit_storm_fails_with_a_typed_error_and_keeps_what_was_stored(tmp_path):
    world = World(tmp_path)
    try:

        def storm(request: httpx.Request) -> None:
            world.sim.faults.rate_limit_storm = len(world.transport.requests) >= 8  # mid-way through the list

        world.transport.before = storm
        with pytest.raises(RateLimitedError):
            sync_all(world)
        kept = world.stored()
        assert len(kept) == 7 * PAGE_LIMIT  # the seven pages fetched before the storm stayed
        state = world.store.state()
        assert "429" in state["last_error"] and state["last_error_at"]
        assert "watermark" not in state or state["watermark"] is None

        world.transport.before = None
        world.sim.faults.rate_limit_storm = False
        sync_all(world)
        assert set(world.truth()) <= set(world.stored())
        assert set(kept) <= set(world.stored())
        assert world.store.state()["last_error"] is None
    finally:
        world.close()


@pytest.mark.parametrize("fault", ["server_error_rate", "truncate_rate"])
def test_server_errors_and_truncated_bodies_never_lose_or_double_anything(world, fault):
    setattr(world.sim.faults, fault, 0.5)
    outcomes: list[SyncReport | LateError] = []
    for _ in range(12):
        try:
            outcomes.append(sync_all(world))
            break
        except LateError as exc:  # a typed error; whatever was flushed stays
            outcomes.append(exc)
            assert world.store.state()["last_error"] == exc.message
        finally:
            assert_no_duplicates(world.store)
    assert isinstance(outcomes[-1], SyncReport), outcomes
    assert world.client.stats.retries > 0

    setattr(world.sim.faults, fault, 0.0)
    sync_all(world)
    truth, stored = world.truth(), world.stored()  # retries waited on the fake clock: some aged out
    assert {i: stored[i] for i in truth} == truth
    failed = {i for i, s in truth.items() if s == "failed"}
    assert failed <= world.store.detail_ids()


def test_a_refused_key_raises_auth_error_and_is_recorded_without_the_key(tmp_path):
    key = "sk_test_refused_0123456789abcdef0123456789abcdef0123456789abcdef0123"
    world = World(tmp_path, api_key=key)
    try:
        with pytest.raises(AuthError):
            sync_once(world.client, world.store)
        state = world.store.state()
        assert "refused" in state["last_error"] and state["last_error_at"]
        assert key not in repr(state)
        assert world.store.frame().empty
    finally:
        world.close()


def test_a_second_writer_is_refused_with_a_plain_error(world):
    with world.store.writer_lock():
        with pytest.raises(StoreLocked) as caught:
            sync_once(world.client, world.store)
    assert "another late-logs collector" in str(caught.value)
    assert world.transport.requests == []


# --- on-demand details --------------------------------------------------------------------------------------


def test_fetch_detail_prefers_the_stored_copy_then_late_then_the_stored_list_entry(world):
    sync_once(world.client, world.store, fetch_details=False)
    truth = world.truth()
    success = next(i for i, s in truth.items() if s == "success")

    detail, note = fetch_detail(world.client, world.store, success)
    assert detail is not None and detail["_id"] == success and note == ""
    assert world.store.get_detail(success) is not None
    world.transport.reset()
    again, _ = fetch_detail(world.client, world.store, success)
    assert again == detail and world.transport.requests == []

    oldest = min(truth, key=lambda i: world.store.raw_attempt(i)["createdAt"])
    world.clock.advance(8 * 24 * 3600)  # Late has forgotten the whole first week
    kept, note = fetch_detail(world.client, world.store, oldest)
    assert kept is not None and kept["_id"] == oldest
    assert note == NOTE_GONE

    nothing, note = fetch_detail(world.client, world.store, "ffffffffffffffffffffffff0")
    assert nothing is None
    assert note == "Attempt ffffffffffffffffffffffff0 is not in the store and Late does not have it."


def test_a_detail_fetched_while_a_pass_holds_the_writer_lock_is_shown_redacted_and_not_written(world):
    """Was: the Attempt page's fetch wrote to the store outside the single-writer lock."""
    sync_once(world.client, world.store, fetch_details=False)
    truth = world.truth()
    failed = [i for i, s in truth.items() if s == "failed"]
    version = world.store.version
    world.transport.reset()
    with world.store.writer_lock():  # a pass at work
        shown = [fetch_detail(world.client, world.store, log_id) for log_id in failed[:20]]
    assert all(detail is not None and note == "" for detail, note in shown)
    assert {detail["_id"] for detail, _ in shown} == set(failed[:20])
    assert all(world.store.get_detail(log_id) is None for log_id in failed[:20])  # nothing written
    assert world.store.version == version
    text = json.dumps([detail for detail, _ in shown])
    assert not [secret for secret in PLANTED_SECRETS if secret in text]
    assert world.transport.requests  # the detail did come from Late

    detail, note = fetch_detail(world.client, world.store, failed[0])  # the lock is free again: stored
    assert note == "" and world.store.get_detail(failed[0]) == detail


def test_a_stored_detail_that_changes_no_attempt_leaves_the_store_version_and_every_sessions_frame(world):
    """Was: every detail stored bumped the version, so one Attempt page view rebuilt all sessions' frames."""
    sync_once(world.client, world.store, fetch_details=False)
    log_id = next(iter(world.truth()))
    entry = world.store.raw_attempt(log_id)
    version = world.store.version
    world.store.put_detail(log_id, entry)  # a detail that says nothing the list entry did not
    assert world.store.get_detail(log_id) is not None
    assert world.store.version == version


# --- the polling loop ---------------------------------------------------------------------------------------


def test_run_forever_passes_until_stopped_and_survives_errors(tmp_path):
    world = World(tmp_path)
    try:
        stop = threading.Event()
        outcomes: list[tuple[SyncReport | None, BaseException | None]] = []
        keys = iter([DEMO_API_KEY, "sk_test_refused_key_for_the_loop", DEMO_API_KEY])

        def make_client() -> LateClient:
            return LateClient(
                next(keys),
                BASE_URL,
                transport=world.transport,
                sleep=world.clock.sleep,
                clock=world.clock.time,
            )

        def on_pass(report: SyncReport | None, error: BaseException | None) -> None:
            outcomes.append((report, error))
            if len(outcomes) == 3:
                stop.set()

        thread = threading.Thread(
            target=run_forever,
            args=(make_client, world.store, 0, stop),
            kwargs={"on_pass": on_pass, "max_backoff_seconds": 0.01},
        )
        thread.start()
        thread.join(120)
        assert not thread.is_alive()

        assert [type(error) for _, error in outcomes] == [type(None), AuthError, type(None)]
        assert outcomes[0][0].new == len(world.stored()) or outcomes[0][0].new > 0
        state = world.store.state()
        assert state["next_pass_at"] and state["last_error"] is None  # the third pass cleared it
        assert state["total_passes"] == 3
    finally:
        world.close()


def test_the_per_pass_bounds_set_on_the_package_reach_a_pass_that_does_not_name_them(world, monkeypatch):
    """Found in review: sync_once's defaults were read from `limits` when the module was imported, so
    `monkeypatch.setattr("late_logs.collector.MAX_DETAILS", ...)` (which the package promises turns the
    knob for the whole pass) changed nothing for a caller that did not pass max_details."""
    monkeypatch.setattr("late_logs.collector.MAX_DETAILS", 7)
    assert sync_once(world.client, world.store).details == 7
