"""The simulated Late API answers like the Late 1.0.1 contract: shapes (checked against the official OpenAPI
schemas), limits, errors, pagination, determinism, a moving clock, rate limits, faults and planted secrets."""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from late_logs.simulator import (
    DEMO_API_KEY,
    HTML_PAYLOADS,
    PLANTED_SECRETS,
    FakeClock,
    Faults,
    SimulatedLate,
    serve,
)

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "late-api" / "late-openapi-full.yaml"
START = datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc)
BASE = "http://simulator.local/api"
ID_PATTERN = re.compile(r"^[0-9a-f]{24,25}$")
TIME_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
PLATFORMS = {
    "tiktok",
    "instagram",
    "facebook",
    "youtube",
    "linkedin",
    "twitter",
    "threads",
    "pinterest",
    "reddit",
    "bluesky",
    "googlebusiness",
    "telegram",
    "snapchat",
}
ACTIONS = {"publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled"}
STATUSES = {"success", "failed", "pending", "skipped"}


# ---- helpers ------------------------------------------------------------------------------------------


def make_sim(**kwargs: Any) -> SimulatedLate:
    kwargs.setdefault("clock", FakeClock(START))
    return SimulatedLate(**kwargs)


def http(sim: SimulatedLate, key: str | None = DEMO_API_KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(transport=sim.transport(), base_url=BASE, headers=headers)


def created(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["createdAt"].replace("Z", "+00:00"))


def walk_pages(client: httpx.Client, path: str = "/v1/logs", **params: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    skip = 0
    while True:
        body = client.get(path, params={**params, "limit": 100, "skip": skip}).json()
        entries.extend(body["logs"])
        pagination = body["pagination"]
        assert pagination["skip"] == skip and pagination["limit"] == 100
        assert pagination["pages"] == math.ceil(pagination["total"] / 100)
        skip += 100
        assert pagination["hasMore"] == (skip < pagination["total"])
        if not pagination["hasMore"]:
            assert len(entries) == pagination["total"]
            return entries


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        pytest.skip(f"the Late OpenAPI spec is not at {SPEC_PATH}")
    yaml = pytest.importorskip("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 400 kB spec ~10x faster
    return yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=loader)


@pytest.fixture(scope="module")
def validate(spec: dict[str, Any]):
    """validate(body, pointer) checks a body against the schema at a JSON pointer into the spec."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:late", Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def check(body: Any, pointer_or_schema: str | dict[str, Any]) -> None:
        schema = (
            pointer_or_schema
            if isinstance(pointer_or_schema, dict)
            else {"$ref": "urn:late#" + pointer_or_schema}
        )
        validator = Draft202012Validator(
            schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check


def response_schema(path: str, status: str = "200") -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/get/responses/{status}/content/application~1json/schema"


def detail_response_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """`{log: PostLogDetail}` with the allOf read the OpenAPI way: the second part overrides PostLog's fields.

    Read as strict JSON Schema the allOf is unsatisfiable (PostLog says accountId is a string, the override
    says object), which is why generators (and CONTRACT.md §2.2) treat it as "extends with overrides".
    """
    assert spec["paths"]["/v1/logs/{logId}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["properties"]["log"] == {"$ref": "#/components/schemas/PostLogDetail"}
    return {
        "type": "object",
        "properties": {"log": {"type": "object", "properties": declared(spec, "PostLogDetail")}},
    }


def declared(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The declared properties of a component schema, the detail's override merged in."""
    schema = spec["components"]["schemas"][name]
    properties: dict[str, Any] = {}
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            part = spec["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
        properties.update(part.get("properties", {}))
    return properties


def assert_only_declared(
    entry: dict[str, Any], properties: dict[str, Any], extra: set[str] = frozenset()
) -> None:
    """The spec allows unknown fields, so check by hand that we invent none (typos would slip through)."""
    unknown = set(entry) - set(properties) - set(extra)
    assert not unknown, f"fields not in the spec: {unknown}"
    for nested in ("request", "response"):
        if nested in entry:
            allowed = set(properties[nested]["properties"])
            assert set(entry[nested]) <= allowed, set(entry[nested]) - allowed


@pytest.fixture(scope="module")
def sim() -> SimulatedLate:
    """The default world at a fixed moment; tests that change the clock or faults make their own."""
    return make_sim()


@pytest.fixture(scope="module")
def client(sim: SimulatedLate):
    with http(sim) as c:
        yield c


@pytest.fixture(scope="module")
def retained(sim: SimulatedLate) -> list[dict[str, Any]]:
    return sim.retained_logs()


# ---- shapes against the spec ----------------------------------------------------------------------------


def test_list_logs_follow_the_spec_schema_and_defaults(client, validate, spec) -> None:
    response = client.get("/v1/logs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    validate(body, response_schema("/v1/logs"))
    assert set(body) == {"logs", "pagination"}
    assert len(body["logs"]) == 50  # default limit
    assert set(body["pagination"]) == {"total", "limit", "skip", "pages", "hasMore"}
    assert body["pagination"]["limit"] == 50 and body["pagination"]["skip"] == 0
    properties = declared(spec, "PostLog")
    for entry in body["logs"]:
        assert_only_declared(entry, properties)
        assert ID_PATTERN.match(entry["_id"])
        assert set(entry["postId"]) == {"_id", "content", "status"}
        assert isinstance(entry["accountId"], str) and ID_PATTERN.match(entry["accountId"])
        assert "rawBody" not in entry.get("request", {}) and "rawBody" not in entry.get("response", {})
        assert "metadata" not in entry
        assert TIME_PATTERN.match(entry["createdAt"])
        assert entry["platform"] in PLATFORMS and entry["action"] in ACTIONS and entry["status"] in STATUSES


def test_detail_follows_the_spec_schema_with_populated_references(client, validate, spec, retained) -> None:
    failed = next(
        e for e in retained if e["status"] == "failed" and e.get("response", {}).get("errorMessage")
    )
    success = next(e for e in retained if e["status"] == "success" and e["action"] == "publish")
    properties = declared(spec, "PostLogDetail")
    for entry in (failed, success):
        response = client.get(f"/v1/logs/{entry['_id']}")
        assert response.status_code == 200
        body = response.json()
        validate(body, detail_response_schema(spec))
        log = body["log"]
        assert_only_declared(log, properties)
        assert log["_id"] == entry["_id"] and log["status"] == entry["status"]
        assert set(log["postId"]) == {"_id", "content", "status", "scheduledFor", "platforms", "mediaItems"}
        assert log["postId"]["_id"] == entry["postId"]["_id"]
        assert set(log["accountId"]) == {"_id", "platform", "username", "displayName"}
        assert log["accountId"]["_id"] == entry["accountId"]
        assert isinstance(log["metadata"], dict) and log["metadata"]
        assert isinstance(log["request"]["rawBody"], str) and len(log["request"]["rawBody"]) <= 5000
        assert isinstance(log["response"]["rawBody"], str) and len(log["response"]["rawBody"]) <= 5000
    assert failed["response"]["errorMessage"] in json.dumps(
        client.get(f"/v1/logs/{failed['_id']}").json(), ensure_ascii=False
    )


def test_raw_bodies_are_cut_at_5000_characters(client, retained) -> None:
    long_posts = [
        e
        for e in retained
        if e["action"] == "publish"
        and len(e["postId"]["content"]) > 5000
        and e["platform"] in ("linkedin", "facebook", "telegram", "googlebusiness", "bluesky")
    ]
    assert long_posts, "the world should contain captions longer than Late's raw-body cut"
    raw = client.get(f"/v1/logs/{long_posts[0]['_id']}").json()["log"]["request"]["rawBody"]
    assert len(raw) == 5000


def test_post_logs_follow_the_spec_schema(client, validate, spec, retained) -> None:
    post_id = next(e["postId"]["_id"] for e in retained if e["action"] == "retry")
    response = client.get(f"/v1/posts/{post_id}/logs")
    assert response.status_code == 200
    body = response.json()
    validate(body, response_schema("/v1/posts/{postId}/logs"))
    assert set(body) == {"logs", "count", "postId"}
    assert body["postId"] == post_id and body["count"] == len(body["logs"])
    expected = [e["_id"] for e in retained if e["postId"]["_id"] == post_id]
    assert [e["_id"] for e in body["logs"]] == expected  # every attempt of the post, newest first
    properties = declared(spec, "PostLog")
    for entry in body["logs"]:
        assert entry["postId"] == post_id  # a plain string here
        assert_only_declared(entry, properties)
    limited = client.get(f"/v1/posts/{post_id}/logs", params={"limit": 1, "skip": 1}).json()
    assert limited["count"] == 1 and limited["logs"][0]["_id"] == expected[0]  # no skip on this path
    assert client.get(f"/v1/posts/{post_id}/logs", params={"limit": 101}).status_code == 400
    assert client.get(f"/v1/posts/{post_id}/logs", params={"limit": 0}).status_code == 400


def test_connection_logs_follow_the_spec_schema_and_filters(client, validate, spec) -> None:
    body = client.get("/v1/connections/logs", params={"limit": 100}).json()
    validate(body, response_schema("/v1/connections/logs"))
    assert body["logs"], "a week should hold some connection events"
    properties = declared(spec, "ConnectionLog")
    for entry in body["logs"]:
        assert_only_declared(entry, properties, extra={"durationMs", "metadata"})
        assert ID_PATTERN.match(entry["_id"])
    times = [created(e) for e in body["logs"]]
    assert times == sorted(times, reverse=True)
    failed = walk_pages(client, "/v1/connections/logs", status="failed")
    assert failed and {e["eventType"] for e in failed} <= {"connect_failed", "reconnect_failed"}
    assert all("error" in e for e in failed)
    succeeded = walk_pages(client, "/v1/connections/logs", status="success")
    assert {e["eventType"] for e in succeeded} <= {"connect_success", "reconnect_success"}
    reconnects = walk_pages(client, "/v1/connections/logs", eventType="reconnect_failed")
    assert reconnects and {e["eventType"] for e in reconnects} == {"reconnect_failed"}
    platform = body["logs"][0]["platform"]
    assert {e["platform"] for e in walk_pages(client, "/v1/connections/logs", platform=platform)} == {
        platform
    }
    for bad in ({"eventType": "bogus"}, {"status": "pending"}, {"days": 8}, {"limit": 101}, {"skip": -1}):
        assert client.get("/v1/connections/logs", params=bad).status_code == 400


# ---- parameters, errors and paths -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"days": 8},
        {"days": 0},
        {"days": "abc"},
        {"limit": 101},
        {"limit": 0},
        {"limit": "1.5"},
        {"skip": -1},
        {"skip": "x"},
        {"status": "bogus"},
        {"platform": "myspace"},
        {"action": "delete"},
    ],
)
def test_out_of_range_or_invalid_parameters_get_400(client, validate, params) -> None:
    response = client.get("/v1/logs", params=params)
    assert response.status_code == 400
    body = response.json()
    validate(body, "/components/schemas/ErrorResponse")
    assert isinstance(body["error"], str) and body["error"]
    name = next(iter(params))
    assert body["details"]["param"] == name


def test_boundary_values_and_all_are_accepted(client) -> None:
    for params in (
        {"days": 1},
        {"days": 7},
        {"limit": 1},
        {"limit": 100},
        {"skip": 0},
        {"status": "all", "platform": "all", "action": "all"},
    ):
        assert client.get("/v1/logs", params=params).status_code == 200, params


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sk_wrong"},
        {"Authorization": DEMO_API_KEY},
        {"Authorization": f"Basic {DEMO_API_KEY}"},
    ],
)
def test_missing_or_wrong_key_gets_401(sim, validate, headers) -> None:
    with httpx.Client(transport=sim.transport(), base_url=BASE, headers=headers) as anonymous:
        for path in ("/v1/logs", "/v1/connections/logs", "/v1/logs/0123456789abcdef01234567"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert response.json() == {"error": "Unauthorized"}
            validate(response.json(), "/components/responses/Unauthorized/content/application~1json/schema")


def test_unknown_ids_and_paths_get_404(client, validate) -> None:
    for path in (
        "/v1/logs/0123456789abcdef01234567",
        "/v1/logs/not-an-id",
        "/v1/posts/ffffffffffffffffffffffff/logs",
        "/v1/posts/xyz/logs",
        "/v1/nothing-here",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Not found"}
        validate(response.json(), "/components/responses/NotFound/content/application~1json/schema")


def test_any_prefix_before_v1_is_answered(sim) -> None:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    bodies = set()
    for base in ("http://simulator.local/api", "http://simulator.local", "http://localhost:8787/late/api"):
        with httpx.Client(transport=sim.transport(), base_url=base, headers=headers) as c:
            bodies.add(c.get("/v1/logs", params={"limit": 5}).content)
            bodies.add(c.get("/v1/posts/logs", params={"limit": 5}).content)  # the 1.0.1 replacement path
    assert len(bodies) == 1


# ---- pagination, filters, window --------------------------------------------------------------------------


def test_pages_cover_every_entry_once_newest_first_at_a_fixed_clock() -> None:
    sim = make_sim(attempts_per_hour=8)
    with http(sim) as c:
        entries = walk_pages(c)
    ids = [e["_id"] for e in entries]
    assert len(ids) == len(set(ids)) > 200
    assert ids == [e["_id"] for e in sim.retained_logs()]
    assert [created(e) for e in entries] == sorted((created(e) for e in entries), reverse=True)
    with http(sim) as c:
        beyond = c.get("/v1/logs", params={"skip": len(ids) + 10}).json()
    assert beyond["logs"] == [] and beyond["pagination"]["total"] == len(ids)
    assert beyond["pagination"]["hasMore"] is False


def test_filters_select_exactly_the_matching_entries(client, retained) -> None:
    for params in (
        {"status": "failed"},
        {"status": "pending"},
        {"platform": "telegram"},
        {"action": "retry"},
        {"platform": "instagram", "status": "failed", "action": "publish"},
    ):
        expected = [e["_id"] for e in retained if all(e[k] == v for k, v in params.items())]
        body = client.get("/v1/logs", params={**params, "limit": 100}).json()
        assert body["pagination"]["total"] == len(expected), params
        assert [e["_id"] for e in body["logs"]] == expected[:100]


def test_days_limits_the_window(sim, client, retained) -> None:
    now = sim.now()
    for days in (1, 3):
        body = client.get("/v1/logs", params={"days": days, "limit": 100}).json()
        expected = [e for e in retained if created(e) >= now - timedelta(days=days)]
        assert body["pagination"]["total"] == len(expected)
        assert all(created(e) >= now - timedelta(days=days) for e in body["logs"])
    assert min(created(e) for e in retained) >= now - timedelta(days=7)
    assert max(created(e) for e in retained) <= now


# ---- determinism and a moving clock -----------------------------------------------------------------------


def test_same_seed_and_clock_give_identical_bodies(retained) -> None:
    one, two = make_sim(seed=11, attempts_per_hour=10), make_sim(seed=11, attempts_per_hour=10)
    with http(one) as a, http(two) as b:
        page_a = a.get("/v1/logs", params={"limit": 100, "skip": 300})
        page_b = b.get("/v1/logs", params={"limit": 100, "skip": 300})
        assert page_a.content == page_b.content
        log_id = page_a.json()["logs"][7]["_id"]
        assert a.get(f"/v1/logs/{log_id}").content == b.get(f"/v1/logs/{log_id}").content
        assert a.get("/v1/connections/logs").content == b.get("/v1/connections/logs").content
    other = make_sim(seed=12, attempts_per_hour=10)
    with http(other) as c:
        assert c.get("/v1/logs", params={"limit": 100, "skip": 300}).content != page_a.content
    assert [e["_id"] for e in make_sim().retained_logs()] == [e["_id"] for e in retained]


def test_new_attempts_arrive_and_old_ones_age_out_as_the_clock_moves() -> None:
    clock = FakeClock(START)
    sim = make_sim(clock=clock)
    before = sim.retained_logs()
    oldest = before[-1]
    clock.advance(3600)
    after = sim.retained_logs()
    before_ids = {e["_id"] for e in before}
    new = [e for e in after if e["_id"] not in before_ids]
    assert len(new) > 10
    assert min(created(e) for e in new) > created(before[0]) - timedelta(hours=1)
    assert all(created(e) > START for e in new)
    assert oldest["_id"] not in {e["_id"] for e in after}  # older than 7 days now
    with http(sim) as c:
        assert c.get(f"/v1/logs/{oldest['_id']}").status_code == 404
        assert c.get(f"/v1/logs/{new[0]['_id']}").status_code == 200


def test_pending_attempts_settle_under_the_same_id_and_some_stay_stuck() -> None:
    clock = FakeClock(START)
    sim = make_sim(clock=clock)
    pending = [e for e in sim.retained_logs() if e["status"] == "pending"]
    assert pending
    clock.advance(4 * 3600)
    with http(sim) as c:
        later = {e["_id"]: c.get(f"/v1/logs/{e['_id']}").json()["log"] for e in pending}
    settled = [log for log in later.values() if log["status"] != "pending"]
    stuck = [log for log in later.values() if log["status"] == "pending"]
    assert settled and {log["status"] for log in settled} <= {"success", "failed"}
    assert stuck, "some attempts should stay pending for hours (stuck)"
    assert any(log["status"] == "success" and log["response"].get("platformPostId") for log in settled)


def test_a_dead_token_fails_every_later_attempt_with_the_same_error(sim, retained) -> None:
    dead = sim.dead_tokens()
    assert dead, "at the fixed test moment one account's token is dead"
    account = dead[0]
    since = datetime.fromisoformat(account["deadSince"].replace("Z", "+00:00"))
    after = [
        e
        for e in retained
        if e["accountId"] == account["accountId"] and created(e) >= since and e["action"] != "cancelled"
    ]
    assert len(after) >= 5
    assert {e["status"] for e in after} == {"failed"}
    assert (
        len({(e["statusCode"], e["response"]["errorCode"], e["response"]["errorMessage"]) for e in after})
        == 1
    )
    connections = sim.connection_logs()
    assert any(
        e["eventType"] == "reconnect_failed" and e.get("accountId") == account["accountId"]
        for e in connections
    )


# ---- realism --------------------------------------------------------------------------------------------


def test_the_week_looks_like_real_publishing(sim, retained) -> None:
    assert 0.75 * 60 * 168 <= len(retained) <= 1.25 * 60 * 168
    assert {e["platform"] for e in retained} == PLATFORMS
    assert {e["action"] for e in retained} == ACTIONS
    assert {e["status"] for e in retained} == STATUSES
    assert 20 <= len({e["accountId"] for e in retained}) <= 40
    failure_rate = sum(e["status"] == "failed" for e in retained) / len(retained)
    assert 0.08 <= failure_rate <= 0.17
    messages = " | ".join(e.get("response", {}).get("errorMessage", "") for e in retained)
    codes = {e.get("response", {}).get("errorCode") for e in retained}
    for expected in (
        "Session has expired",
        "(#200)",
        "Media ID is not available",
        "(#368)",
        "duplicate content",
        "The token used in the request has been revoked",
    ):
        assert expected in messages, expected
    assert {"spam_risk_too_many_posts", "quotaExceeded", "REVOKED_ACCESS_TOKEN", "ETIMEDOUT"} <= codes
    assert any(e["status"] == "failed" and not e.get("response") for e in retained)  # "Unknown Error"
    assert any(e["status"] == "failed" and e.get("statusCode", 0) >= 500 for e in retained)
    assert {2, 3} <= {e["attemptNumber"] for e in retained if e["action"] == "retry"}
    endpoints = {e.get("endpoint", "") for e in retained}
    for host in (
        "graph.facebook.com/v19.0/",
        "open.tiktokapis.com/v2/post/publish/video/init/",
        "api.linkedin.com/rest/posts",
        "www.googleapis.com/upload/youtube/v3/videos",
        "api.twitter.com/2/tweets",
        "api.telegram.org/bot",
    ):
        assert any(host in endpoint for endpoint in endpoints), host
    platforms_per_post: dict[str, set[str]] = {}
    for e in retained:
        platforms_per_post.setdefault(e["postId"]["_id"], set()).add(e["platform"])
    assert Counter(len(p) for p in platforms_per_post.values()).keys() == {1, 2, 3, 4}


def test_planted_secrets_html_and_non_latin_text_are_really_served(client, retained) -> None:
    served: list[str] = []
    for params in ({"platform": "telegram"}, {"platform": "instagram"}, {"platform": "facebook"}):
        served.append(client.get("/v1/logs", params={**params, "limit": 100}).text)
    refreshes = [e for e in retained if e["action"] == "token_refresh" and e["status"] == "success"]
    by_platform = {e["platform"]: e["_id"] for e in refreshes}
    tweets = [e["_id"] for e in retained if e["platform"] == "twitter" and e["action"] == "publish"][:20]
    for log_id in [*by_platform.values(), *tweets]:
        served.append(client.get(f"/v1/logs/{log_id}").text)
    served.append(client.get("/v1/connections/logs", params={"limit": 100}).text)
    text = "\n".join(served)
    missing = [secret for secret in PLANTED_SECRETS if secret not in text]
    assert not missing, f"planted secrets never served: {missing}"
    assert "access_token=" in text and "Bearer " in text and "refresh_token" in text

    contents = " ".join(e["postId"]["content"] for e in retained)
    assert "<script>alert(1)</script>" in contents and "<img src=x onerror=alert(1)>" in contents
    assert any(payload in contents for payload in HTML_PAYLOADS[2:])
    assert re.search(r"[\u3040-\u30ff]", contents) and re.search(r"[\u0600-\u06ff]", contents)
    assert re.search(r"[\U0001F300-\U0001FAFF]", contents)
    hostile = next(e for e in retained if "<script>" in e["postId"]["content"])
    assert (
        "<script>alert(1)</script>"
        in client.get(f"/v1/logs/{hostile['_id']}").json()["log"]["postId"]["content"]
    )


# ---- rate limits and faults ------------------------------------------------------------------------------


def test_sliding_window_rate_limit_uses_the_simulator_clock(validate) -> None:
    clock = FakeClock(START)
    sim = make_sim(clock=clock, rate_limit_per_minute=5)
    with http(sim) as c:
        remaining = []
        for _ in range(5):
            response = c.get("/v1/logs", params={"limit": 1})
            assert response.status_code == 200
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
            clock.advance(1)
        assert remaining == [4, 3, 2, 1, 0]
        limited = c.get("/v1/logs", params={"limit": 1})
        assert limited.status_code == 429
        validate(limited.json(), "/components/schemas/ErrorResponse")
        assert limited.json()["error"] == "Rate limit exceeded" and isinstance(
            limited.json()["details"], dict
        )
        assert limited.headers["X-RateLimit-Limit"] == "5" and limited.headers["X-RateLimit-Remaining"] == "0"
        # The first request was at START; its slot frees 60 s later, 55 s from now.
        assert int(limited.headers["Retry-After"]) == 55
        assert int(limited.headers["X-RateLimit-Reset"]) == int(START.timestamp()) + 60
        clock.advance(55)
        assert c.get("/v1/logs", params={"limit": 1}).status_code == 200
        assert c.get("/v1/logs", params={"limit": 1}).status_code == 429  # only one slot freed


def test_every_response_carries_rate_limit_headers(sim) -> None:
    with http(sim) as good, http(sim, key="sk_wrong") as bad:
        responses = [
            good.get("/v1/logs"),
            good.get("/v1/logs", params={"days": 9}),
            good.get("/v1/logs/nope"),
            bad.get("/v1/logs"),
        ]
    for response in responses:
        for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            assert response.headers[header].isdigit(), (response.status_code, header)


def test_rate_limit_storm_fault() -> None:
    sim = make_sim(faults=Faults(rate_limit_storm=True))
    with http(sim) as c:
        for _ in range(3):
            response = c.get("/v1/logs")
            assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
            assert response.headers["X-RateLimit-Remaining"] == "0"
        sim.faults.rate_limit_storm = False
        assert c.get("/v1/logs").status_code == 200


def test_server_error_fault_rate_is_seeded() -> None:
    def statuses(seed: int) -> list[int]:
        sim = make_sim(seed=seed, attempts_per_hour=2, faults=Faults(server_error_rate=0.5))
        with http(sim) as c:
            return [c.get("/v1/logs", params={"limit": 1}).status_code for _ in range(40)]

    first = statuses(3)
    assert first == statuses(3)
    assert set(first) - {200} <= {500, 502, 503} and len(set(first) - {200}) >= 2
    assert 8 <= first.count(200) <= 32
    sim = make_sim(faults=Faults(server_error_rate=1.0))
    with http(sim) as c:
        assert all(c.get("/v1/logs").status_code >= 500 for _ in range(5))


def test_slow_fault_waits_before_answering() -> None:
    waits: list[float] = []
    sim = make_sim(faults=Faults(slow_seconds=2.5), sleep=waits.append)
    with http(sim) as c:
        assert c.get("/v1/logs").status_code == 200
    assert waits == [2.5]


def test_truncate_fault_cuts_bodies_in_half(sim) -> None:
    truncated = make_sim(faults=Faults(truncate_rate=1.0))
    with http(truncated) as c, http(sim) as whole:
        cut = c.get("/v1/logs", params={"limit": 10})
        full = whole.get("/v1/logs", params={"limit": 10})
    assert cut.status_code == 200
    assert len(cut.content) == len(full.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


# ---- the real server and the clock ------------------------------------------------------------------------


def test_serve_answers_real_http_on_a_free_port() -> None:
    started = threading.Event()
    servers: list[Any] = []

    def ready(server: Any) -> None:
        servers.append(server)
        started.set()

    sim = make_sim(attempts_per_hour=5)
    thread = threading.Thread(target=serve, kwargs={"port": 0, "sim": sim, "ready": ready}, daemon=True)
    thread.start()
    assert started.wait(10)
    host, port = servers[0].server_address[:2]
    assert host == "127.0.0.1"
    try:
        base = f"http://{host}:{port}/api"
        with httpx.Client(base_url=base, timeout=10) as c:
            ok = c.get("/v1/logs", params={"limit": 3}, headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
            denied = c.get("/v1/logs")
        assert ok.status_code == 200 and len(ok.json()["logs"]) == 3
        assert ok.headers["X-RateLimit-Limit"] == "1200"
        assert ok.json()["logs"] == sim.retained_logs()[:3]
        assert denied.status_code == 401 and denied.json() == {"error": "Unauthorized"}
    finally:
        servers[0].shutdown()
        thread.join(10)
    assert not thread.is_alive()


def test_fake_clock_moves_only_forward_and_serves_the_client_side() -> None:
    clock = FakeClock(START)
    assert clock() == START
    clock.advance(90)
    clock.sleep(30)
    assert clock() == START + timedelta(minutes=2)
    assert clock.time() == (START + timedelta(minutes=2)).timestamp()
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 1, 1))


def test_repr_never_shows_the_key() -> None:
    sim = make_sim(api_key="sk_very_secret_key_123")
    assert "sk_very_secret_key_123" not in repr(sim)
