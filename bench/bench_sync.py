"""Sync costs against the in-process simulated Late: list requests per 1,000 attempts on a full pass,
throughput with details on and off, and what incremental passes cost. Prints figures; asserts nothing.

    python bench/bench_sync.py [--attempts-per-hour 60] [--max-details 1000]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from late_logs.api import LateClient  # noqa: E402
from late_logs.collector import PAGE_LIMIT, sync_once  # noqa: E402
from late_logs.simulator import DEMO_API_KEY, FakeClock, SimulatedLate  # noqa: E402
from late_logs.store import LogStore  # noqa: E402


class CountingTransport(httpx.BaseTransport):
    """Counts unfiltered /v1/logs requests (the walk) on their way to the simulator."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.list_requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v1/logs") and "status" not in request.url.params:
            self.list_requests += 1
        return self.inner.handle_request(request)


def setup(
    attempts_per_hour: float, folder: Path
) -> tuple[FakeClock, SimulatedLate, CountingTransport, LateClient, LogStore]:
    clock = FakeClock()
    sim = SimulatedLate(clock=clock, rate_limit_per_minute=10**9, attempts_per_hour=attempts_per_hour)
    transport = CountingTransport(sim.transport())
    client = LateClient(
        DEMO_API_KEY, "http://simulator.local/api", transport=transport, sleep=clock.sleep, clock=clock.time
    )
    return clock, sim, transport, client, LogStore(folder)


def full_pass(attempts_per_hour: float, details: bool, max_details: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock, sim, transport, client, store = setup(attempts_per_hour, Path(folder))
        retained = len(sim.retained_logs())
        started = time.perf_counter()
        report = sync_once(client, store, fetch_details=details, max_details=max_details)
        seconds = time.perf_counter() - started
        label = f"details on (max {max_details})" if details else "details off"
        print(
            f"full pass, {label}: {retained} attempts at Late, {report.new} stored, "
            f"{transport.list_requests} list requests = {transport.list_requests / retained * 1000:.2f} "
            f"per 1,000 attempts; {report.requests} requests in all ({report.details} details, "
            f"{report.post_histories} post histories); {seconds:.1f} s = {retained / seconds:.0f} attempts/s"
        )
        if details:
            incremental_passes(clock, sim, transport, client, store)
        client.close()
        store.close()


def incremental_passes(
    clock: FakeClock, sim: SimulatedLate, transport: CountingTransport, client: LateClient, store: LogStore
) -> None:
    for hours in (0, 0.25, 1, 6, 24):
        before = {entry["_id"] for entry in sim.retained_logs()}
        clock.advance(hours * 3600)
        new = len({entry["_id"] for entry in sim.retained_logs()} - before)
        transport.list_requests = 0
        started = time.perf_counter()
        report = sync_once(client, store)
        seconds = time.perf_counter() - started
        print(
            f"incremental pass after {hours:g} h: {new} new attempts, "
            f"{transport.list_requests} list requests "
            f"(budget ceil(k/100)+1 = {math.ceil(new / PAGE_LIMIT) + 1}), {report.requests} requests in all "
            f"({report.details} details, {report.pending_refreshed} pending refreshed, "
            f"{report.post_histories} post histories), {seconds:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts-per-hour", type=float, default=60.0)
    parser.add_argument("--max-details", type=int, default=1000)
    args = parser.parse_args()
    full_pass(args.attempts_per_hour, details=False, max_details=0)
    full_pass(args.attempts_per_hour, details=True, max_details=args.max_details)


if __name__ == "__main__":
    main()
