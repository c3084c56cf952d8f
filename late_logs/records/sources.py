"""Sources: several Late workspaces in one store. A source's label, noted in its raw entries and in front of
its log ids (`acme:6571...`); the default source keeps Late's ids as they are."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The label of the one workspace of `LATE_API_KEY` (and of the demo). Its attempts keep Late's ids as they
# are and its collector state keeps the store's original key, so a store written before sources existed
# goes on as this source.
DEFAULT_SOURCE = "default"
MAX_LABEL_LENGTH = 32
_LABEL = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}\Z")
# Our note inside a stored raw entry, never Late's (the store writes it, see store.LOCAL_NOTE_KEY); its
# `source` names the workspace for every source but the default one.
NOTE_KEY = "_late_logs"
SOURCE_NOTE = "source"
# Between a source's label and Late's identity in a log id (`acme:6571...`): in neither a label nor a Late
# id (Mongo ObjectIds, or our `u` + hex hashes).
SOURCE_SEPARATOR = ":"


def is_source_label(value: Any) -> bool:
    """True for a usable source label: 1-32 lowercase letters, digits, `-`, `_`, not starting with `-`/`_`."""
    return isinstance(value, str) and _LABEL.match(value) is not None


def source_of(entry: Mapping[str, Any]) -> str:
    """The label of the workspace an entry was collected from: our note's, else the default source."""
    note = entry.get(NOTE_KEY)
    label = note.get(SOURCE_NOTE) if isinstance(note, Mapping) else None
    return label if is_source_label(label) else DEFAULT_SOURCE


def with_source(entry: Mapping[str, Any], label: str) -> dict[str, Any]:
    """A copy of `entry` noting its source (no note for the default source); other note fields stay."""
    item = dict(entry)
    note = item.get(NOTE_KEY)
    note = dict(note) if isinstance(note, Mapping) else {}
    if label == DEFAULT_SOURCE:
        note.pop(SOURCE_NOTE, None)
    else:
        note[SOURCE_NOTE] = label
    if note:
        item[NOTE_KEY] = note
    else:
        item.pop(NOTE_KEY, None)
    return item


def namespaced(label: str, identity: str) -> str:
    """An attempt's log id in the store: Late's identity, prefixed with its source's label unless that is
    the default source. Two workspaces may in theory give the same id (or two logs alike in every fixed
    field): under their labels they stay two attempts."""
    if label == DEFAULT_SOURCE or identity.startswith(label + SOURCE_SEPARATOR):
        return identity
    return f"{label}{SOURCE_SEPARATOR}{identity}"


def split_log_id(log_id: str) -> tuple[str, str]:
    """(source label, Late's identity) of a stored log id; (default, the id) when it carries no label."""
    label, separator, rest = log_id.partition(SOURCE_SEPARATOR)
    if separator and rest and is_source_label(label):
        return label, rest
    return DEFAULT_SOURCE, log_id


def late_id_of(log_id: str, label: str) -> str:
    """The id to ask Late about (`GET /v1/logs/{id}`) for an attempt of the source `label`."""
    prefix = label + SOURCE_SEPARATOR
    if label != DEFAULT_SOURCE and log_id.startswith(prefix):
        return log_id[len(prefix):]
    return log_id
