"""`python -m late_logs repair`: rebuild a damaged store from what can still be read of it.

The store keeps every attempt's redacted raw entry (by id, in its database) beside its flat record (in the
Parquet files), so the attempts table, the id index and the manifest can all be rebuilt from the raw entries;
flat rows that never had one (bulk imports) are read back from whichever Parquet files still read. Repair
reads the damaged database row by row (a damaged page loses only the rows on it), builds a new store beside
it, and only then swaps the folders;
the damaged folder is kept under a `.damaged-<time>` name, never deleted. The rebuilt state drops the
watermarks, so the next sync fetches Late's whole 7 days again and refills what the damage took.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import diskcache
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from late_logs.records import DEFAULT_SOURCE, RECORD_COLUMNS, is_source_label
from late_logs.store import (
    ATTEMPTS_DIR,
    CONNECTIONS_KEY,
    DETAIL_PREFIX,
    LOCK_FILE_NAME,
    STATE_KEY,
    LogStore,
    StoreError,
    StoreLocked,
    decode_table,
    lock_file,
    unlock_file,
    unpack_raw,
)
from late_logs.store.table import companions

SQLITE_MAGIC = b"SQLite format 3\x00"
ARROW_MAGIC = b"ARROW1"  # a v1 partition blob (Arrow IPC file)
RESTORE_BATCH = 5000  # raw entries per store transaction while rebuilding
# State that says "everything up to here is stored": after damage it may no longer be true.
FORGOTTEN_STATE = ("watermark", "connection_watermark")


@dataclass
class Salvage:
    """What could be read from a damaged store."""

    raw_entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # log id -> raw entry
    flat_rows: list[pd.DataFrame] = field(default_factory=list)  # partitions' flat records
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    source_states: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> state, other sources
    unreadable_rows: int = 0


@dataclass
class RepairReport:
    """What `repair` did, for its one-paragraph answer."""

    healthy: bool
    attempts: int = 0
    details: int = 0
    connection_logs: int = 0
    unreadable_rows: int = 0
    damaged_copy: Path | None = None

    def summary(self, directory: Path) -> str:
        if self.healthy:
            return f"The store in {directory} reads without fault; nothing to repair."
        lost = (
            f"; {self.unreadable_rows} damaged database rows could not be read, the next sync fetches "
            "Late's last 7 days again"
            if self.unreadable_rows
            else "; the next sync fetches Late's last 7 days again to be sure"
        )
        return (
            f"Repaired {directory}: {self.attempts} attempts, {self.details} details and "
            f"{self.connection_logs} connection logs rebuilt from the kept raw entries{lost}. "
            f"The damaged copy is kept at {self.damaged_copy}; delete it once you are satisfied."
        )


def store_is_healthy(directory: Path) -> bool:
    """True when SQLite finds no damage and every stored value of the store reads."""
    database = directory / diskcache.core.DBNAME
    try:
        with sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True) as con:
            if con.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                return False
    except sqlite3.Error:
        return False
    try:
        with LogStore(directory) as store:
            frame = store.frame()
            store.raw_attempts(frame["log_id"].tolist())
            for _ in store.iter_raw_attempts():
                pass
            for log_id in store.detail_ids():
                store.get_detail(log_id)
            store.connection_logs()
            store.stats()
            # The files' rollups and failures copies: the questions read them instead of the files.
            for name in store.parquet_files():
                for companion in companions(name):
                    if companion.exists():
                        pq.read_table(companion, page_checksum_verification=True)
    except (StoreError, OSError, pa.ArrowException):
        return False
    return True


def repair(directory: Path, retention_days: int) -> RepairReport:
    """Rebuild the store in `directory` if it is damaged; raises StoreError when nothing can be done."""
    directory = Path(directory).expanduser()
    if not (directory / diskcache.core.DBNAME).is_file():
        raise StoreError(f"there is no late-logs store in {directory}; nothing to repair.")
    with _held_lock(directory):
        if store_is_healthy(directory):
            return RepairReport(healthy=True)
        salvage = salvage_store(directory)
        building = directory.with_name(directory.name + ".repairing")
        if building.exists():
            shutil.rmtree(building)  # a rebuild that stopped half-way: built from the same damaged store
        try:
            report = _rebuild(building, salvage, retention_days)
        except StoreError:
            shutil.rmtree(building, ignore_errors=True)
            raise
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        damaged = directory.with_name(f"{directory.name}.damaged-{stamp}")
        directory.rename(damaged)
        building.rename(directory)
    report.damaged_copy = damaged
    return report


class _held_lock:
    """The folder's writer lock, taken on the lock file itself (the damaged store cannot be opened)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE_NAME

    def __enter__(self) -> None:
        try:
            self.handle = open(self.path, "a+", encoding="utf-8")
        except OSError as exc:
            raise StoreError(
                f"the folder {self.path.parent} cannot be written ({exc.strerror or exc}); copy it to a "
                "writable folder and repair the copy."
            ) from None
        try:
            lock_file(self.handle)
        except OSError:
            self.handle.close()
            raise StoreLocked(
                f"another late-logs collector is writing to {self.path.parent}; stop it, then repair."
            ) from None

    def __exit__(self, *exc_info: object) -> None:
        unlock_file(self.handle)
        self.handle.close()


