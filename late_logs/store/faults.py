"""The store's error family and the one place a database, file or Arrow fault becomes one StoreError sentence.

Every public LogStore method is wrapped by `store_faults`, so a caller sees StoreDamaged (with the repair
command), StoreFull (the write was undone), StoreReadOnly, StoreLocked or a plain StoreError: never a
traceback from sqlite3, pyarrow or the file system.
"""

from __future__ import annotations

import errno
import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import diskcache
import pyarrow as pa

REPAIR_HINT = "run `python -m late_logs repair` to rebuild it from the kept raw entries"


class StoreError(Exception):
    """The folder holds something this late-logs cannot read; the message says what and what to do."""


class StoreLocked(StoreError):
    """Another process holds the writer lock of the store folder."""


class StoreDamaged(StoreError):
    """The store's database or one of its values cannot be read; `python -m late_logs repair` rebuilds it."""


class StoreFull(StoreError):
    """The disk is full; the write was undone, so the last committed state is intact."""


class StoreReadOnly(StoreError):
    """The store folder cannot be written; it can still be read."""


def damaged(directory: Path, what: str) -> StoreDamaged:
    return StoreDamaged(f"the store in {directory} is damaged ({what}); {REPAIR_HINT}.")


def fault(exc: BaseException, directory: Path, doing: str = "read") -> StoreError:
    """The StoreError sentence for a database or file fault met while reading or writing the store."""
    if isinstance(exc, StoreError):
        return exc
    text = str(exc)
    lowered = text.lower()
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "disk is full" in lowered:
        return StoreFull(
            f"the disk holding {directory} is full, so the {doing} was undone and the stored data is as it "
            "was; free some space and run the command again."
        )
    if (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)) or (
        "readonly" in lowered or "read-only" in lowered
    ):
        return StoreReadOnly(
            f"the store folder {directory} is read-only: the dashboard, status and export can read it, but "
            "sync, collect and repair need a folder they can write to."
        )
    if isinstance(exc, diskcache.Timeout) or "locked" in lowered or "busy" in lowered:
        return StoreError(f"the store in {directory} is busy in another process; try again in a moment.")
    if isinstance(exc, OSError):
        return StoreError(f"the store in {directory} could not be {doing} ({exc.strerror or text}).")
    return damaged(directory, text or type(exc).__name__)


FAULTS = (sqlite3.Error, OSError, pa.ArrowException, diskcache.Timeout)


def store_faults(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn database and file faults inside a public store method into one StoreError sentence."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except FAULTS as exc:
                raise fault(exc, self.directory) from None

        return generator

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except FAULTS as exc:
            raise fault(exc, self.directory) from None

    return wrapper
