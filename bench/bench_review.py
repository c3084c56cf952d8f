"""The morning review's rules run (alerts after every collector pass, the digest command) on a big store:
the whole store read into pandas, as before, beside the window in pandas and the groups' history in SQL
(late_logs.group_history), each in a fresh process. Prints seconds and peak memory side by side, and
whether both raise the same alerts; nothing fails on timing.

Usage: python bench/bench_review.py [--rows 300000]

The store is bench/scale_world's (the simulator's entries through upsert_attempts, 90 days), reused when
an earlier run of the same size and writer code built it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scale_world  # noqa: E402

PUBLIC_URL = "http://127.0.0.1:8501"


def _peak_mb() -> float:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) / 1024


def child(side: str, folder: Path, end: datetime) -> dict:
    """One side's rules run (the rules' evaluation with every rule on, no delivery, no ledger write)."""
    from late_logs import alerts, group_history
    from late_logs.store import LogStore

    started_mb = _peak_mb()
    store = LogStore(folder)
    started = time.perf_counter()
    if side == "whole":
        frame = store.frame()
        raised = alerts.evaluate(store, frame, end, PUBLIC_URL)
    else:
        facts = group_history.facts_of(store, end, 24)
        frame = store.frame(since=end - timedelta(hours=24), until=end)
        raised = alerts.evaluate(store, frame, end, PUBLIC_URL, **facts.known())
    seconds = time.perf_counter() - started
    rows = len(frame)
    store.close()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "imports_mb": started_mb, "rows_in_pandas": rows,
            "keys": sorted(a.key for a in raised)}  # fmt: skip


def in_child(side: str, folder: Path, end: datetime) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", side, str(folder), end.isoformat()], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child {side} failed: {done.stderr.strip().splitlines()[-3:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, folder, end = args.child
        print(json.dumps(child(side, Path(folder), datetime.fromisoformat(end))))
        return
    print(f"bench_review: {args.rows:,} attempts over {scale_world.DAYS} days; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    built = scale_world.build(args.rows, progress=print)
    sides = {"whole": "whole store in pandas (before)", "bounded": "window + group_history SQL (now)"}
    found = {side: [in_child(side, built.folder, built.end) for _ in range(2)] for side in sides}
    print(f"\n{'rules run, every rule':40} {'seconds (2 runs)':>18} {'peak MB':>9} {'rows in pandas':>15}")
    for side, label in sides.items():
        runs = found[side]
        times = " / ".join(f"{r['seconds']:.2f}" for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{label:40} {times:>18} {peak:9.0f} {runs[0]['rows_in_pandas']:15,}")
    print(f"(a process's imports alone: {found['bounded'][0]['imports_mb']:.0f} MB)")
    same = found["whole"][0]["keys"] == found["bounded"][0]["keys"]
    print(f"the same {len(found['whole'][0]['keys'])} alerts raised by both: {same}")


if __name__ == "__main__":
    main()
