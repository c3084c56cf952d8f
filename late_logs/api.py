"""`LateClient`: the one HTTP client for Late's publishing logs, in both contracts Late has served them in.

Late API 1.0.1 (CONTRACT.md §1: `/v1/logs`, `/v1/logs/{id}`, `/v1/posts/{id}/logs`, `/v1/connections/logs`)
and today's Zernio API (CONTRACT.md §3: one unified `/v1/logs` with `type`, `days` up to 90, `from`/`to`).
`flavor` says which (`auto` finds out from the first list answer's items). The client owns auth, an overall
deadline per request, bounded retries with jittered backoff, a polite share of the key's rate limit, paging
(`pages`) and typed errors whose message is one plain sentence. It returns Late's raw dicts; `records.py`
is what interprets them.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import quote

import httpx

from late_logs.config import DEFAULT_BASE_URL, DEFAULT_RATE_SHARE, FLAVOR_AUTO
from late_logs.records import FLAVOR_LATE, FLAVOR_UNIFIED, FLAVORS, flavor_of_items, retention_days_of
from late_logs.redact import REDACTED, mask_url, redact_text

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "MAX_WAIT_SECONDS",
    "LateError",
    "AuthError",
    "ForbiddenError",
    "NotFoundError",
    "BadRequestError",
    "RateLimitedError",
    "ServerError",
    "UnreachableError",
    "BadResponseError",
    "RedirectedError",
    "NotInContractError",
    "Page",
    "RateShare",
    "ClientStats",
    "LateClient",
]

USER_AGENT = "late-logs/0.1"
# No single wait (Retry-After, X-RateLimit-Reset) lasts longer than this: a skewed clock or a bogus header
# must not freeze a sync for an hour. Late's windows are per minute. A 429 asking for longer is told at once
# (LATE_LOGS_MAX_WAIT_SECONDS changes the cap).
MAX_WAIT_SECONDS = 120.0
# The most one request may take, body included: a server dripping a byte every few seconds never trips
# the per-read timeout, so the client also watches the whole exchange.
DEFAULT_DEADLINE_SECONDS = 60.0
MAX_REDIRECTS = 5
RATE_WINDOW_SECONDS = 60.0  # Late's limits are per minute (CONTRACT.md §4)
# Exponential backoff for 5xx, timeouts and truncated bodies: BASE * 2**n, capped, with jitter.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
# The contracts' limits (CONTRACT.md §1.1, §1.3, §1.5, §3).
MAX_DAYS = 7
MAX_UNIFIED_DAYS = 90
MAX_LIMIT = 100
# Paths of each contract.
LOGS_PATH = "/v1/logs"
LATE_CONNECTIONS_PATH = "/v1/connections/logs"

log = logging.getLogger(__name__)


class LateError(Exception):
    """Something went wrong talking to Late; `message` is one sentence a person can act on."""

    def __init__(self, message: str, status: int | None = None, retry_at: float | None = None) -> None:
        super().__init__(message, status, retry_at)  # all in args, so the error survives pickling
        self.message = message
        self.status = status
        self.retry_at = retry_at  # epoch seconds Late asked us to wait until, when it said

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class AuthError(LateError):
    """401: the key is missing, wrong or revoked."""


class ForbiddenError(LateError):
    """403: the key may not read this log or post."""


class NotFoundError(LateError):
    """404: no such log or post (aged out of Late's retention), or no such endpoint on this server."""


class BadRequestError(LateError):
    """400: Late rejected the parameters."""


class RateLimitedError(LateError):
    """429 still, after waiting and retrying, or a 429 asking for a longer wait than we accept."""


class ServerError(LateError):
    """5xx still, after retries."""


class UnreachableError(LateError):
    """Connection failures or timeouts, after retries."""


class BadResponseError(LateError):
    """The body was not whole JSON (after retries) or not the object the contract describes."""


class RedirectedError(LateError):
    """Late answered with a redirect to another host; the key is not sent there."""


class NotInContractError(LateError):
    """The contract in use has no such endpoint (today's API has no detail or post-logs read)."""


@dataclass(frozen=True)
class Page:
    """One page of a list endpoint with its response context, so callers can page, pace and report.

    Usage::

        page = client.list_logs(limit=100, skip=0)
        page.items      # raw log entries
        page.has_more   # pagination.hasMore, else inferred from total / a full page; False when empty
    """

    items: list[dict]
    pagination: dict
    status_code: int
    headers: Mapping[str, str]
    skip: int
    limit: int
    flavor: str | None = None  # the contract the items' shape follows, None when they do not tell

    @property
    def request_id(self) -> str | None:
        """Late's X-Request-Id for this page (users quote it to support)."""
        return self.headers.get("X-Request-Id")

    @property
    def total(self) -> int | None:
        value = self.pagination.get("total")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def has_more(self) -> bool:
        if not self.items:
            # An empty page ends paging whatever the pagination says: a loop over pages must terminate.
            return False
        value = self.pagination.get("hasMore")
        if isinstance(value, bool):
            return value
        if self.total is not None:
            return self.skip + len(self.items) < self.total
        # No pagination object: a full page suggests there is another one.
        return len(self.items) >= self.limit > 0


@dataclass
class ClientStats:
    """What the client did so far: requests sent, retries, 429s seen and seconds spent waiting."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0


class RateShare:
    """At most `share` of the key's advertised limit (X-RateLimit-Limit), spread evenly over the minute.

    The key's limit is shared with the team's own publishing, so the collector takes one slot every
    60 / (share x limit) seconds instead of bursting and stalling. `urgent` requests (a page asking for a
    detail now) go at once, ahead of the queue, and push the queue back by their slot. One RateShare is
    shared by every client of one key in a process (`source.open_client`).
    """

    def __init__(self, share: float = DEFAULT_RATE_SHARE) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"the rate share must be above 0 and at most 1, got {share!r}")
        self.share = share
        self.limit: int | None = None
        self._next_at: float | None = None
        self._lock = threading.Lock()

    def note_limit(self, limit: float | None, now: float | None = None) -> None:
        if limit is not None and limit >= 1:
            with self._lock:
                first = self.limit is None
                self.limit = int(limit)
                if first and now is not None:
                    # The request that told us the limit took the first slot.
                    self._next_at = max(self._next_at or now, now + self.interval)

    @property
    def interval(self) -> float:
        """Seconds between two requests at the share; 0 while the limit is not known."""
        limit = self.limit
        return RATE_WINDOW_SECONDS / (self.share * limit) if limit else 0.0

    def reserve(self, now: float, urgent: bool = False) -> float:
        """Take the next slot; returns how long to wait before sending (0 for urgent requests)."""
        with self._lock:
            interval = self.interval
            if interval <= 0:
                return 0.0
            if urgent:
                self._next_at = max(self._next_at or now, now) + interval
                return 0.0
            start = max(now, self._next_at or now)
            self._next_at = start + interval
            return start - now


@dataclass
class _Failure:
    """Why one attempt did not produce a usable response, kept so the final error can be raised cleanly."""

    kind: str  # "unreachable" | "server" | "rate_limited" | "truncated"
    reason: str
    status: int | None = None
    wait: float | None = None  # what the server asked us to wait (429)
    retryable: bool = True
    request_id: str | None = None
    said: str | None = None  # the server's own explanation (`_error_text`), kept for the final sentence


@dataclass
class _Pacing:
    not_before: float | None = None  # clock time before which no request may start
    remaining: int | None = None
    reset_at: float | None = None


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


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


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
        self._sleep = sleep
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._pacing = _Pacing()
        self._timeout_seconds = float(timeout)
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

    def _backoff(self, retry_number: int) -> float:
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**retry_number))
        with self._lock:
            jitter = self._rng.uniform(0.5, 1.0)
        return delay * jitter

    def _reset_to_clock(self, reset: float, now: float) -> float:
        # Late sends epoch seconds; small numbers can only be "seconds from now" (some servers do that).
        return reset if reset > 1e9 else now + reset

    def _note_rate_headers(self, headers: Mapping[str, str]) -> None:
        self.rate_share.note_limit(_header_number(headers, "X-RateLimit-Limit"), self._clock())
        remaining = _header_number(headers, "X-RateLimit-Remaining")
        reset = _header_number(headers, "X-RateLimit-Reset")
        if remaining is None:
            return
        with self._lock:
            now = self._clock()
            self._pacing.remaining = int(remaining)
            self._pacing.reset_at = self._reset_to_clock(reset, now) if reset is not None else None
            if remaining <= 0 and self._pacing.reset_at is not None and self._pacing.reset_at > now:
                # The window is spent: nobody sends before it resets (instead of collecting 429s).
                self._push_not_before(self._pacing.reset_at, now)

    def _push_not_before(self, moment: float, now: float) -> None:
        moment = min(moment, now + self.max_wait)
        if self._pacing.not_before is None or moment > self._pacing.not_before:
            self._pacing.not_before = moment

    def _wait_for_window(self, urgent: bool) -> None:
        with self._lock:
            target = self._pacing.not_before
            now = self._clock()
            wait = 0.0 if target is None else min(target - now, self.max_wait)
        # Our share of the limit: one slot every 60 / (share x limit) s; urgent requests go first.
        share_wait = min(self.rate_share.reserve(now + max(wait, 0.0), urgent), self.max_wait)
        total = max(wait, 0.0) + share_wait
        if total <= 0:
            return
        if wait > 0:
            log.info("waiting %.1f s for Late's rate-limit window", wait)
        self._sleep(total)
        with self._lock:
            self.stats.waited_seconds += total
            # Cleared only if nobody pushed it further meanwhile; a clock that did not move must not make
            # every later request wait again.
            if wait > 0 and self._pacing.not_before == target:
                self._pacing.not_before = None
                self._pacing.remaining = None

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds a 429 asks us to wait (uncapped): Retry-After (seconds or an HTTP date), else
        X-RateLimit-Reset."""
        now = self._clock()
        raw = response.headers.get("Retry-After")
        if raw is not None:
            seconds = _header_number(response.headers, "Retry-After")
            if seconds is None:
                try:
                    seconds = email.utils.parsedate_to_datetime(raw).timestamp() - now
                except (TypeError, ValueError, IndexError, OverflowError):
                    seconds = None
            if seconds is not None:
                return max(0.0, seconds)
        reset = _header_number(response.headers, "X-RateLimit-Reset")
        if reset is not None:
            return max(0.0, self._reset_to_clock(reset, now) - now)
        return None

    def _short_reason(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            kind = {
                httpx.ConnectTimeout: "connecting",
                httpx.ReadTimeout: "waiting for the answer",
                httpx.WriteTimeout: "sending the request",
                httpx.PoolTimeout: "waiting for a free connection",
            }.get(type(exc), "talking to it")
            return f"timed out after {self._timeout_seconds:g} s {kind}"
        if isinstance(exc, httpx.RemoteProtocolError):
            return "the connection closed before the answer was complete"
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        return self._scrub(detail)

    def _error_text(self, response: httpx.Response) -> str:
        """Late's own explanation from an error body, short and redacted, with its machine `code`.

        Both eras: `{error, details}` (Late 1.0.x, code sometimes inside) and Zernio's
        `{error, type, code, param, ...}` (CONTRACT.md §2.4).
        """
        text = ""
        code: str | None = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in ("error", "message", "detail"):
                value = body.get(name)
                if isinstance(value, dict):
                    inner_code = value.get("code")
                    if isinstance(inner_code, (str, int)) and not isinstance(inner_code, bool):
                        code = str(inner_code)
                    value = value.get("message") or value.get("error")
                if isinstance(value, str) and value.strip():
                    text = value.strip()
                    break
            top_code = body.get("code")
            if isinstance(top_code, (str, int)) and not isinstance(top_code, bool) and str(top_code).strip():
                code = str(top_code).strip()
        elif isinstance(body, str):
            text = body.strip()
        if not text:
            try:
                text = response.text.strip()
            except Exception:  # undecodable body: there is no explanation to show
                text = ""
        text = " ".join(text.split())
        if len(text) > 200:
            text = text[:197] + "..."
        text = self._scrub(text) or "no explanation given"
        if code:
            text += f" (code {self._scrub(code[:60])})"
        return text

    def _envelope_text(self, response: httpx.Response) -> str | None:
        """`_error_text` of a JSON error envelope, None for any other body (a proxy's HTML page says
        nothing a person can act on, and is not Late's explanation)."""
        try:
            body = response.json()
        except ValueError:
            return None
        return self._error_text(response) if isinstance(body, dict) else None

    def _request_id_note(self, request_id: str | None) -> str:
        """"; request id X" for a message, so a user can quote it to support."""
        if not request_id:
            return ""
        return f"; Late's request id {self._scrub(request_id.strip()[:80])}"

    def _refusal(self, response: httpx.Response, what: str) -> LateError:
        """The typed, non-retried error for a 4xx answer; `what` names the object ("log 123", "the logs")."""
        status = response.status_code
        rid = self._request_id_note(response.headers.get("X-Request-Id"))
        days = self.retention_days
        if status == 401:
            if not self._key:
                return AuthError(f"Late asked for an API key (401); set LATE_API_KEY{rid}", status)
            return AuthError(f"the API key was refused (401); check LATE_API_KEY{rid}", status)
        if status == 403:
            said = self._error_text(response)
            said = "" if said == "no explanation given" else f": {said}"
            return ForbiddenError(
                f"Late refused access to {what} (403){said}; the API key may lack permission{rid}", status
            )
        if status == 404:
            if what.startswith("log "):
                return NotFoundError(
                    f"Late has no {what} (404): it may be older than Late's {days}-day retention{rid}", status
                )
            if what.startswith("post "):
                return NotFoundError(
                    f"Late has no {what} (404): it may have been deleted, or its logs aged out after "
                    f"{days} days{rid}",
                    status,
                )
            if what == "the connection logs":
                # Late 1.0.1 had this endpoint; today's API keeps connection logs in the unified /v1/logs.
                return NotFoundError(
                    f"Late has no connection-logs endpoint at {self._scrub(self.base_url)} (404); this "
                    f"server may speak today's unified API (LATE_API_FLAVOR=auto or unified reads them "
                    f"there){rid}",
                    status,
                )
            return NotFoundError(
                f"Late has no endpoint for {what} at {mask_url(self.base_url)} (404); "
                f"check LATE_API_BASE_URL{rid}",
                status,
            )
        if status == 400:
            return BadRequestError(
                f"Late rejected the request (400): {self._error_text(response)}{rid}", status
            )
        return LateError(f"Late answered {status} for {what}: {self._error_text(response)}{rid}", status)

    def _moved(self, target: httpx.URL, path: str) -> RedirectedError:
        """The sentence for a redirect to another host, naming the base URL it points to."""
        text = str(target.copy_with(query=None, fragment=None))
        marker = text.find("/v1/")
        new_base = text[:marker] if marker >= 0 else text.rstrip("/")
        return RedirectedError(
            f"Late's API at {self._scrub(self.base_url)} redirects to another host, {self._scrub(new_base)}; "
            f"the API key was not sent there. If that is Late, set LATE_API_BASE_URL={self._scrub(new_base)}"
        )

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
                        raise self._moved(target, path)
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
            self._wait_for_window(urgent)
            failure: _Failure | None = None
            response: httpx.Response | None = None
            body: Any = None
            moved: RedirectedError | None = None
            # Exceptions are turned into a _Failure here and raised only after the except blocks, so no
            # httpx exception (whose request carries the Authorization header) rides along as __context__.
            try:
                response = self._send(path, query)
            except RedirectedError as exc:
                moved = exc
            except _DeadlineExceeded:
                failure = _Failure(
                    "deadline", f"no complete answer within {self.deadline:g} s", retryable=False
                )
            except _TooManyRedirects:
                failure = _Failure("unreachable", "too many redirects", retryable=False)
            except httpx.UnsupportedProtocol:
                failure = _Failure("unreachable", "the URL needs http:// or https://", retryable=False)
            except httpx.TransportError as exc:
                failure = _Failure("unreachable", self._short_reason(exc))
            except httpx.DecodingError:  # a compressed body cut off on the way
                failure = _Failure("truncated", "undecodable body")
            except httpx.InvalidURL:
                failure = _Failure("unreachable", "the URL is not valid", retryable=False)
            self._count(requests=1)
            if moved is not None:
                raise RedirectedError(moved.message)
            if response is not None:
                self._note_rate_headers(response.headers)
                status = response.status_code
                request_id = response.headers.get("X-Request-Id")
                if status == 429:
                    self._count(rate_limited=1)
                    failure = _Failure("rate_limited", "429", status, self._retry_after(response))
                    failure.request_id = request_id
                    if failure.wait is not None and failure.wait > self.max_wait:
                        raise self._long_wait(failure.wait, what, request_id)
                elif status >= 500:
                    # A 503 may say when to come back; that is a floor for the backoff, not a replacement.
                    hint = self._retry_after(response) if "Retry-After" in response.headers else None
                    failure = _Failure(
                        "server", str(status), status, hint, request_id=request_id,
                        said=self._envelope_text(response),
                    )
                elif status >= 400:
                    raise self._refusal(response, what)
                elif status >= 300 or status < 200:
                    raise BadResponseError(
                        f"Late answered {status} for {what}, which is not a JSON answer; "
                        f"check LATE_API_BASE_URL{self._request_id_note(request_id)}",
                        status,
                    )
                else:
                    try:
                        body = response.json()
                    except ValueError:  # JSONDecodeError or UnicodeDecodeError: cut off on the way
                        failure = _Failure("truncated", "incomplete JSON", status, request_id=request_id)
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
                raise self._give_up(failure, what, retries + 1)
            retries += 1
            self._count(retries=1)
            server_asked = failure.kind == "rate_limited" and failure.wait is not None
            if server_asked:
                wait = failure.wait or 0.0
            else:
                wait = max(self._backoff(retries - 1), min(failure.wait or 0.0, self.max_wait))
            log.warning(
                "GET %s: %s%s; retry %d of %d in %.1f s",
                path,
                failure.kind,
                f" ({failure.reason})" if failure.reason else "",
                retries,
                self.max_retries,
                wait,
            )
            with self._lock:
                now = self._clock()
                if server_asked:
                    # Retry-After wins over a later X-RateLimit-Reset noted from the same 429.
                    self._pacing.not_before = now + wait if wait > 0 else None
                else:
                    self._push_not_before(now + wait, now)

    def _long_wait(self, wait: float, what: str, request_id: str | None) -> RateLimitedError:
        """A 429 asking for longer than we wait: said at once, with when to try again."""
        retry_at = self._clock() + wait
        when = datetime.fromtimestamp(retry_at, tz=timezone.utc)
        today = datetime.fromtimestamp(self._clock(), tz=timezone.utc).date()
        moment = when.strftime("%H:%M UTC") if when.date() == today else when.strftime("%Y-%m-%d %H:%M UTC")
        return RateLimitedError(
            f"Late asks us to wait {_duration_text(wait)}; next try at {moment} "
            f"(rate limited on {what}; waits over {_duration_text(self.max_wait)} are not sat out, "
            f"see LATE_LOGS_MAX_WAIT_SECONDS){self._request_id_note(request_id)}",
            429,
            retry_at,
        )

    def _give_up(self, failure: _Failure, what: str, attempts: int) -> LateError:
        tries = "once" if attempts == 1 else f"{attempts} times"
        rid = self._request_id_note(failure.request_id)
        if failure.kind == "rate_limited":
            return RateLimitedError(
                f"Late kept answering 429 (rate limited) for {what}, {tries}; "
                f"wait a minute and try again{rid}",
                429,
            )
        if failure.kind == "server":
            # Late's explanation and its envelope `code` (both eras) are what support asks for first.
            said = "" if failure.said in (None, "no explanation given") else f": {failure.said}"
            return ServerError(
                f"Late had a server error ({failure.status}) for {what}, {tries}{said}; "
                f"try again in a few minutes{rid}",
                failure.status,
            )
        if failure.kind == "truncated":
            return BadResponseError(
                f"Late's answer for {what} was cut off or not JSON, {tries}; try again in a few minutes{rid}",
                failure.status,
            )
        if failure.kind == "deadline":
            return UnreachableError(
                f"Late's API at {self._scrub(self.base_url)} gave no complete answer for {what} within "
                f"{self.deadline:g} s, so the request was abandoned; check your network or try again later"
            )
        return UnreachableError(
            f"could not reach the Late API at {self._scrub(self.base_url)} ({failure.reason}); "
            "check your network or LATE_API_BASE_URL"
        )

    def _page(
        self, path: str, params: dict[str, Any], what: str, skip: int, limit: int, *, learn: bool = True
    ) -> Page:
        body, response = self._get_json(path, params, what)
        items = _log_list(body, what, response.status_code)
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

    @staticmethod
    def pages(fetch: Callable[[int], Page], *, max_pages: int | None = None) -> Iterator[Page]:
        """Every page of one listing, from skip 0, each with its context (total, headers, request id).

        The one paging strategy for attempts and connection logs of both contracts. The next skip is the
        last one plus the page's length; when `pagination.total` shrank between two pages (logs aged out
        or were removed above the cursor), it steps back by the shrink (at most half a page) so nothing is
        skipped, and the caller drops the repeats by identity. Stops on an empty page, `hasMore` false or
        `max_pages`; a caller may stop early (at its watermark) by leaving the loop.
        """
        skip = 0
        previous_total: int | None = None
        count = 0
        while max_pages is None or count < max_pages:
            page = fetch(skip)
            count += 1
            yield page
            if not page.items or not page.has_more:
                return
            step = len(page.items)
            total = page.total
            if previous_total is not None and total is not None and total < previous_total:
                step = max(step // 2, step - (previous_total - total))
            previous_total = total
            skip += step

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
        return _log_list(body, f"the logs of {what}", response.status_code)


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


def _duration_text(seconds: float) -> str:
    """24 h, 90 min, 45 s: how long a wait is, in the unit a person reads it in."""
    if seconds >= 2 * 3600 or (seconds >= 3600 and seconds % 3600 == 0):
        hours = seconds / 3600
        return f"{hours:.0f} h" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _log_list(body: dict, what: str, status: int) -> list[dict]:
    """`body["logs"]`: missing means none; anything but a list of objects is not Late's answer."""
    items = body.get("logs")
    if items is None:
        return []
    if not isinstance(items, list):
        raise BadResponseError(
            f"Late's answer for {what} had `logs` that is not a list; check LATE_API_BASE_URL", status
        )
    # Every field of an entry is optional, but an entry itself is an object; other things are dropped.
    return [item for item in items if isinstance(item, dict)]
