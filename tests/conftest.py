"""Shared fixtures: stores filled by a real sync pass against the simulated Late, and the app's environment.

The simulated world's clock stands still at `demo_now` (the session's start, to the minute), so the store,
the detail fetches of the app under test and the test's own expectations all see the same world, and the
dashboard's default window (the last 24 h of real time) covers the newest attempts.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) does not put the project on the path
    sys.path.insert(0, str(ROOT))

DEMO_SEED = 7
# A quieter world than the default, and a bounded number of details and post histories (each stored detail
# rewrites a partition), keep the session's one sync pass to a few seconds. Attempts without a stored
# detail are fetched on demand by the attempt page, from the same simulated world.
DEMO_ATTEMPTS_PER_HOUR = 20.0
DEMO_MAX_DETAILS = 25
DEMO_MAX_POST_HISTORIES = 10


@pytest.fixture(scope="session")
def demo_now() -> datetime:
    """The instant the simulated Late stands still at for the whole test session."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def demo_settings_env(cache_root: Path, now: datetime) -> dict[str, str]:
    """Environment of a demo-mode app over `cache_root`: no key, no polling, the session's simulated world."""
    return {
        "LATE_LOGS_CACHE_DIR": str(cache_root),
        "LATE_LOGS_POLL_SECONDS": "0",
        "LATE_LOGS_DEMO_NOW": now.isoformat(),
        "LATE_LOGS_DEMO_SEED": str(DEMO_SEED),
        "LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR": str(DEMO_ATTEMPTS_PER_HOUR),
    }


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory: pytest.TempPathFactory, demo_now: datetime) -> Path:
    """A cache root whose demo store holds one full sync pass of the simulated Late (details included).

    Pass it as LATE_LOGS_CACHE_DIR; the store itself is in `<root>/demo` (config.load_settings).
    """
    from late_logs import collector, source
    from late_logs.api import LateClient
    from late_logs.config import load_settings
    from late_logs.simulator import DEMO_API_KEY

    root = tmp_path_factory.mktemp("late-logs-demo")
    env = demo_settings_env(root, demo_now)
    settings = load_settings(env=env, secrets={})
    simulator = source.build_demo_simulator(env)
    client = LateClient(DEMO_API_KEY, source.DEMO_BASE_URL, transport=simulator.transport())
    store = source.open_store(settings)
    try:
        collector.sync_once(
            client, store, max_details=DEMO_MAX_DETAILS, max_post_histories=DEMO_MAX_POST_HISTORIES
        )
    finally:
        client.close()
        store.close()
    return root


@pytest.fixture(scope="session")
def demo_frame(demo_store_dir: Path, demo_now: datetime) -> pd.DataFrame:
    """Every attempt in the demo store, as the dashboard reads it."""
    from late_logs import source
    from late_logs.config import load_settings

    store = source.open_store(load_settings(env=demo_settings_env(demo_store_dir, demo_now), secrets={}))
    try:
        return store.frame()
    finally:
        store.close()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_now: datetime):
    """Point the app under test at a cache root, `app_env(root, **extra)`: no key, no polling, no secrets.

    The working directory moves to an empty folder so a developer's `.streamlit/secrets.toml` cannot put the
    tests into live mode.
    """
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("LATE_API_KEY", "LATE_API_KEYS", "LATE_LOGS_SOURCES_FILE", "LATE_API_BASE_URL",
                 "LATE_LOGS_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)

    def configure(cache_root: Path, **extra: str) -> None:
        from late_logs import source

        for name, value in {**demo_settings_env(cache_root, demo_now), **extra}.items():
            monkeypatch.setenv(name, value)
        # The process keeps one simulated Late, built from the LATE_LOGS_DEMO_* knobs of whoever asked first:
        # a test's own knobs (a slow Late for a first pass still running) need one built from them.
        monkeypatch.setattr(source, "_demo_simulator", None)

    return configure
