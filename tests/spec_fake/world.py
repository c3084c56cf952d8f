"""The logs a Zernio account holds: publishing and connection logs over 90 days and beyond, made up here.

Every field is one the spec's `listLogs` item lists (snake_case, no `_id`, no post id at the top level;
`request_body`, `response_body` and `metadata` are JSON strings). Failed logs carry upstream error bodies
in the shapes Meta's Graph API, X's API v2 and TikTok's Content Posting API really answer with. Pending
logs settle in place: the same log, later read, has its outcome (status, action, code, body) filled in.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

DAY_MS = 86_400_000
REQUEST_BODY_MAX = 5 * 1024  # "Request JSON (truncated to 5KB)"
RESPONSE_BODY_MAX = 10 * 1024  # "Response JSON (truncated to 10KB)"
# A Meta user access token as it appears in a Graph API URL or body: the collector must redact it.
PLANTED_TOKEN = "EAAGm0PX4ZCpsBAKZCZBspecfakeTOKEN1234567890abcdef"

PLATFORMS = ("instagram", "facebook", "twitter", "tiktok", "linkedin", "threads", "youtube")
ENDPOINTS = {
    "instagram": "graph.facebook.com/v21.0/17841400000000000/media_publish",
    "facebook": "graph.facebook.com/v21.0/104000000000000/feed",
    "twitter": "api.x.com/2/tweets",
    "tiktok": "open.tiktokapis.com/v2/post/publish/video/init/",
    "linkedin": "api.linkedin.com/rest/posts",
    "threads": "graph.threads.net/v1.0/me/threads_publish",
    "youtube": "www.googleapis.com/upload/youtube/v3/videos",
}
# (status_code, error_code, error_message, upstream body) per platform family.
FAILURES = {
    "meta": [
        (400, "190", "Error validating access token: Session has expired",
         {"error": {"message": "Error validating access token: Session has expired on Tuesday, 01-Dec-26.",
                    "type": "OAuthException", "code": 190, "error_subcode": 463,
                    "fbtrace_id": "AbCdEfGhIjKlMnOp"}}),
        (400, "9007", "Media ID is not available",
         {"error": {"message": "Media ID is not available", "type": "OAuthException", "code": 9007,
                    "error_subcode": 2207027, "is_transient": False,
                    "error_user_title": "Media not ready for publishing",
                    "fbtrace_id": "A1b2C3d4E5"}}),
        (400, "36003", "The aspect ratio is not supported.",
         {"error": {"message": "The aspect ratio is not supported.", "type": "OAuthException",
                    "code": 36003, "error_subcode": 2207009, "fbtrace_id": "Zz9Yy8Xx7"}}),
    ],
    "twitter": [
        (403, "duplicate-content", "You are not allowed to create a Tweet with duplicate content.",
         {"detail": "You are not allowed to create a Tweet with duplicate content.",
          "type": "about:blank", "title": "Forbidden", "status": 403}),
        (429, "too-many-requests", "Too Many Requests",
         {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}),
    ],
    "tiktok": [
        (403, "spam_risk_too_many_posts", "The user has posted too many times today.",
         {"error": {"code": "spam_risk_too_many_posts",
                    "message": "The daily post cap for this creator has been reached.",
                    "log_id": "20261201103000ABCDEF0123456789"}}),
        (401, "access_token_invalid", "The access token is invalid or not found in the request.",
         {"error": {"code": "access_token_invalid",
                    "message": "The access token is invalid or not found in the request.",
                    "log_id": "20261201090000FEDCBA9876543210"}}),
    ],
    "other": [
        (500, "internal_error", "Upstream server error", {"message": "Internal Server Error", "status": 500}),
    ],
}
CONNECTION_ACTIONS = (
    ("account.connected", "success"),
    ("account.disconnected", "success"),
    ("account.reconnected", "success"),
    ("account.connect_failed", "failed"),
)


def iso_ms(ms: int) -> str:
    """An instant as the spec's `date-time` with milliseconds and `Z`, e.g. 2026-12-01T10:00:05.120Z."""
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def truncated(text: str, limit: int) -> str:
    """What the API does to a long body: it cuts it (the result may no longer be valid JSON)."""
    return text if len(text) <= limit else text[:limit]


