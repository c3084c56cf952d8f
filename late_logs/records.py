"""The only place that knows Late's field names: a raw log entry becomes one flat record.

It owns both contracts' field names (CONTRACT.md §2, §3): the Late 1.0.1 camelCase `PostLog` and today's
unified snake_case `/v1/logs` item (no `_id`, bodies and `metadata` as strings), which shape an item has,
its identity, the one vocabulary (action and outcome) the pages read, and how an item drifts from its
contract. Tolerant by design (CONTRACT.md §7): every field may be missing or of an unexpected type, `postId`
and `accountId` may be strings or populated objects, and enum values we have never seen are kept as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Container, Mapping

import pandas as pd

# Columns of the attempts frame, in display order, with their pandas dtypes. Everything downstream
# (store, analysis, charts, pages, export) uses these names and nothing of Late's.
RECORD_DTYPES: dict[str, str] = {
    "log_id": "string",
    "created_at": "datetime64[ns, UTC]",
    "platform": "string",
    "action": "string",
    "status": "string",
    "account_id": "string",
    "account_username": "string",
    "post_id": "string",
    "post_content": "string",
    "status_code": "Int64",
    "error_code": "string",
    "error_message": "string",
    "endpoint": "string",
    "content_preview": "string",
    "media_count": "Int64",
    "media_urls": "string",
    "platform_post_id": "string",
    "platform_post_url": "string",
    "duration_ms": "Int64",
    "attempt_number": "Int64",
    "scheduled_for": "datetime64[ns, UTC]",
    "user_id": "string",
    "profile_id": "string",
    # Ours, not Late's: the label of the workspace (source) the attempt was collected from. Last, so the
    # columns before it keep their places in exports.
    "source": "string",
}
RECORD_COLUMNS: list[str] = list(RECORD_DTYPES)

# The Late-era enums (CONTRACT.md §5). Values outside them are kept, never dropped.
PLATFORMS = (
    "tiktok", "instagram", "facebook", "youtube", "linkedin", "twitter", "threads",
    "pinterest", "reddit", "bluesky", "googlebusiness", "telegram", "snapchat",
)
ACTIONS = ("publish", "retry", "media_upload", "rate_limit_pause", "token_refresh", "cancelled")
STATUSES = ("success", "failed", "pending", "skipped")

# Which columns a record's media URLs are joined with in the flat frame.
MEDIA_URL_SEPARATOR = "\n"

# What the frame's Int64 and datetime64[ns] columns can hold; values outside become missing, because one
# absurd value (a sentinel date like 0001-01-01, an overflowing counter) must not make a whole frame fail.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_FRAME_TIME_MIN = datetime(1677, 9, 22, tzinfo=timezone.utc)  # pd.Timestamp.min, rounded inwards
_FRAME_TIME_MAX = datetime(2262, 4, 11, tzinfo=timezone.utc)  # pd.Timestamp.max, rounded inwards


def _text(value: Any) -> str | None:
    """A string for a scalar, None for missing; objects become compact JSON rather than being lost."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            return None
    if number is None or not _INT64_MIN <= number <= _INT64_MAX:
        return None
    return number


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO-8601 text (`Z` or an offset) or epoch numbers; None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):  # already parsed (the collector judges parsed times too)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):  # NaN, infinity, beyond the platform's time_t
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # an offset pushing 0001-01-01 or 9999-12-31 past the calendar
        return None


