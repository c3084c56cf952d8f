"""Secrets out of log entries before anything is stored or shown: text rules for strings, key rules for dicts.

Publishing logs carry platform requests and responses verbatim (URLs with `access_token=`, OAuth token
responses in `rawBody`, bot tokens in Telegram paths); every string passes through `redact_text` and every
object through `redact_value`, both idempotent and neither ever raising.
"""

from __future__ import annotations

import functools
import re
from typing import Any

REDACTED = "[REDACTED]"

# Query-string / form parameters whose value is a secret wherever they appear (`access_token=...`).
_STRONG_PARAMS = frozenset(
    {
        "access_token", "refresh_token", "id_token", "client_secret", "app_secret", "api_key", "apikey",
        "api-key", "x-api-key", "token", "auth_token", "oauth_token", "oauth_token_secret", "oauth_signature",
        "oauth_verifier", "oauth_consumer_key", "fb_exchange_token", "input_token", "password", "passwd",
        "secret", "signature", "session_token", "session_id", "sessionid", "access_key", "secret_key",
        "private_key", "appsecret_proof", "client_assertion", "x-amz-signature", "x-amz-credential",
        "x-amz-security-token", "x-goog-signature", "x-goog-credential",
    }
)
# Parameters that are secrets in a URL but ordinary words in prose ("error code=190"): only after ? & # ;.
_WEAK_PARAMS = frozenset({"code", "sig", "key", "auth", "state", "ticket"})
_URL_PARAM_STARTS = "?&#;"
# Any `name=value`; the name is looked up in the sets above. Starting only at a name's first character
# keeps this linear on long bodies (a plain `[\w-]+=` retries from every letter of every word).
_PARAM_RE = re.compile(r"(?<![A-Za-z0-9_\-])([A-Za-z0-9_\-]+)=(?!\[REDACTED\])[^&\s\"'\\#<>,;|]+")


def _redact_param(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    start = match.start()
    if name in _STRONG_PARAMS or (
        name in _WEAK_PARAMS and start > 0 and match.string[start - 1] in _URL_PARAM_STARTS
    ):
        return f"{match.group(1)}={REDACTED}"
    return match.group(0)


# `"access_token": "..."` inside a string, also JSON escaped inside JSON (`\"access_token\":\"...\"`).
_SECRET_KEY_NAME = (
    r"[A-Za-z0-9_\-]*(?:token|secret|password|passwd|api[_\-]?key|apikey|authorization|cookie|"
    r"credentials?|private[_\-]?key|session[_\-]?id|signature)"
)
_JSON_PAIR_RE = re.compile(
    rf"(?i)(\\*[\"']{_SECRET_KEY_NAME}\\*[\"']\s*:\s*\\*[\"'])(?![^\"'\\]*{re.escape(REDACTED)})"
    r"(?:[^\"'\\]|(?<=\w)'(?=\w))+"  # an apostrophe between letters is part of the value
)

# Authorization headers, in header form (`Authorization: Bearer abc`) or JSON form. With a scheme the rest
# of the value goes; without one only a token-looking value does, so "authorization: denied" stays readable.
# OAuth 1.0a values are quoted parameters; _OAUTH1_RE takes those one by one.
_AUTH_SCHEME_RE = re.compile(
    r"(?i)(\b(?:proxy-)?authorization\\*[\"']?\s*[:=]\s*\\*[\"']?\s*(?:bearer|basic|digest|token|bot)\s+)"
    rf"(?!{re.escape(REDACTED)})[^\r\n\"'\\]+"
)
_AUTH_BARE_RE = re.compile(
    r"(?i)(\b(?:proxy-)?authorization\\*[\"']?\s*[:=]\s*\\*[\"']?\s*)"
    r"(?!(?:bearer|basic|digest|oauth|token|bot)\s)(?=[A-Za-z0-9\-._~+/=]*[0-9])[A-Za-z0-9\-._~+/=]{12,}"
)
_BEARER_RE = re.compile(rf"(?i)(\bbearer\s+)(?!{re.escape(REDACTED)})[A-Za-z0-9\-._~+/]{{3,}}=*")
_COOKIE_RE = re.compile(
    rf"(?i)(\b(?:set-cookie|cookie)\\*[\"']?\s*:\s*\\*[\"']?\s*)(?!{re.escape(REDACTED)})[^\s\"'\\][^\r\n\"'\\]*"
)
# OAuth 1.0a header parameters are quoted: oauth_token="...".
_OAUTH1_RE = re.compile(
    r"(?i)(\boauth_(?:token|token_secret|signature|consumer_key|verifier|nonce)=\\*\")"
    rf"(?!{re.escape(REDACTED)})[^\"\\]*"
)
# Telegram-style bot tokens in a path: /bot123456789:AAH.../sendMessage (also /file/bot.../...).
_BOT_PATH_RE = re.compile(r"(/bot)\d{5,}:[A-Za-z0-9_\-]{20,}")
# user:password@ in a URL.
_URL_USERINFO_RE = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^/\s:@\"'\\]+:)(?!\[REDACTED\])[^/\s@\"'\\]+(@)")

