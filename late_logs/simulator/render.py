"""How the simulated world looks on the wire: list items, post-log items and the detail with raw bodies.

The only place that writes Late's field names for publishing attempts (CONTRACT.md §2.1, §2.2).
"""

from __future__ import annotations

import json
import random
from typing import Any

from . import planted
from .world import MAX_RAW_BODY, MINUTE_MS, Attempt, Outcome, World, iso, meta_time

_META = ("instagram", "facebook", "threads")


def list_item(world: World, attempt: Attempt, now_ms: int, *, post_as_string: bool = False) -> dict[str, Any]:
    """The entry as `GET /v1/logs` shows it (raw bodies and metadata only in the detail).

    `post_as_string` gives the `GET /v1/posts/{postId}/logs` variant, where `postId` is a plain id.
    """
    post = attempt.post
    account = attempt.account
    outcome = attempt.outcome_at(now_ms)
    item: dict[str, Any] = {"_id": attempt.id}
    if post_as_string:
        item["postId"] = post.id
    else:
        item["postId"] = {"_id": post.id, "content": post.content, "status": post.status_at(now_ms)}
    item.update(
        userId=world.user_id,
        profileId=account.profile.id,
        platform=account.platform,
        accountId=account.id,
        accountUsername=account.list_username,
        action=attempt.action,
        status=outcome.status,
    )
    if outcome.status_code is not None:
        item["statusCode"] = outcome.status_code
    if attempt.endpoint:
        item["endpoint"] = attempt.endpoint
    if attempt.action != "token_refresh":
        item["request"] = {
            "contentPreview": post.content[:200],
            "mediaCount": len(attempt.media),
            "mediaTypes": [kind for kind, _ in attempt.media],
            "mediaUrls": [url for _, url in attempt.media],
            "scheduledFor": iso(post.created_ms),
        }
    response = {
        key: value
        for key, value in (
            ("platformPostId", outcome.platform_post_id),
            ("platformPostUrl", outcome.platform_post_url),
            ("errorMessage", outcome.error_message),
            ("errorCode", outcome.error_code),
        )
        if value is not None
    }
    if response:  # the "Unknown Error" failures carry no response at all
        item["response"] = response
    item["durationMs"] = outcome.duration_ms
    item["attemptNumber"] = attempt.attempt_number
    item["createdAt"] = iso(attempt.created_ms)
    return item


def detail(world: World, attempt: Attempt, now_ms: int) -> dict[str, Any]:
    """The entry as `GET /v1/logs/{id}` shows it: populated post and account, raw bodies, metadata."""
    post = attempt.post
    account = attempt.account
    outcome = attempt.outcome_at(now_ms)
    item = list_item(world, attempt, now_ms)
    # Extra random bits of the detail (trace ids, job ids) come from the attempt's own seed: deterministic.
    rnd = random.Random(f"{world.seed}:detail:{attempt.id}")
    item["postId"] = {
        "_id": post.id,
        "content": post.content,
        "status": post.status_at(now_ms),
        "scheduledFor": iso(post.created_ms),
        "platforms": post.platform_states(now_ms),
        "mediaItems": [{"type": kind, "url": url} for kind, url in post.media],
    }
    item["accountId"] = {
        "_id": account.id,
        "platform": account.platform,
        "username": account.username,
        "displayName": account.display_name,
    }
    raw_request = _raw_request(attempt, rnd)
    if raw_request is not None:
        item.setdefault("request", {})["rawBody"] = raw_request[:MAX_RAW_BODY]
    raw_response = _raw_response(attempt, outcome, rnd)
    if raw_response is not None:
        item.setdefault("response", {})["rawBody"] = raw_response[:MAX_RAW_BODY]
    item["metadata"] = _metadata(attempt, outcome, rnd, now_ms)
    return item


def _refresh_request(attempt: Attempt, rnd: random.Random) -> str:
    platform = attempt.account.platform
    if platform in _META:
        return ""  # a GET: everything (tokens included) is in the URL
    if platform in ("linkedin", "twitter"):
        return (
            f"grant_type=refresh_token&refresh_token={planted.OAUTH_REFRESH_TOKEN}"
            f"&client_id=86abc{rnd.getrandbits(32):08x}&client_secret={planted.OAUTH_CLIENT_SECRET}"
        )
    return json.dumps(
        {
            "client_id": f"{rnd.randrange(10**12)}-late.apps.googleusercontent.com",
            "client_secret": planted.OAUTH_CLIENT_SECRET,
            "refresh_token": planted.OAUTH_REFRESH_TOKEN,
            "grant_type": "refresh_token",
        }
    )


