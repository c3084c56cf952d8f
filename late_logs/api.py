"""`LateClient`: the one HTTP client for Late's publishing-log endpoints (Late API 1.0.1, CONTRACT.md §1).

It owns auth, timeouts, bounded retries with jittered backoff, rate-limit pacing and typed errors whose
message is one plain sentence. It returns Late's raw dicts; `records.py` is what interprets them.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import httpx

from late_logs.config import DEFAULT_BASE_URL
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
    "Page",
    "ClientStats",
    "LateClient",
]

USER_AGENT = "late-logs/0.1"
# No single wait (Retry-After, X-RateLimit-Reset) lasts longer than this: a skewed clock or a bogus header
# must not freeze a sync for an hour. Late's windows are per minute.
MAX_WAIT_SECONDS = 120.0
# Exponential backoff for 5xx, timeouts and truncated bodies: BASE * 2**n, capped, with jitter.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
# The contract's limits (CONTRACT.md §1.1, §1.3, §1.5).
MAX_DAYS = 7
MAX_LIMIT = 100

log = logging.getLogger(__name__)


class LateError(Exception):
    """Something went wrong talking to Late; `message` is one sentence a person can act on."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status)  # both in args, so the error survives pickling
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class AuthError(LateError):
    """401: the key is missing, wrong or revoked."""


class ForbiddenError(LateError):
    """403: the key may not read this log or post."""


class NotFoundError(LateError):
    """404: no such log or post (Late keeps logs 7 days), or no such endpoint on this server."""


class BadRequestError(LateError):
    """400: Late rejected the parameters."""


class RateLimitedError(LateError):
    """429 still, after waiting and retrying."""


class ServerError(LateError):
    """5xx still, after retries."""


class UnreachableError(LateError):
    """Connection failures or timeouts, after retries."""


class BadResponseError(LateError):
    """The body was not whole JSON (after retries) or not the object the contract describes."""


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