# Credentials recognisable by their shape alone, wherever they stand.
_TOKEN_SHAPES_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    r"(?:sk|zrk)_[A-Za-z0-9_]{16,}"  # Late / Zernio API keys
    r"|EAA[A-Za-z0-9]{20,}"  # Facebook / Instagram Graph tokens
    r"|ya29\.[A-Za-z0-9_\-.]{10,}"  # Google OAuth access tokens
    r"|1//0[A-Za-z0-9_\-]{20,}"  # Google refresh tokens
    r"|eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"  # JWTs (header.payload.signature)
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}"  # Slack
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub
    r"|pina_[A-Za-z0-9]{20,}"  # Pinterest
    r"|AKIA[0-9A-Z]{16}"  # AWS access key ids
    r"|AIza[0-9A-Za-z_\-]{35}"  # Google API keys
    r")"
)

# (gate, pattern, replacement) in the order they run. A rule runs only when one of its gate strings is in the
# lower-cased text: most strings (captions, ids, media URLs) skip every rule, and long bodies skip most.
_SECRET_WORDS = (
    "token", "secret", "passw", "key", "authoriz", "cookie", "credential", "session", "signature",
)
_TEXT_RULES: tuple[tuple[tuple[str, ...], re.Pattern[str], Any], ...] = (
    (("authoriz",), _AUTH_SCHEME_RE, rf"\g<1>{REDACTED}"),  # before JSON pairs, so "Bearer" stays readable
    (_SECRET_WORDS, _JSON_PAIR_RE, rf"\g<1>{REDACTED}"),
    (("authoriz",), _AUTH_BARE_RE, rf"\g<1>{REDACTED}"),
    (("bearer",), _BEARER_RE, rf"\g<1>{REDACTED}"),
    (("cookie",), _COOKIE_RE, rf"\g<1>{REDACTED}"),
    (("oauth_",), _OAUTH1_RE, rf"\g<1>{REDACTED}"),
    (("=",), _PARAM_RE, _redact_param),
    (("/bot",), _BOT_PATH_RE, rf"\g<1>{REDACTED}"),
    (("://",), _URL_USERINFO_RE, rf"\g<1>{REDACTED}\g<2>"),
    (
        ("sk_", "zrk_", "eaa", "ya29.", "1//0", "eyj", "xox", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "pina_",
         "akia", "aiza"),
        _TOKEN_SHAPES_RE,
        REDACTED,
    ),
)

# The token shapes that can be made of letters and digits alone.
_ALNUM_TOKEN_STARTS = ("EAA", "AKIA", "AIza")

# Strings whose lower-cased text holds none of these skip every rule.
_HINTS_LOWER = (
    "token", "secret", "passw", "key", "sig", "code=", "bearer", "authoriz", "cookie", "/bot", "sk_",
    "zrk_", "oauth", "session", "credential", "state=", "ticket=", "auth=", "xox", "ghp_", "gho_", "ghu_",
    "ghs_", "ghr_", "pina_", "eaa", "ya29.", "1//0", "eyj", "akia", "aiza",
)

