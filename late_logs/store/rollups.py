"""Hourly and daily counts of each attempts file, written beside it: what the Overview's counts are summed
from without reading every attempt.

Every Parquet file of the attempts table gets one rollup file of the same name under `rollups/` instead of
`attempts/`: its rows counted per UTC hour (`hours` = 1) and per UTC day (`hours` = 24) and per value of each
dimension a filter may pick (ROLLUP_DIMENSIONS), with the oldest and newest `created_at` of each such cell.
Both grains, because a day holds about 7x fewer cells than its 24 hours (measured on the scale benchmark's
million attempts: 26,575 daily cells, 178,510 hourly ones), and a 90-day window is whole days but for its
two edges. A file's rows never change
(a write makes a new file), so neither do its rollup's cells: it is written (hidden name, then renamed)
before the file's manifest row is committed and unlinked with the file, and a rollup is never more than a
summary of exactly one committed file (one written before rollups listed id characters, below, is made
again in place, the same cells with them). A file without a rollup (written before rollups existed, or its
writer killed between the two renames) is summed from its rows instead: the answer is the same, only slower.

A rollup's footer also says which characters each id column of its file is made of (ID_COLUMNS,
`id_alphabets`): a searched word with a character none of a column's values has cannot be in that column,
so the search does not read it. Ids are most of the bytes a text search reads (log and post ids: 0.85 s of
2.2 s for a 90-day search at 10M attempts) and a word rarely fits in hexadecimal.

    <cache_dir>/rollups/workspace=<label>/day=YYYY-MM-DD/part-<version>-<uuid>.parquet
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from late_logs.store.files import companion_path, write_companion

ROLLUPS_DIR = "rollups"
# The columns a rollup cell is keyed by besides its hour: every filter of the Overview's sidebar but the
# account, the post and the search (those read the attempts themselves).
ROLLUP_DIMENSIONS = (
    "source", "platform", "action", "status", "error_group", "error_code", "who_must_act", "retry",
)  # fmt: skip
_TIME = pa.timestamp("us", tz="UTC")
ROLLUP_SCHEMA = pa.schema(
    [("hour", _TIME), ("hours", pa.int32()), *((name, pa.string()) for name in ROLLUP_DIMENSIONS),
     ("attempts", pa.int64()), ("oldest", _TIME), ("newest", _TIME)]
)  # fmt: skip
_WRITE_OPTIONS = {"compression": "zstd", "compression_level": 3, "write_page_checksum": True}
# The id columns whose characters a rollup's footer lists (under ALPHABETS_KEY, as JSON: column -> its
# characters, lowercased, or null when a value holds a character outside ASCII).
ID_COLUMNS = ("log_id", "post_id", "account_id", "platform_post_id")
ALPHABETS_KEY = b"late_logs.id_alphabets"
_ASCII = 128


def rollup_path(data_path: str | os.PathLike[str], attempts_dir: str = "attempts") -> Path:
    """The rollup file of an attempts file: the same path with `rollups/` for its `attempts/` folder."""
    return companion_path(data_path, ROLLUPS_DIR, attempts_dir)


def rollup_files(files: Sequence[str], attempts_dir: str = "attempts") -> list[str] | None:
    """The rollup of each attempts file (paths as `LogStore.parquet_files` gives them), or None when one has
    none yet (then the counts come from the files themselves)."""
    found = [str(rollup_path(name, attempts_dir)) for name in files]
    return found if all(os.path.exists(path) for path in found) else None


def summarise(table: pa.Table) -> pa.Table:
    """The rollup of an attempts file's rows (ROLLUP_SCHEMA): one row per hour (and one per day) and
    dimension values, missing values kept as their own cell (NULL), undated rows under a NULL hour."""
    created = table["created_at"].cast(_TIME)
    columns = {"hour": pc.floor_temporal(created, unit="hour"), "created_at": created}
    for name in ROLLUP_DIMENSIONS:
        columns[name] = table[name] if name in table.column_names else pa.nulls(table.num_rows, pa.string())
    keys = ["hour", *ROLLUP_DIMENSIONS]
    hourly = pa.table(columns).group_by(keys, use_threads=False).aggregate(
        [([], "count_all"), ("created_at", "min"), ("created_at", "max")]
    )
    hourly = hourly.rename_columns(
        {"count_all": "attempts", "created_at_min": "oldest", "created_at_max": "newest"}
    )
    days = {key: hourly[key] for key in keys}
    days.update(hour=pc.floor_temporal(hourly["hour"], unit="day"), attempts=hourly["attempts"],
                oldest=hourly["oldest"], newest=hourly["newest"])  # fmt: skip
    daily = pa.table(days).group_by(keys, use_threads=False).aggregate(
        [("attempts", "sum"), ("oldest", "min"), ("newest", "max")]
    )
    daily = daily.rename_columns({"attempts_sum": "attempts", "oldest_min": "oldest", "newest_max": "newest"})
    parts = []
    for grain, cells in ((1, hourly), (24, daily)):
        arrays = [cells["hour"].cast(_TIME), pa.array([grain] * cells.num_rows, pa.int32())]
        arrays += [cells[key].cast(pa.string()) for key in ROLLUP_DIMENSIONS]
        arrays += [cells[key].cast(ROLLUP_SCHEMA.field(key).type) for key in ("attempts", "oldest", "newest")]
        parts.append(pa.Table.from_arrays(arrays, schema=ROLLUP_SCHEMA))
    alphabets = json.dumps(id_alphabets(table), sort_keys=True)
    return pa.concat_tables(parts).replace_schema_metadata({ALPHABETS_KEY: alphabets.encode()})


def id_alphabets(table: pa.Table) -> dict[str, str | None]:
    """For each of ID_COLUMNS, the characters its values are made of, lowercased and sorted; None when one
    holds a character outside ASCII (whose lowercase no byte test can tell). Read from the column's bytes,
    null slots' too (a superset is safe: it only means a column is searched)."""
    found: dict[str, str | None] = {}
    for name in ID_COLUMNS:
        seen = np.zeros(256, dtype=bool)
        column = table[name] if name in table.column_names else pa.chunked_array([], pa.string())
        for chunk in column.chunks:
            if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
                chunk = chunk.cast(pa.string())
            if len(chunk) == chunk.null_count:
                continue
            width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            first, last = chunk.offset, chunk.offset + len(chunk)
            offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[[first, last]]
            data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[1]]
            seen |= np.bincount(data, minlength=256) > 0
        if seen[_ASCII:].any():
            found[name] = None
        else:
            found[name] = "".join(sorted({chr(code).lower() for code in np.flatnonzero(seen)}))
    return found


