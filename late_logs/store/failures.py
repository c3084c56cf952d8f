"""Each attempts file's failed and pending rows, copied beside it: what questions about failures read
instead of every attempt.

The Overview's distinct posts and accounts affected, its error groups and their samples, which posts failed
and which attempts are stuck ask only for failed or pending rows, about 13 % of all; a file holds them
scattered between the others, so reading them meant decoding every row's columns. The copy is the file's
own rows (same columns, same order) whose status is one of COPIED_STATUSES, under `failures/` instead of
`attempts/`:

    <cache_dir>/failures/workspace=<label>/day=YYYY-MM-DD/part-<version>-<uuid>.parquet

Like a rollup (rollups.py) it is written (hidden name, then renamed) before the commit that names its
file, unlinked with it, and added by the next writer for a file that has none. A question reads, for each
file, its copy when there is one and else the file itself: the same rows either way, since the question
keeps only those statuses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from late_logs.store.files import WRITE_OPTIONS, companion_path, write_companion

FAILURES_DIR = "failures"
COPIED_STATUSES = ("failed", "pending")


def failures_path(data_path: str | os.PathLike[str], attempts_dir: str = "attempts") -> Path:
    """The failures copy of an attempts file: the same path with `failures/` for its `attempts/` folder."""
    return companion_path(data_path, FAILURES_DIR, attempts_dir)


def copies_hold(statuses: Iterable[str]) -> bool:
    """Whether rows of only these statuses are all in the copies (no status named: no)."""
    wanted = set(statuses)
    return bool(wanted) and wanted <= set(COPIED_STATUSES)


def failure_files(files: Sequence[str], attempts_dir: str = "attempts") -> list[str]:
    """For each attempts file, its failures copy when it has one, else the file itself."""
    found = []
    for name in files:
        try:
            copy = failures_path(name, attempts_dir)
        except ValueError:  # not a store's file (no attempts folder): it has no copy
            found.append(name)
            continue
        found.append(str(copy) if os.path.exists(copy) else name)
    return found


def copied_rows(table: pa.Table) -> pa.Table:
    """The rows of a file that its copy holds, in the file's order."""
    return table.filter(pc.is_in(table["status"], value_set=pa.array(COPIED_STATUSES, pa.string())))


def write_failures(table: pa.Table, data_path: Path, attempts_dir: str = "attempts") -> Path:
    """The failures copy of `table` (the rows of the file at `data_path`) written into place."""
    return write_companion(copied_rows(table), failures_path(data_path, attempts_dir), WRITE_OPTIONS)
