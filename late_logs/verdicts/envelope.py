"""Reads a platform's error reply: the codes, subcode, message and hints inside each platform's envelope.

Late copies the platform's code into `errorCode` only sometimes; the raw response body holds the rest
(Meta's `error_subcode`, YouTube's `errors[].reason`, Reddit's and Telegram's failures inside an HTTP 200).
This module turns any of those envelopes, or none, into one `PlatformReply`. It never raises on odd input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Platform names as Late spells them, folded into the family whose error envelope and codes they share.
PLATFORM_FAMILIES: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram", "meta"),
    "facebook": ("facebook", "meta"),
    "threads": ("threads", "meta"),
    "twitter": ("x",),
    "x": ("x",),
    "youtube": ("youtube", "google"),
    "googlebusiness": ("googlebusiness", "google"),
    "google_business": ("googlebusiness", "google"),
    "gmb": ("googlebusiness", "google"),
    "tiktok": ("tiktok",),
    "linkedin": ("linkedin",),
    "pinterest": ("pinterest",),
    "reddit": ("reddit",),
    "bluesky": ("bluesky",),
    "telegram": ("telegram",),
    "snapchat": ("snapchat",),
    "discord": ("discord",),
}

# Meta's "(#200) The user has not authorized ..." carries its code inside the message text.
_META_CODE_IN_TEXT = re.compile(r"^\s*\(#(\d+)\)")
_SUBCODE_IN_TEXT = re.compile(r"error (?:sub)?code:? (2\d{6}|1\d{6})\b", re.IGNORECASE)
_PROBLEM_TYPE = re.compile(r"/problems/([\w-]+)\s*$")
_MAX_DEPTH = 4


@dataclass
class PlatformReply:
    """What a failure's fields and raw body say; codes are lower-case text, most specific first."""

    codes: list[str] = field(default_factory=list)
    subcode: str | None = None
    messages: list[str] = field(default_factory=list)
    retry_after_seconds: float | None = None
    late_category: str | None = None  # Late/Zernio's own errorCategory, when the entry carries one
    late_source: str | None = None  # Late/Zernio's own errorSource
    ok_false: bool = False  # a failure reported inside an HTTP 200 (Telegram ok:false, Reddit json.errors)

    def add_code(self, value: Any) -> None:
        text = code_text(value)
        if text and text not in self.codes:
            self.codes.append(text)

    def add_message(self, value: Any) -> None:
        if isinstance(value, str) and value.strip() and value not in self.messages:
            self.messages.append(value.strip())

    @property
    def text(self) -> str:
        """Every message joined, for pattern matching."""
        return " | ".join(self.messages)


