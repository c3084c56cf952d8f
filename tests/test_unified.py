"""Today's Late API (issue 7): the unified `/v1/logs` beside the 1.0.1 contract.

Items here are written from the Zernio spec text (CONTRACT.md §3, zernio-openapi-full-2026-08-22.yaml), not
from the simulator: snake_case fields, no id, `request_body`/`response_body`/`metadata` as strings.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from late_logs import records
from late_logs.records import (  # noqa: I001
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    bodies_of,
    drift_of,
    flatten,
    flavor_of_items,
    identity_of,
    stamp_identities,
    time_of,
)
from late_logs.redact import redact_value

UTC = timezone.utc

# A unified item as the spec describes it, by hand.
PENDING = {
    "type": "publishing",
    "action": "post.pending",
    "user_id": "64e1f0a9e2b5af0012ab34de",
    "platform": "instagram",
    "account_id": "64e1f0a9e2b5af0012ab34ef",
    "status": "pending",
    "endpoint": "graph.facebook.com/v21.0/me/media_publish?access_token=EAAGm0PX4ZCpsBAKZCZBnotreal123456",
    "request_body": '{"caption":"Launch day","image_url":"https://storage.zernio.com/a.jpg"}',
    "created_at": "2026-08-20T10:00:05.120Z",
    "metadata": json.dumps({"post_id": "65f1c0a9e2b5af0012ab34cd", "attempt_number": 1}),
    "request_id": "req_7f3a",
}
SETTLED = {
    **PENDING,
    "action": "post.published",
    "status": "success",
    "status_code": 200,
    "duration_ms": 2340,
    "response_body": '{"id":"17895695668004550"}',
    "metadata": json.dumps(
        {
            "post_id": "65f1c0a9e2b5af0012ab34cd",
            "attempt_number": 1,
            "platform_post_url": "https://www.instagram.com/p/ABC123/",
            "account_username": "acmecorp",
        }
    ),
}


def test_a_pending_unified_log_that_settles_in_place_keeps_one_identity() -> None:
    assert identity_of(PENDING) == identity_of(SETTLED)
    # metadata is context Late fills in as the log progresses: a post id appearing there is the same log.
    assert identity_of({**PENDING, "metadata": "{}"}) == identity_of(SETTLED)
    assert flatten(PENDING)["log_id"] == flatten(SETTLED)["log_id"]


def test_identity_is_the_same_before_and_after_redaction_once_stamped() -> None:
    # The endpoint carries a token: hashing the redacted copy would give the log a second id.
    (stamped,), _ = stamp_identities([PENDING])
    redacted = redact_value(stamped)
    assert redacted["endpoint"] != PENDING["endpoint"]
    assert identity_of(redacted) == identity_of(PENDING) == stamped[records.IDENTITY_KEY]


def test_entries_that_cannot_be_told_apart_are_kept_and_counted() -> None:
    stamped, twins = stamp_identities([PENDING, dict(PENDING), dict(PENDING)])
    ids = [identity_of(item) for item in stamped]
    assert twins == 2 and len(set(ids)) == 3
    assert ids[1] == ids[0] + "~2" and ids[2] == ids[0] + "~3"


def test_another_account_at_the_same_instant_is_another_log() -> None:
    assert identity_of(PENDING) != identity_of({**PENDING, "account_id": "other"})


def test_a_late_era_item_without_id_gets_one_identity_whatever_its_status() -> None:
    item = {"postId": "p1", "accountId": "a1", "platform": "x", "action": "publish", "status": "pending",
            "attemptNumber": 1, "createdAt": "2026-02-10T09:00:00Z"}
    settled = {**item, "status": "failed", "response": {"errorMessage": "boom"}}
    assert identity_of(item) == identity_of(settled)


def test_unified_actions_map_onto_the_publishing_vocabulary() -> None:
    flat = flatten(SETTLED)
    assert (flat["action"], flat["status"]) == ("publish", "success")
    assert flatten({**SETTLED, "action": "post.failed", "status": "failed"})["action"] == "publish"
    assert flatten({**SETTLED, "action": "post.failed", "status": None})["status"] == "failed"
    retry = {**SETTLED, "metadata": json.dumps({"attempt_number": 2})}
    assert flatten(retry)["action"] == "retry"


def test_an_unknown_unified_action_is_kept_verbatim() -> None:
    assert flatten({**SETTLED, "action": "post.teleported"})["action"] == "post.teleported"


def test_metadata_gives_post_account_attempt_and_post_url() -> None:
    flat = flatten(SETTLED)
    assert flat["post_id"] == "65f1c0a9e2b5af0012ab34cd"
    assert flat["attempt_number"] == 1
    assert flat["platform_post_url"] == "https://www.instagram.com/p/ABC123/"
    assert flat["account_username"] == "acmecorp"
    assert flat["created_at"] == datetime(2026, 8, 20, 10, 0, 5, 120000, tzinfo=UTC)


def test_without_a_post_id_in_metadata_the_request_id_is_the_post_key() -> None:
    assert flatten({**SETTLED, "metadata": "{}"})["post_id"] == "req_7f3a"


def test_bodies_are_read_from_either_contract() -> None:
    assert bodies_of(SETTLED) == (SETTLED["request_body"], SETTLED["response_body"])
    detail = {"_id": "x", "request": {"rawBody": "{}"}, "response": {"rawBody": "[]"}}
    assert bodies_of(detail) == ("{}", "[]")
    assert bodies_of({"_id": "x"}) == (None, None)


def test_the_shape_of_a_page_tells_the_contract() -> None:
    assert flavor_of_items([SETTLED, PENDING]) == FLAVOR_UNIFIED
    assert flavor_of_items([{"_id": "a", "createdAt": "2026-02-10T09:00:00Z"}]) == FLAVOR_LATE
    assert flavor_of_items([]) is None


def test_drift_counts_an_unknown_field_type_and_enum_without_failing() -> None:
    kinds = [kind for kind, _ in drift_of({**SETTLED, "status_code": "200", "type": "teleport",
                                           "status": "exploded", "new_field": 1}, FLAVOR_UNIFIED)]
    assert "status_code is str" in kinds
    assert "unknown type teleport" in kinds and "unknown status exploded" in kinds
    assert "unknown field new_field" in kinds
    assert drift_of(SETTLED, FLAVOR_UNIFIED) == []
    assert flatten({**SETTLED, "status_code": "oops", "metadata": "not json"})["status_code"] is None


def test_retention_by_contract() -> None:
    assert records.retention_days_of(FLAVOR_UNIFIED) == 90
    assert records.retention_days_of(FLAVOR_LATE) == 7


# ---- through the real client against the simulator ---------------------------------------------------

import math  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from late_logs.api import (  # noqa: E402
    LateClient,
    LateError,
    NotInContractError,
    RateLimitedError,
    RateShare,
    RedirectedError,
    UnreachableError,
)
from late_logs.collector import (  # noqa: E402
    SETTLED_READ_SPAN,
    contract_line,
    drift_line,
    fetch_detail,
    sync_once,
)
from late_logs.simulator import DEMO_API_KEY, FakeClock, SimulatedLate  # noqa: E402
from late_logs.store import LogStore  # noqa: E402

BASE_URL = "http://simulator.test/api"
UNIFIED_START = datetime(2026, 8, 20, 9, 30, tzinfo=UTC)  # inside the unified era
UNLIMITED = 10**9
SPARSE = 0.8  # attempts an hour: a few thousand logs over 90 days keeps a backfill to a few seconds
MISSING_IN_UNIFIED = ("/v1/connections/logs", "/v1/posts/")


class Recording(httpx.BaseTransport):
    """Passes requests on, remembering each; `before(request)` may move the clock or answer instead."""

    def __init__(self, inner: httpx.BaseTransport,
                 before: Callable[[httpx.Request], httpx.Response | None] | None = None):
        self.inner = inner
        self.before = before
        self.requests: list[httpx.Request] = []
        self.after: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before is not None:
            answer = self.before(request)
            if answer is not None:
                return answer
        response = self.inner.handle_request(request)
        if self.after is not None:
            response.read()
            response = self.after(request, response)
        return response


class UnifiedWorld:
    def __init__(self, tmp_path: Path, *, flavor: str = "unified", rate_limit: int = UNLIMITED,
                 attempts_per_hour: float = SPARSE, client_flavor: str = "auto"):
        self.clock = FakeClock(UNIFIED_START)
        self.sim = SimulatedLate(clock=self.clock, flavor=flavor, rate_limit_per_minute=rate_limit,
                                 attempts_per_hour=attempts_per_hour)
        self.transport = Recording(self.sim.transport())
        self.client = LateClient(DEMO_API_KEY, BASE_URL, transport=self.transport, sleep=self.clock.sleep,
                                 clock=self.clock.time, flavor=client_flavor)
        self.store = LogStore(tmp_path / "store")

    def truth(self) -> set[str]:
        return {identity_of(item) for item in self.sim.retained_logs()}

    def stored(self) -> dict[str, str]:
        frame = self.store.frame()
        return dict(zip(frame["log_id"], frame["status"], strict=True))

    def paths(self) -> list[str]:
        return [r.url.path for r in self.transport.requests]

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def uworld(tmp_path):
    made = UnifiedWorld(tmp_path)
    yield made
    made.close()


def params_of(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def test_auto_detects_the_unified_contract_backfills_90_days_and_remembers_it(uworld) -> None:
    truth = uworld.truth()
    oldest = min(time_of(i) for i in uworld.sim.retained_logs())
    assert UNIFIED_START - oldest > timedelta(days=80)  # the world really has logs older than 7 days

    report = sync_once(uworld.client, uworld.store)

    assert report.flavor == "unified" and uworld.store.state()["flavor"] == "unified"
    assert set(uworld.stored()) == truth  # every log Late keeps, none twice
    assert uworld.store.frame()["log_id"].is_unique
    line = contract_line(uworld.store.state())
    assert "unified" in line and "90 days" in line
    # Newest first: the backfill's pages walk down from the head with `to` frozen at the pass start.
    backfill = [p for p in map(params_of, uworld.transport.requests)
                if p.get("type") == "publishing" and "status" not in p]
    assert backfill and all(p["to"] == backfill[0]["to"] for p in backfill)
    assert "from" not in backfill[0] and backfill[0]["days"] == "90"
    assert [int(p["skip"]) for p in backfill] == sorted(int(p["skip"]) for p in backfill)
    # One page asked in terms both contracts accept told the contract; the rest is the listing itself.
    assert len(backfill) == math.ceil(len(truth) / 100)
    assert report.list_requests <= len(backfill) + 1 + 1  # + that first page + one status=pending page


def test_a_unified_pass_asks_no_endpoint_today_s_api_does_not_have(uworld) -> None:
    sync_once(uworld.client, uworld.store)
    uworld.clock.advance(3600)
    sync_once(uworld.client, uworld.store)
    assert all(path.endswith("/v1/logs") for path in uworld.paths()), set(uworld.paths())
    some = next(iter(uworld.stored()))
    uworld.transport.requests.clear()
    detail, note = fetch_detail(uworld.client, uworld.store, some)
    assert detail is not None and note == "" and uworld.transport.requests == []
    with pytest.raises(NotInContractError):
        uworld.client.get_log("675f1c0a9e2b5af0012ab34cd")
    assert uworld.transport.requests == []


def test_an_idle_unified_pass_costs_at_most_3_requests(uworld) -> None:
    sync_once(uworld.client, uworld.store)
    uworld.transport.requests.clear()
    report = sync_once(uworld.client, uworld.store)
    assert report.new == 0
    assert len(uworld.transport.requests) <= 3 and report.requests <= 3


def test_incremental_unified_passes_use_from_and_a_frozen_to_under_churn(tmp_path) -> None:
    world = UnifiedWorld(tmp_path, attempts_per_hour=30.0)
    try:
        # A first pass over a busy 90 days is long; start from a store one day old to keep this quick.
        world.store.upsert_attempts(
            world.sim.logs_between(UNIFIED_START - timedelta(days=1), UNIFIED_START)
        )
        world.store.update_state(
            flavor="unified",
            watermark={"at": (UNIFIED_START - timedelta(days=1)).isoformat(), "ids": []},
        )
        world.clock.advance(6 * 3600)

        def churn(request: httpx.Request) -> None:
            world.clock.advance(240)  # four minutes per request: logs land at the head while paging

        world.transport.before = churn
        sync_once(world.client, world.store)
        def settled_reread(p: dict) -> bool:  # one settled log read again over its own instant
            if "from" not in p or "to" not in p:
                return False
            return records.parse_time(p["to"]) - records.parse_time(p["from"]) <= SETTLED_READ_SPAN

        listing = [p for p in map(params_of, world.transport.requests)
                   if p.get("type") == "publishing" and "status" not in p and not settled_reread(p)]
        assert listing and all("from" in p for p in listing)
        assert len({p["to"] for p in listing}) == 1  # frozen at the pass start
        world.transport.before = None
        sync_once(world.client, world.store)  # picks up what landed after the first one's `to`
        since = UNIFIED_START - timedelta(days=1) + timedelta(minutes=5)
        truth = {identity_of(i) for i in world.sim.logs_between(since, world.clock())}
        stored = set(world.stored())
        assert truth <= stored, f"{len(truth - stored)} logs missed at page edges"
        assert world.store.frame()["log_id"].is_unique
    finally:
        world.close()


def test_a_pending_unified_log_that_settles_in_place_replaces_its_pending_record(tmp_path) -> None:
    world = UnifiedWorld(tmp_path, attempts_per_hour=60.0)
    world.clock.set(UNIFIED_START + timedelta(hours=6))  # mid-afternoon: a busy hour with pending logs
    try:
        start = world.clock() - timedelta(hours=3)
        three_hours_ago = start.isoformat()
        world.store.update_state(flavor="unified", watermark={"at": three_hours_ago, "ids": []})
        sync_once(world.client, world.store)
        pending = {k for k, v in world.stored().items() if v == "pending"}
        assert pending, "the world should have pending logs right now"
        count = len(world.stored())
        world.clock.advance(3 * 3600)  # most pending logs settle within minutes
        report = sync_once(world.client, world.store)
        after = world.stored()
        settled = {k for k in pending if after.get(k) not in (None, "pending")}
        # Settled by the pending re-read, or (within FROM_MARGIN of the watermark) by the listing itself.
        assert settled and report.pending_refreshed + report.updated >= len(settled) - 1
        assert world.store.frame()["log_id"].is_unique
        assert pending <= set(after)  # the same ids, now settled: never a second record
        truth = {identity_of(i): i["status"] for i in world.sim.logs_between(start, world.clock())}
        assert {k: after[k] for k in settled} == {k: truth[k] for k in settled}
        assert len(after) >= count
    finally:
        world.close()


def test_identity_is_stable_across_passes_and_redaction(uworld) -> None:
    sync_once(uworld.client, uworld.store)
    first = set(uworld.stored())
    # Items with secrets in their endpoint or bodies are redacted on disk but keep the identity of the raw.
    raw = uworld.sim.retained_logs()
    with_secret = [i for i in raw if redact_value(i) != i]
    assert with_secret
    assert {identity_of(i) for i in with_secret} <= first
    # Another pass from scratch over the same world (a second store) gives the very same ids.
    other = LogStore(Path(str(uworld.store.directory) + "-again"))
    try:
        sync_once(uworld.client, other)
        assert set(other.frame()["log_id"]) == first
    finally:
        other.close()


def test_a_late_server_s_contract_is_detected_too(tmp_path) -> None:
    world = UnifiedWorld(tmp_path, flavor="late-1.0")
    world.clock.set(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))
    try:
        report = sync_once(world.client, world.store, max_details=5, max_post_histories=5)
        assert report.flavor == "late-1.0" and world.store.state()["flavor"] == "late-1.0"
        assert all("type" not in params_of(r) for r in world.transport.requests)
    finally:
        world.close()


def test_a_remembered_contract_the_server_no_longer_speaks_is_followed(tmp_path) -> None:
    world = UnifiedWorld(tmp_path)
    try:
        # Collected a day ago from a Late 1.0.1 server at this address: a 7-day store and its watermark.
        yesterday = (UNIFIED_START - timedelta(days=1)).isoformat()
        world.store.update_state(flavor="late-1.0", watermark={"at": yesterday, "ids": []})
        report = sync_once(world.client, world.store)
        assert report.flavor == "unified" and world.store.state()["flavor"] == "unified"
        assert set(world.stored()) == world.truth()  # all 90 days, not only what followed the old watermark
    finally:
        world.close()


def test_a_404_on_connection_logs_does_not_end_the_pass(tmp_path) -> None:
    world = UnifiedWorld(tmp_path, flavor="late-1.0")
    world.clock.set(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))
    try:
        def gone(request: httpx.Request) -> httpx.Response | None:
            if request.url.path.endswith("/v1/connections/logs"):
                return httpx.Response(404, json={"error": "Not found"}, request=request)
            return None

        world.transport.before = gone
        report = sync_once(world.client, world.store, max_details=5)
        assert report.new > 0
        problem = next(e for e in report.errors if e.startswith("connection logs:"))
        assert "check LATE_API_BASE_URL" not in problem and "unified" in problem
        assert world.store.state()["last_error"] is None  # not "check LATE_API_BASE_URL": the pass ended well
    finally:
        world.close()


def test_an_unknown_field_type_is_a_drift_warning_not_a_crash(uworld) -> None:
    def drift(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        if body.get("logs") and params_of(request).get("type") == "publishing":
            body["logs"][0]["status_code"] = "two hundred"  # a new type for a known field
            body["logs"][0]["shiny_new_field"] = {"x": 1}  # a field the spec does not have
        return httpx.Response(response.status_code, headers=response.headers, json=body, request=request)

    uworld.transport.after = drift
    report = sync_once(uworld.client, uworld.store)
    assert report.drift.get("status_code is str", 0) >= 1
    assert report.drift.get("unknown field shiny_new_field", 0) >= 1
    assert "status_code=two hundred" in report.drift_examples["status_code is str"]
    line = drift_line(uworld.store.state())
    assert "drift" in line and "unified" in line
    assert "drift" in report.summary()
    assert set(uworld.stored()) == uworld.truth()  # every item stored all the same


def test_a_redirect_to_another_host_never_carries_the_key_and_names_the_new_base_url(tmp_path) -> None:
    sim = SimulatedLate(clock=FakeClock(UNIFIED_START), flavor="unified", attempts_per_hour=SPARSE)
    inner = sim.transport()
    seen: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "getlate.dev":
            target = request.url.copy_with(scheme="https", host="zernio.com")
            return httpx.Response(301, headers={"Location": str(target)}, request=request)
        return inner.handle_request(request)

    client = LateClient(DEMO_API_KEY, "https://getlate.dev/api", transport=httpx.MockTransport(route))
    with pytest.raises(RedirectedError) as caught:
        client.list_logs()
    assert "https://zernio.com/api" in caught.value.message
    assert "LATE_API_BASE_URL=https://zernio.com/api" in caught.value.message
    assert DEMO_API_KEY not in caught.value.message
    assert all(r.url.host != "zernio.com" for r in seen)  # nothing, so no key, went to the other host
    store = LogStore(tmp_path / "store")
    try:
        with pytest.raises(RedirectedError):
            sync_once(client, store)
        assert "https://zernio.com/api" in store.state()["last_error"]
    finally:
        store.close()


def test_a_redirect_within_the_same_host_is_followed_with_the_key() -> None:
    sim = SimulatedLate(clock=FakeClock(UNIFIED_START), flavor="unified", attempts_per_hour=SPARSE)
    inner = sim.transport()

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/old/"):
            target = request.url.copy_with(path=request.url.path.replace("/old/", "/api/"))
            return httpx.Response(308, headers={"Location": str(target)}, request=request)
        return inner.handle_request(request)

    client = LateClient(DEMO_API_KEY, "https://zernio.com/old", transport=httpx.MockTransport(route))
    assert client.list_logs().items


def test_error_envelopes_of_both_eras_give_their_code_and_the_request_id() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"error": "Invalid days", "type": "invalid_request_error", "code": "invalid_parameter",
                "param": "days"}
        return httpx.Response(400, json=body, headers={"X-Request-Id": "req_abc123"}, request=request)

    client = LateClient(DEMO_API_KEY, BASE_URL, transport=httpx.MockTransport(answer))
    with pytest.raises(Exception) as caught:
        client.list_logs()
    assert "Invalid days (code invalid_parameter)" in str(caught.value)
    assert "req_abc123" in str(caught.value)

    def late_era(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"error": "Invalid API key", "code": "UNAUTHORIZED", "details": {}},
                              request=request)

    client = LateClient(DEMO_API_KEY, BASE_URL, transport=httpx.MockTransport(late_era))
    with pytest.raises(Exception) as caught:
        client.list_logs()
    assert "(code UNAUTHORIZED)" in str(caught.value)


def test_the_request_id_of_a_failed_call_is_kept_in_the_last_error(uworld) -> None:
    uworld.sim.faults.server_error_rate = 1.0
    uworld.client.max_retries = 0
    with pytest.raises(LateError):
        sync_once(uworld.client, uworld.store)
    assert "request id sim-7-" in uworld.store.state()["last_error"]


@pytest.mark.parametrize(("flavor", "density"), [("unified", 4.0), ("late-1.0", 20.0)])
def test_the_collector_holds_its_share_of_the_rate_limit_spread_evenly(tmp_path, flavor, density) -> None:
    # issue 7: 1,200 requests burst in ~4 s then a ~55 s stall. At a share of 0.5 of 60/min: 30/min,
    # one every 2 s, measured on the simulator's fake clock (details and post logs included in 1.0.1).
    world = UnifiedWorld(tmp_path, flavor=flavor, rate_limit=60, attempts_per_hour=density)
    try:
        starts: list[float] = []
        world.transport.before = lambda request: starts.append(world.clock.time()) and None
        # One detail worker: FakeClock.sleep advances a shared clock, so sleepers in several threads would
        # add their waits up instead of overlapping as real time does.
        report = sync_once(world.client, world.store, max_details=40, detail_workers=1)
        assert report.rate_limited == 0 and report.flavor == flavor
        assert len(starts) > 60
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        assert min(gaps) >= 2.0 - 1e-6
        # Requests in any sliding minute: within the share and not far below it.
        per_minute = max(sum(1 for t in starts if s <= t < s + 60) for s in starts)
        assert 27 <= per_minute <= 30
        minutes = (starts[-1] - starts[0]) / 60
        assert (len(starts) - 1) / minutes >= 0.9 * 30
    finally:
        world.close()


def test_on_demand_requests_go_ahead_of_the_collector_s_queue() -> None:
    share = RateShare(0.5)
    share.note_limit(60)
    waits = [share.reserve(1000.0) for _ in range(5)]
    assert waits == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert share.reserve(1000.0, urgent=True) == 0.0  # the page's request goes at once
    assert share.reserve(1000.0) == 12.0  # and the queue moves back by its slot


def test_a_huge_retry_after_during_a_pass_is_said_at_once(uworld) -> None:
    def storm(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "86400"}, json={"error": "Rate limit exceeded"},
                              request=request)

    uworld.transport.before = storm
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as caught:
        sync_once(uworld.client, uworld.store)
    assert time.monotonic() - started < 5 and uworld.clock() == UNIFIED_START  # no wait was sat out
    when = (UNIFIED_START + timedelta(days=1)).strftime("%Y-%m-%d %H:%M UTC")
    assert caught.value.message.startswith(f"Late asks us to wait 24 h; next try at {when}")
    assert uworld.store.state()["last_error"].startswith("Late asks us to wait 24 h")


def _drip_server(seconds_per_byte: float) -> tuple[socket.socket, threading.Event]:
    """A local server that sends a response header, then one body byte every `seconds_per_byte`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 1000\r\n\r\n")
                    for _ in range(1000):
                        if stop.wait(seconds_per_byte):
                            break
                        conn.sendall(b" ")
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


