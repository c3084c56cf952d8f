"""The shape of a verdict row (`Row`), its vocabulary (`WHO_MUST_ACT`, `RETRY`) and the two constructors
the row tables are written with: `row` (a platform's code and subcode) and `text_row` (a message pattern).

The family modules (`meta`, `google`, ...) lay their rows out a line or two each, as a table reads, and keep a
formatter off them (`# fmt: off`): it would spread every row over nine lines, one argument a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WHO_MUST_ACT = ("reconnect", "account", "content", "wait", "platform", "late", "unknown")
RETRY = ("yes", "later", "no", "verify")

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


def row(platform, code, subcode, who, retry, reason, source, weak=False) -> Row:  # noqa: ANN001
    sub = None if subcode is None else str(subcode).lower()
    return Row(
        platform, None if code is None else str(code).lower(), sub, who, retry, reason, source, None, weak
    )


def text_row(platform, pattern, who, retry, reason, source, weak=False) -> Row:  # noqa: ANN001
    return Row(platform, None, None, who, retry, reason, source, re.compile(pattern, re.IGNORECASE), weak)
