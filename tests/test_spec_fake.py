"""The real client and collector driven through an independent fake of today's Zernio API (issue 7).

`tests/spec_fake` is written from the Zernio spec and CONTRACT.md only (it imports nothing from
`late_logs.simulator`), so what passes here is what the project does against the API as documented, not
against its own simulator's reading of it. Tests that pin a defect the project still has are marked
`xfail(strict=True)` with the defect in one sentence: they turn red the day it is fixed, to be unmarked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pandas as pd
import pytest

from late_logs.api import LateClient, LateError, RateLimitedError
from late_logs.collector import PassInterrupted, sync_once
from late_logs.records import FLAVOR_UNIFIED, identity_of, parse_time
from late_logs.store import LogStore
from late_logs.ui.text import pretty_body
from tests.spec_fake import SPEC_KEY, FakeClock, ZernioFake, ZernioWorld
from tests.spec_fake.server import serving
from tests.spec_fake.service import RESTRICTED_KEY
from tests.spec_fake.world import DAY_MS, PLANTED_TOKEN, StoredLog, iso_ms

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
BASE_URL = "https://zernio.com/api"  # the newest spec's server
REPO = Path(__file__).resolve().parents[1]
ZERNIO_SPEC = REPO.parent / "shared" / "late-api" / "zernio-openapi-full-2026-08-22.yaml"


class Churning(httpx.BaseTransport):
    """The fake's transport, with the clock moved on by `step` seconds before each request: logs of the
    world's head stream land between two pages, as they do on a busy account."""

    def __init__(self, fake: ZernioFake, clock: FakeClock, step: float) -> None:
        self.inner, self.clock, self.step = fake.transport(), clock, step

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.clock.advance(self.step)
        return self.inner.handle_request(request)


class Account:
    """A Zernio account (the fake), a client on a fake clock, and a store in tmp_path."""

    def __init__(self, tmp_path: Path, *, key: str = SPEC_KEY, rate_limit: int = 60, churn: float = 0.0,
                 **world_options: object) -> None:
        self.clock = FakeClock(NOW)
        self.fake = ZernioFake(ZernioWorld.generate(NOW, **world_options), self.clock.time,
                               rate_limit=rate_limit)
        transport = Churning(self.fake, self.clock, churn) if churn else self.fake.transport()
        self.client = LateClient(key, BASE_URL, transport=transport, sleep=self.clock.sleep,
                                 clock=self.clock.time)
        self.directory = tmp_path / "store"
        self.store = LogStore(self.directory)

    def sync(self, **options: object):
        return sync_once(self.client, self.store, **options)

    def truth_ids(self, log_type: str = "publishing") -> set[str]:
        return {identity_of(item) for item in self.fake.truth(log_type)}

    def assert_every_log_kept(self) -> None:
        """Every log the API keeps is stored once; anything more stored is only what aged out of the 90 days
        since (the store keeps it: nothing is lost)."""
        stored, truth = set(self.stored()), self.truth_ids()
        assert truth <= stored
        raws = self.store.raw_attempts(stored - truth)
        edge = datetime.fromtimestamp(self.clock.time(), tz=UTC) - timedelta(days=90)
        assert all(parse_time(raw.get("created_at")) < edge for raw in raws.values())

    def stored(self) -> dict[str, str]:
        frame = self.store.frame()
        assert frame["log_id"].is_unique
        return dict(zip(frame["log_id"], frame["status"], strict=True))

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def account(tmp_path):
    made = Account(tmp_path)
    yield made
    made.close()


# --- the fake itself, held against the spec --------------------------------------------------------------


