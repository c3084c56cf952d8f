"""Keeping the store sound and within bounds: checks, stats and audits, derived columns recomputed when
their code changes, and pruning past retention (a mixin of LogStore: it uses the store's table and
transaction)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from late_logs.records import RECORD_COLUMNS, time_of
from late_logs.store.derived import current_version
from late_logs.store.faults import damaged, store_faults
from late_logs.store.files import SOURCE_COLUMN, UNKNOWN_DAY
from late_logs.store.keys import (
    CONNECTIONS_KEY,
    DETAIL_IDS_KEY,
    DETAIL_PREFIX,
    SCHEMA_KEY,
    SCHEMA_VERSION,
)
from late_logs.store.results import StoreStats
from late_logs.store.table import DEFAULT_SOURCE, datetime_of_micros


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class Upkeep:
    """Checks, stats, audits, derived recomputation and pruning of a LogStore."""

    @store_faults
    def check(self) -> None:
        """Raise StoreDamaged unless every file the manifest names is there and framed as Parquet (its magic
        at both ends) and every row of the id index reads: what `status` runs, without decoding the data."""
        for info in self._table.manifest():
            path = self._table.path(info)
            try:
                with open(path, "rb") as handle:
                    head = handle.read(4)
                    handle.seek(-4, 2)
                    tail = handle.read(4)
            except OSError:
                raise damaged(self.directory, f"{info.name} is missing") from None
            if head != b"PAR1" or tail != b"PAR1":
                raise damaged(self.directory, f"{info.name} is not readable")
        self._table.check_index(whole=True)

    @store_faults
    def suspect_time_ids(self) -> set[str]:
        """Log ids whose createdAt as received cannot be true; the frame shows them at the time first seen."""
        return self._table.suspect_ids()

    @store_faults
    def stats(self) -> StoreStats:
        files = self._table.manifest()
        oldest = [f.oldest for f in files if f.oldest is not None]
        newest = [f.newest for f in files if f.newest is not None]
        return StoreStats(
            attempts=sum(f.rows for f in files),
            details=len(self.detail_ids()),
            connection_logs=len(self._connections()),
            oldest=datetime_of_micros(min(oldest)) if oldest else None,
            newest=datetime_of_micros(max(newest)) if newest else None,
            size_bytes=sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file()),
            retention_days=self.retention_days,
            schema_version=int(self._read(SCHEMA_KEY, SCHEMA_VERSION)),
        )

    @store_faults
    def audit_text(self) -> Iterator[str]:
        """Everything the store holds, decoded to text (raw entries and Parquet files are compressed, so a
        byte scan of the folder cannot see inside them): for audits like "no secret ever reached the disk"."""
        for key in list(self._cache.iterkeys()):
            value = self._read(key)
            yield str(key)
            if isinstance(value, bytes):
                yield value.decode("utf-8", "replace")
            elif value is not None:
                yield json.dumps(value, ensure_ascii=False, default=str)
        for log_id, _ in self._table.iter_raw_blobs():
            yield log_id
            yield json.dumps(self._raw_many([log_id]).get(log_id), ensure_ascii=False)
        for _, table in self._table.iter_files():
            for column in table.columns:
                yield "\n".join(str(v) for v in column.to_pylist() if v is not None)

    # ----------------------------------------------------------------------------------------- writing

    @store_faults
    def recompute_derived(self, budget_seconds: float | None = None) -> int:
        """Files whose derived columns an older version of the code computed, written again from their raw
        entries (flat rows without one from their own fields), one file per transaction: a reader sees each
        file's old values until its new file commits, and no transaction holds more than one file's work.
        With `budget_seconds`, stops after the file that spends it (the next writer goes on: at 10M
        attempts recomputing every file takes minutes, which must not block a pass). Returns how many."""
        started = time.monotonic()
        done = 0
        for info in [f for f in self._table.manifest() if f.derived != current_version()]:
            with self._transaction():
                if info not in self._table.manifest():  # replaced meanwhile (this writer holds the lock)
                    continue
                rows = self._table.read_file(info)
                raws = self._raw_many(rows["log_id"].to_pylist())
                flat = rows.select(RECORD_COLUMNS)
                ids = flat["log_id"].to_pylist()
                sources = rows[SOURCE_COLUMN].to_pylist()
                again = self._with_derived(
                    flat, [raws.get(i) for i in ids], [s or DEFAULT_SOURCE for s in sources]
                )
                self._table.replace_file(info, again, self.version + 1)
                self._bump_version()
            done += 1
            if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
                break
        return done

    def _date_undated(self, now: datetime) -> None:
        """Attempts an older late-logs kept undated (day=unknown, which no time view shows) get the note of
        an impossible createdAt and so the time first seen: now. Only flat rows without a raw entry (bulk
        imports) stay there."""
        undated = [f for f in self._table.manifest() if f.day == UNKNOWN_DAY]
        if not undated:
            return
        with self._transaction():
            for info in undated:
                raws = self._raw_many(self._table.ids_in(info.source, UNKNOWN_DAY))
                if raws and self._merge_attempts(raws, now, info.source).changed:
                    self._bump_version()

    @store_faults
    def prune(self, now: datetime | None = None) -> int:
        """Drop attempts created before now - retention_days, with their raw entries and details; returns
        how many attempts went. Connection logs older than that go too. Undated attempts stay.

        `now` may only move the cutoff back: a `now` later than the store's clock is clamped to the clock,
        so a time taken from data (one attempt dated 400 days ahead) can never prune the store empty."""
        clock = self._now()
        self._date_undated(clock)
        now = min(as_utc(now), clock) if now is not None else clock
        cutoff = now - timedelta(days=self.retention_days)
        floor = pa.scalar(int(pd.Timestamp(cutoff).value // 1000), type=pa.timestamp("us", tz="UTC"))
        floor_micros = floor.value
        dropped: dict[str, tuple[str, str]] = {}
        with self._transaction():
            for info in self._table.manifest():
                if info.day == UNKNOWN_DAY or info.oldest is None or info.oldest >= floor_micros:
                    continue
                rows = self._table.read_file(info).select(["log_id", "created_at"])
                old = rows.filter(pc.less(rows["created_at"], floor))["log_id"].to_pylist()
                dropped.update((log_id, (info.source, info.day)) for log_id in old)
            conns = dict(self._connections())
            stale = [
                conn_id
                for conn_id, entry in conns.items()
                if (created := time_of(entry)) is not None and created < cutoff
            ]
            for conn_id in stale:
                del conns[conn_id]
            if stale:
                self._cache.set(CONNECTIONS_KEY, conns)
            if dropped:
                self._table.write(None, dropped, {}, self.version + 1)
                detail_ids = self.detail_ids()
                gone = detail_ids.intersection(dropped)
                for log_id in gone:
                    self._cache.delete(f"{DETAIL_PREFIX}{log_id}")
                if gone:
                    self._cache.set(DETAIL_IDS_KEY, detail_ids - gone)
            if dropped or stale:
                self._bump_version()
        return len(dropped)
