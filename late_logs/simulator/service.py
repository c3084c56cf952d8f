"""The simulated Late API's HTTP behaviour: routing, auth, parameter limits, rate limits and faults.

`SimulatedLate.handle` turns an `httpx.Request` into an `httpx.Response` as the Late 1.0.1 logs endpoints
would (CONTRACT.md §1, §2, §4), or, with `flavor="unified"`, as today's Zernio API does: one unified
`GET /v1/logs` (CONTRACT.md §3), 90-day retention, every other log path 404 and the newer error envelope
`{error, type, code}`. It is used in-process through `transport()` and behind `server.serve()` for a real
port.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

import httpx

from .clock import utc_now
from .connections import EVENT_TYPES, connection_logs_between
from .render import detail, list_item
from .unified import connection_item, publishing_item, request_id_of, unified_action
from .world import DAY_MS, HOUR_MS, PLATFORMS, RETENTION_MS, World, iso, to_ms

FLAVOR_LATE = "late-1.0"
FLAVOR_UNIFIED = "unified"
FLAVORS = (FLAVOR_LATE, FLAVOR_UNIFIED)
UNIFIED_RETENTION_MS = 90 * DAY_MS
UNIFIED_TYPES = ("all", "publishing", "connections", "webhooks", "messaging", "workflow_event", "api_request")
# The unified platform filter adds whatsapp (CONTRACT.md §3).
UNIFIED_PLATFORMS = (*PLATFORMS, "whatsapp")
# The Zernio error envelope (CONTRACT.md §2.4, 2026-06-17) by status.
_ERROR_KINDS = {
    400: ("invalid_request_error", "invalid_parameter"),
    401: ("authentication_error", "unauthorized"),
    404: ("not_found", "not_found"),
    429: ("rate_limit_error", "rate_limited"),
    500: ("api_error", "internal_error"),
    503: ("api_error", "service_unavailable"),
}

# What the demo-mode client sends. Not a secret: it only opens the simulator.
DEMO_API_KEY = "sk_demo_simulated_late_api_key_not_a_real_secret"
DEFAULT_SEED = 7
DEFAULT_RATE_LIMIT_PER_MINUTE = 1200
DEFAULT_ATTEMPTS_PER_HOUR = 60.0
RATE_WINDOW_SECONDS = 60.0

ACTIONS = ("publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled")
STATUSES = ("success", "failed", "pending", "skipped")
CONNECTION_STATUSES = {
    "success": ("connect_success", "reconnect_success"),
    "failed": ("connect_failed", "reconnect_failed"),
}

# Any prefix may come before /v1 (the client joins base_url + "/v1/...", base_url may end in /api).
_ROUTE = re.compile(
    r"/v1/(?:(?P<logs>logs)|logs/(?P<log_id>[^/]+)|posts/(?P<post_id>[^/]+)/logs"
    r"|(?P<connections>connections/logs)|(?P<posts_logs>posts/logs))/?$"
)
_INTEGER = re.compile(r"[+-]?\d{1,18}")


@dataclass
class Faults:
    """Switchable misbehaviour; change the fields at any time, the next request sees them."""

    rate_limit_storm: bool = False  # every request answers 429 with Retry-After
    server_error_rate: float = 0.0  # this fraction of requests answers 500/502/503
    slow_seconds: float = 0.0  # wait this long before answering
    truncate_rate: float = 0.0  # this fraction of responses has its body cut in half
    storm_retry_after: int = 2  # Retry-After seconds during a storm
    ignore_window: bool = False  # unified only: answer as a server that ignores `from` / `to`


@dataclass(frozen=True)
class ServedRequest:
    """One request the simulator answered, for tests that check what the client asked."""

    method: str
    path: str
    query: str
    status: int


class BadParameter(Exception):
    def __init__(self, name: str, value: str, details: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.name = name
        self.value = value
        self.details = dict(details)


def _enum(params: httpx.QueryParams, name: str, allowed: tuple[str, ...]) -> str | None:
    """A filter value; `all` and absence both mean no filter."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw == "all":
        return None
    if raw not in allowed:
        raise BadParameter(name, raw, {"param": name, "value": raw, "allowed": [*allowed, "all"]})
    return raw


