"""Verdict rows of any platform (`*`): Late/Zernio's own codes and wording, the HTTP status
fallback, and Late's errorCategory and errorSource read in our words.

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import HTTP, IG_EC, LI_VER, M_EH, NODE_ERR, X_RC, ZO, ZR

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
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

CODE_ROWS: tuple[Row, ...] = (
    # Late / Zernio's own error codes (any platform).
    row("*", "duplicate_content", None, "content", "no", "the same content was posted recently", ZR),
    row("*", "rate_limited", None, "wait", "later", "a rate limit was hit", ZR),
    row("*", "velocity_limit", None, "wait", "later",
        "Late's hourly posting limit for the account was hit", ZR),
    row("*", "daily_limit_reached", None, "wait", "later", "the account's daily post limit was reached", ZR),
    row("*", "account_paused", None, "wait", "later",
        "Late paused the account after repeated rate limits", ZR),
    row("*", "quota_exceeded", None, "wait", "later", "a quota is spent", ZR),
    row("*", "token_expired", None, "reconnect", "no", "the access token expired", ZR),
    row("*", "token_revoked", None, "reconnect", "no", "the access token was revoked", ZR),
    row("*", "invalid_token", None, "reconnect", "no", "the access token is invalid", ZR),
    row("*", "reauthorization_required", None, "reconnect", "no", "the account must be authorised again", ZR),
    row("*", "account_disconnected", None, "reconnect", "no", "the account is disconnected", ZR),
    row("*", "media_fetch_failed", None, "late", "no", "the media could not be downloaded from its URL", ZR),
    row("*", "internal_server_error", None, "late", "verify", "Late's own system failed", ZR, weak=True),
    row("*", "system_error", None, "late", "verify", "Late's own system failed", ZO, weak=True),
    row("*", "etimedout", None, "platform", "verify", "the request timed out", NODE_ERR, weak=True),
    row("*", "econnreset", None, "platform", "verify", "the connection was reset", NODE_ERR, weak=True),
    row("*", "econnrefused", None, "platform", "verify",
        "the platform refused the connection", NODE_ERR, weak=True),
    row("*", "eai_again", None, "platform", "yes",
        "the platform's address did not resolve (nothing was sent)", NODE_ERR, weak=True),
    row("*", "enotfound", None, "platform", "yes",
        "the platform's address did not resolve (nothing was sent)", NODE_ERR, weak=True),
    row("*", "esockettimedout", None, "platform", "verify", "the request timed out", NODE_ERR, weak=True),
)

EXTRA_ROWS: tuple[Row, ...] = ()

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    # Any platform: Late's own wording and common phrasings.
    text_row(
        "*",
        r"container (?:has |is )?expired|expired container|(?:media|upload) (?:has )?expired",
        "late",
        "yes",
        "the uploaded media expired before Late published it (nothing was published)",
        IG_EC,
    ),
    text_row("*", r"spam restriction|restrict(?:ed)? certain activity", "wait", "verify",
             "the platform restricted the activity as possible spam; the post may be live", IG_EC),
    text_row("*", _TOKEN, "reconnect", "no", "the account's access token is no longer valid", ZR),
    text_row(
        "*",
        r"checkpoint|suspended|account (?:is )?(?:restricted|disabled|locked|banned|inactive)|"
        r"verify (?:your|their|the) (?:identity|account|phone)|identity confirmation|not verified",
        "account",
        "no",
        "the platform account itself is blocked or unverified",
        ZR,
    ),
    text_row(
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
    text_row("*", r"duplicate|already (?:been )?(?:posted|published|submitted)", "content", "no",
             "the same content was already posted", ZR),
    text_row("*", r"media (?:is )?(?:still )?processing|not (?:yet )?ready|still being processed",
             "platform", "yes", "the media is still processing (nothing was published)", IG_EC),
    text_row(
        "*",
        r"failed to (?:download|fetch) media|media (?:url )?(?:could not|couldn'?t|can'?t) be "
        r"(?:fetched|downloaded)|media_fetch|unable to (?:download|fetch) (?:the )?media",
        "late",
        "no",
        "the media could not be downloaded from its URL",
        ZR,
    ),
    text_row(
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
    text_row(
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
    text_row("*", r"permission|not authori[sz]ed to|scope", "reconnect", "no",
             "a permission is missing: reconnect granting every permission", M_EH),
    text_row("*", r"getaddrinfo|eai_again|enotfound|dns", "platform", "yes",
             "the platform's address did not resolve (nothing was sent)", NODE_ERR),
)

# ------------------------------------------------------------------------------ HTTP status fallback
# The last resort when no code or message matched (RFC 9110 §15).
STATUS_ROWS: dict[int, Row] = {
    401: row("*", None, None, "reconnect", "no", "the platform rejected the account's credentials", HTTP),
    403: row("*", None, None, "account", "no", "the platform forbids this account from doing this", HTTP),
    404: row("*", None, None, "content", "no", "the target (page, board, channel) was not found", HTTP),
    409: row("*", None, None, "content", "no", "the post conflicts with one already there", HTTP),
    413: row("*", None, None, "content", "no", "the media or text is too large", HTTP),
    415: row("*", None, None, "content", "no", "the media type is not supported", HTTP),
    422: row("*", None, None, "content", "no", "the platform refused a field of the post", HTTP),
    426: row("*", None, None, "late", "no", "Late calls an API version the platform retired", LI_VER),
    402: row("*", None, None, "late", "later", "the app's paid API credits are spent", X_RC),
    429: row("*", None, None, "wait", "later", "a rate limit was hit", HTTP),
    400: row(
        "*", None, None, "content", "no", "the platform refused the request as invalid", HTTP, weak=True
    ),
    500: row("*", None, None, "platform", "verify", "the platform failed on its side", HTTP, weak=True),
    502: row("*", None, None, "platform", "verify", "the platform's gateway failed", HTTP, weak=True),
    503: row("*", None, None, "platform", "verify", "the platform was unavailable", HTTP, weak=True),
    504: row("*", None, None, "platform", "verify", "the platform timed out", HTTP, weak=True),
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
# fmt: on