def test_a_slow_drip_server_cannot_keep_a_request_past_its_deadline() -> None:
    listener, stop = _drip_server(0.3)  # every read gets a byte well within the read timeout
    port = listener.getsockname()[1]
    try:
        client = LateClient(DEMO_API_KEY, f"http://127.0.0.1:{port}/api", timeout=5.0, deadline=1.5)
        started = time.monotonic()
        with pytest.raises(UnreachableError) as caught:
            client.list_logs()
        took = time.monotonic() - started
        assert took < 4.0, f"the request lived {took:.1f} s past a 1.5 s deadline"
        assert "within 1.5 s" in caught.value.message
        assert DEMO_API_KEY not in caught.value.message
        client.close()
    finally:
        stop.set()
        listener.close()


def test_the_demo_and_simulate_speak_the_chosen_flavor() -> None:
    from late_logs import cli, source
    from late_logs.config import load_settings

    sim = source.build_demo_simulator({"LATE_LOGS_DEMO_FLAVOR": "unified"})
    assert sim.flavor == "unified"
    assert source.build_demo_simulator({}).flavor == "late-1.0"  # 1.0.1 stays the default
    args = cli.build_parser().parse_args(["simulate", "--flavor", "unified"])
    assert args.flavor == "unified"
    settings = load_settings(env={"LATE_API_FLAVOR": "unified", "LATE_LOGS_RATE_SHARE": "0.25"}, secrets={})
    assert settings.flavor == "unified" and settings.rate_share == 0.25
    with pytest.raises(ValueError):
        load_settings(env={"LATE_LOGS_RATE_SHARE": "1.5"}, secrets={})
    with pytest.raises(ValueError):
        load_settings(env={"LATE_API_FLAVOR": "v2"}, secrets={})


