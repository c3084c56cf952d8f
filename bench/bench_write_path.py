"""What the collector's write path (`LogStore.upsert_attempts`: redaction, merging, flat records, derived
columns, the Parquet table) builds per second, beside the code it had at git rev 5e02181 (its whole
`late_logs` package exported from git into a temporary folder), on the very same entries, and whether both
stored the very same things.

Usage: python bench/bench_write_path.py [--attempts 20000] [--pages 100 500] [--rounds 3] [--rev 5e02181]

The entries are bench/scale_world.py's (the simulator's realistic 1.0.1 entries with fresh ids, spread over
90 days), written newest first in pages of each of `--pages` (the collector writes a first page of 100,
then 500 at a time) into a fresh store, each code in its own process (the
two packages share a name). Rounds are interleaved and the fastest of each kept, because the machine may be
shared. "same store" compares every stored row (all table columns, derived ones included) and every packed
raw entry byte for byte. Figures only: it never fails on timing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE_REV = "5e02181"
END = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)  # a fixed clock: the same entries and notes every run


def old_package(rev: str, into: Path) -> Path:
    """The `late_logs` package as it was at `rev`, exported into `into` (a folder to put on sys.path)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "late_logs"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def write_entries(attempts: int, path: Path) -> None:
    """scale_world's first `attempts` entries (newest first) as one JSON file both processes read."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import scale_world

    kept = path.with_name("templates.json")
    path.write_text(json.dumps(list(scale_world.attempts(attempts, END, kept))), encoding="utf-8")


def measure(code: Path, entries: Path, page: int) -> dict:
    """One round in a fresh process on the package under `code`: attempts/s and a digest of the store."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(code), str(entries), str(page)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(code: str, entries_file: str, page: int) -> None:
    """Runs in the child: writes the entries through `code`'s LogStore and prints one JSON line."""
    sys.path.insert(0, code)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from late_logs.store import LogStore

    entries = json.loads(Path(entries_file).read_text(encoding="utf-8"))
    pages = [entries[start:start + page] for start in range(0, len(entries), page)]
    with tempfile.TemporaryDirectory() as folder:
        store = LogStore(folder, clock=lambda: END)
        try:
            started = time.perf_counter()
            for chunk in pages:
                store.upsert_attempts(chunk)
            seconds = time.perf_counter() - started
            table = pa.concat_tables([pq.read_table(name) for name in store.parquet_files()])
            rows = sorted(table.to_pylist(), key=lambda row: row["log_id"])
            blobs = store._table.raw_blobs([row["log_id"] for row in rows])
        finally:
            store.close()
    digest = hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode())
    for row in rows:
        digest.update(blobs.get(row["log_id"], b"-"))
    print(json.dumps({"seconds": seconds, "attempts": len(entries), "rows": len(rows),
                      "digest": digest.hexdigest(), "code": code}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--pages", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rev", default=BEFORE_REV)
    args = parser.parse_args()
    print(f"upsert_attempts, attempts/s (fastest of {args.rounds} interleaved rounds, {args.attempts:,} "
          f"attempts into a fresh store); before = {args.rev}")
    print(f"{'page':>6}{'before':>10}{'now':>10}{'speed-up':>10}  same store")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        before = old_package(args.rev, folder / "before")
        entries = folder / "entries.json"
        write_entries(args.attempts, entries)
        for page in args.pages:
            best: dict[str, float] = {"before": float("inf"), "now": float("inf")}
            digests: dict[str, str] = {}
            for _ in range(args.rounds):
                for label, code in (("before", before), ("now", ROOT)):
                    found = measure(code, entries, page)
                    best[label] = min(best[label], found["seconds"])
                    digests[label] = found["digest"]
            rate = {label: args.attempts / seconds for label, seconds in best.items()}
            same = "yes" if digests["before"] == digests["now"] else "NO"
            print(f"{page:>6}{rate['before']:>10,.0f}{rate['now']:>10,.0f}"
                  f"{rate['now'] / rate['before']:>9.2f}x  {same}", flush=True)

if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
