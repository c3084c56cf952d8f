"""TEMPORARY, until the Parquet store (branch wt-engine) lands and `LogStore.parquet_files` is its own: the
current store's attempts written once per store version as the engine will lay them out, so
`late_logs.queries`, its tests and the pages run end to end now. Replaced at merge; nothing else may use it.

Layout: `<temp>/late-logs-parquet/<store digest>/v<version>/attempts/source=default/day=YYYY-MM-DD/
part-0.parquet`, the columns RECORD_COLUMNS plus the derived ones (error_group, who_must_act, retry, hint,
derived_version, source). The rows are the store's own (already redacted); a folder appears whole
(written aside, then renamed) and the two newest versions are kept, so a reader of the previous version is
not cut off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SOURCE = "default"
DERIVED_VERSION = "snapshot-1"
UNKNOWN_DAY = "unknown"
KEEP_VERSIONS = 2
_lock = threading.Lock()


def _root(store) -> Path:
    digest = hashlib.sha256(str(Path(store.directory).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "late-logs-parquet" / digest


def _write(store, folder: Path) -> None:
    from late_logs import analysis  # the derived columns are analysis's; the adapter is above the store

    frame = store.frame()
    derived = analysis.add_verdict_columns(frame)
    derived["derived_version"] = DERIVED_VERSION
    derived["source"] = SOURCE
    days = derived["created_at"].dt.strftime("%Y-%m-%d").fillna(UNKNOWN_DAY)
    aside = folder.with_name(f"{folder.name}.writing-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(aside, ignore_errors=True)
    for day, rows in derived.groupby(days, sort=True):
        day_folder = aside / "attempts" / f"source={SOURCE}" / f"day={day}"
        day_folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), day_folder / "part-0.parquet")
    (aside / "attempts").mkdir(parents=True, exist_ok=True)  # an empty store is an empty table, not a hole
    try:
        aside.rename(folder)
    except OSError:  # another process wrote the same version first: theirs is as good
        shutil.rmtree(aside, ignore_errors=True)


def _prune(root: Path, version: int) -> None:
    for old in root.iterdir():
        name = old.name
        if name.startswith("v") and name[1:].isdigit() and int(name[1:]) <= version - KEEP_VERSIONS:
            shutil.rmtree(old, ignore_errors=True)


def files(store, since: datetime | None = None, until: datetime | None = None) -> list[str]:
    """The snapshot's files of the days that can hold attempts in [since, until), newest day first; files of
    attempts without a time only for an open range."""
    version = int(store.version)
    root = _root(store)
    folder = root / f"v{version}"
    with _lock:
        if not folder.exists():
            root.mkdir(parents=True, exist_ok=True)
            _write(store, folder)
            _prune(root, version)
    first = since.strftime("%Y-%m-%d") if since is not None else None
    last = (until - timedelta(microseconds=1)).strftime("%Y-%m-%d") if until is not None else None
    chosen: list[str] = []
    base = folder / "attempts" / f"source={SOURCE}"
    if not base.exists():
        return []
    for day_folder in sorted(base.iterdir(), reverse=True):
        day = day_folder.name.removeprefix("day=")
        if day == UNKNOWN_DAY:
            if first is None and last is None:
                chosen.extend(str(p) for p in sorted(day_folder.glob("*.parquet")))
            continue
        if (first is not None and day < first) or (last is not None and day > last):
            continue
        chosen.extend(str(p) for p in sorted(day_folder.glob("*.parquet")))
    return chosen
