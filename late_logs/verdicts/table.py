"""The verdict table: one row per known platform error, keyed by (platform, code, subcode), with its source.

Rows are data, not logic: `classify.py` looks them up. A row's `retry` is the advice for a failed publish
step. Sources are public pages (platform docs, open-source publishers' code, issue threads with verbatim
replies); `../shared/research/platform-errors.md` lists them with the facts behind each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WHO_MUST_ACT = ("reconnect", "account", "content", "wait", "platform", "late", "unknown")
RETRY = ("yes", "later", "no", "verify")

# --------------------------------------------------------------------------------------------- sources
M_EH = "https://developers.facebook.com/docs/graph-api/guides/error-handling"
M_SUB = "https://gist.github.com/MauricioKruijer/7663113"
MX_RL = (
    "https://github.com/inovector/mixpost/blob/df57648/src/SocialProviders/Meta/Concerns/ManagesRateLimit.php"
)
IG_EC = "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes"
IG_CPL = (
    "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/"
    "ig-user/content_publishing_limit"
)
FB_VID = "https://developers.facebook.com/docs/video-api/reference/error-codes"
TH_TS = "https://developers.facebook.com/docs/threads/troubleshooting"
_PZ = "https://github.com/gitroomhq/postiz-app/blob/74b01ada/libraries/nestjs-libraries/src/integrations/social/"
PZ_FB = _PZ + "facebook.provider.ts"
PZ_IG = _PZ + "instagram.provider.ts"
PZ_TH = _PZ + "threads.provider.ts"
PZ_TT = _PZ + "tiktok.provider.ts"
PZ_YT = _PZ + "youtube.provider.ts"
PZ_X = _PZ + "x.provider.ts"
PZ_LI = _PZ + "linkedin.provider.ts"
PZ_PIN = _PZ + "pinterest.provider.ts"
PZ_GMB = _PZ + "gmb.provider.ts"
PZ_ISSUE = "https://github.com/gitroomhq/postiz-app/issues/"
KOALA_699 = "https://github.com/arsduo/koala/issues/699"
LT_FB = "https://getlate.dev/facebook/errors"
LT_IG = "https://getlate.dev/es/instagram/errors"
LT_TT = "https://getlate.dev/tiktok/errors"
TT_EH = "https://developers.tiktok.com/doc/tiktok-api-v2-error-handling"
TT_CSG = "https://developers.tiktok.com/doc/content-sharing-guidelines"
TT_DP = "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post"
YT_ERR = "https://developers.google.com/youtube/v3/docs/errors"
G_ERR = "https://cloud.google.com/apis/design/errors"
X_RC = "https://docs.x.com/x-api/fundamentals/response-codes-and-errors"
X_V1 = "https://developer.x.com/ja/docs/basics/response-codes"
TW_RB = "https://www.rubydoc.info/gems/twitter/Twitter/Error"
X_DUP_2010 = "https://groups.google.com/g/twitter-api-announce/c/kw0ULiFEXac"
ANON_138 = "https://github.com/edsu/anon/issues/138"
LI_EH = "https://learn.microsoft.com/linkedin/shared/api-guide/concepts/error-handling"
LI_RL = "https://learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits"
LI_VER = "https://learn.microsoft.com/linkedin/marketing/versioning"
LI_DUP = "https://github.com/Arisamiga/Linkedin-RSS/issues/5"
PIN = "https://github.com/pinterest/api-description/blob/c05b189/v5/openapi.yaml"
RD = "https://github.com/reddit-archive/reddit/blob/master/r2/r2/lib/errors.py"
PRAW_1954 = "https://github.com/praw-dev/praw/issues/1954"
BS_RL = "https://docs.bsky.app/docs/advanced-guides/rate-limits"
BS_LEX = "https://github.com/bluesky-social/atproto/tree/main/lexicons"
BS_TS = "https://github.com/speakeasy-sdks/bluesky-ts"
GBP_EC = "https://developers.google.com/my-business/reference/businesscalls/rest/v1/ErrorCode"
TG = "https://github.com/TelegramBotAPI/errors"
TG_API = "https://core.telegram.org/bots/api#making-requests"
SC = "https://docs.getlate.dev/platforms/snapchat"
DISCORD = "https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes"
ZR = "https://github.com/zernio-dev/zernio-api/blob/main/rules/errors.md"
ZO = "https://github.com/zernio-dev/zernio-rust/blob/main/openapi.yaml"
HTTP = "https://www.rfc-editor.org/rfc/rfc9110#section-15"
NODE_ERR = "https://nodejs.org/api/errors.html#common-system-errors"


@dataclass(frozen=True)
class Row:
    """One known error: where it matches, who must act, whether a retry of the same post helps, and why.

    `weak` rows (a platform's catch-all code for "something failed") let a clearer message pattern, such as a
    dead token wrapped in a 500, win over them.
    """

    platform: str  # a key of envelope.PLATFORM_FAMILIES' values, or "*" for any platform
    code: str | None  # lower-case; None for a message-pattern row
    subcode: str | None
    who_must_act: str
    retry: str
    reason: str  # what happened, in plain words, lower-case start: it follows "Because" in hints
    source: str
    pattern: re.Pattern[str] | None = None
    weak: bool = False


def _row(platform, code, subcode, who, retry, reason, source, weak=False) -> Row:  # noqa: ANN001
    sub = None if subcode is None else str(subcode).lower()
    return Row(
        platform, None if code is None else str(code).lower(), sub, who, retry, reason, source, None, weak
    )


def _text(platform, pattern, who, retry, reason, source, weak=False) -> Row:  # noqa: ANN001
    return Row(platform, None, None, who, retry, reason, source, re.compile(pattern, re.IGNORECASE), weak)


# ------------------------------------------------------------------------- (platform, code, subcode) rows
CODE_ROWS: tuple[Row, ...] = (
    # Meta Graph API (Facebook, Instagram, Threads): OAuth and permissions.
    _row("meta", 190, None, "reconnect", "no", "the access token is invalid or expired", M_EH),
    _row("meta", 190, 463, "reconnect", "no", "the access token expired", M_SUB),
    _row(
        "meta",
        190,
        467,
        "reconnect",
        "no",
        "the access token is no longer valid (the user logged out)",
        M_SUB,
    ),
    _row("meta", 190, 460, "reconnect", "no", "the user changed their password", M_SUB),
    _row("meta", 190, 458, "reconnect", "no", "the user removed the app", M_SUB),
    _row("meta", 102, 458, "reconnect", "no", "the user removed the app", M_SUB),
    _row(
        "meta",
        190,
        459,
        "account",
        "no",
        "the user is checkpointed: they must log in on Facebook first",
        M_SUB,
    ),
    _row("meta", 190, 464, "account", "no", "the user has not confirmed their account", M_SUB),
    _row("meta", 190, 492, "account", "no", "the user lost their role on the Page", M_EH),
    _row("meta", 102, None, "reconnect", "no", "the API session is no longer valid", M_EH),
    _row(
        "meta",
        10,
        None,
        "reconnect",
        "no",
        "a permission is missing: reconnect granting every permission",
        M_EH,
        weak=True,  # "(#10) ... must be an admin of the Page" is a missing Page role: the message decides
    ),
    _row(
        "meta", 200, None, "reconnect", "no", "a permission was not granted or was removed", M_EH, weak=True
    ),
    *(
        _row(
            "meta", c, None, "reconnect", "no", "a permission was not granted or was removed", M_EH, weak=True
        )
        for c in (201, 210, 220, 230, 240, 250, 270, 290, 299)
    ),
    _row("meta", 463, None, "reconnect", "no", "the access token expired", M_SUB),
    # Meta's error type, when Late gives only that: most OAuthExceptions are dead tokens (clearer codes win).
    _row(
        "meta",
        "oauthexception",
        None,
        "reconnect",
        "no",
        "Meta rejected the account's authorisation",
        M_EH,
        weak=True,
    ),
    _row("meta", 467, None, "reconnect", "no", "the access token is no longer valid", M_SUB),
    # Meta: generic and transient.
    _row(
        "meta",
        1,
        None,
        "platform",
        "verify",
        "Meta reported an unknown, possibly temporary error",
        M_EH,
        weak=True,
    ),
    _row(
        "meta",
        2,
        None,
        "platform",
        "verify",
        "Meta's service was temporarily unavailable",
        KOALA_699,
        weak=True,
    ),
    _row("meta", 3, None, "late", "no", "Late's Meta app lacks this capability", M_EH),
    _row("meta", 4, None, "wait", "later", "Meta's application request limit was reached", MX_RL),
    _row("meta", 17, None, "wait", "later", "Meta's user request limit was reached", MX_RL),
    _row("meta", 32, None, "wait", "later", "Meta's Page request limit was reached", MX_RL),
    _row("meta", 613, None, "wait", "later", "Meta's rate limit was exceeded", MX_RL),
    _row("meta", 341, None, "wait", "later", "Meta's application limit was reached", M_EH),
    *(
        _row("meta", c, None, "wait", "later", "Meta's business use-case rate limit was reached", MX_RL)
        for c in range(80000, 80015)
    ),
    _row(
        "meta", 368, None, "wait", "later", "the account is temporarily blocked for policy violations", M_EH
    ),
    _row(
        "meta",
        368,
        1390008,
        "wait",
        "later",
        "the account is posting too fast and is temporarily blocked",
        LT_FB,
    ),
    _row("meta", 506, None, "content", "no", "the same post was already published (duplicate)", M_EH),
    _row("meta", 1609005, None, "content", "no", "Facebook could not read the link in the post", M_EH),
    _row("meta", 100, None, "content", "no", "a field of the post is invalid", M_EH, weak=True),
    _row(
        "meta",
        100,
        33,
        "platform",
        "yes",
        "the media container was not readable yet (nothing was published)",
        PZ_ISSUE + "1562",
    ),
    _row("meta", 100, 2207050, "content", "no", "the post breaks the platform's limits", PZ_TH),
    _row(
        "meta",
        24,
        4279009,
        "platform",
        "yes",
        "the media container is not ready yet (nothing was published)",
        TH_TS,
    ),
    _row(
        "meta", 9007, None, "platform", "yes", "the media is still processing (nothing was published)", IG_EC
    ),
    _row(
        "meta",
        9007,
        2207027,
        "platform",
        "yes",
        "the media is still processing (nothing was published)",
        IG_EC,
    ),
    _row("meta", 352, None, "content", "no", "the video format is not supported", IG_EC),
    _row("meta", 9004, None, "late", "no", "the media URL could not be fetched or is not an image", IG_EC),
    _row("meta", 36000, None, "content", "no", "the image is larger than 8 MB", IG_EC),
    _row("meta", 36001, None, "content", "no", "the image resolution is not supported", PZ_IG),
    _row("meta", 36003, None, "content", "no", "the image's aspect ratio is not supported", PZ_IG),
    _row("meta", 36004, None, "content", "no", "the image's aspect ratio is not supported", IG_EC),
    # Facebook Pages (codes and subcodes from Postiz's Facebook provider and Late's error page).
    _row("facebook", 1390008, None, "wait", "later", "the Page is posting too fast", PZ_FB),
    _row("facebook", None, 1390008, "wait", "later", "the Page is posting too fast", LT_FB),
    _row("facebook", None, 1366046, "content", "no", "a photo is over 4 MB or not JPG/PNG", PZ_FB),
    _row("facebook", None, 1346003, "content", "no", "Facebook flagged the content as abusive", PZ_FB),
    _row(
        "facebook", None, 1404006, "account", "no", "Facebook requires a security check on the account", PZ_FB
    ),
    _row(
        "facebook", None, 1404078, "reconnect", "no", "the Page needs publishing authorisation again", PZ_FB
    ),
    _row(
        "facebook", None, 1404102, "content", "no", "the post violates Facebook's Community Standards", PZ_FB
    ),
    _row("facebook", None, 1404112, "wait", "later", "the account has limited access for some days", PZ_FB),
    _row("facebook", None, 1366051, "content", "no", "these photos were already posted", PZ_FB),
    _row("facebook", None, 1609008, "content", "no", "facebook.com links cannot be posted", PZ_FB),
    _row("facebook", None, 2061006, "content", "no", "a URL in the post is malformed", PZ_FB),
    _row("facebook", None, 1349125, "content", "no", "the post's content format is invalid", PZ_FB),
    _row("facebook", None, 1363047, "platform", "verify", "Facebook was temporarily unavailable", PZ_FB),
    _row("facebook", None, 1609010, "platform", "verify", "Facebook was temporarily unavailable", PZ_FB),
    _row("facebook", None, 4854002, "account", "no", "the Page owner must confirm their identity", PZ_FB),
    _row("facebook", 490, None, "reconnect", "no", "the access token expired", PZ_FB),
    _row(
        "facebook", 6000, None, "platform", "yes", "the video upload failed (nothing was published)", FB_VID
    ),
    _row(
        "facebook",
        None,
        1363030,
        "platform",
        "yes",
        "the video upload timed out (nothing was published)",
        FB_VID,
    ),
    _row("facebook", None, 1363023, "content", "no", "the video file is larger than 2 GB", FB_VID),
    _row("facebook", None, 1363022, "content", "no", "the video file is smaller than 1 KB", FB_VID),
    _row("facebook", None, 1363042, "reconnect", "no", "the account may not upload to this Page", FB_VID),
    _row("facebook", None, 1363037, "late", "yes", "Late sent a bad video upload offset", FB_VID),
    # Instagram: the subcode names the error (IG error-code reference).
    _row("instagram", None, 2207003, "platform", "yes", "Instagram timed out downloading the media", IG_EC),
    _row(
        "instagram",
        None,
        2207020,
        "late",
        "yes",
        "the media container expired before Late published it",
        IG_EC,
    ),
    _row(
        "instagram", None, 2207001, "platform", "yes", "Instagram's server failed creating the media", IG_EC
    ),
    _row("instagram", None, 2207032, "platform", "yes", "Instagram failed to create the media", IG_EC),
    _row("instagram", None, 2207053, "platform", "yes", "Instagram's upload failed", IG_EC),
    _row("instagram", None, 2207057, "content", "no", "the video's thumbnail offset is invalid", IG_EC),
    _row(
        "instagram",
        None,
        2207051,
        "wait",
        "verify",
        "Instagram restricted the activity as possible spam; the post may be live",
        PZ_ISSUE + "1681",
    ),
    _row(
        "instagram",
        None,
        2207042,
        "wait",
        "later",
        "the account reached Instagram's daily publishing limit",
        IG_CPL,
    ),
    _row("instagram", None, 2207004, "content", "no", "the image is larger than 8 MB", IG_EC),
    _row("instagram", None, 2207009, "content", "no", "the image's aspect ratio is not supported", IG_EC),
    _row("instagram", None, 2207010, "content", "no", "the caption is too long", PZ_IG),
    _row("instagram", None, 2207005, "content", "no", "the image format is not supported", PZ_IG),
    _row("instagram", None, 2207023, "content", "no", "the media type is not known", PZ_IG),
    _row("instagram", None, 2207026, "content", "no", "the video format is not supported", PZ_IG),
    _row("instagram", None, 2207028, "content", "no", "a carousel needs 2 to 10 items", PZ_IG),
    *(
        _row("instagram", None, s, "content", "no", "a product tag is invalid", PZ_IG)
        for s in range(2207035, 2207041)
    ),
    _row("instagram", None, 2207018, "content", "no", "a collaborator cannot be tagged on this post", PZ_IG),
    _row("instagram", None, 2207081, "content", "no", "the account does not support Trial Reels", PZ_IG),
    _row(
        "instagram",
        None,
        2207050,
        "account",
        "no",
        "the Instagram account is inactive, checkpointed or restricted",
        IG_EC,
    ),
    _row("instagram", None, 2207077, "platform", "yes", "Instagram could not download the video", PZ_IG),
    _row("instagram", None, 2207052, "platform", "yes", "Instagram could not fetch the media", PZ_IG),
    _row("instagram", None, 2207082, "platform", "yes", "the media upload failed", PZ_IG),
    _row(
        "instagram",
        None,
        2207027,
        "platform",
        "yes",
        "the media is still processing (nothing was published)",
        IG_EC,
    ),
    _row(
        "instagram",
        9,
        2207042,
        "wait",
        "later",
        "the account reached Instagram's daily publishing limit",
        IG_CPL,
    ),
    _row(
        "instagram",
        25,
        None,
        "account",
        "no",
        "the Instagram account is inactive, checkpointed or restricted",
        LT_IG,
    ),
    # Threads.
    _row("threads", 4279013, None, "account", "no", "the Threads user is restricted", PZ_TH),
    _row("threads", None, 4279013, "account", "no", "the Threads user is restricted", PZ_TH),
    _row(
        "threads",
        None,
        4279009,
        "platform",
        "yes",
        "the media container is not ready yet (nothing was published)",
        TH_TS,
    ),
    _row(
        "threads",
        "failed_downloading_video",
        None,
        "late",
        "no",
        "Threads could not fetch the media URL",
        TH_TS,
    ),
    *(
        _row("threads", c, None, "content", "no", "the video is outside Threads' specification", TH_TS)
        for c in (
            "invalid_aspec_ratio",
            "invalid_aspect_ratio",
            "invalid_bit_rate",
            "invalid_duration",
            "invalid_frame_rate",
            "invalid_audio_channels",
            "invalid_audio_channel_layout",
        )
    ),
    _row(
        "threads",
        "failed_processing_video",
        None,
        "content",
        "no",
        "Threads could not process the video",
        TH_TS,
    ),
    _row(
        "threads",
        "failed_processing_audio",
        None,
        "content",
        "no",
        "Threads could not process the audio",
        TH_TS,
    ),
    _row("threads", "expired", None, "late", "yes", "the container expired before Late published it", TH_TS),
    # TikTok (error.code in the body).
    _row(
        "tiktok", "access_token_invalid", None, "reconnect", "no", "the TikTok access token is invalid", TT_EH
    ),
    _row("tiktok", "access_token_expired", None, "reconnect", "no", "the TikTok access token expired", TT_EH),
    _row("tiktok", "token_expired", None, "reconnect", "no", "the TikTok access token expired", TT_EH),
    _row(
        "tiktok",
        "scope_not_authorized",
        None,
        "reconnect",
        "no",
        "the posting permission was not granted",
        TT_EH,
    ),
    _row(
        "tiktok",
        "scope_permission_missed",
        None,
        "reconnect",
        "no",
        "the posting permission is missing",
        TT_EH,
    ),
    _row(
        "tiktok", "rate_limit_exceeded", None, "wait", "later", "TikTok's API rate limit was exceeded", TT_DP
    ),
    _row("tiktok", "internal_error", None, "platform", "verify", "TikTok's server failed", TT_EH, weak=True),
    _row("tiktok", "invalid_params", None, "late", "no", "Late sent TikTok a malformed request", TT_EH),
    _row("tiktok", "invalid_file_upload", None, "late", "no", "the upload to TikTok was malformed", TT_EH),
    _row(
        "tiktok",
        "spam_risk_too_many_posts",
        None,
        "wait",
        "later",
        "the creator reached TikTok's daily post cap",
        LT_TT,
    ),
    _row(
        "tiktok",
        "spam_risk_too_many_pending_share",
        None,
        "account",
        "later",
        "five or more posts wait in the creator's TikTok inbox",
        LT_TT,
    ),
    _row(
        "tiktok",
        "spam_risk_user_banned_from_posting",
        None,
        "account",
        "no",
        "the creator is banned from posting",
        PZ_TT,
    ),
    _row("tiktok", "spam_risk_text", None, "content", "no", "TikTok flagged the text as spam", PZ_TT),
    _row("tiktok", "spam_risk", None, "content", "no", "TikTok flagged the post as spam", PZ_TT),
    _row(
        "tiktok",
        "reached_active_user_cap",
        None,
        "late",
        "later",
        "Late's TikTok app reached its daily user cap",
        PZ_TT,
    ),
    _row(
        "tiktok",
        "unaudited_client_can_only_post_to_private_accounts",
        None,
        "late",
        "no",
        "Late's TikTok app is not audited: it may post only privately",
        TT_CSG,
    ),
    _row(
        "tiktok",
        "url_ownership_unverified",
        None,
        "late",
        "no",
        "the media URL's domain is not verified with TikTok",
        PZ_TT,
    ),
    _row(
        "tiktok",
        "privacy_level_option_mismatch",
        None,
        "content",
        "no",
        "the privacy level is not one the creator allows",
        PZ_TT,
    ),
    *(
        _row("tiktok", c, None, "content", "no", "the media is outside TikTok's specification", PZ_TT)
        for c in (
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "video_format_check_failed",
        )
    ),
    _row(
        "tiktok",
        "video_pull_failed",
        None,
        "late",
        "yes",
        "TikTok could not download the video from its host",
        PZ_TT,
    ),
    _row(
        "tiktok",
        "photo_pull_failed",
        None,
        "late",
        "yes",
        "TikTok could not download the photo from its host",
        PZ_TT,
    ),
    _row(
        "tiktok",
        "app_version_check_failed",
        None,
        "account",
        "no",
        "the creator's TikTok app is too old",
        PZ_TT,
    ),
    _row(
        "tiktok",
        "send_to_user_inbox",
        None,
        "account",
        "no",
        "the post waits as a draft in the creator's TikTok inbox: do not repost",
        PZ_ISSUE + "1710",
    ),
    # YouTube (errors[].reason) and Google APIs generally (status words).
    _row("youtube", "quotaexceeded", None, "wait", "later", "the YouTube API's daily quota is spent", YT_ERR),
    _row(
        "youtube",
        "uploadlimitexceeded",
        None,
        "wait",
        "later",
        "the channel reached its upload limit",
        YT_ERR,
    ),
    _row("youtube", "ratelimitexceeded", None, "wait", "later", "too many requests in a short time", YT_ERR),
    _row(
        "youtube", "userratelimitexceeded", None, "wait", "later", "too many requests in a short time", YT_ERR
    ),
    _row(
        "youtube",
        "dailylimitexceeded",
        None,
        "wait",
        "later",
        "the YouTube API's daily limit is spent",
        YT_ERR,
    ),
    _row(
        "youtube",
        "authenticateduseraccountsuspended",
        None,
        "account",
        "no",
        "the YouTube account is suspended",
        YT_ERR,
    ),
    _row(
        "youtube",
        "authenticateduseraccountclosed",
        None,
        "account",
        "no",
        "the YouTube account is closed",
        YT_ERR,
    ),
    _row(
        "youtube",
        "youtubesignuprequired",
        None,
        "account",
        "no",
        "the Google account has no YouTube channel",
        PZ_YT,
    ),
    _row(
        "youtube",
        "forbidden",
        None,
        "account",
        "no",
        "the account may not upload this video",
        YT_ERR,
        weak=True,
    ),
    *(
        _row("youtube", c, None, "content", "no", "the video's metadata is invalid", YT_ERR)
        for c in (
            "invalidtitle",
            "invaliddescription",
            "invalidtags",
            "invalidcategoryid",
            "invalidpublishat",
            "invalidfilename",
            "mediabodyrequired",
            "invalidvideometadata",
            "invalidrecordingdetails",
            "invalidvideogamerating",
            "defaultlanguagenotset",
        )
    ),
    _row("youtube", "processingfailed", None, "content", "no", "YouTube could not process the video", YT_ERR),
    _row(
        "youtube",
        "failedprecondition",
        None,
        "account",
        "no",
        "custom thumbnails need a verified channel",
        PZ_YT,
    ),
    _row("youtube", "autherror", None, "reconnect", "no", "the Google credentials are invalid", YT_ERR),
    _row("youtube", "invalid_grant", None, "reconnect", "no", "the Google refresh token was revoked", PZ_YT),
    _row("youtube", "channelnotfound", None, "reconnect", "no", "the YouTube channel was not found", YT_ERR),
    _row(
        "youtube", "backenderror", None, "platform", "verify", "YouTube's backend failed", YT_ERR, weak=True
    ),
    _row(
        "youtube", "internalerror", None, "platform", "verify", "YouTube's server failed", YT_ERR, weak=True
    ),
    _row(
        "google",
        "unauthenticated",
        None,
        "reconnect",
        "no",
        "the Google credentials are invalid or expired",
        G_ERR,
    ),
    _row("google", "invalid_grant", None, "reconnect", "no", "the Google refresh token was revoked", PZ_GMB),
    _row("google", "resource_exhausted", None, "wait", "later", "the Google API quota is spent", G_ERR),
    _row(
        "google",
        "unavailable",
        None,
        "platform",
        "verify",
        "the Google service was unavailable",
        G_ERR,
        weak=True,
    ),
    _row("google", "internal", None, "platform", "verify", "the Google service failed", G_ERR, weak=True),
    _row(
        "google",
        "deadline_exceeded",
        None,
        "platform",
        "verify",
        "the Google service timed out",
        G_ERR,
        weak=True,
    ),
    _row(
        "googlebusiness",
        "error_code_unverified_location",
        None,
        "account",
        "no",
        "the Google Business location is not verified",
        GBP_EC,
    ),
    _row(
        "googlebusiness",
        "unverified_location",
        None,
        "account",
        "no",
        "the Google Business location is not verified",
        GBP_EC,
    ),
    _row(
        "googlebusiness",
        "failed_precondition",
        None,
        "account",
        "no",
        "the Google Business location is not ready for posts (often not verified)",
        GBP_EC,
    ),
    _row(
        "googlebusiness",
        "permission_denied",
        None,
        "reconnect",
        "no",
        "the connected user lost manager access to the location",
        PZ_GMB,
    ),
    _row(
        "googlebusiness",
        "not_found",
        None,
        "account",
        "no",
        "the Google Business location no longer exists",
        PZ_GMB,
    ),
    _row(
        "googlebusiness",
        "invalid_argument",
        None,
        "content",
        "no",
        "a field of the post is invalid",
        PZ_GMB,
        weak=True,
    ),
    _row(
        "youtube",
        "permission_denied",
        None,
        "reconnect",
        "no",
        "the Google account lacks a permission",
        G_ERR,
    ),
    _row("youtube", "invalid_argument", None, "content", "no", "a field of the upload is invalid", G_ERR),
    # X / Twitter (v1.1 codes, v2 problem types).
    _row("x", 32, None, "reconnect", "no", "X could not authenticate the account", X_V1),
    _row("x", 89, None, "reconnect", "no", "the X token is invalid or expired", X_V1),
    _row("x", 215, None, "reconnect", "no", "the X request carried bad authentication data", X_V1),
    _row("x", 135, None, "reconnect", "no", "X could not authenticate the account (clock skew)", X_V1),
    _row("x", 88, None, "wait", "later", "X's rate limit was exceeded", X_V1),
    _row("x", 185, None, "wait", "later", "the account is over X's daily post limit", TW_RB),
    _row("x", 187, None, "content", "no", "the post is a duplicate", TW_RB),
    _row("x", 186, None, "content", "no", "the post is too long", ANON_138),
    _row("x", 324, None, "content", "no", "the media could not be attached", TW_RB),
    _row("x", 226, None, "content", "no", "X took the request for automated spam", TW_RB),
    _row("x", 64, None, "account", "no", "the X account is suspended", TW_RB),
    _row("x", 326, None, "account", "no", "the X account is locked", TW_RB),
    _row("x", 231, None, "account", "no", "the X account must complete a login verification", TW_RB),
    _row("x", 261, None, "late", "no", "Late's X app may not write", TW_RB),
    _row("x", 130, None, "platform", "verify", "X was over capacity", X_V1, weak=True),
    _row("x", 131, None, "platform", "verify", "X had an internal error", X_V1, weak=True),
    _row("x", "usage-capped", None, "late", "later", "the X app's usage cap is spent", X_RC),
    _row(
        "x",
        "client-not-enrolled",
        None,
        "late",
        "no",
        "Late's X app lacks the required API access level",
        X_RC,
    ),
    _row("x", "unsupported-authentication", None, "reconnect", "no", "X rejected the authentication", X_RC),
    _row("x", "user-suspended", None, "account", "no", "the X account is suspended", PZ_X),
    _row("x", "duplicate_content", None, "content", "no", "the post is a duplicate", PZ_X),
    _row("x", "invalid-request", None, "content", "no", "a field of the post is invalid", X_RC, weak=True),
    # LinkedIn (serviceErrorCode / code).
    _row(
        "linkedin", "revoked_access_token", None, "reconnect", "no", "the LinkedIn token was revoked", LI_EH
    ),
    _row("linkedin", "expired_access_token", None, "reconnect", "no", "the LinkedIn token expired", LI_EH),
    _row("linkedin", "invalid_access_token", None, "reconnect", "no", "the LinkedIn token is invalid", LI_EH),
    _row("linkedin", 65600, None, "reconnect", "no", "the LinkedIn token is invalid", LI_EH),
    _row("linkedin", 65601, None, "reconnect", "no", "the LinkedIn token was revoked", LI_EH),
    _row("linkedin", 65602, None, "reconnect", "no", "the LinkedIn token expired", LI_EH),
    _row(
        "linkedin",
        "duplicate_post",
        None,
        "content",
        "verify",
        "LinkedIn says the post is a duplicate: an earlier attempt may have published it",
        LI_DUP,
    ),
    _row("linkedin", "too_many_requests", None, "wait", "later", "LinkedIn's daily limit was reached", LI_RL),
    _row(
        "linkedin",
        "access_denied",
        None,
        "reconnect",
        "no",
        "the member lacks a permission or the role to post there",
        LI_EH,
        weak=True,  # a message naming the organisation role makes it an account problem
    ),
    _row(
        "linkedin",
        100,
        None,
        "reconnect",
        "no",
        "the member lacks a permission or the role to post there",
        LI_EH,
    ),
    _row(
        "linkedin",
        "version_not_active",
        None,
        "late",
        "no",
        "Late called a LinkedIn API version that is retired",
        LI_VER,
    ),
    _row(
        "linkedin",
        "nonexistent_version",
        None,
        "late",
        "no",
        "Late called a LinkedIn API version that is retired",
        LI_VER,
    ),
    # Pinterest ({"code", "message"}).
    _row("pinterest", 2, None, "reconnect", "no", "Pinterest authentication failed", PIN),
    _row("pinterest", 3, None, "reconnect", "no", "the Pinterest token is not authorised", PIN),
    _row("pinterest", 8, None, "wait", "later", "Pinterest's rate limit was exceeded", PIN),
    _row("pinterest", 235, None, "content", "no", "Pinterest blocked a link in the post as spam", PIN),
    _row("pinterest", 1, None, "content", "no", "a field of the Pin is invalid", PIN, weak=True),
    # Reddit (json.errors[][0]).
    _row("reddit", "ratelimit", None, "wait", "later", "Reddit's posting rate limit was hit", PRAW_1954),
    _row("reddit", "quota_filled", None, "wait", "later", "the account's hourly Reddit quota is full", RD),
    _row("reddit", "subreddit_ratelimit", None, "wait", "later", "the subreddit's rate limit was hit", RD),
    _row("reddit", "subreddit_noexist", None, "content", "no", "the subreddit does not exist", RD),
    _row(
        "reddit",
        "subreddit_notallowed",
        None,
        "content",
        "no",
        "the account may not post in this subreddit",
        RD,
    ),
    _row("reddit", "subreddit_required", None, "content", "no", "no subreddit was chosen", RD),
    _row("reddit", "no_selfs", None, "content", "no", "the subreddit does not allow text posts", RD),
    _row("reddit", "no_links", None, "content", "no", "the subreddit does not allow link posts", RD),
    _row("reddit", "already_sub", None, "content", "no", "the link was already submitted", RD),
    _row("reddit", "domain_banned", None, "content", "no", "the link's domain is banned", RD),
    _row("reddit", "too_long", None, "content", "no", "the text is too long", RD),
    _row("reddit", "bad_image", None, "content", "no", "the image is not valid", RD),
    _row("reddit", "no_text", None, "content", "no", "a required text is missing", RD),
    _row(
        "reddit",
        "submit_validation_flair_required",
        None,
        "content",
        "no",
        "the subreddit requires a flair",
        RD,
    ),
    _row(
        "reddit",
        "oauth2_invalid_refresh_token",
        None,
        "reconnect",
        "no",
        "the Reddit refresh token is invalid",
        RD,
    ),
    _row("reddit", "user_required", None, "reconnect", "no", "Reddit needs a signed-in user", RD),
    # Bluesky ({"error": "<Name>", "message"}).
    # Bluesky answers an expired session with HTTP 400 ExpiredToken: Late should have refreshed it. "Token has
    # been revoked" (the app password was withdrawn) is a reconnect: the message overrides this weak row.
    _row(
        "bluesky",
        "expiredtoken",
        None,
        "late",
        "no",
        "Late did not refresh the expired Bluesky session",
        BS_TS,
        weak=True,
    ),
    _row("bluesky", "invalidtoken", None, "reconnect", "no", "the Bluesky session token is invalid", BS_TS),
    _row(
        "bluesky",
        "authrequired",
        None,
        "reconnect",
        "no",
        "Bluesky needs the account to sign in again",
        BS_TS,
    ),
    _row("bluesky", "accounttakedown", None, "account", "no", "the Bluesky account was taken down", BS_LEX),
    _row(
        "bluesky", "accountdeactivated", None, "account", "no", "the Bluesky account is deactivated", BS_LEX
    ),
    _row("bluesky", "ratelimitexceeded", None, "wait", "later", "Bluesky's rate limit was exceeded", BS_RL),
    _row(
        "bluesky",
        "upstreamfailure",
        None,
        "platform",
        "verify",
        "Bluesky's upstream service failed",
        BS_LEX,
        weak=True,
    ),
    _row(
        "bluesky",
        "invalidrequest",
        None,
        "content",
        "no",
        "the post breaks Bluesky's record rules",
        BS_LEX,
        weak=True,
    ),
    _row("bluesky", "blobtoolarge", None, "content", "no", "an image is larger than Bluesky allows", BS_LEX),
    # Discord ({"code", "message"} JSON error codes).
    _row("discord", 10003, None, "content", "no", "the Discord channel does not exist", DISCORD),
    _row("discord", 10015, None, "reconnect", "no", "the Discord webhook was deleted", DISCORD),
    _row("discord", 50001, None, "account", "no", "the bot has no access to the channel", DISCORD),
    _row("discord", 50013, None, "account", "no", "the bot lacks permissions in the channel", DISCORD),
    _row("discord", 40005, None, "content", "no", "the attachment is too large", DISCORD),
    _row("discord", 50035, None, "content", "no", "a field of the message is invalid", DISCORD),
    _row("discord", 50006, None, "content", "no", "the message is empty", DISCORD),
    _row("discord", 20028, None, "wait", "later", "the channel hit Discord's write rate limit", DISCORD),
    _row("discord", 40002, None, "account", "no", "the Discord account must be verified", DISCORD),
    # Late / Zernio's own error codes (any platform).
    _row("*", "duplicate_content", None, "content", "no", "the same content was posted recently", ZR),
    _row("*", "rate_limited", None, "wait", "later", "a rate limit was hit", ZR),
    _row(
        "*",
        "velocity_limit",
        None,
        "wait",
        "later",
        "Late's hourly posting limit for the account was hit",
        ZR,
    ),
    _row("*", "daily_limit_reached", None, "wait", "later", "the account's daily post limit was reached", ZR),
    _row(
        "*", "account_paused", None, "wait", "later", "Late paused the account after repeated rate limits", ZR
    ),
    _row("*", "quota_exceeded", None, "wait", "later", "a quota is spent", ZR),
    _row("*", "token_expired", None, "reconnect", "no", "the access token expired", ZR),
    _row("*", "token_revoked", None, "reconnect", "no", "the access token was revoked", ZR),
    _row("*", "invalid_token", None, "reconnect", "no", "the access token is invalid", ZR),
    _row(
        "*", "reauthorization_required", None, "reconnect", "no", "the account must be authorised again", ZR
    ),
    _row("*", "account_disconnected", None, "reconnect", "no", "the account is disconnected", ZR),
    _row("*", "media_fetch_failed", None, "late", "no", "the media could not be downloaded from its URL", ZR),
    _row("*", "internal_server_error", None, "late", "verify", "Late's own system failed", ZR, weak=True),
    _row("*", "system_error", None, "late", "verify", "Late's own system failed", ZO, weak=True),
    _row("*", "etimedout", None, "platform", "verify", "the request timed out", NODE_ERR, weak=True),
    _row("*", "econnreset", None, "platform", "verify", "the connection was reset", NODE_ERR, weak=True),
    _row(
        "*",
        "econnrefused",
        None,
        "platform",
        "verify",
        "the platform refused the connection",
        NODE_ERR,
        weak=True,
    ),
    _row(
        "*",
        "eai_again",
        None,
        "platform",
        "yes",
        "the platform's address did not resolve (nothing was sent)",
        NODE_ERR,
        weak=True,
    ),
    _row(
        "*",
        "enotfound",
        None,
        "platform",
        "yes",
        "the platform's address did not resolve (nothing was sent)",
        NODE_ERR,
        weak=True,
    ),
    _row("*", "esockettimedout", None, "platform", "verify", "the request timed out", NODE_ERR, weak=True),
)


# Added from public issue threads and docs while testing (see tests/test_verdicts.py for verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    _row("x", 453, None, "late", "no", "Late's X app's access level does not include this endpoint", X_RC),
    _row("x", 402, None, "late", "later", "the X app's credits are spent", X_RC),
    _row("x", "creditsdepleted", None, "late", "later", "the X app's credits are spent", X_RC),
    _row("x", 220, None, "reconnect", "no", "the X credentials do not allow this", X_V1),
    _row("x", 44, None, "content", "no", "a media or attachment parameter is invalid", X_V1),
    _row("x", 170, None, "content", "no", "the post has no text", TW_RB),
    _row("x", 327, None, "content", "no", "the post was already reposted", TW_RB),
    _row(
        "tiktok",
        "auth_removed",
        None,
        "reconnect",
        "no",
        "the creator removed Late's access on TikTok",
        TT_DP,
    ),
    _row(
        "tiktok", "internal", None, "platform", "verify", "TikTok failed while publishing", TT_DP, weak=True
    ),
    _row("tiktok", "user_banned", None, "account", "no", "the creator is banned from posting", TT_DP),
    _row(
        "tiktok",
        "publish_cancelled",
        None,
        "account",
        "no",
        "the creator cancelled the post on TikTok",
        TT_DP,
    ),
    _row(
        "tiktok",
        "video_format_check_failed",
        None,
        "content",
        "no",
        "the video format is not supported",
        TT_DP,
    ),
    _row(
        "youtube",
        "insufficientpermissions",
        None,
        "reconnect",
        "no",
        "a YouTube permission was not granted",
        YT_ERR,
    ),
    _row(
        "google",
        "access_token_scope_insufficient",
        None,
        "reconnect",
        "no",
        "a Google permission was not granted",
        G_ERR,
    ),
    _row(
        "youtube", "unauthorized", None, "reconnect", "no", "the Google credentials are not accepted", YT_ERR
    ),
    _row(
        "youtube", "invalidcredentials", None, "reconnect", "no", "the Google credentials are invalid", YT_ERR
    ),
    _row(
        "bluesky",
        "internalservererror",
        None,
        "platform",
        "verify",
        "Bluesky's server failed",
        BS_LEX,
        weak=True,
    ),
    _row(
        "bluesky",
        "authenticationrequired",
        None,
        "reconnect",
        "no",
        "Bluesky rejected the app password",
        BS_LEX,
    ),
    _row("bluesky", "accountnotfound", None, "account", "no", "the Bluesky account no longer exists", BS_LEX),
    _row("reddit", "bad_sr_name", None, "content", "no", "the subreddit name is invalid", RD),
    _row("reddit", "thread_locked", None, "content", "no", "the thread is locked", RD),
    _row("reddit", "invalid_option", None, "content", "no", "an option of the post is invalid", RD),
    _row("reddit", "no_url", None, "content", "no", "the link post has no URL", RD),
    _row("reddit", "bad_url", None, "content", "no", "the link's URL is invalid", RD),
    _row(
        "reddit",
        "banned_from_subreddit",
        None,
        "account",
        "no",
        "the account is banned from the subreddit",
        RD,
    ),
    _row("reddit", "spam", None, "content", "no", "Reddit took the post for spam", RD),
    _row("pinterest", 4, None, "content", "no", "the board or Pin was not found", PIN),
    _row("linkedin", "unauthorized", None, "reconnect", "no", "the LinkedIn token is not accepted", LI_EH),
    _row(
        "instagram",
        None,
        2207006,
        "late",
        "yes",
        "the media container was not found: Late must upload it again",
        PZ_IG,
    ),
    _row(
        "instagram", None, 2207008, "late", "yes", "the media builder expired before Late published it", PZ_IG
    ),
    _row(
        "youtube",
        "accessnotconfigured",
        None,
        "late",
        "no",
        "Late's Google project has the YouTube API disabled",
        YT_ERR,
    ),
    _row("discord", 50027, None, "reconnect", "no", "the Discord webhook token is invalid", DISCORD),
    _row("discord", 30007, None, "wait", "later", "the channel reached Discord's webhook limit", DISCORD),
    _row("reddit", "bad_captcha", None, "account", "no", "Reddit asks this new account for a captcha", RD),
    _row(
        "reddit",
        "submit_validation_body_blacklisted_string",
        None,
        "content",
        "no",
        "the post's text holds a string the subreddit bans",
        RD,
    ),
    _row(
        "googlebusiness",
        "unauthenticated",
        None,
        "reconnect",
        "no",
        "the Google credentials are invalid",
        G_ERR,
    ),
    _row("x", 226, None, "content", "no", "X took the request for automated spam", TW_RB),
)

# ------------------------------------------------------------------------------------ message patterns
# Tried after the code rows, platform rows first. Order matters inside a platform: the first match wins.
_TOKEN = (
    r"access[ _-]?token|invalid or expired token|token (?:has )?expired|expired token|session has expired|"
    r"session (?:has been|was) invalidated|password (?:was )?changed|changed (?:their|the|your) password|"
    r"\brevoked\b|invalid_grant|re-?authori[sz]|re-?authenticat|reconnect|could not authenticate|"
    r"invalid (?:authentication )?credentials|not authenticated|unauthenticated|authentication failed|"
    r"refresh token|login required|sign in again|^\s*unauthori[sz]ed\s*$|^\s*401\b|"
    r"\btoken\b[^.|]{0,40}\b(?:expired|revoked|invalid|no longer valid)|"
    r"invalid (?:access |oauth |bearer |auth )?token|expired (?:access |oauth |bearer )?token|"
    r"please log in|log in again|account (?:is |was |has been )?disconnected"
)
MESSAGE_ROWS: tuple[Row, ...] = (
    # Instagram.
    _text(
        "instagram",
        r"not an? instagram business|business or creator|professional account",
        "account",
        "no",
        "the Instagram account must be a Business or Creator account linked to a Page",
        PZ_IG,
    ),
    _text(
        "instagram",
        r"page request limit reached",
        "wait",
        "later",
        "the Page's posting limit for today is reached",
        PZ_IG,
    ),
    _text(
        "instagram",
        r"restrict certain activity|we limit how often",
        "wait",
        "verify",
        "Instagram restricted the activity as possible spam; the post may be live",
        IG_EC,
    ),
    _text(
        "instagram",
        r"media (?:id )?is not available|not (?:yet )?ready (?:for|to be) publish",
        "platform",
        "yes",
        "the media is still processing (nothing was published)",
        IG_EC,
    ),
    _text(
        "instagram",
        r"too (?:little|many) attachments|carousel",
        "content",
        "no",
        "a carousel needs 2 to 10 items",
        PZ_IG,
    ),
    _text(
        "instagram",
        r"collaborators? is not allowed|cannot be tagged",
        "content",
        "no",
        "a collaborator cannot be tagged on this post",
        PZ_ISSUE + "1876",
    ),
    _text(
        "instagram",
        r"not enough permissions to post",
        "reconnect",
        "no",
        "the Instagram publishing permission is missing",
        PZ_IG,
    ),
    _text(
        "instagram",
        r"instagram_content_publish",
        "reconnect",
        "no",
        "the Instagram publishing permission is missing",
        PZ_ISSUE + "1914",
    ),
    # Threads.
    _text(
        "threads",
        r"could not be fetched from this uri|failed_downloading",
        "late",
        "no",
        "Threads could not fetch the media URL",
        PZ_TH,
    ),
    _text(
        "threads", r"at most \d+ characters", "content", "no", "the text is longer than Threads allows", PZ_TH
    ),
    # Facebook.
    _text(
        "facebook",
        r"confirm (?:your|their) identity|security check",
        "account",
        "no",
        "Facebook requires a security check on the account",
        PZ_FB,
    ),
    _text(
        "facebook",
        r"publish_actions|pages_manage_posts|manage_pages|page publishing authori",
        "reconnect",
        "no",
        "the Page publishing permission is missing",
        PZ_FB,
    ),
    # Meta (all three).
    _text(
        "meta",
        r"checkpoint",
        "account",
        "no",
        "the account is checkpointed: the owner must log in first",
        M_SUB,
    ),
    _text(
        "meta",
        r"(?:user|you|person|member) (?:does not|doesn't) have (?:sufficient )?administrative permission|"
        r"not an admin|page role|"
        r"must be an? (?:admin|administrator|editor|moderator)|administrator, editor|role on the page|"
        r"task (?:on|for) (?:the|this) page|installed in the group",
        "account",
        "no",
        "the connected user lacks a role on the Page",
        M_EH,
    ),
    # TikTok.
    _text(
        "tiktok",
        r"daily post cap|too many posts|upload cap",
        "wait",
        "later",
        "the creator reached TikTok's daily post cap",
        LT_TT,
    ),
    _text(
        "tiktok",
        r"daily active user quota|active user cap",
        "late",
        "later",
        "Late's TikTok app reached its daily active-user cap",
        PZ_ISSUE + "1854",
    ),
    _text("tiktok", r"pending share", "account", "later", "posts wait in the creator's TikTok inbox", LT_TT),
    # YouTube.
    _text(
        "youtube",
        r"exceeded (?:your|the) .*quota|quota",
        "wait",
        "later",
        "the YouTube API's daily quota is spent",
        YT_ERR,
    ),
    _text(
        "youtube",
        r"exceeded the number of videos",
        "wait",
        "later",
        "the channel reached its upload limit",
        YT_ERR,
    ),
    _text(
        "youtube",
        r"channel not found|no channel",
        "reconnect",
        "no",
        "the YouTube channel was not found for the connected Google account",
        PZ_ISSUE + "2072",
    ),
    _text(
        "youtube",
        r"youtube ?signup ?required",
        "account",
        "no",
        "the Google account has no YouTube channel",
        PZ_YT,
    ),
    # X.
    _text("x", r"duplicate content|status is a duplicate", "content", "no", "the post is a duplicate", PZ_X),
    _text("x", r"usage cap|usage-capped|credits", "late", "later", "the X app's usage cap is spent", X_RC),
    _text(
        "x",
        r"too long|needs to be a bit shorter|over \d+ characters",
        "content",
        "no",
        "the post is too long",
        ANON_138,
    ),
    _text("x", r"suspended", "account", "no", "the X account is suspended", PZ_X),
    _text(
        "x",
        r"not permitted to perform this action",
        "content",
        "no",
        "X refused the post (often a duplicate or a policy rule)",
        X_DUP_2010,
    ),
    _text(
        "x",
        r"unsupported authentication|oauth 2\.0 application-only",
        "reconnect",
        "no",
        "X rejected the authentication",
        X_RC,
    ),
    _text(
        "x",
        r"developer app|attached to a project|appropriate level of api access|oauth1 app permissions|"
        r"subset of x api|read-only application",
        "late",
        "no",
        "Late's X app lacks the required API access level",
        X_RC,
    ),
    _text(
        "x",
        r"looks like it might be automated|automated",
        "content",
        "no",
        "X took the request for automated spam",
        TW_RB,
    ),
    _text(
        "youtube",
        r"has not been used in project|api has not been used|is disabled|access not configured",
        "late",
        "no",
        "Late's Google project has the YouTube API disabled",
        YT_ERR,
    ),
    _text("pinterest", r"consumer type", "late", "no", "Late's Pinterest app type is not allowed here", PIN),
    _text(
        "linkedin",
        r"not an? (?:admin|administrator)|administrator role|role .*organi[sz]ation|organi[sz]ation.* role",
        "account",
        "no",
        "the member is not an admin of the LinkedIn page",
        LI_EH,
    ),
    _text(
        "linkedin",
        r"member is restricted|restricted from",
        "account",
        "no",
        "the LinkedIn member is restricted from posting",
        LI_EH,
    ),
    _text(
        "discord",
        r"invalid webhook token",
        "reconnect",
        "no",
        "the Discord webhook token is invalid",
        DISCORD,
    ),
    # LinkedIn.
    _text(
        "linkedin",
        r"duplicate",
        "content",
        "verify",
        "LinkedIn says the post is a duplicate: an earlier attempt may have published it",
        LI_DUP,
    ),
    _text(
        "linkedin",
        r"not enough permissions",
        "reconnect",
        "no",
        "the member lacks a permission or the role to post there",
        LI_EH,
    ),
    _text("linkedin", r"throttle|day limit", "wait", "later", "LinkedIn's daily limit was reached", LI_RL),
    _text(
        "linkedin",
        r"version .*not active|linkedin-version",
        "late",
        "no",
        "Late called a LinkedIn API version that is retired",
        LI_VER,
    ),
    _text(
        "linkedin",
        r"unable to obtain activity|resource is forbidden",
        "platform",
        "verify",
        "LinkedIn failed to confirm the post",
        PZ_LI,
    ),
    # Pinterest.
    _text(
        "pinterest",
        r"board.*not found|board_id|board not|invalid board|\bboard\b",
        "content",
        "no",
        "the Pin's board does not exist or is not the account's",
        PZ_PIN,
    ),
    _text(
        "pinterest",
        r"maxitems|cover_image|cover image",
        "content",
        "no",
        "the Pin's media is outside limits",
        PZ_PIN,
    ),
    _text(
        "pinterest",
        r"blocked this link|may lead to spam",
        "content",
        "no",
        "Pinterest blocked a link as spam",
        PIN,
    ),
    _text(
        "pinterest",
        r"unable to reach the url",
        "late",
        "yes",
        "Pinterest could not reach the media URL",
        PZ_PIN,
    ),
    # Reddit.
    _text(
        "reddit",
        r"take a break|try again in \d+|doing that a lot",
        "wait",
        "later",
        "Reddit's posting rate limit was hit",
        PRAW_1954,
    ),
    _text(
        "reddit",
        r"karma|account is too new",
        "account",
        "no",
        "the Reddit account lacks karma or is too new",
        RD,
    ),
    _text("reddit", r"flair", "content", "no", "the subreddit requires a flair", RD),
    _text(
        "reddit",
        r"aren'?t allowed to post there|not allowed to post|private|banned from",
        "content",
        "no",
        "the account may not post in this subreddit",
        RD,
    ),
    _text(
        "reddit",
        r"doesn'?t allow (?:text|link|image|video)",
        "content",
        "no",
        "the subreddit does not allow this kind of post",
        RD,
    ),
    # Bluesky.
    _text(
        "bluesky",
        r"token (?:has )?expired",
        "late",
        "no",
        "Late did not refresh the expired Bluesky session",
        BS_TS,
    ),
    _text(
        "bluesky", r"graphemes|longer than", "content", "no", "the text is longer than 300 graphemes", BS_LEX
    ),
    _text(
        "bluesky",
        r"takedown|taken down|deactivated",
        "account",
        "no",
        "the Bluesky account is taken down",
        BS_LEX,
    ),
    # Google Business.
    _text(
        "googlebusiness",
        r"unverified|not verified|verify the location",
        "account",
        "no",
        "the Google Business location is not verified",
        GBP_EC,
    ),
    # Telegram (description text; error_code is only the HTTP status).
    _text(
        "telegram",
        r"retry after \d+|too many requests",
        "wait",
        "later",
        "Telegram's flood limit was hit",
        TG,
    ),
    _text(
        "telegram",
        r"bot was (?:blocked|kicked)|bot is not a member|can't initiate conversation|not a member of the"
        r"|need administrator rights"
        r"|not enough rights|have no rights|chat_write_forbidden|chat_admin_required",
        "account",
        "no",
        "the bot lost its rights in the chat: add it back as an admin",
        TG,
    ),
    _text("telegram", r"chat not found|peer_id_invalid", "content", "no", "the chat id is wrong", TG),
    _text("telegram", r"user is deactivated", "account", "no", "the Telegram user is deactivated", TG),
    _text(
        "telegram",
        r"invalid_dimensions|photo_invalid|image_process_failed|wrong_file_id|media_empty",
        "content",
        "no",
        "a photo or file is invalid for Telegram",
        TG,
    ),
    _text(
        "telegram",
        r"upgraded to a supergroup",
        "late",
        "yes",
        "the chat moved to a new id (a supergroup)",
        TG_API,
    ),
    _text(
        "telegram",
        r"can'?t parse entities|message text is empty|message is too long|caption is too long",
        "content",
        "no",
        "the message's text or markup is invalid",
        TG,
    ),
    _text(
        "telegram",
        r"failed to get http url content|wrong file identifier|wrong type of the web page",
        "late",
        "no",
        "Telegram could not fetch the media URL",
        TG,
    ),
    _text(
        "telegram", r"file is too big|too big", "content", "no", "a file is larger than Telegram allows", TG
    ),
    _text(
        "telegram", r"^\s*unauthori[sz]ed\s*$|bot token", "reconnect", "no", "the bot token was revoked", TG
    ),
    # Discord.
    _text(
        "discord",
        r"missing permissions|missing access",
        "account",
        "no",
        "the bot lacks permissions in the channel",
        DISCORD,
    ),
    _text("discord", r"unknown webhook", "reconnect", "no", "the Discord webhook was deleted", DISCORD),
    _text("discord", r"unknown channel", "content", "no", "the Discord channel does not exist", DISCORD),
    # Snapchat.
    _text(
        "snapchat",
        r"public profile",
        "account",
        "no",
        "the Snapchat Public Profile is missing or not shared",
        SC,
    ),
    _text(
        "snapchat",
        r"unsupported media|media format|duration|resolution",
        "content",
        "no",
        "the media is outside Snapchat's specification",
        SC,
    ),
    # Any platform: Late's own wording and common phrasings.
    _text(
        "*",
        r"container (?:has |is )?expired|expired container|(?:media|upload) (?:has )?expired",
        "late",
        "yes",
        "the uploaded media expired before Late published it (nothing was published)",
        IG_EC,
    ),
    _text(
        "bluesky",
        r"must not have more than|more than \d+ (?:elements|images)|too large|blob",
        "content",
        "no",
        "the post's images are more or larger than Bluesky allows",
        BS_LEX,
    ),
    _text(
        "*",
        r"spam restriction|restrict(?:ed)? certain activity",
        "wait",
        "verify",
        "the platform restricted the activity as possible spam; the post may be live",
        IG_EC,
    ),
    _text("*", _TOKEN, "reconnect", "no", "the account's access token is no longer valid", ZR),
    _text(
        "*",
        r"checkpoint|suspended|account (?:is )?(?:restricted|disabled|locked|banned|inactive)|"
        r"verify (?:your|their|the) (?:identity|account|phone)|identity confirmation|not verified",
        "account",
        "no",
        "the platform account itself is blocked or unverified",
        ZR,
    ),
    _text(
        "*",
        r"retry after|try again in \d+|take a break|rate[ _-]?limit|too many (?:requests|posts|calls)|"
        r"throttl|quota|daily (?:post(?:ing)? )?(?:limit|cap)|post(?:ing)? limit|limit (?:reached|exceeded)|"
        r"request limit|velocity|cooldown|posting too fast|upload cap|take a rest|publishing[ _]limit|"
        r"status update limit|too many (?:attempts|uploads|calls)|doing that (?:a lot|too much)",
        "wait",
        "later",
        "a rate limit or quota was hit",
        ZR,
    ),
    _text(
        "*",
        r"duplicate|already (?:been )?(?:posted|published|submitted)",
        "content",
        "no",
        "the same content was already posted",
        ZR,
    ),
    _text(
        "*",
        r"media (?:is )?(?:still )?processing|not (?:yet )?ready|still being processed",
        "platform",
        "yes",
        "the media is still processing (nothing was published)",
        IG_EC,
    ),
    _text(
        "*",
        r"failed to (?:download|fetch) media|media (?:url )?(?:could not|couldn'?t|can'?t) be "
        r"(?:fetched|downloaded)|media_fetch|unable to (?:download|fetch) (?:the )?media",
        "late",
        "no",
        "the media could not be downloaded from its URL",
        ZR,
    ),
    _text(
        "*",
        r"time[ d]?[ -]?out|timed out|etimedout|esockettimedout|econnreset|econnrefused|socket hang up|"
        r"service (?:is )?(?:currently )?unavailable|temporarily unavailable|bad gateway|gateway time|"
        r"internal (?:server )?error|backend error|over capacity|overloaded|unexpected error|"
        r"something went wrong|upstream|network error|connection (?:reset|refused|closed|error)|socket \w+|"
        r"fetch failed|aborterror|operation was aborted|request aborted|"
        r"server error|try again later|please retry|\bretryable\b|unreachable|cdn was unable",
        "platform",
        "verify",
        "the platform failed or timed out on its side",
        HTTP,
        weak=True,
    ),
    _text(
        "*",
        r"\bpolicy\b|community (?:standards|guidelines)|violat|abusive|inappropriate|copyright|"
        r"too long|exceeds?|maximum|at most|character limit|graphemes|aspect ratio|resolution|"
        r"(?:unsupported|not supported|invalid) (?:media|image|video|file|format|caption|title|url|link)|"
        r"(?:media|image|video|file) (?:type|format) (?:is )?not supported|not supported (?:media|format)|"
        r"caption|thumbnail|too (?:short|large|big|small)|file size|missing (?:media|text|title)",
        "content",
        "no",
        "the post breaks one of the platform's rules",
        ZR,
    ),
    _text(
        "*",
        r"permission|not authori[sz]ed to|scope",
        "reconnect",
        "no",
        "a permission is missing: reconnect granting every permission",
        M_EH,
    ),
    _text(
        "*",
        r"getaddrinfo|eai_again|enotfound|dns",
        "platform",
        "yes",
        "the platform's address did not resolve (nothing was sent)",
        NODE_ERR,
    ),
)

# ------------------------------------------------------------------------------ HTTP status fallback
# The last resort when no code or message matched (RFC 9110 §15).
STATUS_ROWS: dict[int, Row] = {
    401: _row("*", None, None, "reconnect", "no", "the platform rejected the account's credentials", HTTP),
    403: _row("*", None, None, "account", "no", "the platform forbids this account from doing this", HTTP),
    404: _row("*", None, None, "content", "no", "the target (page, board, channel) was not found", HTTP),
    409: _row("*", None, None, "content", "no", "the post conflicts with one already there", HTTP),
    413: _row("*", None, None, "content", "no", "the media or text is too large", HTTP),
    415: _row("*", None, None, "content", "no", "the media type is not supported", HTTP),
    422: _row("*", None, None, "content", "no", "the platform refused a field of the post", HTTP),
    426: _row("*", None, None, "late", "no", "Late calls an API version the platform retired", LI_VER),
    402: _row("*", None, None, "late", "later", "the app's paid API credits are spent", X_RC),
    429: _row("*", None, None, "wait", "later", "a rate limit was hit", HTTP),
    400: _row(
        "*", None, None, "content", "no", "the platform refused the request as invalid", HTTP, weak=True
    ),
    500: _row("*", None, None, "platform", "verify", "the platform failed on its side", HTTP, weak=True),
    502: _row("*", None, None, "platform", "verify", "the platform's gateway failed", HTTP, weak=True),
    503: _row("*", None, None, "platform", "verify", "the platform was unavailable", HTTP, weak=True),
    504: _row("*", None, None, "platform", "verify", "the platform timed out", HTTP, weak=True),
}

# Late/Zernio's own errorCategory (PostPlatform.errorCategory) and errorSource, mapped onto our words.
LATE_CATEGORIES: dict[str, tuple[str, str]] = {
    "auth_expired": ("reconnect", "no"),
    "token_invalid": ("reconnect", "no"),
    "permission_denied": ("reconnect", "no"),
    "user_content": ("content", "no"),
    "platform_rejected": ("content", "no"),
    "user_abuse": ("wait", "later"),
    "account_issue": ("account", "no"),
    "platform_error": ("platform", "verify"),
    "platform_rate_limit": ("wait", "later"),
    "rate_limited": ("wait", "later"),
    "quota_exhausted": ("wait", "later"),
    "system_error": ("late", "verify"),
}
LATE_SOURCES: dict[str, frozenset[str]] = {
    "user": frozenset({"reconnect", "account", "content", "wait"}),
    "platform": frozenset({"platform", "wait", "content"}),
    "system": frozenset({"late"}),
}


def _index(rows: tuple[Row, ...]) -> dict[tuple[str, str | None, str | None], Row]:
    table: dict[tuple[str, str | None, str | None], Row] = {}
    for row in rows:
        table.setdefault((row.platform, row.code, row.subcode), row)
    return table


ALL_CODE_ROWS = CODE_ROWS + EXTRA_ROWS
CODE_INDEX = _index(ALL_CODE_ROWS)
# Reddit reports every refused submission as json.errors inside an HTTP 200; a code no row knows is still one.
REDDIT_REFUSED = _row("reddit", None, None, "content", "no", "Reddit refused the submission", RD, weak=True)
SUBCODE_INDEX = {(r.platform, r.subcode): r for r in ALL_CODE_ROWS if r.code is None and r.subcode}
