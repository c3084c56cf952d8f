"""Secrets out of log entries before anything is stored or shown: text rules for strings, key rules for dicts.

Publishing logs carry platform requests and responses verbatim (URLs with `access_token=`, OAuth token
responses in `rawBody`, bot tokens in Telegram paths, header lists, escaped JSON inside JSON); every string
passes through `redact_text` and every object through `redact_value`, both idempotent and neither ever
raising.

How a string is scanned: the detectors below look at the raw text and at its decoded views (JSON-unescaped,
URL-decoded, and each of those decoded once more, so escaped JSON inside a JSON string and a URL inside a
query parameter are read as their plain selves). Every secret found in a view is mapped back to the raw
characters it came from, and only those are replaced, so the text keeps its encoding and JSON stays valid
JSON. The configured API key (`register_secret`) is replaced wherever it appears, in any view.

Every pattern is linear: no nested unbounded quantifiers, and the name scans use possessive quantifiers.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

REDACTED = "[REDACTED]"

# ---------------------------------------------------------------------------------------------- names

# Object keys and parameter names whose value is a secret, compared lower-cased with `-` and `_` removed.
_SECRET_KEYS = frozenset(
    {
        "accesstoken", "refreshtoken", "idtoken", "token", "authtoken", "bearertoken", "sessiontoken",
        "clientsecret", "appsecret", "consumersecret", "secret", "secretkey", "privatekey", "accesskey",
        "password", "passwd", "pwd", "passphrase", "cookie", "cookies", "setcookie", "authorization",
        "proxyauthorization", "apikey", "xapikey", "oauthtoken", "oauthtokensecret", "oauthsignature",
        "oauthverifier", "accesstokensecret", "tokensecret", "sessionid", "csrftoken", "credentials",
        "credential", "signature", "appsecretproof", "fbexchangetoken", "clientassertion", "consumerkey",
        "oauthconsumerkey", "awssecretaccesskey", "awssessiontoken", "appkey", "privatekeyid", "sessionkey",
        "sid", "inputtoken", "accountkey", "masterkey", "encryptionkey", "signingkey",
    }
)
# Suffixes that mark a name as secret too (`connectToken`, `pageAccessToken`, `webhookSecret`,
# `X-Amz-Signature`, `X-Amz-Credential`). Not a bare "key": `monkey` and `key` are ordinary words.
_SECRET_KEY_SUFFIXES = (
    "token", "secret", "password", "passwd", "apikey", "accesskey", "secretkey", "privatekey", "consumerkey",
    "signature", "credential", "credentials", "sessionid", "cookie", "jwt",
)
# Parameters that are secrets in a URL but ordinary words in prose ("error code=190"): only after ? & # ;.
_WEAK_PARAMS = frozenset({"code", "sig", "key", "auth", "state", "ticket"})
_URL_PARAM_STARTS = "?&#;"
# Names with their own rules (the scheme word of Authorization stays readable, a cookie runs to line end).
_OWN_RULE_NAMES = frozenset({"authorization", "proxyauthorization", "cookie", "setcookie"})


def is_secret_key(name: str) -> bool:
    """True for object keys whose value is a credential (access_token, refreshToken, Set-Cookie, ...)."""
    return isinstance(name, str) and _is_secret_key_name(name)


@functools.lru_cache(maxsize=4096)  # the same few dozen keys come back in every entry
def _is_secret_key_name(name: str) -> bool:
    normalized = _normalized(name).rstrip("0123456789")  # X-Hub-Signature-256, token2
    return normalized in _SECRET_KEYS or normalized.endswith(_SECRET_KEY_SUFFIXES)


def _normalized(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


# ------------------------------------------------------------------------------------ configured secrets

# Literal secrets this process knows (the configured Late API key): replaced wherever they appear.
_known_secrets: tuple[str, ...] = ()
_MIN_KNOWN_SECRET = 8  # a one-letter "key" would redact every text


def register_secret(value: str | None) -> None:
    """Make a literal secret (the configured API key) known, so redaction replaces it wherever it appears."""
    global _known_secrets
    if not isinstance(value, str):
        return
    value = value.strip()
    if len(value) < _MIN_KNOWN_SECRET or value in _known_secrets:
        return
    _known_secrets = (*_known_secrets, value)
    _redact_short_text.cache_clear()  # texts remembered before the key was known may hold it


# ------------------------------------------------------------------------------------------- detectors
# Each detector takes one view's text and yields (start, end) spans of secret values in it.

Span = tuple[int, int]

# `name=value`, `name: value`, `"name": "value"`, `'name': 'value'`: the name decides, the value follows.
# A name starts after a non-word character, or after a dash that follows one (`--token=`, ` -p`), never
# inside `x-api-key`; and it is bounded (64), so `token-token-...` is scanned once, not once per dash.
_NAME_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?<![A-Za-z0-9_]-)([\"']?)([A-Za-z][A-Za-z0-9_\-]{0,63}+)\1"
    r"[ \t]*+([:=])[ \t]*+([\"']?)"
)
# A value stops at the next `=` unless that is base64 padding, so `token=token=...` stays linear and
# `state=abc?access_token=...` leaves the nested name to be read on its own.
_VALUE_AFTER_EQUALS_RE = re.compile(r"[^&\s\"'\\#<>,;|=]++(?:=++(?![^&\s\"'\\#<>,;|]))?+")
_VALUE_AFTER_COLON_RE = re.compile(r"[^\s\"'\\,;<>{}\[\]:]++")
# A double-quoted value runs over its escapes (`"ab\\"cd"`), a single-quoted one over apostrophes in words.
_QUOTED_VALUES = {
    "\"": re.compile(r"(?:[^\"\\\r\n]|\\.)*+"),
    "'": re.compile(r"(?:[^'\r\n]|(?<=\w)'(?=\w))*+"),
}
_PLAIN_WORDS = frozenset({"null", "true", "false", "none", "undefined", ""})
_LINE_STARTS = "\r\n'\""


def _name_spans(text: str) -> Iterator[Span]:
    for match in _NAME_RE.finditer(text):
        name_quote, name, separator, value_quote = match.groups()
        normalized = _normalized(name)
        if normalized in _OWN_RULE_NAMES:
            continue
        start = match.start()
        if normalized in _WEAK_PARAMS:
            # `?code=...` in a URL, not "error code=190" in a message
            if separator != "=" or name_quote or start == 0 or text[start - 1] not in _URL_PARAM_STARTS:
                continue
        elif not _is_secret_key_name(name):
            continue
        position = match.end()
        if value_quote:
            value = _QUOTED_VALUES[value_quote].match(text, position)
        elif separator == "=":
            value = _VALUE_AFTER_EQUALS_RE.match(text, position)
        else:
            value = _VALUE_AFTER_COLON_RE.match(text, position)
            # "access token: Session has expired" is prose; a header line or a token-looking value is not.
            at_line_start = start == 0 or text[start - 1] in _LINE_STARTS or name_quote
            if value is None or not (at_line_start or any(c.isdigit() for c in value.group())):
                continue
        if value is None or value.group().lower() in _PLAIN_WORDS:
            continue
        yield value.span()


# Authorization headers, in header form (`Authorization: Bearer abc`) or JSON form. With a scheme the rest of
# the value goes and the scheme word stays; without one only a token-looking value does, so "authorization:
# denied" stays readable. OAuth 1.0a parameters are name=value pairs the name rule takes one by one.
# A JSON list of values (`"authorization": ["Basic ..."]`) is opened, but not the `[` of a REDACTED.
_OPEN_LIST = r"(?:\[(?!REDACTED\])[ \t]*+)?"
_AUTH_RE = re.compile(
    rf"(?i)\b(?:proxy-)?authorization[\"']?[ \t]*+[:=][ \t]*+{_OPEN_LIST}[\"']?[ \t]*+"
)
_AUTH_SCHEME_RE = re.compile(
    r"(?i)(?:bearer|basic|digest|token|bot|negotiate|ntlm|hawk|sso-key|key|apikey|api-key)[ \t]++"
)
_AUTH_OAUTH1_RE = re.compile(r"(?i)oauth[ \t]")
_AUTH_REST_RE = re.compile(r"[^\r\n\"'\\]++")
_AUTH_BARE_RE = re.compile(r"[A-Za-z0-9\-._~+/=]{12,}+")
_BEARER_RE = re.compile(r"(?i)\bbearer[ \t]++([A-Za-z0-9\-._~+/]{3,}+=*+)")


def _auth_spans(text: str) -> Iterator[Span]:
    # The next header is looked for after the value just taken: "Authorization: " repeated a million times
    # stays one pass, not a pass per repetition.
    match = _AUTH_RE.search(text)
    while match:
        position = match.end()
        value = None
        if not _AUTH_OAUTH1_RE.match(text, position):
            scheme = _AUTH_SCHEME_RE.match(text, position)
            if scheme:
                value = _AUTH_REST_RE.match(text, scheme.end())
            else:
                value = _AUTH_BARE_RE.match(text, position)
                if value and not any(c.isdigit() for c in value.group()):
                    value = None
        if value:
            yield value.span()
            position = max(position, value.end())
        match = _AUTH_RE.search(text, position)
    for match in _BEARER_RE.finditer(text):
        yield match.span(1)


_COOKIE_RE = re.compile(
    rf"(?i)\b(?:set-)?cookies?[\"']?[ \t]*+:[ \t]*+{_OPEN_LIST}[\"']?[ \t]*+"
    r"([^\s\"'\\\[\]{}][^\r\n\"'\\]*+)"
)


def _cookie_spans(text: str) -> Iterator[Span]:
    for match in _COOKIE_RE.finditer(text):  # a match runs to the line's end, so matches never nest
        yield match.span(1)


# Header lists and HAR entries: {"name": "Set-Cookie", "value": "..."} (either order), ["X-API-Key", "..."].
_NAME_THEN_VALUE_RE = re.compile(
    r"(?i)([\"'])(?:name|key|header)\1[ \t]*+:[ \t]*+([\"'])([A-Za-z0-9_\-]++)\2[ \t]*+,[ \t]*+"
    r"([\"'])value\4[ \t]*+:[ \t]*+([\"'])"
)
_VALUE_THEN_NAME_RE = re.compile(
    r"(?i)([\"'])value\1[ \t]*+:[ \t]*+([\"'])([^\"'\r\n]*+)\2[ \t]*+,[ \t]*+"
    r"([\"'])(?:name|key|header)\4[ \t]*+:[ \t]*+([\"'])([A-Za-z0-9_\-]++)\5"
)
_PAIR_LIST_RE = re.compile(r"\[[ \t]*+([\"'])([A-Za-z0-9_\-]++)\1[ \t]*+,[ \t]*+([\"'])")


def _header_list_spans(text: str) -> Iterator[Span]:
    if "\"" not in text and "'" not in text:  # every form below is quoted
        return
    for match in _NAME_THEN_VALUE_RE.finditer(text):
        if _is_secret_key_name(match.group(3)):
            value = _QUOTED_VALUES[match.group(5)].match(text, match.end())
            yield value.span()
    for match in _VALUE_THEN_NAME_RE.finditer(text):
        if _is_secret_key_name(match.group(6)):
            yield match.span(3)
    for match in _PAIR_LIST_RE.finditer(text):
        if _is_secret_key_name(match.group(2)):
            value = _QUOTED_VALUES[match.group(3)].match(text, match.end())
            yield value.span()


# XML bodies (SOAP, older platform APIs): <access_token>...</access_token>, <ns:Password>...</ns:Password>.
_XML_ELEMENT_RE = re.compile(r"<([A-Za-z][A-Za-z0-9_\-:.]{0,63}+)(?:[ \t][^<>]*+)?>([^<]*+)</\1>")


def _xml_spans(text: str) -> Iterator[Span]:
    for match in _XML_ELEMENT_RE.finditer(text):
        if _is_secret_key_name(match.group(1).rsplit(":", 1)[-1]):
            yield match.span(2)


# Credentials in URLs: https://TOKEN@host, https://user:pw@host, redis://:pw@host.
_USERINFO_RE = re.compile(r"://([^/\s@\"'\\?#<>\[\]]*+)@")  # the scheme does not matter, `://` is found fast


def _userinfo_spans(text: str) -> Iterator[Span]:
    for match in _USERINFO_RE.finditer(text):
        start, end = match.span(1)
        colon = text.find(":", start, end)
        if colon >= 0:
            start = colon + 1  # the user name stays: it tells support which account
        if end > start:
            yield start, end


# Credentials recognisable by their shape alone, wherever they stand: (literal, pattern). Each pattern
# starts with its literal, so the regex engine skips ahead to it, and then checks the character before it:
# a shape starts after a non-word character (or an escape such as `\\n`, for JSON nested deeper than the
# views decode), never inside a longer run. The check is inside the pattern because `eyJeyJeyJ...` would
# otherwise be tried, and scanned to its end, from every `eyJ` (quadratic).
_BEFORE_SHAPE = r"(?<!(?<!\\)[A-Za-z0-9_]{head})"


def _shape(head: str, rest: str) -> re.Pattern[str]:
    """The pattern `head` (a fixed-width literal) + the start-of-token check + `rest`."""
    return re.compile(head + _BEFORE_SHAPE.format(head=head) + rest)


_TOKEN_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sk_", _shape(r"sk_", r"[A-Za-z0-9_]{16,}+")),  # Late / Zernio keys (sk_ + 64), Stripe sk_live_
    ("zrk_", _shape(r"zrk_", r"[A-Za-z0-9_]{16,}+")),  # Zernio restricted keys
    ("rk_", _shape(r"rk_", r"(?:live|test)_[A-Za-z0-9]{16,}+")),  # Stripe restricted keys
    ("whsec_", _shape(r"whsec_", r"[A-Za-z0-9]{16,}+")),  # Stripe webhook secrets
    ("EAA", _shape(r"EAA", r"[A-Za-z0-9]{20,}+")),  # Facebook / Instagram Graph tokens
    ("IGQ", _shape(r"IGQ", r"[A-Z][A-Za-z0-9_\-]{20,}+")),  # Instagram Basic Display (IGQVJ..., IGQWR...)
    ("IGAA", _shape(r"IGAA", r"[A-Za-z0-9_\-]{20,}+")),  # Instagram API with Instagram Login tokens
    ("THQV", _shape(r"THQV", r"[A-Za-z0-9_\-]{20,}+")),  # Threads user tokens
    ("THAA", _shape(r"THAA", r"[A-Za-z0-9_\-]{20,}+")),
    ("act.", _shape(r"act\.", r"[A-Za-z0-9!*_\-.]{20,}+")),  # TikTok access tokens
    ("rft.", _shape(r"rft\.", r"[A-Za-z0-9!*_\-.]{20,}+")),  # TikTok refresh tokens
    ("AQ", _shape(r"AQ", r"[A-Z](?=[A-Za-z0-9_\-]{0,40}[a-z])[A-Za-z0-9_\-]{20,}+")),  # LinkedIn AQV/AQX
    ("ya29.", _shape(r"ya29\.", r"[A-Za-z0-9_\-.]{10,}+")),  # Google OAuth access tokens
    ("1//", _shape(r"1//", r"[0-9][A-Za-z0-9_\-]{20,}+")),  # Google refresh tokens
    ("4/0", _shape(r"4/0", r"[A-Za-z0-9_\-]{20,}+")),  # Google authorization codes
    ("GOCSPX-", _shape(r"GOCSPX-", r"[A-Za-z0-9_\-]{10,}+")),  # Google OAuth client secrets
    ("AIza", _shape(r"AIza", r"[0-9A-Za-z_\-]{35}")),  # Google API keys
    ("A" * 20, _shape(r"A{20}", r"[A-Za-z0-9%+/=]{20,}+")),  # X (Twitter) app-only bearer tokens
    ("eyJ", _shape(r"eyJ", r"[A-Za-z0-9_\-]{5,}+\.[A-Za-z0-9_\-]{5,}+\.[A-Za-z0-9_\-]*+")),  # JWTs
    ("xox", _shape(r"xox", r"[abposre]-[A-Za-z0-9\-]{10,}+")),  # Slack tokens
    ("xapp-", _shape(r"xapp-", r"[A-Za-z0-9\-]{10,}+")),  # Slack app-level tokens
    ("gh", _shape(r"gh", r"[pousr]_[A-Za-z0-9]{30,}+")),  # GitHub tokens
    ("github_pat_", _shape(r"github_pat_", r"[A-Za-z0-9_]{22,}+")),  # GitHub fine-grained tokens
    ("glpat-", _shape(r"glpat-", r"[A-Za-z0-9_\-]{20,}+")),  # GitLab tokens
    ("pina_", _shape(r"pina_", r"[A-Za-z0-9]{20,}+")),  # Pinterest
    ("sk-", _shape(r"sk-", r"[A-Za-z0-9_\-]{20,}+")),  # OpenAI / Anthropic style API keys
    ("shp", _shape(r"shp", r"(?:at|ss|ca|pa)_[A-Fa-f0-9]{32}")),  # Shopify
    ("sq0", _shape(r"sq0", r"(?:atp|csp)-[A-Za-z0-9_\-]{22,}+")),  # Square
    ("npm_", _shape(r"npm_", r"[A-Za-z0-9]{36}")),  # npm
    ("pypi-", _shape(r"pypi-", r"[A-Za-z0-9_\-]{50,}+")),  # PyPI
    ("sl.", _shape(r"sl\.", r"[A-Za-z0-9_\-]{100,}+")),  # Dropbox short-lived tokens
    ("SG.", _shape(r"SG\.", r"[A-Za-z0-9_\-]{16,}+\.[A-Za-z0-9_\-]{16,}+")),  # SendGrid
    ("AKIA", _shape(r"AKIA", r"[0-9A-Z]{16}")),  # AWS access key ids
    ("ASIA", _shape(r"ASIA", r"[0-9A-Z]{16}")),  # AWS temporary access key ids
    # Telegram bot tokens: digits first, so the check comes first (bounded, so still linear).
    (":AA", re.compile(r"(?<!(?<!\\)[A-Za-z0-9_])[0-9]{6,12}+:AA[A-Za-z0-9_\-]{30,}+")),
)
# Telegram bot paths (/bot123456789:AAH.../sendMessage), Discord and Slack webhook URLs: the secret part.
_URL_SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("/bot", re.compile(r"/bot([0-9]{5,}+:[A-Za-z0-9_\-]{20,}+)")),
    ("discord", re.compile(
        r"(?i)discord(?:app)?\.com/api/(?:v[0-9]{1,2}/)?webhooks/[0-9]++/([A-Za-z0-9_\-]++)"
    )),
    ("hooks.slack", re.compile(r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/\-]++)")),
)


def _shape_spans(text: str) -> Iterator[Span]:
    for literal, pattern in _TOKEN_SHAPES:
        if literal not in text:
            continue
        for match in pattern.finditer(text):
            yield match.span()
    lower = text.lower()
    for literal, pattern in _URL_SECRETS:
        if literal in lower:
            for match in pattern.finditer(text):
                yield match.span(1)


# PEM private keys: the body between BEGIN and END goes, the armour lines stay. Found in two passes (all
# BEGINs, all ENDs) and paired in order, so a thousand BEGINs without an END stay linear.
_PEM_BEGIN_RE = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END_RE = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY_RE = re.compile(r"[A-Za-z0-9+/=\s:,\-]*+")


def _pem_spans(text: str) -> Iterator[Span]:
    ends = [match.start() for match in _PEM_END_RE.finditer(text)]
    covered = 0  # a BEGIN inside the block just taken belongs to it
    for match in _PEM_BEGIN_RE.finditer(text):
        if match.start() < covered:
            continue
        index = bisect.bisect_left(ends, match.end())
        if index < len(ends):
            span = match.end(), ends[index]
        else:  # cut off before its END: the key material that follows goes
            span = _PEM_BODY_RE.match(text, match.end()).span()
        covered = span[1]
        yield span


def _known_secret_spans(text: str) -> Iterator[Span]:
    for secret in _known_secrets:
        position = text.find(secret)
        while position >= 0:
            yield position, position + len(secret)
            position = text.find(secret, position + len(secret))


_NAME_WORDS = (
    "token", "secret", "passw", "pwd", "key", "sig", "code", "auth", "state", "ticket", "session",
    "credential", "passphrase", "sid", "jwt",
)
# (lower-case gate strings, detector): a detector runs on a view only when one of its gates is in it, so
# captions, ids and media URLs skip nearly everything.
_DETECTORS: tuple[tuple[tuple[str, ...], Callable[[str], Iterator[Span]]], ...] = (
    (_NAME_WORDS, _name_spans),
    (("authoriz", "bearer"), _auth_spans),
    (("cookie",), _cookie_spans),
    (_NAME_WORDS + ("cookie",), _header_list_spans),
    (("://",), _userinfo_spans),
    (("</",), _xml_spans),
    (tuple(literal.lower() for literal, _ in _TOKEN_SHAPES + _URL_SECRETS), _shape_spans),
    (("-----begin",), _pem_spans),
)
_ALL_GATES = tuple(sorted({gate for gates, _ in _DETECTORS for gate in gates}))


# ------------------------------------------------------------------------------------------------ views

# Each escape is one capture group, so `split` cuts a text into literal, escape, literal, ... in C.
_JSON_ESCAPE_RE = re.compile(r"(\\(?:u[0-9a-fA-F]{4}|[\"\\/bfnrt]))")
_JSON_SIMPLE_ESCAPES = {
    "\"": "\"", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
}
_PERCENT_ESCAPE_RE = re.compile(r"(%[0-9A-Fa-f]{2})")


@functools.lru_cache(maxsize=70_000)  # at most 65,536 \\uXXXX forms and a few simple ones
def _json_unescaped(escape: str) -> str:
    return chr(int(escape[2:], 16)) if escape[1] == "u" else _JSON_SIMPLE_ESCAPES[escape[1]]


@functools.lru_cache(maxsize=1024)
def _percent_decoded(escape: str) -> str:
    return chr(int(escape[1:], 16))  # one character per byte: secrets are ASCII, positions stay simple


class _View:
    """A decoded form of the raw text where every escape became one character, and the way back to raw.

    The way back (where each escape stood) is worked out only when something is found in the view, which is
    rare: a megabyte of backslashes is decoded, scanned and dropped without it.
    """

    __slots__ = ("text", "parent", "_pieces", "_decoded_at", "_raw_at", "_raw_length")

    def __init__(self, text: str, parent: _View | None = None, pieces: list[str] | None = None) -> None:
        self.text = text
        self.parent = parent
        self._pieces = pieces  # the parent's text split into literal, escape, literal, ..., literal
        self._decoded_at: list[int] = []  # where each escape's character stands in this view
        self._raw_at: list[int] = []  # where that escape starts in the parent
        self._raw_length: list[int] = []

    @classmethod
    def decoded(cls, parent: _View, pattern: re.Pattern[str], decode: Callable[[str], str]) -> _View | None:
        pieces = pattern.split(parent.text)
        if len(pieces) == 1:
            return None
        decoded = pieces.copy()
        decoded[1::2] = map(decode, pieces[1::2])
        return cls("".join(decoded), parent, pieces)

    def _build_map(self) -> None:
        pieces = self._pieces
        self._pieces = None
        raw_lengths = list(map(len, pieces))
        decoded_lengths = raw_lengths.copy()
        decoded_lengths[1::2] = [1] * (len(pieces) // 2)
        self._raw_at = list(itertools.accumulate(raw_lengths))[0::2][:-1]
        self._decoded_at = list(itertools.accumulate(decoded_lengths))[0::2][:-1]
        self._raw_length = raw_lengths[1::2]

    def _parent_range(self, position: int) -> Span:
        """The parent's characters that this view's character at `position` was decoded from."""
        if self._pieces is not None:
            self._build_map()
        index = bisect.bisect_right(self._decoded_at, position) - 1
        if index < 0:
            return position, position + 1
        if self._decoded_at[index] == position:
            return self._raw_at[index], self._raw_at[index] + self._raw_length[index]
        at = self._raw_at[index] + self._raw_length[index] + position - self._decoded_at[index] - 1
        return at, at + 1

    def raw_span(self, start: int, end: int) -> Span:
        """The span of the raw text that this view's [start, end) was decoded from (whole escapes)."""
        view: _View = self
        while view.parent is not None:
            start, end = view._parent_range(start)[0], view._parent_range(end - 1)[1]
            view = view.parent
        return start, end


