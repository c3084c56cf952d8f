"""An attempt's detail for the dashboard (`fetch_detail`): the stored copy, else asked of Late at once
(`urgent`, ahead of a running collector's paced requests) and stored through the single writer, with the
note a reader sees when Late no longer has it or cannot be asked.
"""

from __future__ import annotations

from late_logs.api import LateClient, LateError, NotFoundError, NotInContractError
from late_logs.collector import limits
from late_logs.collector.run import error_text
from late_logs.collector.state import read_state
from late_logs.records import FLAVOR_UNIFIED, late_id_of, retention_days_of, split_log_id, with_source
from late_logs.redact import redact_value
from late_logs.store import LogStore, StoreError, StoreLocked


def note_gone(days: int) -> str:
    """What the Attempt page says when Late no longer has an attempt, by the contract's retention."""
    return f"Late no longer has this attempt (it is kept {days} days by Late); showing the stored copy."


NOTE_GONE = note_gone(limits.LOOKBACK_DAYS)


def fetch_detail(client: LateClient | None, store: LogStore, log_id: str) -> tuple[dict | None, str]:
    """An attempt's detail for the dashboard: the stored copy, else fetched from Late and stored.

    Under today's unified contract the list entry is the whole log (bodies included) and there is no detail
    endpoint: the stored entry is returned with no request and no note. The request is `urgent`: it goes
    ahead of a running collector's paced ones; it is stored under the writer lock, and storing a detail
    changes the store's version (so every session's frames) only when it changes the attempt's row.
    Returns (detail or None, a note for the reader; "" when there is nothing to say); never raises
    LateError. `client` is the one of the attempt's source (`records.split_log_id`).
    """
    stored = store.get_detail(log_id)
    if stored is not None:
        return stored, ""
    raw = store.raw_attempt(log_id)
    source = split_log_id(log_id)[0]
    flavor = read_state(store, source).flavor
    if flavor == FLAVOR_UNIFIED or (client is not None and client.flavor == FLAVOR_UNIFIED):
        if raw is not None:
            return raw, ""
        return None, f"Attempt {log_id} is not in the store."
    if client is None:
        if raw is not None:
            return raw, "The full detail was never fetched; showing the stored list entry."
        return None, f"Attempt {log_id} is not in the store."
    try:
        detail = client.get_log(late_id_of(log_id, source), urgent=True)
    except NotFoundError:
        if raw is not None:
            return raw, note_gone(retention_days_of(flavor))
        return None, f"Attempt {log_id} is not in the store and Late does not have it."
    except NotInContractError:
        return raw, ""
    except LateError as exc:
        note = f"Could not fetch the detail from Late: {error_text(exc)}"
        return raw, note + (" Showing the stored list entry." if raw is not None else "")
    # The dashboard writes through the single writer, without waiting: while a pass holds the lock (or the
    # folder is read-only) the detail is shown, redacted, and the pass or a later view stores it.
    try:
        with store.writer_lock():
            store.put_detail(log_id, detail)
    except (StoreLocked, StoreError):
        return with_source(redact_value(dict(detail)), source), ""
    kept = store.get_detail(log_id)
    return (kept if kept is not None else with_source(redact_value(dict(detail)), source)), ""
