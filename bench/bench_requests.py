"""What late-logs asks of Late, for both contracts, against the in-process simulator on a fake clock:
list requests per 1,000 attempts on a full pass (target <= 10.5), requests of an idle pass (target <= 3),
requests per minute during a backfill against the advertised limit (target: within LATE_LOGS_RATE_SHARE of
it and >= 90% of the share), and post-history requests over the first passes of a quiet store.
Prints figures; asserts nothing.

    python bench/bench_requests.py [--attempts-per-hour 2] [--limit 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from late_logs import collector  # noqa: E402
from late_logs.api import LateClient  # noqa: E402
from late_logs.collector import sync_once  # noqa: E402
from late_logs.config import DEFAULT_RATE_SHARE  # noqa: E402
from late_logs.records import parse_time  # noqa: E402
from late_logs.simulator import DEMO_API_KEY, FakeClock, SimulatedLate  # noqa: E402
from late_logs.store import LogStore  # noqa: E402

STARTS = {
    "late-1.0": datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc),
    "unified": datetime(2026, 8, 20, 9, 30, tzinfo=timezone.utc),
}


class Counting(httpx.BaseTransport):
    """Remembers every request (path, params, the simulator's clock) on its way to the simulator."""

    def __init__(self, inner: httpx.BaseTransport, clock: FakeClock) -> None:
        self.inner = inner
        self.clock = clock
        self.seen: list[tuple[str, dict[str, str], float]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.path, dict(request.url.params), self.clock.time()))
        return self.inner.handle_request(request)

    def listing(self) -> int:
        """Requests of the publishing walk (no status filter, no connection logs, no single instant)."""
        return sum(
            1
            for path, params, _ in self.seen
            if path.endswith("/v1/logs")
            and "status" not in params
            and params.get("type", "publishing") == "publishing"
            and not _settled_reread(params)
        )

    def posts(self) -> int:
        return sum(1 for path, _, _ in self.seen if "/v1/posts/" in path)


def _settled_reread(params: dict[str, str]) -> bool:
    """One settled log read again over its own instant (from .. from + SETTLED_READ_SPAN): not the walk."""
    since, until = parse_time(params.get("from")), parse_time(params.get("to"))
    return since is not None and until is not None and until - since <= collector.SETTLED_READ_SPAN


def world(flavor: str, attempts_per_hour: float, limit: int, folder: Path):
    clock = FakeClock(STARTS[flavor])
    sim = SimulatedLate(clock=clock, flavor=flavor, rate_limit_per_minute=limit,
                        attempts_per_hour=attempts_per_hour)
    transport = Counting(sim.transport(), clock)
    client = LateClient(DEMO_API_KEY, "http://simulator.local/api", transport=transport,
                        sleep=clock.sleep, clock=clock.time)
    return clock, sim, transport, client, LogStore(folder)


def full_and_idle(flavor: str, attempts_per_hour: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock, sim, transport, client, store = world(flavor, attempts_per_hour, 10**9, Path(folder))
        held = len(sim.retained_logs())
        started = time.perf_counter()
        report = sync_once(client, store, fetch_details=False)
        seconds = time.perf_counter() - started
        listing = transport.listing()
        print(
            f"[{flavor}] full pass: {held} attempts at Late ({report.flavor}), {report.new} stored; "
            f"{listing} list requests = {listing / held * 1000:.2f} per 1,000 attempts (target <= 10.5); "
            f"{report.requests} requests in all, {seconds:.1f} s"
        )
        transport.seen.clear()
        report = sync_once(client, store, fetch_details=False)
        print(
            f"[{flavor}] idle pass: {len(transport.seen)} requests (target <= 3), {report.new} new: "
            + ", ".join(f"{path.rsplit('/v1/', 1)[1]}?{'&'.join(sorted(p))}" for path, p, _ in transport.seen)
        )
        client.close()
        store.close()


def backfill_rate(flavor: str, attempts_per_hour: float, limit: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock, sim, transport, client, store = world(flavor, attempts_per_hour, limit, Path(folder))
        report = sync_once(client, store, fetch_details=False)
        times = [t for _, _, t in transport.seen]
        minutes = (times[-1] - times[0]) / 60 if len(times) > 1 else 0.0
        average = (len(times) - 1) / minutes if minutes else float("nan")
        busiest = max(sum(1 for t in times if s <= t < s + 60) for s in times)
        share = DEFAULT_RATE_SHARE * limit
        print(
            f"[{flavor}] backfill at X-RateLimit-Limit {limit}/min, share {DEFAULT_RATE_SHARE:g}: "
            f"{len(times)} requests over {minutes:.1f} min (simulated) = {average:.1f}/min on average, "
            f"{busiest} in the busiest minute; target <= {share:g}/min and >= {0.9 * share:g}/min "
            f"({average / share * 100:.0f}% of the share); {report.rate_limited} answered 429"
        )
        client.close()
        store.close()


def incremental_margin(attempts_per_hour: float, passes: int = 12) -> None:
    """Unified: requests of the incremental passes (5 minutes apart) of a busy account, with the from
    margin at 2 minutes (before) and at collector.FROM_MARGIN (now): what covering slow writes costs."""
    chosen = collector.FROM_MARGIN
    for margin in (timedelta(minutes=2), chosen):
        collector.FROM_MARGIN = margin
        try:
            with tempfile.TemporaryDirectory() as folder:
                clock, sim, transport, client, store = world(
                    "unified", attempts_per_hour, 10**9, Path(folder)
                )
                sync_once(client, store, fetch_details=False)
                transport.seen.clear()
                lists = 0
                for _ in range(passes):
                    clock.advance(300)
                    lists += sync_once(client, store, fetch_details=False).list_requests
                minutes = margin.total_seconds() / 60
                print(
                    f"[unified] incremental passes at {attempts_per_hour:g} attempts/hour, 5 min apart, "
                    f"from margin {minutes:g} min: {len(transport.seen) / passes:.2f} requests a pass "
                    f"({lists / passes:.2f} list requests)"
                )
                client.close()
                store.close()
        finally:
            collector.FROM_MARGIN = chosen


def post_histories(attempts_per_hour: float, passes: int = 6) -> None:
    """Late 1.0.1: post-history requests over the first passes of a quiet store, 5 minutes apart."""
    with tempfile.TemporaryDirectory() as folder:
        clock, sim, transport, client, store = world("late-1.0", attempts_per_hour, 10**9, Path(folder))
        for _ in range(passes):
            sync_once(client, store, max_details=50)
            clock.advance(300)
        truth = {e["_id"] for e in sim.retained_logs()}
        missing = len(truth - set(store.frame()["log_id"]))
        print(
            f"[late-1.0] post histories over the first {passes} passes of a quiet store: "
            f"{transport.posts()} requests; {missing} attempts Late holds are missing from the store "
            "(histories are asked only when a listing could not be completed)"
        )
        client.close()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts-per-hour", type=float, default=2.0)
    parser.add_argument("--limit", type=int, default=60, help="the advertised limit (free tier: 60/min)")
    args = parser.parse_args()
    for flavor in ("late-1.0", "unified"):
        # The Late-era world keeps 7 days: give it the busy default so the pass has thousands too.
        density = 60.0 if flavor == "late-1.0" else args.attempts_per_hour
        full_and_idle(flavor, density)
        backfill_rate(flavor, density if flavor == "unified" else 10.0, args.limit)
    post_histories(4.0)
    for busy in (args.attempts_per_hour, 10.0):
        incremental_margin(busy)


if __name__ == "__main__":
    main()
