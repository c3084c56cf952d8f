"""The local memory of publishing attempts: a diskcache folder holding redacted raw entries and flat records.

Attempts live in one partition per UTC day of `createdAt` (flat records as lz4 Arrow IPC bytes, redacted
raw entries beside them as zstd Arrow IPC), so `frame()` of a million attempts is ninety blob reads and one
Arrow-to-pandas conversion.
Every write is one SQLite transaction; partition blobs are never overwritten in place (a new key per write,
named by the version that wrote it), so a reader in another process always sees one committed state.

A later listing never destroys what is stored (records.merge_listing): nulls and values of another type are
ignored and counted, and a createdAt that cannot be true (missing, unreadable, before 2000, more than a day
ahead) neither moves a stored attempt nor prunes anything. Retention is measured from the wall clock.
Faults end in a StoreError sentence: a damaged store (StoreDamaged: run `python -m late_logs repair`), a full
disk (StoreFull: the transaction is undone) and a read-only folder (opened read-only; writes say so).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import io
import json
import os
import re
import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import diskcache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from late_logs.records import (
    CREATED_AT_FIELDS,
    RECORD_COLUMNS,
    RECORD_DTYPES,
    coerce_frame,
    flatten,
    log_id_has_id,
    log_id_of,
    merge_listing,
    parse_time,
    stamp_identities,
    suspicious_time,
    time_of,
    with_log_id,
)
from late_logs.redact import candidate_pattern, redact_text, redact_value

SCHEMA_VERSION = 1
DEFAULT_RETENTION_DAYS = 90
UNKNOWN_PARTITION = "unknown"  # attempts whose createdAt could not be read: kept, never pruned
LOCK_FILE_NAME = "writer.lock"

# Keys of the cache. Blob keys carry the version that wrote them and are never rewritten.
SCHEMA_KEY = "meta:schema"
VERSION_KEY = "meta:version"
CATALOG_KEY = "meta:partitions"  # {partition: PartitionInfo as a dict}
DETAIL_IDS_KEY = "meta:detail_ids"  # set of log ids with a stored detail
STATE_KEY = "meta:state"
LEDGER_KEY = "meta:ledger"  # the triage ledger of error groups (late_logs.ledger): human states, memory
CONNECTIONS_KEY = "connections"  # {connection log id: redacted entry}
DETAIL_PREFIX = "detail:"
INDEX_PREFIX = "index:"  # index shards: {log_id: partition}
HASHED_INDEX_SHARDS = 256  # for ids that are not Mongo ObjectIds
# Our own note inside a stored raw entry, never Late's: when its createdAt cannot be true, the time we first
# saw the attempt. The frame shows the attempt at that time (visible in every time view, never in 1970 where
# retention would drop it, never in 2027 where it would sit above everything), while the raw entry keeps the
# createdAt exactly as received. RECORD_COLUMNS stay as they are (exports and CSV columns are a contract), so
# the flag is this note plus the catalog's list of such ids (LogStore.suspect_time_ids).
LOCAL_NOTE_KEY = "_late_logs"
REPAIR_HINT = "run `python -m late_logs repair` to rebuild it from the kept raw entries"

# Everything stays inside SQLite: diskcache deletes value files before the enclosing transaction commits,
# so a file-backed value could vanish under a SIGKILL that then rolls the transaction back.
_CACHE_SETTINGS: dict[str, Any] = {
    "eviction_policy": "none",  # a log store must never cull data to stay under a size limit
    "size_limit": 2**62,
    "cull_limit": 0,
    "disk_min_file_size": 2**40,
    "statistics": 0,
}
_READ_RETRIES = 20  # a writer replacing a partition between two of our reads: read the new catalog again

_ARROW_TYPES = {
    "string": pa.large_string(),
    "datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"),
    "Int64": pa.int64(),
}
ARROW_SCHEMA = pa.schema([(name, _ARROW_TYPES[dtype]) for name, dtype in RECORD_DTYPES.items()])
_TIME_COLUMNS = [name for name, dtype in RECORD_DTYPES.items() if dtype.startswith("datetime")]
_INT_COLUMNS = [name for name, dtype in RECORD_DTYPES.items() if dtype == "Int64"]
_RAW_SCHEMA = pa.schema([("log_id", pa.large_string()), ("raw", pa.large_string())])
# Flat records: lz4, which decodes several times faster than zstd (frame() runs on every dashboard load).
# Raw entries: zstd, a third of lz4's size for JSON text that is read only for one attempt or an export.
_IPC_WRITE_FRAME = ipc.IpcWriteOptions(compression="lz4")
_IPC_WRITE_RAW = ipc.IpcWriteOptions(compression=pa.Codec("zstd", compression_level=1))
# Decoding a small blob on a thread pool costs more than it saves.
_IPC_READ_SMALL = ipc.IpcReadOptions(use_threads=False)
_IPC_READ_LARGE = ipc.IpcReadOptions(use_threads=True)
_LARGE_BLOB = 4 * 2**20
# Late log ids are Mongo ObjectIds: 8 hex digits of creation seconds first (the spec's example has 25 chars).
_OBJECT_ID_RE = re.compile(r"[0-9a-fA-F]{24,25}\Z")
# The representable range of datetime64[ns]; flat records outside it would not fit the frame.
_NS_MIN = datetime(1678, 1, 1, tzinfo=timezone.utc)
_NS_MAX = datetime(2261, 12, 31, tzinfo=timezone.utc)
_ARROW_MAGIC = b"ARROW1"  # Arrow IPC files begin and end with it
_SORT_NEWEST_FIRST = [("created_at", "descending"), ("log_id", "descending")]


class StoreError(Exception):
    """The folder holds something this late-logs cannot read; the message says what and what to do."""


class StoreLocked(StoreError):
    """Another process holds the writer lock of the store folder."""


class StoreDamaged(StoreError):
    """The store's database or one of its values cannot be read; `python -m late_logs repair` rebuilds it."""


class StoreFull(StoreError):
    """The disk is full; the write was undone, so the last committed state is intact."""


class StoreReadOnly(StoreError):
    """The store folder cannot be written; it can still be read."""


@dataclass
class UpsertResult:
    """How many attempts (or connection logs) a write added and how many it changed, and what it distrusted:
    `suspicious` counts "bad_time" (a createdAt that cannot be true), "null_ignored" (a null that did not
    erase a stored value) and "type_changed" (a value of another type that did not replace a stored one)."""

    new: int = 0
    updated: int = 0
    suspicious: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.new + self.updated


@dataclass
class StoreStats:
    """What the store holds, for the collector page and `python -m late_logs status`."""

    attempts: int
    details: int
    connection_logs: int
    oldest: datetime | None
    newest: datetime | None
    size_bytes: int
    retention_days: int
    schema_version: int


def _pandas_type(arrow_type: pa.DataType) -> Any:
    if arrow_type in (pa.large_string(), pa.string()):
        return pd.StringDtype("pyarrow")
    if arrow_type == pa.int64():
        return pd.Int64Dtype()
    return None


