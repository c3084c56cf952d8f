"""What each platform looks like in a publishing log: endpoints, error replies, brands and captions.

Plain data only; `world.py` draws from it. Error texts are the ones platforms really return, because the
dashboard's error grouping and failure classes are judged against them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from .planted import HTML_PAYLOADS

# Failure kinds decide whether Late retries; the dashboard derives its own classes from codes/messages.
RETRYABLE_KINDS = frozenset({"rate", "outage", "network", "unknown", "not_ready"})


@dataclass(frozen=True)
class PlatformError:
    """One reply a platform gives on failure; `raw` is the response body text (`{trace}` is filled in)."""

    kind: str  # token | permission | content | duplicate | rate | outage | network | unknown | not_ready
    status_code: int | None
    code: str | None
    message: str | None
    raw: str | None
    weight: float = 1.0

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


@dataclass(frozen=True)
class PlatformSpec:
    """Endpoints (with `{uid}` for the platform user id) and typical replies of one platform."""

    name: str
    publish_endpoint: str
    upload_endpoint: str | None
    refresh_endpoint: str | None
    post_url: str  # `{pid}` = platform post id, `{handle}` = username
    errors: tuple[PlatformError, ...]
    token_error: PlatformError  # what every attempt of a dead-token account gets
    outage_error: PlatformError
    fail_rate: float
    needs_media: bool = False
    needs_video: bool = False
    async_publish: bool = False  # video publishing is accepted first and settles later (pending)
    handle_prefix: str = ""


def _meta_raw(code: int, message: str, subcode: int | None = None, transient: bool = False) -> str:
    sub = f',"error_subcode":{subcode}' if subcode else ""
    escaped = message.replace('"', '\\"')
    return (
        f'{{"error":{{"message":"{escaped}","type":"OAuthException","code":{code}{sub},'
        f'"is_transient":{str(transient).lower()},"fbtrace_id":"{{trace}}"}}}}'
    )


def _meta_errors(with_media: bool) -> tuple[PlatformError, ...]:
    errors = [
        PlatformError(
            "permission",
            400,
            "200",
            "(#200) The user has not authorized application 1447207065540478 to perform this action",
            _meta_raw(
                200, "(#200) The user has not authorized application 1447207065540478 to perform this action"
            ),
            1.0,
        ),
        PlatformError(
            "content",
            400,
            "368",
            "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
            _meta_raw(
                368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed", 1390008
            ),
            0.7,
        ),
        PlatformError(
            "rate",
            400,
            "4",
            "(#4) Application request limit reached",
            _meta_raw(4, "(#4) Application request limit reached", None, True),
            0.8,
        ),
        PlatformError(
            "token",
            400,
            "190",
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            _meta_raw(
                190,
                "Error validating access token: The session has been invalidated because "
                "the user changed their password or Facebook has changed the session for "
                "security reasons.",
                460,
            ),
            0.5,
        ),
    ]
    if with_media:
        errors += [
            PlatformError(
                "not_ready",
                400,
                "9007",
                "Media ID is not available",
                _meta_raw(9007, "Media ID is not available", 2207027),
                1.6,
            ),
            PlatformError(
                "content",
                400,
                "36003",
                "The aspect ratio is not supported.",
                _meta_raw(36003, "The aspect ratio is not supported.", 2207009),
                0.8,
            ),
        ]
    return tuple(errors)


_META_OUTAGE = PlatformError(
    "outage",
    500,
    "2",
    "An unexpected error has occurred. Please retry your request later.",
    _meta_raw(2, "An unexpected error has occurred. Please retry your request later.", None, True),
)
# `{dead_since}` is filled with the moment the token died, so all failures of one dead period match exactly.
_META_DEAD = PlatformError(
    "token",
    400,
    "190",
    "Error validating access token: Session has expired on {dead_since}.",
    _meta_raw(190, "Error validating access token: Session has expired on {dead_since}.", 463),
)

_GOOGLE_QUOTA = (
    '{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your '
    '<a href=\\"/youtube/v3/getting-started#quota\\">quota</a>.","errors":[{"message":"The request cannot be '
    'completed because you have exceeded your <a href=\\"/youtube/v3/getting-started#quota\\">quota</a>.",'
    '"domain":"youtube.quota","reason":"quotaExceeded"}]}}'
)

SPECS: dict[str, PlatformSpec] = {
    "instagram": PlatformSpec(
        name="instagram",
        publish_endpoint="graph.facebook.com/v19.0/{uid}/media_publish",
        upload_endpoint="graph.facebook.com/v19.0/{uid}/media",
        refresh_endpoint="graph.facebook.com/v19.0/oauth/access_token",
        post_url="https://www.instagram.com/p/{pid}/",
        errors=_meta_errors(with_media=True),
        token_error=_META_DEAD,
        outage_error=_META_OUTAGE,
        fail_rate=0.113,
        needs_media=True,
        async_publish=True,
        handle_prefix="@",
    ),
    "facebook": PlatformSpec(
        name="facebook",
        publish_endpoint="graph.facebook.com/v19.0/{uid}/feed",
        upload_endpoint="graph-video.facebook.com/v19.0/{uid}/videos",
        refresh_endpoint="graph.facebook.com/v19.0/oauth/access_token",
        post_url="https://www.facebook.com/{pid}",
        errors=_meta_errors(with_media=False)
        + (
            PlatformError(
                "duplicate",
                400,
                "506",
                "(#506) Duplicate status message",
                _meta_raw(506, "(#506) Duplicate status message"),
                0.6,
            ),
        ),
        token_error=_META_DEAD,
        outage_error=_META_OUTAGE,
        fail_rate=0.09,
    ),
    "threads": PlatformSpec(
        name="threads",
        publish_endpoint="graph.threads.net/v1.0/{uid}/threads_publish",
        upload_endpoint="graph.threads.net/v1.0/{uid}/threads",
        refresh_endpoint="graph.threads.net/refresh_access_token",
        post_url="https://www.threads.net/@{handle}/post/{pid}",
        errors=(
            PlatformError(
                "content",
                400,
                "100",
                "(#100) Param text must be at most 500 characters long.",
                _meta_raw(100, "(#100) Param text must be at most 500 characters long.", 2207050),
            ),
            PlatformError(
                "not_ready",
                400,
                "24",
                "The requested resource does not exist",
                _meta_raw(24, "The requested resource does not exist", 4279009),
                0.8,
            ),
            PlatformError(
                "rate",
                400,
                "4",
                "(#4) Application request limit reached",
                _meta_raw(4, "(#4) Application request limit reached", None, True),
                0.5,
            ),
        ),
        token_error=_META_DEAD,
        outage_error=_META_OUTAGE,
        fail_rate=0.09,
        handle_prefix="@",
    ),
    "tiktok": PlatformSpec(
        name="tiktok",
        publish_endpoint="open.tiktokapis.com/v2/post/publish/video/init/",
        upload_endpoint=None,
        refresh_endpoint="open.tiktokapis.com/v2/oauth/token/",
        post_url="https://www.tiktok.com/@{handle}/video/{pid}",
        errors=(
            PlatformError(
                "rate",
                403,
                "spam_risk_too_many_posts",
                "The daily post cap from the api has been reached for the current user.",
                '{"error":{"code":"spam_risk_too_many_posts","message":"The daily post cap from the '
                'api has been reached for the current user.","log_id":"{trace}"}}',
                1.5,
            ),
            PlatformError(
                "token",
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
                '{"error":{"code":"access_token_invalid","message":"The access token is invalid or '
                'not found in the request.","log_id":"{trace}"}}',
                0.6,
            ),
            PlatformError(
                "permission",
                403,
                "unaudited_client_can_only_post_to_private_accounts",
                "Please review our integration guidelines at "
                "https://developers.tiktok.com/doc/content-sharing-guidelines/",
                '{"error":{"code":"unaudited_client_can_only_post_to_private_accounts","message":'
                '"Please review our integration guidelines at https://developers.tiktok.com/doc/'
                'content-sharing-guidelines/","log_id":"{trace}"}}',
                0.4,
            ),
            PlatformError(
                "rate",
                429,
                "rate_limit_exceeded",
                "API rate limit was exceeded. Please try again later.",
                '{"error":{"code":"rate_limit_exceeded","message":"API rate limit was exceeded. '
                'Please try again later.","log_id":"{trace}"}}',
                0.7,
            ),
            PlatformError(
                "content",
                400,
                "privacy_level_option_mismatch",
                "privacy_level is not one of the options returned by creator_info.",
                '{"error":{"code":"privacy_level_option_mismatch","message":"privacy_level is not one '
                'of the options returned by creator_info.","log_id":"{trace}"}}',
                0.4,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
            '{"error":{"code":"access_token_invalid","message":"The access token is '
            'invalid or not found in the request.","log_id":"{trace}"}}',
        ),
        outage_error=PlatformError(
            "outage",
            500,
            "internal_error",
            "Something went wrong. Please try again later.",
            '{"error":{"code":"internal_error","message":"Something went wrong. Please '
            'try again later.","log_id":"{trace}"}}',
        ),
        fail_rate=0.134,
        needs_media=True,
        async_publish=True,
        handle_prefix="@",
    ),
    "youtube": PlatformSpec(
        name="youtube",
        publish_endpoint="www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
        upload_endpoint=None,
        refresh_endpoint="oauth2.googleapis.com/token",
        post_url="https://www.youtube.com/watch?v={pid}",
        errors=(
            PlatformError(
                "rate",
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                _GOOGLE_QUOTA,
                1.4,
            ),
            PlatformError(
                "content",
                400,
                "uploadLimitExceeded",
                "The user has exceeded the number of videos they may upload.",
                '{"error":{"code":400,"message":"The user has exceeded the number of videos they may '
                'upload.","errors":[{"message":"The user has exceeded the number of videos they may '
                'upload.","domain":"youtube.video","reason":"uploadLimitExceeded"}]}}',
                0.8,
            ),
            PlatformError(
                "content",
                400,
                "invalidTitle",
                "The request metadata specifies an invalid video title.",
                '{"error":{"code":400,"message":"The request metadata specifies an invalid video '
                'title.","errors":[{"domain":"youtube.video","reason":"invalidTitle"}]}}',
                0.5,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access "
            "token, login cookie or other valid authentication credential.",
            '{"error":{"code":401,"message":"Request had invalid authentication '
            'credentials.","status":"UNAUTHENTICATED","errors":[{"domain":"global",'
            '"reason":"authError","location":"Authorization"}]}}',
        ),
        outage_error=PlatformError(
            "outage",
            503,
            "backendError",
            "Backend Error",
            '{"error":{"code":503,"message":"Backend Error","errors":[{"domain":"global",'
            '"reason":"backendError"}]}}',
        ),
        fail_rate=0.106,
        needs_media=True,
        needs_video=True,
        async_publish=True,
    ),
    "twitter": PlatformSpec(
        name="twitter",
        publish_endpoint="api.twitter.com/2/tweets",
        upload_endpoint="upload.twitter.com/1.1/media/upload.json",
        refresh_endpoint="api.twitter.com/2/oauth2/token",
        post_url="https://x.com/{handle}/status/{pid}",
        errors=(
            PlatformError(
                "duplicate",
                403,
                "DUPLICATE_CONTENT",
                "You are not allowed to create a Tweet with duplicate content.",
                '{"detail":"You are not allowed to create a Tweet with duplicate content.",'
                '"type":"about:blank","title":"Forbidden","status":403}',
                1.2,
            ),
            PlatformError(
                "rate",
                429,
                "RATE_LIMITED",
                "Too Many Requests",
                '{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank",'
                '"status":429}',
                1.5,
            ),
            PlatformError(
                "permission",
                403,
                "client-not-enrolled",
                "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
                "tokens from a Twitter developer App that is attached to a Project.",
                '{"client_id":"28177654","required_enrollment":"Appropriate Level of API Access",'
                '"reason":"client-not-enrolled","title":"Client Forbidden","type":'
                '"https://api.twitter.com/2/problems/client-forbidden"}',
                0.4,
            ),
            PlatformError(
                "content",
                400,
                "invalid-request",
                "The `text` field is too long.",
                '{"errors":[{"parameters":{"text":["..."]},"message":"The `text` field is too long."}],'
                '"title":"Invalid Request","detail":"One or more parameters to your request was '
                'invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}',
                0.5,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "89",
            "Invalid or expired token.",
            '{"errors":[{"message":"Invalid or expired token.","code":89}]}',
        ),
        outage_error=PlatformError(
            "outage", 503, "130", "Over capacity", '{"errors":[{"message":"Over capacity","code":130}]}'
        ),
        fail_rate=0.15,
        handle_prefix="@",
    ),
    "linkedin": PlatformSpec(
        name="linkedin",
        publish_endpoint="api.linkedin.com/rest/posts",
        upload_endpoint="api.linkedin.com/rest/images?action=initializeUpload",
        refresh_endpoint="www.linkedin.com/oauth/v2/accessToken",
        post_url="https://www.linkedin.com/feed/update/{pid}/",
        errors=(
            PlatformError(
                "duplicate",
                422,
                "DUPLICATE_POST",
                "Content is a duplicate of urn:li:share:7161234567890123456",
                '{"status":422,"code":"DUPLICATE_POST","message":"Content is a duplicate of '
                'urn:li:share:7161234567890123456"}',
                0.8,
            ),
            PlatformError(
                "rate",
                429,
                "TOO_MANY_REQUESTS",
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                '{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource '
                'level throttle APPLICATION DAY limit for calls to this resource is reached."}',
                0.8,
            ),
            PlatformError(
                "permission",
                403,
                "ACCESS_DENIED",
                "Not enough permissions to access: partnerApiPostsExternal.CREATE.20240101",
                '{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough '
                'permissions to access: partnerApiPostsExternal.CREATE.20240101"}',
                0.6,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "REVOKED_ACCESS_TOKEN",
            "The token used in the request has been revoked by the user",
            '{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN",'
            '"message":"The token used in the request has been revoked by the user"}',
        ),
        outage_error=PlatformError(
            "outage", 504, None, "Gateway Timeout", "<html><body><h1>504 Gateway Time-out</h1></body></html>"
        ),
        fail_rate=0.09,
    ),
    "pinterest": PlatformSpec(
        name="pinterest",
        publish_endpoint="api.pinterest.com/v5/pins",
        upload_endpoint="api.pinterest.com/v5/media",
        refresh_endpoint="api.pinterest.com/v5/oauth/token",
        post_url="https://www.pinterest.com/pin/{pid}/",
        errors=(
            PlatformError(
                "rate",
                429,
                "8",
                "You have exceeded your rate limit. Try again later.",
                '{"code":8,"message":"You have exceeded your rate limit. Try again later."}',
                1.0,
            ),
            PlatformError(
                "content",
                400,
                "1",
                "Invalid request: board_id 8971234567890 not found.",
                '{"code":1,"message":"Invalid request: board_id 8971234567890 not found."}',
                0.8,
            ),
            PlatformError(
                "content",
                400,
                "235",
                "Sorry! We blocked this link because it may lead to spam.",
                '{"code":235,"message":"Sorry! We blocked this link because it may lead to spam."}',
                0.5,
            ),
        ),
        token_error=PlatformError(
            "token", 401, "2", "Authentication failed.", '{"code":2,"message":"Authentication failed."}'
        ),
        outage_error=PlatformError(
            "outage", 503, None, "Service Unavailable", '{"code":0,"message":"Service Unavailable"}'
        ),
        fail_rate=0.09,
        needs_media=True,
    ),
    "reddit": PlatformSpec(
        name="reddit",
        publish_endpoint="oauth.reddit.com/api/submit",
        upload_endpoint=None,
        refresh_endpoint="www.reddit.com/api/v1/access_token",
        post_url="https://www.reddit.com/r/{handle}/comments/{pid}/",
        errors=(
            # Reddit answers 200 with an error list: the status code alone does not say it failed.
            PlatformError(
                "rate",
                200,
                "RATELIMIT",
                "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.",
                '{"json":{"errors":[["RATELIMIT","Looks like you\'ve been doing that a lot. Take a '
                'break for 9 minutes before trying again.","ratelimit"]]}}',
                1.0,
            ),
            PlatformError(
                "permission",
                403,
                "SUBREDDIT_NOTALLOWED",
                "you aren't allowed to post there.",
                '{"json":{"errors":[["SUBREDDIT_NOTALLOWED","you aren\'t allowed to post there.","sr"]]}}',
                0.8,
            ),
            PlatformError(
                "content",
                200,
                "NO_SELFS",
                "This community doesn't allow text posts.",
                '{"json":{"errors":[["NO_SELFS","This community doesn\'t allow text posts.","sr"]]}}',
                0.5,
            ),
        ),
        token_error=PlatformError(
            "token", 401, "401", "Unauthorized", '{"message":"Unauthorized","error":401}'
        ),
        outage_error=PlatformError(
            "outage",
            502,
            None,
            "Our CDN was unable to reach our servers",
            "<!doctype html><html><head><title>Reddit - Our CDN was unable to reach our "
            "servers</title></head><body><h1>Our CDN was unable to reach our servers"
            "</h1></body></html>",
        ),
        fail_rate=0.12,
    ),
    "bluesky": PlatformSpec(
        name="bluesky",
        publish_endpoint="bsky.social/xrpc/com.atproto.repo.createRecord",
        upload_endpoint="bsky.social/xrpc/com.atproto.repo.uploadBlob",
        refresh_endpoint="bsky.social/xrpc/com.atproto.server.refreshSession",
        post_url="https://bsky.app/profile/{handle}/post/{pid}",
        errors=(
            PlatformError(
                "content",
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
                '{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: '
                'Record/text must not be longer than 300 graphemes"}',
                1.0,
            ),
            PlatformError(
                "rate",
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                '{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
                0.6,
            ),
        ),
        token_error=PlatformError(
            "token",
            400,
            "ExpiredToken",
            "Token has expired",
            '{"error":"ExpiredToken","message":"Token has expired"}',
        ),
        outage_error=PlatformError(
            "outage",
            502,
            "UpstreamFailure",
            "Upstream Failure",
            '{"error":"UpstreamFailure","message":"Upstream Failure"}',
        ),
        fail_rate=0.09,
    ),
    "googlebusiness": PlatformSpec(
        name="googlebusiness",
        publish_endpoint="mybusiness.googleapis.com/v4/accounts/{uid}/locations/{uid}/localPosts",
        upload_endpoint=None,
        refresh_endpoint="oauth2.googleapis.com/token",
        post_url="https://local.google.com/place?id={pid}",
        errors=(
            PlatformError(
                "content",
                400,
                "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                '{"error":{"code":400,"message":"Request contains an invalid argument.","status":'
                '"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.mybusiness.v4.'
                'ValidationError","errorDetails":[{"code":3,"field":"summary","message":"Summary is '
                'too long"}]}]}}',
                1.0,
            ),
            PlatformError(
                "permission",
                403,
                "PERMISSION_DENIED",
                "The caller does not have permission",
                '{"error":{"code":403,"message":"The caller does not have permission","status":'
                '"PERMISSION_DENIED"}}',
                0.8,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
            '{"error":{"code":401,"message":"Request had invalid authentication '
            'credentials.","status":"UNAUTHENTICATED"}}',
        ),
        outage_error=PlatformError(
            "outage",
            503,
            "UNAVAILABLE",
            "The service is currently unavailable.",
            '{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}',
        ),
        fail_rate=0.076,
    ),
    "telegram": PlatformSpec(
        name="telegram",
        # The bot token is part of the path, exactly as Telegram's Bot API wants it.
        publish_endpoint="api.telegram.org/bot{bot_token}/sendMessage",
        upload_endpoint=None,
        refresh_endpoint=None,
        post_url="https://t.me/{handle}/{pid}",
        errors=(
            PlatformError(
                "permission",
                403,
                "403",
                "Forbidden: bot was kicked from the channel chat",
                '{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the '
                'channel chat"}',
                0.8,
            ),
            PlatformError(
                "content",
                400,
                "400",
                "Bad Request: chat not found",
                '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}',
                0.8,
            ),
            PlatformError(
                "rate",
                429,
                "429",
                "Too Many Requests: retry after 17",
                '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17",'
                '"parameters":{"retry_after":17}}',
                0.8,
            ),
        ),
        token_error=PlatformError(
            "token", 401, "401", "Unauthorized", '{"ok":false,"error_code":401,"description":"Unauthorized"}'
        ),
        outage_error=PlatformError(
            "outage", 502, "502", "Bad Gateway", '{"ok":false,"error_code":502,"description":"Bad Gateway"}'
        ),
        fail_rate=0.076,
    ),
    "snapchat": PlatformSpec(
        name="snapchat",
        publish_endpoint="businessapi.snapchat.com/v1/public_profiles/{uid}/stories",
        upload_endpoint="businessapi.snapchat.com/v1/public_profiles/{uid}/media",
        refresh_endpoint="accounts.snapchat.com/login/oauth2/access_token",
        post_url="https://www.snapchat.com/add/{handle}",
        errors=(
            PlatformError(
                "content",
                400,
                "E2002",
                "Media upload failed: unsupported media format",
                '{"request_status":"ERROR","request_id":"{trace}","debug_message":"Media upload '
                'failed: unsupported media format","error_code":"E2002"}',
                1.0,
            ),
            PlatformError(
                "rate",
                429,
                "E3001",
                "Too many requests, please retry later",
                '{"request_status":"ERROR","request_id":"{trace}","debug_message":"Too many requests, '
                'please retry later","error_code":"E3001"}',
                0.6,
            ),
        ),
        token_error=PlatformError(
            "token",
            401,
            "E1008",
            "Unauthorized: invalid or expired access token",
            '{"request_status":"ERROR","request_id":"{trace}","debug_message":"Unauthorized: '
            'invalid or expired access token","error_code":"E1008"}',
        ),
        outage_error=PlatformError(
            "outage",
            500,
            "E9999",
            "Internal server error",
            '{"request_status":"ERROR","request_id":"{trace}","debug_message":"Internal '
            'server error","error_code":"E9999"}',
        ),
        fail_rate=0.09,
        needs_media=True,
    ),
}

# Failures that are not the platform's words: the network, or nothing at all ("Unknown Error").

def _meta_body(code: int, message: str, subcode: int, **fields: str) -> str:
    error = {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode}
    error.update(fields, fbtrace_id="{trace}")
    return json.dumps({"error": error}, separators=(",", ":"))


# Replies that only a platform-aware reading gets right (subcode over code, the same code on two platforms,
# account problems, Late's own app limits), so the demo shows every verdict class. Texts from the sources
# cited in late_logs/verdicts/sources.py.
_CHECKPOINT = "Error validating access token: The user is enrolled in a blocking, logged-in checkpoint"
_PAGE_LIMIT = "(#32) Page request limit reached"
_EXTRA_ERRORS: dict[str, tuple[PlatformError, ...]] = {
    "instagram": (
        PlatformError(
            "rate",
            400,
            "4",
            "Application request limit reached",
            _meta_body(
                4,
                "Application request limit reached",
                2207051,
                error_user_title="Action Is Blocked",
                error_user_msg="We restrict certain activity to protect our community. Let us know if you "
                "think we made a mistake.",
            ),
            0.3,
        ),
        PlatformError(
            "content",
            400,
            "1",
            "An unknown error has occurred.",
            _meta_body(
                1,
                "An unknown error has occurred.",
                2207057,
                error_user_title="Invalid thumbnail offset",
                error_user_msg="The thumbnail offset you entered is out of bounds for the video duration.",
            ),
            0.3,
        ),
        PlatformError(
            "permission",
            400,
            "25",
            "The Instagram account is restricted.",
            _meta_body(25, "The Instagram account is restricted.", 2207050),
            0.2,
        ),
    ),
    "facebook": (
        PlatformError("rate", 400, "32", _PAGE_LIMIT, _meta_raw(32, _PAGE_LIMIT), 0.3),
        PlatformError(
            "permission",
            400,
            "190",
            _CHECKPOINT,
            _meta_raw(190, _CHECKPOINT, 459),
            0.2,
        ),
    ),
    "twitter": (
        PlatformError(
            "token",
            401,
            "32",
            "Could not authenticate you.",
            '{"errors":[{"code":32,"message":"Could not authenticate you."}]}',
            0.3,
        ),
    ),
    "youtube": (
        PlatformError(
            "permission",
            401,
            "youtubeSignupRequired",
            "Unauthorized",
            '{"error":{"code":401,"message":"Unauthorized","errors":[{"message":"Unauthorized","domain":"youtube.header",'
            '"reason":"youtubeSignupRequired","location":"Authorization","locationType":"header"}]}}',
            0.2,
        ),
    ),
    "googlebusiness": (
        PlatformError(
            "permission",
            403,
            "FAILED_PRECONDITION",
            "Precondition check failed.",
            '{"error":{"code":403,"message":"Precondition check failed.","status":"FAILED_PRECONDITION",'
            '"details":'
            '[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ERROR_CODE_UNVERIFIED_LOCATION"}]}}',
            0.4,
        ),
    ),
    "tiktok": (
        PlatformError(
            "rate",
            403,
            "reached_active_user_cap",
            "The daily active user cap of this app has been reached.",
            '{"error":{"code":"reached_active_user_cap","message":"The daily active user cap of this app "'
            'has been reached.","log_id":"{trace}"}}',
            0.2,
        ),
    ),
}
SPECS = {
    name: replace(spec, errors=spec.errors + _EXTRA_ERRORS.get(name, ())) for name, spec in SPECS.items()
}

NETWORK_ERRORS: tuple[PlatformError, ...] = (
    PlatformError("network", None, "ETIMEDOUT", "timeout of 60000ms exceeded", None, 1.0),
    PlatformError("network", None, "ECONNRESET", "socket hang up", None, 0.6),
    PlatformError("network", None, "EAI_AGAIN", "getaddrinfo EAI_AGAIN", None, 0.3),
)
UNKNOWN_ERROR = PlatformError("unknown", None, None, None, None)
# Generic upload failure any platform can give while taking a media file.
UPLOAD_ERROR = PlatformError(
    "content",
    400,
    "MEDIA_FETCH_FAILED",
    "Failed to download media from URL: 403 Forbidden",
    '{"error":"Failed to download media from URL: 403 Forbidden"}',
)
# TikTok/YouTube/Instagram processing failures are only known when a pending attempt settles.
PROCESSING_ERRORS: dict[str, PlatformError] = {
    "tiktok": PlatformError(
        "content",
        200,
        "file_format_check_failed",
        "TikTok could not process the video: file_format_check_failed",
        '{"data":{"status":"FAILED","fail_reason":"file_format_check_failed"},"error":'
        '{"code":"ok","message":"","log_id":"{trace}"}}',
    ),
    "youtube": PlatformError(
        "content",
        200,
        "processingFailed",
        "Video processing failed: the codec is not supported",
        '{"kind":"youtube#video","status":{"uploadStatus":"failed","failureReason":"codec"}}',
    ),
    "instagram": PlatformError(
        "content",
        400,
        "2207026",
        "The video format is not supported.",
        _meta_raw(352, "The video format is not supported.", 2207026),
    ),
}

SKIP_REASONS: tuple[tuple[str, str], ...] = (
    ("DAILY_LIMIT_REACHED", "Skipped: the daily post limit for this account has been reached"),
    ("ACCOUNT_PAUSED", "Skipped: account is paused after repeated rate limits"),
)

# Brands (profiles) that publish through the API; language drives captions.
BRANDS: tuple[tuple[str, str, str], ...] = (
    ("Acme Coffee Roasters", "acmecoffee", "en"),
    ("さくらスタジオ", "sakura_studio", "ja"),
    ("دار الكتاب", "daralkitab", "ar"),
    ("Nordlys Outdoor", "nordlys", "en"),
    ("PixelForge Games", "pixelforge", "en"),
    ("Bloom & Co", "bloomandco", "en"),
)

CAPTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "New single-origin beans just landed ☕ Ethiopia Guji, notes of blueberry & jasmine.",
        "Behind the scenes of our spring shoot 📸 Which look is your favourite?",
        "We're hiring! Join the team building the next big thing 🚀 Link in bio.",
        "Weekend sale: 20% off everything until Sunday midnight. Use code SPRING20 🌸",
        "Patch notes v2.4.1 are live: new maps, fewer bugs, more chaos 🎮",
        "Thank you for 10k followers! 🎉 Giveaway details below 👇",
        "Trail report: snow above 1,200 m, bring microspikes ❄️🏔️",
        "5 tips for better latte art (thread) 🧵",
        "Our founder on why we roast small batches, in her own words.",
        "Live at 6pm: Q&A with the dev team. Drop your questions!",
    ),
    "ja": (
        "新作コレクションを公開しました🌸 ぜひチェックしてください！",
        "本日のスタジオの様子です📷 #写真 #ポートレート",
        "週末限定セール開催中！全品20%オフ✨",
        "撮影の裏側をお見せします🎬 お楽しみに！",
        "ご来店ありがとうございました🙏 また来週お会いしましょう。",
    ),
    "ar": (
        "وصلت كتب جديدة إلى المكتبة 📚 تفضلوا بزيارتنا!",
        "خصم ٢٠٪ على جميع الروايات هذا الأسبوع ✨",
        "أمسية شعرية يوم الخميس الساعة السابعة مساءً 🌙",
        "شكراً لكل القراء على دعمكم المستمر ❤️",
    ),
}

HASHTAGS: tuple[str, ...] = (
    "#coffee",
    "#newdrop",
    "#gamedev",
    "#outdoors",
    "#sale",
    "#bts",
    "#instagood",
    "#fyp",
    "#smallbusiness",
    "#写真",
    "#كتب",
)

LONG_PARAGRAPH = (
    "Over the last year we rebuilt our roasting process from the ground up. We measured every batch, "
    "listened to every customer note and threw away more coffee than we like to admit. What we learned: "
    "consistency is not an accident, it is a habit. Here is the full story, with the numbers. "
)


def hostile_caption(index: int) -> str:
    """A caption carrying an HTML/JS payload, as customers (or attackers) sometimes type."""
    payload = HTML_PAYLOADS[index % len(HTML_PAYLOADS)]
    return f"Flash sale today only {payload} don't miss it 🔥"