# ---- the unified simulator held against the Zernio spec --------------------------------------------------

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "late-api"
ZERNIO_SPEC = SPEC_DIR / "zernio-openapi-full-2026-08-22.yaml"


@pytest.fixture(scope="module")
def zernio_logs_schema() -> dict:
    """The 200 schema of the unified `GET /v1/logs`, read from the saved Zernio spec."""
    if not ZERNIO_SPEC.exists():
        pytest.skip(f"the Zernio OpenAPI spec is not at {ZERNIO_SPEC}")
    yaml = pytest.importorskip("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(ZERNIO_SPEC.read_text(encoding="utf-8"), Loader=loader)
    operation = spec["paths"]["/v1/logs"]["get"]
    assert operation["operationId"] == "listLogs"
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.fixture(scope="module")
def unified_http():
    sim = SimulatedLate(clock=FakeClock(UNIFIED_START + timedelta(hours=6)), flavor="unified",
                        attempts_per_hour=10.0)
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {DEMO_API_KEY}"}) as http:
        yield sim, http


def _validate(body: object, schema: dict) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("log_type", ["publishing", "connections"])
def test_unified_simulator_answers_follow_the_zernio_schema(
    unified_http, zernio_logs_schema, log_type
) -> None:
    _, http = unified_http
    body = http.get("/v1/logs", params={"type": log_type, "limit": 100}).json()
    assert body["logs"]
    _validate(body, zernio_logs_schema)
    declared = set(zernio_logs_schema["properties"]["logs"]["items"]["properties"])
    for item in body["logs"]:
        assert set(item) <= declared, set(item) - declared  # the spec allows more; we invent none


def test_unified_items_are_what_the_spec_text_says(unified_http) -> None:
    # Written from CONTRACT.md §3, not from the simulator: no `_id`/`id`/post id, snake_case, bodies and
    # metadata as strings (metadata "as JSON string"), bodies truncated to 5 KB / 10 KB, pagination camelCase.
    _, http = unified_http
    body = http.get("/v1/logs", params={"limit": 100}).json()
    assert set(body["pagination"]) == {"total", "limit", "skip", "pages", "hasMore"}
    for item in body["logs"]:
        assert not {"_id", "id", "post_id", "postId", "createdAt"} & set(item)
        assert item["type"] == "publishing"  # the documented default type
        assert item["status"] in ("success", "failed", "pending", "skipped")
        assert isinstance(json.loads(item["metadata"]), dict)
        assert len(item.get("request_body", "")) <= 5 * 1024
        assert len(item.get("response_body", "")) <= 10 * 1024
        assert datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).tzinfo is not None
    times = [item["created_at"] for item in body["logs"]]
    assert times == sorted(times, reverse=True)