def _encode_table(table: pa.Table, options: ipc.IpcWriteOptions) -> bytes:
    sink = io.BytesIO()
    with ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def decode_table(blob: bytes) -> pa.Table:
    options = _IPC_READ_LARGE if len(blob) > _LARGE_BLOB else _IPC_READ_SMALL
    return ipc.open_file(pa.BufferReader(blob), options=options).read_all()


def _records_table(frame: pd.DataFrame) -> pa.Table:
    """A frame of RECORD_COLUMNS as an Arrow table of ARROW_SCHEMA (no pandas metadata)."""
    frame = coerce_frame(frame.loc[:, RECORD_COLUMNS].copy())
    return pa.Table.from_pandas(frame[RECORD_COLUMNS], schema=ARROW_SCHEMA, preserve_index=False)


def _flat_table(records: list[dict[str, Any]]) -> pa.Table:
    """Flat records (records.flatten) as an Arrow table; far cheaper than a pandas frame for a page."""
    for record in records:
        for column in _TIME_COLUMNS:
            moment = record.get(column)
            if moment is not None and not _NS_MIN <= moment <= _NS_MAX:
                record[column] = None  # as coerce_frame would: unrepresentable means unknown
        for column in _INT_COLUMNS:
            number = record.get(column)
            if number is not None and not -(2**63) <= number < 2**63:
                record[column] = None  # a status code of 10**30 is noise, not a reason to refuse the page
    return pa.Table.from_pylist(records, schema=ARROW_SCHEMA)


def _partition_keys(table: pa.Table) -> list[str]:
    """The partition of each row: the UTC day ("YYYY-MM-DD") of created_at, or "unknown"."""
    days = pc.fill_null(pc.strftime(table["created_at"], format="%Y-%m-%d"), UNKNOWN_PARTITION)
    return days.to_pylist()


def _rows_by_partition(keys: list[str]) -> dict[str, np.ndarray]:
    """Row positions grouped by partition key."""
    encoded = pa.array(keys, pa.string()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(encoded.dictionary)))
    starts = np.concatenate(([0], bounds[:-1]))
    return {
        name: order[start:end]
        for name, start, end in zip(encoded.dictionary.to_pylist(), starts, bounds, strict=True)
        if end > start
    }


def _ns_scalar(moment: datetime) -> pa.Scalar:
    return pa.scalar(int(pd.Timestamp(moment).value), type=pa.timestamp("ns", tz="UTC"))


def _datetime_of_ns(nanoseconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=nanoseconds // 1000)


def _shard_of(log_id: str) -> str:
    """The index shard of a log id. ObjectIds shard by their first 5 hex digits (68-minute buckets of
    creation time), so a page of recent attempts touches one or two small shards, not a hundred."""
    if _OBJECT_ID_RE.match(log_id):
        return "t" + log_id[:5].lower()
    return f"h{zlib.crc32(log_id.encode('utf-8')) % HASHED_INDEX_SHARDS}"


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _plain_json(value: Any) -> Any:
    """A JSON-clean copy (lists, not tuples; odd scalars as strings): stored and incoming data compare."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _dump(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str)


def merge_raw(old: Mapping[str, Any], new: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """`new` laid over `old` by records.merge_listing: nested objects merge, a null or a value of another type
    never replaces a stored value, a plain id string does not replace the populated object with that id, and
    an impossible createdAt does not replace a plausible one (`now`: the wall clock by default)."""
    return merge_listing(old, new, now or datetime.now(timezone.utc))[0]


def _add_counts(total: dict[str, int], more: Mapping[str, int]) -> None:
    for kind, count in more.items():
        total[kind] = total.get(kind, 0) + int(count)


def _created_value(raw: Mapping[str, Any]) -> Any:
    """The entry's creation time as received (Late's `createdAt`, or the unified shape's `created_at`)."""
    return next((raw[name] for name in CREATED_AT_FIELDS if raw.get(name) is not None), None)


def _note_time(raw: dict[str, Any], now: datetime) -> bool:
    """Write (or drop) our note on `raw`'s createdAt; True when the time as received cannot be true.

    The note keeps the time we first saw the attempt, so the attempt keeps its place in time views across
    later listings that still carry the impossible time; a plausible createdAt later drops the note."""
    reason = suspicious_time(_created_value(raw), now)
    note = raw.get(LOCAL_NOTE_KEY)
    note = dict(note) if isinstance(note, Mapping) else {}
    if reason is None:
        note.pop("timeSuspect", None)
        note.pop("firstSeenAt", None)
        if note:
            raw[LOCAL_NOTE_KEY] = note
        else:
            raw.pop(LOCAL_NOTE_KEY, None)
        return False
    if parse_time(note.get("firstSeenAt")) is None:
        note["firstSeenAt"] = now.isoformat()
    note["timeSuspect"] = reason
    raw[LOCAL_NOTE_KEY] = note
    return True


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def _fault(exc: BaseException, directory: Path, doing: str = "read") -> StoreError:
    """The StoreError sentence for a database or file fault met while reading or writing the store."""
    if isinstance(exc, StoreError):
        return exc
    text = str(exc)
    lowered = text.lower()
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "disk is full" in lowered:
        return StoreFull(
            f"the disk holding {directory} is full, so the {doing} was undone and the stored data is as it "
            "was; free some space and run the command again."
        )
    if (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)) or (
        "readonly" in lowered or "read-only" in lowered
    ):
        return StoreReadOnly(
            f"the store folder {directory} is read-only: the dashboard, status and export can read it, but "
            "sync, collect and repair need a folder they can write to."
        )
    if isinstance(exc, diskcache.Timeout) or "locked" in lowered or "busy" in lowered:
        return StoreError(f"the store in {directory} is busy in another process; try again in a moment.")
    if isinstance(exc, OSError):
        return StoreError(f"the store in {directory} could not be {doing} ({exc.strerror or text}).")
    return StoreDamaged(f"the store in {directory} is damaged ({text or type(exc).__name__}); {REPAIR_HINT}.")


