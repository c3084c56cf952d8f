"""`LateClient`: the one HTTP client for Late's publishing logs, in both contracts Late has served them in.

It owns auth (the key never leaves its host, never shows), the overall deadline per request, same-host
redirects, the bounded retries (paced by its `Pacer`, said by its `Sentences`) and the questions of each
contract (`list_logs`, `list_connection_logs`, `get_log`, `get_post_logs`, `detect_flavor`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import quote

import httpx

from late_logs.api.errors import BadRequestError, BadResponseError, NotInContractError, RedirectedError
from late_logs.api.pacing import Pacer, RateShare
from late_logs.api.paging import Page, log_list, pages
from late_logs.api.sentences import Failure, Sentences
from late_logs.config import DEFAULT_BASE_URL, DEFAULT_RATE_SHARE, FLAVOR_AUTO
from late_logs.records import FLAVOR_LATE, FLAVOR_UNIFIED, FLAVORS, flavor_of_items, retention_days_of
from late_logs.redact import REDACTED, mask_url, redact_text

USER_AGENT = "late-logs/0.1"
# No single wait (Retry-After, X-RateLimit-Reset) lasts longer than this: a skewed clock or a bogus header
# must not freeze a sync for an hour. Late's windows are per minute. A 429 asking for longer is told at once
# (LATE_LOGS_MAX_WAIT_SECONDS changes the cap).
MAX_WAIT_SECONDS = 120.0
# The most one request may take, body included: a server dripping a byte every few seconds never trips
# the per-read timeout, so the client also watches the whole exchange.
DEFAULT_DEADLINE_SECONDS = 60.0
MAX_REDIRECTS = 5
# The contracts' limits (CONTRACT.md §1.1, §1.3, §1.5, §3).
MAX_DAYS = 7
MAX_UNIFIED_DAYS = 90
MAX_LIMIT = 100
# Paths of each contract.
LOGS_PATH = "/v1/logs"
LATE_CONNECTIONS_PATH = "/v1/connections/logs"

log = logging.getLogger(__name__)


@dataclass
class ClientStats:
    """What the client did so far: requests sent, retries, 429s seen and seconds spent waiting."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0


