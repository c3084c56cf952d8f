"""The fake's answers: only `GET /v1/logs`, its query parameters, auth, request ids and a sliding rate window.

What each answer does, and where the spec says so (CONTRACT.md):
- only `GET /v1/logs` exists (§0: every other logs path was removed); anything else is 404 `{"error": "Not
  found"}` (§6);
- Bearer auth: a missing or wrong key is 401 `{"error": "Unauthorized", ...}`; a restricted `zrk_` key
  without the publishing group is 403 `ResourceGroupForbidden` (§4);
- query: `type` (default publishing), `status`, `platform`, `action`, `search`, `days` 1..90 (default 90),
  `limit` 1..100 (default 50), `skip`, `from`/`to`, `account_id`/`accountId`, `request_id`/`requestId` (§3);
  out-of-range or unknown enum values are 400 in the 2026-06-17 envelope (§2.4: `{error, type, code,
  param}`; the spec leaves the status unspecified, §7.6, so this fake is strict);
- items newest first, pagination `{total, limit, skip, pages, hasMore}` (§3, §7.5);
- `X-Request-Id` on every answer; `X-RateLimit-Limit/Remaining/Reset` (Reset in epoch seconds: when the
  next slot frees) over a sliding 60-second window, 429 with `Retry-After` once it is spent (§4).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

import httpx

from tests.spec_fake.world import ZernioWorld

SPEC_KEY = "sk_" + "5pecfa4e" * 8  # 67 characters, the key format of CONTRACT.md §4
RESTRICTED_KEY = "zrk_" + "n0pub11c" * 8  # a restricted key without the publishing resource group
LOGS_PATH = "/v1/logs"
TYPES = ("all", "publishing", "connections", "webhooks", "messaging", "workflow_event", "api_request")
STATUSES = ("success", "failed", "pending", "skipped", "all")
PLATFORMS = ("tiktok", "instagram", "whatsapp", "facebook", "youtube", "linkedin", "twitter", "threads",
             "pinterest", "reddit", "bluesky", "googlebusiness", "telegram", "snapchat", "all")
WINDOW_SECONDS = 60.0


@dataclass
class Asked:
    """One request the fake received: when (fake clock), its path and its query."""

    at: float
    path: str
    params: dict[str, str]
    status: int = 0


@dataclass
class Faults:
    """Misbehaviour to switch on: every answer a 429 (`storm_retry_after` seconds), or a 5xx."""

    storm_retry_after: int | None = None
    server_error: bool = False


@dataclass
class ZernioFake:
    world: ZernioWorld
    clock: Callable[[], float]
    rate_limit: int = 60  # the free tier of CONTRACT.md §4 (0-2 accounts)
    key: str = SPEC_KEY
    faults: Faults = field(default_factory=Faults)
    # The spec documents no order (CONTRACT.md §4): "newest" (what the examples show) or "oldest" first.
    order: str = "newest"
    # Nor whether `to` is inclusive: "inclusive" (from <= t <= to) or "half-open" (from <= t < to).
    bounds: str = "inclusive"
    # The team's own publishing on the same key, spread evenly: it shares the sliding window with us.
    team_requests_per_minute: float = 0.0
    asked: list[Asked] = field(default_factory=list)
    _window: list[float] = field(default_factory=list)
    _serial: int = 0
    _team_clock: float | None = None

    # --- what the tests read -------------------------------------------------------------------------

    def truth(self, log_type: str = "publishing") -> list[dict]:
        """Every log of that type the API keeps now (newest first), as a read would show it."""
        now_ms = int(self.clock() * 1000)
        return [item for _, item in sorted(self.world.visible(now_ms, log_type), key=lambda p: -p[0])]

    def paths(self) -> list[str]:
        return [a.path for a in self.asked]

    # --- answering -----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str]
               ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one request. `path` may carry the server's `/api` prefix."""
        now = self.clock()
        self._serial += 1
        request_id = f"req_spec_{self._serial:05d}"
        if path.startswith("/api/"):
            path = path[len("/api"):]
        asked = Asked(now, path, dict(params))
        self.asked.append(asked)
        out = {"X-Request-Id": request_id, "Content-Type": "application/json"}
        status, body = self._answer(method, path, params, headers, now, out)
        asked.status = status
        return status, out, json.dumps(body).encode("utf-8")

    def _answer(self, method, path, params, headers, now, out) -> tuple[int, dict]:
        auth = headers.get("authorization") or headers.get("Authorization") or ""
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or key not in (self.key, RESTRICTED_KEY):
            return 401, _envelope("Unauthorized", "authentication_error", "invalid_api_key")
        limited = self._rate(now, out)
        if limited is not None:
            return limited
        if self.faults.storm_retry_after is not None:
            out["Retry-After"] = str(self.faults.storm_retry_after)
            return 429, _envelope("Rate limit exceeded", "rate_limit_error", "rate_limit_exceeded")
        if method != "GET" or path.rstrip("/") != LOGS_PATH:
            return 404, {"error": "Not found"}
        if key == RESTRICTED_KEY:
            body = _envelope("This API key cannot access this resource", "permission_error",
                             "insufficient_permissions")
            body["required_group"] = "publishing"
            return 403, body
        if self.faults.server_error:
            return 500, _envelope("Something went wrong on our side", "api_error", "internal_error")
        try:
            return 200, self._list(params, now)
        except _Invalid as bad:
            return 400, _envelope(bad.message, "invalid_request_error", "invalid_parameter", param=bad.param)

    def _rate(self, now: float, out: dict[str, str]) -> tuple[int, dict] | None:
        """The sliding window: at most `rate_limit` requests in any 60 seconds; the 429 says when to retry."""
        self._team_traffic(now)
        self._window = [t for t in self._window if t > now - WINDOW_SECONDS]
        out["X-RateLimit-Limit"] = str(self.rate_limit)
        if len(self._window) >= self.rate_limit:
            frees_at = self._window[0] + WINDOW_SECONDS
            out["X-RateLimit-Remaining"] = "0"
            out["X-RateLimit-Reset"] = str(math.ceil(frees_at))
            out["Retry-After"] = str(max(1, math.ceil(frees_at - now)))
            return 429, _envelope("Rate limit exceeded", "rate_limit_error", "rate_limit_exceeded")
        self._window.append(now)
        out["X-RateLimit-Remaining"] = str(self.rate_limit - len(self._window))
        out["X-RateLimit-Reset"] = str(math.ceil(self._window[0] + WINDOW_SECONDS))
        return None

    def _team_traffic(self, now: float) -> None:
        if self.team_requests_per_minute <= 0:
            return
        gap = 60.0 / self.team_requests_per_minute
        if self._team_clock is None:
            self._team_clock = now - WINDOW_SECONDS
        while self._team_clock + gap <= now:
            self._team_clock += gap
            recent = sum(1 for t in self._window if t > self._team_clock - WINDOW_SECONDS)
            if recent < self.rate_limit:  # a refused request of theirs takes no slot either
                self._window.append(self._team_clock)
        self._window.sort()

    def _list(self, params: Mapping[str, str], now: float) -> dict:
        log_type = _choice(params, "type", TYPES, "publishing")
        status = _choice(params, "status", STATUSES, None)
        platform = _choice(params, "platform", PLATFORMS, None)
        days = _integer(params, "days", 90, 1, 90)
        limit = _integer(params, "limit", 50, 1, 100)
        skip = _integer(params, "skip", 0, 0, None)
        since = _instant(params, "from")
        until = _instant(params, "to")
        action = params.get("action")
        search = (params.get("search") or "").lower()
        account = params.get("accountId") or params.get("account_id")
        request_id = params.get("requestId") or params.get("request_id")
        now_ms = int(now * 1000)
        wanted_types = {"publishing", "connections"} if log_type == "all" else {log_type}
        chosen = []
        for created, item in self.world.visible(now_ms):
            if item["type"] not in wanted_types or created < now_ms - days * 86_400_000:
                continue
            if since is not None and created < since or until is not None and created > until:
                continue
            if self.bounds == "half-open" and until is not None and created == until:
                continue
            if status not in (None, "all") and item.get("status") != status:
                continue
            if platform not in (None, "all") and item.get("platform") != platform:
                continue
            if action and item.get("action") != action:
                continue
            if account and item.get("account_id") != account:
                continue
            if request_id and item.get("request_id") != request_id:
                continue
            if search and search not in json.dumps(item).lower():
                continue
            chosen.append((created, item))
        chosen.sort(key=lambda pair: -pair[0] if self.order == "newest" else pair[0])
        page = [dict(item) for _, item in chosen[skip:skip + limit]]
        total = len(chosen)
        return {
            "logs": page,
            "pagination": {"total": total, "limit": limit, "skip": skip, "pages": math.ceil(total / limit),
                           "hasMore": skip + len(page) < total},
        }

    # --- transport -----------------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        def route(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.handle(
                request.method, request.url.path, dict(request.url.params), request.headers
            )
            return httpx.Response(status, headers=headers, content=body, request=request)

        return httpx.MockTransport(route)


class _Invalid(Exception):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param, self.message = param, message


def _envelope(message: str, kind: str, code: str, **extra: object) -> dict:
    """The error envelope of 2026-06-17 on: `{error, type, code, param, ...}` (CONTRACT.md §2.4)."""
    return {"error": message, "type": kind, "code": code, **extra}


def _choice(
    params: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = params.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise _Invalid(name, f"Invalid {name}: must be one of {', '.join(allowed)}")
    return value


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _Invalid(name, f"Invalid {name}: must be an integer") from None
    if value < low or (high is not None and value > high):
        raise _Invalid(name, f"Invalid {name}: must be between {low} and {high}")
    return value


def _instant(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _Invalid(name, f"Invalid {name}: must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise _Invalid(name, f"Invalid {name}: must carry a time zone")
    return int(round(moment.timestamp() * 1000))