def _raw_request(attempt: Attempt, rnd: random.Random) -> str | None:
    """The body Late sent to the platform, as Late logs it (JSON text, or a form body)."""
    platform = attempt.account.platform
    if attempt.action in ("cancelled", "rate_limit_pause"):
        return None
    if attempt.action == "token_refresh":
        return _refresh_request(attempt, rnd)
    media = attempt.media
    first_url = media[0][1] if media else None
    is_video = bool(media) and media[0][0] == "video"
    caption = attempt.post.content
    body: dict[str, Any]
    if platform in ("instagram", "threads"):
        if attempt.action == "media_upload" or platform == "threads":
            text_key = "caption" if platform == "instagram" else "text"
            body = {"media_type": ("REELS" if is_video else "IMAGE") if media else "TEXT", text_key: caption}
            if first_url:
                body["video_url" if is_video else "image_url"] = first_url
        else:
            body = {"creation_id": f"179{rnd.randrange(10**14):014d}"}
        body["access_token"] = planted.META_ACCESS_TOKEN
    elif attempt.action == "media_upload" and platform != "twitter":
        body = {"media_url": first_url, "media_type": "video" if is_video else "image"}
    elif platform == "facebook":
        body = {"message": caption, "published": True, "access_token": planted.META_ACCESS_TOKEN}
        if first_url:
            body["file_url" if is_video else "url"] = first_url
    elif platform == "tiktok":
        body = {
            "post_info": {
                "title": caption[:150],
                "privacy_level": "PUBLIC_TO_EVERYONE",
                "disable_comment": False,
            },
            "source_info": {"source": "PULL_FROM_URL", "video_url": first_url},
        }
    elif platform == "youtube":
        body = {
            "snippet": {"title": caption[:100], "description": caption, "categoryId": "22"},
            "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
        }
    elif platform == "twitter":
        if attempt.action == "media_upload":
            body = {
                "command": "INIT",
                "media_type": "video/mp4" if is_video else "image/jpeg",
                "media_category": "tweet_video" if is_video else "tweet_image",
            }
        else:
            body = {"text": caption}
            if media:
                body["media"] = {"media_ids": [str(rnd.randrange(10**18, 10**19)) for _ in media]}
        if attempt.echo_headers:
            # Some workers log the whole outgoing request, Authorization header included.
            return json.dumps(
                {
                    "method": "POST",
                    "url": "https://" + (attempt.endpoint or ""),
                    "headers": {
                        "Authorization": f"Bearer {planted.X_BEARER_TOKEN}",
                        "Content-Type": "application/json",
                    },
                    "body": body,
                },
                ensure_ascii=False,
            )
    elif platform == "linkedin":
        body = {
            "author": f"urn:li:organization:{attempt.account.platform_uid}",
            "commentary": caption,
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "distribution": {"feedDistribution": "MAIN_FEED"},
        }
    elif platform == "pinterest":
        body = {
            "board_id": f"{rnd.randrange(10**17, 10**18)}",
            "title": caption[:100],
            "description": caption,
            "media_source": {"source_type": "video_id" if is_video else "image_url", "url": first_url},
        }
    elif platform == "reddit":
        body = {
            "sr": attempt.account.username,
            "title": caption[:300],
            "kind": "link" if media else "self",
            "api_type": "json",
        }
        body["url" if media else "text"] = first_url or caption
    elif platform == "bluesky":
        body = {
            "repo": attempt.account.platform_uid,
            "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "text": caption, "createdAt": iso(attempt.created_ms)},
        }
    elif platform == "googlebusiness":
        body = {
            "languageCode": "en",
            "summary": caption,
            "topicType": "STANDARD",
            "media": [{"mediaFormat": "PHOTO", "sourceUrl": url} for _, url in media],
        }
    elif platform == "telegram":
        body = {"chat_id": f"@{attempt.account.username}", "parse_mode": "HTML"}
        if media:
            body["video" if is_video else "photo"] = first_url
            body["caption"] = caption
        else:
            body["text"] = caption
    else:
        body = {"caption": caption, "media_url": first_url}
    return json.dumps(body, ensure_ascii=False)


def _refresh_response(attempt: Attempt) -> str:
    platform = attempt.account.platform
    token = {
        "instagram": planted.META_ACCESS_TOKEN,
        "facebook": planted.META_ACCESS_TOKEN,
        "threads": planted.META_ACCESS_TOKEN,
        "tiktok": planted.TIKTOK_ACCESS_TOKEN,
        "linkedin": planted.LINKEDIN_ACCESS_TOKEN,
    }.get(platform, planted.OAUTH_ACCESS_TOKEN)
    body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 5183944}
    if platform not in _META:
        body["refresh_token"] = planted.OAUTH_REFRESH_TOKEN
    return json.dumps(body)


