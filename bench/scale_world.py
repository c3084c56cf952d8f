"""Big stores for the scale benchmark, written through the collector's own write path.

The attempts are the simulator's realistic 1.0.1 log entries (every platform, error envelopes, planted
secrets the redaction must catch) used as templates: each generated attempt is a template with a fresh id, a
post id shared by about three attempts, and a `createdAt` spread evenly over the last 90 days. They are
written newest first with `LogStore.upsert_attempts`, as the collector's walk flushes what it read: the first
page of 100 alone, then FLUSH_EVERY_PAGES pages a call (redaction, merging, derived columns and all), not a
bulk import.

A built store is kept under `bench/.stores/` keyed by the row count, a digest of the code that writes it and
the flush size, so a rerun for the same N, code and flush size reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from late_logs.collector import FLUSH_EVERY_PAGES  # noqa: E402

STORES = ROOT / "bench" / ".stores"
DAYS = 90
PAGE = 100  # the collector's page size
# Pages per upsert_attempts call after the first page, as the collector flushes them.
FLUSH_PAGES = FLUSH_EVERY_PAGES
# The code whose output a kept store depends on: the store, the records it flattens, the derived columns.
WRITER_CODE = ("late_logs/store", "late_logs/records", "late_logs/redact.py",
               "late_logs/verdicts", "late_logs/fingerprint.py")


def code_digest() -> str:
    digest = hashlib.sha256()
    for name in WRITER_CODE:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(file.relative_to(ROOT).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def templates(kept: Path | None = None) -> list[str]:
    """The simulator's retained log entries, as JSON text (parsed afresh per attempt: no shared objects).
    The simulator's clock is the wall clock, so they are kept beside a built store (`kept`) for a later
    idle pass to list the very same entries again."""
    if kept is not None and kept.exists():
        return json.loads(kept.read_text())
    from late_logs.simulator import SimulatedLate

    texts = [json.dumps(entry) for entry in SimulatedLate(seed=7).retained_logs()]
    if kept is not None:
        kept.write_text(json.dumps(texts))
    return texts


def attempts(rows: int, end: datetime, kept: Path | None = None, first: int | None = None) -> Iterator[dict]:
    """`rows` attempts, newest first, evenly over the DAYS before `end` (only the `first` newest of them when
    given: the very same attempts, at the very same times)."""
    texts = templates(kept)
    step = timedelta(days=DAYS) / max(rows, 1)
    for number in range(rows if first is None else min(first, rows)):
        entry = json.loads(texts[number % len(texts)])
        entry["_id"] = f"{0x6b000000 + number:08x}{number:016x}"
        post = entry.get("postId")
        if isinstance(post, dict):
            post["_id"] = f"{0x6c000000 + number // 3:08x}{number // 3:016x}"
        moment = end - step * number
        entry["createdAt"] = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        yield entry


def io_written() -> tuple[int, int]:
    """(bytes this process handed to write(), bytes it caused to reach the disk) so far."""
    counters = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(counters["wchar"]), int(counters["write_bytes"])


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@dataclass
class Built:
    folder: Path  # the cache folder (LATE_LOGS_CACHE_DIR)
    rows: int
    end: datetime
    seconds: float
    written: int  # bytes handed to write() while building
    stored: int  # bytes of the folder afterwards

    @property
    def amplification(self) -> float:
        return self.written / self.stored if self.stored else float("nan")


def build(rows: int, *, progress=print) -> Built:
    """The store of `rows` attempts for this code version, built now or reused from an earlier run."""
    from late_logs.store import LogStore

    folder = STORES / f"rows-{rows}-{code_digest()}-flush{FLUSH_PAGES}"
    facts = folder / "built.json"
    if facts.exists():
        known = json.loads(facts.read_text())
        return Built(folder / "cache", rows, datetime.fromisoformat(known["end"]), known["seconds"],
                     known["written"], known["stored"])
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "cache").mkdir(parents=True)
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    store = LogStore(folder / "cache")
    before, _ = io_written()
    started = time.perf_counter()
    page: list[dict] = []
    try:
        for number, entry in enumerate(attempts(rows, end, folder / "templates.json"), 1):
            page.append(entry)
            if number == PAGE or len(page) == PAGE * FLUSH_PAGES:
                store.upsert_attempts(page)
                page = []
            if number % 100_000 == 0:
                rate = number / (time.perf_counter() - started)
                progress(f"  built {number:,} of {rows:,} attempts ({rate:,.0f}/s)")
        if page:
            store.upsert_attempts(page)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    written = io_written()[0] - before
    stored = folder_bytes(folder / "cache")  # the templates file beside it is not part of the store
    facts.write_text(json.dumps({"end": end.isoformat(), "seconds": seconds, "written": written,
                                 "stored": stored}))
    return Built(folder / "cache", rows, end, seconds, written, stored)


def idle_pass_bytes(built: Built) -> int:
    """Bytes written when the newest pages are listed again unchanged (what an idle pass re-reads)."""
    from late_logs.store import LogStore

    newest = list(attempts(built.rows, built.end, built.folder.parent / "templates.json", first=3 * PAGE))
    store = LogStore(built.folder)
    try:
        before, _ = io_written()
        for start in range(0, len(newest), PAGE):
            store.upsert_attempts(newest[start:start + PAGE])
        return io_written()[0] - before
    finally:
        store.close()


if __name__ == "__main__":  # a quick look: python bench/scale_world.py
    os.environ.setdefault("LATE_LOGS_DEMO_SEED", "7")
    sample = next(attempts(1, datetime.now(timezone.utc)))
    print(json.dumps(sample, indent=1)[:1500])
