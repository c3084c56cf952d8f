"""The error-group fingerprint of a failure: its message with the variable parts (ids, numbers, urls, dates,
quoted values, handles) replaced by placeholders, and a 12-hex-digit key of (platform, error code, message).

Its own module so the store can stamp the key on every failed attempt at write time without importing the
analysis; `FINGERPRINT_VERSION` says which normalisation computed a stored key (bump it when `_NORMALISERS`
change, and the store computes the stored keys again).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
import pandas as pd

# Bump when the normalisation or the key changes: stored error groups stamped with another version are
# computed again (late_logs.store.derived).
FINGERPRINT_VERSION = "1"

NO_CODE = "(none)"  # what a missing error code is shown and filtered as
NO_MESSAGE = "(no message)"  # what a missing error message normalises to
UNKNOWN = "(unknown)"  # a missing platform or action in breakdowns


def filled(series: pd.Series, placeholder: str, *, blank_too: bool = True) -> pd.Series:
    """Missing (and blank) text becomes a visible placeholder, so it forms a group instead of a hole.

    `blank_too=False` skips the whitespace check for columns Late always fills with enum words; stripping a
    million strings costs more than the aggregation they feed.
    """
    series = series.astype("string")
    missing = series.isna()
    if blank_too:
        missing = missing | (series.str.strip() == "")
    return series.mask(missing, placeholder).astype("string")


_WEEKDAY = (
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon(?=,)|Tue(?=,)|Wed(?=,)|Thu(?=,)|Fri(?=,)|"
    r"Sat(?=,)|Sun(?=,)"
)
_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MONTH = rf"(?:{_MONTH_NAMES})"

# Order matters: whole URLs and emails go before the numbers inside them are replaced.
_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:https?|ftp)://[^\s\"'<>)\]]+", re.IGNORECASE), "<url>"),
    (re.compile(r"\bwww\.[^\s\"'<>)\]]+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (re.compile(r'"[^"\n]*"'), '"<value>"'),
    (re.compile(r"“[^”\n]*”"), '"<value>"'),
    (re.compile(r"`[^`\n]*`"), '"<value>"'),
    # A single-quoted value, but not the apostrophe in "can't ... don't".
    (re.compile(r"(?<![\w'])'[^'\n]*'(?![\w'])"), '"<value>"'),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
        ),
        "<time>",
    ),
    # Dates and times as platforms print them ("Tuesday, 10-Feb-26 01:12:00 PST", "Jan 5, 2024", "5/1/24"),
    # so one error does not split into a group per day it happened.
    (re.compile(rf"\b\d{{1,2}}[-/ .]{_MONTH}[-/ .,]+\d{{2,4}}\b", re.IGNORECASE), "<date>"),
    (re.compile(rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b", re.IGNORECASE), "<date>"),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}\.?,? \d{{4}}\b", re.IGNORECASE), "<date>"),
    (re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"), "<date>"),
    (
        re.compile(
            r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"
            r"(?:\s?(?:UTC|GMT|Z|[PMCE][SD]T|CES?T|BST|IST|JST|AES?T)(?:[+-]\d{1,2}(?::?\d{2})?)?)?(?![\w:])"
        ),
        "<time>",
    ),
    (re.compile(rf"\b(?:{_WEEKDAY})\b,?", re.IGNORECASE), "<day>"),
    (re.compile(rf"\b(?:{_MONTH_NAMES})\b(?=[\s,.-]*(?:\d|<))"), "<month>"),
    # Handles: "@acme", "u/someone", "r/subreddit" are the account or target, not the error.
    (re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{1,64}\b"), "@<handle>"),
    (re.compile(r"\b[ur]/[A-Za-z0-9_]{2,}\b"), "<handle>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE), "<id>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.IGNORECASE), "<hex>"),
    # Long hex runs with at least one digit: Mongo ObjectIds, hashes, request ids.
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.IGNORECASE), "<id>"),
    # Opaque tokens mixing letters and digits (shortcodes, base64 ids); with dashes only when long, so dates
    # like 05-Nov-24 keep their shape.
    (re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w{8,}\b"), "<id>"),
    (re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{16,}\b"), "<id>"),
    # Standalone numbers (a unit may follow: 5s, 10MB): "OAuth2", "v2" and "2FA" are words, not values.
    (
        re.compile(
            r"(?<![A-Za-z\d])\d+(?:[.,]\d+)*(?=(?:ms|s|m|h|d|kb|mb|gb|px|k|p|x)?\b|\W|$)", re.IGNORECASE
        ),
        "<n>",
    ),
    (re.compile(r"\s+"), " "),
)


@lru_cache(maxsize=200_000)
def _normalise_cached(message: str) -> str:
    text = message
    for pattern, placeholder in _NORMALISERS:
        text = pattern.sub(placeholder, text)
    return text.strip() or NO_MESSAGE


def normalise_message(message: str | None) -> str:
    """An error message with its variable parts (ids, numbers, urls, quoted values, emails) as placeholders.

    "Media ID 17895695668004550 is not available" → "Media ID <n> is not available". Empty → "(no message)".
    """
    if message is None or (not isinstance(message, str) and pd.isna(message)):
        return NO_MESSAGE
    message = str(message)
    if not message.strip():
        return NO_MESSAGE
    return _normalise_cached(message)


def error_group_key(platform: str | None, error_code: str | None, normalised_message: str) -> str:
    """A stable 12-hex-digit key for a (platform, error code, normalised message) group; safe in URLs."""
    platform_text = platform if isinstance(platform, str) and platform.strip() else UNKNOWN
    code_text = error_code if isinstance(error_code, str) and error_code.strip() else NO_CODE
    identity = "\x1f".join((platform_text, code_text, normalised_message or NO_MESSAGE))
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]


def _normalised_messages(messages: pd.Series) -> pd.Series:
    """normalise_message over the unique messages only, mapped back onto every row."""
    codes, uniques = pd.factorize(messages.astype("string"), use_na_sentinel=True)
    normalised = np.array([normalise_message(m) for m in uniques.tolist()] + [NO_MESSAGE], dtype=object)
    # The NA sentinel (-1) indexes the trailing NO_MESSAGE.
    return pd.Series(normalised[codes], index=messages.index, dtype="string")


def failure_identity(failed: pd.DataFrame) -> pd.DataFrame:
    """platform, error_code, message (normalised) and group key for failed rows (keys built per group)."""
    ident = pd.DataFrame(
        {
            "platform": filled(failed["platform"], UNKNOWN),
            "error_code": filled(failed["error_code"], NO_CODE),
            "message": _normalised_messages(failed["error_message"]),
        },
        index=failed.index,
    )
    if ident.empty:
        ident["group"] = pd.Series([], dtype="string")
        return ident
    # Combine per-column integer codes into one number per row, then hash each distinct triple once.
    combined = np.zeros(len(ident), dtype=np.int64)
    for column in ("platform", "error_code", "message"):
        codes, uniques = pd.factorize(ident[column])
        combined = combined * (len(uniques) + 1) + codes
    _, first_positions, numbers = np.unique(combined, return_index=True, return_inverse=True)
    firsts = ident.iloc[first_positions]
    keys = np.array(
        [
            error_group_key(p, c, m)
            for p, c, m in firsts[["platform", "error_code", "message"]].itertuples(index=False)
        ],
        dtype=object,
    )
    ident["group"] = pd.Series(keys[numbers], index=ident.index, dtype="string")
    return ident



def error_group_keys(frame: pd.DataFrame) -> pd.Series:
    """The error group key of every failed row, NA for other rows (aligned with the frame's index)."""
    keys = pd.Series(pd.NA, index=frame.index, dtype="string")
    mask = frame["status"].isin(["failed"]).to_numpy(dtype=bool, na_value=False)
    if mask.any():
        failed = frame.loc[mask, ["platform", "error_code", "error_message"]]
        keys.loc[failed.index] = failure_identity(failed)["group"]
    return keys