def test_unified_simulator_has_no_late_era_endpoint(unified_http) -> None:
    _, http = unified_http
    for path in ("/v1/logs/675f1c0a9e2b5af0012ab34cd", "/v1/posts/65f1c0a9e2b5af0012ab34cd/logs",
                 "/v1/connections/logs", "/v1/posts/logs"):
        answer = http.get(path)
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"  # the 2026-06 envelope {error, type, code}


def test_unified_simulator_limits_days_to_90_and_honours_from_and_to(unified_http) -> None:
    sim, http = unified_http
    assert http.get("/v1/logs", params={"days": 91}).status_code == 400
    assert http.get("/v1/logs", params={"days": 90}).status_code == 200
    now = sim.now()
    start, end = now - timedelta(hours=5), now - timedelta(hours=2)
    iso = {"from": start.isoformat().replace("+00:00", "Z"), "to": end.isoformat().replace("+00:00", "Z")}
    items = http.get("/v1/logs", params={**iso, "limit": 100}).json()["logs"]
    assert items
    assert all(start <= records.time_of(i) <= end for i in items)
    oldest = min(records.time_of(i) for i in sim.retained_logs())
    assert now - oldest > timedelta(days=89)  # 90-day retention


# ---- what the pages and `status` say ---------------------------------------------------------------------


