"""Clocks for the simulator: real UTC time by default, and `FakeClock` for tests that move time by hand.

A `FakeClock` also serves the client side: `LateClient(clock=fake.time, sleep=fake.sleep)` makes the
client's waits advance the same clock the simulator's rate limiter reads, so nothing really sleeps.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

# A fixed default start for tests: a Tuesday morning inside the Late 1.0.1 era.
DEFAULT_FAKE_START = datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class FakeClock:
    """A clock that only moves when told to.

    Usage::

        clock = FakeClock(datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc))
        sim = SimulatedLate(clock=clock)
        clock.advance(300)          # five minutes later: new attempts exist, pending ones may settle
        clock()                     # the current aware UTC datetime
    """

    def __init__(self, start: datetime = DEFAULT_FAKE_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward (never back) by `seconds`; returns the new time."""
        if seconds < 0:
            raise ValueError("a FakeClock only moves forward")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs timezone-aware datetimes")
        with self._lock:
            self._now = moment.astimezone(timezone.utc)

    def sleep(self, seconds: float) -> None:
        """A drop-in for `time.sleep` that advances this clock instead of waiting."""
        if seconds > 0:
            self.advance(seconds)

    def time(self) -> float:
        """Epoch seconds, a drop-in for `time.time`."""
        return self().timestamp()

    def __repr__(self) -> str:
        return f"FakeClock({self().isoformat()})"
