"""A simulated Late publishing-logs API: the dashboard's demo data source and the fake every test drives.

The world (accounts, posts, attempts, connection events) is a pure function of (seed, now); it is served
with the Late 1.0.1 contract in-process (`SimulatedLate.transport()`) or on a port (`serve()`).
"""

from __future__ import annotations

from .clock import FakeClock, utc_now
from .planted import HTML_PAYLOADS, PLANTED_SECRETS
from .server import make_server, serve
from .service import (
    DEFAULT_ATTEMPTS_PER_HOUR,
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_SEED,
    DEMO_API_KEY,
    Faults,
    ServedRequest,
    SimulatedLate,
)

__all__ = [
    "DEFAULT_ATTEMPTS_PER_HOUR",
    "DEFAULT_RATE_LIMIT_PER_MINUTE",
    "DEFAULT_SEED",
    "DEMO_API_KEY",
    "FakeClock",
    "Faults",
    "HTML_PAYLOADS",
    "PLANTED_SECRETS",
    "ServedRequest",
    "SimulatedLate",
    "make_server",
    "serve",
    "utc_now",
]
