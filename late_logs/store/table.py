"""The attempts table: flat records (with their derived columns) as Parquet files partitioned hive-style by
source and UTC day, and its manifest, the committed list of those files, in the store's SQLite database,
beside one row per attempt (where it is, whether it is pending, its raw entry).

    <cache_dir>/attempts/workspace=<label>/day=YYYY-MM-DD/part-<version>-<uuid>.parquet (day=unknown: undated)

A write puts new files under a hidden name (`.`-prefixed, which Spark, Trino and DuckDB globs skip),
renames them into place, then records them in the manifest inside the caller's SQLite transaction, with
the attempts' rows (partition, pending and suspect marks, raw entry) beside it; files it superseded are
unlinked only after that commit. Readers read the manifest once and then only its files, so they never see
half a write; a file a newer commit removed meanwhile sends them back to the manifest. Appends add one small
file per touched partition; an upsert rewrites only the files holding the old rows; files of similar size
(a tier: fewer than FANOUT pages' worth, then FANOUT times that, ...) are merged FANOUT at a time.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import diskcache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from late_logs.store.derived import VERSION_COLUMN
from late_logs.store.failures import FAILURES_DIR, failures_path, write_failures
from late_logs.store.faults import REPAIR_HINT, StoreDamaged, StoreError
from late_logs.store.files import (
    FANOUT,
    FILE_SCHEMA,
    SORT_NEWEST_FIRST,
    SOURCE_COLUMN,
    TABLE_COLUMNS,
    UNKNOWN_DAY,
    WRITE_OPTIONS,
    FileGone,
    FileInfo,
    day_of,
)
from late_logs.store.rollups import (
    ID_COLUMNS,
    ROLLUP_DIMENSIONS,
    ROLLUPS_DIR,
    has_alphabets,
    rollup_files,
    rollup_path,
    write_rollup,
)

ATTEMPTS_DIR = "attempts"
DEFAULT_SOURCE = "default"  # the source label until several Late workspaces are collected
# A day this many days old is settled: the collector's walks have left it (they re-read at most the last
# 30 minutes before a watermark), so its files are merged into one (seal_settled_days).
SETTLED_AFTER_DAYS = 2
SEALS_PER_WRITE = 2
_READ_THREADS = min(8, os.cpu_count() or 1)
_READ_RETRIES = 20  # a writer replacing files between our manifest and file reads
ROLLUP_COLUMNS = list(ROLLUP_DIMENSIONS)
_SQL_CHUNK = 900  # ids per `IN (...)`, under SQLite's default limit of host parameters

_SCHEMA_SQL = (
    "CREATE TABLE IF NOT EXISTS attempt_files (name TEXT PRIMARY KEY, source TEXT NOT NULL,"
    " day TEXT NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, oldest INTEGER, newest INTEGER,"
    " derived TEXT NOT NULL)",
    # One row per attempt: where its flat row is, its marks, and its packed raw entry (entries.pack_raw;
    # NULL for a bulk-imported row). Kept here rather than as one diskcache key per attempt: that costs
    # diskcache's own columns and key index on top, about twice the bytes and pages per attempt.
    # A rowid table with a unique index, not WITHOUT ROWID: a backfill inserts ids newest (highest) first,
    # which leaves a b-tree keyed by id half empty; rows appended by rowid fill their pages.
    "CREATE TABLE IF NOT EXISTS attempt_rows (log_id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,"
    " day TEXT NOT NULL, pending INTEGER NOT NULL, suspect INTEGER NOT NULL, raw BLOB)",
    "CREATE INDEX IF NOT EXISTS attempt_rows_pending ON attempt_rows(day) WHERE pending = 1",
    "CREATE INDEX IF NOT EXISTS attempt_rows_suspect ON attempt_rows(log_id) WHERE suspect = 1",
)


class AttemptsTable:
    """The Parquet files and their manifest; reads from any process, writes inside the caller's transaction.

    `begin_write()` / `end_write(committed)` bracket one SQLite transaction of the caller: files written
    meanwhile are unlinked if it rolls back, files superseded are unlinked once it commits.
    """

    def __init__(self, cache: diskcache.Cache, directory: Path) -> None:
        self._cache = cache
        self.directory = directory
        self.root = directory / ATTEMPTS_DIR
        self._lock = threading.RLock()
        # sorted day tables by (day, columns), with the files they were read from
        self._days: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], pa.Table]] = {}
        self._ids: dict[str, pa.Array] = {}  # log ids of a file, by (immutable) name
        self._local = threading.local()  # files of the current write, per thread (each has its connection)

    # ------------------------------------------------------------------------------------ the manifest

    def create(self) -> None:
        """The manifest and index tables (inside the caller's transaction)."""
        for statement in _SCHEMA_SQL:
            self._cache._sql(statement)

    def exists(self) -> bool:
        found = self._cache._sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'attempt_files'"
        ).fetchone()
        return bool(found and found[0])

    def manifest(self) -> list[FileInfo]:
        """Every committed file, from one SELECT (one consistent snapshot of SQLite)."""
        rows = self._cache._sql(
            "SELECT name, source, day, rows, bytes, oldest, newest, derived FROM attempt_files"
        ).fetchall()
        files = []
        for row in rows:
            name, source, day, count, size, oldest, newest, derived = row
            if not (
                isinstance(name, str)
                and isinstance(source, str)
                and isinstance(day, str)
                and isinstance(count, int)
                and isinstance(size, int)
                and isinstance(derived, str)
                and all(v is None or isinstance(v, int) for v in (oldest, newest))
                and name.startswith(f"{ATTEMPTS_DIR}/")
                and ".." not in name
            ):
                raise self._damaged("its list of attempt files")
            files.append(FileInfo(name, source, day, count, size, oldest, newest, derived))
        return files

    def _damaged(self, what: str) -> StoreDamaged:
        return StoreDamaged(f"the store in {self.directory} is damaged ({what}); {REPAIR_HINT}.")

    @staticmethod
    def select(
        files: Iterable[FileInfo], since: datetime | None = None, until: datetime | None = None
    ) -> list[FileInfo]:
        """The files that can hold rows created in [since, until]; undated ones only for an open range."""
        low = _micros(since) if since is not None else None
        high = _micros(until) if until is not None else None
        chosen = []
        for info in files:
            if info.day == UNKNOWN_DAY or info.oldest is None:
                if since is None and until is None:
                    chosen.append(info)
                continue
            if low is not None and info.newest < low:
                continue
            if high is not None and info.oldest > high:
                continue
            chosen.append(info)
        return chosen

    def attempt_count(self) -> int:
        found = self._cache._sql("SELECT coalesce(sum(rows), 0) FROM attempt_files").fetchone()
        return int(found[0]) if found else 0

    # ------------------------------------------------------------------------------------ reading

    def path(self, info: FileInfo | str) -> Path:
        return self.directory / (info.name if isinstance(info, FileInfo) else info)

    def _read_file(self, info: FileInfo, columns: Sequence[str] | None = None) -> pa.Table:
        path = self.path(info)
        try:
            table = pq.read_table(path, columns=columns, page_checksum_verification=True)
        except FileNotFoundError:
            raise FileGone(info.name) from None
        except (OSError, pa.ArrowException) as exc:
            if not path.exists():
                raise FileGone(info.name) from None
            raise self._damaged(f"{info.name} is not readable: {exc}") from None
        if columns is None and table.schema.names != TABLE_COLUMNS:
            raise self._damaged(f"{info.name} holds other columns than a late-logs attempts file")
        if table.num_rows != info.rows:
            raise self._damaged(
                f"{info.name} holds {table.num_rows} rows where the manifest says {info.rows}"
            )
        return table

    def file_ids(self, info: FileInfo) -> pa.Array:
        """The log ids of one file (cached: files are never rewritten in place)."""
        with self._lock:
            ids = self._ids.get(info.name)
        if ids is None:
            ids = self._read_file(info, ["log_id"])["log_id"].combine_chunks()
            with self._lock:
                self._ids[info.name] = ids
        return ids

    def _day_table(self, day: str, files: list[FileInfo], columns: tuple[str, ...]) -> pa.Table:
        """One day's rows (every source), newest first, with `columns` (plus the sort keys); kept, per day
        and set of columns, while the day's files stay the same."""
        names = tuple(sorted(info.name for info in files))
        with self._lock:
            kept = self._days.get((day, columns))
        if kept is not None and kept[0] == names:
            return kept[1]
        read = list(dict.fromkeys((*columns, "created_at", "log_id")))
        parts = [self._read_file(info, read) for info in files]
        table = pa.concat_tables(parts).combine_chunks() if len(parts) > 1 else parts[0]
        if len(parts) > 1:
            table = table.sort_by(SORT_NEWEST_FIRST)
        with self._lock:
            self._days[(day, columns)] = (names, table)
        return table

    def _snapshot_tables(self, files: list[FileInfo], columns: tuple[str, ...]) -> list[pa.Table]:
        by_day: dict[str, list[FileInfo]] = {}
        for info in files:
            by_day.setdefault(info.day, []).append(info)
        days = sorted((d for d in by_day if d != UNKNOWN_DAY), reverse=True)
        if UNKNOWN_DAY in by_day:
            days.append(UNKNOWN_DAY)
        if len(days) > 1:
            # Small files decode on one thread each; pyarrow releases the GIL, so days read side by side.
            with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
                return list(pool.map(lambda day: self._day_table(day, by_day[day], columns), days))
        return [self._day_table(day, by_day[day], columns) for day in days]

    def read(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """Rows created in [since, until] (all rows when both are None), newest first; `columns` only."""
        wanted = list(columns) if columns is not None else TABLE_COLUMNS
        unknown = [c for c in wanted if c not in TABLE_COLUMNS]
        if unknown:
            raise StoreError(
                f"the attempts table has no column {unknown[0]!r}; its columns are {TABLE_COLUMNS}."
            )
        for _ in range(_READ_RETRIES):
            files = self.select(self.manifest(), since, until)
            try:
                tables = self._snapshot_tables(files, tuple(wanted))
                break
            except FileGone as gone:
                # Replaced by a newer commit (read that one), or lost: still named by the newest manifest.
                if str(gone) in {info.name for info in self.manifest()}:
                    raise self._damaged(f"{gone} is missing") from None
        else:
            raise StoreError(f"the store in {self.directory} kept changing while being read; try again.")
        live = {info.name for info in self.manifest()}
        with self._lock:
            for key in [k for k, (names, _) in self._days.items() if not set(names) <= live]:
                del self._days[key]
            for name in [n for n in self._ids if n not in live]:
                del self._ids[name]
        if not tables:
            return FILE_SCHEMA.empty_table().select(wanted)
        selected = []
        low = _ts(since) if since is not None else None
        high = _ts(until) if until is not None else None
        for table in tables:
            if low is not None or high is not None:
                mask = None
                if low is not None:
                    mask = pc.greater_equal(table["created_at"], low)
                if high is not None:
                    upper = pc.less_equal(table["created_at"], high)
                    mask = upper if mask is None else pc.and_(mask, upper)
                table = table.filter(mask)
            selected.append(table.select(wanted))
        return pa.concat_tables(selected) if len(selected) > 1 else selected[0]

    def parquet_files(self, since: datetime | None = None, until: datetime | None = None) -> list[str]:
        """Absolute paths of the committed files that can hold rows of [since, until]."""
        return [str(self.path(info)) for info in self.select(self.manifest(), since, until)]

    # ------------------------------------------------------------------------------------ the id index

    def locate(self, log_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """(source, day) of each stored id; ids not stored are left out."""
        found: dict[str, tuple[str, str]] = {}
        ids = list(dict.fromkeys(log_ids))
        for start in range(0, len(ids), _SQL_CHUNK):
            chunk = ids[start : start + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            for log_id, source, day in self._cache._sql(
                f"SELECT log_id, source, day FROM attempt_rows WHERE log_id IN ({marks})", chunk
            ).fetchall():
                found[log_id] = (source, day)
        return found

    def pending_ids(self) -> list[str]:
        rows = self._cache._sql(
            "SELECT log_id, day FROM attempt_rows WHERE pending = 1 ORDER BY day = 'unknown', day DESC"
        ).fetchall()
        return [log_id for log_id, _ in rows]

    def suspect_ids(self) -> set[str]:
        return {row[0] for row in self._cache._sql("SELECT log_id FROM attempt_rows WHERE suspect = 1")}

    def ids_in(self, source: str, day: str) -> list[str]:
        return [
            row[0]
            for row in self._cache._sql(
                "SELECT log_id FROM attempt_rows WHERE source = ? AND day = ?", (source, day)
            ).fetchall()
        ]

    def raw_blobs(self, log_ids: Iterable[str]) -> dict[str, bytes]:
        """The packed raw entries of the ids that have one."""
        found: dict[str, bytes] = {}
        ids = list(dict.fromkeys(log_ids))
        for start in range(0, len(ids), _SQL_CHUNK):
            chunk = ids[start : start + _SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            for log_id, raw in self._cache._sql(
                f"SELECT log_id, raw FROM attempt_rows WHERE raw IS NOT NULL AND log_id IN ({marks})", chunk
            ).fetchall():
                found[log_id] = raw
        return found

    def iter_raw_blobs(self) -> Iterator[tuple[str, bytes]]:
        yield from self._cache._sql("SELECT log_id, raw FROM attempt_rows WHERE raw IS NOT NULL").fetchall()

    def check_index(self, whole: bool = False) -> None:
        """The id index answers: at open its newest row's columns through the table's b-tree and its two
        partial indexes (pending, suspect: small); with `whole` (`status`), every row. At open every row was
        read before too: 2.3 s of each open at 4.5M stored attempts (the dashboard's start, every collector
        pass), where a damaged page elsewhere is still told in a sentence by the read that meets it."""
        try:
            if whole:
                self._cache._sql("SELECT count(*), sum(pending), sum(suspect) FROM attempt_rows").fetchall()
                return
            self._cache._sql(
                "SELECT log_id, source, day, pending, suspect FROM attempt_rows ORDER BY rowid DESC LIMIT 1"
            ).fetchall()
            self._cache._sql("SELECT count(*) FROM attempt_rows WHERE pending = 1").fetchall()
            self._cache._sql("SELECT count(*) FROM attempt_rows WHERE suspect = 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(f"its id index: {exc}") from None

    # ------------------------------------------------------------------------------------ writing

    @property
    def _written(self) -> list[Path]:
        if not hasattr(self._local, "written"):
            self._local.written = []
        return self._local.written

    @property
    def _superseded(self) -> list[Path]:
        if not hasattr(self._local, "superseded"):
            self._local.superseded = []
        return self._local.superseded

    def begin_write(self) -> None:
        self._local.written, self._local.superseded = [], []

    def end_write(self, committed: bool) -> None:
        """After the caller's transaction: drop superseded files (committed) or the new ones (rolled back)."""
        doomed = self._superseded if committed else self._written
        for path in doomed:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass  # left behind: not in the manifest, removed at the next writer-lock acquisition
        self._local.written, self._local.superseded = [], []

    def write(
        self,
        incoming: pa.Table | None,
        leaving: Mapping[str, tuple[str, str]],
        marks: Mapping[str, tuple[bool, bool]],
        version: int,
        raws: Mapping[str, bytes] | None = None,
    ) -> None:
        """Insert or replace rows (unique log ids, FILE_SCHEMA) and drop the `leaving` ids' old rows.

        `leaving`: where each already-stored id sits now (its row goes, replaced by its `incoming` row, if
        any); `marks`: (pending, suspect) of each incoming id; `raws`: the packed raw entry of each incoming
        id (an id without one keeps none). Call inside the caller's transaction."""
        incoming_parts: dict[tuple[str, str], pa.Table] = {}
        if incoming is not None and incoming.num_rows:
            days = day_of(incoming)
            sources = incoming[SOURCE_COLUMN].to_pylist()
            keys = list(zip(sources, days, strict=True))
            for key, positions in _positions_by(keys).items():
                incoming_parts[key] = incoming.take(pa.array(positions))
            self._index_rows(incoming["log_id"].to_pylist(), keys, marks, raws or {})
        gone_by_part: dict[tuple[str, str], set[str]] = {}
        for log_id, part in leaving.items():
            gone_by_part.setdefault(part, set()).add(log_id)
        if incoming is not None:
            for key, rows in incoming_parts.items():
                gone_by_part.setdefault(key, set()).update(rows["log_id"].to_pylist())
        manifest = self.manifest()
        for part in sorted(set(gone_by_part) | set(incoming_parts)):
            self._write_part(manifest, part, incoming_parts.get(part), gone_by_part.get(part, set()), version)
        departed = set(leaving) - set(incoming["log_id"].to_pylist() if incoming is not None else ())
        self._unindex(departed)
        for part in set(incoming_parts) | set(gone_by_part):
            self.compact(part, version)
        self.seal_settled_days(version, written=set(incoming_parts) | set(gone_by_part))

    def _index_rows(
        self,
        log_ids: list[str],
        parts: list[tuple[str, str]],
        marks: Mapping[str, tuple[bool, bool]],
        raws: Mapping[str, bytes],
    ) -> None:
        rows = []
        for log_id, (source, day) in zip(log_ids, parts, strict=True):
            pending, suspect = marks.get(log_id, (False, False))
            rows.append((log_id, source, day, int(pending), int(suspect), raws.get(log_id)))
        self._cache._con.executemany("INSERT OR REPLACE INTO attempt_rows VALUES (?, ?, ?, ?, ?, ?)", rows)

    def _unindex(self, log_ids: Iterable[str]) -> None:
        self._cache._con.executemany("DELETE FROM attempt_rows WHERE log_id = ?", [(i,) for i in log_ids])

    def _write_part(
        self,
        manifest: list[FileInfo],
        part: tuple[str, str],
        incoming: pa.Table | None,
        gone: set[str],
        version: int,
    ) -> None:
        """One partition's share of a write: copy-on-write of the files holding `gone` ids, plus the new rows
        (merged with what is kept of small rewritten files, so settling pendings does not multiply files)."""
        files = [info for info in manifest if (info.source, info.day) == part]
        gone_array = pa.array(sorted(gone), pa.string())
        new_rows = [incoming] if incoming is not None else []
        for info in files:
            if not gone:
                break
            ids = self.file_ids(info)
            hit = pc.is_in(ids, value_set=gone_array)
            if not pc.any(hit).as_py():
                continue
            kept = self._read_file(info).filter(pc.invert(hit))
            self._retire(info)
            if kept.num_rows == 0:
                continue
            if info.tier == 0:
                new_rows.append(kept)  # small: goes into this write's new file
            else:
                self._add_file(kept.sort_by(SORT_NEWEST_FIRST), part, version)
        if new_rows:
            table = pa.concat_tables(new_rows).combine_chunks().sort_by(SORT_NEWEST_FIRST)
            if table.num_rows:
                self._add_file(table, part, version)

    def replace_file(self, info: FileInfo, table: pa.Table, version: int) -> None:
        """A file's rows written again (new derived columns): one new file, the old one superseded."""
        self._retire(info)
        self._add_file(table.sort_by(SORT_NEWEST_FIRST), (info.source, info.day), version)

    def drop_file(self, info: FileInfo) -> None:
        self._retire(info)

    def _retire(self, info: FileInfo) -> None:
        self._cache._sql("DELETE FROM attempt_files WHERE name = ?", (info.name,))
        self._superseded.append(self.path(info))
        self._superseded.extend(companions(self.path(info)))

    def _add_file(self, table: pa.Table, part: tuple[str, str], version: int) -> FileInfo:
        source, day = part
        # `workspace=`, not `source=`: `source` is a column of the files too, and Spark, Trino, DataFusion and
        # pyarrow refuse (or mangle) a partition key that repeats a file column.
        folder = self.root / f"workspace={source}" / f"day={day}"
        folder.mkdir(parents=True, exist_ok=True)
        base = f"part-{version:08d}-{uuid.uuid4().hex[:12]}.parquet"
        hidden = folder / f".{base}.tmp"
        final = folder / base
        self._written.append(hidden)
        pq.write_table(table, hidden, **WRITE_OPTIONS)
        os.replace(hidden, final)
        self._written[-1] = final
        # Its hourly counts, before the commit that names the file (rollups.py: a rollup summarises exactly
        # one committed file, and goes with it).
        self._written.append(rollup_path(final, ATTEMPTS_DIR))
        write_rollup(table, final, ATTEMPTS_DIR)
        self._written.append(failures_path(final, ATTEMPTS_DIR))  # failures.py: the same rules
        write_failures(table, final, ATTEMPTS_DIR)
        created = table["created_at"]
        oldest, newest = pc.min(created).as_py(), pc.max(created).as_py()
        derived = table[VERSION_COLUMN]
        stamp = pc.min(derived).as_py() if derived.null_count < len(derived) else ""
        if pc.count_distinct(derived).as_py() > 1:
            stamp = ""  # mixed stamps: recompute the file
        info = FileInfo(
            name=final.relative_to(self.directory).as_posix(),
            source=source,
            day=day,
            rows=table.num_rows,
            bytes=final.stat().st_size,
            oldest=_micros(oldest) if oldest is not None else None,
            newest=_micros(newest) if newest is not None else None,
            derived=stamp or "",
        )
        self._cache._sql(
            "INSERT INTO attempt_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (info.name, info.source, info.day, info.rows, info.bytes, info.oldest, info.newest, info.derived),
        )
        with self._lock:
            self._ids[info.name] = table["log_id"].combine_chunks()
        return info

    def seal_settled_days(
        self, version: int, written: set[tuple[str, str]], most: int = SEALS_PER_WRITE
    ) -> int:
        """Merge every file of a settled day (older than SETTLED_AFTER_DAYS, not written by this write) into
        one: a reader then opens one file a day, not a day's tiers (measured: 733 files for 90 days answer
        the Overview's questions 3-6x slower than one file). A day is sealed once when the walk has left it,
        and again only if a late change lands in it. At most `most` days per write, so no write waits long.
        Inside the caller's transaction; returns how many days were sealed."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=SETTLED_AFTER_DAYS)).strftime("%Y-%m-%d")
        by_part: dict[tuple[str, str], list[FileInfo]] = {}
        for info in self.manifest():
            if info.day != UNKNOWN_DAY and info.day < cutoff and (info.source, info.day) not in written:
                by_part.setdefault((info.source, info.day), []).append(info)
        sealed = 0
        for part in sorted((p for p, files in by_part.items() if len(files) > 1), reverse=True)[:most]:
            group = by_part[part]
            table = pa.concat_tables([self._read_file(info) for info in group]).combine_chunks()
            for info in group:
                self._retire(info)
            self._add_file(table.sort_by(SORT_NEWEST_FIRST), part, version)
            sealed += 1
        return sealed

    def compact(self, part: tuple[str, str], version: int) -> int:
        """Merge FANOUT files of one tier into one of the next, as long as some tier holds FANOUT files;
        returns how many merges ran. Inside the caller's transaction."""
        merges = 0
        while True:
            files = [info for info in self.manifest() if (info.source, info.day) == part]
            by_tier: dict[int, list[FileInfo]] = {}
            for info in files:
                by_tier.setdefault(info.tier, []).append(info)
            full = sorted(t for t, group in by_tier.items() if len(group) >= FANOUT)
            if not full:
                return merges
            group = sorted(by_tier[full[0]], key=lambda info: info.name)[:FANOUT]
            table = pa.concat_tables([self._read_file(info) for info in group]).combine_chunks()
            for info in group:
                self._retire(info)
            self._add_file(table.sort_by(SORT_NEWEST_FIRST), part, version)
            merges += 1

    def remove_orphans(self) -> int:
        """Files under attempts/ that no manifest row names (a writer killed between rename and commit),
        and rollups and failures copies of no committed file; call inside a write transaction, so no other
        writer can be between the two. Returns how many."""
        live = {info.name for info in self.manifest()}
        kept = {path for name in live for path in companions(self.path(name))}
        removed = 0
        for root, keep in ((self.root, lambda p: p.relative_to(self.directory).as_posix() in live),
                           (self.directory / ROLLUPS_DIR, lambda p: p in kept),
                           (self.directory / FAILURES_DIR, lambda p: p in kept)):  # fmt: skip
            if not root.is_dir():
                continue
            for path in root.rglob("*"):
                if path.is_file() and not keep(path):
                    try:
                        path.unlink()
                        removed += 1
                    except OSError:
                        pass
        return removed

    def add_missing_companions(self, remake_seconds: float | None = None) -> int:
        """Rollups and failures copies for committed files that have none (written before they existed, or
        a writer killed between a file and them) or whose own is not framed as Parquet (damaged: they are
        made again from the file); each is a pure function of an immutable file, so no transaction is
        needed. A rollup whose footer does not list its file's id characters (written before rollups did)
        is made again too, for up to `remake_seconds` (the rest by the next writers: without them a search
        only reads every column). Returns how many were written."""
        written = 0
        deadline = None if remake_seconds is None else time.monotonic() + remake_seconds
        for info in self.manifest():
            path = self.path(info)
            rollup = rollup_path(path, ATTEMPTS_DIR)
            has_rollup = _framed(rollup)
            has_copy = _framed(failures_path(path, ATTEMPTS_DIR))
            remake = has_rollup and not has_alphabets(rollup)
            if remake and deadline is not None and time.monotonic() > deadline:
                remake = False  # a writer's turn is not spent on speed-ups alone; the next one goes on
            if has_rollup and has_copy and not remake:
                continue
            try:
                columns = ["created_at", *ROLLUP_COLUMNS, *ID_COLUMNS]
                table = self._read_file(info, None if not has_copy else columns)
            except FileGone:
                continue
            if not has_rollup or remake:
                write_rollup(table, path, ATTEMPTS_DIR)
                written += 1
            if not has_copy:
                write_failures(table, path, ATTEMPTS_DIR)
                written += 1
        return written

    def rollup_files(self, files: Sequence[str]) -> list[str] | None:
        """The rollup of each of these committed files (paths from parquet_files), or None when one has
        none yet (the caller then counts from the files themselves)."""
        return rollup_files(files, ATTEMPTS_DIR)

    def iter_files(self) -> Iterator[tuple[FileInfo, pa.Table]]:
        """Every committed file with its rows (for audits and recomputation)."""
        for info in self.manifest():
            yield info, self._read_file(info)

    def read_file(self, info: FileInfo) -> pa.Table:
        return self._read_file(info)


def companions(data_path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The files made from an attempts file, that go with it: its rollup and its failures copy."""
    return rollup_path(data_path, ATTEMPTS_DIR), failures_path(data_path, ATTEMPTS_DIR)


def _framed(path: Path) -> bool:
    """The file is there and begins and ends with Parquet's magic (what `check` asks of attempts files)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(-4, os.SEEK_END)
            return head == b"PAR1" and handle.read(4) == b"PAR1"
    except OSError:  # missing, or shorter than the two magics
        return False


def _positions_by(keys: Sequence[Any]) -> dict[Any, np.ndarray]:
    groups: dict[Any, list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    return {key: np.array(positions, dtype=np.int64) for key, positions in groups.items()}


def _micros(moment: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1000)


def _ts(moment: datetime) -> pa.Scalar:
    return pa.scalar(_micros(moment), type=pa.timestamp("us", tz="UTC"))


def datetime_of_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(0, tz=timezone.utc) + pd.Timedelta(microseconds=micros).to_pytimedelta()