def _views(text: str) -> list[_View]:
    """The raw text, its JSON-unescaped and URL-decoded views, and each of those decoded once more."""
    root = _View(text)
    views = [root]
    seen = {text}
    frontier = [root]
    for _ in range(2):  # one level of nesting: escaped JSON inside JSON, a URL inside a query parameter
        next_frontier = []
        for view in frontier:
            for marker, pattern, decode in (("\\", _JSON_ESCAPE_RE, _json_unescaped),
                                            ("%", _PERCENT_ESCAPE_RE, _percent_decoded)):
                if marker not in view.text:
                    continue
                child = _View.decoded(view, pattern, decode)
                if child is not None and child.text not in seen:
                    seen.add(child.text)
                    views.append(child)
                    next_frontier.append(child)
        frontier = next_frontier
    return views


# ---------------------------------------------------------------------------------------------- redact


def redact_text(text: str) -> str:
    """`text` with every credential-looking part replaced by REDACTED; everything else unchanged.

    Usage::

        redact_text("https://graph.facebook.com/me?access_token=EAAB123&fields=id")
        # 'https://graph.facebook.com/me?access_token=[REDACTED]&fields=id'
    """
    if not isinstance(text, str) or not text:
        return text
    # Ids, enum values and plain words: without punctuation only a token shape at the very start could
    # match (a shape never starts right after an ASCII letter or digit; after "é" it can, hence isascii).
    if text.isascii() and text.isalnum() and not text.startswith(_ALNUM_TOKEN_STARTS) and not _known_secrets:
        return text
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _redact_short_text(text)
    return _redact_text(text)