def _raw_response(attempt: Attempt, outcome: Outcome, rnd: random.Random) -> str | None:
    """The platform's reply as Late logs it: its JSON (or HTML, on some outages), or nothing."""
    trace = "".join(
        rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(11)
    )
    platform = attempt.account.platform
    if outcome.error is not None:
        raw = outcome.error.raw
        if raw is None:
            return None
        dead = attempt.account.dead_since(attempt.created_ms)
        if dead is not None:
            raw = raw.replace("{dead_since}", meta_time(dead))
        return raw.replace("{trace}", trace)
    if outcome.status == "skipped" or attempt.action in ("cancelled", "rate_limit_pause"):
        return None
    if attempt.action == "token_refresh":
        return _refresh_response(attempt)
    if outcome.status == "pending":
        if platform == "tiktok":
            return json.dumps(
                {
                    "data": {"publish_id": f"v_pub_url~v2-1.{rnd.randrange(10**18)}"},
                    "error": {"code": "ok", "message": "", "log_id": trace},
                }
            )
        if platform == "youtube":
            return json.dumps(
                {
                    "kind": "youtube#video",
                    "id": trace,
                    "status": {"uploadStatus": "uploaded", "privacyStatus": "public"},
                }
            )
        return json.dumps({"id": f"179{rnd.randrange(10**14):014d}", "status_code": "IN_PROGRESS"})
    if attempt.action == "media_upload":
        return json.dumps(
            {"id": f"{rnd.randrange(10**16, 10**17)}", "media_id_string": f"{rnd.randrange(10**18)}"}
        )
    pid = outcome.platform_post_id or ""
    if platform in ("instagram", "facebook", "threads", "pinterest"):
        return json.dumps({"id": pid})
    if platform == "twitter":
        text = attempt.post.content[:280]
        return json.dumps(
            {"data": {"id": pid, "text": text, "edit_history_tweet_ids": [pid]}}, ensure_ascii=False
        )
    if platform == "linkedin":
        return ""  # 201 Created with the id in the x-restli-id header and an empty body
    if platform == "tiktok":
        return json.dumps(
            {
                "data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [pid]},
                "error": {"code": "ok", "message": "", "log_id": trace},
            }
        )
    if platform == "youtube":
        return json.dumps({"kind": "youtube#video", "id": pid, "status": {"uploadStatus": "processed"}})
    if platform == "reddit":
        data = {"url": outcome.platform_post_url, "id": pid[3:], "name": pid}
        return json.dumps({"json": {"errors": [], "data": data}})
    if platform == "bluesky":
        return json.dumps({"uri": pid, "cid": "bafyrei" + trace.lower()})
    if platform == "googlebusiness":
        return json.dumps({"name": pid, "state": "LIVE", "searchUrl": outcome.platform_post_url})
    if platform == "telegram":
        chat = {"username": attempt.account.username, "type": "channel"}
        return json.dumps(
            {"ok": True, "result": {"message_id": int(pid), "chat": chat, "date": attempt.created_ms // 1000}}
        )
    return json.dumps({"request_status": "SUCCESS", "request_id": trace, "story_id": pid})


def _metadata(attempt: Attempt, outcome: Outcome, rnd: random.Random, now_ms: int) -> dict[str, Any]:
    """Late's "additional metadata (e.g., rate limit info)": worker, queue, job, rate limit, links."""
    queue = {"media_upload": "media", "token_refresh": "tokens"}.get(attempt.action, "publish")
    metadata: dict[str, Any] = {
        "worker": f"publisher-{rnd.randint(1, 8)}",
        "queue": queue,
        "jobId": f"{rnd.getrandbits(96):024x}",
        "rateLimit": {"platform": attempt.account.platform, "limit": 200, "remaining": rnd.randint(0, 200)},
    }
    if attempt.previous_id:
        metadata["previousLogId"] = attempt.previous_id
    if attempt.action == "rate_limit_pause" and attempt.pause_minutes:
        metadata["pausedUntil"] = iso(attempt.created_ms + attempt.pause_minutes * MINUTE_MS)
    if attempt.pending is not None and now_ms >= attempt.settle_ms:
        metadata["settledAt"] = iso(attempt.settle_ms)
    return metadata
