"""The store's keys in its diskcache (what each holds) and its format constants, spelled once."""

from __future__ import annotations

from late_logs.store.table import DEFAULT_SOURCE

SCHEMA_VERSION = 2  # 1: one Arrow IPC blob per day (store/legacy.py); 2: Parquet files and a manifest
DEFAULT_RETENTION_DAYS = 90
SCHEMA_KEY = "meta:schema"
VERSION_KEY = "meta:version"
DETAIL_IDS_KEY = "meta:detail_ids"  # set of log ids with a stored detail
STATE_KEY = "meta:state"
LEDGER_KEY = "meta:ledger"  # the triage ledger of error groups (late_logs.ledger): human states, memory
CONNECTIONS_KEY = "connections"  # {connection log id: redacted entry}
DETAIL_PREFIX = "detail:"


def state_key(source: str | None) -> str:
    """The key of a source's collector state: the store's original key for the default source (so a store
    written before sources existed keeps its state), one key per label for the others."""
    if source is None or source == DEFAULT_SOURCE:
        return STATE_KEY
    return f"{STATE_KEY}:{source}"
