"""The optional steps of a pass after the listing, each bounded and stopped after `limits.STEP_SECONDS`:
refresh the stored pending attempts (both contracts), keep the details of failed attempts (Late 1.0.1: its
list omits the raw bodies), complete post histories (only after a listing that could not be completed) and
page the connection logs. Each takes the running `Pass`; a failure is recorded by `Pass.optional`.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from typing import Iterable

from late_logs.api import ForbiddenError, LateClient, LateError, NotFoundError, NotInContractError, Page
from late_logs.collector import limits
from late_logs.collector.run import Pass
from late_logs.collector.walk import Walk, walk_from_head
from late_logs.records import late_id_of, log_id_of, stamp_identities, time_of


# ---------------------------------------------------------------------------------------- pending attempts
def refresh_pending(run: Pass) -> None:
    if not run.own_ids(run.store.pending_ids()):
        return
    if run.unified:
        _refresh_pending_unified(run)
        return
    still_pending: set[str] = set()
    done = 0
    for page in LateClient.pages(
        lambda skip: _pending_page(run, skip), max_pages=run.bounds["pending_pages"]
    ):
        run.check_stop()
        items = run.prepare(page)
        still_pending.update(log_id_of(item) for item in items)
        run.save_attempts(items)
    gone = set(run.state.details_gone)
    pending = run.own_ids(run.store.pending_ids())
    settled = [i for i in pending if i not in still_pending and i not in gone]
    settled = settled[: run.bounds["pending_refresh"]]
    newly_gone: list[str] = []
    run.tell("pending", 0, len(settled), f"{len(still_pending)} still pending, {len(settled)} settled")
    for log_id, outcome in _fetch_details(run, settled):
        done += 1
        if isinstance(outcome, NotFoundError):
            newly_gone.append(log_id)  # aged out of Late; the stored copy stays as it was
            continue
        if isinstance(outcome, LateError):
            run.note_problem(f"refreshing pending attempt {log_id}", outcome)
            continue
        run.store.put_detail(log_id, outcome)
        run.report.pending_refreshed += 1
        run.tell("pending", done, len(settled), f"refreshed {done} of {len(settled)}")
    _remember_gone(run, newly_gone)


def _pending_page(run: Pass, skip: int) -> Page:
    run.report.list_requests += 1
    return run.client.list_logs(
        status="pending", days=limits.LOOKBACK_DAYS, limit=limits.PAGE_LIMIT, skip=skip
    )


def _refresh_pending_unified(run: Pass) -> None:
    """Unified logs settle in place: one `status=pending` listing says which stored pending ones are
    still pending; each of the others is read again with `from` = `to` = its creation instant (one
    request that adds its outcome). Nothing asks an endpoint today's API does not have.

    The re-read asks `from` = its instant and `to` = a second later (limits.SETTLED_READ_SPAN), never
    `from` == `to`: whether `to` includes its own instant is not in the spec (CONTRACT.md §3), and
    under a half-open reading that range is empty. The few neighbours the second brings are dropped by
    identity."""
    pending = run.own_ids(run.store.pending_ids())
    raws = run.store.raw_attempts(pending)
    times = [t for t in (time_of(raw) for raw in raws.values()) if t is not None]
    if not times:
        return
    since = max(min(times), run.until - timedelta(days=run.retention_days))
    still_pending: set[str] = set()

    def page_of(skip: int) -> Page:
        run.report.list_requests += 1
        return run.client.list_logs(
            status="pending", limit=limits.PAGE_LIMIT, skip=skip, since=since, until=run.until
        )

    for page in LateClient.pages(page_of, max_pages=run.bounds["pending_pages"]):
        run.check_stop()
        items = run.prepare(page)
        still_pending.update(log_id_of(item) for item in items)
        run.save_attempts(items)
    settled = [i for i in pending if i not in still_pending and i in raws]
    settled = settled[: run.bounds["pending_refresh"]]
    run.tell("pending", 0, len(settled), f"{len(still_pending)} still pending, {len(settled)} settled")
    for done, log_id in enumerate(settled, start=1):
        run.check_stop()
        at = time_of(raws[log_id])
        if at is None:
            continue
        run.report.list_requests += 1
        page = run.client.list_logs(limit=limits.PAGE_LIMIT, since=at, until=at + limits.SETTLED_READ_SPAN)
        items = [item for item in run.prepare(page) if log_id_of(item) == log_id]
        if items:
            run.save_attempts(items)
            run.report.pending_refreshed += 1
        run.tell("pending", done, len(settled), f"refreshed {done} of {len(settled)}")


def _remember_gone(run: Pass, log_ids: list[str]) -> None:
    if log_ids:
        gone = (*run.state.details_gone, *log_ids)[-limits.MAX_GONE_IDS:]
        run.update_state(details_gone=gone)
        run.state = dataclasses.replace(run.state, details_gone=gone)


# ---------------------------------- details of failed attempts (Late 1.0.1: the list omits the raw bodies)
def _fetch_details(run: Pass, log_ids: list[str]) -> Iterable[tuple[str, dict | LateError]]:
    """(id, detail or the LateError) for each id, fetched by a few threads; results come back here so
    only this thread writes to the store."""
    if not log_ids:
        return

    def one(log_id: str) -> dict | LateError:
        try:
            return run.client.get_log(late_id_of(log_id, run.source))
        except LateError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=run.detail_workers, thread_name_prefix="late-detail") as pool:
        futures = {pool.submit(one, log_id): log_id for log_id in log_ids}
        try:
            for future in as_completed(futures):
                run.check_stop()
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


def failed_without_detail(run: Pass, since: datetime | None) -> list[str]:
    """Ids of failed attempts in Late's window that have no stored detail, newest first."""
    frame = run.own_frame(since)
    if frame.empty:
        return []
    failed = frame[frame["status"] == "failed"]
    skip = run.store.detail_ids() | set(run.state.details_gone)
    missing = failed[~failed["log_id"].isin(skip)].sort_values("created_at", ascending=False)
    return [str(i) for i in missing["log_id"]]


