"""One attempts file's shape: its columns and types (FILE_SCHEMA), how it is written (zstd, page
checksums), its row in the manifest (FileInfo) and size tier, a row's partition day, and arrow to the
pages' pandas frame. The table (table.py) decides which files exist; this module what each one looks like."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from late_logs.records import RECORD_DTYPES
from late_logs.store.derived import DERIVED_COLUMNS, VERSION_COLUMN, pandas_type

UNKNOWN_DAY = "unknown"  # attempts without a readable time (bulk imports only): kept, never pruned
SOURCE_COLUMN = "source"
PAGE_ROWS = 100  # one collector page: the size of the smallest tier
FANOUT = 8  # files of one tier merged into one of the next (see bench/bench_store_write.py)

_ARROW_TYPES = {
    "string": pa.string(),
    # Microseconds, not nanoseconds: what Spark, Trino and BigQuery read as a timestamp; Late's times are ms.
    "datetime64[ns, UTC]": pa.timestamp("us", tz="UTC"),
    "Int64": pa.int64(),
}
FILE_SCHEMA = pa.schema(
    [(name, _ARROW_TYPES[dtype]) for name, dtype in RECORD_DTYPES.items()]
    # `source` is a record column (records.RECORD_COLUMNS); written here too for flat rows that lack it.
    + [
        (name, pa.string())
        for name in (*DERIVED_COLUMNS, VERSION_COLUMN, SOURCE_COLUMN)
        if name not in RECORD_DTYPES
    ]
)
TABLE_COLUMNS: list[str] = FILE_SCHEMA.names
TIME_COLUMNS = [name for name, dtype in RECORD_DTYPES.items() if dtype.startswith("datetime")]
SORT_NEWEST_FIRST = [("created_at", "descending"), ("log_id", "descending")]
_NS_TIME = pa.timestamp("ns", tz="UTC")
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "write_page_checksum": True,  # damage inside a file is found on read, as the v1 CRCs found it
    "coerce_timestamps": "us",
    "allow_truncated_timestamps": True,
    "use_dictionary": True,
}


@dataclass(frozen=True)
class FileInfo:
    """One committed file of the attempts table, as the manifest lists it."""

    name: str  # path relative to the store folder
    source: str
    day: str
    rows: int
    bytes: int
    oldest: int | None  # epoch microseconds of created_at (None when every row is undated)
    newest: int | None
    derived: str  # derived.current_version() when its derived columns were computed

    @property
    def tier(self) -> int:
        return tier_of(self.rows)


def tier_of(rows: int) -> int:
    """The size class of a file: 0 below FANOUT pages, then one more per factor of FANOUT."""
    if rows < PAGE_ROWS * FANOUT:
        return 0
    return int(math.log(rows / PAGE_ROWS, FANOUT) + 1e-9)


def companion_path(data_path: str | os.PathLike[str], folder: str, attempts_dir: str = "attempts") -> Path:
    """Where a file's companion (its rollup, its failures copy) lives: the same path with `folder` for its
    `attempts/` folder."""
    # The last `attempts` folder of the path: the store's own (a store folder may sit under one so named).
    # String work, not Path.parts: asked for every file of a window several times a question.
    text = os.fspath(data_path)
    head, found, tail = text.rpartition(f"{os.sep}{attempts_dir}{os.sep}")
    if found:
        return Path(f"{head}{os.sep}{folder}{os.sep}{tail}")
    if text.startswith(f"{attempts_dir}{os.sep}"):
        return Path(folder, text[len(attempts_dir) + 1 :])
    raise ValueError(f"{text} is not under an {attempts_dir} folder")


def write_companion(table: pa.Table, final: Path, options: dict[str, Any]) -> Path:
    """A companion file written into place: under a hidden name, then renamed (a killed writer leaves only a
    hidden file, which the next writer removes)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    hidden = final.with_name(f".{final.name}.tmp")
    try:
        pq.write_table(table, hidden, **options)
        os.replace(hidden, final)
    except BaseException:
        hidden.unlink(missing_ok=True)
        raise
    return final


class FileGone(Exception):
    """A manifest's file was removed by a newer commit between reading the manifest and the file."""


def day_of(table: pa.Table) -> list[str]:
    """The partition day of each row: the UTC day ("YYYY-MM-DD") of created_at, or "unknown"."""
    return pc.fill_null(pc.strftime(table["created_at"], format="%Y-%m-%d"), UNKNOWN_DAY).to_pylist()


def conform(table: pa.Table) -> pa.Table:
    """`table` with exactly FILE_SCHEMA's columns and types (missing derived or source columns as nulls)."""
    columns = []
    for field in FILE_SCHEMA:
        if field.name in table.column_names:
            column = table[field.name]
            if field.name in TIME_COLUMNS:
                column = pc.cast(column, _NS_TIME).cast(field.type, safe=False)
            elif column.type != field.type:
                column = column.cast(field.type)
        else:
            column = pa.nulls(table.num_rows, field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=FILE_SCHEMA)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An attempts table as the pandas frame pages read: RECORD_DTYPES, derived columns as strings."""
    for name in TIME_COLUMNS:
        if name in table.column_names:
            position = table.column_names.index(name)
            table = table.set_column(position, name, pc.cast(table[name], _NS_TIME))
    return table.to_pandas(types_mapper=pandas_type)
