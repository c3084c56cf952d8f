"""The folder's single-writer lock: an OS lock (flock) on `writer.lock`, holding the writer's pid.

The lock goes away with the process that held it, even after SIGKILL; readers never need it.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from collections.abc import Iterator
from pathlib import Path

from late_logs.store.faults import StoreLocked, fault

LOCK_FILE_NAME = "writer.lock"


def lock_file(handle: io.TextIOWrapper) -> None:
    """Take an exclusive, non-blocking OS lock on an open file; OSError when someone else holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def unlock_file(handle: io.TextIOWrapper) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _unlock_file_quietly(handle: io.TextIOWrapper) -> None:
    with contextlib.suppress(OSError):
        unlock_file(handle)


@contextlib.contextmanager
def writer_lock(directory: Path, read_only: bool) -> Iterator[None]:
    """Hold `directory`'s writer lock for the block; StoreLocked (naming the holder's pid) when taken."""
    path = directory / LOCK_FILE_NAME
    if read_only:
        raise fault(OSError(errno.EROFS, "read-only"), directory)
    try:
        handle = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise fault(exc, directory, "locked for writing") from None
    try:
        try:
            lock_file(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise StoreLocked(
                f"another late-logs collector (pid {holder}) is writing to {directory}; "
                "wait for it or stop it."
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError as exc:  # a full disk cannot even take the pid
            _unlock_file_quietly(handle)
            raise fault(exc, directory, "locked for writing") from None
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            unlock_file(handle)
    finally:
        handle.close()
