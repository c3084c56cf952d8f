"""Verdicts on real platform replies: verbatim messages and bodies from platform docs and public issue
threads, each case citing where it was read. Not the simulator's catalog: that is checked separately,
at the end.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from late_logs import verdicts
from late_logs.verdicts import classify, classify_entry, frame_verdicts, table
from late_logs.verdicts.envelope import read_reply


def meta(code: int, message: str, subcode: int | None = None, **extra) -> str:
    """A Meta Graph API error body (developers.facebook.com/docs/graph-api/guides/error-handling)."""
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return json.dumps({"error": error})


# (platform, errorCode, errorMessage, statusCode, raw body, action, who_must_act, retry, source)
CASES = [
    # ---- Meta: Facebook, Instagram, Threads
    pytest.param(
        "facebook",
        "190",
        "Error validating access token: Session has expired on Friday, 05-Jan-24 08:00:00 PST.",
        400,
        meta(
            190, "Error validating access token: Session has expired on Friday, 05-Jan-24 08:00:00 PST.", 463
        ),
        "publish",
        "reconnect",
        "no",
        id="meta-190-463-session-expired",
        # https://developers.facebook.com/docs/graph-api/guides/error-handling (190/463 expired)
    ),
    pytest.param(
        "instagram",
        None,
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons.",
        400,
        meta(
            190,
            "Error validating access token: The session has been invalidated because the user changed "
            "their password or Facebook has changed the session for security reasons.",
            460,
        ),
        "publish",
        "reconnect",
        "no",
        id="meta-190-460-password-changed",
        # https://gist.github.com/MauricioKruijer/7663113 (subcode 460)
    ),
    pytest.param(
        "facebook",
        "190",
        "Error validating access token: The user is enrolled in a blocking, logged-in checkpoint",
        400,
        meta(
            190,
            "Error validating access token: The user is enrolled in a blocking, logged-in checkpoint",
            459,
        ),
        "publish",
        "account",
        "no",
        id="meta-190-459-checkpoint",
        # https://gist.github.com/MauricioKruijer/7663113 (459: user checkpointed)
    ),
    pytest.param(
        "facebook",
        "32",
        "(#32) Page request limit reached",
        400,
        meta(32, "(#32) Page request limit reached"),
        "publish",
        "wait",
        "later",
        id="meta-32-is-a-page-rate-limit",
        # inovector/mixpost ManagesRateLimit.php: 32 = page-level limit
    ),
    pytest.param(
        "instagram",
        "4",
        "Application request limit reached",
        400,
        meta(
            4,
            "Application request limit reached",
            2207051,
            is_transient=False,
            error_user_title="Action Is Blocked",
            error_user_msg="We restrict certain activity to protect our community. Let us know if you think "
            "we made a mistake.",
        ),
        "publish",
        "wait",
        "verify",
        id="instagram-4-2207051-spam-block-post-may-be-live",
        # https://github.com/gitroomhq/postiz-app/issues/1681 (published anyway, duplicates followed)
    ),
    pytest.param(
        "instagram",
        "4",
        "(#4) Application request limit reached",
        400,
        meta(4, "(#4) Application request limit reached", is_transient=True),
        "publish",
        "wait",
        "later",
        id="instagram-4-without-subcode-is-the-app-limit",
        # https://developers.facebook.com/docs/graph-api/guides/error-handling (code 4)
    ),
    pytest.param(
        "instagram",
        "1",
        "An unknown error has occurred.",
        400,
        meta(
            1,
            "An unknown error has occurred.",
            2207057,
            error_user_title="Invalid thumbnail offset",
            error_user_msg="The thumbnail offset you entered is out of bounds for the video duration.",
        ),
        "publish",
        "content",
        "no",
        id="instagram-1-2207057-thumbnail-offset",
        # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
    ),
    pytest.param(
        "instagram",
        "1",
        "An unknown error has occurred.",
        500,
        meta(1, "An unknown error has occurred."),
        "publish",
        "platform",
        "verify",
        id="meta-1-without-subcode-may-have-gone-live",
        # https://developers.facebook.com/docs/graph-api/guides/error-handling (code 1: possibly temporary)
    ),
    pytest.param(
        "facebook",
        "2",
        "An unexpected error has occurred. Please retry your request later.",
        500,
        meta(2, "An unexpected error has occurred. Please retry your request later.", is_transient=True),
        "publish",
        "platform",
        "verify",
        id="meta-2-created-the-post-anyway",
        # https://github.com/arsduo/koala/issues/699 (code 2 replies, yet seven duplicate posts)
    ),
    pytest.param(
        "instagram",
        "9007",
        "Media ID is not available",
        400,
        meta(9007, "Media ID is not available", 2207027),
        "publish",
        "platform",
        "yes",
        id="instagram-9007-media-not-ready-nothing-published",
        # https://github.com/codeforboston/CutePetsBoston/pull/83 (publish right after create: 9007)
    ),
    pytest.param(
        "instagram",
        "9004",
        "Only photo or video can be accepted as media type.",
        400,
        meta(
            9004,
            "Only photo or video can be accepted as media type.",
            2207052,
            is_transient=False,
            error_user_title="Media download has failed. The media URI doesn't meet our requirements.",
        ),
        "publish",
        "platform",
        "yes",
        id="instagram-2207052-media-fetch-raised-at-container-creation",
        # https://github.com/gitroomhq/postiz-app/pull/1900 (nothing published yet: safe to retry)
    ),
    pytest.param(
        "instagram",
        "36003",
        "The aspect ratio is not supported.",
        400,
        meta(36003, "The aspect ratio is not supported.", 2207009),
        "publish",
        "content",
        "no",
        id="instagram-2207009-aspect-ratio",
        # postiz-app instagram.provider.ts (2207009 aspect ratio)
    ),
    pytest.param(
        "instagram",
        None,
        "The video format is not supported. Please check spec for supported {video} format",
        400,
        meta(352, "The video format is not supported.", 2207026),
        "publish",
        "content",
        "no",
        id="instagram-2207026-video-format",
        # https://github.com/restfb/restfb/issues/1414
    ),
    pytest.param(
        "instagram",
        "9",
        "Maximum number of posts reached",
        400,
        meta(9, "Maximum number of posts reached", 2207042),
        "publish",
        "wait",
        "later",
        id="instagram-9-2207042-daily-publishing-cap",
        # IG content_publishing_limit reference
    ),
    pytest.param(
        "facebook",
        "368",
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
        400,
        meta(368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed"),
        "publish",
        "wait",
        "later",
        id="meta-368-temporary-block-not-content",
        # https://developers.facebook.com/docs/graph-api/guides/error-handling (368: temporarily blocked)
    ),
    pytest.param(
        "facebook",
        "506",
        "(#506) Duplicate status message",
        400,
        meta(506, "(#506) Duplicate status message"),
        "publish",
        "content",
        "no",
        id="meta-506-duplicate",
    ),
    pytest.param(
        "facebook",
        "200",
        "(#200) The user has not authorized application 1447207065540478 to perform this action",
        400,
        None,
        "publish",
        "reconnect",
        "no",
        id="meta-200-permission",
    ),
    pytest.param(
        "instagram",
        None,
        "The user is not an Instagram Business",
        400,
        None,
        "publish",
        "account",
        "no",
        id="instagram-not-a-business-account",
        # postiz-app instagram.provider.ts
    ),
    pytest.param(
        "threads",
        "100",
        "(#100) Param text must be at most 500 characters long.",
        400,
        meta(100, "(#100) Param text must be at most 500 characters long."),
        "publish",
        "content",
        "no",
        id="threads-text-too-long",
        # Zernio OpenAPI example "Post text exceeds the 500 character limit for Threads."
    ),
    # ---- X / Twitter
    pytest.param(
        "twitter",
        "32",
        "Could not authenticate you.",
        401,
        '{"errors":[{"code":32,"message":"Could not authenticate you."}]}',
        "publish",
        "reconnect",
        "no",
        id="x-32-is-authentication-not-a-rate-limit",
        # https://developer.x.com/ja/docs/basics/response-codes (32)
    ),
    pytest.param(
        "twitter",
        None,
        None,
        403,
        '{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank",'
        '"title":"Forbidden","status":403}',
        "publish",
        "content",
        "no",
        id="x-v2-duplicate",
        # https://github.com/akrherz/iembot/issues/163
    ),
    pytest.param(
        "twitter",
        "187",
        "Status is a duplicate.",
        403,
        '{"errors":[{"code":187,"message":"Status is a duplicate."}]}',
        "publish",
        "content",
        "no",
        id="x-v1-187-duplicate",
        # https://github.com/edsu/anon/issues/111
    ),
    pytest.param(
        "twitter",
        "89",
        "Invalid or expired token.",
        401,
        '{"errors":[{"message":"Invalid or expired token.","code":89}]}',
        "publish",
        "reconnect",
        "no",
        id="x-89-token",
    ),
    pytest.param(
        "twitter",
        None,
        "Too Many Requests",
        429,
        '{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}',
        "publish",
        "wait",
        "later",
        id="x-429",
    ),
    pytest.param(
        "twitter",
        None,
        None,
        429,
        '{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":'
        '"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}',
        "publish",
        "late",
        "later",
        id="x-usage-capped-is-the-app-owners",
        # https://docs.x.com/x-api/fundamentals/response-codes-and-errors
    ),
    pytest.param(
        "twitter",
        None,
        "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
        "tokens from a Twitter developer App that is attached to a Project.",
        403,
        None,
        "publish",
        "late",
        "no",
        id="x-client-not-enrolled",
    ),
    pytest.param(
        "twitter",
        "130",
        "Over capacity",
        503,
        '{"errors":[{"message":"Over capacity","code":130}]}',
        "publish",
        "platform",
        "verify",
        id="x-130-over-capacity",
    ),
    # ---- TikTok
    pytest.param(
        "tiktok",
        None,
        None,
        401,
        '{"error":{"code":"access_token_invalid","message":"The access token is invalid or not found in the '
        'request.","log_id":"20230101"}}',
        "publish",
        "reconnect",
        "no",
        id="tiktok-token-from-the-body",
        # https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
    ),
    pytest.param(
        "tiktok",
        None,
        "Something failed",
        500,
        '{"error":{"code":"access_token_invalid","message":"The access token is invalid or not found in the '
        'request.","log_id":"x"}}',
        "publish",
        "reconnect",
        "no",
        id="tiktok-dead-token-wrapped-in-a-500",
    ),
    pytest.param(
        "tiktok",
        "spam_risk_too_many_posts",
        "The daily post cap from the api has been reached for the current user.",
        403,
        None,
        "publish",
        "wait",
        "later",
        id="tiktok-daily-cap",
        # https://getlate.dev/tiktok/errors
    ),
    pytest.param(
        "tiktok",
        "reached_active_user_cap",
        "Daily active user quota reached, please try again later",
        403,
        None,
        "publish",
        "late",
        "later",
        id="tiktok-app-active-user-cap",
        # https://github.com/gitroomhq/postiz-app/issues/1854
    ),
    pytest.param(
        "tiktok",
        "unaudited_client_can_only_post_to_private_accounts",
        "Please review our integration guidelines at https://developers.tiktok.com/doc/content-sharing-guidelines/",
        403,
        None,
        "publish",
        "late",
        "no",
        id="tiktok-unaudited-app",
    ),
    pytest.param(
        "tiktok",
        None,
        None,
        500,
        '{"error":{"code":"internal_error","message":"Something went wrong. Please try '
        'again later.","log_id":"x"}}',
        "publish",
        "platform",
        "verify",
        id="tiktok-internal-error-may-be-live",
    ),
    # ---- YouTube / Google
    pytest.param(
        "youtube",
        None,
        None,
        403,
        '{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your '
        '\\u003ca href=\\"/youtube/v3/getting-started#quota\\"\\u003equota\\u003c/a\\u003e.",'
        '"errors":[{"message":"quota","domain":"youtube.quota","reason":"quotaExceeded"}]}}',
        "publish",
        "wait",
        "later",
        id="youtube-quota-reason-in-the-body",
        # https://github.com/beveradb/youtube-bulk-upload/issues/11
    ),
    pytest.param(
        "youtube",
        None,
        "The user has exceeded the number of videos they may upload.",
        400,
        '{"error":{"code":400,"errors":[{"domain":"youtube.video","reason":"uploadLimitExceeded"}]}}',
        "publish",
        "wait",
        "later",
        id="youtube-upload-limit",
        # https://developers.google.com/youtube/v3/docs/errors
    ),
    pytest.param(
        "youtube",
        "invalid_grant",
        "Token has been expired or revoked.",
        400,
        None,
        "publish",
        "reconnect",
        "no",
        id="youtube-invalid-grant-in-a-400",
    ),
    pytest.param(
        "youtube",
        None,
        "Backend Error",
        503,
        '{"error":{"code":503,"message":"Backend Error","errors":[{"domain":"global",'
        '"reason":"backendError"}]}}',
        "publish",
        "platform",
        "verify",
        id="youtube-backend-error",
    ),
    pytest.param(
        "googlebusiness",
        None,
        None,
        403,
        '{"error":{"code":403,"status":"FAILED_PRECONDITION","message":"Precondition check failed.",'
        '"details":'
        '[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ERROR_CODE_UNVERIFIED_LOCATION"}]}}',
        "publish",
        "account",
        "no",
        id="gbp-unverified-location",
        # https://developers.google.com/my-business/reference/businesscalls/rest/v1/ErrorCode
    ),
    # ---- LinkedIn
    pytest.param(
        "linkedin",
        None,
        "Invalid access token",
        401,
        '{"serviceErrorCode":65600,"message":"Invalid access token","status":401}',
        "publish",
        "reconnect",
        "no",
        id="linkedin-65600",
        # https://github.com/xcarpentier/react-native-linkedin/issues/131
    ),
    pytest.param(
        "linkedin",
        None,
        None,
        401,
        '{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN",'
        '"message":"The token used in the request has been revoked by the user"}',
        "publish",
        "reconnect",
        "no",
        id="linkedin-revoked",
        # https://github.com/decioferreira/omniauth-linkedin-oauth2/issues/81
    ),
    pytest.param(
        "linkedin",
        None,
        "Content is a duplicate of urn:li:share:7161234567890123456",
        422,
        None,
        "publish",
        "content",
        "verify",
        id="linkedin-duplicate-may-be-our-own-ghost",
        # https://github.com/Arisamiga/Linkedin-RSS/issues/5
    ),
    # ---- Reddit, Telegram: failures inside an HTTP 200
    pytest.param(
        "reddit",
        None,
        None,
        200,
        '{"json":{"errors":[["RATELIMIT","Looks like you\'ve been doing that a lot. '
        "Take a break for 9 minutes "
        'before trying again.","ratelimit"]]}}',
        "publish",
        "wait",
        "later",
        id="reddit-ratelimit-inside-200",
        # https://github.com/praw-dev/praw/issues/1954
    ),
    pytest.param(
        "reddit",
        None,
        None,
        200,
        '{"json":{"errors":[["SUBREDDIT_NOEXIST","that subreddit doesn\'t exist","sr"]]}}',
        "publish",
        "content",
        "no",
        id="reddit-subreddit-missing-inside-200",
        # reddit-archive/reddit r2/lib/errors.py
    ),
    pytest.param(
        "telegram",
        None,
        None,
        200,
        '{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the supergroup chat"}',
        "publish",
        "account",
        "no",
        id="telegram-bot-kicked",
        # https://github.com/eternnoir/pyTelegramBotAPI/issues/2204
    ),
    pytest.param(
        "telegram",
        None,
        None,
        400,
        '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}',
        "publish",
        "content",
        "no",
        id="telegram-chat-not-found",
    ),
    pytest.param(
        "telegram",
        None,
        None,
        429,
        '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":'
        '{"retry_after":17}}',
        "publish",
        "wait",
        "later",
        id="telegram-flood",
        # https://core.telegram.org/bots/api#making-requests
    ),
    pytest.param(
        "telegram",
        None,
        "Unauthorized",
        401,
        '{"ok":false,"error_code":401,"description":"Unauthorized"}',
        "publish",
        "reconnect",
        "no",
        id="telegram-bot-token-revoked",
    ),
    # ---- Pinterest, Bluesky, Discord, Snapchat
    pytest.param(
        "pinterest",
        None,
        None,
        401,
        '{"code":2,"message":"Authentication failed."}',
        "publish",
        "reconnect",
        "no",
        id="pinterest-2-authentication",
        # pinterest/api-description v5 openapi.yaml
    ),
    pytest.param(
        "pinterest",
        None,
        None,
        429,
        '{"code":8,"message":"You have exceeded your rate limit. Try again later."}',
        "publish",
        "wait",
        "later",
        id="pinterest-8-rate-limit",
    ),
    pytest.param(
        "bluesky",
        None,
        None,
        400,
        '{"error":"ExpiredToken","message":"Token has expired"}',
        "publish",
        "late",  # an expired session is Late's to refresh (research row 135); a retry waits for that
        "no",
        id="bluesky-expired-token-is-a-400",
        # https://github.com/Preloading/TwitterAPIBridge/issues/2
    ),
    pytest.param(
        "bluesky",
        None,
        None,
        400,
        '{"error":"ExpiredToken","message":"Token has been revoked"}',
        "publish",
        "reconnect",
        "no",
        id="bluesky-revoked-session-needs-a-new-app-password",
        # https://github.com/mikf/gallery-dl/issues/8646
    ),
    pytest.param(
        "bluesky",
        None,
        None,
        400,
        '{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: '
        'Record/text must not be longer than 300 graphemes"}',
        "publish",
        "content",
        "no",
        id="bluesky-too-long",
    ),
    pytest.param(
        "discord",
        None,
        None,
        403,
        '{"message": "Missing Permissions", "code": 50013}',
        "publish",
        "account",
        "no",
        id="discord-missing-permissions",
        # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
    ),
    pytest.param(
        "snapchat",
        None,
        "Request timed out",
        None,
        None,
        "publish",
        "platform",
        "verify",
        id="snapchat-timeout",
    ),
    # ---- Codes only the text spells out, and more from the same sources
    pytest.param(
        "instagram",
        None,
        "Error: Media upload has failed with error code 2207082",
        400,
        None,
        "publish",
        "platform",
        "yes",
        id="instagram-subcode-spelled-in-the-container-status",
        # https://github.com/gitroomhq/postiz-app/pull/1992 (container status text)
    ),
    pytest.param(
        "twitter",
        None,
        None,
        403,
        '{"errors":[{"message":"You currently have access to a subset of X API V2 endpoints and limited v1.1 '
        "endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a "
        "different "
        'access level.","code":453}]}',
        "publish",
        "late",
        "no",
        id="x-453-access-level",
        # https://docs.x.com/x-api/fundamentals/response-codes-and-errors
    ),
    pytest.param(
        "twitter",
        "226",
        "This request looks like it might be automated. To protect our users from spam and "
        "other malicious activity, we can't complete this action right now. Please try again later.",
        403,
        None,
        "publish",
        "content",
        "no",
        id="x-226-automated",
        # https://www.rubydoc.info/gems/twitter/Twitter/Error (226)
    ),
    pytest.param(
        "youtube",
        None,
        "Access Not Configured. YouTube Data API has not been used in project 123 before or it is disabled.",
        403,
        None,
        "publish",
        "late",
        "no",
        id="youtube-api-disabled-is-lates-project",
        # https://developers.google.com/youtube/v3/docs/errors (accessNotConfigured)
    ),
    pytest.param(
        "reddit",
        None,
        None,
        200,
        '{"json":{"errors":[["SUBMIT_VALIDATION_FLAIR_REQUIRED","Your post must contain post flair.",'
        '"flair"]]}}',
        "publish",
        "content",
        "no",
        id="reddit-flair-required",
    ),
    pytest.param(
        "discord",
        None,
        None,
        429,
        '{"message": "You are being rate limited.", "retry_after": 64.57, "global": false}',
        "publish",
        "wait",
        "later",
        id="discord-rate-limited",
        # https://discord.com/developers/docs/topics/rate-limits
    ),
    pytest.param(
        "instagram",
        None,
        "Request failed with status code 500",
        None,
        None,
        "publish",
        "platform",
        "verify",
        id="status-only-in-the-text",
    ),
    # ---- Network and Late's own
    pytest.param(
        "instagram",
        "ETIMEDOUT",
        "timeout of 60000ms exceeded",
        None,
        None,
        "publish",
        "platform",
        "verify",
        id="timeout-on-publish-is-verify-never-yes",
    ),
    pytest.param(
        "instagram",
        "ETIMEDOUT",
        "timeout of 60000ms exceeded",
        None,
        None,
        "media_upload",
        "platform",
        "yes",
        id="timeout-on-an-upload-cannot-have-published",
    ),
    pytest.param(
        "instagram",
        None,
        "Instagram access token has expired. Please reconnect your account.",
        None,
        None,
        "publish",
        "reconnect",
        "no",
        id="late-own-words-for-a-dead-token",
        # Zernio OpenAPI 2026-08-22 example
    ),
    pytest.param(
        "facebook",
        None,
        "Invalid OAuth access token - Cannot parse access token",
        500,
        None,
        "publish",
        "reconnect",
        "no",
        id="dead-token-wrapped-in-a-500",
    ),
    pytest.param(
        "twitter",
        "DUPLICATE_CONTENT",
        "This content was already posted recently",
        409,
        None,
        "publish",
        "content",
        "no",
        id="late-409-duplicate",
        # zernio-dev/zernio-api rules/errors.md
    ),
]


@pytest.mark.parametrize(("platform", "code", "message", "status", "body", "action", "who", "retry"), CASES)
def test_verdict_on_a_real_platform_reply(platform, code, message, status, body, action, who, retry) -> None:
    verdict = classify(platform, code, message, status, raw_body=body, action=action, account="acme")
    assert (verdict.who_must_act, verdict.retry) == (who, retry), verdict.rule
    assert verdict.hint and "\n" not in verdict.hint


def test_the_same_code_means_different_things_on_x_and_meta() -> None:
    x = classify("twitter", "32", "Could not authenticate you.", 401)
    meta_page = classify("facebook", "32", "(#32) Page request limit reached", 400)
    assert (x.who_must_act, meta_page.who_must_act) == ("reconnect", "wait")


def test_the_subcode_wins_over_the_code() -> None:
    body = meta(4, "Application request limit reached", 2207051)
    assert classify("instagram", "4", None, 400).retry == "later"
    assert classify("instagram", "4", None, 400, raw_body=body).retry == "verify"


def test_a_platform_row_wins_over_the_http_status_rule() -> None:
    # 403 alone is an account problem; TikTok's own code in the body says it is the creator's daily cap.
    body = '{"error":{"code":"spam_risk_too_many_posts","message":"cap","log_id":"x"}}'
    assert classify("tiktok", None, None, 403).who_must_act == "account"
    assert classify("tiktok", None, None, 403, raw_body=body).who_must_act == "wait"


def test_no_5xx_on_a_publish_step_is_ever_safe_to_retry() -> None:
    for status in (500, 502, 503, 504, 520):
        for platform in (
            "instagram",
            "twitter",
            "linkedin",
            "tiktok",
            "youtube",
            "reddit",
            "unknownplatform",
        ):
            verdict = classify(platform, None, "Service Unavailable", status, action="publish")
            assert verdict.retry == "verify", (platform, status)
            assert classify(platform, None, None, status, action="retry").retry == "verify"


def test_a_reset_time_from_the_reply_becomes_the_hint() -> None:
    at = datetime(2026, 12, 1, 13, 56, tzinfo=timezone.utc)
    body = '{"json":{"errors":[["RATELIMIT","Take a break for 9 minutes before trying again.","ratelimit"]]}}'
    verdict = classify("reddit", None, None, 200, raw_body=body, at=at)
    assert verdict.retry == "later" and verdict.hint.startswith("Wait until 14:05 UTC")
    telegram = classify("telegram", None, "Too Many Requests: retry after 17", 429)
    assert telegram.wait_seconds == 17 and telegram.hint.startswith("Wait about 17 s")


def test_youtube_quota_resets_at_midnight_pacific() -> None:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    verdict = classify("youtube", "quotaExceeded", None, 403, at=at)
    assert verdict.retry_at == datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def test_hints_name_the_account() -> None:
    verdict = classify("instagram", "190", "Error validating access token", 400, account="@acme")
    assert verdict.hint.startswith("Reconnect the Instagram account @acme in Late")


def test_unknown_stays_visible() -> None:
    verdict = classify("instagram", None, "Something odd", None)
    assert verdict.who_must_act == "unknown" and verdict.retry == "no" and verdict.hint


def test_late_errorcategory_is_shown_beside_ours_and_disagreement_flagged() -> None:
    entry = {
        "_id": "l1",
        "platform": "instagram",
        "action": "publish",
        "status": "failed",
        "statusCode": 400,
        "errorCategory": "platform_error",
        "errorSource": "platform",
        "response": {
            "errorMessage": "Error validating access token: Session has expired",
            "errorCode": "190",
            "rawBody": meta(190, "Error validating access token: Session has expired", 463),
        },
    }
    verdict = classify_entry(entry)
    assert verdict.who_must_act == "reconnect"
    assert (verdict.late_category, verdict.late_source, verdict.late_disagrees) == (
        "platform_error",
        "platform",
        True,
    )
    entry["errorCategory"], entry["errorSource"] = "auth_expired", "user"
    assert classify_entry(entry).late_disagrees is False


def test_late_errorcategory_decides_only_when_nothing_else_matched() -> None:
    verdict = classify("instagram", None, "Opaque", None, late_category="account_issue")
    assert verdict.who_must_act == "account" and verdict.rule.startswith("Late errorCategory")


def test_classify_entry_reads_the_raw_body_of_a_unified_log_item() -> None:
    item = {
        "created_at": "2026-12-01T10:00:00Z",
        "platform": "reddit",
        "action": "post.failed",
        "status": "failed",
        "status_code": 200,
        "response_body": '{"json":{"errors":[["NO_SELFS","This community doesn\'t allow text posts.",'
        '"sr"]]}}',
    }
    assert classify_entry(item).who_must_act == "content"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "<html>502</html>",
        "{not json",
        "[]",
        "[1, 2]",
        '{"error": null}',
        '{"error": 5}',
        '{"errors": "x"}',
        '{"json": {"errors": [[]]}}',
        '{"error": {"errors": [null, 3]}}',
        json.dumps({"a": [{}] * 9}),
    ],
)
def test_odd_bodies_never_raise(body) -> None:
    verdict = classify("instagram", None, None, 500, raw_body=body)
    assert verdict.who_must_act in table.WHO_MUST_ACT and verdict.retry in table.RETRY


def test_envelope_reads_codes_most_specific_first() -> None:
    reply = read_reply("RATE_LIMITED", "(#4) limit", meta(4, "limit", 2207051))
    assert reply.subcode == "2207051" and reply.codes[:2] == ["4", "rate_limited"]


def test_every_row_cites_a_public_source_and_uses_the_taxonomy() -> None:
    rows = [*table.ALL_CODE_ROWS, *table.MESSAGE_ROWS, *table.STATUS_ROWS.values()]
    assert len(rows) > 250
    for row in rows:
        assert row.source.startswith("https://"), row
        assert row.who_must_act in table.WHO_MUST_ACT and row.retry in table.RETRY, row
        assert row.reason.strip() and "\n" not in row.reason, row


def test_no_row_says_yes_for_a_failure_that_may_have_gone_live() -> None:
    for row in [*table.ALL_CODE_ROWS, *table.MESSAGE_ROWS, *table.STATUS_ROWS.values()]:
        if row.retry == "yes":
            assert row.who_must_act in ("platform", "late"), row
            text = row.reason.lower()
            assert "may be live" not in text and "duplicate" not in text, row


def test_frame_verdicts_once_per_distinct_failure() -> None:
    frame = pd.DataFrame(
        {
            "status": ["failed", "success", "failed", "failed"],
            "platform": ["twitter", "twitter", "facebook", "reddit"],
            "action": ["publish"] * 4,
            "status_code": pd.array([401, 200, 400, 200], dtype="Int64"),
            "error_code": ["32", None, "32", "RATELIMIT"],
            "error_message": [
                "Could not authenticate you.",
                None,
                "(#32) Page request limit reached",
                "Take a break for 9 minutes before trying again.",
            ],
            "account_username": ["a", "a", "b", "c"],
            "created_at": pd.to_datetime(["2026-12-01T13:56:00Z"] * 4, utc=True),
        }
    )
    found = frame_verdicts(frame)
    assert found["who_must_act"].tolist() == ["reconnect", pd.NA, "wait", "wait"]
    assert found.loc[3, "hint"].startswith("Wait until 14:05 UTC")


def test_the_version_is_stamped() -> None:
    assert verdicts.VERDICTS_VERSION


def test_the_simulators_catalog_covers_every_verdict_class() -> None:
    from late_logs.simulator import catalog

    specs = catalog.SPECS.values()
    errors = [e for spec in specs for e in (*spec.errors, spec.token_error, spec.outage_error)]
    errors += [*catalog.NETWORK_ERRORS, catalog.UNKNOWN_ERROR, catalog.UPLOAD_ERROR]
    platforms = {id(e): name for name, spec in catalog.SPECS.items() for e in spec.errors}
    found = {
        classify(
            platforms.get(id(e), "instagram"),
            e.code,
            e.message,
            e.status_code,
            raw_body=(e.raw or "").replace("{trace}", "t"),
            action="publish",
        ).who_must_act
        for e in errors
    }
    assert found == set(table.WHO_MUST_ACT)


def test_fields_of_any_type_never_raise() -> None:
    odd = [
        None,
        pd.NA,
        float("nan"),
        float("inf"),
        1.5,
        10**30,
        True,
        "",
        " ",
        {"a": 1},
        [1],
        b"x",
        '{"error":',
    ]
    for platform in ("instagram", None, pd.NA, 5):
        for value in odd:
            verdict = classify(platform, value, value, value, raw_body=value, action=value, account=value)
            assert verdict.who_must_act in table.WHO_MUST_ACT and verdict.hint
    for entry in (
        {},
        {"response": "x"},
        {"errorCategory": 5},
        {"metadata": "{bad"},
        {"response": {"rawBody": 7}},
    ):
        assert classify_entry(entry).who_must_act == "unknown"


def test_a_missing_page_role_is_an_account_problem_not_a_reconnect() -> None:
    # Meta returns it under the permission code 200 (docs/graph-api/guides/error-handling).
    role = classify(
        "facebook",
        "200",
        "(#200) The user must be an administrator, editor, or moderator of the page in order to "
        "impersonate it.",
        400,
    )
    assert (role.who_must_act, role.retry) == ("account", "no")
    scope = classify("facebook", "10", "(#10) Application does not have permission for this action", 400)
    assert scope.who_must_act == "reconnect"


def test_lates_own_category_beats_a_catch_all_but_not_a_specific_row() -> None:
    bare = classify("instagram", None, "Bad Request", 400, late_category="auth_expired")
    assert bare.who_must_act == "reconnect" and bare.rule == "Late errorCategory auth_expired"
    specific = classify(
        "instagram", "4", None, 400, raw_body=meta(4, "limit", 2207051), late_category="system_error"
    )
    assert specific.who_must_act == "wait" and specific.late_disagrees