class FakeClock:
    """Epoch seconds that move only when told to (or when the client sleeps on them)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, float(seconds))

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class StoredLog:
    """One log as the fake holds it: its creation instant and what a read shows before and after settling."""

    created_ms: int
    item: dict
    settles_at_ms: int | None = None  # a pending log: when its outcome is written in place
    settled: dict | None = None
    written_ms: int | None = None  # when it becomes readable, if later than `created_ms` (a long upload)

    def seen_at(self, now_ms: int) -> dict:
        if self.settled is not None and self.settles_at_ms is not None and now_ms >= self.settles_at_ms:
            return self.settled
        return self.item


@dataclass
class ZernioWorld:
    """The account's logs, oldest first. Logs created after "now" appear as the clock reaches them."""

    logs: list[StoredLog] = field(default_factory=list)

    @classmethod
    def generate(
        cls,
        now: datetime,
        *,
        seed: int = 7,
        publishing: int = 360,
        connections: int = 30,
        span_days: float = 95.0,
        head_minutes: float = 0.0,
        head_every_seconds: float = 90.0,
        recent_pending: int = 6,
    ) -> ZernioWorld:
        """`publishing` logs spread over `span_days` before `now` (some older than the 90 days kept), some
        pending ones of the last hour still to settle, and a stream every `head_every_seconds` for
        `head_minutes` after `now` (logs landing at the head while a client pages)."""
        rng = random.Random(seed)
        now_ms = int(now.timestamp() * 1000)
        world = cls()
        used: set[int] = set()

        def instant(ms: int) -> int:
            while ms in used:  # one log per millisecond: entries that cannot be told apart are another test
                ms += 1
            used.add(ms)
            return ms

        for _ in range(publishing):
            created = instant(now_ms - int(rng.random() * span_days * DAY_MS) - 1000)
            world.logs.append(_publishing_log(rng, created))
        for minutes_ago in range(recent_pending):
            created = instant(now_ms - (5 + 7 * minutes_ago) * 60_000)
            world.logs.append(_publishing_log(rng, created, force_pending=True))
        ahead = 0.0
        while ahead < head_minutes * 60:
            ahead += head_every_seconds
            world.logs.append(_publishing_log(rng, instant(now_ms + int(ahead * 1000))))
        for _ in range(connections):
            created = instant(now_ms - int(rng.random() * span_days * DAY_MS) - 1000)
            world.logs.append(_connection_log(rng, created))
        world.logs.sort(key=lambda log: log.created_ms)
        return world

    def visible(self, now_ms: int, log_type: str | None = None) -> list[tuple[int, dict]]:
        """(created_ms, item) of every log that exists at `now_ms` and is within the 90 days kept."""
        oldest = now_ms - 90 * DAY_MS
        return [
            (log.created_ms, log.seen_at(now_ms))
            for log in self.logs
            if oldest <= log.created_ms <= now_ms and (log.written_ms or 0) <= now_ms
            and (log_type is None or log.item["type"] == log_type)
        ]


def _publishing_log(rng: random.Random, created: int, *, force_pending: bool = False) -> StoredLog:
    platform = rng.choice(PLATFORMS)
    post_id = "".join(rng.choice("0123456789abcdef") for _ in range(24))
    account_id = "".join(rng.choice("0123456789abcdef") for _ in range(24))
    attempt = 1 if rng.random() < 0.8 else 2
    caption = rng.choice(["Launch day!", "New feature out now", "Behind the scenes", "Weekly recap"])
    body = {"caption": caption, "media_url": f"https://storage.zernio.com/{post_id[:8]}.jpg"}
    if platform in ("instagram", "facebook", "threads"):
        body["access_token"] = PLANTED_TOKEN  # Meta takes the token in the body; Zernio logs the body
    if rng.random() < 0.03:
        body["caption"] = "x" * 7000  # a long caption: the stored request body is cut at 5 KB
    metadata = {"post_id": post_id, "attempt_number": attempt, "account_username": f"acct_{account_id[:5]}"}
    base = {
        "type": "publishing",
        "user_id": "64e1f0a9e2b5af0012ab34de",
        "platform": platform,
        "account_id": account_id,
        "endpoint": ENDPOINTS[platform],
        "request_body": truncated(json.dumps(body), REQUEST_BODY_MAX),
        "created_at": iso_ms(created),
        "request_id": f"req_{rng.getrandbits(64):016x}",
    }
    outcome = _outcome(rng, platform, metadata)
    roll = rng.random()
    if force_pending or roll < 0.06:
        pending = {**base, "action": "post.pending", "status": "pending", "metadata": json.dumps(metadata)}
        settles = created + rng.randint(60_000, 30 * 60_000)
        if not force_pending and roll < 0.01:
            return StoredLog(created, pending)  # stuck pending: never settles
        return StoredLog(created, pending, settles, {**base, **outcome})
    return StoredLog(created, {**base, **outcome})


def _outcome(rng: random.Random, platform: str, metadata: dict) -> dict:
    if rng.random() < 0.25:
        family = "meta" if platform in ("instagram", "facebook", "threads") else platform
        status_code, code, message, upstream = rng.choice(FAILURES.get(family, FAILURES["other"]))
        return {
            "action": "post.failed",
            "status": "failed",
            "status_code": status_code,
            "error_code": code,
            "error_message": message,
            "duration_ms": rng.randint(80, 4000),
            "response_body": truncated(json.dumps(upstream), RESPONSE_BODY_MAX),
            "metadata": json.dumps(metadata),
        }
    platform_post_id = str(rng.getrandbits(60))
    return {
        "action": "post.published",
        "status": "success",
        "status_code": 200 if platform != "twitter" else 201,
        "duration_ms": rng.randint(300, 9000),
        "response_body": json.dumps({"id": platform_post_id}),
        "metadata": json.dumps({**metadata, "platform_post_id": platform_post_id,
                                "platform_post_url": f"https://example.com/{platform}/{platform_post_id}"}),
    }


def _connection_log(rng: random.Random, created: int) -> StoredLog:
    action, status = rng.choice(CONNECTION_ACTIONS)
    platform = rng.choice(PLATFORMS)
    item = {
        "type": "connections",
        "action": action,
        "user_id": "64e1f0a9e2b5af0012ab34de",
        "platform": platform,
        "account_id": "".join(rng.choice("0123456789abcdef") for _ in range(24)),
        "status": status,
        "created_at": iso_ms(created),
        "metadata": json.dumps({"connection_method": "oauth", "has_custom_redirect_url": False}),
    }
    if status == "failed":
        item["error_code"] = "oauth_denied"
        item["error_message"] = "The user denied the authorization request."
    return StoredLog(created, item)
