"""When the next request to Late may go: a polite share of the key's rate limit (`RateShare`, spread evenly
over the minute), the window Late's X-RateLimit headers describe, a 429's Retry-After, and the jittered
exponential backoff between retries (`Pacer`, one per client).
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

import httpx

from late_logs.config import DEFAULT_RATE_SHARE

if TYPE_CHECKING:
    from late_logs.api.client import ClientStats

RATE_WINDOW_SECONDS = 60.0  # Late's limits are per minute (CONTRACT.md §4)
# Exponential backoff for 5xx, timeouts and truncated bodies: BASE * 2**n, capped, with jitter.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0

log = logging.getLogger(__name__)


class RateShare:
    """At most `share` of the key's advertised limit (X-RateLimit-Limit), spread evenly over the minute.

    The key's limit is shared with the team's own publishing, so the collector takes one slot every
    60 / (share x limit) seconds instead of bursting and stalling. `urgent` requests (a page asking for a
    detail now) go at once, ahead of the queue, and push the queue back by their slot. One RateShare is
    shared by every client of one key in a process (`source.open_client`).
    """

    def __init__(self, share: float = DEFAULT_RATE_SHARE) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"the rate share must be above 0 and at most 1, got {share!r}")
        self.share = share
        self.limit: int | None = None
        self._next_at: float | None = None
        self.lock = threading.Lock()

    def note_limit(self, limit: float | None, now: float | None = None) -> None:
        if limit is not None and limit >= 1:
            with self.lock:
                first = self.limit is None
                self.limit = int(limit)
                if first and now is not None:
                    # The request that told us the limit took the first slot.
                    self._next_at = max(self._next_at or now, now + self.interval)

    @property
    def interval(self) -> float:
        """Seconds between two requests at the share; 0 while the limit is not known."""
        limit = self.limit
        return RATE_WINDOW_SECONDS / (self.share * limit) if limit else 0.0

    def reserve(self, now: float, urgent: bool = False) -> float:
        """Take the next slot; returns how long to wait before sending (0 for urgent requests)."""
        with self.lock:
            interval = self.interval
            if interval <= 0:
                return 0.0
            if urgent:
                self._next_at = max(self._next_at or now, now) + interval
                return 0.0
            start = max(now, self._next_at or now)
            self._next_at = start + interval
            return start - now



def header_number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None



@dataclass
class _Window:
    """Late's rate-limit window as its last answer told it."""

    not_before: float | None = None  # clock time before which no request may start
    remaining: int | None = None
    reset_at: float | None = None


def _reset_to_clock(reset: float, now: float) -> float:
    # Late sends epoch seconds; small numbers can only be "seconds from now" (some servers do that).
    return reset if reset > 1e9 else now + reset


@dataclass(eq=False)
class Pacer:
    """One client's pacing: reads Late's rate-limit headers, waits before a request for the window and the
    share, and holds every later request back after a failure (the server's wait, or our backoff).

    No wait lasts longer than `max_wait`. `stats` and `lock` are the client's: the seconds waited are
    counted in its `ClientStats`, under the lock that guards them.
    """

    rate_share: RateShare
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    rng: random.Random
    max_wait: float
    stats: ClientStats
    lock: threading.Lock
    window: _Window = field(default_factory=_Window)

    def backoff(self, retry_number: int) -> float:
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**retry_number))
        with self.lock:
            jitter = self.rng.uniform(0.5, 1.0)
        return delay * jitter

    def note_headers(self, headers: Mapping[str, str]) -> None:
        self.rate_share.note_limit(header_number(headers, "X-RateLimit-Limit"), self.clock())
        remaining = header_number(headers, "X-RateLimit-Remaining")
        reset = header_number(headers, "X-RateLimit-Reset")
        if remaining is None:
            return
        with self.lock:
            now = self.clock()
            self.window.remaining = int(remaining)
            self.window.reset_at = _reset_to_clock(reset, now) if reset is not None else None
            if remaining <= 0 and self.window.reset_at is not None and self.window.reset_at > now:
                # The window is spent: nobody sends before it resets (instead of collecting 429s).
                self._push_not_before(self.window.reset_at, now)

    def _push_not_before(self, moment: float, now: float) -> None:
        moment = min(moment, now + self.max_wait)
        if self.window.not_before is None or moment > self.window.not_before:
            self.window.not_before = moment

    def wait_for_window(self, urgent: bool) -> None:
        with self.lock:
            target = self.window.not_before
            now = self.clock()
            wait = 0.0 if target is None else min(target - now, self.max_wait)
        # Our share of the limit: one slot every 60 / (share x limit) s; urgent requests go first.
        share_wait = min(self.rate_share.reserve(now + max(wait, 0.0), urgent), self.max_wait)
        total = max(wait, 0.0) + share_wait
        if total <= 0:
            return
        if wait > 0:
            log.info("waiting %.1f s for Late's rate-limit window", wait)
        self.sleep(total)
        with self.lock:
            self.stats.waited_seconds += total
            # Cleared only if nobody pushed it further meanwhile; a clock that did not move must not make
            # every later request wait again.
            if wait > 0 and self.window.not_before == target:
                self.window.not_before = None
                self.window.remaining = None

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds a 429 asks us to wait (uncapped): Retry-After (seconds or an HTTP date), else
        X-RateLimit-Reset."""
        now = self.clock()
        raw = response.headers.get("Retry-After")
        if raw is not None:
            seconds = header_number(response.headers, "Retry-After")
            if seconds is None:
                try:
                    seconds = email.utils.parsedate_to_datetime(raw).timestamp() - now
                except (TypeError, ValueError, IndexError, OverflowError):
                    seconds = None
            if seconds is not None:
                return max(0.0, seconds)
        reset = header_number(response.headers, "X-RateLimit-Reset")
        if reset is not None:
            return max(0.0, _reset_to_clock(reset, now) - now)
        return None

    def hold_off(self, wait: float, server_asked: bool) -> None:
        """No request before `wait` seconds from now: what a 429 asked (it replaces the window, even a later
        X-RateLimit-Reset noted from the same answer), or a backoff (it only ever pushes the window later)."""
        with self.lock:
            now = self.clock()
            if server_asked:
                self.window.not_before = now + wait if wait > 0 else None
            else:
                self._push_not_before(now + wait, now)