def _integer(params: httpx.QueryParams, name: str, default: int, minimum: int, maximum: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    value = int(text) if _INTEGER.fullmatch(text) else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        details: dict[str, Any] = {"param": name, "value": raw, "minimum": minimum}
        if maximum is not None:
            details["maximum"] = maximum
        raise BadParameter(name, raw, details)
    return value


def _pagination(total: int, limit: int, skip: int, shown: int) -> dict[str, Any]:
    return {
        "total": total,
        "limit": limit,
        "skip": skip,
        "pages": math.ceil(total / limit) if limit else 0,
        "hasMore": skip + shown < total,
    }


class SimulatedLate:
    """The Late publishing-logs API, simulated: a seeded world served with the real contract.

    Usage::

        sim = SimulatedLate(seed=7, clock=FakeClock())
        client = LateClient(DEMO_API_KEY, "http://simulator.local/api", transport=sim.transport())
        sim.faults.server_error_rate = 0.2     # now one request in five fails
        sim.retained_logs()                    # ground truth: every list entry Late holds now
    """

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        api_key: str = DEMO_API_KEY,
        clock: Callable[[], datetime] | None = None,
        rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE,
        attempts_per_hour: float | None = None,
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        flavor: str = FLAVOR_LATE,
    ) -> None:
        if flavor not in FLAVORS:
            raise ValueError(f"flavor must be one of {', '.join(FLAVORS)}, got {flavor!r}")
        self.flavor = flavor
        self.retention_ms = UNIFIED_RETENTION_MS if flavor == FLAVOR_UNIFIED else RETENTION_MS
        if attempts_per_hour is None:
            # The same number of logs at Late in both flavours: 90 days are sparser than 7.
            attempts_per_hour = DEFAULT_ATTEMPTS_PER_HOUR * RETENTION_MS / self.retention_ms
        self.seed = seed
        self._api_key = api_key
        self.clock: Callable[[], datetime] = clock or utc_now
        self.rate_limit_per_minute = rate_limit_per_minute
        self.faults = faults if faults is not None else Faults()
        self._sleep = sleep
        self.world = World(seed, attempts_per_hour)
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._fault_rng = random.Random(f"{seed}:faults")
        self._count = 0
        self.request_log: deque[ServedRequest] = deque(maxlen=10_000)

    def __repr__(self) -> str:  # never shows the key
        return f"SimulatedLate(seed={self.seed}, requests={self._count})"

    # ---- public helpers -----------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        return self._count

    def now(self) -> datetime:
        return self.clock()

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def retained_logs(self) -> list[dict[str, Any]]:
        """Every list entry Late holds now (within its retention: 7 days, or 90 unified), newest first."""
        now_ms = to_ms(self.clock())
        render = publishing_item if self.flavor == FLAVOR_UNIFIED else list_item
        return [
            render(self.world, a, now_ms)
            for a in self.world.attempts_between(now_ms - self.retention_ms, now_ms)
        ]

    def logs_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """List entries created in [start, end] (never after now), newest first, as they look now.

        Unlike the API this ignores the 7-day retention, which makes it handy for building big test stores.
        """
        now_ms = to_ms(self.clock())
        hi = min(to_ms(end), now_ms)
        render = publishing_item if self.flavor == FLAVOR_UNIFIED else list_item
        return [render(self.world, a, now_ms) for a in self.world.attempts_between(to_ms(start), hi)]

    def log_detail(self, log_id: str) -> dict[str, Any] | None:
        """Ground truth for `GET /v1/logs/{id}`'s `log` object, or None when Late would say 404."""
        now_ms = to_ms(self.clock())
        attempt = self.world.find_attempt(log_id)
        if attempt is None or not (now_ms - RETENTION_MS <= attempt.created_ms <= now_ms):
            return None
        return detail(self.world, attempt, now_ms)

    def connection_logs(self) -> list[dict[str, Any]]:
        """Every connection log entry Late holds now, newest first (unified items in the unified flavor)."""
        now_ms = to_ms(self.clock())
        entries = connection_logs_between(self.world, now_ms - self.retention_ms, now_ms)
        if self.flavor == FLAVOR_UNIFIED:
            return [connection_item(e) for e in entries]
        return entries

    def dead_tokens(self) -> list[dict[str, Any]]:
        """Accounts whose token is dead now: id, platform, username and since when (ISO text)."""
        now_ms = to_ms(self.clock())
        dead = []
        for account in self.world.accounts:
            since = account.dead_since(now_ms)
            if since is not None:
                dead.append(
                    {
                        "accountId": account.id,
                        "platform": account.platform,
                        "username": account.username,
                        "deadSince": iso(since),
                    }
                )
        return dead

    def accounts(self) -> list[dict[str, Any]]:
        return [
            {
                "_id": a.id,
                "platform": a.platform,
                "username": a.username,
                "displayName": a.display_name,
                "profileId": a.profile.id,
            }
            for a in self.world.accounts
        ]

    # ---- HTTP ---------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._count += 1
            request_number = self._count
        faults = self.faults
        if faults.slow_seconds > 0:
            self._sleep(faults.slow_seconds)
        status, body, headers = self._answer(request)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers["X-Request-Id"] = f"sim-{self.seed}-{request_number:08d}"
        with self._lock:
            truncate = faults.truncate_rate > 0 and self._fault_rng.random() < faults.truncate_rate
        if truncate:
            body = body[: len(body) // 2]
        self.request_log.append(
            ServedRequest(request.method, request.url.path, request.url.query.decode(), status)
        )
        return httpx.Response(status, headers=headers, content=body, request=request)

    def _answer(self, request: httpx.Request) -> tuple[int, bytes, dict[str, str]]:
        now = self.clock()
        now_s = now.timestamp()
        faults = self.faults
        if faults.rate_limit_storm:
            wait = max(1, int(faults.storm_retry_after))
            headers = self._limit_headers(now_s, remaining=0, reset=math.ceil(now_s) + wait)
            return self._rate_limited(wait, headers)
        with self._lock:
            server_error = (
                faults.server_error_rate > 0 and self._fault_rng.random() < faults.server_error_rate
            )
            error_kind = self._fault_rng.choice((500, 502, 503)) if server_error else 0
        if error_kind:
            headers = self._limit_headers(now_s)
            if error_kind == 502:
                headers["Content-Type"] = "text/html"
                return (
                    502,
                    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
                    b"</body></html>",
                    headers,
                )
            if error_kind == 503:
                headers["Retry-After"] = "1"
                return 503, self._error(503, "Service temporarily unavailable"), headers
            return 500, self._error(500, "Internal server error"), headers

        if not self._authorized(request):
            return 401, self._error(401, "Unauthorized"), self._limit_headers(now_s)

        with self._lock:
            window = self._window
            while window and window[0] <= now_s - RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                frees_at = window[0] + RATE_WINDOW_SECONDS
                wait = max(1, math.ceil(frees_at - now_s))
                headers = self._limit_headers_locked(now_s)
                return self._rate_limited(wait, headers)
            window.append(now_s)
            headers = self._limit_headers_locked(now_s)

        if request.method != "GET":
            return 405, _json({"error": "Method not allowed"}), headers
        match = _ROUTE.search(request.url.path)
        if match is None or (self.flavor == FLAVOR_UNIFIED and not match.group("logs")):
            # Today's API has only the unified /v1/logs: details, post logs and connection logs are gone.
            return 404, self._error(404, "Not found"), headers
        try:
            if self.flavor == FLAVOR_UNIFIED:
                status, body = 200, self._unified_logs(request.url.params, to_ms(now))
            else:
                status, body = self._route(match, request.url.params, to_ms(now))
        except BadParameter as exc:
            message = f"Invalid value {exc.value!r} for query parameter '{exc.name}'."
            return 400, self._error(400, message, exc.details, param=exc.name), headers
        return status, _json(body), headers

    def _error(self, status: int, message: str, details: Mapping[str, Any] | None = None,
               param: str | None = None) -> bytes:
        """An error body: Late's `{error, details}`, or Zernio's `{error, type, code, param, details}`."""
        body: dict[str, Any] = {"error": message}
        if self.flavor == FLAVOR_UNIFIED:
            kind, code = _ERROR_KINDS.get(status, ("api_error", "error"))
            body.update(type=kind, code=code)
            if param is not None:
                body["param"] = param
        if details is not None:
            body["details"] = dict(details)
        return _json(body)

    def _authorized(self, request: httpx.Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self._api_key

    def _rate_limited(self, wait: int, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        """A 429 as Late sends it: Retry-After in seconds and the `{error, details}` body."""
        headers["Retry-After"] = str(wait)
        details = {"limit": self.rate_limit_per_minute, "window": "1 minute", "retryAfter": wait}
        return 429, self._error(429, "Rate limit exceeded", details), headers

    def _limit_headers(
        self, now_s: float, *, remaining: int | None = None, reset: int | None = None
    ) -> dict[str, str]:
        with self._lock:
            headers = self._limit_headers_locked(now_s)
        if remaining is not None:
            headers["X-RateLimit-Remaining"] = str(remaining)
        if reset is not None:
            headers["X-RateLimit-Reset"] = str(reset)
        return headers

    def _limit_headers_locked(self, now_s: float) -> dict[str, str]:
        window = self._window
        used = sum(1 for t in window if t > now_s - RATE_WINDOW_SECONDS)
        oldest = next((t for t in window if t > now_s - RATE_WINDOW_SECONDS), now_s)
        return {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit_per_minute - used)),
            # Epoch seconds when the oldest request in the window leaves it, i.e. the next slot frees.
            "X-RateLimit-Reset": str(math.ceil(oldest + RATE_WINDOW_SECONDS)),
        }

    # ---- endpoints ----------------------------------------------------------------------------------

    def _route(self, match: re.Match[str], params: httpx.QueryParams, now_ms: int) -> tuple[int, Any]:
        if match.group("logs") or match.group("posts_logs"):
            return 200, self._list_logs(params, now_ms)
        if match.group("log_id") is not None:
            found = self._detail(match.group("log_id"), now_ms)
            return (404, {"error": "Not found"}) if found is None else (200, {"log": found})
        if match.group("post_id") is not None:
            return self._post_logs(match.group("post_id"), params, now_ms)
        return 200, self._connection_logs(params, now_ms)

    def _list_logs(self, params: httpx.QueryParams, now_ms: int) -> dict[str, Any]:
        status = _enum(params, "status", STATUSES)
        platform = _enum(params, "platform", PLATFORMS)
        action = _enum(params, "action", ACTIONS)
        days = _integer(params, "days", 7, 1, 7)
        limit = _integer(params, "limit", 50, 1, 100)
        skip = _integer(params, "skip", 0, 0, None)
        attempts = self.world.attempts_between(now_ms - days * DAY_MS, now_ms)
        if platform:
            attempts = [a for a in attempts if a.account.platform == platform]
        if action:
            attempts = [a for a in attempts if a.action == action]
        if status:
            attempts = [a for a in attempts if a.outcome_at(now_ms).status == status]
        page = attempts[skip : skip + limit]
        return {
            "logs": [list_item(self.world, a, now_ms) for a in page],
            "pagination": _pagination(len(attempts), limit, skip, len(page)),
        }

    def _unified_logs(self, params: httpx.QueryParams, now_ms: int) -> dict[str, Any]:
        """`GET /v1/logs` of today's API: by type, newest first, `days` up to 90, `from`/`to` instants."""
        kind = _enum(params, "type", UNIFIED_TYPES) or "all"
        if params.get("type") is None:
            kind = "publishing"  # the documented default
        status = _enum(params, "status", STATUSES)
        platform = _enum(params, "platform", UNIFIED_PLATFORMS)
        action = params.get("action") or None
        days = _integer(params, "days", 90, 1, 90)
        limit = _integer(params, "limit", 50, 1, 100)
        skip = _integer(params, "skip", 0, 0, None)
        lo, hi = now_ms - days * DAY_MS, now_ms
        if not self.faults.ignore_window:
            lo = max(lo, _instant(params, "from", lo))
            hi = min(hi, _instant(params, "to", hi))
        items: list[dict[str, Any]] = []
        total = 0
        attempts = []
        if kind in ("publishing", "all") and hi >= lo:
            attempts = self._unified_window(lo, hi)
            if platform:
                attempts = [a for a in attempts if a.account.platform == platform]
            account = params.get("account_id") or params.get("accountId")
            if account:
                attempts = [a for a in attempts if a.account.id == account]
            request_id = params.get("request_id") or params.get("requestId")
            if request_id:
                attempts = [a for a in attempts if request_id_of(a.post.id) == request_id]
            if status:
                attempts = [a for a in attempts if a.outcome_at(now_ms).status == status]
            if action:
                attempts = [
                    a for a in attempts if unified_action(a.action, a.outcome_at(now_ms).status) == action
                ]
            if kind == "publishing":
                items = [publishing_item(self.world, a, now_ms) for a in attempts[skip : skip + limit]]
                total = len(attempts)
        if kind in ("connections", "all") and hi >= lo:
            entries = [connection_item(e) for e in connection_logs_between(self.world, lo, hi)]
            if platform:
                entries = [e for e in entries if e.get("platform") == platform]
            if status:
                entries = [e for e in entries if e.get("status") == status]
            if action:
                entries = [e for e in entries if e.get("action") == action]
            if kind == "connections":
                items = entries[skip : skip + limit]
                total = len(entries)
            else:  # every category, newest first
                merged = [publishing_item(self.world, a, now_ms) for a in attempts] + entries
                merged.sort(key=lambda item: str(item.get("created_at")), reverse=True)
                items = merged[skip : skip + limit]
                total = len(merged)
        return {"logs": items, "pagination": _pagination(total, limit, skip, len(items))}

    def _unified_window(self, lo: int, hi: int) -> list[Any]:
        """Attempts in [lo, hi], newest first. The world caches one window; keyed on whole hours, a 90-day
        window survives a clock that moves between pages (and is cut to [lo, hi] here)."""
        hour_lo = lo - lo % HOUR_MS
        hour_hi = hi - hi % HOUR_MS + HOUR_MS - 1
        attempts = self.world.attempts_between(hour_lo, hour_hi)
        # Newest first: the attempts after `hi` are the head, those before `lo` the tail.
        start = bisect.bisect_left(attempts, -hi, key=lambda a: -a.created_ms)
        end = bisect.bisect_right(attempts, -lo, key=lambda a: -a.created_ms)
        return attempts[start:end]

    def _detail(self, log_id: str, now_ms: int) -> dict[str, Any] | None:
        attempt = self.world.find_attempt(log_id)
        if attempt is None or not (now_ms - RETENTION_MS <= attempt.created_ms <= now_ms):
            return None
        return detail(self.world, attempt, now_ms)

    def _post_logs(self, post_id: str, params: httpx.QueryParams, now_ms: int) -> tuple[int, Any]:
        limit = _integer(params, "limit", 50, 1, 100)
        post = self.world.find_post(post_id)
        if post is None or post.created_ms > now_ms:
            return 404, {"error": "Not found"}
        visible = [a for a in post.attempts if now_ms - RETENTION_MS <= a.created_ms <= now_ms]
        visible.sort(key=lambda a: (a.created_ms, a.id), reverse=True)
        logs = [list_item(self.world, a, now_ms, post_as_string=True) for a in visible[:limit]]
        return 200, {"logs": logs, "count": len(logs), "postId": post.id}

    def _connection_logs(self, params: httpx.QueryParams, now_ms: int) -> dict[str, Any]:
        platform = _enum(params, "platform", PLATFORMS)
        event_type = _enum(params, "eventType", EVENT_TYPES)
        status = _enum(params, "status", tuple(CONNECTION_STATUSES))
        days = _integer(params, "days", 7, 1, 7)
        limit = _integer(params, "limit", 50, 1, 100)
        skip = _integer(params, "skip", 0, 0, None)
        entries = connection_logs_between(self.world, now_ms - days * DAY_MS, now_ms)
        if platform:
            entries = [e for e in entries if e["platform"] == platform]
        if event_type:
            entries = [e for e in entries if e["eventType"] == event_type]
        if status:
            entries = [e for e in entries if e["eventType"] in CONNECTION_STATUSES[status]]
        page = entries[skip : skip + limit]
        return {"logs": page, "pagination": _pagination(len(entries), limit, skip, len(page))}


def _instant(params: httpx.QueryParams, name: str, default: int) -> int:
    """An ISO-8601 instant parameter in epoch ms; a value that is not one is a 400, like other params."""
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, raw, {"param": name, "value": raw, "format": "date-time"}) from None
    if moment.tzinfo is None:
        raise BadParameter(name, raw, {"param": name, "value": raw, "format": "date-time with offset"})
    return to_ms(moment)


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