def salvage_store(directory: Path) -> Salvage:
    """Every value that can still be read from the store's database, row by row."""
    salvage = Salvage()
    with tempfile.TemporaryDirectory(prefix="late-logs-repair-") as scratch:
        copy = Path(scratch) / diskcache.core.DBNAME
        shutil.copyfile(directory / diskcache.core.DBNAME, copy)
        for suffix in ("-wal", "-shm"):  # committed writes not yet checkpointed live in the WAL
            source = directory / (diskcache.core.DBNAME + suffix)
            if source.is_file():
                shutil.copyfile(source, Path(scratch) / (diskcache.core.DBNAME + suffix))
        _mend_header(copy)
        try:
            con = sqlite3.connect(str(copy))
            rows = _readable_rows(con, salvage)
            _take_raw_entries(con, salvage)
        except sqlite3.Error as exc:
            raise StoreError(
                f"the store in {directory} is damaged beyond repair ({exc}); move it aside and run a full "
                "sync, which fetches Late's last 7 days again."
            ) from None
        disk = diskcache.Disk(scratch)
        frames: list[tuple[int, str, Any]] = []
        for key, raw, mode, filename, value in rows:
            try:
                key = disk.get(key, raw)
                value = disk.fetch(mode, filename, value, False)
            except Exception:  # noqa: BLE001 - a damaged pickle can raise nearly anything
                salvage.unreadable_rows += 1
                continue
            if not isinstance(key, str):
                continue
            if key.startswith(("raw:", "frame:")):  # a v1 store's partition blobs
                kind, _, rest = key.partition(":")
                gen = rest.rpartition(":")[2]
                frames.append((int(gen) if gen.isdigit() else 0, kind, value))
            elif key.startswith(DETAIL_PREFIX) and isinstance(value, dict):
                salvage.details[key[len(DETAIL_PREFIX) :]] = value
            elif key == CONNECTIONS_KEY and isinstance(value, dict):
                salvage.connections = {k: v for k, v in value.items() if isinstance(v, dict)}
            elif key == STATE_KEY and isinstance(value, dict):
                salvage.state = {k: v for k, v in value.items() if k not in FORGOTTEN_STATE}
            elif key.startswith(STATE_KEY + ":") and isinstance(value, dict):  # another source's state
                label = key[len(STATE_KEY) + 1 :]
                salvage.source_states[label] = {k: v for k, v in value.items() if k not in FORGOTTEN_STATE}
        con.close()
    # Oldest write first, so where two generations of a partition survived the newer one is laid last.
    for _, kind, value in sorted(frames, key=lambda item: item[0]):
        _take_partition(salvage, kind, value)
    _take_parquet_files(directory, salvage)
    return salvage


def _take_parquet_files(directory: Path, salvage: Salvage) -> None:
    """Flat rows of the attempts table's files that still read (hidden, uncommitted files skipped); only
    rows without a raw entry are used (imported attempts), so a stale file cannot undo a later write."""
    root = directory / ATTEMPTS_DIR
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.parquet")):
        if path.name.startswith((".", "_")):
            continue
        try:
            table = pq.read_table(path, columns=RECORD_COLUMNS, page_checksum_verification=True)
        except Exception:  # noqa: BLE001 - a damaged file can fail Parquet's reader in many ways
            salvage.unreadable_rows += 1
            continue
        salvage.flat_rows.append(table.to_pandas())


