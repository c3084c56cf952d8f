"""Reading a store written by the v1 engine (SCHEMA_VERSION 1: one Arrow IPC blob of flat records and one of
raw entries per UTC day, named in the `meta:partitions` catalog, ids in `index:` shards), for the upgrade
and for `repair`. Nothing here writes; the face rebuilds the columnar table from what this returns and
deletes the old keys only after the new state has committed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import diskcache
import pyarrow as pa
import pyarrow.ipc as ipc

from late_logs.records import DEFAULT_SOURCE, RECORD_COLUMNS

V1_SCHEMA = 1
CATALOG_KEY = "meta:partitions"  # {day: {"frame": key, "raw": key, "frame_crc": int, "raw_crc": int, ...}}
INDEX_PREFIX = "index:"
ARROW_MAGIC = b"ARROW1"  # Arrow IPC files begin and end with it


class LegacyDamaged(Exception):
    """A v1 value that cannot be read; the message names it."""


def decode_table(blob: bytes) -> pa.Table:
    """A v1 partition blob (Arrow IPC file bytes) as a table."""
    return ipc.open_file(pa.BufferReader(blob)).read_all()


@dataclass
class LegacyPartition:
    """One v1 day partition: its raw entries by log id, and flat rows that had no raw entry (imports)."""

    day: str
    raw_entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    flat_only: pa.Table | None = None


def has_legacy_data(cache: diskcache.Cache) -> bool:
    return cache.get(CATALOG_KEY) is not None


def _blob_table(cache: diskcache.Cache, key: str, crc: Any) -> pa.Table:
    blob = cache.get(key)
    if not isinstance(blob, bytes):
        raise LegacyDamaged(f"{key} is missing")
    if isinstance(crc, int) and zlib.crc32(blob) != crc:
        raise LegacyDamaged(f"{key} is not readable")
    try:
        table = decode_table(blob)
        if crc is None:
            table.validate(full=True)
    except Exception:  # noqa: BLE001 - garbage bytes can fail Arrow's reader in many ways
        raise LegacyDamaged(f"{key} is not readable") from None
    return table


def partitions(cache: diskcache.Cache) -> Iterator[LegacyPartition]:
    """Every v1 partition, newest day first; LegacyDamaged for a blob that does not read."""
    catalog = cache.get(CATALOG_KEY) or {}
    if not isinstance(catalog, dict):
        raise LegacyDamaged("its list of day partitions")
    for day in sorted(catalog, reverse=True):
        info = catalog[day]
        if not isinstance(info, dict) or not isinstance(info.get("frame"), str):
            raise LegacyDamaged("its list of day partitions")
        part = LegacyPartition(day=day)
        if info.get("raw"):
            raw_table = _blob_table(cache, info["raw"], info.get("raw_crc"))
            for log_id, text in zip(
                raw_table["log_id"].to_pylist(), raw_table["raw"].to_pylist(), strict=True
            ):
                entry = json.loads(text)
                if isinstance(entry, dict) and log_id:
                    part.raw_entries[log_id] = entry
        frame = _blob_table(cache, info["frame"], info.get("frame_crc"))
        if "source" not in frame.column_names:  # v1 knew one workspace: the default source
            frame = frame.append_column("source", pa.array([DEFAULT_SOURCE] * frame.num_rows, pa.string()))
        if set(RECORD_COLUMNS) <= set(frame.column_names):
            mask = pa.array([i not in part.raw_entries for i in frame["log_id"].to_pylist()], pa.bool_())
            flat = frame.select(RECORD_COLUMNS).filter(mask)
            part.flat_only = flat if flat.num_rows else None
        yield part


def legacy_keys(cache: diskcache.Cache) -> list[str]:
    """The v1 keys the upgrade removes once the new state has committed: blobs, index shards, catalog."""
    catalog = cache.get(CATALOG_KEY) or {}
    keys = [CATALOG_KEY]
    if isinstance(catalog, dict):
        for info in catalog.values():
            if isinstance(info, dict):
                keys.extend(k for k in (info.get("frame"), info.get("raw")) if isinstance(k, str))
    keys.extend(k for k in cache.iterkeys() if isinstance(k, str) and k.startswith(INDEX_PREFIX))
    return keys
