"""A small store whose every text field carries Markdown, HTML and bare URLs, plus one 1 MB response body.

Written from what Late's log entries may hold (CONTRACT.md §7: any field may be any string) and from the
ways Markdown renderers make links (GFM autolinks of `https://` and `www.`, `<angle>` autolinks, e-mail
addresses, `[text](url)`, raw `<a>`), not from the simulator: the simulator's hostile captions sit in one
field only. Used by the AppTest and the browser tests of "text is shown as text".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Every way a renderer could turn text into a link or markup; none may become an <a> or an element.
LINK_PAYLOADS: tuple[str, ...] = (
    "[click me](https://evil.example/md-link)",
    "https://evil.example/bare-url",
    "www.evil-autolink.example",
    "<https://evil.example/angle>",
    "victim@evil-mail.example",
    '<a href="https://evil.example/raw-a">raw a</a>',
    "**bold** _em_ :red[red] $x^2$ `code`",
)
# Where a link would have pointed: no <a href> may contain any of these.
EVIL_HOSTS = ("evil.example", "evil-autolink.example", "evil-mail.example")
SAFE_POST_URL = "https://www.linkedin.com/feed/update/urn:li:share:7000000000000000001"
UNSAFE_POST_URL = "javascript:alert('post-url')"
HUGE_BODY_BYTES = 1_000_000


def mixed(index: int) -> str:
    """A field value holding every payload, led by a distinct marker so tests can find it."""
    return f"f{index} " + " ".join(LINK_PAYLOADS)


def huge_body() -> str:
    """About 1 MB of JSON, of the shape a platform's batch response has (many small objects)."""
    items, size = [], 2
    while size < HUGE_BODY_BYTES:
        item = {"id": f"item-{len(items):06d}", "status": "rejected", "reason": "duplicate content detected"}
        items.append(item)
        size += len(json.dumps(item)) + 2
    return json.dumps({"results": items})


@dataclass(frozen=True)
class HostileStore:
    """Ids of the planted attempts: one with link payloads everywhere, one safe post URL, one huge body."""

    link_log_id: str
    link_post_id: str
    safe_url_log_id: str
    huge_log_id: str
    created_at: datetime


def entry(log_id: str, created: datetime, **overrides) -> dict:
    base = {
        "_id": log_id,
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "platform": "linkedin",
        "action": "publish",
        "status": "failed",
        "statusCode": 422,
        "endpoint": "https://api.linkedin.com/v2/ugcPosts",
        "durationMs": 812,
        "attemptNumber": 1,
        "accountId": "acc0000000000000000000001",
        "accountUsername": "plain-account",
        "postId": "post000000000000000000001",
        "request": {"contentPreview": "plain caption", "mediaCount": 0},
        "response": {"errorCode": "DUPLICATE", "errorMessage": "Duplicate content"},
    }
    base.update(overrides)
    return base


def populate(store_dir: Path, now: datetime | None = None) -> HostileStore:
    """Write the planted attempts (and their details) into the late-logs store at `store_dir`."""
    from late_logs.store import LogStore

    created = (now or datetime.now(timezone.utc)).replace(microsecond=0) - timedelta(minutes=30)
    link_post = "post-" + "md"  # ids keep to Late's id alphabet so the pages may link them
    hostile = entry(
        "hostile000000000000000001",
        created,
        platform=mixed(1),
        action=mixed(2),
        status="failed",
        endpoint=mixed(3),
        accountUsername=mixed(4),
        accountId="acc-hostile",
        postId={"_id": link_post, "content": mixed(5)},
        request={"contentPreview": mixed(6), "mediaUrls": [mixed(7)], "mediaCount": 1},
        response={"errorCode": mixed(8), "errorMessage": mixed(9), "platformPostUrl": UNSAFE_POST_URL,
                  "rawBody": mixed(10)},
    )
    safe = entry(
        "safeurl000000000000000001",
        created - timedelta(minutes=1),
        status="success",
        statusCode=201,
        response={"platformPostId": "urn:li:share:7000000000000000001", "platformPostUrl": SAFE_POST_URL},
    )
    huge = entry(
        "hugebody00000000000000001",
        created - timedelta(minutes=2),
        response={"errorCode": "BATCH_REJECTED", "errorMessage": "Every item was rejected",
                  "rawBody": huge_body()},
        request={"contentPreview": "batch", "rawBody": json.dumps({"items": 1})},
    )
    store = LogStore(store_dir)
    try:
        with store.writer_lock():
            store.upsert_attempts([hostile, safe, huge])
            store.put_details({e["_id"]: e for e in (hostile, safe, huge)})
    finally:
        store.close()
    return HostileStore(
        link_log_id=hostile["_id"],
        link_post_id=link_post,
        safe_url_log_id=safe["_id"],
        huge_log_id=huge["_id"],
        created_at=created,
    )
