"""The faster write path (issue 8) stores exactly what the code before it stored.

The shortcuts: the redacted copy of an entry skips the JSON round trip when it is JSON-clean already
(store/entries.redacted_json), and the error group of a failure seen before comes from a cache instead of
a pandas pass (store/derived). Each is checked against the unchanged public function it stands in for,
and, in one slow test, the whole write path against the package as it was at git rev 5e02181 (run in its
own process by bench/bench_write_path.py), row for row and packed raw entry for packed raw entry.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from late_logs import fingerprint
from late_logs.records import flatten
from late_logs.redact import redact_value
from late_logs.simulator import SimulatedLate
from late_logs.store import derived
from late_logs.store.entries import plain_json, redacted_json
from late_logs.store.face import _flat_table

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def simulator_entries() -> list[dict]:
    return SimulatedLate(seed=7, clock=lambda: NOW).retained_logs()


class Label(str):
    """A str subclass: JSON writes it as text, so the round trip gives back a plain str."""


class Odd:
    def __str__(self) -> str:
        return "odd object"


ODD_VALUES = [
    {"pair": (1, 2), "token": "abc"},  # a tuple comes back as a list
    {"number": float("nan"), "big": float("inf")},  # non-finite floats: NaN objects differ
    {1: "int key", None: "none key", 2.5: "float key", False: "bool key"},  # keys become text
    {"label": Label("x"), "ordered": OrderedDict(a=1)},  # subclasses become plain types
    {"object": Odd()},  # default=str
    [["X-API-Key", "secret-value"], ("Authorization", "Bearer abcdefghijkl")],
    {"nested": [{"deep": [1, 2.5, None, True, "https://x.example/?access_token=EAAB123"]}]},
    "plain text",
    42,
    None,
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
def test_redacted_json_is_plain_json_of_redact_value_for_odd_values(value):
    expected = plain_json(redact_value(value))
    found = redacted_json(value)
    assert json.dumps(found, default=repr) == json.dumps(expected, default=repr)  # NaN != NaN
    assert _types(found) == _types(expected)


def test_redacted_json_is_plain_json_of_redact_value_for_every_simulator_entry():
    entries = simulator_entries()
    assert len(entries) > 100
    for entry in entries:
        found = redacted_json(entry)
        assert found == plain_json(redact_value(entry))
        assert _types(found) == _types(plain_json(redact_value(entry)))
        assert list(found) == list(plain_json(redact_value(entry)))  # key order too


def test_redacted_json_shares_nothing_with_its_input():
    entry = {"request": {"mediaUrls": ["https://a.example/1.jpg"]}, "response": {"rawBody": "{}"}}
    copy = redacted_json(entry)
    copy["request"]["mediaUrls"].append("changed")
    copy["response"]["extra"] = 1
    assert entry == {"request": {"mediaUrls": ["https://a.example/1.jpg"]}, "response": {"rawBody": "{}"}}


def _types(value):
    """The value's shape with the type of every part, to tell 1 from 1.0 and True from 1."""
    if isinstance(value, dict):
        return ("dict", [(type(k).__name__, _types(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_types(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return type(value).__name__


def _records(entries: list[dict]) -> pa.Table:
    rows = []
    for entry in entries:
        row = flatten(entry)
        row["log_id"] = str(entry["_id"])
        rows.append(row)
    return _flat_table(rows)


def _reference_groups(records: pa.Table) -> list:
    groups = fingerprint.error_group_keys(derived._frame(records))
    return groups.astype(object).where(groups.notna(), None).tolist()


def test_error_groups_are_the_fingerprint_s_cold_and_warm(monkeypatch):
    monkeypatch.setattr(derived, "_GROUPS", {})
    entries = simulator_entries()
    failed = [e for e in entries if e.get("status") == "failed"]
    assert len(failed) > 20
    # The same failures again with the messages made odd: missing, blank, numbers that normalise away.
    odd = []
    for number, entry in enumerate(failed[:20]):
        copy = json.loads(json.dumps(entry))
        copy["_id"] = f"{number:024x}"
        response = copy.setdefault("response", {})
        response["errorMessage"] = [None, "", "   ", f"Media ID {number} is not available"][number % 4]
        if number % 5 == 0:
            copy["platform"] = None
        odd.append(copy)
    records = _records(entries + odd)
    expected = _reference_groups(records)
    assert sum(g is not None for g in expected) == len(failed) + len(odd)
    assert derived.derive(records, [None] * records.num_rows)["error_group"].to_pylist() == expected
    assert derived._GROUPS  # what it saw is remembered
    assert derived.derive(records, [None] * records.num_rows)["error_group"].to_pylist() == expected


def test_error_groups_are_not_served_across_fingerprint_versions(monkeypatch):
    monkeypatch.setattr(derived, "_GROUPS", {})
    records = _records([e for e in simulator_entries() if e.get("status") == "failed"][:5])
    derived.derive(records, [None] * records.num_rows)
    monkeypatch.setattr(fingerprint, "FINGERPRINT_VERSION", "test-other")
    # A new version's groups may differ: a remembered one of the old version must not answer.
    monkeypatch.setattr(fingerprint, "error_group_keys", lambda frame: _constant_groups(frame))
    found = derived.derive(records, [None] * records.num_rows)["error_group"].to_pylist()
    assert found == ["new-version"] * records.num_rows


def _constant_groups(frame):
    import pandas as pd

    return pd.Series(["new-version"] * len(frame), index=frame.index, dtype="string")


def test_the_group_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(derived, "_GROUPS", {("old", "x", "y", str(n)): "g" for n in range(11)})
    monkeypatch.setattr(derived, "_MAX_GROUPS", 10)
    records = _records([e for e in simulator_entries() if e.get("status") == "failed"][:3])
    assert derived.derive(records, [None] * 3)["error_group"].to_pylist() == _reference_groups(records)
    assert len(derived._GROUPS) <= 3


@pytest.mark.slow
def test_the_write_path_stores_what_the_code_before_it_stored(tmp_path: Path):
    """Every stored row (derived columns too) and every packed raw entry, against rev 5e02181."""
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", "5e02181^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip("git rev 5e02181 is not in this clone")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_write_path as bench_module
    finally:
        sys.path.remove(str(ROOT / "bench"))
    before = bench_module.old_package("5e02181", tmp_path / "before")
    entries = tmp_path / "entries.json"
    bench_module.write_entries(1_500, entries)
    old = bench_module.measure(before, entries, 100)
    new = bench_module.measure(ROOT, entries, 100)
    assert old["rows"] == new["rows"] == 1_500
    assert new["digest"] == old["digest"]