class _HiddenKey:
    """The API key, kept so that printing the client's attributes (a debugger, `vars()`) does not show it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__


def _check_int(name: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def _check_filter(name: str, value: Any) -> str | None:
    # Enum values are not checked against the contract's lists: Late adds platforms (discord) over time,
    # and a value it does not know comes back as a 400 with its own explanation.
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


class LateClient:
    """A synchronous, thread-safe client for Late's publishing logs, in either contract.

    Usage::

        with LateClient(api_key, flavor="auto") as client:
            page = client.list_logs(status="failed", limit=100)
            client.flavor                       # "late-1.0" or "unified" once an answer told
            for page in client.pages(lambda skip: client.list_logs(skip=skip)):
                ...
    """

    def __init__(
        self,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        flavor: str = FLAVOR_AUTO,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
        rate_share: RateShare | float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        base_url = str(base_url).strip().rstrip("/")
        if not base_url.lower().startswith(("http://", "https://")):
            raise ValueError(
                f"the Late API base URL must start with https:// or http://, got {mask_url(base_url)!r}; "
                "check LATE_API_BASE_URL"
            )
        key = api_key.strip() if isinstance(api_key, str) else None
        if key and not all(33 <= ord(ch) <= 126 for ch in key):
            # httpx would raise with the header value in its message; say it without the key instead.
            raise ValueError(
                "the API key contains spaces or characters a header cannot carry; check LATE_API_KEY"
            )
        if flavor not in (FLAVOR_AUTO, *FLAVORS):
            raise ValueError(f"LATE_API_FLAVOR must be auto, late-1.0 or unified, got {flavor!r}")
        _check_int("max_retries", max_retries, 0)
        self.base_url = base_url
        self.max_retries = max_retries
        self.stats = ClientStats()
        self.flavor_setting = flavor
        # The contract in use: fixed by the setting, or learnt from the items of a list answer.
        self.flavor: str | None = None if flavor == FLAVOR_AUTO else flavor
        self.deadline = float(deadline)
        self.max_wait = float(max_wait)
        if isinstance(rate_share, RateShare):
            self.rate_share = rate_share
        else:
            self.rate_share = RateShare(DEFAULT_RATE_SHARE if rate_share is None else float(rate_share))
        self._key = _HiddenKey(key) if key else None
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._timeout_seconds = float(timeout)
        self._pacer = Pacer(
            self.rate_share,
            clock=clock,
            sleep=sleep,
            rng=rng or random.Random(),
            max_wait=self.max_wait,
            stats=self.stats,
            lock=self._lock,
        )
        self._say = Sentences(
            self._scrub,
            base_url=base_url,
            key_set=self._key is not None,
            timeout_seconds=self._timeout_seconds,
            deadline=self.deadline,
            max_wait=self.max_wait,
            clock=clock,
        )
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key.value}"
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            # Redirects are followed by hand (`_send`): within the same host only, so the key never
            # travels to another one, and a move to another host is told in a sentence.
            follow_redirects=False,
        )

    # --- plumbing ---------------------------------------------------------------------------------------

    @property
    def key_is_set(self) -> bool:
        return self._key is not None

    def now(self) -> datetime:
        """The client's clock as an aware UTC datetime (a fake one in tests)."""
        return datetime.fromtimestamp(self._clock(), tz=timezone.utc)

    @property
    def retention_days(self) -> int:
        """How long Late keeps logs under the contract in use (7 until the contract is known)."""
        return retention_days_of(self.flavor)

    def __repr__(self) -> str:
        return f"LateClient(base_url={mask_url(self.base_url)!r}, key_set={self.key_is_set})"

    __str__ = __repr__

    def __getstate__(self) -> None:
        raise TypeError("LateClient cannot be pickled (it holds a connection pool and the API key)")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LateClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _scrub(self, text: str) -> str:
        """Belt and braces: no message we build may contain the key, even if the server echoes it."""
        text = redact_text(text)
        if self._key and self._key.value in text:
            text = text.replace(self._key.value, REDACTED)
        return text

    def _count(self, *, requests: int = 0, retries: int = 0, rate_limited: int = 0) -> None:
        with self._lock:
            self.stats.requests += requests
            self.stats.retries += retries
            self.stats.rate_limited += rate_limited

    def _send(self, path: str, query: Mapping[str, Any]) -> httpx.Response:
        """GET with same-host redirects followed by hand and the whole exchange held to the deadline.

        Raises RedirectedError for another host, _DeadlineExceeded past the deadline, and httpx's
        transport errors as they come.
        """
        started = self._monotonic()
        url: httpx.URL | str = path
        params: Mapping[str, Any] | None = query
        origin = httpx.URL(self.base_url)
        for _ in range(MAX_REDIRECTS + 1):
            remaining = self.deadline - (self._monotonic() - started)
            if remaining <= 0:
                raise _DeadlineExceeded()
            read = max(0.05, min(self._timeout_seconds, remaining))
            request = self._http.build_request(
                "GET", url, params=params, timeout=httpx.Timeout(read, connect=min(10.0, read))
            )
            response = self._http.send(request, stream=True)
            try:
                if response.is_redirect and response.headers.get("Location"):
                    target = request.url.join(response.headers["Location"])
                    same_host = (target.scheme, target.host, target.port) == (
                        origin.scheme,
                        origin.host,
                        origin.port,
                    )
                    if not same_host:
                        raise self._say.moved(target)
                    url, params = target, None
                    continue
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if self._monotonic() - started > self.deadline:
                        raise _DeadlineExceeded()
                response._content = b"".join(chunks)  # what Response.read() does, chunk by chunk
                return response
            finally:
                response.close()
        raise _TooManyRedirects()

    def _get_json(
        self, path: str, params: Mapping[str, Any], what: str, *, urgent: bool = False
    ) -> tuple[dict, httpx.Response]:
        """GET `path` and return its JSON object, retrying what is worth retrying; raises a LateError."""
        query = {k: v for k, v in params.items() if v is not None}
        retries = 0
        while True:
            self._pacer.wait_for_window(urgent)
            failure: Failure | None = None
            response: httpx.Response | None = None
            body: Any = None
            moved: RedirectedError | None = None
            # Exceptions are turned into a Failure here and raised only after the except blocks, so no
            # httpx exception (whose request carries the Authorization header) rides along as __context__.
            try:
                response = self._send(path, query)
            except RedirectedError as exc:
                moved = exc
            except _DeadlineExceeded:
                failure = Failure(
                    "deadline", f"no complete answer within {self.deadline:g} s", retryable=False
                )
            except _TooManyRedirects:
                failure = Failure("unreachable", "too many redirects", retryable=False)
            except httpx.UnsupportedProtocol:
                failure = Failure("unreachable", "the URL needs http:// or https://", retryable=False)
            except httpx.TransportError as exc:
                failure = Failure("unreachable", self._say.short_reason(exc))
            except httpx.DecodingError:  # a compressed body cut off on the way
                failure = Failure("truncated", "undecodable body")
            except httpx.InvalidURL:
                failure = Failure("unreachable", "the URL is not valid", retryable=False)
            self._count(requests=1)
            if moved is not None:
                raise RedirectedError(moved.message)
            if response is not None:
                self._pacer.note_headers(response.headers)
                status = response.status_code
                request_id = response.headers.get("X-Request-Id")
                if status == 429:
                    self._count(rate_limited=1)
                    failure = Failure("rate_limited", "429", status, self._pacer.retry_after(response))
                    failure.request_id = request_id
                    if failure.wait is not None and failure.wait > self.max_wait:
                        raise self._say.long_wait(failure.wait, what, request_id)
                elif status >= 500:
                    # A 503 may say when to come back; that is a floor for the backoff, not a replacement.
                    hint = self._pacer.retry_after(response) if "Retry-After" in response.headers else None
                    failure = Failure(
                        "server", str(status), status, hint, request_id=request_id,
                        said=self._say.envelope_text(response),
                    )
                elif status >= 400:
                    raise self._say.refusal(response, what, self.retention_days)
                elif status >= 300 or status < 200:
                    raise BadResponseError(
                        f"Late answered {status} for {what}, which is not a JSON answer; "
                        f"check LATE_API_BASE_URL{self._say.request_id_note(request_id)}",
                        status,
                    )
                else:
                    try:
                        body = response.json()
                    except ValueError:  # JSONDecodeError or UnicodeDecodeError: cut off on the way
                        failure = Failure("truncated", "incomplete JSON", status, request_id=request_id)
            if failure is None:
                if not isinstance(body, dict):
                    raise BadResponseError(
                        f"Late's answer for {what} was not the JSON object its contract describes "
                        f"(got {type(body).__name__}); check LATE_API_BASE_URL",
                        response.status_code if response is not None else None,
                    )
                assert response is not None
                return body, response
            if retries >= self.max_retries or not failure.retryable:
                raise self._say.give_up(failure, what, retries + 1)
            retries += 1
            self._count(retries=1)
            server_asked = failure.kind == "rate_limited" and failure.wait is not None
            if server_asked:
                wait = failure.wait or 0.0
            else:
                wait = max(self._pacer.backoff(retries - 1), min(failure.wait or 0.0, self.max_wait))
            log.warning(
                "GET %s: %s%s; retry %d of %d in %.1f s",
                path,
                failure.kind,
                f" ({failure.reason})" if failure.reason else "",
                retries,
                self.max_retries,
                wait,
            )
            self._pacer.hold_off(wait, server_asked)

    def _page(
        self, path: str, params: dict[str, Any], what: str, skip: int, limit: int, *, learn: bool = True
    ) -> Page:
        body, response = self._get_json(path, params, what)
        items = log_list(body, what, response.status_code)
        pagination = body.get("pagination")
        flavor = flavor_of_items(items)
        if learn and flavor is not None and self.flavor_setting == FLAVOR_AUTO:
            self.flavor = flavor  # `auto`: the items' shape decides, re-checked on every list answer
        return Page(
            items=items,
            pagination=dict(pagination) if isinstance(pagination, dict) else {},
            status_code=response.status_code,
            headers=response.headers,
            skip=skip,
            limit=limit,
            flavor=flavor,
        )

    # --- paging ------------------------------------------------------------------------------------------

    # The one paging strategy for every listing of both contracts (`paging.pages`), where callers look for it.
    pages = staticmethod(pages)

    # --- the contracts ----------------------------------------------------------------------------------

    def detect_flavor(self, *, first_page_asked: bool = False) -> str | None:
        """The contract this server speaks, asking when `auto` has not learnt it yet.

        A first page valid in both contracts (`days=7`) decides by its items' shape (skipped when the caller
        already asked it, `first_page_asked`); when it is empty, a unified-only question
        (`type=publishing&days=90&limit=1`) does: its items' shape when it has some, else a 400 means
        Late 1.0.x (it allows `days` up to 7) and a 200 means the unified API, which alone accepts 90 days.
        An account that has not published yet is thus still told apart, so its connection logs are read
        where its contract keeps them. Other answers raise as any list request does.
        """
        if self.flavor is not None:
            return self.flavor
        if not first_page_asked:
            probe = self._page(
                LOGS_PATH, {"days": MAX_DAYS, "limit": 1, "skip": 0}, "the publishing logs", 0, 1
            )
            if probe.flavor is not None:
                return self.flavor
        try:
            self._page(
                LOGS_PATH,
                {"type": "publishing", "days": MAX_UNIFIED_DAYS, "limit": 1, "skip": 0},
                "the publishing logs",
                0,
                1,
            )
        except BadRequestError:
            self.flavor = FLAVOR_LATE
        else:
            if self.flavor is None:
                self.flavor = FLAVOR_UNIFIED  # an empty 200 to days=90: only the unified API allows it
        return self.flavor

    def list_logs(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        action: str | None = None,
        days: int | None = None,
        limit: int = 100,
        skip: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        request_id: str | None = None,
        log_type: str = "publishing",
    ) -> Page:
        """One page of publishing logs (`GET /v1/logs`) in the contract in use.

        Late 1.0.1: `days` 1..7 (default 7). Unified: `type`, `days` 1..90 (default 90), `from` = `since`
        and `to` = `until` (aware datetimes), `request_id`. While the contract is unknown the question is
        one both contracts accept (days 1..7, no unified parameters).
        """
        unified = self.flavor == FLAVOR_UNIFIED
        params: dict[str, Any] = {
            "status": _check_filter("status", status),
            "platform": _check_filter("platform", platform),
            "action": _check_filter("action", action),
        }
        if unified:
            params.update(
                type=_check_filter("log_type", log_type),
                days=_check_int("days", MAX_UNIFIED_DAYS if days is None else days, 1, MAX_UNIFIED_DAYS),
                **{
                    "from": _instant_param("since", since),
                    "to": _instant_param("until", until),
                    "request_id": _check_filter("request_id", request_id),
                },
            )
        else:
            params["days"] = _check_int("days", MAX_DAYS if days is None else days, 1, MAX_DAYS)
        params["limit"] = _check_int("limit", limit, 1, MAX_LIMIT)
        params["skip"] = _check_int("skip", skip, 0)
        learn = log_type == "publishing"
        return self._page(LOGS_PATH, params, "the publishing logs", skip, limit, learn=learn)

    def list_connection_logs(
        self,
        *,
        platform: str | None = None,
        event_type: str | None = None,
        status: str | None = None,
        days: int | None = None,
        limit: int = 100,
        skip: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page:
        """One page of connection logs: `/v1/connections/logs` (Late 1.0.1) or `/v1/logs?type=connections`."""
        if self.flavor == FLAVOR_UNIFIED:
            page = self.list_logs(
                platform=platform, status=status, days=days, limit=limit, skip=skip,
                since=since, until=until, log_type="connections",
            )
            return page
        params = {
            "platform": _check_filter("platform", platform),
            "eventType": _check_filter("event_type", event_type),
            "status": _check_filter("status", status),
            "days": _check_int("days", MAX_DAYS if days is None else days, 1, MAX_DAYS),
            "limit": _check_int("limit", limit, 1, MAX_LIMIT),
            "skip": _check_int("skip", skip, 0),
        }
        return self._page(LATE_CONNECTIONS_PATH, params, "the connection logs", skip, limit, learn=False)

    def _late_only(self, what: str) -> None:
        if self.flavor == FLAVOR_UNIFIED:
            # Today's API answers 404 here; asking would only spend the key's rate limit.
            raise NotInContractError(
                f"today's unified Late API has no {what} endpoint; the list entry holds everything Late keeps"
            )

    def get_log(self, log_id: str, *, urgent: bool = False) -> dict:
        """The `log` object of `GET /v1/logs/{logId}` (with raw bodies and populated references).

        `urgent` (a page waiting for it) goes ahead of the collector's paced requests. Late 1.0.1 only.
        """
        log_id = _check_id("log_id", log_id)
        self._late_only("single-log detail")
        what = f"log {log_id}"
        body, response = self._get_json(f"/v1/logs/{quote(log_id, safe='')}", {}, what, urgent=urgent)
        entry = body.get("log")
        if isinstance(entry, dict):
            return entry
        raise BadResponseError(
            f"Late's answer for {what} had no log object; check LATE_API_BASE_URL", response.status_code
        )

    def get_post_logs(self, post_id: str, limit: int = 100) -> list[dict]:
        """Attempts Late holds for one post (`GET /v1/posts/{postId}/logs`; no paging, at most `limit`)."""
        post_id = _check_id("post_id", post_id)
        limit = _check_int("limit", limit, 1, MAX_LIMIT)
        self._late_only("post-logs")
        what = f"post {post_id}"
        body, response = self._get_json(f"/v1/posts/{quote(post_id, safe='')}/logs", {"limit": limit}, what)
        return log_list(body, f"the logs of {what}", response.status_code)


class _DeadlineExceeded(Exception):
    """The request went past the client's overall deadline."""


class _TooManyRedirects(Exception):
    """More same-host redirects than MAX_REDIRECTS."""


def _instant_param(name: str, value: datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