def fetch_failed_details(run: Pass, candidates: list[str]) -> None:
    candidates = candidates[: run.bounds["details"]]
    gone: list[str] = []
    run.tell("details", 0, len(candidates), f"{len(candidates)} failed attempts need their detail")
    done = 0
    # Written in batches: each write rewrites a day partition, so one write per detail would make the
    # details phase of a first pass mostly disk work. A kill loses at most one unwritten batch.
    batch: dict[str, dict] = {}
    try:
        for log_id, outcome in _fetch_details(run, candidates):
            done += 1
            if isinstance(outcome, NotFoundError):
                gone.append(log_id)
            elif isinstance(outcome, LateError):
                run.note_problem(f"detail of {log_id}", outcome)
            else:
                batch[log_id] = outcome
            if done % limits.DETAIL_BATCH == 0 or done == len(candidates):
                _save_details(run, batch)
                run.tell("details", done, len(candidates), f"{done} of {len(candidates)} details")
    finally:
        _save_details(run, batch)
        _remember_gone(run, gone)


def _save_details(run: Pass, batch: dict[str, dict]) -> None:
    if batch:
        run.store.put_details(batch)
        run.report.details += len(batch)
        batch.clear()


# ------------------------------------------------------------------------------------------ post histories
def queue_post_histories(run: Pass) -> None:
    """Queue the posts of new failures for their history, only where it adds something.

    A post's history (`GET /v1/posts/{id}/logs`, Late 1.0.1 only) covers the same days as the listing,
    so after a complete listing it holds nothing the store lacks (measured in bench/bench_sync.py: 0
    of ~1,000 requests on a quiet demo store added an attempt). It is asked only when this pass's
    listing could not be completed (still moving after its catch-up rounds): then it fills the gaps.
    """
    posts, run.posts_of_new_failures = run.posts_of_new_failures, []
    if run.unified or run.listing_complete or not posts:
        return
    queue = tuple(dict.fromkeys([*run.state.post_queue, *posts]))
    run.update_state(post_queue=queue)
    run.state = dataclasses.replace(run.state, post_queue=queue)


def complete_post_histories(run: Pass) -> None:
    queue = list(run.state.post_queue)
    batch = [] if run.unified else queue[: run.bounds["post_histories"]]
    handled: set[str] = set()
    run.tell("posts", 0, len(batch), f"{len(batch)} posts with new failures")
    if not batch:
        return
    try:
        for done, post_id in enumerate(batch, start=1):
            run.check_stop()
            try:
                entries = run.client.get_post_logs(post_id, limit=limits.PAGE_LIMIT)
            except (NotFoundError, ForbiddenError, NotInContractError):
                handled.add(post_id)  # the post is gone or not ours; nothing to complete
                continue
            except LateError as exc:
                run.note_problem(f"history of post {post_id}", exc)
                continue
            # The store merges: a plain `postId` string does not erase the populated object it has.
            stamped, _ = stamp_identities(run.noted(entries))
            run.save_attempts(stamped)
            handled.add(post_id)
            run.report.post_histories += 1
            run.tell("posts", done, len(batch), f"{done} of {len(batch)} post histories")
    finally:
        # Posts not done this pass (bounded, failed or interrupted) wait for the next one.
        left = tuple(p for p in queue if p not in handled)
        run.update_state(post_queue=left)


# ----------------------------------------------------------------------------------------- connection logs
def list_connection_logs(run: Pass) -> None:
    watermark = run.state.connection_watermark

    def fetch(skip: int) -> Page:
        if run.unified:
            since = watermark.at - limits.FROM_MARGIN if watermark.at is not None else None
            return run.client.list_connection_logs(
                limit=limits.PAGE_LIMIT, skip=skip, since=since, until=run.until
            )
        return run.client.list_connection_logs(days=limits.LOOKBACK_DAYS, limit=limits.PAGE_LIMIT, skip=skip)

    def save(entries: list[dict]) -> None:
        if entries:
            result = run.store.upsert_connection_logs(entries)
            run.report.connection_logs += result.new

    def on_page(walk: Walk, page: Page) -> None:
        run.tell("connections", len(walk.entries), page.total, f"page {walk.pages} of connection logs")

    def prepare(page: Page) -> list[dict]:
        entries, twins = stamp_identities(run.noted(page.items))
        run.report.twins += twins
        return entries

    walk = walk_from_head(
        fetch, watermark, flush=save, prepare=prepare, on_page=on_page, check_stop=run.check_stop,
        stop_margin=limits.FROM_MARGIN if run.unified else limits.STOP_MARGIN,
    )
    run.report.twins += walk.twins
    if walk.complete:
        until = run.until if run.unified else None
        moved = watermark.advanced(walk.entries.values(), until)
        run.update_state(connection_watermark=moved)