def _drifted_store(root: Path) -> None:
    store = LogStore(root / "demo")
    try:
        report = {"flavor": "unified", "drift": {"status_code is str": 3},
                  "drift_examples": {"status_code is str": "status_code=two hundred"}}
        store.update_state(flavor="unified", last_report=report)
    finally:
        store.close()


def test_the_collector_page_and_sidebar_say_the_contract_and_the_drift(app_env, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    root = tmp_path / "cache"
    app_env(root)
    _drifted_store(root)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/collector.py")
    at.run()
    assert not at.exception
    def unescaped(text: str) -> str:  # the page escapes Markdown in text from Late
        return text.replace("\\", "")

    shown = [t.value for t in at.text]
    assert any("unified /v1/logs" in t and "90 days" in t for t in shown)
    assert "90 days (Late itself keeps 90)" in shown  # nothing says 7 days under the unified contract
    warnings = [unescaped(w.value) for w in at.warning]
    assert any("3 drift(s) from the unified contract" in w and "two hundred" in w for w in warnings)
    assert any(unescaped(c.value).startswith("contract: today's unified") for c in at.sidebar.caption)


def test_status_says_the_contract_and_the_drift(app_env, tmp_path: Path) -> None:
    import io

    from late_logs import cli

    root = tmp_path / "cache"
    app_env(root)
    _drifted_store(root)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["status"], stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "contract: today's unified /v1/logs" in text and "LATE_API_FLAVOR=auto" in text
    assert "drift: 3 drift(s) from the unified contract: 3 x status_code is str" in text


def test_an_optional_step_out_of_time_is_recorded_and_the_pass_finishes(tmp_path) -> None:
    world = UnifiedWorld(tmp_path, flavor="late-1.0")
    world.clock.set(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))
    try:
        report = sync_once(world.client, world.store, step_seconds=0.0)
        assert report.new > 0 and world.store.state()["last_error"] is None
        assert any(e.startswith("connection logs: stopped after 0 s") for e in report.errors)
        assert report.connection_logs == 0
    finally:
        world.close()


