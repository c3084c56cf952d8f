"""Baselines over small count frames with exactly known contents: which windows are the usual, which cells
are worse than usual and in which order, and KPIs that say "no baseline yet" instead of a rise."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pandas as pd
import pytest

from late_logs import baselines

T = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def counts(*rows: tuple[str, str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["platform", "action", "settled", "failures"])


def stamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --------------------------------------------------------------------------------------------- windows


def test_a_two_hour_window_is_compared_with_the_same_hours_of_the_seven_days_before() -> None:
    windows = baselines.baseline_windows(T, T.replace(hour=10))
    assert windows == [
        (stamp(f"2026-11-{day:02d} 08:00"), stamp(f"2026-11-{day:02d} 10:00")) for day in range(30, 23, -1)
    ]


def test_a_window_across_midnight_keeps_its_hours() -> None:
    windows = baselines.baseline_windows(stamp("2026-12-01 22:00"), stamp("2026-12-02 02:00"), days=2)
    assert windows == [
        (stamp("2026-11-30 22:00"), stamp("2026-12-01 02:00")),
        (stamp("2026-11-29 22:00"), stamp("2026-11-30 02:00")),
    ]


def test_a_week_long_window_is_compared_with_the_week_before() -> None:
    assert baselines.baseline_windows(stamp("2026-11-24 08:00"), stamp("2026-12-01 08:00")) == [
        (stamp("2026-11-17 08:00"), stamp("2026-11-24 08:00"))
    ]


def test_a_two_day_window_is_shifted_by_two_days_as_often_as_fits_in_a_week() -> None:
    windows = baselines.baseline_windows(stamp("2026-11-29 08:00"), stamp("2026-12-01 08:00"))
    assert [w[0] for w in windows] == [stamp("2026-11-27 08:00"), stamp("2026-11-25 08:00"),
                                       stamp("2026-11-23 08:00")]  # fmt: skip


def test_days_before_the_oldest_stored_attempt_are_not_counted_as_quiet_days() -> None:
    windows = baselines.baseline_windows(T, T.replace(hour=10), since=stamp("2026-11-28 07:00"))
    assert [w[0] for w in windows] == [stamp("2026-11-30 08:00"), stamp("2026-11-29 08:00"),
                                       stamp("2026-11-28 08:00")]  # fmt: skip


def test_pool_sums_the_baseline_windows_per_cell() -> None:
    pooled = baselines.pool(
        [counts(("x", "publish", 10, 1), ("y", "retry", 4, 0)), counts(("x", "publish", 20, 3)), counts()],
        ["platform", "action"],
    )
    assert pooled.to_dict("records") == [
        {"platform": "x", "action": "publish", "settled": 30, "failures": 4},
        {"platform": "y", "action": "retry", "settled": 4, "failures": 0},
    ]


# --------------------------------------------------------------------------------------------- cells


@pytest.fixture
def compared() -> pd.DataFrame:
    """A small cell and a large one both worsen; one cell is as usual; one has no baseline yet."""
    current = counts(
        ("reddit", "retry", 5, 3),  # 60 % against a usual 20 %: a big rate jump on tiny volume
        ("linkedin", "publish", 91, 26),  # 28.6 % against a usual 10 %: the real problem
        ("instagram", "publish", 200, 20),  # 10 %, as usual
        ("threads", "publish", 40, 30),  # new: nothing to compare with
    )
    baseline = counts(
        ("reddit", "retry", 100, 20),
        ("linkedin", "publish", 700, 70),
        ("instagram", "publish", 1400, 140),
        ("threads", "publish", 3, 0),  # under the floor
    )
    return baselines.compare(current, baseline)


def test_the_large_cell_that_worsened_ranks_first_and_the_small_one_is_not_worse(compared) -> None:
    assert list(compared["platform"]) == ["linkedin", "reddit", "instagram", "threads"]
    linkedin = compared.iloc[0]
    assert linkedin["expected"] == pytest.approx(91 * 71 / 702)
    assert linkedin["excess"] == pytest.approx(26 - 91 * 71 / 702)
    assert bool(linkedin["worse"])
    reddit = compared.iloc[1]
    assert reddit["excess"] == pytest.approx(3 - 5 * 21 / 102)
    assert not bool(reddit["worse"])  # 2 excess failures on 5 attempts: chance, not a problem
    assert list(baselines.worse_than_usual(compared)["platform"]) == ["linkedin"]


def test_a_cell_as_usual_is_not_worse(compared) -> None:
    instagram = compared[compared["platform"] == "instagram"].iloc[0]
    assert not bool(instagram["worse"])
    assert abs(instagram["excess"]) < 1


def test_a_cell_without_enough_baseline_says_no_baseline_yet(compared) -> None:
    threads = compared[compared["platform"] == "threads"].iloc[0]
    assert not bool(threads["has_baseline"]) and not bool(threads["worse"])
    assert math.isnan(threads["excess"]) and math.isnan(threads["baseline_rate"])
    assert baselines.cell_sentence(threads) == "30 of 40 failed (75.0 %), no baseline yet"


def test_cell_sentence_says_how_many_more_failures_than_usual(compared) -> None:
    assert baselines.cell_sentence(compared.iloc[0]) == (
        "26 of 91 failed (28.6 %), usually 10.0 %: 16.8 more failures than usual"
    )


def test_a_cell_missing_from_the_baseline_has_no_baseline() -> None:
    result = baselines.compare(counts(("x", "publish", 50, 40)), counts())
    assert result[["platform", "has_baseline", "worse"]].to_dict("records") == [
        {"platform": "x", "has_baseline": False, "worse": False}
    ]


def test_a_zero_failure_baseline_does_not_make_one_failure_a_problem() -> None:
    result = baselines.compare(counts(("x", "publish", 50, 1)), counts(("x", "publish", 500, 0)))
    assert not bool(result.iloc[0]["worse"])


def test_compare_of_no_cells_is_empty() -> None:
    result = baselines.compare(counts(), counts())
    assert result.empty and list(result.columns) == ["platform", "action", *baselines.COMPARED_COLUMNS]


# --------------------------------------------------------------------------------------------- KPIs


def per_window(*rows: tuple[int, int, int, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["attempts", "settled", "failures", "posts_affected", "accounts_affected"]
    )


def test_kpis_are_compared_with_the_mean_of_the_windows_with_data() -> None:
    current = {"attempts": 120, "failures": 30, "failure_rate": 0.25, "accounts_affected": 6}
    result = baselines.kpi_baselines(
        current, per_window((100, 90, 9, 5, 2), (80, 70, 7, 3, 4), (0, 0, 0, 0, 0))
    )
    assert result["attempts"] == baselines.KpiBaseline("attempts", 120, 90.0, 30.0, 2)
    assert result["failures"].usual == 8.0 and result["failures"].delta == 22.0
    assert result["failure_rate"].usual == pytest.approx(16 / 160)  # pooled, not a mean of rates
    assert result["accounts_affected"].usual == 3.0


def test_an_empty_baseline_says_no_baseline_yet_not_a_rise() -> None:
    current = {"attempts": 500, "failure_rate": 0.136}
    for empty in (per_window(), per_window((0, 0, 0, 0, 0)), per_window((3, 3, 1, 1, 1))):
        result = baselines.kpi_baselines(current, empty)
        assert not result["failure_rate"].has_baseline and result["failure_rate"].delta is None
        assert not result["attempts"].has_baseline and result["attempts"].delta is None


# --------------------------------------------------------------------------------------------- groups


@pytest.mark.parametrize(
    "count, baseline_failures, windows, usual, ratio, text",
    [
        (10, 14, 7, 2.0, 5.0, "5.0× usual (usually 2.0)"),
        (3, 21, 7, 3.0, 1.0, "1.0× usual (usually 3.0)"),
        (0, 7, 7, 1.0, 0.0, "none now (usually 1.0)"),
        (4, 0, 7, 0.0, None, "usually none"),
        (4, 0, 0, None, None, "no baseline yet"),  # the store holds none of those hours
    ],
)
def test_a_group_is_compared_with_its_mean_over_the_baseline_windows(
    count, baseline_failures, windows, usual, ratio, text
) -> None:
    found = baselines.group_usual(count, baseline_failures, windows)
    assert (found.count, found.usual, found.ratio, found.text) == (count, usual, ratio, text)