@dataclass
class _Failure:
    """Why one attempt did not produce a usable response, kept so the final error can be raised cleanly."""

    kind: str  # "unreachable" | "server" | "rate_limited" | "truncated"
    reason: str
    status: int | None = None
    wait: float | None = None  # what the server asked us to wait (429)
    retryable: bool = True


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
    """A synchronous, thread-safe client for Late's publishing logs.

    Usage::

        with LateClient(api_key) as client:
            page = client.list_logs(status="failed", days=7, limit=100)
            detail = client.get_log(page.items[0]["_id"])
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
        _check_int("max_retries", max_retries, 0)
        self.base_url = base_url
        self.max_retries = max_retries
        self.stats = ClientStats()
        self._key = _HiddenKey(key) if key else None
        self._sleep = sleep
        self._clock = clock
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
            # httpx drops Authorization when a redirect leaves the origin, so following them is safe.
            follow_redirects=True,
        )

    # --- plumbing ---------------------------------------------------------------------------------------

    @property
    def key_is_set(self) -> bool:
        return self._key is not None

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
        moment = min(moment, now + MAX_WAIT_SECONDS)
        if self._pacing.not_before is None or moment > self._pacing.not_before:
            self._pacing.not_before = moment

    def _wait_for_window(self) -> None:
        with self._lock:
            target = self._pacing.not_before
            wait = 0.0 if target is None else min(target - self._clock(), MAX_WAIT_SECONDS)
        if wait <= 0:
            return
        log.info("waiting %.1f s for Late's rate-limit window", wait)
        self._sleep(wait)
        with self._lock:
            self.stats.waited_seconds += wait
            # Cleared only if nobody pushed it further meanwhile; a clock that did not move must not make
            # every later request wait again.
            if self._pacing.not_before == target:
                self._pacing.not_before = None
                self._pacing.remaining = None

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds a 429 asks us to wait: Retry-After (seconds or an HTTP date), else X-RateLimit-Reset."""
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
                return max(0.0, min(seconds, MAX_WAIT_SECONDS))
        reset = _header_number(response.headers, "X-RateLimit-Reset")
        if reset is not None:
            return max(0.0, min(self._reset_to_clock(reset, now) - now, MAX_WAIT_SECONDS))
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
        """Late's own explanation from an error body ({error, message, details}), short and redacted."""
        text = ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in ("error", "message", "detail"):
                value = body.get(name)
                if isinstance(value, dict):
                    value = value.get("message") or value.get("error")
                if isinstance(value, str) and value.strip():
                    text = value.strip()
                    break
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
        return self._scrub(text) or "no explanation given"

    def _refusal(self, response: httpx.Response, what: str) -> LateError:
        """The typed, non-retried error for a 4xx answer; `what` names the object ("log 123", "the logs")."""
        status = response.status_code
        if status == 401:
            if not self._key:
                return AuthError("Late asked for an API key (401); set LATE_API_KEY", status)
            return AuthError("the API key was refused (401); check LATE_API_KEY", status)
        if status == 403:
            return ForbiddenError(
                f"Late refused access to {what} (403); the API key may lack permission", status
            )
        if status == 404:
            if what.startswith("log "):
                return NotFoundError(
                    f"Late has no {what} (404): it may be older than Late's 7-day retention", status
                )
            if what.startswith("post "):
                return NotFoundError(
                    f"Late has no {what} (404): it may have been deleted, or its logs aged out after 7 days",
                    status,
                )
            return NotFoundError(
                f"Late has no endpoint for {what} at {mask_url(self.base_url)} (404); "
                "check LATE_API_BASE_URL",
                status,
            )
        if status == 400:
            return BadRequestError(f"Late rejected the request (400): {self._error_text(response)}", status)
        return LateError(f"Late answered {status} for {what}: {self._error_text(response)}", status)

    def _get_json(self, path: str, params: Mapping[str, Any], what: str) -> tuple[dict, httpx.Response]:
        """GET `path` and return its JSON object, retrying what is worth retrying; raises a LateError."""
        query = {k: v for k, v in params.items() if v is not None}
        retries = 0
        while True:
            self._wait_for_window()
            failure: _Failure | None = None
            response: httpx.Response | None = None
            body: Any = None
            # Exceptions are turned into a _Failure here and raised only after the except blocks, so no
            # httpx exception (whose request carries the Authorization header) rides along as __context__.
            try:
                response = self._http.get(path, params=query)
            except httpx.UnsupportedProtocol:
                failure = _Failure("unreachable", "the URL needs http:// or https://", retryable=False)
            except httpx.TransportError as exc:
                failure = _Failure("unreachable", self._short_reason(exc))
            except httpx.DecodingError:  # a compressed body cut off on the way
                failure = _Failure("truncated", "undecodable body")
            except httpx.TooManyRedirects:
                failure = _Failure("unreachable", "too many redirects", retryable=False)
            except httpx.InvalidURL:
                failure = _Failure("unreachable", "the URL is not valid", retryable=False)
            self._count(requests=1)
            if response is not None:
                self._note_rate_headers(response.headers)
                status = response.status_code
                if status == 429:
                    self._count(rate_limited=1)
                    failure = _Failure("rate_limited", "429", status, self._retry_after(response))
                elif status >= 500:
                    # A 503 may say when to come back; that is a floor for the backoff, not a replacement.
                    hint = self._retry_after(response) if "Retry-After" in response.headers else None
                    failure = _Failure("server", str(status), status, hint)
                elif status >= 400:
                    raise self._refusal(response, what)
                elif status >= 300 or status < 200:
                    raise BadResponseError(
                        f"Late answered {status} for {what}, which is not a JSON answer; "
                        "check LATE_API_BASE_URL",
                        status,
                    )
                else:
                    try:
                        body = response.json()
                    except ValueError:  # JSONDecodeError or UnicodeDecodeError: cut off on the way
                        failure = _Failure("truncated", "incomplete JSON", status)
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
                wait = max(self._backoff(retries - 1), failure.wait or 0.0)
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

    def _give_up(self, failure: _Failure, what: str, attempts: int) -> LateError:
        tries = "once" if attempts == 1 else f"{attempts} times"
        if failure.kind == "rate_limited":
            return RateLimitedError(
                f"Late kept answering 429 (rate limited) for {what}, {tries}; wait a minute and try again",
                429,
            )
        if failure.kind == "server":
            return ServerError(
                f"Late had a server error ({failure.status}) for {what}, {tries}; try again in a few minutes",
                failure.status,
            )
        if failure.kind == "truncated":
            return BadResponseError(
                f"Late's answer for {what} was cut off or not JSON, {tries}; try again in a few minutes",
                failure.status,
            )
        return UnreachableError(
            f"could not reach the Late API at {self._scrub(self.base_url)} ({failure.reason}); "
            "check your network or LATE_API_BASE_URL"
        )

    def _page(self, path: str, params: dict[str, Any], what: str, skip: int, limit: int) -> Page:
        body, response = self._get_json(path, params, what)
        items = _log_list(body, what, response.status_code)
        pagination = body.get("pagination")
        return Page(
            items=items,
            pagination=dict(pagination) if isinstance(pagination, dict) else {},
            status_code=response.status_code,
            headers=response.headers,
            skip=skip,
            limit=limit,
        )

    # --- the contract -----------------------------------------------------------------------------------

    def list_logs(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        action: str | None = None,
        days: int = 7,
        limit: int = 100,
        skip: int = 0,
    ) -> Page:
        """One page of `GET /v1/logs` (publishing attempts of every post, within the last `days`)."""
        params = {
            "status": _check_filter("status", status),
            "platform": _check_filter("platform", platform),
            "action": _check_filter("action", action),
            "days": _check_int("days", days, 1, MAX_DAYS),
            "limit": _check_int("limit", limit, 1, MAX_LIMIT),
            "skip": _check_int("skip", skip, 0),
        }
        return self._page("/v1/logs", params, "the publishing logs", skip, limit)

    def list_connection_logs(
        self,
        *,
        platform: str | None = None,
        event_type: str | None = None,
        status: str | None = None,
        days: int = 7,
        limit: int = 100,
        skip: int = 0,
    ) -> Page:
        """One page of `GET /v1/connections/logs` (account connect/disconnect events)."""
        params = {
            "platform": _check_filter("platform", platform),
            "eventType": _check_filter("event_type", event_type),
            "status": _check_filter("status", status),
            "days": _check_int("days", days, 1, MAX_DAYS),
            "limit": _check_int("limit", limit, 1, MAX_LIMIT),
            "skip": _check_int("skip", skip, 0),
        }
        return self._page("/v1/connections/logs", params, "the connection logs", skip, limit)

    def get_log(self, log_id: str) -> dict:
        """The `log` object of `GET /v1/logs/{logId}` (with raw bodies and populated references)."""
        log_id = _check_id("log_id", log_id)
        what = f"log {log_id}"
        body, response = self._get_json(f"/v1/logs/{quote(log_id, safe='')}", {}, what)
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
        what = f"post {post_id}"
        body, response = self._get_json(f"/v1/posts/{quote(post_id, safe='')}/logs", {"limit": limit}, what)
        return _log_list(body, f"the logs of {what}", response.status_code)


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
