"""The one identity of a log entry, stable across passes, settling and redaction: Late's id where it gave
one, else a hash of the fields fixed when Late wrote the log, stamped into the stored entry; twins kept."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Mapping
from typing import Any

import pandas as pd

from late_logs.records.contracts import is_unified_shape
from late_logs.records.sources import namespaced, source_of, split_log_id, with_source
from late_logs.records.values import _first_present, _integer, _reference, _text, parse_time

# The stamp a late-logs identity is kept under in a stored raw entry that has no id of its own.
IDENTITY_KEY = "late_logs_id"
# Separates an identity from the ordinal of an entry that cannot be told apart from another one.
TWIN_SEPARATOR = "~"


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
