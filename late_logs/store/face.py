"""LogStore, the store's public face: attempts, details, connection logs, collector state and the triage
ledger in one folder, one writer, many readers. Pages and the collector use only this; the engine behind it
(table.py: Parquet files and their manifest; entries.py: raw entries by id) is its private business.

Every write is one SQLite transaction of diskcache's database (manifest, id index, raw entries, details,
version), so a reader in another process always sees one committed state; retention is measured from the
wall clock, never from data. Faults end in a StoreError sentence (faults.py).
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import diskcache
import pandas as pd
import pyarrow as pa

from late_logs.records import (
    RECORD_COLUMNS,
    RECORD_DTYPES,
    coerce_frame,
    flatten,
    log_id_has_id,
    merge_listing,
    source_of,
    with_log_id,
)
from late_logs.store import legacy
from late_logs.store.cache import open_cache
from late_logs.store.derived import derive
from late_logs.store.entries import (
    LOCAL_NOTE_KEY,
    add_counts,
    detail_of_source,
    note_time,
    pack_raw,
    redact_text_column,
    redacted_batch,
    redacted_json,
    shown_time,
    time_suspect,
    unpack_raw,
)
from late_logs.store.faults import (
    FAULTS,
    REPAIR_HINT,
    StoreDamaged,
    StoreError,
    damaged,
    fault,
    store_faults,
)
from late_logs.store.files import SOURCE_COLUMN, TABLE_COLUMNS, conform, to_frame
from late_logs.store.kept import KeptValues
from late_logs.store.keys import (
    DEFAULT_RETENTION_DAYS,
    DETAIL_IDS_KEY,
    DETAIL_PREFIX,
    SCHEMA_KEY,
    SCHEMA_VERSION,
    STATE_KEY,
    VERSION_KEY,
)
from late_logs.store.lock import writer_lock
from late_logs.store.results import StoreStats, UpsertResult
from late_logs.store.table import DEFAULT_SOURCE, AttemptsTable
from late_logs.store.upkeep import Upkeep, as_utc

_SQL_CHUNK = 900
# How long a writer taking the lock spends recomputing stale derived columns before its own work; the rest
# waits for the next writer (the collector's next pass), a file at a time.
RECOMPUTE_SECONDS = 10.0

_RECORD_ARROW = pa.schema(
    [
        (name, {"string": pa.string(), "Int64": pa.int64()}.get(dtype, pa.timestamp("ns", tz="UTC")))
        for name, dtype in RECORD_DTYPES.items()
    ]
)
_TIME_COLUMNS = [n for n, d in RECORD_DTYPES.items() if d.startswith("datetime")]
_INT_COLUMNS = [n for n, d in RECORD_DTYPES.items() if d == "Int64"]
_NS_MIN = datetime(1678, 1, 1, tzinfo=timezone.utc)
_NS_MAX = datetime(2261, 12, 31, tzinfo=timezone.utc)


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def _source_of_new(raw: Mapping[str, Any], fallback: str) -> str:
    label = source_of(raw)
    return label if label != DEFAULT_SOURCE else fallback


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
    return pa.Table.from_pylist(records, schema=_RECORD_ARROW)


class LogStore(KeptValues, Upkeep):
    """Attempts, details, connection logs and collector state in one folder; one writer, many readers.

    Usage::

        store = LogStore(settings.cache_dir, retention_days=settings.retention_days)
        with store.writer_lock():
            store.upsert_attempts(page.items)      # redacted before anything is written
        frame = store.frame()                      # RECORD_COLUMNS, newest first
        store.parquet_files(since)                 # the committed files, for DuckDB SQL (late_logs.queries)
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
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(
                f"the cache folder {self.directory} is a file, not a folder; choose another folder."
            )
        self._cache, self.read_only = open_cache(self.directory)
        self._disk_full = bool(getattr(self._cache, "disk_full", False))
        self._table = AttemptsTable(self._cache, self.directory)
        self._lock = threading.RLock()
        self._writing = threading.local()  # nesting of _transaction per thread (transact is re-entrant)
        self._last_frame: tuple[tuple[Any, ...], pd.DataFrame] | None = None
        try:
            self._check_schema()
            self._check_meta()
        except BaseException:
            self._cache.close()
            raise

    # ----------------------------------------------------------------------------------------- lifecycle

    def _opening_fault(self, exc: BaseException) -> StoreError:
        problem = fault(exc, self.directory, "opened")
        if isinstance(problem, StoreDamaged):
            return StoreDamaged(
                f"the folder {self.directory} does not hold a readable late-logs store ({exc}); if it is "
                f"a late-logs store, {REPAIR_HINT}, else choose another cache folder."
            )
        return problem

    def _check_schema(self) -> None:
        try:
            schema = self._cache.get(SCHEMA_KEY)
            if schema is None:
                with self._transaction():
                    schema = self._cache.get(SCHEMA_KEY)
                    if schema is None:
                        if len(self._cache) > 0:
                            raise StoreError(
                                f"the folder {self.directory} holds a cache that is not a late-logs store; "
                                "choose an empty folder for late-logs."
                            )
                        self._table.create()
                        self._cache.set(SCHEMA_KEY, SCHEMA_VERSION)
                        self._cache.set(VERSION_KEY, 0)
                        schema = SCHEMA_VERSION
        except (sqlite3.Error, OSError) as exc:
            raise self._opening_fault(exc) from None
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - a schema value that does not even unpickle
            raise damaged(self.directory, str(exc)) from None
        if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA_VERSION or schema < 1:
            raise StoreError(
                f"the store in {self.directory} has schema {schema!r} but this late-logs reads schema "
                f"{SCHEMA_VERSION}; upgrade late-logs or point it at another cache folder."
            )
        if schema == legacy.V1_SCHEMA:
            self._upgrade_v1()
        elif not self.read_only:
            self._drop_legacy_keys()  # an upgrade killed between its commit and this

    def _upgrade_v1(self) -> None:
        """Rebuild the attempts table from the v1 store's kept raw entries (and flat rows that had none),
        in one transaction; the old blobs go in a second one, after the new state has committed."""
        if self.read_only:
            raise StoreError(
                f"the store in {self.directory} was written by an older late-logs (schema 1) and this folder "
                "is read-only; open it once where late-logs can write, which upgrades it."
            )
        try:
            with self._transaction():
                if self._cache.get(SCHEMA_KEY) != legacy.V1_SCHEMA:
                    return  # another process upgraded it meanwhile
                self._table.create()
                now = self._now()
                for part in legacy.partitions(self._cache):
                    self._merge_attempts(dict(part.raw_entries), now)
                    if part.flat_only is not None:
                        self._import_flat(part.flat_only, DEFAULT_SOURCE)
                self._cache.set(SCHEMA_KEY, SCHEMA_VERSION)
                self._bump_version()
        except legacy.LegacyDamaged as exc:
            raise damaged(self.directory, str(exc)) from None
        self._drop_legacy_keys()

    def _drop_legacy_keys(self) -> None:
        if legacy.has_legacy_data(self._cache):
            with self._transaction():
                for key in legacy.legacy_keys(self._cache):
                    self._cache.delete(key)

    def _check_meta(self) -> None:
        """Read every small bookkeeping value once, so a damaged store is told at open, not mid-page."""
        try:
            version = self._read(VERSION_KEY, 0)
            if not isinstance(version, int) or isinstance(version, bool):
                raise damaged(self.directory, "its version")
            if not self._table.exists():
                raise damaged(self.directory, "its list of attempt files is missing")
            self._table.manifest()
            self._table.check_index()
            self.state()
            self.detail_ids()
            self._connections()
        except FAULTS as exc:
            raise fault(exc, self.directory) from None

    def _read(self, key: str, default: Any = None) -> Any:
        """One stored value; a value that no longer decodes (a flipped byte in a pickle) is StoreDamaged."""
        try:
            return self._cache.get(key, default)
        except (sqlite3.Error, OSError, diskcache.Timeout):
            raise
        except Exception as exc:  # noqa: BLE001 - unpickling damaged bytes can raise nearly anything
            raise damaged(self.directory, f"{key} cannot be read: {type(exc).__name__}") from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite transaction (BEGIN IMMEDIATE: the only writer while it lasts); a fault inside it (disk
        full, read-only, damage) undoes all of it, files included, and ends as one StoreError sentence."""
        if self._disk_full:
            raise fault(OSError(errno.ENOSPC, "full"), self.directory, "write")
        depth = getattr(self._writing, "depth", 0)
        outermost = depth == 0
        if outermost:
            self._table.begin_write()
        self._writing.depth = depth + 1
        committed = False
        try:
            with self._cache.transact():
                yield
            committed = True
        except (sqlite3.Error, OSError, diskcache.Timeout) as exc:
            raise fault(exc, self.directory, "write") from None
        finally:
            self._writing.depth = depth
            if outermost:
                self._table.end_write(committed)

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

        On taking it, the writer tidies what a killed writer may have left (files no commit names) and
        computes again derived columns stamped by an older version of the code, for up to RECOMPUTE_SECONDS
        (recompute_derived: a file per transaction; what is left waits for the next writer)."""
        if self._disk_full:
            raise fault(OSError(errno.ENOSPC, "full"), self.directory, "write")
        with writer_lock(self.directory, self.read_only):
            self._prepare_writer()
            yield

    @store_faults
    def _prepare_writer(self) -> None:
        with self._transaction():
            self._table.remove_orphans()
        self._table.add_missing_companions(RECOMPUTE_SECONDS)
        self._drop_legacy_keys()
        self.recompute_derived(RECOMPUTE_SECONDS)

    # ----------------------------------------------------------------------------------------- version

    @property
    @store_faults
    def version(self) -> int:
        """A counter that grows whenever stored data changes; one small read, fine on every rerun."""
        return int(self._read(VERSION_KEY, 0))

    def _bump_version(self) -> int:
        version = int(self._read(VERSION_KEY, 0)) + 1
        self._cache.set(VERSION_KEY, version)
        return version

    # ----------------------------------------------------------------------------------------- reading

    @store_faults
    def frame(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Stored attempts created in [since, until] (every one when both are None), newest first.

        `columns`: RECORD_COLUMNS by default; any of the table's columns (the derived `error_group`,
        `who_must_act`, `retry`, `hint`, `derived_version`, and `source` too). Only the files of the days
        the range overlaps are read."""
        since = as_utc(since) if since is not None else None
        until = as_utc(until) if until is not None else None
        wanted = tuple(columns) if columns is not None else tuple(RECORD_COLUMNS)
        with self._lock:
            names = tuple(sorted(f.name for f in self._table.select(self._table.manifest(), since, until)))
            signature = (since, until, wanted, names)
            if self._last_frame is not None and self._last_frame[0] == signature:
                # Copy-on-write (pandas 3): callers may change their frame without touching ours.
                return self._last_frame[1].copy(deep=False)
            frame = to_frame(self._table.read(since, until, wanted))
            if columns is None:
                frame = coerce_frame(frame)  # a no-op when the dtypes already match
            self._last_frame = (signature, frame)
            return frame.copy(deep=False)

    @store_faults
    def parquet_files(self, since: datetime | None = None, until: datetime | None = None) -> list[str]:
        """The committed snapshot's Parquet files that can hold attempts of [since, until] (absolute paths,
        columns `late_logs.store.TABLE_COLUMNS`); for DuckDB's `read_parquet([...])`. A file may vanish
        after a later commit: ask again and retry once."""
        return self._table.parquet_files(
            as_utc(since) if since is not None else None, as_utc(until) if until is not None else None
        )

    @store_faults
    def rollup_files(self, files: Sequence[str]) -> list[str] | None:
        """The hourly counts (store/rollups.py) of each of these files from `parquet_files`, or None when
        one has none yet: then count from the files themselves."""
        return self._table.rollup_files(files)

    @store_faults
    def attempt_count(self) -> int:
        """How many attempts are stored (from the manifest: no file is read)."""
        return self._table.attempt_count()

    def _raw_many(self, log_ids: Iterable[str]) -> dict[str, dict]:
        """Stored raw entries by id (ids without one are left out)."""
        found: dict[str, dict] = {}
        for log_id, blob in self._table.raw_blobs(log_ids).items():
            try:
                found[log_id] = unpack_raw(blob)
            except ValueError as exc:
                raise damaged(self.directory, f"the raw entry of {log_id} is not readable: {exc}") from None
        return found

    @store_faults
    def raw_attempts(self, log_ids: Iterable[str]) -> dict[str, dict]:
        """The stored (redacted) raw entries of many attempts at once; ids without one are left out."""
        return self._raw_many(str(i) for i in log_ids)

    def raw_attempt(self, log_id: str) -> dict | None:
        """The stored (redacted) raw entry of one attempt, its detail's fields merged in; None if unknown."""
        return self.raw_attempts([log_id]).get(str(log_id))

    @store_faults
    def iter_raw_attempts(self, since: datetime | None = None) -> Iterator[dict]:
        """Stored raw entries newest first (those created at/after `since`); attempts without one are skipped.

        Attempts with an unreadable createdAt come last and only when `since` is not given.
        """
        since = as_utc(since) if since is not None else None
        ids = self._table.read(since, None, ["log_id"])["log_id"].to_pylist()
        for start in range(0, len(ids), _SQL_CHUNK):
            chunk = ids[start : start + _SQL_CHUNK]
            raws = self._raw_many(chunk)
            for log_id in chunk:
                if log_id in raws:
                    yield raws[log_id]

    @store_faults
    def pending_ids(self) -> list[str]:
        """Log ids of attempts whose stored status is "pending", newest day first."""
        return self._table.pending_ids()

    @store_faults
    def upsert_attempts(
        self, entries: Iterable[Mapping[str, Any]], *, source: str = DEFAULT_SOURCE
    ) -> UpsertResult:
        """Store raw API entries (redacted first), one attempt per log id; newer data merges over older.

        All in one transaction; the version changes only when some attempt was added or changed, and an
        unchanged listing writes nothing. `source`: the Late workspace's label (a partition of the table).
        """
        return self._upsert(entries, restoring=False, source=source)

    def restore_attempts(self, entries: Iterable[Mapping[str, Any]]) -> UpsertResult:
        """upsert_attempts for raw entries this store kept before (`python -m late_logs repair`): our own
        notes in them (the time first seen of an attempt with an impossible createdAt) are kept."""
        return self._upsert(entries, restoring=True, source=DEFAULT_SOURCE)

    def _upsert(self, entries: Iterable[Mapping[str, Any]], restoring: bool, source: str) -> UpsertResult:
        now = self._now()
        result = UpsertResult()
        batch = redacted_batch(entries, now, result.suspicious, restoring)
        if not batch:
            return result
        with self._transaction():
            merged = self._merge_attempts(batch, now, source)
            result.new, result.updated = merged.new, merged.updated
            add_counts(result.suspicious, merged.suspicious)
            if result.changed:
                self._bump_version()
            self._count_suspicious(result.suspicious)
        return result

    def _now(self) -> datetime:
        return as_utc(self._clock())

    def _count_suspicious(self, counts: Mapping[str, int]) -> None:
        """Add a write's suspicious counts to the running totals in the state (for `status`); in the
        write's own transaction, so the totals and the data never disagree."""
        if not any(counts.values()):
            return
        state = self.state()
        totals = state.get("suspicious_total")
        totals = dict(totals) if isinstance(totals, Mapping) else {}
        add_counts(totals, counts)
        state["suspicious_total"] = totals
        self._cache.set(STATE_KEY, state)

    def _merge_attempts(
        self, batch: dict[str, dict[str, Any]], now: datetime, source: str = DEFAULT_SOURCE
    ) -> UpsertResult:
        """Merge redacted raw entries over the stored ones and write what changed; inside a transaction.
        A stored attempt keeps its source; a new one gets `source`."""
        where = self._table.locate(batch)
        stored = self._raw_many(where)
        changed: dict[str, dict[str, Any]] = {}
        result = UpsertResult()
        for log_id, raw in batch.items():
            previous = stored.get(log_id)
            if previous is None:
                merged = raw
            else:
                merged, ignored = merge_listing(previous, raw, now)
                add_counts(result.suspicious, ignored)
            if note_time(merged, now):
                add_counts(result.suspicious, {"bad_time": 1})
            if previous is not None and merged == previous:
                continue
            changed[log_id] = merged
            if log_id in where:
                result.updated += 1
            else:
                result.new += 1
        if changed:
            # A stored attempt keeps its source; a new one is of the source its note names (the collector
            # notes every entry of another workspace than the default one), else of `source`.
            sources = {i: where[i][0] if i in where else _source_of_new(changed[i], source) for i in changed}
            self._write_attempts(changed, {i: where[i] for i in changed if i in where}, sources, now)
        return result

    def _write_attempts(
        self,
        raws: Mapping[str, dict[str, Any]],
        leaving: Mapping[str, tuple[str, str]],
        sources: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Rows for `raws` (flat record + derived columns) into the table, their raw entries beside them."""
        ids = list(raws)
        records = []
        for log_id in ids:
            raw = raws[log_id]
            record = flatten(raw)
            record["log_id"] = log_id
            moment = shown_time(raw, now)
            if moment is not None:
                record["created_at"] = moment
            records.append(record)
        flat = _flat_table(records)
        table = self._with_derived(flat, [raws[i] for i in ids], [sources[i] for i in ids])
        statuses = table["status"].to_pylist()  # the flat status: what pending_ids has always followed
        marks = {i: (s == "pending", time_suspect(raws[i])) for i, s in zip(ids, statuses, strict=True)}
        packed = {log_id: pack_raw(raws[log_id]) for log_id in ids}
        self._table.write(table, leaving, marks, self.version + 1, packed)

    @staticmethod
    def _with_derived(
        flat: pa.Table, raws: Sequence[Mapping[str, Any] | None], sources: Sequence[str]
    ) -> pa.Table:
        columns = {name: flat[name] for name in flat.column_names}
        columns.update(derive(flat, raws))
        columns[SOURCE_COLUMN] = pa.array(list(sources), pa.string())
        return conform(pa.table(columns))

    def _import_flat(self, flat: pa.Table, source: str) -> tuple[int, int]:
        """Flat rows (RECORD_COLUMNS, unique ids) written as they are, replacing stored rows and dropping
        their raw entries (which would disagree); inside a transaction. Returns (new, updated)."""
        ids = flat["log_id"].to_pylist()
        where = self._table.locate(ids)
        table = self._with_derived(flat, [None] * len(ids), [where.get(i, (source,))[0] for i in ids])
        statuses = table["status"].to_pylist()
        marks = {i: (s == "pending", False) for i, s in zip(ids, statuses, strict=True)}
        self._table.write(table, where, marks, self.version + 1)  # no raw entry: a stored one goes
        return len(ids) - len(where), len(where)

    @store_faults
    def import_records(self, frame: pd.DataFrame, *, source: str = DEFAULT_SOURCE) -> UpsertResult:
        """Bulk path: flat records (RECORD_COLUMNS) written straight into the table, without raw entries.

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
        flat = pa.Table.from_pandas(rows[RECORD_COLUMNS], schema=_RECORD_ARROW, preserve_index=False)
        with self._transaction():
            new, updated = self._import_flat(flat, source)
            self._bump_version()
        return UpsertResult(new=new, updated=updated)

    def put_detail(self, log_id: str, detail: Mapping[str, Any]) -> None:
        """Store an attempt's detail (redacted first), one key per detail, and merge it into the attempt."""
        self.put_details({log_id: detail})

    @store_faults
    def put_details(self, details: Mapping[str, Mapping[str, Any]]) -> int:
        """put_detail for many attempts in one transaction (one rewrite per touched file, not one per
        detail); returns how many details were new or changed."""
        prepared: dict[str, dict[str, Any]] = {}
        for log_id, detail in details.items():
            redacted = redacted_json(dict(detail))
            if isinstance(redacted, dict):
                redacted.pop(LOCAL_NOTE_KEY, None)  # only this store writes its notes, never Late
                if not log_id_has_id(redacted):
                    redacted = with_log_id(redacted, str(log_id))  # readers always find the attempt's id
                else:
                    redacted = detail_of_source(redacted, str(log_id))  # the id we asked for says whose
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

    @store_faults
    def replace_ids(self, renames: Mapping[str, str]) -> int:
        """Give stored attempts the id Late lists them with: each `old` id (one made up for an entry Late
        once listed without `_id`) becomes `new`, merged into `new`'s row when that is stored too, with its
        detail. One attempt is never kept under two ids. One transaction; returns how many ids changed."""
        renames = {str(old): str(new) for old, new in renames.items() if old != new}
        if not renames:
            return 0
        now = self._now()
        with self._transaction():
            where = self._table.locate(renames)
            stored = self._raw_many(where)
            if not stored:
                return 0
            kept = self._raw_many(renames[old] for old in stored)
            batch: dict[str, dict[str, Any]] = {}
            for old, raw in stored.items():
                new = renames[old]
                batch[new] = with_log_id(raw, new)
                if new in kept:  # already stored under its real id too: that (later) row wins field by field
                    batch[new] = merge_listing(batch[new], kept[new], now)[0]
            self._table.write(None, {old: where[old] for old in stored}, {}, self.version + 1)
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
            self._merge_attempts(batch, now, where[next(iter(stored))][0])
            self._bump_version()
        return len(batch)

__all__ = ["TABLE_COLUMNS", "LogStore", "StoreStats", "UpsertResult"]