# The token shapes that can be made of letters and digits alone.
_ALNUM_TOKEN_STARTS = tuple(literal for literal, _ in _TOKEN_SHAPES if literal.isalnum())

# Endpoints, captions, usernames and error messages repeat across thousands of attempts; short texts are
# remembered (bounded: at most 16384 texts of at most 512 characters).
_CACHED_TEXT_LENGTH = 512


def _redact_text(text: str) -> str:
    try:
        views = _views(text) if "\\" in text or "%" in text else [_View(text)]
        spans: list[Span] = []
        for view in views:
            view_text = view.text
            lower = view_text.lower()
            present = {gate for gate in _ALL_GATES if gate in lower}
            found: list[Span] = []
            if present:
                for gates, detector in _DETECTORS:
                    if not present.isdisjoint(gates):
                        found.extend(detector(view_text))
            found.extend(_known_secret_spans(view_text))
            for start, end in found:
                if end > start and not _already_redacted(view_text, start, end):
                    spans.append(view.raw_span(start, end))
        if not spans:
            return text
        redacted = _replace_spans(text, spans)
        return _keep_json_valid(text, redacted)
    except Exception:  # a redactor that raises would let the caller store the unredacted original
        return REDACTED


_redact_short_text = functools.lru_cache(maxsize=16384)(_redact_text)


