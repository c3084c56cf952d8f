"""Where the data comes from: the mode line (never the key), the demo simulator's knobs, one RateShare per key
and base URL in a process, and clients and stores built from Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from late_logs import source
from late_logs.config import ConfigError, Settings
from late_logs.store import LogStore

KEY = "sk_live_" + "s0urc3" * 8


def test_mode_line_says_demo_or_live_and_never_the_key() -> None:
    assert source.mode_line(Settings()) == source.DEMO_MODE_LINE
    live = source.mode_line(Settings(api_key=KEY, base_url="https://zernio.com/api"))
    assert live.startswith("live mode: Late API at https://zernio.com/api")
    assert KEY not in live


def test_mode_line_masks_a_token_in_the_base_url() -> None:
    line = source.mode_line(Settings(api_key=KEY, base_url=f"https://zernio.com/api?token={KEY}"))
    assert KEY not in line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LATE_LOGS_DEMO_FLAVOR", "v9"),
        ("LATE_LOGS_DEMO_SEED", "seven"),
        ("LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR", "many"),
        ("LATE_LOGS_DEMO_NOW", "yesterday"),
        ("LATE_LOGS_DEMO_SLOW_SECONDS", "slowly"),
    ],
)
def test_a_bad_demo_knob_is_a_config_error_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        source.build_demo_simulator({name: value})


def test_demo_now_freezes_the_simulator_clock() -> None:
    sim = source.build_demo_simulator(
        {"LATE_LOGS_DEMO_NOW": "2026-03-01T12:00:00Z", "LATE_LOGS_DEMO_SEED": "3"}
    )
    first = sim.clock()
    assert first == sim.clock()
    assert first.isoformat().startswith("2026-03-01T12:00:00")


def test_one_rate_share_per_key_and_base_url() -> None:
    one = source.rate_share_for("https://a.example/api", KEY, 0.5)
    assert source.rate_share_for("https://a.example/api", KEY, 0.5) is one
    assert source.rate_share_for("https://b.example/api", KEY, 0.5) is not one
    assert source.rate_share_for("https://a.example/api", KEY + "x", 0.5) is not one


def test_the_rate_share_table_keeps_no_key() -> None:
    source.rate_share_for("https://c.example/api", KEY, 0.5)
    assert all(KEY not in str(entry) for entry in source._shares)


def test_demo_client_talks_to_the_simulator_and_live_client_to_the_base_url() -> None:
    demo = source.open_client(Settings())
    live = source.open_client(Settings(api_key=KEY, base_url="https://zernio.com/api", flavor="unified"))
    try:
        assert demo.list_logs(limit=1).items is not None  # answered in-process, no network
        assert KEY not in repr(live)
    finally:
        demo.close()
        live.close()


def test_open_store_uses_the_settings_folder_and_retention(tmp_path: Path) -> None:
    store = source.open_store(Settings(cache_dir=tmp_path / "store", retention_days=12))
    try:
        assert isinstance(store, LogStore)
        assert store.retention_days == 12
        assert Path(store.directory) == tmp_path / "store"
    finally:
        store.close()