def test_post_keys_come_from_either_contract() -> None:
    assert records.post_key_of(SETTLED) == "65f1c0a9e2b5af0012ab34cd"
    assert records.post_key_of({**SETTLED, "metadata": None}) == "req_7f3a"
    assert records.post_key_of({"_id": "x", "postId": {"_id": "p9", "content": "c"}}) == "p9"
    assert records.outcome_of({**SETTLED, "status": None, "action": "post.failed"}) == "failed"


def test_the_gone_note_says_the_contract_s_retention() -> None:
    from late_logs.collector import note_gone

    assert "kept 90 days by Late" in note_gone(records.retention_days_of(FLAVOR_UNIFIED))
    assert "kept 7 days by Late" in note_gone(records.retention_days_of(FLAVOR_LATE))


def test_a_late_item_that_lost_its_id_is_not_stored_again_under_another(tmp_path) -> None:
    # issue 6: items without `_id` were stored again under content-hash ids (1,810 extra rows).
    world = UnifiedWorld(tmp_path, flavor="late-1.0")
    world.clock.set(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))
    try:
        sync_once(world.client, world.store, fetch_details=False)
        before = world.stored()

        def drop_ids(request: httpx.Request, response: httpx.Response) -> httpx.Response:
            body = response.json()
            for item in body.get("logs") or []:
                if isinstance(item, dict) and len(item.get("_id", "")) and hash(item["_id"]) % 2:
                    item.pop("_id")
            return httpx.Response(response.status_code, headers=response.headers, json=body, request=request)

        world.transport.after = drop_ids
        world.store.update_state(watermark=None)  # walk everything again, half of it without ids
        world.clock.advance(60)
        sync_once(world.client, world.store, fetch_details=False)
        after = world.stored()
        assert set(before) <= set(after)
        new_ids = set(after) - set(before)
        truth = {e["_id"] for e in world.sim.retained_logs()}
        assert not {i for i in new_ids if i not in truth}, "an attempt was stored twice under a made-up id"
    finally:
        world.close()


