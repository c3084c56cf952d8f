"""What the store's writes and its stats report to their callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class UpsertResult:
    """How many attempts (or connection logs) a write added and how many it changed, and what it distrusted:
    `suspicious` counts "bad_time" (a createdAt that cannot be true), "null_ignored" (a null that did not
    erase a stored value) and "type_changed" (a value of another type that did not replace a stored one)."""

    new: int = 0
    updated: int = 0
    suspicious: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.new + self.updated


@dataclass
class StoreStats:
    """What the store holds, for the collector page and `python -m late_logs status`."""

    attempts: int
    details: int
    connection_logs: int
    oldest: datetime | None
    newest: datetime | None
    size_bytes: int
    retention_days: int
    schema_version: int
