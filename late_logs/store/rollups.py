"""Hourly and daily counts of each attempts file, written beside it: what the Overview's counts are summed
from without reading every attempt.

Every Parquet file of the attempts table gets one rollup file of the same name under `rollups/` instead of
`attempts/`: its rows counted per UTC hour (`hours` = 1) and per UTC day (`hours` = 24) and per value of each
dimension a filter may pick (ROLLUP_DIMENSIONS), with the oldest and newest `created_at` of each such cell.
Both grains, because a day holds about 7x fewer cells than its 24 hours (measured on the scale benchmark's
million attempts: 26,575 daily cells, 178,510 hourly ones), and a 90-day window is whole days but for its
two edges. A file's rows never change
(a write makes a new file), so neither does its rollup: it is written (hidden name, then renamed) before the
file's manifest row is committed and unlinked with the file, and a rollup is never more than a summary of
exactly one committed file. A file without a rollup (written before rollups existed, or its writer killed
between the two renames) is summed from its rows instead: the answer is the same, only slower.

    <cache_dir>/rollups/workspace=<label>/day=YYYY-MM-DD/part-<version>-<uuid>.parquet
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

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
    return pa.concat_tables(parts)


def write_rollup(table: pa.Table, data_path: Path, attempts_dir: str = "attempts") -> Path:
    """The rollup of `table` (the rows of the file at `data_path`) written into place; returns its path."""
    return write_companion(summarise(table), rollup_path(data_path, attempts_dir), _WRITE_OPTIONS)
