"""What `records.flatten` costs per log entry, for both contracts, beside the single-module records.py it
replaced (one hand-written flattener per contract; loaded from git into a temporary module), on the very
same simulator entries: Late 1.0.1 list items and details, and unified `/v1/logs` items.

Usage: python bench/bench_flatten.py [--entries 10000] [--rounds 12] [--rev REV]

`--rev` names a commit that still has late_logs/records.py (by default the parent of the commit that
removed it). Rounds are interleaved and the fastest of each kept, because the machine may be shared. Also
prints whether both give the same records. Figures only: it never fails on timing.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from late_logs.records import FLAVOR_LATE, FLAVOR_UNIFIED, flatten  # noqa: E402
from late_logs.simulator import SimulatedLate  # noqa: E402

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)  # a fixed clock: the same entries on every run


def old_records(rev: str | None):
    """records.py as it was at `rev`, imported under another name."""
    git = ["git", "-C", str(ROOT)]
    if rev is None:
        removed = subprocess.run(
            [*git, "rev-list", "-1", "HEAD", "--", "late_logs/records.py"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        rev = f"{removed}^"
    source = subprocess.run(
        [*git, "show", f"{rev}:late_logs/records.py"], capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "records_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("records_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, rev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--rev", default=None)
    args = parser.parse_args()
    before, rev = old_records(args.rev)
    print(f"flatten, microseconds per entry (fastest of {args.rounds} interleaved rounds); before = {rev}")
    print(f"{'entries':<24}{'count':>8}{'before':>10}{'now':>10}{'same records':>16}")
    for flavor in (FLAVOR_LATE, FLAVOR_UNIFIED):
        sim = SimulatedLate(seed=7, flavor=flavor, clock=lambda: NOW)
        listed = sim.retained_logs()[: args.entries]
        kinds = [(f"{flavor} list items", listed)]
        if flavor == FLAVOR_LATE:
            details = [sim.log_detail(str(e["_id"])) or e for e in listed[: max(args.entries // 5, 1)]]
            kinds.append((f"{flavor} details", details))
        for name, entries in kinds:
            best = {"before": float("inf"), "now": float("inf")}
            made = {}
            for _ in range(args.rounds):
                for label, fn in (("before", before.flatten), ("now", flatten)):
                    started = time.perf_counter()
                    made[label] = [fn(e) for e in entries]
                    best[label] = min(best[label], time.perf_counter() - started)
            same = sum(
                1 for a, b in zip(made["before"], made["now"], strict=True) if a == b and list(a) == list(b)
            )
            per = {k: v / len(entries) * 1e6 for k, v in best.items()}
            print(f"{name:<24}{len(entries):>8}{per['before']:>10.1f}{per['now']:>10.1f}{same:>9}/{len(entries)}")


if __name__ == "__main__":
    main()
