"""The collector package's face: every public name re-exported, and its knobs read and set in one place."""

from __future__ import annotations

import pytest

import late_logs.collector as collector
from late_logs.collector import limits, walk


def test_every_name_in_all_is_there_and_a_star_import_gets_them() -> None:
    for name in collector.__all__:
        assert hasattr(collector, name), name
    namespace: dict[str, object] = {}
    exec("from late_logs.collector import *", namespace)  # noqa: S102 - what a user's star import gets
    assert set(namespace) - {"__builtins__"} == set(collector.__all__)


def test_a_knob_set_on_the_package_is_the_one_every_part_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    before = limits.FLUSH_EVERY_PAGES
    monkeypatch.setattr("late_logs.collector.FLUSH_EVERY_PAGES", before + 7)
    assert limits.FLUSH_EVERY_PAGES == before + 7 == collector.FLUSH_EVERY_PAGES
    assert walk.limits.FLUSH_EVERY_PAGES == before + 7
    monkeypatch.undo()
    assert limits.FLUSH_EVERY_PAGES == before == collector.FLUSH_EVERY_PAGES


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        collector.NO_SUCH_KNOB  # noqa: B018 - the lookup is the test
