"""What the store keeps beside the attempts, key by key: details, connection logs, each source's collector
state and the triage ledger (a mixin of LogStore: it uses the store's transaction, reads and version)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from late_logs.records import stamp_identities, time_of
from late_logs.redact import redact_value
from late_logs.store.entries import connection_id, merge_raw, redacted_json
from late_logs.store.faults import damaged, store_faults
from late_logs.store.keys import CONNECTIONS_KEY, DETAIL_IDS_KEY, DETAIL_PREFIX, LEDGER_KEY, state_key
from late_logs.store.results import UpsertResult


class KeptValues:
    """Details, connection logs, collector state and the ledger of a LogStore."""

    @store_faults
    def get_detail(self, log_id: str) -> dict | None:
        """The stored (redacted) detail of an attempt, or None when none was fetched."""
        detail = self._read(f"{DETAIL_PREFIX}{log_id}")
        if detail is not None and not isinstance(detail, dict):
            raise damaged(self.directory, f"the detail of {log_id}")
        return detail

    @store_faults
    def detail_ids(self) -> set[str]:
        """Log ids that have a stored detail."""
        ids = self._read(DETAIL_IDS_KEY) or ()
        if not isinstance(ids, (set, frozenset, list, tuple)) or not all(isinstance(i, str) for i in ids):
            raise damaged(self.directory, "its list of stored details")
        return set(ids)

    def _connections(self) -> dict[str, dict]:
        stored = self._read(CONNECTIONS_KEY) or {}
        if not isinstance(stored, dict) or not all(isinstance(e, dict) for e in stored.values()):
            raise damaged(self.directory, "its connection logs")
        return stored

    @store_faults
    def connection_logs(self) -> list[dict]:
        """Stored (redacted) connection log entries, newest first."""
        entries = list(self._connections().values())
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        entries.sort(key=lambda e: time_of(e) or epoch, reverse=True)
        return entries

    @store_faults
    def state(self, source: str | None = None) -> dict:
        """The collector's state (watermarks, last pass, last error, ...) of one source (the default one
        when None): a free dict."""
        state = self._read(state_key(source)) or {}
        if not isinstance(state, dict):
            raise damaged(self.directory, "its collector state")
        return dict(state)

    @store_faults
    def upsert_connection_logs(self, entries: Iterable[Mapping[str, Any]]) -> UpsertResult:
        """Store connection log entries (redacted first), deduplicated by `_id`."""
        batch: dict[str, dict[str, Any]] = {}
        stamped, _ = stamp_identities(
            [entry for entry in entries if isinstance(entry, Mapping)], keep_twins=False
        )
        for entry in stamped:
            raw = redacted_json(entry)
            batch[connection_id(raw)] = raw
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

    @store_faults
    def update_state(self, source: str | None = None, **values: Any) -> None:
        """Merge values into the collector state of one source (the default one when None); redacted: a
        last error may quote a URL with a token.

        State is not data: it does not change `version`.
        """
        with self._transaction():
            state = self.state(source)
            state.update(redact_value(values))
            self._cache.set(state_key(source), state)

    @store_faults
    def ledger(self) -> dict:
        """The triage ledger of error groups (late_logs.ledger owns its shape): a free dict."""
        ledger = self._read(LEDGER_KEY) or {}
        if not isinstance(ledger, dict):
            raise damaged(self.directory, "its triage ledger")
        return dict(ledger)

    @store_faults
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
