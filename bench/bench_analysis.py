"""Times the analysis functions the dashboard runs on every rerun, on a synthetic 1,000,000-row frame.

Prints figures only; never asserts on timing. Run: `python bench/bench_analysis.py [rows]`.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from late_logs import analysis, baselines, contrast  # noqa: E402
from late_logs.records import PLATFORMS, RECORD_DTYPES, coerce_frame  # noqa: E402

NOW = datetime(2024, 11, 8, 12, 0, tzinfo=timezone.utc)
MESSAGES = [
    "Media ID {n} is not available",
    "Error validating access token: Session has expired on Tuesday, 05-Nov-24 {h}:00:00 PST.",
    "Rate limit exceeded, retry after {n} seconds",
    "(#506) Duplicate status message",
    "Request {hex} timed out after 30000ms",
    "Invalid image URL https://cdn.example.com/{n}.jpg",
    "",
]
CODES = ["9007", "190", "RATE_LIMITED", "506", None, "100", None]


def synthetic_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """A frame shaped like a busy week of attempts: ~12 % failures, many distinct messages."""
    rng = np.random.default_rng(seed)
    created = pd.to_datetime(NOW) - pd.to_timedelta(rng.integers(0, 7 * 24 * 3600, rows), unit="s")
    status = rng.choice(["success", "failed", "pending", "skipped"], rows, p=[0.8, 0.12, 0.05, 0.03])
    failed = status == "failed"
    kind = rng.integers(0, len(MESSAGES), rows)
    numbers = rng.integers(1, 10**12, rows)
    messages = np.full(rows, None, dtype=object)
    codes = np.full(rows, None, dtype=object)
    for i in np.flatnonzero(failed):
        template = MESSAGES[kind[i]]
        messages[i] = template.format(n=numbers[i], h=numbers[i] % 24, hex=f"{numbers[i]:x}") or None
        codes[i] = CODES[kind[i]]
    frame = pd.DataFrame(
        {
            "log_id": [f"{i:024x}" for i in range(rows)],
            "created_at": created,
            "platform": rng.choice(list(PLATFORMS), rows),
            "action": rng.choice(["publish", "retry", "media_upload"], rows, p=[0.7, 0.2, 0.1]),
            "status": status,
            "account_id": [f"acc{i}" for i in rng.integers(0, 2000, rows)],
            "account_username": [f"@user{i}" for i in rng.integers(0, 2000, rows)],
            "post_id": [f"post{i}" for i in rng.integers(0, rows // 3, rows)],
            "status_code": np.where(failed, 400, 200),
            "error_code": codes,
            "error_message": messages,
            "endpoint": rng.choice(["graph.facebook.com/me/media_publish", "api.x.com/2/tweets"], rows),
            "content_preview": rng.choice(["Check out our new feature!", "Summer sale starts today"], rows),
        }
    )
    frame = coerce_frame(frame)[list(RECORD_DTYPES)]
    return frame.sort_values("created_at", ascending=False, ignore_index=True)


def timed(label: str, call, repeat: int = 3) -> object:
    """Prints the best of `repeat` runs (the machine is shared; the minimum is the least noisy figure)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<44} {best:8.3f} s  (best of {repeat})")
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frame = timed(f"build synthetic frame ({rows:,} rows)", lambda: synthetic_frame(rows), repeat=1)
    start, end = NOW - timedelta(days=7), NOW
    day = NOW - timedelta(days=1)
    filters = analysis.Filters(
        start=start, end=end, platforms=("instagram", "facebook", "twitter"), statuses=("failed",)
    )
    timed("apply_filters (window+platforms+status)", lambda: analysis.apply_filters(frame, filters))
    timed(
        "apply_filters (text 'media id', all rows)",
        lambda: analysis.apply_filters(frame, analysis.Filters(text="media id")),
    )
    timed("window_kpis (7 days vs previous 7)", lambda: analysis.window_kpis(frame, start, end))
    timed("failure_matrix", lambda: analysis.failure_matrix(frame))
    timed(
        "failure_rate_over_time (7 days, 6-hourly)",
        lambda: analysis.failure_rate_over_time(frame, start, end),
    )
    timed("failure_rate_over_time (24 h, hourly)", lambda: analysis.failure_rate_over_time(frame, day, end))
    timed("status_volume_over_time (7 days)", lambda: analysis.status_volume_over_time(frame, start, end))
    groups = timed("error_groups (cold message cache)", lambda: analysis.error_groups(frame), repeat=1)
    timed("error_groups (warm message cache)", lambda: analysis.error_groups(frame))
    key = groups["group"].iloc[0]
    timed(
        "apply_filters (error_group)",
        lambda: analysis.apply_filters(frame, analysis.Filters(error_group=key)),
    )
    # What is different about the failures, beside the matrix over the same rows (its reference: the other
    # count the Overview makes of every row).
    week = analysis.apply_filters(frame, analysis.Filters(start=start, end=end))
    timed("failure_matrix (7 days, the reference)", lambda: analysis.failure_matrix(week))
    timed("contrast.contrast (7 days, 7 attributes)", lambda: contrast.contrast(week))
    # Baselines: seven day-slices counted, then compared (the comparison alone is over a few dozen cells).
    windows = baselines.baseline_windows(day, end)
    cells = timed(
        "baseline counts (7 same-hour windows)",
        lambda: [
            analysis.failure_matrix(analysis.apply_filters(frame, analysis.Filters(start=a, end=b)))
            for a, b in windows
        ],
    )
    today = analysis.failure_matrix(analysis.apply_filters(frame, analysis.Filters(start=day, end=end)))
    timed(
        "baselines.compare (pool + compare)",
        lambda: baselines.compare(today, baselines.pool(cells, ["platform", "action"])),
    )
    posts = frame[frame["post_id"].isin(week["post_id"].head(5_000))]
    timed(f"post_rows ({posts['post_id'].nunique():,} posts)", lambda: analysis.post_rows(posts, NOW))
    print(
        f"failed rows: {int((frame['status'] == 'failed').sum()):,}; "
        f"distinct messages: {frame['error_message'].nunique():,}; error groups: {len(groups)}"
    )


if __name__ == "__main__":
    main()
