"""The only place that knows Late's field names: a raw log entry becomes one flat record.

It owns both contracts' field names (CONTRACT.md §2, §3): the Late 1.0.1 camelCase `PostLog` and today's
unified snake_case `/v1/logs` item (no `_id`, bodies and `metadata` as strings), which shape an item has,
its identity, the one vocabulary (action and outcome) the pages read, and how an item drifts from its
contract. Tolerant by design (CONTRACT.md §7): every field may be missing or of an unexpected type, `postId`
and `accountId` may be strings or populated objects, and enum values we have never seen are kept as they are.

One part a job: `values` (tolerant readers of one JSON value), `contracts` (which contract, its vocabulary,
the unified `metadata`), `sources` (several workspaces in one store), `identity` (the one id of an entry),
`drift` (how an item departs from its contract), `flat` (the record columns and `flatten`), `merge` (what a
later listing may change in a stored entry: the store's write path). Callers use `late_logs.records.<name>`.
"""

from __future__ import annotations

from late_logs.records.contracts import (
    ACTIONS,
    FLAVOR_LATE,
    FLAVOR_UNIFIED,
    FLAVORS,
    PLATFORMS,
    RETENTION_DAYS,
    STATUSES,
    UNIFIED_ACTIONS,
    UNIFIED_TYPES,
    flavor_of_item,
    flavor_of_items,
    is_unified_shape,
    parse_metadata,
    retention_days_of,
    unified_vocabulary,
)
from late_logs.records.drift import (
    LATE_FIELD_TYPES,
    UNIFIED_FIELD_TYPES,
    drift_of,
)
from late_logs.records.flat import (
    MEDIA_URL_SEPARATOR,
    RECORD_COLUMNS,
    RECORD_DTYPES,
    bodies_of,
    coerce_frame,
    flatten,
    outcome_of,
    post_key_of,
    time_of,
    to_frame,
)
from late_logs.records.identity import (
    IDENTITY_KEY,
    TWIN_SEPARATOR,
    identity_of,
    is_made_up_identity,
    late_key_of,
    late_keys_of_frame,
    log_id_has_id,
    log_id_of,
    stamp_identities,
    synthetic_log_id,
    twin_identity,
    with_log_id,
)
from late_logs.records.merge import (
    CREATED_AT_FIELDS,
    EARLIEST_PLAUSIBLE_TIME,
    FUTURE_TOLERANCE,
    merge_listing,
    suspicious_time,
)
from late_logs.records.sources import (
    DEFAULT_SOURCE,
    MAX_LABEL_LENGTH,
    NOTE_KEY,
    SOURCE_NOTE,
    SOURCE_SEPARATOR,
    is_source_label,
    late_id_of,
    namespaced,
    source_of,
    split_log_id,
    with_source,
)
from late_logs.records.values import (
    parse_time,
)

__all__ = [
    # values
    "parse_time",
    # contracts
    "PLATFORMS",
    "ACTIONS",
    "STATUSES",
    "FLAVOR_LATE",
    "FLAVOR_UNIFIED",
    "FLAVORS",
    "RETENTION_DAYS",
    "UNIFIED_ACTIONS",
    "UNIFIED_TYPES",
    "flavor_of_item",
    "flavor_of_items",
    "is_unified_shape",
    "parse_metadata",
    "unified_vocabulary",
    "retention_days_of",
    # sources
    "DEFAULT_SOURCE",
    "MAX_LABEL_LENGTH",
    "NOTE_KEY",
    "SOURCE_NOTE",
    "SOURCE_SEPARATOR",
    "is_source_label",
    "source_of",
    "with_source",
    "namespaced",
    "split_log_id",
    "late_id_of",
    # identity
    "IDENTITY_KEY",
    "TWIN_SEPARATOR",
    "identity_of",
    "stamp_identities",
    "twin_identity",
    "is_made_up_identity",
    "with_log_id",
    "log_id_has_id",
    "late_key_of",
    "late_keys_of_frame",
    "synthetic_log_id",
    "log_id_of",
    # drift
    "UNIFIED_FIELD_TYPES",
    "LATE_FIELD_TYPES",
    "drift_of",
    # flat
    "RECORD_DTYPES",
    "RECORD_COLUMNS",
    "MEDIA_URL_SEPARATOR",
    "post_key_of",
    "outcome_of",
    "time_of",
    "bodies_of",
    "flatten",
    "to_frame",
    "coerce_frame",
    # merge
    "EARLIEST_PLAUSIBLE_TIME",
    "FUTURE_TOLERANCE",
    "CREATED_AT_FIELDS",
    "suspicious_time",
    "merge_listing",
]
