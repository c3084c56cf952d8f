"""`LateClient`: the one HTTP client for Late's publishing logs, in both contracts Late has served them in.

Late API 1.0.1 (CONTRACT.md §1: `/v1/logs`, `/v1/logs/{id}`, `/v1/posts/{id}/logs`, `/v1/connections/logs`)
and today's Zernio API (CONTRACT.md §3: one unified `/v1/logs` with `type`, `days` up to 90, `from`/`to`).
`flavor` says which (`auto` finds out from the first list answer's items). The client owns auth, an overall
deadline per request, bounded retries with jittered backoff, a polite share of the key's rate limit, paging
(`pages`) and typed errors whose message is one plain sentence. It returns Late's raw dicts;
`late_logs.records` is what interprets them.

This package re-exports its public names; its rooms, each with one job:

- `client`: `LateClient`, its requests, retries and the questions of each contract;
- `errors`: the `LateError` family;
- `paging`: `Page` and the one paging strategy (`pages`);
- `pacing`: the rate share, Late's rate-limit window, Retry-After and the backoff (`RateShare`, `Pacer`);
- `sentences`: what went wrong, in one sentence with nothing secret (`Sentences`).
"""

from __future__ import annotations

from late_logs.api.client import MAX_WAIT_SECONDS, USER_AGENT, ClientStats, LateClient
from late_logs.api.errors import (
    AuthError,
    BadRequestError,
    BadResponseError,
    ForbiddenError,
    LateError,
    NotFoundError,
    NotInContractError,
    RateLimitedError,
    RedirectedError,
    ServerError,
    UnreachableError,
)
from late_logs.api.pacing import RateShare
from late_logs.api.paging import Page
from late_logs.config import DEFAULT_BASE_URL

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
