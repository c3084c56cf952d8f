"""Verdict rows of Google: YouTube (`errors[].reason`), Google APIs' status words, Google Business
Profile.

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import G_ERR, GBP_EC, PZ_GMB, PZ_ISSUE, PZ_YT, YT_ERR

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
CODE_ROWS: tuple[Row, ...] = (
    # YouTube (errors[].reason) and Google APIs generally (status words).
    row("youtube", "quotaexceeded", None, "wait", "later", "the YouTube API's daily quota is spent", YT_ERR),
    row("youtube", "uploadlimitexceeded", None, "wait", "later",
        "the channel reached its upload limit", YT_ERR),
    row("youtube", "ratelimitexceeded", None, "wait", "later", "too many requests in a short time", YT_ERR),
    row("youtube", "userratelimitexceeded", None, "wait", "later",
        "too many requests in a short time", YT_ERR),
    row("youtube", "dailylimitexceeded", None, "wait", "later",
        "the YouTube API's daily limit is spent", YT_ERR),
    row("youtube", "authenticateduseraccountsuspended", None, "account", "no",
        "the YouTube account is suspended", YT_ERR),
    row("youtube", "authenticateduseraccountclosed", None, "account", "no",
        "the YouTube account is closed", YT_ERR),
    row("youtube", "youtubesignuprequired", None, "account", "no",
        "the Google account has no YouTube channel", PZ_YT),
    row("youtube", "forbidden", None, "account", "no",
        "the account may not upload this video", YT_ERR, weak=True),
    *(
        row("youtube", c, None, "content", "no", "the video's metadata is invalid", YT_ERR)
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
    row("youtube", "processingfailed", None, "content", "no", "YouTube could not process the video", YT_ERR),
    row("youtube", "failedprecondition", None, "account", "no",
        "custom thumbnails need a verified channel", PZ_YT),
    row("youtube", "autherror", None, "reconnect", "no", "the Google credentials are invalid", YT_ERR),
    row("youtube", "invalid_grant", None, "reconnect", "no", "the Google refresh token was revoked", PZ_YT),
    row("youtube", "channelnotfound", None, "reconnect", "no", "the YouTube channel was not found", YT_ERR),
    row("youtube", "backenderror", None, "platform", "verify", "YouTube's backend failed", YT_ERR, weak=True),
    row("youtube", "internalerror", None, "platform", "verify", "YouTube's server failed", YT_ERR, weak=True),
    row("google", "unauthenticated", None, "reconnect", "no",
        "the Google credentials are invalid or expired", G_ERR),
    row("google", "invalid_grant", None, "reconnect", "no", "the Google refresh token was revoked", PZ_GMB),
    row("google", "resource_exhausted", None, "wait", "later", "the Google API quota is spent", G_ERR),
    row("google", "unavailable", None, "platform", "verify",
        "the Google service was unavailable", G_ERR, weak=True),
    row("google", "internal", None, "platform", "verify", "the Google service failed", G_ERR, weak=True),
    row("google", "deadline_exceeded", None, "platform", "verify",
        "the Google service timed out", G_ERR, weak=True),
    row("googlebusiness", "error_code_unverified_location", None, "account", "no",
        "the Google Business location is not verified", GBP_EC),
    row("googlebusiness", "unverified_location", None, "account", "no",
        "the Google Business location is not verified", GBP_EC),
    row("googlebusiness", "failed_precondition", None, "account", "no",
        "the Google Business location is not ready for posts (often not verified)", GBP_EC),
    row("googlebusiness", "permission_denied", None, "reconnect", "no",
        "the connected user lost manager access to the location", PZ_GMB),
    row("googlebusiness", "not_found", None, "account", "no",
        "the Google Business location no longer exists", PZ_GMB),
    row("googlebusiness", "invalid_argument", None, "content", "no",
        "a field of the post is invalid", PZ_GMB, weak=True),
    row("youtube", "permission_denied", None, "reconnect", "no",
        "the Google account lacks a permission", G_ERR),
    row("youtube", "invalid_argument", None, "content", "no", "a field of the upload is invalid", G_ERR),
)

# Added from public issue threads and docs while testing (tests/test_verdicts.py has verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    row("youtube", "insufficientpermissions", None, "reconnect", "no",
        "a YouTube permission was not granted", YT_ERR),
    row("google", "access_token_scope_insufficient", None, "reconnect", "no",
        "a Google permission was not granted", G_ERR),
    row("youtube", "unauthorized", None, "reconnect", "no",
        "the Google credentials are not accepted", YT_ERR),
    row("youtube", "invalidcredentials", None, "reconnect", "no",
        "the Google credentials are invalid", YT_ERR),
    row("youtube", "accessnotconfigured", None, "late", "no",
        "Late's Google project has the YouTube API disabled", YT_ERR),
    row("googlebusiness", "unauthenticated", None, "reconnect", "no",
        "the Google credentials are invalid", G_ERR),
)

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    # YouTube.
    text_row("youtube", r"exceeded (?:your|the) .*quota|quota", "wait", "later",
             "the YouTube API's daily quota is spent", YT_ERR),
    text_row("youtube", r"exceeded the number of videos", "wait", "later",
             "the channel reached its upload limit", YT_ERR),
    text_row("youtube", r"channel not found|no channel", "reconnect", "no",
             "the YouTube channel was not found for the connected Google account", PZ_ISSUE + "2072"),
    text_row("youtube", r"youtube ?signup ?required", "account", "no",
             "the Google account has no YouTube channel", PZ_YT),
    text_row(
        "youtube",
        r"has not been used in project|api has not been used|is disabled|access not configured",
        "late",
        "no",
        "Late's Google project has the YouTube API disabled",
        YT_ERR,
    ),
    # Google Business.
    text_row("googlebusiness", r"unverified|not verified|verify the location", "account", "no",
             "the Google Business location is not verified", GBP_EC),
)
# fmt: on
