"""Verdict rows of X / Twitter: its v1.1 codes and v2 problem types, and its messages.

Each row cites its public source; `table` assembles every family's rows and indexes them.
"""

from __future__ import annotations

from late_logs.verdicts.rows import Row, row, text_row
from late_logs.verdicts.sources import ANON_138, PZ_X, TW_RB, X_DUP_2010, X_RC, X_V1

# A row a line or two, as a table reads (`rows` says why).
# fmt: off
CODE_ROWS: tuple[Row, ...] = (
    # X / Twitter (v1.1 codes, v2 problem types).
    row("x", 32, None, "reconnect", "no", "X could not authenticate the account", X_V1),
    row("x", 89, None, "reconnect", "no", "the X token is invalid or expired", X_V1),
    row("x", 215, None, "reconnect", "no", "the X request carried bad authentication data", X_V1),
    row("x", 135, None, "reconnect", "no", "X could not authenticate the account (clock skew)", X_V1),
    row("x", 88, None, "wait", "later", "X's rate limit was exceeded", X_V1),
    row("x", 185, None, "wait", "later", "the account is over X's daily post limit", TW_RB),
    row("x", 187, None, "content", "no", "the post is a duplicate", TW_RB),
    row("x", 186, None, "content", "no", "the post is too long", ANON_138),
    row("x", 324, None, "content", "no", "the media could not be attached", TW_RB),
    row("x", 226, None, "content", "no", "X took the request for automated spam", TW_RB),
    row("x", 64, None, "account", "no", "the X account is suspended", TW_RB),
    row("x", 326, None, "account", "no", "the X account is locked", TW_RB),
    row("x", 231, None, "account", "no", "the X account must complete a login verification", TW_RB),
    row("x", 261, None, "late", "no", "Late's X app may not write", TW_RB),
    row("x", 130, None, "platform", "verify", "X was over capacity", X_V1, weak=True),
    row("x", 131, None, "platform", "verify", "X had an internal error", X_V1, weak=True),
    row("x", "usage-capped", None, "late", "later", "the X app's usage cap is spent", X_RC),
    row("x", "client-not-enrolled", None, "late", "no",
        "Late's X app lacks the required API access level", X_RC),
    row("x", "unsupported-authentication", None, "reconnect", "no", "X rejected the authentication", X_RC),
    row("x", "user-suspended", None, "account", "no", "the X account is suspended", PZ_X),
    row("x", "duplicate_content", None, "content", "no", "the post is a duplicate", PZ_X),
    row("x", "invalid-request", None, "content", "no", "a field of the post is invalid", X_RC, weak=True),
)

# Added from public issue threads and docs while testing (tests/test_verdicts.py has verbatim cases).
EXTRA_ROWS: tuple[Row, ...] = (
    row("x", 453, None, "late", "no", "Late's X app's access level does not include this endpoint", X_RC),
    row("x", 402, None, "late", "later", "the X app's credits are spent", X_RC),
    row("x", "creditsdepleted", None, "late", "later", "the X app's credits are spent", X_RC),
    row("x", 220, None, "reconnect", "no", "the X credentials do not allow this", X_V1),
    row("x", 44, None, "content", "no", "a media or attachment parameter is invalid", X_V1),
    row("x", 170, None, "content", "no", "the post has no text", TW_RB),
    row("x", 327, None, "content", "no", "the post was already reposted", TW_RB),
    row("x", 226, None, "content", "no", "X took the request for automated spam", TW_RB),
)

# Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = (
    # X.
    text_row("x", r"duplicate content|status is a duplicate", "content", "no",
             "the post is a duplicate", PZ_X),
    text_row("x", r"usage cap|usage-capped|credits", "late", "later", "the X app's usage cap is spent", X_RC),
    text_row("x", r"too long|needs to be a bit shorter|over \d+ characters", "content", "no",
             "the post is too long", ANON_138),
    text_row("x", r"suspended", "account", "no", "the X account is suspended", PZ_X),
    text_row("x", r"not permitted to perform this action", "content", "no",
             "X refused the post (often a duplicate or a policy rule)", X_DUP_2010),
    text_row("x", r"unsupported authentication|oauth 2\.0 application-only", "reconnect", "no",
             "X rejected the authentication", X_RC),
    text_row(
        "x",
        r"developer app|attached to a project|appropriate level of api access|oauth1 app permissions|"
        r"subset of x api|read-only application",
        "late",
        "no",
        "Late's X app lacks the required API access level",
        X_RC,
    ),
    text_row("x", r"looks like it might be automated|automated", "content", "no",
             "X took the request for automated spam", TW_RB),
)
# fmt: on
