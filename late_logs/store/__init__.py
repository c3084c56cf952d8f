"""The local memory of publishing attempts, behind one face (`LogStore`).

- face.py: LogStore, what pages, the collector and the CLI use (with kept.py: details, connection logs,
  collector state and ledger; upkeep.py: checks, stats, derived recomputation, pruning; keys.py: its keys;
  results.py: what writes and stats report);
- table.py: the attempts table, Parquet files partitioned by source and day, and their manifest;
- entries.py: raw entries (redacted, merged, packed one per attempt) and column redaction;
- derived.py: the error group and verdict columns computed at write time;
- rollups.py: each file's hourly counts, written beside it, that the Overview's counts are summed from,
  and the characters of its id columns, that spare the search reading them;
- failures.py: each file's failed and pending rows, copied beside it, that questions about failures read;
- legacy.py: reading the v1 store (one Arrow blob per day) for the upgrade and repair;
- lock.py: the single-writer lock; cache.py: opening the diskcache folder; faults.py: the StoreError family.
"""

from late_logs.store.entries import (
    LOCAL_NOTE_KEY,
    merge_raw,
    pack_raw,
    redact_text_column,
    unpack_raw,
)
from late_logs.store.face import LogStore
from late_logs.store.failures import COPIED_STATUSES, copies_hold, failure_files
from late_logs.store.faults import (
    REPAIR_HINT,
    StoreDamaged,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreReadOnly,
)
from late_logs.store.files import TABLE_COLUMNS, UNKNOWN_DAY
from late_logs.store.keys import (
    CONNECTIONS_KEY,
    DEFAULT_RETENTION_DAYS,
    DETAIL_IDS_KEY,
    DETAIL_PREFIX,
    LEDGER_KEY,
    SCHEMA_KEY,
    SCHEMA_VERSION,
    STATE_KEY,
    VERSION_KEY,
)
from late_logs.store.legacy import decode_table
from late_logs.store.lock import LOCK_FILE_NAME, lock_file, unlock_file
from late_logs.store.results import StoreStats, UpsertResult
from late_logs.store.rollups import ROLLUP_DIMENSIONS, alphabets_of, rollup_files
from late_logs.store.table import ATTEMPTS_DIR, DEFAULT_SOURCE

__all__ = [
    "ATTEMPTS_DIR",
    "COPIED_STATUSES",
    "CONNECTIONS_KEY",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_SOURCE",
    "DETAIL_IDS_KEY",
    "DETAIL_PREFIX",
    "LEDGER_KEY",
    "LOCAL_NOTE_KEY",
    "LOCK_FILE_NAME",
    "REPAIR_HINT",
    "ROLLUP_DIMENSIONS",
    "SCHEMA_KEY",
    "SCHEMA_VERSION",
    "STATE_KEY",
    "TABLE_COLUMNS",
    "UNKNOWN_DAY",
    "VERSION_KEY",
    "LogStore",
    "StoreDamaged",
    "StoreError",
    "StoreFull",
    "StoreLocked",
    "StoreReadOnly",
    "StoreStats",
    "UpsertResult",
    "alphabets_of",
    "copies_hold",
    "decode_table",
    "failure_files",
    "lock_file",
    "merge_raw",
    "pack_raw",
    "redact_text_column",
    "rollup_files",
    "unlock_file",
    "unpack_raw",
]
