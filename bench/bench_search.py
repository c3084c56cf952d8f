"""Times the Explorer's search language (`late_logs.search`) on a synthetic 1,000,000-row frame, beside the
plain substring search it replaced (one case-insensitive `str.contains` per text column), and the table's
sort by a chosen column.

Prints figures only; never asserts on timing. Run: `python bench/bench_search.py [rows]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_analysis import synthetic_frame, timed  # noqa: E402
from late_logs import search  # noqa: E402
from late_logs.ui import explorer_view  # noqa: E402

# The columns the old plain search looked in.
PLAIN_COLUMNS = (
    "error_message",
    "content_preview",
    "endpoint",
    "log_id",
    "post_id",
    "account_username",
    "error_code",
)
QUERIES = (
    "sale",
    "summer sale",
    '"summer sale"',
    "status:failed",
    "platform:instagram,facebook status:failed",
    "account:user12",
    "code:190",
    "who:reconnect",
    "-status:success",
    "status:failed media -platform:tiktok",
    "status:failed who:reconnect",
    'timed out -"rate limit" platform:instagram',
)


def plain_substring(frame: pd.DataFrame, needle: str) -> pd.DataFrame:
    hit = np.zeros(len(frame), dtype=bool)
    for column in PLAIN_COLUMNS:
        values = frame[column].astype("string")
        hit |= values.str.contains(needle, case=False, regex=False).to_numpy(dtype=bool, na_value=False)
    return frame[hit]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frame = timed(f"build synthetic frame ({rows:,} rows)", lambda: synthetic_frame(rows), repeat=1)
    print(f"\n{'query':<44} {'best':>8}     rows kept")
    baseline = timed("plain substring 'sale' (before)", lambda: plain_substring(frame, "sale"))
    print(f"{'':<44} {'':>8}     {len(baseline):,}")
    timed("parse (all queries below)", lambda: [search.parse(q) for q in QUERIES], repeat=5)
    if search.known_verdicts() is None:
        print("(no verdicts engine in this checkout: who: terms are ignored, so they time nothing)")
    for query in QUERIES:
        kept = timed(f"search {query!r}"[:44], lambda q=query: search.search(frame, q))
        print(f"{'':<44} {'':>8}     {len(kept):,}")
    limit = explorer_view.MAX_ROWS_SHOWN
    for column, descending in (("duration_ms", True), ("platform", False), ("error_message", False)):
        timed(
            f"table sort by {column}, first {limit:,}",
            lambda c=column, d=descending: explorer_view.sorted_rows(frame, c, d, limit),
        )


if __name__ == "__main__":
    main()
