"""Where the data comes from and where it goes: the Late client (real, or the in-process simulator in demo
mode) and the store, both built from `Settings`.

Demo-mode knobs (environment variables, read only here; meant for tests, benchmarks and demos):

- `LATE_LOGS_DEMO_NOW`: an ISO-8601 instant; the demo simulator's clock stands still at it, so two processes
  see the same world (the SIGKILL test compares a killed-and-rerun store with the simulator's ground truth).
  A frozen world is not rate-limited: its sliding window could never refill.
- `LATE_LOGS_DEMO_SEED`: the demo world's seed (default 7).
- `LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR`: how busy the demo world is (the simulator's default when unset).
- `LATE_LOGS_DEMO_SLOW_SECONDS`: a delay the demo simulator adds to each answer, to make a pass long enough
  to be interrupted on purpose.
- `LATE_LOGS_DEMO_FLAVOR`: `late-1.0` (default) or `unified`, the contract the demo simulator speaks.

Every client of one key and base URL in a process shares one `RateShare`, so the dashboard's on-demand
requests and a running collector together stay within `LATE_LOGS_RATE_SHARE` of the key's limit. With
several sources (`Settings.sources`) each key has its own share of its own limit.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime
from typing import Mapping

from late_logs.api import LateClient, RateShare
from late_logs.config import ConfigError, Settings, Source
from late_logs.records import parse_time
from late_logs.redact import mask_url
from late_logs.simulator import DEMO_API_KEY, SimulatedLate
from late_logs.store import LogStore

DEMO_BASE_URL = "http://simulator.local/api"
DEMO_MODE_LINE = "demo mode: simulated Late API (no LATE_API_KEY set)"
FROZEN_WORLD_RATE_LIMIT = 1_000_000_000

_demo_lock = threading.Lock()
_demo_simulator: SimulatedLate | None = None
_shares: dict[tuple[str, str, float], RateShare] = {}


def mode_line(settings: Settings) -> str:
    """One line saying which Late the data comes from (never the key)."""
    if settings.demo:
        return DEMO_MODE_LINE
    if settings.several_sources:
        return f"live mode: {len(settings.sources)} sources ({settings.source_labels_text()}), keys set"
    return f"live mode: Late API at {mask_url(settings.base_url)} (key set)"


def source_line(source: Source) -> str:
    """One line about one source for `status` and the Collector page: label, API, whether a key is set."""
    key = "key set" if source.api_key else "no key"
    return f"{source.label}: Late API at {mask_url(source.base_url)} ({key}, LATE_API_FLAVOR={source.flavor})"


def demo_simulator(env: Mapping[str, str] | None = None) -> SimulatedLate:
    """The process's one simulated Late, built on first use from the LATE_LOGS_DEMO_* knobs."""
    global _demo_simulator
    with _demo_lock:
        if _demo_simulator is None:
            _demo_simulator = build_demo_simulator(os.environ if env is None else env)
        return _demo_simulator


def build_demo_simulator(env: Mapping[str, str]) -> SimulatedLate:
    """A new simulated Late configured from LATE_LOGS_DEMO_* values in `env`."""
    options: dict[str, object] = {"api_key": DEMO_API_KEY}
    flavor = (env.get("LATE_LOGS_DEMO_FLAVOR") or "late-1.0").strip().lower()
    if flavor not in ("late-1.0", "unified"):
        raise ConfigError(f"LATE_LOGS_DEMO_FLAVOR must be late-1.0 or unified, got {flavor!r}.")
    options["flavor"] = flavor
    seed = env.get("LATE_LOGS_DEMO_SEED")
    if seed:
        options["seed"] = _number("LATE_LOGS_DEMO_SEED", seed, int)
    rate = env.get("LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR")
    if rate:
        options["attempts_per_hour"] = _number("LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR", rate, float)
    now_text = env.get("LATE_LOGS_DEMO_NOW")
    if now_text:
        fixed = parse_time(now_text)
        if fixed is None:
            raise ConfigError(f"LATE_LOGS_DEMO_NOW must be an ISO-8601 time, got {now_text!r}.")
        options["clock"] = _fixed_clock(fixed)
        # A clock that stands still never refills a sliding rate-limit window, so a long pass would wait
        # forever; the frozen test world is therefore not rate-limited (pacing is tested on a FakeClock).
        options["rate_limit_per_minute"] = FROZEN_WORLD_RATE_LIMIT
    sim = SimulatedLate(**options)  # type: ignore[arg-type]
    slow = env.get("LATE_LOGS_DEMO_SLOW_SECONDS")
    if slow:
        sim.faults.slow_seconds = _number("LATE_LOGS_DEMO_SLOW_SECONDS", slow, float)
    return sim


def _fixed_clock(moment: datetime):
    return lambda: moment


def _number(name: str, text: str, kind: type):
    try:
        return kind(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {text!r}.") from None


def rate_share_for(base_url: str, key: str | None, share: float) -> RateShare:
    """The process's one RateShare for this key at this base URL (the key only as a digest)."""
    digest = hashlib.sha256((key or "").encode("utf-8")).hexdigest()[:16]
    with _demo_lock:
        return _shares.setdefault((base_url, digest, share), RateShare(share))


def open_client(settings: Settings, label: str | None = None) -> LateClient:
    """A LateClient for these settings: the in-process simulator in demo mode, else the real API of the
    source of this label (the first source when None); ConfigError for a label not configured."""
    options = {
        "max_wait": float(settings.max_wait_seconds),
    }
    if settings.demo:
        share = rate_share_for(DEMO_BASE_URL, DEMO_API_KEY, settings.rate_share)
        return LateClient(
            DEMO_API_KEY, DEMO_BASE_URL, transport=demo_simulator().transport(), rate_share=share, **options
        )
    chosen = settings.source(label)
    share = rate_share_for(chosen.base_url, chosen.api_key, settings.rate_share)
    return LateClient(chosen.api_key, chosen.base_url, flavor=chosen.flavor, rate_share=share, **options)


def open_store(settings: Settings) -> LogStore:
    """The store in the settings' cache folder, keeping attempts for the configured retention."""
    return LogStore(settings.cache_dir, retention_days=settings.retention_days)
