"""Connection logs of the simulated world: OAuth connects, failures, disconnects and reconnects.

Random events come per UTC day from `random.Random(f"{seed}:connections:{day}")`; the dead-token accounts
add their own story (reconnect attempts that fail while the token is dead, a reconnect that works when it
comes back), so the connection log agrees with the publishing failures.
"""

from __future__ import annotations

import random
from typing import Any

from . import planted
from .world import DAY_MS, DEAD_LENGTH_MS, HOUR_MS, MINUTE_MS, Account, World, iso, object_id

EVENT_TYPES = ("connect_success", "connect_failed", "disconnect", "reconnect_success", "reconnect_failed")

_SCOPES: dict[str, list[str]] = {
    "instagram": ["instagram_basic", "instagram_content_publish", "pages_show_list"],
    "facebook": ["pages_manage_posts", "pages_read_engagement", "pages_show_list"],
    "threads": ["threads_basic", "threads_content_publish"],
    "tiktok": ["user.info.basic", "video.publish", "video.upload"],
    "youtube": ["https://www.googleapis.com/auth/youtube.upload"],
    "linkedin": ["w_member_social", "w_organization_social", "r_organization_social"],
    "twitter": ["tweet.read", "tweet.write", "users.read", "offline.access"],
    "pinterest": ["boards:read", "pins:write"],
    "reddit": ["submit", "identity"],
    "googlebusiness": ["https://www.googleapis.com/auth/business.manage"],
    "snapchat": ["snapchat-marketing-api"],
}
_CONNECT_FAILURES = (
    ("oauth_denied", "OAuth error: access_denied", None),
    (
        "token_exchange_failed",
        "Failed to exchange authorization code for an access token",
        '{"error":"invalid_grant","error_description":"Bad Request"}',
    ),
    ("missing_permissions", "The account did not grant the permissions needed to publish", None),
)


def _method(account_platform: str) -> str:
    return "credentials" if account_platform in ("bluesky", "telegram") else "oauth"


def _success_block(account: Account, created_ms: int, rng: random.Random) -> dict[str, Any]:
    block: dict[str, Any] = {
        "displayName": account.display_name,
        "username": account.username,
        "profilePicture": f"https://storage.getlate.dev/avatars/{account.id}.jpg",
        "permissions": list(_SCOPES.get(account.platform, [])),
        "accountType": rng.choice(("business", "personal", "organization")),
    }
    if account.platform not in ("bluesky", "telegram"):
        block["tokenExpiresAt"] = iso(created_ms + 60 * DAY_MS)
    return block


def _context(rng: random.Random, reconnection: bool) -> dict[str, Any]:
    headless = rng.random() < 0.5
    context: dict[str, Any] = {
        "isHeadlessMode": headless,
        "hasCustomRedirectUrl": rng.random() < 0.3,
        "isReconnection": reconnection,
        "isBYOK": rng.random() < 0.1,
    }
    if headless:
        context["connectToken"] = planted.CONNECT_TOKEN  # a live credential: must be redacted downstream
    return context


def _event(
    world: World,
    rng: random.Random,
    created_ms: int,
    event_type: str,
    account: Account,
    error: tuple[str, str, str | None] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"_id": object_id(created_ms, rng)}
    early_failure = event_type == "connect_failed" and rng.random() < 0.3
    if not early_failure:  # "may be null for early OAuth failures"
        entry["userId"] = world.user_id
    entry["profileId"] = account.profile.id
    if event_type != "connect_failed":
        entry["accountId"] = account.id
    entry["platform"] = account.platform
    entry["eventType"] = event_type
    entry["connectionMethod"] = _method(account.platform)
    if error is not None:
        code, message, raw = error
        entry["error"] = {"code": code, "message": message}
        if raw:
            entry["error"]["rawResponse"] = raw[:2000]
    elif event_type in ("connect_success", "reconnect_success"):
        entry["success"] = _success_block(account, created_ms, rng)
    entry["context"] = _context(rng, event_type.startswith("reconnect"))
    entry["durationMs"] = rng.randint(400, 9000)
    entry["createdAt"] = iso(created_ms)
    return entry


def _day_events(world: World, day: int) -> list[tuple[int, dict[str, Any]]]:
    rng = random.Random(f"{world.seed}:connections:{day}")
    events = []
    for _ in range(rng.randint(1, 4)):
        created = day * DAY_MS + rng.randrange(DAY_MS)
        account = rng.choice(world.accounts)
        if account.dead_since(created) is not None:
            continue  # the dead accounts' story is told by _dead_events
        event_type = rng.choices(
            ("connect_success", "connect_failed", "disconnect", "reconnect_success"), (40, 25, 15, 20)
        )[0]
        error = rng.choice(_CONNECT_FAILURES) if event_type == "connect_failed" else None
        events.append((created, _event(world, rng, created, event_type, account, error)))
    return events


def _dead_events(world: World, account: Account, lo_ms: int, hi_ms: int) -> list[tuple[int, dict[str, Any]]]:
    events = []
    for start, end in account.dead_periods(lo_ms - DAY_MS, hi_ms + DAY_MS):
        rng = random.Random(f"{world.seed}:dead:{account.id}:{start}")
        message = {
            "linkedin": "Token refresh failed: REVOKED_ACCESS_TOKEN (The token used in the request has been "
            "revoked by the user)",
        }.get(account.platform, "Token refresh failed: Error validating access token: Session has expired")
        raw = (
            '{"error":{"message":"Error validating access token: Session has expired","type":'
            '"OAuthException","code":190,"error_subcode":463}}'
        )
        for offset_hours in (rng.uniform(2, 6), rng.uniform(26, 30)):
            created = start + int(offset_hours * HOUR_MS)
            events.append(
                (
                    created,
                    _event(
                        world,
                        rng,
                        created,
                        "reconnect_failed",
                        account,
                        ("token_exchange_failed", message, raw),
                    ),
                )
            )
        assert end - start == DEAD_LENGTH_MS
        created = end - rng.randint(1, 20) * MINUTE_MS
        events.append((created, _event(world, rng, created, "reconnect_success", account)))
    return events


def connection_logs_between(world: World, lo_ms: int, hi_ms: int) -> list[dict[str, Any]]:
    """Connection log entries created in [lo_ms, hi_ms], newest first."""
    events: list[tuple[int, dict[str, Any]]] = []
    for day in range(lo_ms // DAY_MS, hi_ms // DAY_MS + 1):
        events.extend(_day_events(world, day))
    for account in world.accounts:
        events.extend(_dead_events(world, account, lo_ms, hi_ms))
    chosen = [(created, entry) for created, entry in events if lo_ms <= created <= hi_ms]
    chosen.sort(key=lambda pair: (pair[0], pair[1]["_id"]), reverse=True)
    return [entry for _, entry in chosen]