def _already_redacted(text: str, start: int, end: int) -> bool:
    """True when the span is REDACTED (or blank) already: redacting it again would not be idempotent."""
    if end - start > len(REDACTED) + 8:  # only short spans can be; long ones are not copied to find out
        return False
    return text[start:end].strip() in (REDACTED, "")


def candidate_pattern() -> str:
    """A regex, in syntax both `re` and RE2 (pyarrow) read, that matches case-insensitively every text
    redact_text could change; a text it does not match comes back from redact_text unchanged.

    Lets a column of a million values be screened in one vectorised pass before redacting the few it flags.
    """
    literals = (*_ALL_GATES, "\\", "%", *_known_secrets)
    return "|".join(re.escape(literal) for literal in literals)


def _replace_spans(text: str, spans: list[Span]) -> str:
    """`text` with each span (merged where they overlap or touch) replaced by one REDACTED."""
    spans.sort()
    parts: list[str] = []
    last = 0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
            continue
        parts.extend((text[last:current_start], REDACTED))
        last = current_end
        current_start, current_end = start, end
    parts.extend((text[last:current_start], REDACTED, text[current_end:]))
    return "".join(parts)


def _keep_json_valid(original: str, redacted: str) -> str:
    """`redacted`, unless it broke JSON the original was: then the parsed original redacted value by value."""
    if original.lstrip()[:1] not in ("{", "[", "\""):
        return redacted
    try:
        json.loads(redacted)
        return redacted
    except ValueError:
        pass
    try:
        parsed = json.loads(original)
    except ValueError:
        return redacted
    return json.dumps(redact_value(parsed), ensure_ascii=False)