def _mend_header(database: Path) -> None:
    """A flipped byte in SQLite's 16-byte magic makes the whole file "not a database"; put it back."""
    with open(database, "r+b") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            handle.seek(0)
            handle.write(SQLITE_MAGIC)


def _take_raw_entries(con: sqlite3.Connection, salvage: Salvage) -> None:
    """The packed raw entries of the attempts' table (schema 2), as far as its b-tree reads."""
    try:
        cursor = con.execute("SELECT log_id, raw FROM attempt_rows WHERE raw IS NOT NULL")
    except sqlite3.DatabaseError:
        return  # a v1 store, or the table's root page is gone: the v1 blobs or nothing
    while True:
        try:
            row = cursor.fetchone()
        except sqlite3.DatabaseError:
            salvage.unreadable_rows += 1  # a damaged page ends the scan; what came before is kept
            return
        if row is None:
            return
        log_id, blob = row
        try:
            salvage.raw_entries[str(log_id)] = unpack_raw(blob)
        except ValueError:
            salvage.unreadable_rows += 1


def _readable_rows(con: sqlite3.Connection, salvage: Salvage) -> list[tuple]:
    """All rows of diskcache's table that can be read; a damaged page costs only its own rows."""
    select = "SELECT key, raw, mode, filename, value FROM Cache"
    try:
        return con.execute(select).fetchall()
    except sqlite3.DatabaseError:
        pass
    try:
        ((highest,),) = con.execute("SELECT max(rowid) FROM Cache").fetchall()
    except sqlite3.DatabaseError:
        highest = 200_000  # the rowid b-tree itself is damaged: probe a generous range
    rows = []
    for rowid in range(1, int(highest or 0) + 1):
        try:
            rows.extend(con.execute(select + " WHERE rowid = ?", (rowid,)).fetchall())
        except sqlite3.DatabaseError:
            salvage.unreadable_rows += 1
    return rows


def _take_partition(salvage: Salvage, kind: str, value: Any) -> None:
    try:
        table = decode_table(value)
    except Exception:  # noqa: BLE001 - a garbage blob: the other half of the partition may still be there
        salvage.unreadable_rows += 1
        return
    if kind == "raw" and table.schema.names == ["log_id", "raw"]:
        for log_id, text in zip(table["log_id"].to_pylist(), table["raw"].to_pylist(), strict=True):
            try:
                entry = json.loads(text)
            except (TypeError, ValueError):
                salvage.unreadable_rows += 1
                continue
            if isinstance(entry, dict) and log_id:
                salvage.raw_entries[log_id] = entry
    elif kind == "frame" and set(RECORD_COLUMNS) - {"source"} <= set(table.schema.names):
        rows = table.select([c for c in RECORD_COLUMNS if c in table.schema.names]).to_pandas()
        if "source" not in rows.columns:  # written before sources existed: the one workspace there was
            rows["source"] = DEFAULT_SOURCE
        salvage.flat_rows.append(rows)


def _rebuild(building: Path, salvage: Salvage, retention_days: int) -> RepairReport:
    report = RepairReport(healthy=False, unreadable_rows=salvage.unreadable_rows)
    with LogStore(building, retention_days=retention_days) as store:
        entries = list(salvage.raw_entries.values())
        for start in range(0, len(entries), RESTORE_BATCH):
            store.restore_attempts(entries[start : start + RESTORE_BATCH])
        if salvage.flat_rows:
            # Attempts that only ever had a flat record (imports), or whose raw blob was the damaged one.
            flat = pd.concat(salvage.flat_rows, ignore_index=True)
            flat = flat[~flat["log_id"].isin(salvage.raw_entries)].drop_duplicates("log_id", keep="last")
            if not flat.empty:
                store.import_records(flat)
        details = list(salvage.details.items())
        for start in range(0, len(details), RESTORE_BATCH):
            store.put_details(dict(details[start : start + RESTORE_BATCH]))
        store.upsert_connection_logs(salvage.connections.values())
        if salvage.state:
            store.update_state(**salvage.state)
        for label, state in salvage.source_states.items():
            if state and is_source_label(label):
                store.update_state(label, **state)
        stats = store.stats()
    report.attempts, report.details, report.connection_logs = (
        stats.attempts,
        stats.details,
        stats.connection_logs,
    )
    return report