def _frame_time(value: Any) -> datetime | None:
    """parse_time, limited to what a datetime64[ns] column holds (sentinels like 0001-01-01 become None)."""
    parsed = parse_time(value)
    if parsed is None or not _FRAME_TIME_MIN <= parsed <= _FRAME_TIME_MAX:
        return None
    return parsed


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first_present(mapping: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` whose value is not None (`{"_id": null, "id": "x"}` gives "x")."""
    for name in names:
        value = mapping.get(name)
        if value is not None:
            return value
    return None


def _reference(value: Any) -> tuple[str | None, Mapping[str, Any]]:
    """`postId`/`accountId`: a plain id string, or a populated object with `_id` (or `id`)."""
    if isinstance(value, Mapping):
        return _text(_first_present(value, "_id", "id")), value
    return _text(value), {}


# ---- the two contracts -------------------------------------------------------------------------------

# The two shapes Late has served its publishing logs in (CONTRACT.md §0): the Late 1.0.1 camelCase
# `PostLog` with an `_id`, and today's unified snake_case `/v1/logs` item with no id at all.
FLAVOR_LATE = "late-1.0"
FLAVOR_UNIFIED = "unified"
FLAVORS = (FLAVOR_LATE, FLAVOR_UNIFIED)
# How long Late keeps logs under each contract (CONTRACT.md §4, "Retention").
RETENTION_DAYS = {FLAVOR_LATE: 7, FLAVOR_UNIFIED: 90}
# Fields that only one of the two shapes has; an item's shape is read from which of them it carries.
_LATE_ONLY = ("_id", "createdAt", "postId", "accountId", "statusCode", "durationMs", "attemptNumber")
_UNIFIED_ONLY = ("created_at", "account_id", "status_code", "duration_ms", "request_body", "response_body",
                 "error_message", "request_id", "user_id", "type")

# The stamp a late-logs identity is kept under in a stored raw entry that has no id of its own.
IDENTITY_KEY = "late_logs_id"
# Separates an identity from the ordinal of an entry that cannot be told apart from another one.
TWIN_SEPARATOR = "~"

# Unified actions (free dotted strings, CONTRACT.md §3) that mean the same as a Late-era action, with the
# outcome they imply. The item's own `status` wins over the implied outcome; unknown actions are kept as
# they come, so a new one shows up verbatim in every filter and chart.
UNIFIED_ACTIONS: dict[str, tuple[str, str | None]] = {
    "post.published": ("publish", "success"),
    "post.failed": ("publish", "failed"),
    "post.partial": ("publish", "failed"),
    "post.pending": ("publish", "pending"),
    "post.publishing": ("publish", "pending"),
    "post.processing": ("publish", "pending"),
    "post.skipped": ("publish", "skipped"),
    "post.retry": ("retry", None),
    "post.retried": ("retry", None),
    "post.cancelled": ("cancelled", None),
    "post.canceled": ("cancelled", None),
    "post.rate_limited": ("rate_limit_pause", None),
    "account.rate_limited": ("rate_limit_pause", None),
    "media.uploaded": ("media_upload", "success"),
    "media.upload_failed": ("media_upload", "failed"),
    "media.upload": ("media_upload", None),
    "token.refreshed": ("token_refresh", "success"),
    "token.refresh_failed": ("token_refresh", "failed"),
    "account.token_refreshed": ("token_refresh", "success"),
    "account.token_refresh_failed": ("token_refresh", "failed"),
}
UNIFIED_TYPES = ("publishing", "connections", "webhooks", "messaging", "workflow_event", "api_request")

# What each field of a unified item is, by the Zernio spec (CONTRACT.md §3): a value of another type, or a
# field not listed here, is drift, counted per pass and never a crash.
UNIFIED_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **{name: (str,) for name in (
        "type", "action", "user_id", "platform", "account_id", "status", "error_message", "error_code",
        "endpoint", "request_body", "response_body", "created_at", "metadata", "request_id", "api_key_id",
        "method", "path", "ip_address", "user_agent",
    )},
    "status_code": (int,),
    "duration_ms": (int,),
}
LATE_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **{name: (str,) for name in (
        "_id", "userId", "profileId", "platform", "accountUsername", "action", "status", "endpoint",
        "createdAt",
    )},
    "postId": (str, dict),
    "accountId": (str, dict),
    "statusCode": (int,),
    "durationMs": (int,),
    "attemptNumber": (int,),
    "request": (dict,),
    "response": (dict,),
    "metadata": (dict,),
}


def flavor_of_item(entry: Mapping[str, Any]) -> str | None:
    """Which contract one list item follows, by its fields; None when it carries neither's marks."""
    if "_id" in entry or "createdAt" in entry:
        return FLAVOR_LATE
    late = sum(1 for name in _LATE_ONLY if name in entry)
    unified = sum(1 for name in _UNIFIED_ONLY if name in entry)
    if unified > late:
        return FLAVOR_UNIFIED
    if late > unified:
        return FLAVOR_LATE
    return None


def flavor_of_items(items: list[Mapping[str, Any]]) -> str | None:
    """The contract a page of items follows (most items decide), or None for an empty or unreadable page."""
    votes = {FLAVOR_LATE: 0, FLAVOR_UNIFIED: 0}
    for item in items:
        flavor = flavor_of_item(item)
        if flavor is not None:
            votes[flavor] += 1
    if not any(votes.values()):
        return None
    return FLAVOR_UNIFIED if votes[FLAVOR_UNIFIED] > votes[FLAVOR_LATE] else FLAVOR_LATE


def is_unified_shape(entry: Mapping[str, Any]) -> bool:
    """True for the current unified `/v1/logs` item (snake_case, no `_id`)."""
    return flavor_of_item(entry) == FLAVOR_UNIFIED


def parse_metadata(value: Any) -> dict[str, Any]:
    """The unified item's `metadata`, a JSON string by the spec (an object also accepted); {} otherwise."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _meta(metadata: Mapping[str, Any], *names: str) -> Any:
    """A value from metadata under any of its spellings (Zernio does not document the keys)."""
    for name in names:
        value = metadata.get(name)
        if value is not None and value != "":
            return value
    return None


def _metadata_post_id(metadata: Mapping[str, Any]) -> str | None:
    value = _meta(metadata, "post_id", "postId")
    if isinstance(value, Mapping):
        value = _first_present(value, "_id", "id")
    return _text(value)


# --- sources: several Late workspaces in one store -------------------------------------------------------

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


def identity_of(entry: Mapping[str, Any]) -> str:
    """The one identity of a log entry, stable across passes, settling and redaction.

    An entry with an id of its own (`_id`, or `id`) is that id. Otherwise it is a hash of the fields that are
    fixed when Late writes the log and never change afterwards:

    - unified items: the category (`type`), the creation instant (`created_at`), `platform`, `account_id`,
      `user_id` and the correlation id `request_id` (with `method`, `path`, `api_key_id` of api_request
      logs). Not `metadata`: it is "additional context" that Late fills in as the log progresses (a post
      URL, a settle time), and a post id appearing there must not make a second log;
    - Late-era items that lost their `_id`: `createdAt`, `platform`, `accountId`, `userId`, `postId`,
      `attemptNumber` and `action` (which names the step, never its outcome).

    Left out on purpose is whatever a pending log changes when it settles in place (status, status code,
    error, bodies, duration, the unified `action` such as `post.pending` becoming `post.published`) and free
    text that redaction may rewrite (endpoint, bodies). The hash is computed on the raw entry as Late sent
    it, before redaction, and stamped into the stored entry (`IDENTITY_KEY`), so collector and store always
    agree.

    Two entries whose fixed fields are all equal cannot be told apart; `stamp_identities` keeps both, as
    `<id>~2`, `<id>~3`, ...

    An entry of another source than the default one (our note, `with_source`) has its label in front
    (`namespaced`); a stamp already carries it.
    """
    value = _text(_first_present(entry, "_id", "id"))
    if value:
        return namespaced(source_of(entry), value)
    stamped = entry.get(IDENTITY_KEY)
    if isinstance(stamped, str) and stamped:
        return stamped
    if "createdAt" in entry or "postId" in entry:
        post_id, _ = _reference(entry.get("postId"))
        account_id, _ = _reference(entry.get("accountId"))
        fixed: dict[str, Any] = {
            "at": _identity_time(entry.get("createdAt")),
            "platform": _text(entry.get("platform")),
            "account": account_id,
            "user": _text(entry.get("userId")),
            "post": post_id,
            "attempt": _integer(entry.get("attemptNumber")),
            "action": _text(entry.get("action")),
        }
    else:
        fixed = {
            "type": _text(entry.get("type")),
            "at": _identity_time(entry.get("created_at")),
            "platform": _text(entry.get("platform")),
            "account": _text(entry.get("account_id")),
            "user": _text(entry.get("user_id")),
            "request": _text(entry.get("request_id")),
            "method": _text(entry.get("method")),
            "path": _text(entry.get("path")),
            "key": _text(entry.get("api_key_id")),
        }
    canonical = json.dumps(fixed, sort_keys=True, ensure_ascii=False)
    return namespaced(source_of(entry), "u" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24])


def _identity_time(value: Any) -> str | None:
    # The instant, not its spelling: "…05Z" and "…05.000+00:00" are one moment.
    parsed = parse_time(value)
    return parsed.isoformat() if parsed is not None else _text(value)


def stamp_identities(
    entries: list[Mapping[str, Any]], *, keep_twins: bool = True
) -> tuple[list[dict[str, Any]], int]:
    """Copies of `entries` (one page, as Late sent it) carrying their identity, and how many were twins.

    Entries without an id get `IDENTITY_KEY`; when several entries of the page share every fixed field,
    the second and later get `~2`, `~3`: Late holds that many logs, so that many are kept. Twins split by a
    page edge are told by the walk over the pages (`twin_identity`), which alone knows whether the next
    page's head repeats the last one's tail (a shift) or goes on past it. The store stamps with
    `keep_twins=False`: it cannot know where a page began, so a repeat there is the same log.
    """
    stamped: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    twins = 0
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        item = dict(entry)
        if _text(_first_present(item, "_id", "id")) or isinstance(item.get(IDENTITY_KEY), str):
            stamped.append(item)
            continue
        identity = identity_of(item)
        count = seen.get(identity, 0) + 1
        seen[identity] = count
        if count > 1 and keep_twins:
            twins += 1
            identity = f"{identity}{TWIN_SEPARATOR}{count}"
        item[IDENTITY_KEY] = identity
        stamped.append(item)
    return stamped, twins


def twin_identity(identity: str, taken: Container[str]) -> str:
    """The identity of one more entry that cannot be told apart from the one(s) under `identity`: the
    first of `<base>~2`, `<base>~3`, ... not in `taken`. Twins numbered in the order a walk meets them get
    the same ids on every pass that meets them all (which twin is which does not matter: they are alike)."""
    base = identity.split(TWIN_SEPARATOR, 1)[0]
    number = 2
    while f"{base}{TWIN_SEPARATOR}{number}" in taken:
        number += 1
    return f"{base}{TWIN_SEPARATOR}{number}"


def is_made_up_identity(log_id: Any) -> bool:
    """True for an identity `identity_of` made up (the hash of an entry that carried no id), never for
    an id Late gave (a Mongo ObjectId is 24 hex digits; a made-up one is `u` + 24, maybe `~n`)."""
    if not isinstance(log_id, str):
        return False
    base, _, number = split_log_id(log_id)[1].partition(TWIN_SEPARATOR)
    return (len(base) == 25 and base[0] == "u" and all(c in "0123456789abcdef" for c in base[1:])
            and (not number or number.isdigit()))


def with_log_id(entry: Mapping[str, Any], log_id: str) -> dict[str, Any]:
    """A copy of `entry` that carries `log_id` as its id, in its contract's terms: `_id` for a Late-era
    entry, the identity stamp (`IDENTITY_KEY`) for a unified one, which has no id field of its own (a
    `_id` there would make it read as a Late 1.0.1 item)."""
    item = dict(entry)
    if log_id_has_id(item) and identity_of(item) == log_id:
        return item
    label, late_id = split_log_id(log_id)
    item = with_source(item, label)  # a detail Late sent has no note: the id says whose it is
    if is_unified_shape(item):
        item[IDENTITY_KEY] = log_id
    else:
        item["_id"] = late_id
        item.pop(IDENTITY_KEY, None)  # its own id now names it; a stamp made up before would contradict it
    return item


def log_id_has_id(entry: Mapping[str, Any]) -> bool:
    """True when the entry carries an id of its own (`_id` or `id`)."""
    return bool(_text(_first_present(entry, "_id", "id")))


def late_key_of(entry: Mapping[str, Any]) -> tuple:
    """The fixed fields of a Late 1.0.1 entry (creation instant, platform, account, post, attempt number,
    action), the same ones `identity_of` hashes, as a key to find the stored attempt it is."""
    post_id, _ = _reference(entry.get("postId"))
    account_id, _ = _reference(entry.get("accountId"))
    created = parse_time(entry.get("createdAt"))
    return (
        created.isoformat() if created is not None else None,
        _text(entry.get("platform")),
        account_id,
        post_id,
        _integer(entry.get("attemptNumber")),
        _text(entry.get("action")),
    )


def late_keys_of_frame(frame: pd.DataFrame) -> dict[tuple, str]:
    """`late_key_of` for every stored record of a frame, to the record's log id."""
    keys: dict[tuple, str] = {}
    if frame.empty:
        return keys
    for row in frame[["log_id", "created_at", "platform", "account_id", "post_id", "attempt_number",
                      "action"]].itertuples(index=False):
        created = None if pd.isna(row.created_at) else row.created_at.to_pydatetime().isoformat()
        attempt = None if pd.isna(row.attempt_number) else int(row.attempt_number)
        texts = [None if pd.isna(v) else str(v) for v in (row.platform, row.account_id, row.post_id)]
        key = (created, *texts, attempt, None if pd.isna(row.action) else str(row.action))
        keys.setdefault(key, str(row.log_id))
    return keys


def synthetic_log_id(entry: Mapping[str, Any]) -> str:
    """The identity of an entry that carries no id (kept under this name for older callers)."""
    return identity_of(entry)


def log_id_of(entry: Mapping[str, Any]) -> str:
    """The entry's log id: `_id` (or `id`), else its stamped or computed identity (see `identity_of`)."""
    return identity_of(entry)


def post_key_of(entry: Mapping[str, Any]) -> str | None:
    """The post an entry belongs to: Late 1.0.1 `postId` (a plain id or a populated object), or in a
    unified item the post id in `metadata`, else `request_id` (the logs one API call spawned)."""
    if is_unified_shape(entry):
        return _metadata_post_id(parse_metadata(entry.get("metadata"))) or _text(entry.get("request_id"))
    post_id, _ = _reference(entry.get("postId"))
    return post_id or None


def outcome_of(entry: Mapping[str, Any]) -> str | None:
    """The entry's outcome (success, failed, pending, skipped, or an unknown value verbatim)."""
    if is_unified_shape(entry):
        metadata = parse_metadata(entry.get("metadata"))
        attempt = _integer(_meta(metadata, "attempt_number", "attemptNumber", "attempt"))
        return unified_vocabulary(entry.get("action"), entry.get("status"), attempt)[1]
    return _text(entry.get("status"))


def time_of(entry: Mapping[str, Any]) -> datetime | None:
    """The creation time of an entry of either contract (`createdAt` or `created_at`)."""
    return parse_time(_first_present(entry, "createdAt", "created_at"))


def unified_vocabulary(action: Any, status: Any, attempt_number: int | None) -> tuple[str | None, str | None]:
    """(action, outcome) in the publishing vocabulary for a unified action and status.

    `post.published` is a publish that succeeded, `post.failed` a publish that failed, ...; the item's own
    `status` wins over what the action implies; a publish after the first attempt is a retry, as in Late
    1.0.1; an action not in `UNIFIED_ACTIONS` is kept verbatim.
    """
    text = _text(action)
    outcome = _text(status)
    if text is None:
        return None, outcome
    mapped = UNIFIED_ACTIONS.get(text.strip().lower())
    if mapped is None:
        return text, outcome
    name, implied = mapped
    if name == "publish" and attempt_number is not None and attempt_number > 1:
        name = "retry"
    return name, outcome or implied


def bodies_of(entry: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(request body, response body) as Late recorded them, in either contract; None where it did not.

    Late 1.0.1 keeps them in `request.rawBody` / `response.rawBody` (detail only); the unified item carries
    `request_body` / `response_body` itself.
    """
    if not isinstance(entry, Mapping):
        return None, None
    request = _mapping(entry.get("request"))
    response = _mapping(entry.get("response"))
    return (
        _text(_first_present(entry, "request_body")) or _text(request.get("rawBody")),
        _text(_first_present(entry, "response_body")) or _text(response.get("rawBody")),
    )


def retention_days_of(flavor: str | None) -> int:
    """How many days Late keeps logs under this contract (the Late-era 7 when it is not known yet)."""
    return RETENTION_DAYS.get(flavor or "", RETENTION_DAYS[FLAVOR_LATE])


def drift_of(entry: Any, flavor: str) -> list[tuple[str, str]]:
    """How one list item departs from its contract's shape: (kind, example) pairs, empty when it fits.

    Kinds: "not an object", "unknown field <name>", "<field> is <type>", "unknown status <value>",
    "unknown type <value>". Only counted and told; the item is stored all the same.
    """
    if not isinstance(entry, Mapping):
        return [("not an object", _text(entry) or "null")]
    types = UNIFIED_FIELD_TYPES if flavor == FLAVOR_UNIFIED else LATE_FIELD_TYPES
    found: list[tuple[str, str]] = []
    for name, value in entry.items():
        if name == IDENTITY_KEY:
            continue
        allowed = types.get(name)
        if allowed is None:
            found.append((f"unknown field {name}", f"{name}={_short(value)}"))
        elif value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
            found.append((f"{name} is {type(value).__name__}", f"{name}={_short(value)}"))
    status = entry.get("status")
    if isinstance(status, str) and status not in STATUSES:
        found.append((f"unknown status {status}", f"status={_short(status)}"))
    if flavor == FLAVOR_UNIFIED:
        kind = entry.get("type")
        if isinstance(kind, str) and kind not in UNIFIED_TYPES:
            found.append((f"unknown type {kind}", f"type={_short(kind)}"))
        metadata = entry.get("metadata")
        if isinstance(metadata, str) and metadata.strip() and not parse_metadata(metadata):
            found.append(("metadata is not a JSON object", f"metadata={_short(metadata)}"))
    return found


def _short(value: Any) -> str:
    text = _text(value) or "null"
    return text if len(text) <= 60 else text[:57] + "..."


def flatten(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One raw log entry (list item or detail, either source shape) as a dict of RECORD_COLUMNS."""
    if is_unified_shape(entry):
        return _flatten_unified(entry)
    request = _mapping(entry.get("request"))
    response = _mapping(entry.get("response"))
    post_id, post = _reference(entry.get("postId"))
    account_id, account = _reference(entry.get("accountId"))
    username = _text(entry.get("accountUsername")) or _text(account.get("username"))
    media_urls = request.get("mediaUrls")
    if isinstance(media_urls, list):
        media_text = MEDIA_URL_SEPARATOR.join(_text(u) or "" for u in media_urls)
    else:
        media_text = _text(media_urls)
    return {
        "log_id": log_id_of(entry),
        "created_at": _frame_time(entry.get("createdAt")),
        "platform": _text(entry.get("platform")),
        "action": _text(entry.get("action")),
        "status": _text(entry.get("status")),
        "account_id": account_id,
        "account_username": username,
        "post_id": post_id,
        "post_content": _text(post.get("content")),
        "status_code": _integer(entry.get("statusCode")),
        "error_code": _text(response.get("errorCode")),
        "error_message": _text(response.get("errorMessage")),
        "endpoint": _text(entry.get("endpoint")),
        "content_preview": _text(request.get("contentPreview")),
        "media_count": _integer(request.get("mediaCount")),
        "media_urls": media_text or None,
        "platform_post_id": _text(response.get("platformPostId")),
        "platform_post_url": _text(response.get("platformPostUrl")),
        "duration_ms": _integer(entry.get("durationMs")),
        "attempt_number": _integer(entry.get("attemptNumber")),
        "scheduled_for": _frame_time(request.get("scheduledFor")),
        "user_id": _text(entry.get("userId")),
        "profile_id": _text(entry.get("profileId")),
        "source": source_of(entry),
    }


def _flatten_unified(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A unified item as a record: the publishing vocabulary, and what `metadata` adds (post, account,
    attempt number, platform post URL). The post key is the metadata's post id, else `request_id`, which
    ties together the logs one API call spawned."""
    metadata = parse_metadata(entry.get("metadata"))
    attempt = _integer(_meta(metadata, "attempt_number", "attemptNumber", "attempt"))
    action, outcome = unified_vocabulary(entry.get("action"), entry.get("status"), attempt)
    media = _meta(metadata, "media_urls", "mediaUrls")
    if isinstance(media, list):
        media_text = MEDIA_URL_SEPARATOR.join(_text(u) or "" for u in media) or None
    else:
        media_text = _text(media)
    record = dict.fromkeys(RECORD_COLUMNS)
    record.update(
        log_id=log_id_of(entry),
        created_at=_frame_time(entry.get("created_at")),
        platform=_text(entry.get("platform")),
        action=action,
        status=outcome,
        account_id=_text(entry.get("account_id")) or _text(_meta(metadata, "account_id", "accountId")),
        account_username=_text(_meta(metadata, "account_username", "accountUsername", "username")),
        post_id=_metadata_post_id(metadata) or _text(entry.get("request_id")),
        post_content=_text(_meta(metadata, "post_content", "content")),
        status_code=_integer(entry.get("status_code")),
        error_code=_text(entry.get("error_code")),
        error_message=_text(entry.get("error_message")),
        endpoint=_text(entry.get("endpoint")),
        content_preview=_text(_meta(metadata, "content_preview", "contentPreview")),
        media_count=_integer(_meta(metadata, "media_count", "mediaCount")),
        media_urls=media_text,
        platform_post_id=_text(_meta(metadata, "platform_post_id", "platformPostId")),
        platform_post_url=_text(_meta(metadata, "platform_post_url", "platformPostUrl", "post_url")),
        duration_ms=_integer(entry.get("duration_ms")),
        attempt_number=attempt,
        scheduled_for=_frame_time(_meta(metadata, "scheduled_for", "scheduledFor")),
        user_id=_text(entry.get("user_id")),
        profile_id=_text(_meta(metadata, "profile_id", "profileId")),
        source=source_of(entry),
    )
    return record


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Flat records as a frame with exactly RECORD_COLUMNS and RECORD_DTYPES (an empty frame keeps them)."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    return coerce_frame(frame)


def coerce_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the record columns and dtypes; missing columns appear empty, unknown ones are kept."""
    for column, dtype in RECORD_DTYPES.items():
        if column not in frame.columns:
            # Records from before sources existed came from the one workspace there was: the default one.
            fill = DEFAULT_SOURCE if column == "source" else None
            frame[column] = pd.Series([fill] * len(frame), index=frame.index, dtype="object")
        if str(frame[column].dtype) != dtype:
            if dtype.startswith("datetime"):
                frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce").astype(dtype)
            else:
                frame[column] = frame[column].astype(dtype)
    return frame


# --- what a later listing may change, and which times to trust (the store's write path) -------------------

# A createdAt outside [2000-01-01, clock + 1 day] is not a time Late can have written: Late did not exist
# before 2000, and a day covers any clock skew between Late's servers and ours.
EARLIEST_PLAUSIBLE_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(days=1)
# The top-level time fields that place an attempt in time (Late's shape, then the unified shape).
CREATED_AT_FIELDS = ("createdAt", "created_at")


def suspicious_time(value: Any, now: datetime) -> str | None:
    """Why `value` cannot be an attempt's creation time ("missing", "unreadable", "before 2000",
    "in the future"), or None when it can. `now` is the wall clock, never a time taken from the data."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing"
    moment = parse_time(value)
    if moment is None:
        return "unreadable"
    if moment < EARLIEST_PLAUSIBLE_TIME:
        return "before 2000"
    if moment > now + FUTURE_TOLERANCE:
        return "in the future"
    return None


def _kind(value: Any) -> str:
    """The JSON kind of a value; int and float are one kind (Late writes 1200 and 1200.0 alike)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return "string" if isinstance(value, str) else type(value).__name__


def merge_listing(
    stored: Mapping[str, Any], later: Mapping[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, int]]:
    """A later listing of an attempt laid over its stored raw entry, field by field, never destroying.

    - a null (or missing) value never erases a present one ("null_ignored");
    - a value of another kind never replaces a present one: a string where an object was keeps the object
      ("type_changed"); except that a populated object may replace the plain id string it carries
      (`postId`, `accountId`), and a plain id never replaces the populated object;
    - nested objects merge by the same rules, so a list entry does not erase a detail's bodies;
    - a createdAt that `suspicious_time` rejects never replaces a plausible stored one ("bad_time"), so a
      listing with createdAt 0 cannot move a stored attempt to 1970, where retention would drop it.

    Returns the merged entry and how many values of each kind were ignored (only non-zero counts).
    """
    ignored: dict[str, int] = {}
    # Times are judged by plausibility, not kind: epoch milliseconds may replace ISO text and back.
    times = {name: later[name] for name in CREATED_AT_FIELDS if name in later}
    merged = _merge_fields(stored, {k: v for k, v in later.items() if k not in times}, ignored)
    for name, value in times.items():
        previous = stored.get(name)
        if previous is None:
            merged[name] = value
        elif value is None:
            ignored["null_ignored"] = ignored.get("null_ignored", 0) + 1
        elif suspicious_time(previous, now) is None and suspicious_time(value, now) is not None:
            ignored["bad_time"] = ignored.get("bad_time", 0) + 1
        else:
            merged[name] = value
    return merged, ignored


def _merge_fields(stored: Mapping[str, Any], later: Mapping[str, Any], ignored: dict[str, int]) -> dict:
    merged = dict(stored)
    for key, value in later.items():
        previous = merged.get(key)
        if previous is None:
            merged[key] = value
        elif value is None:
            ignored["null_ignored"] = ignored.get("null_ignored", 0) + 1
        elif isinstance(previous, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_fields(previous, value, ignored)
        elif isinstance(previous, Mapping) and value in (previous.get("_id"), previous.get("id")):
            continue  # the plain id of the populated object we hold: nothing new
        elif isinstance(value, Mapping) and previous in (value.get("_id"), value.get("id")):
            merged[key] = value  # the populated object behind the plain id we hold
        elif _kind(previous) != _kind(value):
            ignored["type_changed"] = ignored.get("type_changed", 0) + 1
        else:
            merged[key] = value
    return merged