def has_alphabets(rollup: str | os.PathLike[str]) -> bool:
    """The rollup's footer lists its file's id characters (a rollup written before it did does not)."""
    return _alphabets(os.fspath(rollup)) is not None


def alphabets_of(rollups: Sequence[str]) -> dict[str, frozenset[str] | None] | None:
    """What `id_alphabets` says of all these rollups' files together (a column's characters are those of
    any file; None when any file's are unknown); None when a rollup's footer does not say (written before
    it did, or gone)."""
    union: dict[str, frozenset[str] | None] = {name: frozenset() for name in ID_COLUMNS}
    for path in rollups:
        alphabets = _alphabets(path)
        if alphabets is None:
            return None
        for name in ID_COLUMNS:
            known, theirs = union[name], alphabets.get(name)
            union[name] = None if known is None or theirs is None else known | frozenset(theirs)
    return union


def _alphabets(path: str) -> dict[str, str | None] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _footer_alphabets(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32_768)
def _footer_alphabets(path: str, _mtime_ns: int, _size: int) -> dict[str, str | None] | None:
    # Keyed by the file's time and size too: a rollup made again in place (without alphabets before) is
    # read anew (a stale entry could only say "unknown": every column searched). A 90-day search at 10M
    # reads 135 footers once per process; the size holds far more files than a store keeps.
    try:
        metadata = pq.read_schema(path).metadata or {}
        text = metadata.get(ALPHABETS_KEY)
        return None if text is None else json.loads(text)
    except (OSError, ValueError, pa.ArrowException):
        return None


def write_rollup(table: pa.Table, data_path: Path, attempts_dir: str = "attempts") -> Path:
    """The rollup of `table` (the rows of the file at `data_path`) written into place; returns its path."""
    return write_companion(summarise(table), rollup_path(data_path, attempts_dir), _WRITE_OPTIONS)
