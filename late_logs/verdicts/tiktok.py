"""Verdict rows of TikTok: its `error.code` and its messages.

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import LT_TT, PZ_ISSUE, PZ_TT, TT_CSG, TT_DP, TT_EH

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
CODE_ROWS: tuple[Row, ...] = (
    # TikTok (error.code in the body).
    row("tiktok", "access_token_invalid", None, "reconnect", "no",
        "the TikTok access token is invalid", TT_EH),
    row("tiktok", "access_token_expired", None, "reconnect", "no", "the TikTok access token expired", TT_EH),
    row("tiktok", "token_expired", None, "reconnect", "no", "the TikTok access token expired", TT_EH),
    row("tiktok", "scope_not_authorized", None, "reconnect", "no",
        "the posting permission was not granted", TT_EH),
    row("tiktok", "scope_permission_missed", None, "reconnect", "no",
        "the posting permission is missing", TT_EH),
    row("tiktok", "rate_limit_exceeded", None, "wait", "later",
        "TikTok's API rate limit was exceeded", TT_DP),
    row("tiktok", "internal_error", None, "platform", "verify", "TikTok's server failed", TT_EH, weak=True),
    row("tiktok", "invalid_params", None, "late", "no", "Late sent TikTok a malformed request", TT_EH),
    row("tiktok", "invalid_file_upload", None, "late", "no", "the upload to TikTok was malformed", TT_EH),
    row("tiktok", "spam_risk_too_many_posts", None, "wait", "later",
        "the creator reached TikTok's daily post cap", LT_TT),
    row("tiktok", "spam_risk_too_many_pending_share", None, "account", "later",
        "five or more posts wait in the creator's TikTok inbox", LT_TT),
    row("tiktok", "spam_risk_user_banned_from_posting", None, "account", "no",
        "the creator is banned from posting", PZ_TT),
    row("tiktok", "spam_risk_text", None, "content", "no", "TikTok flagged the text as spam", PZ_TT),
    row("tiktok", "spam_risk", None, "content", "no", "TikTok flagged the post as spam", PZ_TT),
    row("tiktok", "reached_active_user_cap", None, "late", "later",
        "Late's TikTok app reached its daily user cap", PZ_TT),
    row("tiktok", "unaudited_client_can_only_post_to_private_accounts", None, "late", "no",
        "Late's TikTok app is not audited: it may post only privately", TT_CSG),
    row("tiktok", "url_ownership_unverified", None, "late", "no",
        "the media URL's domain is not verified with TikTok", PZ_TT),
    row("tiktok", "privacy_level_option_mismatch", None, "content", "no",
        "the privacy level is not one the creator allows", PZ_TT),
    *(
        row("tiktok", c, None, "content", "no", "the media is outside TikTok's specification", PZ_TT)
        for c in (
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "video_format_check_failed",
        )
    ),
    row("tiktok", "video_pull_failed", None, "late", "yes",
        "TikTok could not download the video from its host", PZ_TT),
    row("tiktok", "photo_pull_failed", None, "late", "yes",
        "TikTok could not download the photo from its host", PZ_TT),
    row("tiktok", "app_version_check_failed", None, "account", "no",
        "the creator's TikTok app is too old", PZ_TT),
    row("tiktok", "send_to_user_inbox", None, "account", "no",
        "the post waits as a draft in the creator's TikTok inbox: do not repost", PZ_ISSUE + "1710"),
)

# Added from public issue threads and docs while testing (tests/test_verdicts.py has verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    row("tiktok", "auth_removed", None, "reconnect", "no",
        "the creator removed Late's access on TikTok", TT_DP),
    row("tiktok", "internal", None, "platform", "verify", "TikTok failed while publishing", TT_DP, weak=True),
    row("tiktok", "user_banned", None, "account", "no", "the creator is banned from posting", TT_DP),
    row("tiktok", "publish_cancelled", None, "account", "no",
        "the creator cancelled the post on TikTok", TT_DP),
    row("tiktok", "video_format_check_failed", None, "content", "no",
        "the video format is not supported", TT_DP),
)

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    # TikTok.
    text_row("tiktok", r"daily post cap|too many posts|upload cap", "wait", "later",
             "the creator reached TikTok's daily post cap", LT_TT),
    text_row("tiktok", r"daily active user quota|active user cap", "late", "later",
             "Late's TikTok app reached its daily active-user cap", PZ_ISSUE + "1854"),
    text_row("tiktok", r"pending share", "account", "later",
             "posts wait in the creator's TikTok inbox", LT_TT),
)
# fmt: on
