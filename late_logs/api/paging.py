"""Paging Late's list endpoints: one `Page` with its response context (pagination, status, headers, the
contract its items follow), the one paging strategy (`pages`) for attempts and connection logs of both
contracts, and the `logs` list of an answer read without trusting its shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from late_logs.api.errors import BadResponseError


@dataclass(frozen=True)
class Page:
    """One page of a list endpoint with its response context, so callers can page, pace and report.

    Usage::

        page = client.list_logs(limit=100, skip=0)
        page.items      # raw log entries
        page.has_more   # pagination.hasMore, else inferred from total / a full page; False when empty
    """

    items: list[dict]
    pagination: dict
    status_code: int
    headers: Mapping[str, str]
    skip: int
    limit: int
    flavor: str | None = None  # the contract the items' shape follows, None when they do not tell

    @property
    def request_id(self) -> str | None:
        """Late's X-Request-Id for this page (users quote it to support)."""
        return self.headers.get("X-Request-Id")

    @property
    def total(self) -> int | None:
        value = self.pagination.get("total")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def has_more(self) -> bool:
        if not self.items:
            # An empty page ends paging whatever the pagination says: a loop over pages must terminate.
            return False
        value = self.pagination.get("hasMore")
        if isinstance(value, bool):
            return value
        if self.total is not None:
            return self.skip + len(self.items) < self.total
        # No pagination object: a full page suggests there is another one.
        return len(self.items) >= self.limit > 0


def pages(fetch: Callable[[int], Page], *, max_pages: int | None = None) -> Iterator[Page]:
    """Every page of one listing, from skip 0, each with its context (total, headers, request id).

    The one paging strategy for attempts and connection logs of both contracts. The next skip is the
    last one plus the page's length; when `pagination.total` shrank between two pages (logs aged out
    or were removed above the cursor), it steps back by the shrink (at most half a page) so nothing is
    skipped, and the caller drops the repeats by identity. Stops on an empty page, `hasMore` false or
    `max_pages`; a caller may stop early (at its watermark) by leaving the loop.
    """
    skip = 0
    previous_total: int | None = None
    count = 0
    while max_pages is None or count < max_pages:
        page = fetch(skip)
        count += 1
        yield page
        if not page.items or not page.has_more:
            return
        step = len(page.items)
        total = page.total
        if previous_total is not None and total is not None and total < previous_total:
            step = max(step // 2, step - (previous_total - total))
        previous_total = total
        skip += step


def log_list(body: dict, what: str, status: int) -> list[dict]:
    """`body["logs"]`: missing means none; anything but a list of objects is not Late's answer."""
    items = body.get("logs")
    if items is None:
        return []
    if not isinstance(items, list):
        raise BadResponseError(
            f"Late's answer for {what} had `logs` that is not a list; check LATE_API_BASE_URL", status
        )
    # Every field of an entry is optional, but an entry itself is an object; other things are dropped.
    return [item for item in items if isinstance(item, dict)]
