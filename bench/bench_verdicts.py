"""The demo world's failures per verdict class, the unknown share, and how fast verdicts are computed.

Classifies every failed attempt of the simulated Late's retained week from its detail (raw response body
included), as the Attempt page does, and the flat frame as the dashboard does. Prints figures only; never
asserts. Run: `python bench/bench_verdicts.py [seed]`.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from late_logs import verdicts  # noqa: E402
from late_logs.records import flatten, to_frame  # noqa: E402
from late_logs.simulator import DEFAULT_SEED, SimulatedLate  # noqa: E402


def main(argv: list[str]) -> None:
    seed = int(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    sim = SimulatedLate(seed=seed)
    entries = sim.retained_logs()
    failed = [e for e in entries if e.get("status") == "failed"]
    details = [sim.log_detail(str(e["_id"])) or e for e in failed]
    started = time.perf_counter()
    found = [verdicts.classify_entry(d) for d in details]
    per_entry = time.perf_counter() - started
    who = Counter(v.who_must_act for v in found)
    retry = Counter(v.retry for v in found)
    total = len(found)
    print(f"demo world (seed {seed}): {len(entries):,} attempts, {total:,} failures")
    print("who_must_act  failures  share")
    for name in verdicts.WHO_MUST_ACT:
        print(f"  {name:<11} {who[name]:>8,}  {who[name] / max(total, 1):6.1%}")
    print("retry         failures  share")
    for name in verdicts.RETRY:
        print(f"  {name:<11} {retry[name]:>8,}  {retry[name] / max(total, 1):6.1%}")
    print(f"unknown share: {who['unknown'] / max(total, 1):.2%} (target <= 5%)")
    unknown_messages = Counter(
        (d.get("platform"), (d.get("response") or {}).get("errorMessage"))
        for d, v in zip(details, found, strict=True)
        if v.who_must_act == "unknown"
    )
    for (platform, message), count in unknown_messages.most_common(5):
        print(f"  unknown: {count:>5} x {platform}: {message!r}")
    print(f"classify_entry on {total:,} raw failures: {per_entry * 1000:.0f} ms (cold rule cache)")

    frame = to_frame([flatten(e) for e in entries])
    started = time.perf_counter()
    verdicts.frame_verdicts(frame)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"frame_verdicts on {len(frame):,} rows: {elapsed:.0f} ms (rule cache warm)")
    big = pd.concat([frame] * 100, ignore_index=True)
    started = time.perf_counter()
    verdicts.frame_verdicts(big)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"frame_verdicts on {len(big):,} rows: {elapsed:.0f} ms (rule cache warm)")


if __name__ == "__main__":
    main(sys.argv)
