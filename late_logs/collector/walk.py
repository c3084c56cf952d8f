"""Walking one paged listing from its head down to a watermark, under churn: logs landing at the head
shift the pages (repeats dropped by identity, nothing skipped), twins split by a page edge are kept apart,
and what was fetched is flushed to the store every few pages and on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Mapping

from late_logs.api import LateClient, Page
from late_logs.collector import limits
from late_logs.collector.state import Watermark, trusted_created
from late_logs.records import IDENTITY_KEY, log_id_has_id, log_id_of, twin_identity


@dataclass
class Walk:
    """The outcome of walking one paged listing from its head."""

    entries: dict[str, dict] = field(default_factory=dict)  # id -> entry, first sighting wins
    first_page: list[dict] = field(default_factory=list)  # the head as it was when the walk began
    pages: int = 0
    shifted: bool = False  # items moved down while paging (new ones landed at the head)
    complete: bool = False
    twins: int = 0  # entries alike in every fixed field met on two pages, kept as one more log each


def walk_from_head(
    fetch: Callable[[int], Page],
    watermark: Watermark,
    *,
    flush: Callable[[list[dict]], None],
    prepare: Callable[[Page], list[dict]] | None = None,
    on_page: Callable[[Walk, Page], None] | None = None,
    check_stop: Callable[[], None] | None = None,
    stop_margin: timedelta = limits.STOP_MARGIN,
) -> Walk:
    """Page a listing (LateClient.pages) from skip 0 until the watermark (or the end) is reached.

    `prepare` turns a page into the entries to keep (stamping identities, counting drift). Churn: logs
    landing at the head shift everything down between two requests, so the next page repeats a few items
    (dropped by identity) and nothing is skipped; a shrinking `total` makes the pager step back. Logs ageing
    out at the tail never move anything above the cursor.

    Twins (entries without an id that cannot be told apart) split by a page edge: a known identity in the
    page's first `_repeats_expected` items is the same log seen again; further down it is one more log
    alike, kept as the next free `~n` (records.twin_identity) and counted in `walk.twins`.
    """
    walk = Walk()
    buffer: list[dict] = []
    previous_total: int | None = None
    previous_page: Page | None = None
    pages_without_news = 0

    def guarded(skip: int) -> Page:
        if check_stop is not None:
            check_stop()
        return fetch(skip)

    try:
        for page in LateClient.pages(guarded):
            walk.pages += 1
            items = prepare(page) if prepare is not None else list(page.items)
            if walk.pages == 1:
                walk.first_page = items
            total = page.total
            if previous_total is not None and total is not None and total > previous_total:
                walk.shifted = True
            previous_total = total
            repeats = _repeats_expected(previous_page, page)
            previous_page = page
            fresh = 0
            for index, item in enumerate(items):
                log_id = log_id_of(item)
                if log_id in walk.entries:
                    if index < repeats or log_id_has_id(item):
                        walk.shifted = True
                        continue
                    log_id = twin_identity(log_id, walk.entries)
                    item = {**item, IDENTITY_KEY: log_id}
                    walk.twins += 1
                walk.entries[log_id] = item
                buffer.append(item)
                fresh += 1
            pages_without_news = 0 if fresh else pages_without_news + 1
            if walk.pages == 1 or walk.pages % limits.FLUSH_EVERY_PAGES == 0:
                flush(buffer)
                buffer = []
            if on_page is not None:
                on_page(walk, page)
            if not page.items or not page.has_more:  # the page as Late sent it, before `prepare` kept a part
                walk.complete = True
                break
            if watermark.at is not None and _reached(items, watermark, stop_margin):
                walk.complete = True
                break
            if pages_without_news >= limits.MAX_PAGES_WITHOUT_NEWS:
                break
    finally:
        # Whatever was fetched is kept, also when a request fails half-way through the walk.
        if buffer:
            flush(buffer)
    return walk


def _repeats_expected(previous: Page | None, page: Page) -> int:
    """How many of `page`'s first items may be ones the previous page already held: the pager's step back
    plus the logs that landed above meanwhile (the growth of `total`). Every item when either page has no
    `total` (nothing tells a shift from a page that goes on, so a known identity is taken for a repeat)."""
    if previous is None:
        return 0
    if previous.total is None or page.total is None:
        return len(page.items)
    stepped_back = max(0, previous.skip + len(previous.items) - page.skip)
    return stepped_back + max(0, page.total - previous.total)


def _reached(
    items: list[Mapping[str, Any]], watermark: Watermark, margin: timedelta = limits.STOP_MARGIN
) -> bool:
    """True when this page goes far enough below the watermark that older pages hold nothing new.

    Only trusted when the page itself runs newest first; a page in another order never stops the walk early.
    """
    times = [t for t in (trusted_created(item) for item in items) if t is not None]
    if not times or watermark.at is None:
        return False
    if times[0] < times[-1]:
        return False
    return min(times) < watermark.at - margin
