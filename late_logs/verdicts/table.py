"""The verdict table: one row per known platform error, keyed by (platform, code, subcode), with its source.

Rows are data, not logic: `classify.py` looks them up. A row's `retry` is the advice for a failed publish
step. The rows live by platform family (`meta`, `tiktok`, `google`, `x`, `other_platforms`, and `late` for
any platform), their shape in `rows`, their sources in `sources`; this module assembles and indexes them.
`../shared/research/platform-errors.md` lists the sources with the facts behind each row.
"""

from __future__ import annotations

from late_logs.verdicts import google, late, meta, other_platforms, tiktok, x
from late_logs.verdicts.late import LATE_CATEGORIES, LATE_SOURCES, STATUS_ROWS
from late_logs.verdicts.other_platforms import REDDIT_REFUSED
from late_logs.verdicts.rows import RETRY, WHO_MUST_ACT, Row
from late_logs.verdicts.sources import ZO

__all__ = [
    "ALL_CODE_ROWS",
    "CODE_INDEX",
    "CODE_ROWS",
    "EXTRA_ROWS",
    "LATE_CATEGORIES",
    "LATE_SOURCES",
    "MESSAGE_ROWS",
    "REDDIT_REFUSED",
    "RETRY",
    "Row",
    "STATUS_ROWS",
    "SUBCODE_INDEX",
    "WHO_MUST_ACT",
    "ZO",
]

# Each family keeps its rows in the order they are tried; a family only holds its own platforms' rows, so
# the order between families changes no verdict. The rows for any platform ("*") come last.
FAMILIES = (meta, tiktok, google, x, other_platforms, late)
CODE_ROWS: tuple[Row, ...] = tuple(r for family in FAMILIES for r in family.CODE_ROWS)
EXTRA_ROWS: tuple[Row, ...] = tuple(r for family in FAMILIES for r in family.EXTRA_ROWS)
# Tried after the code rows, platform rows first. Order matters inside a platform: the first match wins.
MESSAGE_ROWS: tuple[Row, ...] = tuple(r for family in FAMILIES for r in family.MESSAGE_ROWS)


def _index(rows: tuple[Row, ...]) -> dict[tuple[str, str | None, str | None], Row]:
    table: dict[tuple[str, str | None, str | None], Row] = {}
    for row in rows:
        table.setdefault((row.platform, row.code, row.subcode), row)
    return table


ALL_CODE_ROWS = CODE_ROWS + EXTRA_ROWS
CODE_INDEX = _index(ALL_CODE_ROWS)
SUBCODE_INDEX = {(r.platform, r.subcode): r for r in ALL_CODE_ROWS if r.code is None and r.subcode}
