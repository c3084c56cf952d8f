"""Upgrade without loss (issue 8): a store written by the v1 engine (one Arrow IPC blob per day; the fixture
tests/fixtures/v1_store was made by that code, see tests/fixtures/make_v1_store.py) opens after the upgrade
with every attempt, raw entry, detail, connection log, the state and the ledger as the old engine answered
them (tests/fixtures/v1_expected.json), and the old blobs gone only after the new state committed."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import diskcache
import pytest

from late_logs.store import SCHEMA_KEY, SCHEMA_VERSION, LogStore, StoreError
from late_logs.store.face import LogStore as Face

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)  # the fixture's clock
EXPECTED = json.loads((FIXTURES / "v1_expected.json").read_text())


@pytest.fixture
def v1_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(FIXTURES / "v1_store", folder)
    return folder


def v1_keys(folder: Path) -> list[str]:
    with diskcache.Cache(str(folder)) as cache:
        return [k for k in cache.iterkeys() if k.startswith(("frame:", "index:", "meta:partitions"))
                or (k.startswith("raw:") and k.count(":") == 2 and k.split(":")[1][:4].isdigit())]


def assert_as_the_v1_engine_answered(store: LogStore) -> None:
    frame = store.frame()
    # v1 knew one workspace: every attempt is of the default source (the column came with several sources).
    assert set(frame["source"]) == {"default"}
    v1_columns = frame.drop(columns=["source"])
    rows = json.loads(v1_columns.to_json(orient="records", date_format="iso", date_unit="ns"))
    assert rows == EXPECTED["frame"]  # every attempt, every column, the same order
    assert store.raw_attempts(frame["log_id"].tolist()) == EXPECTED["raw"]
    assert {i: store.get_detail(i) for i in sorted(store.detail_ids())} == EXPECTED["details"]
    assert store.connection_logs() == EXPECTED["connection_logs"]
    assert store.state() == EXPECTED["state"]
    assert store.ledger() == EXPECTED["ledger"]
    assert sorted(store.pending_ids()) == EXPECTED["pending"]
    assert sorted(store.suspect_time_ids()) == EXPECTED["suspect"]


def test_the_fixture_is_a_v1_store(v1_folder: Path):
    with diskcache.Cache(str(v1_folder)) as cache:  # a copy: opening a cache writes its settings
        assert cache.get(SCHEMA_KEY) == 1
    assert len(EXPECTED["frame"]) == 241 and len(EXPECTED["details"]) == 5


def test_a_v1_store_opens_upgraded_with_everything_the_old_engine_held(v1_folder: Path):
    assert v1_keys(v1_folder)
    with LogStore(v1_folder, clock=lambda: NOW) as store:
        assert store.stats().schema_version == SCHEMA_VERSION == 2
        assert_as_the_v1_engine_answered(store)
        assert store.parquet_files() and store.attempt_count() == 241
        # derived columns were computed for the upgraded rows too
        failed = store.frame(columns=["status", "error_group", "who_must_act"]).query("status == 'failed'")
        assert failed["error_group"].notna().all() and failed["who_must_act"].notna().all()
    assert v1_keys(v1_folder) == []  # the old blobs are gone
    with LogStore(v1_folder, clock=lambda: NOW) as store:  # and a second open changes nothing
        assert_as_the_v1_engine_answered(store)


def test_old_blobs_left_by_an_upgrade_killed_after_its_commit_go_at_the_next_open(v1_folder, monkeypatch):
    monkeypatch.setattr(Face, "_drop_legacy_keys", lambda self: None)  # as if killed right after the commit
    with LogStore(v1_folder, clock=lambda: NOW) as store:
        assert_as_the_v1_engine_answered(store)
    assert v1_keys(v1_folder)
    monkeypatch.undo()
    with LogStore(v1_folder, clock=lambda: NOW) as store:
        assert_as_the_v1_engine_answered(store)
    assert v1_keys(v1_folder) == []


def test_a_read_only_v1_store_says_how_to_upgrade_it(v1_folder: Path, monkeypatch):
    from late_logs.store import face

    monkeypatch.setattr(face, "open_cache", lambda directory: (diskcache.Cache(str(directory)), True))
    with pytest.raises(StoreError, match="older late-logs .* open it once where late-logs can write"):
        LogStore(v1_folder)