def _store_faults(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn database and file faults inside a public store method into one StoreError sentence."""
    faults = (sqlite3.Error, OSError, pa.ArrowException, diskcache.Timeout)
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: LogStore, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except faults as exc:
                raise _fault(exc, self.directory) from None

        return generator

    @functools.wraps(method)
    def wrapper(self: LogStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except faults as exc:
            raise _fault(exc, self.directory) from None

    return wrapper


def _connection_id(entry: Mapping[str, Any]) -> str:
    # The same identity rule as attempts (an id, else the stamp taken before redaction).
    return log_id_of(entry)


class _ReadOnlyCache(diskcache.Cache):
    """A diskcache.Cache over a store folder we may not write (a read-only mount, a backup): SQLite opened in
    read-only mode, none of the settings writes diskcache.Cache.__init__ makes. Every write fails with
    SQLite's "attempt to write a readonly database", which _fault turns into StoreReadOnly."""

    def __init__(self, directory: str) -> None:  # noqa: D107 - deliberately not calling super().__init__
        self._directory = directory
        self._timeout = 0
        self._local = threading.local()
        self._txn_id = None
        self._disk = diskcache.Disk(directory, min_file_size=_CACHE_SETTINGS["disk_min_file_size"])
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


class LogStore:
    """Attempts, details, connection logs and collector state in one folder; one writer, many readers.

    Usage::

        store = LogStore(settings.cache_dir, retention_days=settings.retention_days)
        with store.writer_lock():
            store.upsert_attempts(page.items)      # redacted before anything is written
        frame = store.frame()                      # RECORD_COLUMNS, newest first
        store.version                              # changes whenever data changes
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.directory = Path(directory).expanduser()
        if isinstance(retention_days, bool) or int(retention_days) < 1:
            # Retention 0 would prune every attempt at the end of the next pass.
            raise StoreError(f"the retention must be at least 1 day, got {retention_days!r}.")
        self.retention_days = int(retention_days)
        self._clock = clock  # retention and "in the future" are measured from this, never from data
        self.read_only = False
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(
                f"the cache folder {self.directory} is a file, not a folder; choose another folder."
            )
        self._cache = self._open_cache()
        self._lock = threading.RLock()
        self._tables: dict[str, pa.Table] = {}  # decoded blobs by (immutable) key
        self._raw_tables: dict[str, pa.Table] = {}  # a few decoded raw blobs, most recent last
        self._last_frame: tuple[tuple[Any, ...], pd.DataFrame] | None = None
        try:
            self._check_schema()
            self._check_meta()
        except BaseException:
            self._cache.close()
            raise

    # ----------------------------------------------------------------------------------------- lifecycle

    def _open_cache(self) -> diskcache.Cache:
        database = self.directory / diskcache.core.DBNAME
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return diskcache.Cache(str(self.directory), **_CACHE_SETTINGS)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            fault = _fault(exc, self.directory, "opened")
            if not isinstance(fault, StoreReadOnly) and (not database.is_file() or self._folder_writable()):
                if isinstance(fault, StoreDamaged):
                    raise StoreDamaged(
                        f"the folder {self.directory} does not hold a readable late-logs store ({exc}); if "
                        f"it is a late-logs store, {REPAIR_HINT}, else choose another cache folder."
                    ) from None
                raise fault from None
        if not database.is_file():
            raise StoreReadOnly(
                f"the folder {self.directory} is read-only and holds no late-logs store; choose a folder "
                "late-logs can write to."
            )
        try:
            cache = _ReadOnlyCache(str(self.directory))
        except (OSError, sqlite3.Error) as exc:
            raise StoreDamaged(
                f"the folder {self.directory} is read-only and its store cannot be read ({exc}); copy it to "
                f"a writable folder and {REPAIR_HINT}."
            ) from None
        self.read_only = True
        return cache

    def _folder_writable(self) -> bool:
        """Whether a file can be made in the folder (SQLite's WAL needs that even to read)."""
        try:
            with tempfile.TemporaryFile(dir=self.directory):
                return True
        except OSError:
            return False

    def _check_schema(self) -> None:
        try:
            schema = self._cache.get(SCHEMA_KEY)
            if schema is None:
                with self._cache.transact():
                    schema = self._cache.get(SCHEMA_KEY)
                    if schema is None:
                        if len(self._cache) > 0:
                            raise StoreError(
                                f"the folder {self.directory} holds a cache that is not a late-logs store; "
                                "choose an empty folder for late-logs."
                            )
                        self._cache.set(SCHEMA_KEY, SCHEMA_VERSION)
                        self._cache.set(VERSION_KEY, 0)
                        self._cache.set(CATALOG_KEY, {})
                        schema = SCHEMA_VERSION
        except (sqlite3.Error, OSError) as exc:
            fault = _fault(exc, self.directory, "opened")
            if isinstance(fault, StoreDamaged):
                raise StoreDamaged(
                    f"the folder {self.directory} does not hold a readable late-logs store ({exc}); if it is "
                    f"a late-logs store, {REPAIR_HINT}, else choose another cache folder."
                ) from None
            raise fault from None
        except Exception as exc:  # noqa: BLE001 - a schema value that does not even unpickle
            raise StoreDamaged(f"the store in {self.directory} is damaged ({exc}); {REPAIR_HINT}.") from None
        if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA_VERSION or schema < 1:
            raise StoreError(
                f"the store in {self.directory} has schema {schema!r} but this late-logs reads schema "
                f"{SCHEMA_VERSION}; upgrade late-logs or point it at another cache folder."
            )

    def _check_meta(self) -> None:
        """Read every small bookkeeping value once, so a damaged store is told at open, not mid-page."""
        try:
            version = self._read(VERSION_KEY, 0)
            if not isinstance(version, int) or isinstance(version, bool):
                raise StoreDamaged(f"the store in {self.directory} is damaged (its version); {REPAIR_HINT}.")
            self._catalog()
            self.state()
            self.detail_ids()
            self._connections()
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            raise _fault(exc, self.directory) from None

    def _read(self, key: str, default: Any = None) -> Any:
        """One stored value; a value that no longer decodes (a flipped byte in a pickle) is StoreDamaged."""
        try:
            return self._cache.get(key, default)
        except (sqlite3.Error, OSError, diskcache.Timeout):
            raise
        except Exception as exc:  # noqa: BLE001 - unpickling damaged bytes can raise nearly anything
            raise StoreDamaged(
                f"the store in {self.directory} is damaged ({key} cannot be read: {type(exc).__name__}); "
                f"{REPAIR_HINT}."
            ) from None

    def _damaged(self, what: str) -> StoreDamaged:
        return StoreDamaged(f"the store in {self.directory} is damaged ({what}); {REPAIR_HINT}.")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite transaction; a fault inside it (disk full, read-only, damage) undoes all of it and
        ends as one StoreError sentence."""
        try:
            with self._cache.transact():
                yield
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            raise _fault(exc, self.directory, "write") from None

    def close(self) -> None:
        """Close the cache's database connections (the store can be opened again afterwards)."""
        self._cache.close()

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LogStore({str(self.directory)!r}, retention_days={self.retention_days})"

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the folder's single-writer lock for the block; raises StoreLocked when another process has it.

        The lock is an OS lock on a file (flock), so it goes away with the process that held it, even
        after SIGKILL. Readers never need it.
        """
        path = self.directory / LOCK_FILE_NAME
        if self.read_only:
            raise _fault(OSError(errno.EROFS, "read-only"), self.directory)
        try:
            handle = open(path, "a+", encoding="utf-8")
        except OSError as exc:
            raise _fault(exc, self.directory, "locked for writing") from None
        try:
            try:
                lock_file(handle)
            except OSError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise StoreLocked(
                    f"another late-logs collector (pid {holder}) is writing to {self.directory}; "
                    "wait for it or stop it."
                ) from None
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(str(os.getpid()))
                handle.flush()
            except OSError as exc:  # a full disk cannot even take the pid
                _unlock_file_quietly(handle)
                raise _fault(exc, self.directory, "locked for writing") from None
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                unlock_file(handle)
        finally:
            handle.close()

    # ----------------------------------------------------------------------------------------- version

    @property
    @_store_faults
    def version(self) -> int:
        """A counter that grows whenever stored data changes; one small read, fine on every rerun."""
        return int(self._read(VERSION_KEY, 0))

    def _bump_version(self) -> int:
        version = int(self._read(VERSION_KEY, 0)) + 1
        self._cache.set(VERSION_KEY, version)
        return version

    # ----------------------------------------------------------------------------------------- reading

    def _catalog(self) -> dict[str, dict[str, Any]]:
        catalog = self._read(CATALOG_KEY) or {}
        if not isinstance(catalog, dict) or not all(
            isinstance(info, dict)
            and isinstance(info.get("frame"), str)
            and isinstance(info.get("rows"), int)
            for info in catalog.values()
        ):
            raise self._damaged("its list of day partitions")
        return catalog

    def _blob_table(self, key: str, crc: int | None = None) -> pa.Table | None:
        """A partition's decoded frame table; decoded once per key (keys are never rewritten)."""
        table = self._tables.get(key)
        if table is None:
            blob = self._read(key)
            if blob is None:
                return None
            table = self._decoded(key, blob, crc)
            with self._lock:
                self._tables[key] = table
        return table

    def _decoded(self, key: str, blob: Any, crc: int | None) -> pa.Table:
        """A partition blob as a table of the expected columns, else StoreDamaged (never an Arrow error).

        A flipped byte in an offsets buffer decodes "fine" and fails later, deep inside pandas, so damage
        must be found here: by the CRC-32 the catalog keeps of each blob (a few ms for 10 MB, and it sees
        every flipped bit), or, for blobs written before CRCs were kept, by Arrow's full validation."""
        try:
            if crc is not None and zlib.crc32(blob) != crc:
                raise ValueError("checksum mismatch")
            table = decode_table(blob)
            if crc is None:
                table.validate(full=True)
        except Exception:  # noqa: BLE001 - garbage bytes can fail Arrow's reader in many ways
            raise self._damaged(f"{key} is not readable") from None
        expected = _RAW_SCHEMA if key.startswith("raw:") else ARROW_SCHEMA
        if table.schema.names != expected.names:
            raise self._damaged(f"{key} holds other columns than a late-logs partition")
        return table

    def _raw_table(self, key: str, crc: int | None = None) -> pa.Table | None:
        """A partition's decoded raw entries; the last few stay decoded (the log page reads one at a time)."""
        with self._lock:
            table = self._raw_tables.pop(key, None)
        if table is None:
            blob = self._read(key)
            if blob is None:
                return None
            table = self._decoded(key, blob, crc)
        with self._lock:
            self._raw_tables[key] = table
            while len(self._raw_tables) > 8:
                self._raw_tables.pop(next(iter(self._raw_tables)))
        return table

    @staticmethod
    def _ordered_partitions(catalog: Mapping[str, Any], since: datetime | None) -> list[str]:
        """Partitions newest day first, "unknown" last; with `since`, only days that can hold newer rows."""
        days = sorted((p for p in catalog if p != UNKNOWN_PARTITION), reverse=True)
        if since is not None:
            first_day = since.strftime("%Y-%m-%d")
            return [day for day in days if day >= first_day]
        return days + ([UNKNOWN_PARTITION] if UNKNOWN_PARTITION in catalog else [])

    def _snapshot(self, since: datetime | None) -> tuple[dict[str, Any], list[tuple[str, pa.Table]]]:
        """The catalog and the decoded frame table of each selected partition, from one committed state."""
        for _ in range(_READ_RETRIES):
            catalog = self._catalog()
            tables: list[tuple[str, pa.Table]] = []
            for part in self._ordered_partitions(catalog, since):
                table = self._blob_table(catalog[part]["frame"], catalog[part].get("frame_crc"))
                if table is None:  # replaced by a writer since we read the catalog
                    break
                tables.append((part, table))
            else:
                live = {info["frame"] for info in catalog.values()}
                with self._lock:
                    for key in [k for k in self._tables if k not in live]:
                        del self._tables[key]
                return catalog, tables
        raise StoreError(f"the store in {self.directory} kept changing while being read; try again.")

    @_store_faults
    def frame(self, since: datetime | None = None) -> pd.DataFrame:
        """Every stored attempt (or those created at/after `since`) as RECORD_COLUMNS, newest first."""
        since = _as_utc(since) if since is not None else None
        with self._lock:
            catalog, tables = self._snapshot(since)
            signature = (since, tuple(catalog[part]["frame"] for part, _ in tables))
            if self._last_frame is not None and self._last_frame[0] == signature:
                # Copy-on-write (pandas 3): callers may change their frame without touching ours.
                return self._last_frame[1].copy(deep=False)
            selected = [table for _, table in tables]
            if since is not None:
                # Only the partition of since's own day can hold rows before it.
                first_day = since.strftime("%Y-%m-%d")
                selected = [
                    t.filter(pc.greater_equal(t["created_at"], _ns_scalar(since))) if part == first_day else t
                    for (part, _), t in zip(tables, selected, strict=True)
                ]
            combined = pa.concat_tables(selected) if selected else ARROW_SCHEMA.empty_table()
            frame = combined.to_pandas(types_mapper=_pandas_type)
            if len(frame.columns) != len(RECORD_COLUMNS):
                frame = frame.reindex(columns=RECORD_COLUMNS)
            frame = coerce_frame(frame)  # a no-op when the dtypes already match
            self._last_frame = (signature, frame)
            return frame.copy(deep=False)

    def parquet_files(self, since: datetime | None = None, until: datetime | None = None) -> list[str]:
        """The Parquet files of the committed state's attempts that can hold rows in [since, until), for
        `late_logs.queries`. TEMPORARY: written from `frame()` by `parquet_snapshot` until the Parquet
        store (wt-engine) lands with its own; this method is replaced at that merge."""
        from late_logs import parquet_snapshot  # temporary, and above the store: imported only when asked

        return parquet_snapshot.files(self, since, until)

    def _partition_of(self, log_ids: Iterable[str]) -> dict[str, str]:
        by_shard: dict[str, list[str]] = {}
        for log_id in log_ids:
            by_shard.setdefault(_shard_of(log_id), []).append(log_id)
        found: dict[str, str] = {}
        for shard, ids in by_shard.items():
            index = self._index(f"{INDEX_PREFIX}{shard}")
            for log_id in ids:
                part = index.get(log_id)
                if part is not None:
                    found[log_id] = part
        return found

    @_store_faults
    def raw_attempts(self, log_ids: Iterable[str]) -> dict[str, dict]:
        """The stored (redacted) raw entries of many attempts at once; ids without one are left out."""
        wanted = [str(i) for i in log_ids]
        for _ in range(_READ_RETRIES):
            # The index and the catalog are two reads: a version unchanged across both means one state.
            version = self.version
            where = self._partition_of(wanted)
            catalog = self._catalog()
            by_part: dict[str, set[str]] = {}
            for log_id, part in where.items():
                by_part.setdefault(part, set()).add(log_id)
            found: dict[str, dict] = {}
            consistent = True
            for part, ids in by_part.items():
                info = catalog.get(part)
                if info is None or not info.get("raw"):
                    continue
                table = self._raw_table(info["raw"], info.get("raw_crc"))
                if table is None:
                    consistent = False
                    break
                mask = pc.is_in(table["log_id"], value_set=pa.array(sorted(ids), pa.large_string()))
                hits = table.filter(mask)
                for log_id, raw in zip(hits["log_id"].to_pylist(), hits["raw"].to_pylist(), strict=True):
                    found[log_id] = json.loads(raw)
            if consistent and self.version == version:
                return found
        raise StoreError(f"the store in {self.directory} kept changing while being read; try again.")

    def raw_attempt(self, log_id: str) -> dict | None:
        """The stored (redacted) raw entry of one attempt, its detail's fields merged in; None if unknown."""
        return self.raw_attempts([log_id]).get(str(log_id))

    @_store_faults
    def iter_raw_attempts(self, since: datetime | None = None) -> Iterator[dict]:
        """Stored raw entries newest first (those created at/after `since`); attempts without one are skipped.

        Attempts with an unreadable createdAt come last and only when `since` is not given.
        """
        since = _as_utc(since) if since is not None else None
        for part in self._ordered_partitions(self._catalog(), since):
            rows = self._partition_rows(part)
            if rows is None:
                continue
            frame_table, raw_table = rows
            if raw_table is None or raw_table.num_rows == 0:
                continue
            if since is not None:
                frame_table = frame_table.filter(
                    pc.greater_equal(frame_table["created_at"], _ns_scalar(since))
                )
            raws = dict(zip(raw_table["log_id"].to_pylist(), raw_table["raw"].to_pylist(), strict=True))
            for log_id in frame_table["log_id"].to_pylist():
                raw = raws.get(log_id)
                if raw is not None:
                    yield json.loads(raw)

    def _partition_rows(self, part: str) -> tuple[pa.Table, pa.Table | None] | None:
        """The frame and raw tables of one partition as currently committed (None once it is gone)."""
        for _ in range(_READ_RETRIES):
            info = self._catalog().get(part)
            if info is None:
                return None
            frame_table = self._blob_table(info["frame"], info.get("frame_crc"))
            raw_table = self._raw_table(info["raw"], info.get("raw_crc")) if info.get("raw") else None
            if frame_table is not None and (raw_table is not None or not info.get("raw")):
                return frame_table, raw_table
        raise StoreError(f"the store in {self.directory} kept changing while being read; try again.")

    @_store_faults
    def pending_ids(self) -> list[str]:
        """Log ids of attempts whose stored status is "pending", newest day first."""
        catalog = self._catalog()
        ids: list[str] = []
        for part in self._ordered_partitions(catalog, None):
            ids.extend(catalog[part].get("pending", ()))
        return ids

    @_store_faults
    def get_detail(self, log_id: str) -> dict | None:
        """The stored (redacted) detail of an attempt, or None when none was fetched."""
        detail = self._read(f"{DETAIL_PREFIX}{log_id}")
        if detail is not None and not isinstance(detail, dict):
            raise self._damaged(f"the detail of {log_id}")
        return detail

    @_store_faults
    def detail_ids(self) -> set[str]:
        """Log ids that have a stored detail."""
        ids = self._read(DETAIL_IDS_KEY) or ()
        if not isinstance(ids, (set, frozenset, list, tuple)) or not all(isinstance(i, str) for i in ids):
            raise self._damaged("its list of stored details")
        return set(ids)

    def _index(self, key: str) -> dict[str, str]:
        index = self._read(key) or {}
        if not isinstance(index, dict):
            raise self._damaged(f"the index {key}")
        return index

    def _connections(self) -> dict[str, dict]:
        stored = self._read(CONNECTIONS_KEY) or {}
        if not isinstance(stored, dict) or not all(isinstance(e, dict) for e in stored.values()):
            raise self._damaged("its connection logs")
        return stored

    @_store_faults
    def connection_logs(self) -> list[dict]:
        """Stored (redacted) connection log entries, newest first."""
        entries = list(self._connections().values())
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        entries.sort(key=lambda e: time_of(e) or epoch, reverse=True)
        return entries

    @_store_faults
    def state(self) -> dict:
        """The collector's state (watermarks, last pass, last error, ...): a free dict."""
        state = self._read(STATE_KEY) or {}
        if not isinstance(state, dict):
            raise self._damaged("its collector state")
        return dict(state)

    @_store_faults
    def check(self) -> None:
        """Raise StoreDamaged unless every partition blob the catalog names is there and framed as Arrow IPC
        (its magic at both ends): what `status` runs, without decoding the data."""
        catalog = self._catalog()
        keys = [key for info in catalog.values() for key in (info["frame"], info.get("raw")) if key]
        query = (
            "SELECT substr(value, 1, 6), substr(value, -6, 6) FROM Cache WHERE key = ? AND raw = 1"
        )
        for key in keys:
            rows = self._cache._sql(query, (key,)).fetchall()
            if not rows:
                raise self._damaged(f"{key} is missing")
            head, tail = rows[0]
            if not all(isinstance(end, bytes) and end == _ARROW_MAGIC for end in (head, tail)):
                raise self._damaged(f"{key} is not readable")
        self._index_shards_readable()

    def _index_shards_readable(self) -> None:
        for key in self._cache.iterkeys():
            if isinstance(key, str) and key.startswith(INDEX_PREFIX):
                self._index(key)

    @_store_faults
    def suspect_time_ids(self) -> set[str]:
        """Log ids whose createdAt as received cannot be true; the frame shows them at the time first seen."""
        return {log_id for info in self._catalog().values() for log_id in info.get("suspect", ())}

    @_store_faults
    def stats(self) -> StoreStats:
        catalog = self._catalog()
        oldest = [info["oldest"] for info in catalog.values() if info.get("oldest") is not None]
        newest = [info["newest"] for info in catalog.values() if info.get("newest") is not None]
        return StoreStats(
            attempts=sum(int(info["rows"]) for info in catalog.values()),
            details=len(self.detail_ids()),
            connection_logs=len(self._connections()),
            oldest=_datetime_of_ns(min(oldest)) if oldest else None,
            newest=_datetime_of_ns(max(newest)) if newest else None,
            size_bytes=sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file()),
            retention_days=self.retention_days,
            schema_version=int(self._read(SCHEMA_KEY, SCHEMA_VERSION)),
        )

    @_store_faults
    def audit_text(self) -> Iterator[str]:
        """Everything the store holds, decoded to text (partition blobs are compressed, so a byte scan of
        the folder cannot see inside them): for audits such as "no secret ever reached the disk"."""
        for key in list(self._cache.iterkeys()):
            value = self._read(key)
            yield str(key)
            if isinstance(value, bytes):
                try:
                    table = decode_table(value)
                except pa.ArrowInvalid:
                    yield value.decode("utf-8", "replace")
                    continue
                for column in table.columns:
                    yield "\n".join(str(v) for v in column.to_pylist() if v is not None)
            elif value is not None:
                yield json.dumps(value, ensure_ascii=False, default=str)

    # ----------------------------------------------------------------------------------------- writing

    @_store_faults
    def upsert_attempts(self, entries: Iterable[Mapping[str, Any]]) -> UpsertResult:
        """Store raw API entries (redacted first), one attempt per log id; newer data merges over older.

        All in one transaction; the version changes only when some attempt was added or changed.
        """
        return self._upsert(entries, restoring=False)

    def restore_attempts(self, entries: Iterable[Mapping[str, Any]]) -> UpsertResult:
        """upsert_attempts for raw entries this store kept before (`python -m late_logs repair`): our own
        notes in them (the time first seen of an attempt with an impossible createdAt) are kept."""
        return self._upsert(entries, restoring=True)

    def _upsert(self, entries: Iterable[Mapping[str, Any]], restoring: bool) -> UpsertResult:
        now = self._now()
        result = UpsertResult()
        batch = self._redacted_batch(entries, now, result.suspicious, restoring)
        if not batch:
            return result
        with self._transaction():
            merged = self._merge_attempts(batch, now)
            result.new, result.updated = merged.new, merged.updated
            _add_counts(result.suspicious, merged.suspicious)
            if result.changed:
                self._bump_version()
            self._count_suspicious(result.suspicious)
        return result

    def _now(self) -> datetime:
        return _as_utc(self._clock())

    @staticmethod
    def _redacted_batch(
        entries: Iterable[Mapping[str, Any]], now: datetime, ignored: dict[str, int], restoring: bool = False
    ) -> dict[str, dict[str, Any]]:
        batch: dict[str, dict[str, Any]] = {}
        # The identity is taken from the entry as Late sent it, before redaction (records.identity_of), and
        # stamped into it, so the collector and the store give one log one id.
        stamped, _ = stamp_identities(
            [entry for entry in entries if isinstance(entry, Mapping)], keep_twins=False
        )
        for entry in stamped:
            raw = _plain_json(redact_value(entry))
            if not isinstance(raw, dict):
                continue
            if not restoring:
                raw.pop(LOCAL_NOTE_KEY, None)  # only this store writes its notes, never Late
            log_id = log_id_of(raw)
            if log_id in batch:
                raw, counts = merge_listing(batch[log_id], raw, now)
                _add_counts(ignored, counts)
            batch[log_id] = raw
        return batch

    def _count_suspicious(self, counts: Mapping[str, int]) -> None:
        """Add a write's suspicious counts to the running totals in the state (for `status`); in the
        write's own transaction, so the totals and the data never disagree."""
        if not any(counts.values()):
            return
        state = self.state()
        totals = state.get("suspicious_total")
        totals = dict(totals) if isinstance(totals, Mapping) else {}
        _add_counts(totals, counts)
        state["suspicious_total"] = totals
        self._cache.set(STATE_KEY, state)

    def _merge_attempts(self, batch: dict[str, dict[str, Any]], now: datetime) -> UpsertResult:
        """Merge redacted raw entries into their partitions; call inside a transaction."""
        catalog = self._catalog()
        where = self._partition_of(batch)
        stored = self._stored_raw(catalog, where)
        changed: dict[str, dict[str, Any]] = {}
        result = UpsertResult()
        for log_id, raw in batch.items():
            previous = stored.get(log_id)
            if previous is None:
                merged = raw
            else:
                merged, ignored = merge_listing(previous, raw, now)
                _add_counts(result.suspicious, ignored)
            if _note_time(merged, now):
                _add_counts(result.suspicious, {"bad_time": 1})
            if previous is not None and merged == previous:
                continue
            changed[log_id] = merged
            if log_id in where:
                result.updated += 1
            else:
                result.new += 1
        if changed:
            records = []
            for raw in changed.values():
                record = flatten(raw)
                note = raw.get(LOCAL_NOTE_KEY)
                if isinstance(note, Mapping) and note.get("timeSuspect"):
                    record["created_at"] = parse_time(note.get("firstSeenAt")) or now
                records.append(record)
            suspects = {i for i, raw in changed.items() if (raw.get(LOCAL_NOTE_KEY) or {}).get("timeSuspect")}
            raws = {log_id: _dump(raw) for log_id, raw in changed.items()}
            moving = {log_id: part for log_id, part in where.items() if log_id in changed}
            self._write_rows(catalog, _flat_table(records), raws, moving, suspects)
        return result

    def _stored_raw(self, catalog: Mapping[str, Any], where: Mapping[str, str]) -> dict[str, dict]:
        by_part: dict[str, list[str]] = {}
        for log_id, part in where.items():
            by_part.setdefault(part, []).append(log_id)
        stored: dict[str, dict] = {}
        for part, ids in by_part.items():
            info = catalog.get(part)
            if info is None or not info.get("raw"):
                continue
            table = self._raw_table(info["raw"], info.get("raw_crc"))
            if table is None:
                raise StoreError(
                    f"the store in {self.directory} is missing data for {part}; run a full sync."
                )
            hits = table.filter(pc.is_in(table["log_id"], value_set=pa.array(ids, pa.large_string())))
            for log_id, raw in zip(hits["log_id"].to_pylist(), hits["raw"].to_pylist(), strict=True):
                stored[log_id] = json.loads(raw)
        return stored

    def _write_rows(
        self,
        catalog: dict[str, dict[str, Any]],
        table: pa.Table,
        raws: Mapping[str, str | None],
        where: Mapping[str, str],
        suspects: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Replace/insert flat rows (unique log ids) and their raw entries, partition by partition.

        `where` says in which partition each already-stored id sits now; those rows leave it (and their raw
        with them unless `raws` gives a new one). Call inside a transaction; the caller bumps the version.
        """
        gen = int(self._read(VERSION_KEY, 0)) + 1
        keys = _partition_keys(table)
        positions = _rows_by_partition(keys)
        leaving: dict[str, list[str]] = {}
        for log_id, part in where.items():
            leaving.setdefault(part, []).append(log_id)
        for part in sorted(set(positions) | set(leaving)):
            incoming = table.take(pa.array(positions[part])) if part in positions else None
            self._write_partition(catalog, part, gen, incoming, leaving.get(part, []), raws, suspects)
        self._cache.set(CATALOG_KEY, catalog)
        self._update_index(dict(zip(table["log_id"].to_pylist(), keys, strict=True)), removed=())

    def _write_partition(
        self,
        catalog: dict[str, dict[str, Any]],
        part: str,
        gen: int,
        incoming: pa.Table | None,
        leaving: list[str],
        raws: Mapping[str, str | None],
        suspects: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        info = catalog.get(part)
        frame_table = raw_table = None
        if info is not None:
            frame_table = self._blob_table(info["frame"], info.get("frame_crc"))
            raw_table = self._raw_table(info["raw"], info.get("raw_crc")) if info.get("raw") else None
            if frame_table is None or (info.get("raw") and raw_table is None):
                raise StoreError(
                    f"the store in {self.directory} is missing data for {part}; run a full sync."
                )
        replaced = list(leaving)
        if incoming is not None:
            replaced.extend(incoming["log_id"].to_pylist())
        replaced_set = pa.array(replaced, pa.large_string())
        parts = []
        if incoming is not None:
            parts.append(incoming)
        if frame_table is not None:
            parts.append(
                frame_table.filter(pc.invert(pc.is_in(frame_table["log_id"], value_set=replaced_set)))
            )
        combined = pa.concat_tables(parts).combine_chunks().sort_by(_SORT_NEWEST_FIRST) if parts else None

        raw_parts = []
        if incoming is not None:
            incoming_ids = [i for i in incoming["log_id"].to_pylist() if raws.get(i) is not None]
            if incoming_ids:
                raw_parts.append(
                    pa.table(
                        {
                            "log_id": pa.array(incoming_ids, pa.large_string()),
                            "raw": pa.array([raws[i] for i in incoming_ids], pa.large_string()),
                        },
                        schema=_RAW_SCHEMA,
                    )
                )
        if raw_table is not None:
            raw_parts.append(
                raw_table.filter(pc.invert(pc.is_in(raw_table["log_id"], value_set=replaced_set)))
            )
        raw_combined = pa.concat_tables(raw_parts).combine_chunks() if raw_parts else None

        if info is not None:
            # Decoded tables are cached only when read from committed data, never on write: a transaction
            # that rolls back must leave nothing behind in memory either.
            with self._lock:
                self._tables.pop(info["frame"], None)
                self._raw_tables.pop(info["raw"], None)
            self._cache.delete(info["frame"])
            if info.get("raw"):
                self._cache.delete(info["raw"])
        if combined is None or combined.num_rows == 0:
            catalog.pop(part, None)
            return
        frame_key = f"frame:{part}:{gen}"
        frame_blob = _encode_table(combined, _IPC_WRITE_FRAME)
        self._cache.set(frame_key, frame_blob)
        raw_key = raw_crc = None
        if raw_combined is not None and raw_combined.num_rows:
            raw_key = f"raw:{part}:{gen}"
            raw_blob = _encode_table(raw_combined, _IPC_WRITE_RAW)
            self._cache.set(raw_key, raw_blob)
            raw_crc = zlib.crc32(raw_blob)
        created = combined["created_at"]
        pending = combined.filter(pc.equal(combined["status"], "pending"))["log_id"].to_pylist()
        gone = set(replaced)
        suspect = [i for i in (info or {}).get("suspect", ()) if i not in gone]
        if incoming is not None:
            suspect.extend(i for i in incoming["log_id"].to_pylist() if i in suspects)
        oldest, newest = pc.min(created).value, pc.max(created).value
        catalog[part] = {
            "frame": frame_key,
            "raw": raw_key,
            "frame_crc": zlib.crc32(frame_blob),  # damage in a blob is found on read (see _decoded)
            "raw_crc": raw_crc,
            "rows": combined.num_rows,
            "pending": pending,
            "suspect": suspect,  # ids whose createdAt as received cannot be true (shown at first seen)
            "oldest": oldest,  # epoch nanoseconds (None for the "unknown" partition)
            "newest": newest,
        }

    def _update_index(self, placed: Mapping[str, str], removed: Iterable[str]) -> None:
        """Point `placed` ids at their partitions and forget `removed` ids, one write per touched shard."""
        by_shard: dict[str, dict[str, str | None]] = {}
        for log_id, part in placed.items():
            by_shard.setdefault(_shard_of(log_id), {})[log_id] = part
        for log_id in removed:
            by_shard.setdefault(_shard_of(log_id), {})[log_id] = None
        for shard, changes in by_shard.items():
            key = f"{INDEX_PREFIX}{shard}"
            index = self._index(key)
            index.update(changes)
            index = {log_id: part for log_id, part in index.items() if part is not None}
            if index:
                self._cache.set(key, index)
            else:
                self._cache.delete(key)

    @_store_faults
    def import_records(self, frame: pd.DataFrame) -> UpsertResult:
        """Bulk path: flat records (RECORD_COLUMNS) written straight into partitions, without raw entries.

        For benchmarks and imports of already-flattened data; a million rows take seconds where
        upsert_attempts would take minutes. Text columns are redacted like raw entries. A row replaces
        the stored attempt with the same log id (and that attempt's raw entry, which would disagree).
        """
        if frame.empty:
            return UpsertResult()
        rows = coerce_frame(frame.loc[:, [c for c in RECORD_COLUMNS if c in frame.columns]].copy())
        rows = rows[rows["log_id"].notna()].drop_duplicates("log_id", keep="last").reset_index(drop=True)
        for column, dtype in RECORD_DTYPES.items():
            if dtype == "string":
                rows[column] = redact_text_column(rows[column])
        with self._transaction():
            catalog = self._catalog()
            where = self._partition_of(rows["log_id"].tolist())
            self._write_rows(catalog, _records_table(rows), {}, where)
            self._bump_version()
        return UpsertResult(new=len(rows) - len(where), updated=len(where))

    def put_detail(self, log_id: str, detail: Mapping[str, Any]) -> None:
        """Store an attempt's detail (redacted first), one key per detail, and merge it into the attempt."""
        self.put_details({log_id: detail})

    @_store_faults
    def put_details(self, details: Mapping[str, Mapping[str, Any]]) -> int:
        """put_detail for many attempts in one transaction (one rewrite per touched partition, not one per
        detail); returns how many details were new or changed."""
        prepared: dict[str, dict[str, Any]] = {}
        for log_id, detail in details.items():
            redacted = _plain_json(redact_value(dict(detail)))
            if isinstance(redacted, dict):
                redacted.pop(LOCAL_NOTE_KEY, None)  # only this store writes its notes, never Late
                if not log_id_has_id(redacted):
                    redacted = with_log_id(redacted, str(log_id))  # readers always find the attempt's id
                prepared[str(log_id)] = redacted
        if not prepared:
            return 0
        changed = 0
        now = self._now()
        with self._transaction():
            ids = self.detail_ids()
            attempts: dict[str, dict[str, Any]] = {}
            for log_id, redacted in prepared.items():
                key = f"{DETAIL_PREFIX}{log_id}"
                if self._read(key) != redacted:
                    self._cache.set(key, redacted)
                    ids.add(log_id)
                    changed += 1
                # A detail that names no id (or another one) is still the attempt we asked for.
                attempts[log_id] = with_log_id(redacted, log_id)
            if changed:
                self._cache.set(DETAIL_IDS_KEY, ids)
            result = self._merge_attempts(attempts, now)
            # The frame holds no details: a detail alone leaves every session's cached frame valid.
            if result.changed:
                self._bump_version()
            self._count_suspicious(result.suspicious)
        return changed

    @_store_faults
    def replace_ids(self, renames: Mapping[str, str]) -> int:
        """Give stored attempts the id Late lists them with: each `old` id (one made up for an entry Late
        once listed without `_id`) becomes `new`, merged into `new`'s row when that is stored too, with its
        detail. One attempt is never kept under two ids. One transaction; returns how many ids changed."""
        renames = {str(old): str(new) for old, new in renames.items() if old != new}
        if not renames:
            return 0
        now = self._now()
        with self._transaction():
            catalog = self._catalog()
            where = self._partition_of(renames)
            stored = self._stored_raw(catalog, where)
            if not stored:
                return 0
            kept = self._stored_raw(catalog, self._partition_of(renames[old] for old in stored))
            batch: dict[str, dict[str, Any]] = {}
            for old, raw in stored.items():
                new = renames[old]
                batch[new] = with_log_id(raw, new)
                if new in kept:  # already stored under its real id too: that (later) row wins field by field
                    batch[new] = merge_listing(batch[new], kept[new], now)[0]
            gen = int(self._read(VERSION_KEY, 0)) + 1
            leaving: dict[str, list[str]] = {}
            for old in stored:
                leaving.setdefault(where[old], []).append(old)
            for part, ids in leaving.items():
                self._write_partition(catalog, part, gen, None, ids, {})
            self._cache.set(CATALOG_KEY, catalog)
            self._update_index({}, removed=list(stored))
            detail_ids = self.detail_ids()
            for old in detail_ids.intersection(stored):
                detail = self._read(f"{DETAIL_PREFIX}{old}")
                new = renames[old]
                if isinstance(detail, dict) and new not in detail_ids:
                    self._cache.set(f"{DETAIL_PREFIX}{new}", with_log_id(detail, new))
                    detail_ids.add(new)
                self._cache.delete(f"{DETAIL_PREFIX}{old}")
                detail_ids.discard(old)
            self._cache.set(DETAIL_IDS_KEY, detail_ids)
            self._bump_version()  # the rows left; the merge below writes under the next version
            self._merge_attempts(batch, now)
            self._bump_version()
        return len(batch)

    @_store_faults
    def upsert_connection_logs(self, entries: Iterable[Mapping[str, Any]]) -> UpsertResult:
        """Store connection log entries (redacted first), deduplicated by `_id`."""
        batch: dict[str, dict[str, Any]] = {}
        stamped, _ = stamp_identities(
            [entry for entry in entries if isinstance(entry, Mapping)], keep_twins=False
        )
        for entry in stamped:
            raw = _plain_json(redact_value(entry))
            batch[_connection_id(raw)] = raw
        if not batch:
            return UpsertResult()
        result = UpsertResult()
        with self._transaction():
            stored = dict(self._connections())
            for conn_id, raw in batch.items():
                previous = stored.get(conn_id)
                merged = merge_raw(previous, raw, self._now()) if previous is not None else raw
                if previous is not None and merged == previous:
                    continue
                stored[conn_id] = merged
                if previous is None:
                    result.new += 1
                else:
                    result.updated += 1
            if result.changed:
                self._cache.set(CONNECTIONS_KEY, stored)
                self._bump_version()
        return result

    @_store_faults
    def update_state(self, **values: Any) -> None:
        """Merge values into the collector state (redacted: a last error may quote a URL with a token).

        State is not data: it does not change `version`.
        """
        with self._transaction():
            state = self.state()
            state.update(redact_value(values))
            self._cache.set(STATE_KEY, state)

    @_store_faults
    def ledger(self) -> dict:
        """The triage ledger of error groups (late_logs.ledger owns its shape): a free dict."""
        ledger = self._read(LEDGER_KEY) or {}
        if not isinstance(ledger, dict):
            raise self._damaged("its triage ledger")
        return dict(ledger)

    @_store_faults
    def update_ledger(self, change: Callable[[dict], dict]) -> dict:
        """Apply `change` to the triage ledger in one locked transaction and return the new ledger.

        The dashboard and the collector may both write it, so read and write happen inside one SQLite write
        lock: two reviewers' notes never overwrite each other. Like state, it is not data: `version` stays,
        so no frame is invalidated. Redacted: a note may quote a token.
        """
        with self._lock, self._transaction():
            ledger = redact_value(change(self.ledger()))
            self._cache.set(LEDGER_KEY, ledger)
        return ledger

    def _date_undated(self, now: datetime) -> None:
        """Attempts an older late-logs kept undated (the "unknown" partition, which no time view shows) get
        the note of an impossible createdAt and so the time first seen: now. Runs once; later passes find
        the partition gone (only flat rows without a raw entry, from imports, can stay there)."""
        info = self._catalog().get(UNKNOWN_PARTITION)
        if not info or not info.get("raw"):
            return
        with self._transaction():
            info = self._catalog().get(UNKNOWN_PARTITION)
            table = self._raw_table(info["raw"], info.get("raw_crc")) if info and info.get("raw") else None
            if table is None:
                return
            batch = {
                log_id: json.loads(raw)
                for log_id, raw in zip(table["log_id"].to_pylist(), table["raw"].to_pylist(), strict=True)
            }
            if self._merge_attempts(batch, now).changed:
                self._bump_version()

    @_store_faults
    def prune(self, now: datetime | None = None) -> int:
        """Drop attempts created before now - retention_days, with their raw entries and details; returns
        how many attempts went. Connection logs older than that go too. Undated attempts stay.

        `now` may only move the cutoff back: a `now` later than the store's clock is clamped to the clock,
        so a time taken from data (one attempt dated 400 days ahead) can never prune the store empty."""
        clock = self._now()
        self._date_undated(clock)
        now = min(_as_utc(now), clock) if now is not None else clock
        cutoff = now - timedelta(days=self.retention_days)
        cutoff_day = cutoff.strftime("%Y-%m-%d")
        floor = _ns_scalar(cutoff)
        dropped_ids: list[str] = []
        with self._transaction():
            catalog = self._catalog()
            gen = int(self._read(VERSION_KEY, 0)) + 1
            for part in [p for p in catalog if p != UNKNOWN_PARTITION and p <= cutoff_day]:
                table = self._blob_table(catalog[part]["frame"], catalog[part].get("frame_crc"))
                if table is None:
                    raise StoreError(
                        f"the store in {self.directory} is missing data for {part}; run a full sync."
                    )
                old = table.filter(pc.less(table["created_at"], floor))["log_id"].to_pylist()
                if old:
                    dropped_ids.extend(old)
                    self._write_partition(catalog, part, gen, None, old, {})
            conns = dict(self._connections())
            stale = [
                conn_id
                for conn_id, entry in conns.items()
                if (created := time_of(entry)) is not None
                and created < cutoff
            ]
            for conn_id in stale:
                del conns[conn_id]
            if stale:
                self._cache.set(CONNECTIONS_KEY, conns)
            if dropped_ids:
                self._cache.set(CATALOG_KEY, catalog)
                self._update_index({}, removed=dropped_ids)
                detail_ids = self.detail_ids()
                gone = detail_ids.intersection(dropped_ids)
                for log_id in gone:
                    self._cache.delete(f"{DETAIL_PREFIX}{log_id}")
                if gone:
                    self._cache.set(DETAIL_IDS_KEY, detail_ids - gone)
            if dropped_ids or stale:
                self._bump_version()
        return len(dropped_ids)


def redact_text_column(column: pd.Series) -> pd.Series:
    """redact_text over a text column, once per distinct value.

    The distinct values are screened in one vectorised pass (pyarrow's RE2) for anything redaction could
    act on (`candidate_pattern`); only the values it flags go through redact_text. Each value is judged on
    its own, so nothing in a neighbouring value (an earlier `[REDACTED]`, say) can hide a secret.
    """
    distinct = pa.array(column.dropna().unique(), pa.large_string())
    flagged = pc.match_substring_regex(distinct, candidate_pattern(), ignore_case=True)
    replacements: dict[str, str] = {}
    for value in distinct.filter(flagged).to_pylist():
        redacted = redact_text(value)
        if redacted != value:
            replacements[value] = redacted
    if not replacements:
        return column
    return column.replace(replacements).astype("string")


def lock_file(handle: io.TextIOWrapper) -> None:
    """Take an exclusive, non-blocking OS lock on an open file; OSError when someone else holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file_quietly(handle: io.TextIOWrapper) -> None:
    with contextlib.suppress(OSError):
        unlock_file(handle)


def unlock_file(handle: io.TextIOWrapper) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
