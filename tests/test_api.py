"""LateClient driven through httpx.MockTransport handlers: requests sent, waits taken, typed errors raised."""

from __future__ import annotations

import json
import pickle
import random
import threading
import traceback
from typing import Callable

import httpx
import pytest

from late_logs.api import (
    DEFAULT_BASE_URL,
    MAX_WAIT_SECONDS,
    AuthError,
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    LateClient,
    LateError,
    NotFoundError,
    Page,
    RateLimitedError,
    ServerError,
    UnreachableError,
)
from late_logs.simulator import DEMO_API_KEY, FakeClock, SimulatedLate

API_KEY = "sk_" + "5ecret" * 10 + "abcd"  # 67 characters, like a real Late key
BASE = "https://late.test/api"
T0 = 1_750_000_000.0

LIST_BODY = {
    "logs": [
        {"_id": "675f1c0a9e2b5af0012ab34cd", "platform": "instagram", "status": "success"},
        {"_id": "675f1c0a9e2b5af0012ab34ce", "platform": "twitter", "status": "failed"},
    ],
    "pagination": {"total": 150, "limit": 2, "skip": 0, "pages": 75, "hasMore": True},
}


class FakeTime:
    """A clock that only moves when the client sleeps; records every wait."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class Recorder:
    """An httpx handler that answers from a script of responses (the last one repeats) and keeps requests."""

    def __init__(self, *script: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]):
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step


def ok(body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, json=LIST_BODY if body is None else body, headers=headers)


def make_client(
    handler: Recorder, fake: FakeTime | None = None, **kwargs: object
) -> tuple[LateClient, FakeTime]:
    fake = fake or FakeTime()
    client = LateClient(
        API_KEY,
        BASE,
        transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(1),
        **kwargs,  # type: ignore[arg-type]
    )
    return client, fake


def assert_no_key(exc: BaseException) -> None:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for text in texts:
        assert API_KEY not in text
        assert "5ecret" not in text
    # Nothing chained that could carry the request (and its Authorization header).
    assert exc.__cause__ is None
    assert exc.__context__ is None
    if isinstance(exc, LateError):
        again = pickle.loads(pickle.dumps(exc))
        assert (type(again), again.message, again.status) == (type(exc), exc.message, exc.status)


# --- requests on the wire ----------------------------------------------------------------------------


def test_list_logs_sends_auth_headers_and_params_and_returns_the_page() -> None:
    handler = Recorder(ok())
    client, _ = make_client(handler)
    page = client.list_logs(status="failed", platform="twitter", action="publish", days=3, limit=2, skip=4)
    (request,) = handler.requests
    assert request.method == "GET"
    assert request.url.path == "/api/v1/logs"
    assert dict(request.url.params) == {
        "status": "failed", "platform": "twitter", "action": "publish", "days": "3", "limit": "2", "skip": "4"
    }
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == "late-logs/0.1"
    assert isinstance(page, Page)
    assert page.items == LIST_BODY["logs"]
    assert page.pagination == LIST_BODY["pagination"]
    assert (page.status_code, page.skip, page.limit, page.total, page.has_more) == (200, 4, 2, 150, True)
    assert client.stats.requests == 1 and client.stats.retries == 0


def test_list_logs_defaults_and_omits_unset_filters() -> None:
    handler = Recorder(ok())
    client, _ = make_client(handler)
    client.list_logs()
    assert dict(handler.requests[0].url.params) == {"days": "7", "limit": "100", "skip": "0"}


def test_default_base_url_is_the_newest_official_server() -> None:
    # issue 7: the newest spec's server (Zernio) is the default; the Late-era host keeps working when set.
    handler = Recorder(ok())
    client = LateClient(API_KEY, transport=httpx.MockTransport(handler))
    client.list_logs()
    assert DEFAULT_BASE_URL == "https://zernio.com/api"
    assert str(handler.requests[0].url).startswith("https://zernio.com/api/v1/logs?")
    old = LateClient(API_KEY, "https://getlate.dev/api", transport=httpx.MockTransport(handler))
    old.list_logs()
    assert str(handler.requests[1].url).startswith("https://getlate.dev/api/v1/logs?")


def test_connection_logs_uses_event_type_param() -> None:
    body = {"logs": [{"_id": "c1", "eventType": "connect_failed"}], "pagination": {"hasMore": False}}
    handler = Recorder(ok(body))
    client, _ = make_client(handler)
    page = client.list_connection_logs(
        platform="tiktok", event_type="connect_failed", status="failed", days=1
    )
    request = handler.requests[0]
    assert request.url.path == "/api/v1/connections/logs"
    assert dict(request.url.params) == {
        "platform": "tiktok", "eventType": "connect_failed", "status": "failed", "days": "1", "limit": "100",
        "skip": "0",
    }
    assert page.items == body["logs"] and page.has_more is False


def test_get_log_quotes_the_id_and_returns_the_log_object() -> None:
    handler = Recorder(ok({"log": {"_id": "a/b c", "metadata": {"x": 1}}}))
    client, _ = make_client(handler)
    assert client.get_log("a/b c") == {"_id": "a/b c", "metadata": {"x": 1}}
    assert handler.requests[0].url.raw_path == b"/api/v1/logs/a%2Fb%20c"


def test_get_post_logs_sends_limit_only_and_returns_the_list() -> None:
    body = {"logs": [{"_id": "1"}, {"_id": "2"}], "count": 2, "postId": "p?1"}
    handler = Recorder(ok(body))
    client, _ = make_client(handler)
    assert client.get_post_logs("p?1", limit=50) == body["logs"]
    request = handler.requests[0]
    assert request.url.raw_path == b"/api/v1/posts/p%3F1/logs?limit=50"


def test_trailing_slash_in_base_url_is_ignored() -> None:
    handler = Recorder(ok())
    client = LateClient(API_KEY, BASE + "/", transport=httpx.MockTransport(handler))
    client.list_logs()
    assert handler.requests[0].url.path == "/api/v1/logs"


def test_no_key_sends_no_authorization_and_says_so_on_401() -> None:
    handler = Recorder(httpx.Response(401, json={"error": "Unauthorized"}))
    client = LateClient(None, BASE, transport=httpx.MockTransport(handler))
    with pytest.raises(AuthError) as caught:
        client.list_logs()
    assert "Authorization" not in handler.requests[0].headers
    assert str(caught.value) == "Late asked for an API key (401); set LATE_API_KEY"


# --- page shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "skip", "limit", "items", "has_more", "total"),
    [
        ({"pagination": {"total": 3}}, 0, 100, [], False, 3),  # no `logs`: an empty page
        ({"logs": [{"_id": "1"}], "pagination": {"total": 3}}, 0, 1, [{"_id": "1"}], True, 3),
        ({"logs": [{"_id": "1"}], "pagination": {"total": 3}}, 2, 1, [{"_id": "1"}], False, 3),
        ({"logs": [{"_id": "1"}, {"_id": "2"}]}, 0, 2, [{"_id": "1"}, {"_id": "2"}], True, None),  # full page
        ({"logs": [{"_id": "1"}]}, 0, 2, [{"_id": "1"}], False, None),
        ({"logs": [{"_id": "1"}, "junk", None, 5]}, 0, 100, [{"_id": "1"}], False, None),
        ({"logs": [{"_id": "1"}], "pagination": {"hasMore": True, "total": "many"}}, 0, 100, [{"_id": "1"}],
         True, None),
        ({"logs": [], "pagination": {"hasMore": True, "total": 9}}, 0, 100, [], False, 9),  # must end a loop
        ({"logs": [], "pagination": "broken"}, 0, 100, [], False, None),
    ],
)
def test_page_shapes_are_tolerated(
    body: dict, skip: int, limit: int, items: list, has_more: bool, total: int | None
) -> None:
    client, _ = make_client(Recorder(ok(body)))
    page = client.list_logs(skip=skip, limit=limit)
    assert (page.items, page.has_more, page.total) == (items, has_more, total)


def test_logs_that_is_not_a_list_is_a_bad_response_without_retry() -> None:
    handler = Recorder(ok({"logs": {"_id": "1"}}))
    client, fake = make_client(handler)
    with pytest.raises(BadResponseError, match="not a list"):
        client.list_logs()
    assert len(handler.requests) == 1 and fake.waits == []


@pytest.mark.parametrize("body", [[1, 2], "text", None, {"nolog": True}, {"log": "x"}])
def test_detail_without_a_log_object_is_a_bad_response(body: object) -> None:
    handler = Recorder(httpx.Response(200, content=json.dumps(body).encode()))
    client, _ = make_client(handler)
    with pytest.raises(BadResponseError) as caught:
        client.get_log("abc")
    assert len(handler.requests) == 1
    assert_no_key(caught.value)


def test_post_logs_missing_logs_is_an_empty_list() -> None:
    client, _ = make_client(Recorder(ok({"count": 0, "postId": "p"})))
    assert client.get_post_logs("p") == []


# --- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days": 8}, {"days": 0}, {"limit": 101}, {"limit": 0}, {"skip": -1}, {"days": "7"}, {"limit": 2.5},
        {"days": True}, {"status": ""}, {"platform": 3},
    ],
)
def test_out_of_range_params_raise_before_sending(kwargs: dict) -> None:
    handler = Recorder(ok())
    client, _ = make_client(handler)
    with pytest.raises(ValueError):
        client.list_logs(**kwargs)
    with pytest.raises(ValueError):
        client.list_connection_logs(**kwargs)
    assert handler.requests == []


def test_bad_ids_and_post_log_limits_raise_before_sending() -> None:
    handler = Recorder(ok())
    client, _ = make_client(handler)
    for bad in ("", "   ", None, 5):
        with pytest.raises(ValueError):
            client.get_log(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            client.get_post_logs(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.get_post_logs("p", limit=101)
    assert handler.requests == []


def test_bad_base_url_and_unsendable_key_are_value_errors_without_the_key() -> None:
    with pytest.raises(ValueError, match="LATE_API_BASE_URL"):
        LateClient(API_KEY, "getlate.dev/api")
    with pytest.raises(ValueError, match="LATE_API_KEY") as caught:
        LateClient(API_KEY[:10] + "\n" + API_KEY[10:], BASE)
    assert "5ecret" not in str(caught.value)


# --- refusals: typed, one sentence, not retried ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "call", "error", "message"),
    [
        (401, {"error": "Unauthorized"}, "list", AuthError,
         "the API key was refused (401); check LATE_API_KEY"),
        (403, None, "detail", ForbiddenError,
         "Late refused access to log 675f1c0a9e2b5af0012ab34cd (403); the API key may lack permission"),
        (404, {"error": "Not found"}, "detail", NotFoundError,
         "Late has no log 675f1c0a9e2b5af0012ab34cd (404): it may be older than Late's 7-day retention"),
        (400, {"error": "days must be <= 7", "details": {}}, "list", BadRequestError,
         "Late rejected the request (400): days must be <= 7"),
        (404, {"error": "Not found"}, "list", NotFoundError,
         f"Late has no endpoint for the publishing logs at {BASE} (404); check LATE_API_BASE_URL"),
        (422, {"message": "nope"}, "list", LateError, "Late answered 422 for the publishing logs: nope"),
    ],
)
def test_refusals_raise_typed_errors_once(
    status: int, body: object, call: str, error: type[LateError], message: str
) -> None:
    response = httpx.Response(status) if body is None else httpx.Response(status, json=body)
    handler = Recorder(response)
    client, fake = make_client(handler)
    with pytest.raises(error) as caught:
        if call == "list":
            client.list_logs()
        else:
            client.get_log("675f1c0a9e2b5af0012ab34cd")
    assert type(caught.value) is error
    assert caught.value.message == message == str(caught.value)
    assert caught.value.status == status
    assert len(handler.requests) == 1 and fake.waits == [] and client.stats.retries == 0
    assert_no_key(caught.value)


def test_post_logs_404_names_the_post() -> None:
    client, _ = make_client(Recorder(httpx.Response(404, json={"error": "Not found"})))
    with pytest.raises(NotFoundError, match=r"^Late has no post p1 \(404\)"):
        client.get_post_logs("p1")


def test_400_text_is_redacted_and_shortened_even_if_the_server_echoes_the_key() -> None:
    body = {"error": f"bad key {API_KEY} and token=abcdef " + "x" * 400}
    client, _ = make_client(Recorder(httpx.Response(400, json=body)))
    with pytest.raises(BadRequestError) as caught:
        client.list_logs()
    assert_no_key(caught.value)
    assert "token=[REDACTED]" in caught.value.message
    assert len(caught.value.message) < 260


def test_400_with_a_plain_text_body_shows_the_text() -> None:
    client, _ = make_client(Recorder(httpx.Response(400, text="limit too large")))
    with pytest.raises(BadRequestError, match=r"\(400\): limit too large$"):
        client.list_logs()


# --- retries -------------------------------------------------------------------------------------------


def test_429_waits_retry_after_then_succeeds() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "3"}, json={"error": "slow down"}), ok())
    client, fake = make_client(handler)
    page = client.list_logs()
    assert page.items == LIST_BODY["logs"]
    assert len(handler.requests) == 2
    assert fake.waits == [3.0]
    assert (client.stats.requests, client.stats.retries, client.stats.rate_limited) == (2, 1, 1)
    assert client.stats.waited_seconds == pytest.approx(3.0)


def test_429_retry_after_wins_over_a_later_reset_from_the_same_answer() -> None:
    headers = {"Retry-After": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 + 60))}
    handler = Recorder(httpx.Response(429, headers=headers), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == [2.0]


def test_429_without_retry_after_waits_until_rate_limit_reset() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 + 42))}
    handler = Recorder(httpx.Response(429, headers=headers), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == [pytest.approx(42.0)]
    assert len(handler.requests) == 2


def test_429_with_a_huge_retry_after_is_said_at_once_not_sat_out() -> None:
    # issue 6: Retry-After 86400 meant 481 s of silence, then "wait a minute"; now one sentence at once.
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "86400"}), ok())
    client, fake = make_client(handler)
    with pytest.raises(RateLimitedError) as caught:
        client.list_logs()
    assert fake.waits == [] and len(handler.requests) == 1
    # T0 = 2025-06-15T15:06:40Z, so a day later is 15:06 UTC on the 16th.
    assert caught.value.message.startswith("Late asks us to wait 24 h; next try at 2025-06-16 15:06 UTC")
    assert caught.value.retry_at == pytest.approx(T0 + 86400)
    assert_no_key(caught.value)


def test_429_waits_up_to_the_cap_are_sat_out() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": str(int(MAX_WAIT_SECONDS))}), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == [MAX_WAIT_SECONDS]


def test_the_wait_cap_is_a_setting() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "600"}), ok())
    client, fake = make_client(handler, max_wait=900)
    client.list_logs()
    assert fake.waits == [600.0]


def test_429_retry_after_as_http_date() -> None:
    date = "Sun, 15 Jun 2025 15:06:50 GMT"  # 10 s after T0 (1_750_000_000 = 2025-06-15T15:06:40Z)
    handler = Recorder(httpx.Response(429, headers={"Retry-After": date}), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == [pytest.approx(10.0)]


def test_429_forever_gives_up_with_rate_limited_error() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "1"}))
    client, fake = make_client(handler, max_retries=2)
    with pytest.raises(RateLimitedError) as caught:
        client.list_logs()
    assert len(handler.requests) == 3
    assert fake.waits == [1.0, 1.0]
    assert client.stats.rate_limited == 3
    assert caught.value.status == 429
    assert "wait a minute" in caught.value.message
    assert_no_key(caught.value)


def test_5xx_retries_with_growing_jittered_backoff_then_succeeds() -> None:
    handler = Recorder(httpx.Response(500), httpx.Response(502), httpx.Response(503), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert len(handler.requests) == 4
    assert len(fake.waits) == 3
    # BASE 0.5 s doubled each time, times a jitter in [0.5, 1.0].
    for number, wait in enumerate(fake.waits):
        assert 0.25 * 2**number <= wait <= 0.5 * 2**number
    assert client.stats.retries == 3


def test_503_retry_after_is_a_floor_for_the_backoff() -> None:
    handler = Recorder(httpx.Response(503, headers={"Retry-After": "5"}), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == [5.0]
    assert client.stats.rate_limited == 0


def test_5xx_every_time_gives_up_with_server_error() -> None:
    handler = Recorder(httpx.Response(503, text="<html>Service Unavailable</html>"))
    client, fake = make_client(handler, max_retries=4)
    with pytest.raises(ServerError) as caught:
        client.get_log("abc")
    assert len(handler.requests) == 5 and len(fake.waits) == 4
    assert caught.value.status == 503
    assert caught.value.message == (
        "Late had a server error (503) for log abc, 5 times; try again in a few minutes"
    )
    assert_no_key(caught.value)


@pytest.mark.parametrize("envelope, code", [
    # CONTRACT.md §2.4: the 1.0.0 schema `{error, details}` (no code), the skill docs `{error, code, details}`
    ({"error": "Internal server error", "details": {}}, None),
    ({"error": "Internal server error", "code": "INTERNAL_ERROR", "details": {}}, "INTERNAL_ERROR"),
    ({"error": "Something went wrong on our side", "type": "api_error", "code": "internal_error"},
     "internal_error"),  # Zernio's 2026-06-17 envelope (CONTRACT.md §2.4)
])
def test_a_5xx_envelope_s_explanation_code_and_request_id_were_dropped_from_the_server_error(
    envelope, code
) -> None:
    handler = Recorder(httpx.Response(500, json=envelope, headers={"X-Request-Id": "req_500_1"}))
    client, _ = make_client(handler, max_retries=1)
    with pytest.raises(ServerError) as caught:
        client.list_logs()
    text = caught.value.message
    assert text.startswith("Late had a server error (500) for the publishing logs, 2 times: ")
    assert envelope["error"] in text and text.endswith("; Late's request id req_500_1")
    assert (f"(code {code})" in text) if code else "(code" not in text
    assert_no_key(caught.value)


def test_max_retries_zero_means_one_attempt() -> None:
    handler = Recorder(httpx.Response(500))
    client, fake = make_client(handler, max_retries=0)
    with pytest.raises(ServerError, match="once"):
        client.list_logs()
    assert len(handler.requests) == 1 and fake.waits == []


def test_truncated_json_is_retried_then_succeeds() -> None:
    handler = Recorder(httpx.Response(200, content=b'{"logs": [{"_id": "1"'), ok())
    client, fake = make_client(handler)
    assert client.list_logs().items == LIST_BODY["logs"]
    assert len(handler.requests) == 2 and len(fake.waits) == 1


def test_truncated_json_every_time_is_a_bad_response() -> None:
    handler = Recorder(httpx.Response(200, content=b'{"log": {"_id": '))
    client, _ = make_client(handler, max_retries=2)
    with pytest.raises(BadResponseError) as caught:
        client.get_log("abc")
    assert len(handler.requests) == 3
    assert "cut off" in caught.value.message
    assert_no_key(caught.value)


def test_connect_error_is_retried_then_succeeds() -> None:
    handler = Recorder(httpx.ConnectError("[Errno 111] Connection refused"), ok())
    client, fake = make_client(handler)
    client.list_logs()
    assert len(handler.requests) == 2 and len(fake.waits) == 1


def test_unreachable_after_retries_says_where_and_what_to_do() -> None:
    handler = Recorder(httpx.ConnectError("[Errno 111] Connection refused"))
    client, fake = make_client(handler, max_retries=3)
    with pytest.raises(UnreachableError) as caught:
        client.list_logs()
    assert len(handler.requests) == 4 and len(fake.waits) == 3
    assert caught.value.message == (
        f"could not reach the Late API at {BASE} ([Errno 111] Connection refused); "
        "check your network or LATE_API_BASE_URL"
    )
    assert caught.value.status is None
    assert_no_key(caught.value)


def test_read_timeout_is_retried_and_reported() -> None:
    handler = Recorder(httpx.ReadTimeout("timed out"))
    client, _ = make_client(handler, max_retries=1, timeout=5.0)
    with pytest.raises(UnreachableError) as caught:
        client.get_post_logs("p1")
    assert len(handler.requests) == 2
    assert "(timed out after 5 s waiting for the answer)" in caught.value.message
    assert_no_key(caught.value)


def test_timeouts_are_explicit() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return ok()

    client = LateClient(API_KEY, BASE, transport=httpx.MockTransport(handler), timeout=7.0)
    client.list_logs()
    assert seen == [{"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}]


def test_exception_raised_by_a_handler_holding_the_key_does_not_leak_it() -> None:
    # The transport's own exception text mentions the header: the client must not repeat it.
    handler = Recorder(httpx.ConnectError(f"refused with Authorization: Bearer {API_KEY}"))
    client, _ = make_client(handler, max_retries=0)
    with pytest.raises(UnreachableError) as caught:
        client.list_logs()
    assert_no_key(caught.value)


# --- pacing ----------------------------------------------------------------------------------------------


def test_spent_window_makes_the_next_request_wait_until_reset() -> None:
    reset = int(T0 + 30)
    spent = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    fresh = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59", "X-RateLimit-Reset": str(reset + 60)}
    handler = Recorder(ok(headers=spent), ok(headers=fresh), ok(headers=fresh))
    client, fake = make_client(handler)
    client.list_logs()
    assert fake.waits == []  # nothing to wait for before the first request
    client.list_logs(skip=100)
    assert fake.waits == [pytest.approx(30.0)]
    client.list_logs(skip=200)
    # The new window has room: no second window wait, only the collector's evenly spread slot of the
    # limit (issue 7: 60 / (0.5 x 60) = 2 s between requests at the default share).
    assert fake.waits == [pytest.approx(30.0), pytest.approx(2.0)]
    assert client.stats.rate_limited == 0
    assert client.stats.waited_seconds == pytest.approx(32.0)


def test_remaining_above_zero_or_reset_in_the_past_does_not_wait() -> None:
    handler = Recorder(
        ok(headers={"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": str(int(T0 + 30))}),
        ok(headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 - 5))}),
        ok(),
    )
    client, fake = make_client(handler)
    for _ in range(3):
        client.list_logs()
    assert fake.waits == []


def test_pacing_wait_is_capped_against_a_skewed_clock() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(T0 + 3600))}
    handler = Recorder(ok(headers=headers), ok())
    client, fake = make_client(handler)
    client.list_logs()
    client.list_logs()
    assert fake.waits == [MAX_WAIT_SECONDS]


def test_small_reset_values_are_read_as_seconds_from_now() -> None:
    handler = Recorder(ok(headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}), ok())
    client, fake = make_client(handler)
    client.list_logs()
    client.list_logs()
    assert fake.waits == [pytest.approx(12.0)]


def test_threads_share_the_client_and_its_stats() -> None:
    lock = threading.Lock()
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        with lock:
            count += 1
        return ok({"log": {"_id": request.url.path.rsplit("/", 1)[-1]}})

    client = LateClient(API_KEY, BASE, transport=httpx.MockTransport(handler))
    results: dict[str, dict] = {}

    def fetch(log_id: str) -> None:
        results[log_id] = client.get_log(log_id)

    threads = [threading.Thread(target=fetch, args=(f"id{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {f"id{n}": {"_id": f"id{n}"} for n in range(16)}
    assert client.stats.requests == count == 16


# --- the key stays secret ---------------------------------------------------------------------------------


def test_repr_shows_base_url_and_whether_a_key_is_set_but_never_the_key() -> None:
    client, _ = make_client(Recorder(ok()))
    assert repr(client) == f"LateClient(base_url={BASE!r}, key_set=True)"
    assert str(client) == repr(client)
    assert API_KEY not in repr(vars(client))  # attributes too (debuggers, st.write)
    assert API_KEY not in repr(client._http.headers)  # httpx shows Authorization as [secure]
    assert repr(LateClient(None, BASE)) == f"LateClient(base_url={BASE!r}, key_set=False)"
    with pytest.raises(TypeError):
        pickle.dumps(client)


def test_log_records_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    handler = Recorder(httpx.Response(500), httpx.Response(429, headers={"Retry-After": "1"}), ok())
    client, _ = make_client(handler)
    client.list_logs()
    assert caplog.records, "retries should be logged"
    assert all(API_KEY not in record.getMessage() for record in caplog.records)
    assert API_KEY not in caplog.text


def test_context_manager_closes_the_connection_pool() -> None:
    handler = Recorder(ok())
    with LateClient(API_KEY, BASE, transport=httpx.MockTransport(handler)) as client:
        client.list_logs()
    with pytest.raises(RuntimeError):
        client.list_logs()


# --- against the simulated Late ---------------------------------------------------------------------------
SIM_BASE = "http://simulator.local/api"


def sim_client(sim: SimulatedLate, clock: FakeClock, key: str = DEMO_API_KEY, **kwargs: object) -> LateClient:
    return LateClient(
        key, SIM_BASE, transport=sim.transport(), sleep=clock.sleep, clock=clock.time, rng=random.Random(3),
        **kwargs,  # type: ignore[arg-type]
    )


def all_pages(fetch: Callable[..., Page], limit: int = 100, **filters: object) -> list[dict]:
    items: list[dict] = []
    skip = 0
    while True:
        page = fetch(limit=limit, skip=skip, **filters)
        items.extend(page.items)
        if not page.has_more:
            return items
        skip += len(page.items)


@pytest.fixture
def sim_world() -> tuple[SimulatedLate, FakeClock]:
    clock = FakeClock()
    return SimulatedLate(clock=clock, attempts_per_hour=6), clock


def test_simulator_paging_returns_every_retained_log(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock)
    items = all_pages(client.list_logs)
    truth = sim.retained_logs()
    assert len(truth) > 300
    assert [e["_id"] for e in items] == [e["_id"] for e in truth]
    assert client.stats.requests == sim.request_count == -(-len(truth) // 100)
    assert client.stats.rate_limited == 0


def test_simulator_filters_reach_the_server(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock)
    failed = all_pages(client.list_logs, status="failed", days=2)
    assert failed and all(e["status"] == "failed" for e in failed)
    assert {e["_id"] for e in failed} < {e["_id"] for e in sim.retained_logs()}


def test_simulator_detail_and_post_logs(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock)
    entry = client.list_logs(limit=1).items[0]
    assert client.get_log(entry["_id"]) == sim.log_detail(entry["_id"])
    post_id = entry["postId"]["_id"] if isinstance(entry["postId"], dict) else entry["postId"]
    history = client.get_post_logs(post_id)
    assert entry["_id"] in {e["_id"] for e in history}
    assert all(e["postId"] == post_id for e in history)


def test_simulator_connection_logs(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock)
    items = all_pages(client.list_connection_logs, limit=10)
    assert items == sim.connection_logs()
    failed = all_pages(client.list_connection_logs, status="failed")
    assert all(e["eventType"] in ("connect_failed", "reconnect_failed") for e in failed)


def test_simulator_rejects_a_wrong_key(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock, key=API_KEY)
    with pytest.raises(AuthError) as caught:
        client.list_logs()
    # The X-Request-Id of the failed call is kept in the sentence (issue 7: users quote it to support).
    assert caught.value.message == (
        "the API key was refused (401); check LATE_API_KEY; Late's request id sim-7-00000001"
    )
    assert sim.request_count == 1
    assert_no_key(caught.value)


def test_simulator_unknown_log_and_unknown_filter(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    client = sim_client(sim, clock)
    with pytest.raises(NotFoundError, match=r"^Late has no log 000000000000000000000000 \(404\)"):
        client.get_log("000000000000000000000000")
    with pytest.raises(BadRequestError, match=r"^Late rejected the request \(400\): .*platform"):
        client.list_logs(platform="myspace")


def test_pacing_keeps_a_full_sync_free_of_429s() -> None:
    clock = FakeClock()
    sim = SimulatedLate(clock=clock, attempts_per_hour=6, rate_limit_per_minute=5)
    client = sim_client(sim, clock)
    items = all_pages(client.list_logs, limit=50)
    assert len(items) == len(sim.retained_logs())
    assert client.stats.rate_limited == 0
    assert client.stats.waited_seconds > 60  # it waited for the window instead of hammering
    assert all(request.status == 200 for request in sim.request_log)


def test_simulator_faults_are_ridden_out(sim_world: tuple[SimulatedLate, FakeClock]) -> None:
    sim, clock = sim_world
    sim.faults.server_error_rate = 0.3
    sim.faults.truncate_rate = 0.2
    client = sim_client(sim, clock, max_retries=10)
    items = all_pages(client.list_logs)
    assert [e["_id"] for e in items] == [e["_id"] for e in sim.retained_logs()]
    assert client.stats.retries > 0


def test_simulator_rate_limit_storm_gives_up_after_waiting(
    sim_world: tuple[SimulatedLate, FakeClock],
) -> None:
    sim, clock = sim_world
    sim.faults.rate_limit_storm = True
    client = sim_client(sim, clock, max_retries=3)
    with pytest.raises(RateLimitedError):
        client.list_logs()
    assert sim.request_count == 4
    assert client.stats.rate_limited == 4
    assert client.stats.waited_seconds == pytest.approx(3 * sim.faults.storm_retry_after)


EMPTY = {"logs": [], "pagination": {"total": 0, "limit": 1, "skip": 0, "pages": 0, "hasMore": False}}


@pytest.mark.parametrize("probe, flavor", [
    # Only the unified API allows days=90 (CONTRACT.md §1.1: Late 1.0.1 caps days at 7, §3: unified 1..90).
    (httpx.Response(200, json=EMPTY), "unified"),
    (httpx.Response(400, json={"error": "days must be between 1 and 7"}), "late-1.0"),
])
def test_an_account_with_no_log_yet_was_left_with_no_contract_although_the_probe_told(probe, flavor) -> None:
    handler = Recorder(httpx.Response(200, json=EMPTY), probe)
    client, _ = make_client(handler)
    assert client.detect_flavor() == flavor and client.flavor == flavor
    first, second = (dict(r.url.params) for r in handler.requests)
    assert first == {"days": "7", "limit": "1", "skip": "0"}
    assert (second["type"], second["days"]) == ("publishing", "90")


def test_a_probe_answered_with_late_1_0_items_is_late_1_0_whatever_it_accepted() -> None:
    handler = Recorder(httpx.Response(200, json=EMPTY), ok())
    client, _ = make_client(handler)
    assert client.detect_flavor() == "late-1.0"
