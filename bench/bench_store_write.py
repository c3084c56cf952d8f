"""What the store's write path costs: a backfill through upsert_attempts in collector pages of 100, then an
idle pass, on the columnar engine and on the v1 engine (main's late_logs/store.py before issue 8, loaded
from git into a temporary module), side by side.

Usage: python bench/bench_store_write.py [--days 3] [--per-day 50000] [--old-days 1] [--fanout 8]

Prints, per engine: rows/s of upsert_attempts, bytes written per byte stored over the backfill (the
`wchar` of /proc/self/io: every byte handed to write(2), SQLite's WAL and checkpoints included, over the
folder's size at the end) and the bytes an idle pass writes (the newest pages listed again unchanged, and
the collector's state update). Write amplification is a per-day-partition figure (days are written
independently), so 3 days at a heavy agency's 50k attempts a day measure what 90 days would; `--days 90`
runs the whole backfill. The v1 engine rewrites a whole day per page, so it runs on `--old-days` only.
Figures only: it never fails on timing.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from late_logs.store import LogStore  # noqa: E402
from late_logs.store import files as attempt_files  # noqa: E402

V1_COMMIT = "14c0c9d"  # main before issue 8
END = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
PLATFORMS = ("instagram", "tiktok", "youtube", "facebook", "linkedin", "twitter", "threads")
MESSAGES = (
    "Error validating access token: Session has expired on Friday, 27-Nov-26 09:12:00 PST",
    "Rate limit reached for this account, try again later",
    "Media ID {n} is not available",
    "Video duration exceeds the maximum allowed for this placement",
    "Internal server error from the platform (500)",
)


def written_bytes() -> int:
    with open("/proc/self/io", encoding="ascii") as io:
        fields = dict(line.split(": ") for line in io.read().splitlines())
    return int(fields["wchar"])


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def page_stream(days: int, per_day: int) -> list[list[dict[str, Any]]]:
    """The collector's backfill: pages of 100 attempts, newest first, `per_day` a day over `days` days."""
    total = days * per_day
    step = 86_400 / per_day
    entries = []
    for number in range(total):
        created = END - timedelta(seconds=number * step)
        platform = PLATFORMS[number % len(PLATFORMS)]
        failed = number % 8 == 0
        entries.append(
            {
                "_id": f"{int(created.timestamp()):08x}{number:016x}",
                "postId": {"_id": f"post{number // 3:020x}", "content": f"Summer sale {number % 97} today"},
                "userId": "user_5f1e",
                "platform": platform,
                "accountId": f"acc{number % 400:021x}",
                "accountUsername": f"@brand{number % 400}",
                "action": "publish",
                "status": "failed" if failed else "success",
                "statusCode": 400 if failed else 200,
                "endpoint": f"graph.{platform}.com/v19.0/me/media_publish",
                "request": {
                    "contentPreview": f"Summer sale {number % 97} starts now, link in bio",
                    "mediaCount": 1,
                    "mediaUrls": [f"https://media.example.com/{number}.jpg"],
                },
                "response": (
                    {"errorMessage": MESSAGES[number % len(MESSAGES)].format(n=number), "errorCode": "190"}
                    if failed
                    else {"platformPostId": f"17{number:016x}", "platformPostUrl": f"https://x.com/p/{number}"}
                ),
                "durationMs": 50 + number % 30_000,
                "attemptNumber": 1,
                "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            }
        )
    return [entries[start : start + 100] for start in range(0, len(entries), 100)]


def v1_store_class() -> type:
    source = subprocess.run(
        ["git", "show", f"{V1_COMMIT}:late_logs/store.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="late-logs-v1-")) / "late_logs_v1_store.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("late_logs_v1_store", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.LogStore


def measure(store_class: type, folder: Path, pages: list[list[dict[str, Any]]]) -> dict[str, float]:
    """Backfill `pages` into a new store in `folder`, then one idle pass; the figures."""
    with store_class(folder, clock=lambda: END) as store:
        start_bytes, start = written_bytes(), time.perf_counter()
        for page in pages:
            store.upsert_attempts(page)
        seconds = time.perf_counter() - start
        backfill_bytes = written_bytes() - start_bytes
    stored = folder_bytes(folder)
    with store_class(folder, clock=lambda: END) as store:
        before = written_bytes()
        for page in pages[:5]:  # the newest pages, listed again with nothing new
            store.upsert_attempts(page)
        store.update_state(last_pass_started_at=END.isoformat(), last_pass_finished_at=END.isoformat())
        idle = written_bytes() - before
    rows = sum(len(page) for page in pages)
    return {
        "rows": rows,
        "rows_per_s": rows / seconds,
        "written_mb": backfill_bytes / 2**20,
        "stored_mb": stored / 2**20,
        "write_amplification": backfill_bytes / stored,
        "idle_pass_bytes": idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--per-day", type=int, default=50_000)
    parser.add_argument("--old-days", type=int, default=1, help="days the v1 engine writes (0: skip it)")
    parser.add_argument("--fanout", type=int, default=attempt_files.FANOUT)
    args = parser.parse_args()
    attempt_files.FANOUT = args.fanout
    work = Path(tempfile.mkdtemp(prefix="late-logs-bench-write-"))
    try:
        pages = page_stream(args.days, args.per_day)
        results = {f"columnar (fanout {args.fanout})": measure(LogStore, work / "new", pages)}
        if args.old_days:
            old_pages = pages[: args.old_days * args.per_day // 100]
            results["v1 partition blobs"] = measure(v1_store_class(), work / "old", old_pages)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"backfill in pages of 100, {args.per_day} attempts a day, newest first (wchar of /proc/self/io)")
    print(f"{'engine':26} {'rows':>8} {'rows/s':>8} {'written MB':>11} {'stored MB':>10} {'amplif.':>8} "
          f"{'idle pass':>12}")
    for name, figures in results.items():
        print(
            f"{name:26} {figures['rows']:>8} {figures['rows_per_s']:>8.0f} {figures['written_mb']:>11.1f} "
            f"{figures['stored_mb']:>10.1f} {figures['write_amplification']:>7.2f}x "
            f"{figures['idle_pass_bytes'] / 1024:>9.1f} KB"
        )


if __name__ == "__main__":
    main()
