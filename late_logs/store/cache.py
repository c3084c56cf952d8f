"""Opening the store's diskcache folder: writable when it can be, read-only (SQLite `mode=ro`) when not.

Everything stays inside SQLite: diskcache deletes value files before the enclosing transaction commits, so
a file-backed value could vanish under a SIGKILL that then rolls the transaction back.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import diskcache

from late_logs.store.faults import REPAIR_HINT, StoreDamaged, StoreFull, StoreReadOnly, fault

CACHE_SETTINGS: dict[str, Any] = {
    "eviction_policy": "none",  # a log store must never cull data to stay under a size limit
    "size_limit": 2**62,
    "cull_limit": 0,
    "disk_min_file_size": 2**40,
    "statistics": 0,
    # Measured by bench/bench_store_write.py on a backfill in pages of 100 (2.8x bytes written per byte
    # stored with both, 3.9x without): each page's transaction dirties ~20 pages, some of them (the
    # index's left edge, the manifest, the version) the same ones every time, and a checkpoint every
    # 10,000 pages (a WAL of up to 40 MB) writes each of those back once instead of once per 1,000 pages.
    # auto_vacuum off (new stores only: SQLite changes it only on VACUUM) spares its pointer-map pages; freed
    # pages (pruned attempts) are reused rather than returned to the file system.
    "sqlite_wal_autocheckpoint": 10_000,
    "sqlite_auto_vacuum": 0,
}


class ReadOnlyCache(diskcache.Cache):
    """A diskcache.Cache over a store folder we may not write (a read-only mount, a backup): SQLite opened in
    read-only mode, none of the settings writes diskcache.Cache.__init__ makes. Every write fails with
    SQLite's "attempt to write a readonly database", which faults.fault turns into StoreReadOnly."""

    def __init__(self, directory: str) -> None:  # noqa: D107 - deliberately not calling super().__init__
        self._directory = directory
        self._timeout = 0
        self._local = threading.local()
        self._txn_id = None
        self._disk = diskcache.Disk(directory, min_file_size=CACHE_SETTINGS["disk_min_file_size"])
        self.eviction_policy = "none"
        self.statistics = 0
        self.tag_index = 0
        connection = self._con  # fails now, not at the first read, when the file is not a database
        connection.execute("SELECT count(*) FROM Settings").fetchall()

    @property
    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            path = Path(self._directory, diskcache.core.DBNAME).resolve().as_uri()
            try:
                con = sqlite3.connect(f"{path}?mode=ro", uri=True, isolation_level=None)
                con.execute("SELECT count(*) FROM Settings").fetchall()
            except sqlite3.OperationalError:
                # A WAL database in a folder nobody can write has no -shm file and cannot get one; nobody
                # can change it either, so SQLite may read it as immutable.
                con = sqlite3.connect(f"{path}?immutable=1", uri=True, isolation_level=None)
            self._local.con = con
        return con


def _folder_writable(directory: Path) -> bool:
    """Whether a file can be made in the folder (SQLite's WAL needs that even to read)."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


# Pages of 1 KB for a new store's database: a collector page's transaction dirties ~20 pages, half of them
# for a few bytes each (the version, the manifest row, an index's edge); each is written whole to the WAL and
# again at the checkpoint. Measured (bench/bench_store_write.py, 2 days of 50k attempts in pages of 100):
# 4 KB pages wrote 131 MB, 2 KB 114 MB, 1 KB 109 MB. diskcache sets WAL before it could set the page size,
# so the file is made here first.
NEW_PAGE_SIZE = 1024


def _create_database(database: Path) -> None:
    con = sqlite3.connect(database)
    try:
        con.execute(f"PRAGMA page_size = {NEW_PAGE_SIZE}")
        con.execute("PRAGMA auto_vacuum = 0")
        con.execute("PRAGMA journal_mode = wal")
    finally:
        con.close()


def open_cache(directory: Path) -> tuple[diskcache.Cache, bool]:
    """The folder's cache and whether it is read-only; StoreError sentences for what cannot be opened.

    A full disk that keeps SQLite from even opening the database for writing opens it read-only: the
    dashboard, status and export still read the last committed state."""
    database = directory / diskcache.core.DBNAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not database.exists():
            _create_database(database)
        return diskcache.Cache(str(directory), **CACHE_SETTINGS), False
    except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
        problem = fault(exc, directory, "opened")
        full = isinstance(problem, StoreFull) and database.is_file()  # readable still, as of the last commit
        if full:
            pass
        elif not isinstance(problem, StoreReadOnly) and (
            not database.is_file() or _folder_writable(directory)
        ):
            if isinstance(problem, StoreDamaged):
                raise StoreDamaged(
                    f"the folder {directory} does not hold a readable late-logs store ({exc}); if "
                    f"it is a late-logs store, {REPAIR_HINT}, else choose another cache folder."
                ) from None
            raise problem from None
    if not database.is_file():
        raise StoreReadOnly(
            f"the folder {directory} is read-only and holds no late-logs store; choose a folder "
            "late-logs can write to."
        )
    try:
        cache = ReadOnlyCache(str(directory))
        cache.disk_full = full  # a write would need space the WAL cannot get: say "full", not "read-only"
    except (OSError, sqlite3.Error) as exc:
        raise StoreDamaged(
            f"the folder {directory} is read-only and its store cannot be read ({exc}); copy it to "
            f"a writable folder and {REPAIR_HINT}."
        ) from None
    return cache, True