def test_a_late_item_first_listed_without_its_id_and_then_with_it_was_kept_twice(tmp_path) -> None:
    # The reverse of the test above: the made-up id row stayed beside the row under the real `_id`.
    world = UnifiedWorld(tmp_path, flavor="late-1.0")
    world.clock.set(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))

    def drop_ids(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        for item in body.get("logs") or []:
            if isinstance(item, dict) and item.get("_id") and int(item["_id"][-1], 16) % 2:
                item.pop("_id")
        return httpx.Response(response.status_code, headers=response.headers, json=body, request=request)

    try:
        world.transport.after = drop_ids
        sync_once(world.client, world.store, fetch_details=False)
        made_up = [i for i in world.stored() if records.is_made_up_identity(i)]
        assert made_up  # half of the attempts came without `_id`
        world.transport.after = None
        world.store.update_state(watermark=None)  # walk everything again, every item with its id
        world.clock.advance(60)
        report = sync_once(world.client, world.store, fetch_details=False)
        after = world.stored()
        truth = {e["_id"] for e in world.sim.retained_logs()}
        assert set(after) == truth and report.new == 0
        assert world.store.frame()["log_id"].is_unique
        raws = world.store.raw_attempts(after)
        assert all(raw.get("_id") == log_id for log_id, raw in raws.items())
    finally:
        world.close()


def test_simulate_flavor_unified_serves_today_s_api_on_a_port(tmp_path) -> None:
    import os
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATE_API_", "LATE_LOGS_"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, "-m", "late_logs", "simulate", "--flavor", "unified", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = child.stdout.readline()
        assert "(unified)" in line
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/logs", params={"limit": 5},
                                   headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the simulator never answered"
                time.sleep(0.2)
        items = answer.json()["logs"]
        assert items and all("created_at" in i and "_id" not in i for i in items)
        gone = httpx.get(f"http://127.0.0.1:{port}/api/v1/connections/logs",
                         headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5)
        assert gone.status_code == 404
    finally:
        child.terminate()
        child.wait(timeout=10)
        child.stdout.close()
        child.stderr.close()


def test_a_server_ignoring_type_publishing_never_turns_other_logs_into_attempts(tmp_path) -> None:
    uworld = UnifiedWorld(tmp_path, attempts_per_hour=0.2)  # "all" renders every log per page: keep it small
    inner = uworld.sim.transport()

    def every_type(request: httpx.Request) -> httpx.Response | None:
        # A server that ignores `type=publishing`: it answers every category, paged together.
        if params_of(request).get("type") == "publishing":
            url = request.url.copy_set_param("type", "all")
            return inner.handle_request(httpx.Request("GET", url, headers=request.headers))
        return None

    uworld.transport.before = every_type
    report = sync_once(uworld.client, uworld.store)
    assert set(uworld.stored()) == uworld.truth()  # no connection log among the attempts, none missed
    assert report.drift.get("type connections in the publishing listing", 0) > 0
    assert len(uworld.store.connection_logs()) == len(uworld.sim.connection_logs())
    uworld.close()