@pytest.fixture(scope="module")
def list_logs_schema() -> dict:
    """The 200 schema of `listLogs`, read from the saved spec (only its `/v1/logs` block is parsed: the
    whole 1.5 MB file would cost seconds)."""
    if not ZERNIO_SPEC.exists():
        pytest.skip(f"the Zernio spec is not at {ZERNIO_SPEC}")
    yaml = pytest.importorskip("yaml")
    lines = ZERNIO_SPEC.read_text(encoding="utf-8").splitlines()
    start = lines.index("  /v1/logs:")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  /"))
    block = yaml.safe_load("\n".join(lines[start:end]))
    operation = block["/v1/logs"]["get"]
    assert operation["operationId"] == "listLogs"
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("log_type", ["publishing", "connections"])
def test_the_fake_answers_in_the_spec_s_list_logs_schema_and_no_field_more(account, list_logs_schema,
                                                                            log_type) -> None:
    from jsonschema import Draft202012Validator

    with httpx.Client(transport=account.fake.transport(), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {SPEC_KEY}"}) as http:
        answer = http.get("/v1/logs", params={"type": log_type, "limit": 100})
    body = answer.json()
    validator = Draft202012Validator(list_logs_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not list(validator.iter_errors(body))
    declared = set(list_logs_schema["properties"]["logs"]["items"]["properties"])
    assert body["logs"] and all(set(item) <= declared for item in body["logs"])
    assert all("_id" not in item and "post_id" not in item for item in body["logs"])
    times = [item["created_at"] for item in body["logs"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert answer.headers["X-Request-Id"] and int(answer.headers["X-RateLimit-Reset"]) > 1e9


def test_the_fake_has_only_v1_logs_refuses_bad_keys_and_spends_a_sliding_window(account) -> None:
    with httpx.Client(transport=account.fake.transport(), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {SPEC_KEY}"}) as http:
        for gone in ("/v1/logs/675f1c0a9e2b5af0012ab34cd", "/v1/posts/65f1c0a9e2b5af0012ab34cd/logs",
                     "/v1/connections/logs", "/v1/posts/logs"):
            answer = http.get(gone)
            assert (answer.status_code, answer.json()) == (404, {"error": "Not found"})
        refused = http.get("/v1/logs", headers={"Authorization": "Bearer sk_wrong"})
        assert refused.status_code == 401 and refused.json()["type"] == "authentication_error"
        too_far = http.get("/v1/logs", params={"days": 91}).json()
        assert (too_far["code"], too_far["param"]) == ("invalid_parameter", "days")
        # 4 + 1 requests so far count in the window (a refused key takes no slot): 55 more fill the minute.
        answers = [http.get("/v1/logs", params={"limit": 1}) for _ in range(56)]
    assert len({a.headers["X-Request-Id"] for a in [*answers, refused]}) == 57
    assert answers[-1].status_code == 429 and int(answers[-1].headers["Retry-After"]) >= 1
    assert int(answers[-1].headers["X-RateLimit-Reset"]) >= account.clock.time()
    assert all(a.status_code == 200 for a in answers[:-1])
    account.clock.advance(60)
    with httpx.Client(transport=account.fake.transport(), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {SPEC_KEY}"}) as http:
        assert http.get("/v1/logs").status_code == 200  # the window slid on


# --- the collector through the fake ----------------------------------------------------------------------


def test_auto_detection_picks_the_unified_contract_of_today_s_api(account) -> None:
    report = account.sync()
    assert report.flavor == FLAVOR_UNIFIED
    assert account.client.flavor == FLAVOR_UNIFIED and account.store.state()["flavor"] == FLAVOR_UNIFIED


def test_a_first_pass_stores_every_log_of_the_90_days_kept_not_only_7(account) -> None:
    truth = account.truth_ids()
    oldest = min(datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")) for i in account.fake.truth())
    assert NOW - oldest > timedelta(days=80)  # the fake really keeps logs far older than 7 days
    account.sync()
    assert set(account.stored()) == truth
    assert len(account.store.connection_logs()) == len(account.fake.truth("connections"))


def test_no_pass_asks_a_path_today_s_api_does_not_have(account) -> None:
    account.sync()
    account.clock.advance(3600)
    account.sync()
    assert account.fake.asked and set(account.fake.paths()) == {"/v1/logs"}
    assert all(a.status == 200 for a in account.fake.asked)  # and nothing it asked was refused


@pytest.mark.parametrize("stuck", [False, True])
def test_an_idle_second_pass_costs_at_most_3_requests_and_stores_nothing_twice(tmp_path, stuck) -> None:
    # stuck: the store holds logs pending for good (the recent pending ones have settled meanwhile).
    quiet = Account(tmp_path, recent_pending=0 if not stuck else 6)
    try:
        quiet.sync()
        if stuck:
            quiet.clock.advance(7200)
            quiet.sync()
            assert "pending" in quiet.stored().values()
        before = quiet.stored()
        asked = len(quiet.fake.asked)
        quiet.clock.advance(120)
        report = quiet.sync()
        assert len(quiet.fake.asked) - asked <= 3 and report.requests <= 3
        assert report.new == 0 and quiet.stored() == before
    finally:
        quiet.close()


@pytest.mark.parametrize("bounds", ["inclusive", "half-open"])
def test_logs_landing_at_the_head_while_paging_are_neither_lost_nor_stored_twice(tmp_path, bounds) -> None:
    # A log every 90 s for 3 hours after NOW, and 2 minutes of fake time per request.
    busy = Account(tmp_path, churn=120.0, publishing=400, head_minutes=180)
    busy.fake.bounds = bounds
    try:
        busy.sync()
        frozen_to = max(a.params["to"] for a in busy.fake.asked if "to" in a.params)
        to_ms = datetime.fromisoformat(frozen_to.replace("Z", "+00:00"))
        # All up to the pass's frozen `to` is stored after that one pass: nothing slipped at a page edge.
        upto = {identity_of(i) for i in busy.fake.truth()
                if datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")) <= to_ms}
        assert upto <= set(busy.stored())
        busy.sync()
        busy.clock.advance(4 * 3600)  # the stream has ended and every pending log has settled
        busy.sync()
        busy.assert_every_log_kept()
    finally:
        busy.close()


@pytest.mark.parametrize("bounds", [
    "inclusive",
    "half-open",
])
def test_a_pending_log_that_settles_in_place_ends_as_one_settled_record(account, bounds) -> None:
    # Whether `to` includes its own instant is not in the spec (CONTRACT.md §3): either must work.
    account.fake.bounds = bounds
    account.sync()
    pending_before = {i for i, s in account.stored().items() if s == "pending"}
    assert len(pending_before) >= 3
    account.clock.advance(3600)  # every one that settles has done so by now
    account.sync()
    stored = account.stored()
    truth = {identity_of(i): i["status"] for i in account.fake.truth()}
    assert set(stored) == set(truth)  # one record per log: the settled one replaced the pending one
    settled = [i for i in pending_before if truth[i] != "pending"]
    assert settled and all(stored[i] == truth[i] for i in settled)


def test_neither_the_api_key_nor_a_token_inside_the_logs_reaches_the_store(account) -> None:
    account.sync()
    assert any(PLANTED_TOKEN in i.get("request_body", "") for i in account.fake.truth())
    frame = account.store.frame()
    raws = account.store.raw_attempts(frame["log_id"])
    dumped = json.dumps([raws, account.store.connection_logs(), account.store.state()], default=str)
    assert len(raws) == len(frame) and PLANTED_TOKEN not in dumped and SPEC_KEY not in dumped
    for path in account.directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SPEC_KEY.encode() not in data and PLANTED_TOKEN.encode() not in data, path


def test_a_refusal_s_error_code_and_request_id_are_in_the_last_error(tmp_path) -> None:
    # A restricted key without the publishing group: 403 {error, type, code: insufficient_permissions, ...}
    restricted = Account(tmp_path, key=RESTRICTED_KEY)
    try:
        with pytest.raises(LateError):
            restricted.sync()
        last = restricted.store.state()["last_error"]
        assert "insufficient_permissions" in last
        assert f"req_spec_{len(restricted.fake.asked):05d}" in last  # the id of the refused request
        assert RESTRICTED_KEY not in last
    finally:
        restricted.close()


def test_a_server_error_s_code_and_request_id_are_in_the_last_error(account) -> None:
    account.fake.faults.server_error = True
    account.client.max_retries = 0
    with pytest.raises(LateError):
        account.sync()
    last = account.store.state()["last_error"]
    assert f"req_spec_{len(account.fake.asked):05d}" in last
    assert "internal_error" in last


def test_a_key_refused_on_a_later_pass_ends_in_a_sentence_and_keeps_the_store(account) -> None:
    account.sync()
    before = account.stored()
    account.fake.key = "sk_" + "r0tated" * 9 + "r"  # the key was rotated in the dashboard
    account.clock.advance(600)
    with pytest.raises(LateError) as caught:
        account.sync()
    text = str(caught.value)
    assert "401" in text and "LATE_API_KEY" in text and SPEC_KEY not in text
    assert account.stored() == before


def test_a_pass_killed_half_way_through_the_backfill_is_completed_by_the_next(tmp_path) -> None:
    big = Account(tmp_path, publishing=500)
    stop = threading.Event()
    inner = big.fake.transport()

    class Killing(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if len(big.fake.asked) == 4:
                stop.set()  # the collector is stopped (Ctrl-C) after the head pages, once
            return inner.handle_request(request)

    big.client.close()
    big.client = LateClient(SPEC_KEY, BASE_URL, transport=Killing(), sleep=big.clock.sleep,
                            clock=big.clock.time)
    try:
        with pytest.raises(PassInterrupted):
            big.sync(stop=stop)
        kept = big.stored()
        assert 0 < len(kept) < len(big.truth_ids())
        stop.clear()
        big.clock.advance(60)
        big.sync(stop=stop)
        assert set(big.stored()) == big.truth_ids()
    finally:
        big.close()


def test_an_account_that_has_not_published_yet_still_gets_its_connection_logs(tmp_path) -> None:
    fresh = Account(tmp_path, publishing=0, recent_pending=0, connections=5)
    try:
        report = fresh.sync()
        assert set(fresh.fake.paths()) == {"/v1/logs"}
        assert len(fresh.store.connection_logs()) == 5 and not report.errors
    finally:
        fresh.close()


def test_a_429_storm_ends_in_a_sentence_and_keeps_what_was_stored(account) -> None:
    account.sync()
    before = account.stored()
    account.clock.advance(600)
    account.fake.faults.storm_retry_after = 30
    with pytest.raises(RateLimitedError) as caught:
        account.sync()
    text = str(caught.value)
    assert "429" in text and "Traceback" not in text and SPEC_KEY not in text
    assert text == account.store.state()["last_error"]
    assert account.stored() == before


def test_the_collector_uses_at_most_half_the_advertised_limit_per_minute(tmp_path) -> None:
    # 2,400 logs: ~30 pages, over a minute of requests at 30/min on the fake clock (free tier, 60/min).
    big = Account(tmp_path, publishing=2400)
    try:
        report = big.sync()
        starts = [a.at for a in big.fake.asked]
        assert report.rate_limited == 0 and len(starts) > 25
        per_minute = max(sum(1 for t in starts if s <= t < s + 60) for s in starts)
        assert per_minute <= 0.5 * 60
        assert set(big.stored()) == big.truth_ids()
    finally:
        big.close()


# --- the CLI as a user runs it, against the fake on a real port ---------------------------------------------


def _cli(args: list[str], base_url: str, key: str, cache: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATE_", "STREAMLIT_"))}
    env.update(LATE_API_BASE_URL=base_url, LATE_API_KEY=key, LATE_LOGS_CACHE_DIR=str(cache),
               PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "late_logs", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def live_fake():
    # Real time, and the 1,200/min tier, so the paced client spends ~0.1 s a request.
    fake = ZernioFake(ZernioWorld.generate(datetime.now(UTC)), time.time, rate_limit=1200)
    with serving(fake) as base_url:
        yield fake, base_url


@pytest.fixture(scope="module")
def live_synced(tmp_path_factory):
    """The fake on a real port, and a cache the CLI's `sync` filled from it: (fake, base URL, cache, run)."""
    fake = ZernioFake(ZernioWorld.generate(datetime.now(UTC)), time.time, rate_limit=1200)
    cache = tmp_path_factory.mktemp("spec-fake-cache")
    with serving(fake) as base_url:
        yield fake, base_url, cache, _cli(["sync"], base_url, SPEC_KEY, cache)


def test_cli_sync_then_status_against_the_fake_on_a_real_port(live_synced) -> None:
    fake, base_url, cache, synced = live_synced
    assert synced.returncode == 0, synced.stderr
    truth = len(fake.truth())
    assert f"sync done: {truth} new" in synced.stdout and "contract unified" in synced.stdout
    status = _cli(["status"], base_url, SPEC_KEY, cache)
    assert status.returncode == 0, status.stderr
    assert "unified" in status.stdout and f"stored: {truth} attempts" in status.stdout
    assert "last error: none" in status.stdout
    for out in (synced.stdout, synced.stderr, status.stdout, status.stderr):
        assert SPEC_KEY not in out and "Traceback" not in out
    assert set(fake.paths()) == {"/v1/logs"}


def test_cli_sync_with_a_wrong_key_exits_2_with_one_sentence(live_fake, tmp_path) -> None:
    _, base_url = live_fake
    wrong = "sk_" + "0" * 64
    run = _cli(["sync"], base_url, wrong, tmp_path / "cache")
    assert run.returncode == 2
    assert "401" in run.stderr and "LATE_API_KEY" in run.stderr
    assert "Traceback" not in run.stderr and wrong not in run.stderr + run.stdout


def test_cli_sync_in_a_429_storm_ends_in_a_sentence(live_fake, tmp_path) -> None:
    fake, base_url = live_fake
    fake.faults.storm_retry_after = 3600  # longer than the client sits out: told at once
    run = _cli(["sync"], base_url, SPEC_KEY, tmp_path / "cache")
    assert run.returncode == 1
    assert "Late asks us to wait 1 h" in run.stderr
    assert "Traceback" not in run.stderr and SPEC_KEY not in run.stderr


# --- what the spec leaves open, tried both ways ------------------------------------------------------------


def test_a_server_answering_oldest_first_still_gets_every_log_stored_once(tmp_path) -> None:
    # The order of /v1/logs is documented nowhere (CONTRACT.md §4): the collector may not depend on it.
    upside_down = Account(tmp_path, churn=60.0, head_minutes=60)
    upside_down.fake.order = "oldest"
    try:
        upside_down.sync()
        upside_down.clock.advance(2 * 3600)
        upside_down.sync()
        upside_down.assert_every_log_kept()
    finally:
        upside_down.close()


def test_sharing_the_key_with_the_team_s_publishing_ends_with_every_log_and_no_traceback(tmp_path) -> None:
    # The team spends 45 of the 60 a minute: our 30 a minute do not fit, so the sliding window answers 429s.
    shared = Account(tmp_path, publishing=1500)
    shared.fake.team_requests_per_minute = 45
    try:
        report = shared.sync()
        assert set(shared.stored()) == shared.truth_ids()
        ours = [a.at for a in shared.fake.asked]
        per_minute = max(sum(1 for t in ours if s <= t < s + 60) for s in ours)
        assert per_minute <= 30 and report.requests == len(ours)
    finally:
        shared.close()


@pytest.mark.parametrize("skew_minutes", [-10, 10])
def test_a_client_clock_off_by_ten_minutes_loses_no_log_under_churn(tmp_path, skew_minutes) -> None:
    skewed = Account(tmp_path, churn=60.0, head_minutes=90)
    skewed.client.close()
    skewed.client = LateClient(SPEC_KEY, BASE_URL, transport=Churning(skewed.fake, skewed.clock, 60.0),
                               sleep=skewed.clock.sleep,
                               clock=lambda: skewed.clock.time() + skew_minutes * 60)
    try:
        for _ in range(3):
            skewed.sync()
            skewed.clock.advance(1800)
        skewed.clock.advance(3600)
        skewed.sync()
        skewed.assert_every_log_kept()
    finally:
        skewed.close()


@pytest.mark.parametrize("position", [
    50,
    99,
])
def test_twin_logs_are_both_kept_also_on_either_side_of_a_page_edge(tmp_path, position) -> None:
    # Two logs alike in every field (Late wrote one twice): both are kept and counted (issue 7, point 3).
    twins = Account(tmp_path, recent_pending=0)
    newest_first = sorted(twins.fake.world.logs, key=lambda log: -log.created_ms)
    edge = [log for log in newest_first if log.item["type"] == "publishing"][position]
    twins.fake.world.logs.append(StoredLog(edge.created_ms, dict(edge.seen_at(edge.created_ms + DAY_MS)),
                                           None, None))
    twins.fake.world.logs.sort(key=lambda log: log.created_ms)
    try:
        report = twins.sync()
        assert len(twins.stored()) == len(twins.fake.truth()) and report.twins == 1
        twins.clock.advance(600)
        twins.sync()
        assert len(twins.stored()) == len(twins.fake.truth())
    finally:
        twins.close()


def test_twins_split_by_a_page_edge_keep_their_two_ids_when_the_next_pass_lists_them_on_one_page(
    account,
) -> None:
    # Within the next passes' 30-minute margin, so every pass lists the twins again: first split by the
    # page edge (99 newer logs above them), then both on the second page (50 more landed above).
    account.sync()
    twin = _publishing_like(account, NOW + timedelta(seconds=30), written_after=timedelta(0))
    account.fake.world.logs.append(StoredLog(_ms(twin), dict(twin)))
    account.fake.world.logs.sort(key=lambda log: log.created_ms)
    for i in range(99):
        _publishing_like(account, NOW + timedelta(minutes=1, seconds=4 * i), timedelta(0))
    account.clock.advance(12 * 60)
    report = account.sync()
    assert report.twins == 1 and len(account.stored()) == len(account.fake.truth())
    for i in range(50):
        _publishing_like(account, NOW + timedelta(minutes=12, seconds=4 * i), timedelta(0))
    account.clock.advance(8 * 60)
    again = account.sync()
    assert again.new == 50 and len(account.stored()) == len(account.fake.truth())


def _ms(item: dict) -> int:
    return int(datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).timestamp() * 1000)


# --- the Attempt page over a store the CLI filled from the fake ------------------------------------------


@pytest.fixture(scope="module")
def attempt_page(live_synced, tmp_path_factory) -> tuple[str, dict]:
    """The Attempt page (live mode, the fake's store) of a failed log older than 7 days: its text, and the
    log as the fake holds it."""
    from streamlit.testing.v1 import AppTest

    fake, base_url, cache, _ = live_synced
    store = LogStore(cache)
    try:
        frame = store.frame()
    finally:
        store.close()
    old_enough = pd.Timestamp(datetime.now(UTC) - timedelta(days=20))
    failed = frame[(frame["status"] == "failed") & (frame["created_at"] < old_enough)].iloc[0]
    original = next(i for i in fake.truth() if identity_of(i) == failed["log_id"])
    live = {"LATE_API_BASE_URL": base_url, "LATE_API_KEY": SPEC_KEY, "LATE_LOGS_CACHE_DIR": str(cache),
            "LATE_LOGS_POLL_SECONDS": "0"}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))  # no developer secrets.toml
        for name, value in live.items():
            patch.setenv(name, value)
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
        at.run()
        at.switch_page("pages/log.py")
        at.query_params.update({"id": failed["log_id"]})
        at.run()
        assert not at.exception
        shown = "\n".join(str(e.value) for e in [*at.code, *at.caption, *at.markdown, *at.warning])
    return shown, original


def test_the_attempt_page_of_a_unified_log_shows_no_key_and_its_redacted_entry(attempt_page) -> None:
    shown, original = attempt_page
    assert original["created_at"] in shown and SPEC_KEY not in shown and PLANTED_TOKEN not in shown


def test_the_attempt_page_shows_a_unified_log_s_request_and_response_bodies(attempt_page) -> None:
    shown, original = attempt_page
    assert "did not record this body" not in shown
    assert pretty_body(original["response_body"])[0] in shown


def test_the_attempt_page_does_not_say_7_days_under_the_90_day_contract(attempt_page) -> None:
    shown, _ = attempt_page
    assert "7 days" not in shown


def test_a_log_written_at_the_end_of_a_12_minute_upload_is_not_missed(account) -> None:
    # Whether `created_at` is when an attempt started or when its log was written is not in the spec: a
    # long video upload's log may become readable minutes after the instant it carries.
    account.sync()
    slow = _publishing_like(account, NOW + timedelta(minutes=2), written_after=timedelta(minutes=12))
    quick = _publishing_like(account, NOW + timedelta(minutes=11), written_after=timedelta(0))
    account.clock.advance(12 * 60)  # a pass before the slow one is readable (the quick one moves on)...
    account.sync()
    account.clock.advance(5 * 60)  # ...and one after it became readable
    account.sync()
    assert identity_of(quick) in account.stored() and identity_of(slow) in account.stored()


def test_a_slow_log_behind_a_full_page_of_quicker_ones_was_missed_by_a_walk_stopping_2_minutes_down(
    account,
) -> None:
    # A busy account: 150 logs land in the ten minutes the slow one takes to be written, so the next pass's
    # first page ends above it, more than 2 minutes below the watermark, and a walk stopping there missed it.
    account.sync()
    slow = _publishing_like(account, NOW + timedelta(minutes=1), written_after=timedelta(minutes=13))
    quick = [_publishing_like(account, NOW + timedelta(minutes=1, seconds=4 * i + 4), timedelta(0))
             for i in range(150)]
    account.clock.advance(12 * 60)
    account.sync()
    account.clock.advance(5 * 60)
    report = account.sync()
    stored = account.stored()
    assert identity_of(slow) in stored and all(identity_of(q) in stored for q in quick)
    assert report.list_requests <= 4  # two pages of the 30-minute margin, the pending read and no more


# --- bad input from the API: told, never crashed, nothing good lost -------------------------------------


def _publishing_like(account: Account, created: datetime, written_after: timedelta) -> dict:
    """A copy of a settled publishing log at `created`, readable only `written_after` later."""
    model = _newest_settled(account, 1)[0].item
    created_ms = int(created.timestamp() * 1000)
    item = {**model, "created_at": iso_ms(created_ms), "request_id": f"req_late_{created_ms}"}
    written = created_ms + int(written_after.total_seconds() * 1000)
    account.fake.world.logs.append(StoredLog(created_ms, item, written_ms=written))
    account.fake.world.logs.sort(key=lambda log: log.created_ms)
    return item


def _newest_settled(account: Account, count: int) -> list[StoredLog]:
    logs = account.fake.world.logs
    return [log for log in logs if log.item["type"] == "publishing" and log.settled is None][-count:]


def test_items_that_drift_from_the_spec_are_counted_and_every_other_log_is_stored(account) -> None:
    odd = _newest_settled(account, 5)
    odd[0].item["status_code"] = "200"  # a new type
    odd[1].item["metadata"] = "{not json"  # a string that is not the JSON the spec says
    odd[2].item["status"] = "queued"  # a value outside the spec's enum
    odd[3].item["created_at"] = None  # a null
    odd[4].item["workflow_id"] = {"id": "wf_1"}  # a field the spec does not have
    report = account.sync()
    assert set(account.stored()) == account.truth_ids()
    assert report.drift and sum(report.drift.values()) >= 3
    assert "drift" in report.summary() and "Traceback" not in report.summary()


def test_a_log_dated_1970_is_kept_or_reported_never_counted_and_silently_dropped(account) -> None:
    _newest_settled(account, 1)[0].item["created_at"] = "1970-01-01T00:00:00.000Z"
    report = account.sync()
    stored = account.store.stats().attempts
    assert report.new == stored  # no phantom: what is said to be new is in the store
    assert stored == len(account.fake.truth()) or report.suspicious