def _header_pairs(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    """`items` with the value of each ["X-API-Key", "..."] pair redacted: two strings, the first a secret
    header name, inside a list of pairs or spelled like a header (so a tag list ["token", "economics"]
    stays readable); every other item redacted as usual."""
    in_list_of_pairs = all(isinstance(item, (list, tuple)) and len(item) == 2 for item in items)
    result = []
    for item in items:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            name, value = item
            if (isinstance(name, str) and isinstance(value, str) and is_secret_key(name)
                    and (in_list_of_pairs or "-" in name or name[:1].isupper())):
                result.append(type(item)((name, REDACTED)))
                continue
        result.append(_redact(item))
    return result


def _redact(obj: Any) -> Any:
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        result = {}
        for key, value in obj.items():
            # None and booleans say whether a secret exists, not what it is; they stay for debugging.
            if value is not None and not isinstance(value, bool) and is_secret_key(key):
                result[key] = REDACTED
            else:
                result[key] = _redact(value)
        # HAR and header lists: {"name": "Set-Cookie", "value": "..."}.
        if "value" in obj and isinstance(obj["value"], str):
            if any(is_secret_key(obj.get(name_key)) for name_key in ("name", "key", "header")):  # type: ignore[arg-type]
                result["value"] = REDACTED
        return result
    if isinstance(obj, list):
        if any(isinstance(item, (list, tuple)) for item in obj):
            return _header_pairs(obj)
        return [_redact(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_header_pairs(obj))
    return obj


def redact_value(obj: Any) -> Any:
    """A redacted copy of a JSON-like value: secret keys' values become REDACTED, other strings redact_text.

    Never raises; input too deep or self-referencing to walk comes back as REDACTED rather than unredacted.
    """
    try:
        return _redact(obj)
    except Exception:  # RecursionError on cycles or absurd depth
        return REDACTED


def mask_url(url: str) -> str:
    """A URL fit to print: user name and password (`https://user:pw@host`) masked, secrets in it redacted.

    Usage::

        mask_url("https://bob:hunter2@proxy.example/api?token=abc")
        # 'https://[REDACTED]@proxy.example/api?token=[REDACTED]'
    """
    if not isinstance(url, str):
        return url
    try:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            host = parts.netloc.rsplit("@", 1)[1]
            url = parts._replace(netloc=f"{REDACTED}@{host}").geturl()
    except ValueError:  # an unparseable URL still goes through the text rules below
        pass
    return redact_text(url)