# Object keys whose whole value is a secret, compared lower-cased with `-` and `_` removed.
_SECRET_KEYS = frozenset(
    {
        "accesstoken", "refreshtoken", "idtoken", "token", "authtoken", "bearertoken", "sessiontoken",
        "clientsecret", "appsecret", "consumersecret", "secret", "secretkey", "privatekey", "accesskey",
        "password", "passwd", "pwd", "passphrase", "cookie", "cookies", "setcookie", "authorization",
        "proxyauthorization", "apikey", "xapikey", "oauthtoken", "oauthtokensecret", "oauthsignature",
        "oauthverifier", "accesstokensecret", "tokensecret", "sessionid", "csrftoken", "credentials",
        "credential", "signature", "appsecretproof", "fbexchangetoken", "clientassertion",
    }
)
# Suffixes that mark a key as secret too (`connectToken`, `pageAccessToken`, `webhookSecret`).
_SECRET_KEY_SUFFIXES = ("token", "secret", "password", "apikey")


def _could_hold_secret(lower: str) -> bool:
    return any(hint in lower for hint in _HINTS_LOWER) or ("@" in lower and "://" in lower)  # user:pw@host


def redact_text(text: str) -> str:
    """`text` with every credential-looking part replaced by REDACTED; everything else unchanged.

    Usage::

        redact_text("https://graph.facebook.com/me?access_token=EAAB123&fields=id")
        # 'https://graph.facebook.com/me?access_token=[REDACTED]&fields=id'
    """
    if not isinstance(text, str) or not text:
        return text
    # Ids, enum values and plain words: without punctuation only a token shape at the very start could
    # match (the shapes' look-behind forbids a letter before them).
    if text.isalnum() and not text.startswith(_ALNUM_TOKEN_STARTS):
        return text
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _redact_short_text(text)
    return _redact_text(text)


# Endpoints, captions, usernames and error messages repeat across thousands of attempts; short texts are
# remembered (bounded: at most 16384 texts of at most 512 characters).
_CACHED_TEXT_LENGTH = 512


def _redact_text(text: str) -> str:
    try:
        lower = text.lower()
        if not _could_hold_secret(lower):
            return text
        for gate, pattern, replacement in _TEXT_RULES:
            # Replacements only add "[REDACTED]", so a gate string absent before a rule stays absent.
            if any(word in lower for word in gate):
                text = pattern.sub(replacement, text)
        return text
    except Exception:  # a redactor that raises would let the caller store the unredacted original
        return REDACTED


_redact_short_text = functools.lru_cache(maxsize=16384)(_redact_text)


def is_secret_key(name: str) -> bool:
    """True for object keys whose value is a credential (access_token, refreshToken, Set-Cookie, ...)."""
    return isinstance(name, str) and _is_secret_key_name(name)


@functools.lru_cache(maxsize=4096)  # the same few dozen keys come back in every entry
def _is_secret_key_name(name: str) -> bool:
    normalized = name.lower().replace("_", "").replace("-", "")
    return normalized in _SECRET_KEYS or normalized.endswith(_SECRET_KEY_SUFFIXES)


def _redact(obj: Any) -> Any:
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        result = {}
        for key, value in obj.items():
            # None and booleans say whether a secret exists, not what it is; they stay for debugging.
            if is_secret_key(key) and value is not None and not isinstance(value, bool):
                result[key] = REDACTED
            else:
                result[key] = _redact(value)
        return result
    if isinstance(obj, list):
        return [_redact(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_redact(item) for item in obj)
    return obj


def redact_value(obj: Any) -> Any:
    """A redacted copy of a JSON-like value: secret keys' values become REDACTED, other strings redact_text.

    Never raises; input too deep or self-referencing to walk comes back as REDACTED rather than unredacted.
    """
    try:
        return _redact(obj)
    except Exception:  # RecursionError on cycles or absurd depth
        return REDACTED