def code_text(value: Any) -> str | None:
    """A code as lower-case text without Meta's "#"; numbers as integers ("190.0" → "190"); None if empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN, or not a code at all
            return None
        value = int(value)
    if isinstance(value, (Mapping, list, tuple)):
        return None
    text = str(value).strip().lstrip("#").strip().lower()
    if re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".")[0]
    return text or None


def families(platform: Any) -> tuple[str, ...]:
    """The rule-table keys of a platform, most specific first ("instagram" → instagram, meta)."""
    name = str(platform).strip().lower() if isinstance(platform, str) else ""
    return PLATFORM_FAMILIES.get(name, (name,) if name else ())


def parse_body(body: Any) -> Any:
    """A raw body as JSON data when it is JSON (text or already decoded); None otherwise."""
    if isinstance(body, (Mapping, list)):
        return body
    if not isinstance(body, str):
        return None
    text = body.strip()
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _read_error_object(error: Mapping[str, Any], reply: PlatformReply) -> None:
    """`{"error": {...}}`: Meta Graph, Google/YouTube and TikTok put their error in an object there."""
    subcode = code_text(error.get("error_subcode"))
    if subcode and reply.subcode is None:
        reply.subcode = subcode
    # YouTube/Google: the specific reason sits in errors[]; the top "code" is only the HTTP status.
    for item in error.get("errors") or ():
        if isinstance(item, Mapping):
            reply.add_code(item.get("reason"))
            reply.add_message(item.get("message"))
    # Google Business: details[].errorCode (ERROR_CODE_UNVERIFIED_LOCATION) is more specific than status.
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping):
            reply.add_code(detail.get("errorCode") or detail.get("reason"))
            for inner in detail.get("errorDetails") or ():
                if isinstance(inner, Mapping):
                    reply.add_code(inner.get("code"))
                    reply.add_message(inner.get("message"))
    code = error.get("code")
    status = error.get("status")
    if isinstance(status, str) and status.isupper():
        reply.add_code(status)  # Google's canonical status word: UNAUTHENTICATED, PERMISSION_DENIED, ...
    if code_text(code) not in (None, "ok", "0"):  # TikTok sends code "ok" inside some failures
        reply.add_code(code)
    reply.add_message(error.get("error_user_msg"))
    reply.add_message(error.get("message"))
    reply.add_message(error.get("error_user_title"))


def read_envelope(data: Any, reply: PlatformReply, depth: int = 0) -> None:
    """Add what one decoded body says to `reply`, whatever platform's envelope it is."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data[:5]:
            read_envelope(item, reply, depth + 1)
        return
    if not isinstance(data, Mapping):
        return
    _read_late_fields(data, reply)
    error = data.get("error")
    if isinstance(error, Mapping):
        _read_error_object(error, reply)
    elif isinstance(error, str):
        # Bluesky {"error": "ExpiredToken", "message"}, Late's own {"error": "<message>", "code"}.
        if re.fullmatch(r"[A-Za-z][\w.-]*", error):
            reply.add_code(error)
        else:
            reply.add_message(error)
    # Telegram: {"ok": false, "error_code": 403, "description": "...", "parameters": {"retry_after": 17}}.
    if data.get("ok") is False:
        reply.ok_false = True
    if "description" in data and ("error_code" in data or "ok" in data):
        reply.add_message(data.get("description"))
    parameters = data.get("parameters")
    if isinstance(parameters, Mapping):
        _note_retry_after(parameters.get("retry_after"), reply)
    _note_retry_after(data.get("retry_after"), reply)  # Discord, Late
    # Reddit: {"json": {"errors": [["RATELIMIT", "take a break for 9 minutes", "ratelimit"]]}}.
    inner = data.get("json")
    if isinstance(inner, Mapping):
        for item in inner.get("errors") or ():
            if isinstance(item, (list, tuple)) and item:
                reply.ok_false = True
                reply.add_code(item[0])
                if len(item) > 1:
                    reply.add_message(item[1])
    # X v1.1 {"errors": [{"code": 89, "message"}]}; X v2 {"errors": [{"message", "parameters"}]}.
    for item in data.get("errors") if isinstance(data.get("errors"), list) else ():
        if isinstance(item, Mapping):
            reply.add_code(item.get("code"))
            reply.add_message(item.get("message"))
            reply.add_message(item.get("detail"))
        elif isinstance(item, str):
            reply.add_message(item)
    # X v2 problem {"title", "detail", "type": ".../problems/usage-capped", "reason"}.
    problem = data.get("type")
    if isinstance(problem, str):
        match = _PROBLEM_TYPE.search(problem)
        if match:
            reply.add_code(match.group(1))
    reply.add_code(data.get("reason"))
    # LinkedIn {"serviceErrorCode", "code": "DUPLICATE_POST", "message", "status"}; Pinterest/Discord
    # {"code", "message"}; Snapchat {"error_code", "debug_message"}; Telegram "error_code" (an HTTP status).
    reply.add_code(data.get("serviceErrorCode"))
    reply.add_code(data.get("errorCode"))
    if not isinstance(data.get("code"), Mapping):
        reply.add_code(data.get("code"))
    reply.add_code(data.get("error_code"))
    for key in ("message", "detail", "debug_message", "error_description", "errorMessage", "error_message"):
        reply.add_message(data.get(key))
    if isinstance(data.get("title"), str) and data.get("title") not in ("Forbidden", "Invalid Request"):
        reply.add_message(data.get("title"))
    for key in ("platformError", "rawResponse", "response", "data"):
        nested = data.get(key)
        if isinstance(nested, str):
            nested = parse_body(nested)
        if nested is not None:
            read_envelope(nested, reply, depth + 1)


def _read_late_fields(data: Mapping[str, Any], reply: PlatformReply) -> None:
    for name in ("errorCategory", "error_category"):
        if isinstance(data.get(name), str) and reply.late_category is None:
            reply.late_category = data[name].strip().lower() or None
    for name in ("errorSource", "error_source"):
        if isinstance(data.get(name), str) and reply.late_source is None:
            reply.late_source = data[name].strip().lower() or None


def _note_retry_after(value: Any, reply: PlatformReply) -> None:
    if isinstance(value, bool) or reply.retry_after_seconds is not None:
        return
    if isinstance(value, (int, float)) and 0 <= value < 10 * 86400:
        reply.retry_after_seconds = float(value)


def read_reply(
    error_code: Any = None, error_message: Any = None, raw_body: Any = None, extra: Any = None
) -> PlatformReply:
    """One PlatformReply from Late's `errorCode`/`errorMessage`, the raw response body, and any extra fields.

    The raw body's codes come first (they are the platform's own and the most specific); Late's `errorCode`
    follows. A message that is itself JSON (some integrations paste the body there) is read as a body.
    """
    reply = PlatformReply()
    body = parse_body(raw_body)
    if body is not None:
        read_envelope(body, reply)
    elif isinstance(raw_body, str):
        reply.add_message(raw_body[:500])
    if isinstance(error_message, str):
        embedded = parse_body(error_message)
        if embedded is not None:
            read_envelope(embedded, reply)
        else:
            if error_message.strip() and error_message.strip() not in reply.messages:
                reply.messages.insert(0, error_message.strip())
            match = _META_CODE_IN_TEXT.match(error_message)
            if match:
                reply.add_code(match.group(1))
            # "Media upload has failed with error code 2207082": Instagram's subcode, spelled out in text.
            spelled = _SUBCODE_IN_TEXT.search(error_message)
            if spelled and reply.subcode is None:
                reply.subcode = spelled.group(1)
    reply.add_code(error_code)
    if extra is not None:
        read_envelope(extra, reply)
    return reply
