"""queries.py answers over Parquet files exactly what analysis.py answers over the same rows in pandas.

The rows are the demo world's (one real sync pass, tests/conftest.py) plus a few hand-made awkward ones:
missing values, a failure without code or message, blank text, hostile search text. They are written the way
the store writes them (hive layout, several days, several files a day, derived columns added at write time),
then every query function is compared with its pandas twin for many filters.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from late_logs import analysis, queries, search
from late_logs.analysis import Filters
from late_logs.records import RECORD_COLUMNS, coerce_frame
from late_logs.store import StoreDamaged
from late_logs.store.failures import failure_files, failures_path, write_failures
from late_logs.store.rollups import rollup_files, write_rollup
from late_logs.ui import facets

FILES_PER_DAY = 3
FACETS = (facets.FACET_COLUMNS.values(), facets.MISSING_LABELS)


def _awkward_rows(newest: pd.Timestamp) -> pd.DataFrame:
    """Rows the demo world does not make: missing values, blanks, hostile text, a failure saying nothing."""
    base = {c: None for c in RECORD_COLUMNS}

    def row(log_id: str, minutes_ago: float, **fields) -> dict:
        return {**base, "log_id": log_id, "created_at": newest - pd.Timedelta(minutes=minutes_ago), **fields}

    rows = [
        row("awk-nothing", 5, status="failed"),  # no platform, action, account, code or message
        row(
            "awk-blank",
            7,
            status="failed",
            platform="instagram",
            action="publish",
            error_code="  ",
            error_message="   ",
            account_username="@blank_one",
        ),  # fmt: skip
        row(
            "awk-percent",
            9,
            status="failed",
            platform="facebook",
            action="publish",
            error_code="100",
            error_message="Quota 100% used_up for\\% %_\\ \\path 'quoted' \"double\" naïve ÉCOLE 日本語 🚀",
            account_id="acc-weird",
            account_username="@Weird_Handle",
            post_id="post-weird",
            status_code=429,
        ),  # fmt: skip
        row("awk-pending", 90, status="pending", platform="tiktok", action="publish", post_id="post-stuck"),
        row("awk-noaction", 11, status="success", platform="threads", post_id="post-weird"),
        row(
            "awk-hash",
            13,
            status="failed",
            platform="twitter",
            action="retry",
            error_code="#32",
            error_message="Could not authenticate you",
            account_id="acc-x",
            post_id="post-x",
            status_code=401,
        ),  # fmt: skip
        row("awk-notime", 0, status="failed", platform="linkedin", action="publish", error_message="no time"),
    ]
    frame = coerce_frame(pd.DataFrame(rows))
    frame.loc[frame["log_id"] == "awk-notime", "created_at"] = pd.NaT
    return frame


def write_hive(frame: pd.DataFrame, root: Path, source: str = "default", rollups: bool = False) -> list[str]:
    """The frame with its derived columns as `<root>/attempts/workspace=<s>/day=YYYY-MM-DD/part-N.parquet`,
    FILES_PER_DAY files a day (rows dealt round-robin), as the store's writer lays them out; with `rollups`,
    each file's hourly counts and its failures copy beside it, as the store writes them
    (late_logs/store/rollups.py, failures.py)."""
    derived = analysis.add_verdict_columns(frame)
    derived["derived_version"] = "test"
    if "source" not in derived:  # a record column: the frame's own, as the store writes it
        derived["source"] = source
    days = derived["created_at"].dt.strftime("%Y-%m-%d").fillna("unknown")
    files: list[str] = []
    for day, rows in derived.groupby(days, sort=True):
        folder = root / "attempts" / f"workspace={source}" / f"day={day}"
        folder.mkdir(parents=True, exist_ok=True)
        for part in range(FILES_PER_DAY):
            chunk = rows.iloc[part::FILES_PER_DAY]
            if chunk.empty:
                continue
            path = folder / f"part-{part}.parquet"
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            pq.write_table(table, path)
            if rollups:
                write_rollup(table, path)
                write_failures(table, path)
            files.append(str(path))
    return files


@pytest.fixture(scope="module", params=["rows", "rollups"])
def world(
    request, demo_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, list[str]]:
    """(frame in the store's order, its Parquet files): every test runs twice, once on files without
    rollups and failures copies (every count from the rows) and once with them (whole hours from the
    rollups, the edges of each window from the rows, failures from the copies), and both must answer what
    pandas answers."""
    newest = demo_frame["created_at"].max()
    frame = pd.concat([demo_frame, _awkward_rows(newest)], ignore_index=True)
    frame = frame.sort_values(["created_at", "log_id"], ascending=False, na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)
    files = write_hive(frame, tmp_path_factory.mktemp("hive"), rollups=request.param == "rollups")
    assert len({Path(f).parent for f in files}) >= 3  # several days
    return frame, files


@pytest.fixture(scope="module")
def end(world) -> datetime:
    """A minute after the newest attempt: the windows end here."""
    frame, _ = world
    return (frame["created_at"].max() + pd.Timedelta(minutes=1)).floor("min").to_pydatetime()


def _filters(end: datetime) -> list[Filters]:
    day = timedelta(days=1)
    return [
        Filters(start=end - day, end=end),
        Filters(start=end - 3 * day, end=end),
        Filters(start=end - 7 * day, end=end),
        Filters(start=end - 30 * day, end=end),
        Filters(start=end - 2 * day, end=end - day),
        Filters(start=end - 7 * day, end=end, platforms=("instagram", "facebook")),
        Filters(start=end - 7 * day, end=end, platforms=(analysis.UNKNOWN,)),
        Filters(start=end - 7 * day, end=end, actions=("publish", analysis.UNKNOWN)),
        Filters(start=end - 7 * day, end=end, statuses=("failed",)),
        Filters(start=end - 7 * day, end=end, statuses=("success", "pending")),
        Filters(start=end - 7 * day, end=end, error_codes=(analysis.NO_CODE,)),
        Filters(start=end - 7 * day, end=end, error_codes=("100", "190", analysis.NO_CODE)),
        Filters(start=end - 7 * day, end=end, accounts=("@Weird_Handle", "acc-x")),
        Filters(start=end - 7 * day, end=end, who_must_act=("reconnect", "wait")),
        Filters(start=end - 7 * day, end=end, retry=("verify",)),
        Filters(start=end - 7 * day, end=end, post_id="post-weird"),
        Filters(start=end - 7 * day, end=end, text="token"),
        Filters(start=end - 7 * day, end=end, text="-platform:instagram status:failed"),
        Filters(start=end - 7 * day, end=end, platforms=("instagram",), text='"rate limit" -code:none'),
        Filters(start=end - 7 * day, end=end, platforms=("x'); DROP TABLE t; --",)),
        Filters(start=end - 7 * day, end=end, sources=("default",)),
        Filters(start=end - 7 * day, end=end, sources=("acme", "globex")),
    ]


def _ids(flt_index: int) -> str:
    return f"filter{flt_index}"


FILTER_COUNT = 22


@pytest.fixture(params=range(FILTER_COUNT), ids=_ids)
def flt(request, end) -> Filters:
    return _filters(end)[request.param]


def _group_filter(world, end) -> Filters:
    frame, _ = world
    keys = analysis.error_group_keys(frame).dropna()
    return Filters(start=end - timedelta(days=7), end=end, error_group=str(keys.value_counts().index[0]))


# ----------------------------------------------------------------------------------------- the filter


def test_the_filter_keeps_the_rows_apply_filters_keeps_in_the_store_order(world, flt):
    frame, files = world
    expected = analysis.apply_filters(frame, flt)
    found = queries.attempts(files, flt)
    assert found["log_id"].tolist() == expected["log_id"].tolist()
    assert queries.count(files, flt) == len(expected)


def test_the_rows_come_back_with_the_record_dtypes_and_values(world, end):
    frame, files = world
    flt = Filters(start=end - timedelta(days=7), end=end)
    expected = analysis.apply_filters(frame, flt).reset_index(drop=True)
    found = queries.attempts(files, flt)
    assert list(found.columns) == RECORD_COLUMNS
    assert_frame_equal(found, expected[RECORD_COLUMNS], check_dtype=True)


def test_an_error_group_filter_keeps_its_failures(world, end):
    frame, files = world
    flt = _group_filter(world, end)
    expected = analysis.apply_filters(frame, flt)
    assert len(expected) > 1
    assert queries.attempts(files, flt)["log_id"].tolist() == expected["log_id"].tolist()


@pytest.mark.parametrize(
    ("column", "descending"), [("duration_ms", True), ("platform", False), ("error_message", True)]
)
def test_the_explorer_sort_and_limit_match_sorted_rows(world, end, column, descending):
    from late_logs.ui import explorer_view

    frame, files = world
    flt = Filters(start=end - timedelta(days=7), end=end)
    expected = explorer_view.sorted_rows(analysis.apply_filters(frame, flt), column, descending, 50)
    found = queries.attempts(files, flt, ["log_id", column], column, descending, limit=50)
    assert found["log_id"].tolist() == expected["log_id"].tolist()
    assert list(found.columns) == ["log_id", column]
    # The Explorer's first rows and count, in two reads: the same rows, every column, and the full count.
    for text in ("", "token", "-platform:instagram status:failed"):
        narrowed = dataclasses.replace(flt, text=text)
        matching = analysis.apply_filters(frame, narrowed)
        expected = explorer_view.sorted_rows(matching, column, descending, 50)
        shown, total = queries.first_attempts(files, narrowed, RECORD_COLUMNS, column, descending, 50)
        assert total == len(matching)
        assert_frame_equal(shown, queries.attempts(files, narrowed, RECORD_COLUMNS, column, descending, 50))
        assert shown["log_id"].tolist() == expected["log_id"].tolist()


def test_values_are_bound_never_spliced_into_the_sql(world, end):
    _, files = world
    hostile = "x' OR '1'='1"
    for flt in (
        Filters(start=end - timedelta(days=7), end=end, platforms=(hostile,)),
        Filters(start=end - timedelta(days=7), end=end, post_id=hostile),
        Filters(start=end - timedelta(days=7), end=end, error_group=hostile),
        Filters(start=end - timedelta(days=7), end=end, text=f"platform:{hostile}"),
    ):
        assert queries.count(files, flt) == 0


# ----------------------------------------------------------------------------------------- answers


def _same_kpis(found: list[analysis.Kpi], expected: list[analysis.Kpi]) -> None:
    assert [k.key for k in found] == [k.key for k in expected]
    for mine, theirs in zip(found, expected, strict=True):
        for name in ("value", "previous", "delta"):
            a, b = getattr(mine, name), getattr(theirs, name)
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), (mine.key, name, a, b)
        assert (mine.name, mine.unit) == (theirs.name, theirs.unit)


def test_window_kpis_match_against_the_window_before(world, flt):
    frame, files = world
    earlier = flt.start - (flt.end - flt.start)
    both = analysis.apply_filters(frame, dataclasses.replace(flt, start=earlier))
    _same_kpis(queries.window_kpis(files, flt), analysis.window_kpis(both, flt.start, flt.end))


def test_failure_matrix_matches(world, flt):
    frame, files = world
    expected = analysis.failure_matrix(analysis.apply_filters(frame, flt))
    assert_frame_equal(queries.failure_matrix(files, flt), expected, check_exact=False)


@pytest.mark.parametrize("bucket", [None, "h", "3h", "6h", "D"])
def test_time_series_match_for_every_bucket(world, end, bucket):
    frame, files = world
    for flt in _filters(end)[:9]:
        window = analysis.apply_filters(frame, flt)
        counts = queries.time_counts(files, flt, hourly=bucket not in (None, "D"))
        assert_frame_equal(
            queries.rate_series(counts, bucket),
            analysis.failure_rate_over_time(window, flt.start, flt.end, bucket=bucket),
            check_exact=False,
        )
        assert_frame_equal(
            queries.volume_series(counts, bucket),
            analysis.status_volume_over_time(window, flt.start, flt.end, bucket=bucket),
        )


def test_whole_hours_come_from_the_rollups_when_every_file_has_one(world, end, tmp_path):
    frame, files = world
    flt = Filters(start=end - timedelta(days=7), end=end, platforms=("instagram",), retry=("verify",))
    rolled = rollup_files(files) is not None
    assert (queries.window_cells(files, flt) is not None) == rolled
    # A filter the rollups do not keep (an account, a post, a search) counts the rows.
    for narrower in (dataclasses.replace(flt, accounts=("acc-x",)), dataclasses.replace(flt, text="token"),
                     dataclasses.replace(flt, post_id="post-x")):  # fmt: skip
        assert queries.window_cells(files, narrower) is None
    if rolled:  # one file without its rollup (a writer killed between the two): the rows, same answer
        missing = Path(rollup_files(files)[0])
        kept = missing.read_bytes()
        missing.unlink()
        try:
            assert queries.window_cells(files, flt) is None
            expected = analysis.failure_matrix(analysis.apply_filters(frame, flt))
            assert_frame_equal(queries.failure_matrix(files, flt), expected, check_exact=False)
        finally:
            missing.write_bytes(kept)


def test_failure_questions_read_the_failures_copies_and_a_missing_copy_changes_nothing(world, end):
    """The copies hold exactly each file's failed and pending rows; the questions that keep only those read
    them (a copy made unreadable fails them, in one sentence), and with one copy gone (a writer killed
    between a file and its copy) that file itself is read: the same answers."""
    frame, files = world
    copies = [Path(name) for name in failure_files(files)]
    if not all(path.parent.parts[-3] == "failures" for path in copies):
        assert failure_files(files) == files  # no copies: the files themselves
        return
    copied = pd.concat([pq.read_table(path).to_pandas() for path in copies], ignore_index=True)
    copied_statuses = frame["status"].isin(["failed", "pending"])
    assert sorted(copied["log_id"]) == sorted(frame.loc[copied_statuses, "log_id"])
    flt = Filters(start=end - timedelta(days=30), end=end)
    window = analysis.apply_filters(frame, flt)

    def answers() -> tuple:
        return (
            queries.post_counts(files, flt, end),
            queries.error_groups(files, flt).to_dict("list"),
            queries.kpi_numbers(files, flt),
            queries.count(files, dataclasses.replace(flt, statuses=("failed",))),
        )

    expected = answers()
    assert expected[0] == analysis.post_counts(window, end)
    assert expected[3] == int((window["status"] == "failed").sum())
    first = failures_path(files[0])
    kept = first.read_bytes()
    try:
        first.write_bytes(b"not parquet")  # read by every failure question: each one fails
        failed = dataclasses.replace(flt, statuses=("failed",))
        questions = (lambda: queries.post_counts(files, flt, end), lambda: queries.error_groups(files, flt),
                     lambda: queries.count(files, failed))  # fmt: skip
        for question in questions:
            with pytest.raises(StoreDamaged):  # one sentence with the repair command, no traceback
                question()
        first.unlink()
        assert failure_files(files)[0] == files[0]
        assert answers() == expected
    finally:
        first.write_bytes(kept)


def test_kpi_numbers_and_the_oldest_time_match(world, flt):
    frame, files = world
    expected = analysis.kpi_numbers(analysis.apply_filters(frame, flt))
    found = queries.kpi_numbers(files, flt)
    assert set(found) == set(expected)
    for key, value in expected.items():
        assert (math.isnan(value) and math.isnan(found[key])) or found[key] == pytest.approx(value), key
    assert queries.oldest_time(files) == frame["created_at"].min()


def test_daily_counts_refuse_a_bucket_finer_than_a_day(world, end):
    frame, files = world
    flt = Filters(start=end - timedelta(days=30), end=end)
    counts = queries.time_counts(files, flt)  # a month's chart is daily: whole days from daily cells
    window = analysis.apply_filters(frame, flt)
    assert_frame_equal(
        queries.volume_series(counts), analysis.status_volume_over_time(window, flt.start, flt.end)
    )
    if rollup_files(files) is not None:
        with pytest.raises(ValueError, match="finer"):
            counts.by("h", "platform")


def test_the_overviews_current_numbers_from_its_kpis_and_matrix_are_kpi_numbers(world, flt):
    # The Overview builds its window's baseline numbers from what it counted already (overview_view).
    _, files = world
    current = {k.key: k.value for k in queries.window_kpis(files, flt)}
    current["settled"] = int(queries.failure_matrix(files, flt)["settled"].sum())
    assert current == pytest.approx(queries.kpi_numbers(files, flt), nan_ok=True)


def test_time_series_without_a_window_take_it_from_the_rows(world):
    frame, files = world
    flt = Filters(platforms=("instagram",))
    window = analysis.apply_filters(frame, flt)
    assert_frame_equal(
        queries.failure_rate_over_time(files, flt, None, None, bucket="D"),
        analysis.failure_rate_over_time(window, None, None, bucket="D"),
        check_exact=False,
    )
    assert_frame_equal(
        queries.status_volume_over_time(files, flt, None, None, bucket="6h"),
        analysis.status_volume_over_time(window, None, None, bucket="6h"),
    )


def test_error_groups_match_with_first_and_last_seen_over_the_history(world, flt):
    frame, files = world
    window = analysis.apply_filters(frame, flt)
    assert_frame_equal(queries.error_groups(files, flt), analysis.error_groups(window))
    assert_frame_equal(
        queries.error_groups(files, flt, history=files), analysis.error_groups(window, history=frame)
    )


def test_error_groups_over_the_whole_store_include_the_failure_without_a_time(world):
    frame, files = world
    found = queries.error_groups(files, Filters())
    assert_frame_equal(found, analysis.error_groups(frame))
    assert "awk-notime" in set(found["sample_log_id"]) | set(
        queries.attempts(files, Filters(text="no time"))["log_id"]
    )


def test_group_counts_match_the_pandas_groups(world, flt):
    frame, files = world
    window = analysis.apply_filters(frame, flt)
    keys = analysis.error_group_keys(window).dropna()
    assert queries.group_counts(files, flt) == {str(k): int(n) for k, n in keys.value_counts().items()}
    assert queries.group_counts([], flt) == {}


def test_post_counts_match(world, flt):
    frame, files = world
    now = flt.end
    assert queries.post_counts(files, flt, now) == analysis.post_counts(
        analysis.apply_filters(frame, flt), now
    )


def _lane_world(end: datetime, extra_lanes: int = 0) -> pd.DataFrame:
    """Posts whose lanes the bit masks must tell apart: one failed on a platform outside Late's 13 and on a
    blank one, one published on one platform and failed on another, one recovered, one failed with another
    lane pending, one failed and pending on one lane, one only pending, one stuck, a failed upload (not
    publishing); `extra_lanes` more platforms failed on by one post."""
    base = {c: None for c in RECORD_COLUMNS}
    newest = pd.Timestamp(end) - pd.Timedelta(minutes=5)

    def row(n: int, post: str, platform: str | None, status: str, action: str = "publish") -> dict:
        at = newest - pd.Timedelta(minutes=n)
        return {**base, "log_id": f"lane-{n}", "created_at": at, "post_id": post, "platform": platform,
                "status": status, "action": action}  # fmt: skip

    rows = [
        row(1, "p-odd", "whatsapp", "failed"), row(2, "p-odd", None, "failed", "retry"),
        row(3, "p-odd", "  ", "failed"),
        row(4, "p-part", "instagram", "success"), row(5, "p-part", "tiktok", "failed"),
        row(6, "p-back", "tiktok", "failed"), row(7, "p-back", "tiktok", "success", "retry"),
        row(8, "p-wait", "youtube", "failed"), row(9, "p-wait", "threads", "pending"),
        row(10, "p-pending", "reddit", "pending"), row(11, "p-upload", "reddit", "failed", "media_upload"),
        row(12, "p-again", "bluesky", "failed"), row(13, "p-again", "bluesky", "pending", "retry"),
        row(60, "p-stuck", "tiktok", "pending"),  # pending over STUCK_AFTER: stuck
    ]
    rows += [row(100 + k, "p-many", f"platform-{k}", "failed") for k in range(extra_lanes)]
    return coerce_frame(pd.DataFrame(rows))


@pytest.mark.parametrize("extra_lanes", [0, queries.rows.MASK_LANES + 1])
def test_post_counts_by_lane_bits_and_by_lane_names_agree_with_pandas(end, tmp_path, extra_lanes):
    """The bits path (lanes from the rollups, at most MASK_LANES) and the names path (no rollups, or more
    lanes) give pandas' answer; a lane missing from the bits' names is never dropped: no answer, the names."""
    from late_logs.queries import rows as post_rows

    frame = _lane_world(end, extra_lanes)
    flt = Filters(start=end - timedelta(days=1), end=end)
    expected = analysis.post_counts(frame, end)
    assert expected.hit == 5 + (extra_lanes > 0) and expected.failed_everywhere == 1 + (extra_lanes > 0)
    assert expected.stuck_attempts == expected.stuck_posts == 1
    plain = write_hive(frame, tmp_path / "plain")
    rolled = write_hive(frame, tmp_path / "rolled", rollups=True)
    assert queries.post_counts(plain, flt, end) == expected
    assert queries.post_counts(rolled, flt, end) == expected
    names = post_rows._lane_names(rolled)
    assert {"whatsapp", analysis.UNKNOWN} <= set(names)
    if extra_lanes == 0:
        assert post_rows._post_counts_by_bits(rolled, flt, end, names) == expected
        assert post_rows._post_counts_by_bits(rolled, flt, end, [n for n in names if n != "whatsapp"]) is None
    Path(rollup_files(rolled)[0]).unlink()  # no lane names: lanes by name, stuck ones still from the copies
    assert post_rows._lane_names(rolled) is None
    assert queries.post_counts(rolled, flt, end) == expected


def test_facet_counts_and_distinct_values_match(world, end):
    frame, files = world
    for days in (1, 7, 90):
        start = end - timedelta(days=days)
        assert queries.facet_counts(files, start, end, *FACETS) == facets.window_counts(frame, start, end)
    for column in ("platform", "action", "account_username", "error_code", "status", "error_group"):
        values = frame[column] if column in frame.columns else analysis.error_group_keys(frame)
        assert queries.distinct(files, column) == tuple(sorted(str(v) for v in values.dropna().unique()))
    assert queries.distinct(files, "not_a_column") == ()


def test_one_attempt_a_posts_attempts_and_an_attempts_neighbours_match(world, end):
    frame, files = world
    flt = Filters(start=end - timedelta(days=7), end=end, statuses=("failed",))
    window = analysis.apply_filters(frame, flt)
    picks = [*window["log_id"].iloc[[0, 1, len(window) // 2, -1]], "awk-notime", "no-such-id"]
    for log_id in picks:
        newer, older = analysis.neighbours(window, log_id)
        inside = log_id in set(window["log_id"])
        assert queries.neighbours(files, flt, log_id) == (newer, older, inside)
        expected = frame[frame["log_id"] == log_id].reset_index(drop=True)
        assert_frame_equal(queries.attempt_rows(files, log_id), expected[RECORD_COLUMNS])
    for post_id in [*frame["post_id"].dropna().iloc[[0, 5, 50]], "post-weird", "no-such-post"]:
        expected = analysis.post_attempts(frame, post_id)
        assert_frame_equal(queries.post_attempts(files, post_id), expected[RECORD_COLUMNS])
    assert queries.neighbours([], flt, picks[0]) == (None, None, False)


# ----------------------------------------------------------------------------------------- edges


def test_no_files_answer_what_pandas_answers_for_no_rows(end):
    empty = queries.empty_attempts()
    flt = Filters(start=end - timedelta(days=1), end=end)
    assert queries.count([], flt) == 0
    assert queries.distinct([], "platform") == ()
    assert queries.attempts([], flt).empty
    _same_kpis(queries.window_kpis([], flt), analysis.window_kpis(empty, flt.start, flt.end))
    assert_frame_equal(queries.failure_matrix([], flt), analysis.failure_matrix(empty))
    assert_frame_equal(queries.error_groups([], flt, history=[]), analysis.error_groups(empty))
    assert_frame_equal(
        queries.failure_rate_over_time([], flt, flt.start, flt.end),
        analysis.failure_rate_over_time(empty, flt.start, flt.end),
    )
    assert_frame_equal(
        queries.status_volume_over_time([], flt, flt.start, flt.end),
        analysis.status_volume_over_time(empty, flt.start, flt.end),
    )
    assert queries.post_counts([], flt, end) == analysis.post_counts(empty, end)
    counted = queries.facet_counts([], flt.start, flt.end, *FACETS)
    assert counted == facets.window_counts(empty, flt.start, flt.end)


def test_a_window_without_rows_answers_like_pandas(world, end):
    frame, files = world
    flt = Filters(start=end + timedelta(days=30), end=end + timedelta(days=31))
    window = analysis.apply_filters(frame, flt)
    assert window.empty
    assert queries.count(files, flt) == 0
    earlier = flt.start - (flt.end - flt.start)
    both = analysis.apply_filters(frame, dataclasses.replace(flt, start=earlier))
    _same_kpis(queries.window_kpis(files, flt), analysis.window_kpis(both, flt.start, flt.end))
    assert_frame_equal(queries.failure_matrix(files, flt), analysis.failure_matrix(window))
    assert_frame_equal(queries.error_groups(files, flt, history=files), analysis.error_groups(window, frame))
    assert_frame_equal(
        queries.failure_rate_over_time(files, flt, flt.start, flt.end),
        analysis.failure_rate_over_time(window, flt.start, flt.end),
    )
    assert queries.post_counts(files, flt, end) == analysis.post_counts(window, end)


def test_a_failure_without_message_is_the_visible_no_message_group(world, end):
    _, files = world
    groups = queries.error_groups(files, Filters(start=end - timedelta(hours=1), end=end))
    nothing = groups[groups["sample_log_id"] == "awk-nothing"].iloc[0]
    assert (nothing["platform"], nothing["error_code"], nothing["message"]) == (
        analysis.UNKNOWN,
        analysis.NO_CODE,
        analysis.NO_MESSAGE,
    )


def test_a_file_without_the_derived_columns_still_reads(world, tmp_path):
    frame, _ = world
    path = tmp_path / "old.parquet"
    rows = frame[frame["created_at"].notna()].head(50)
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), path)
    flt = Filters(start=rows["created_at"].min(), end=rows["created_at"].max() + pd.Timedelta(seconds=1))
    assert queries.count([str(path)], flt) == len(analysis.apply_filters(rows, flt))


# ----------------------------------------------------------------------------------------- search

SEARCHES = [
    "token",
    "TOKEN expired",
    '"access token"',
    "-token",
    '-"rate limit"',
    "100%",
    "%",
    "_",
    "used_up",
    "\\path",
    "\\",
    "for\\%",
    "%_\\",
    "'quoted'",
    '"double"',
    '"',
    "naïve",
    "école",
    "日本語",
    "🚀",
    "platform:instagram,facebook",
    "platform:unknown",
    "action:(unknown)",
    "-platform:tiktok status:failed",
    "status:FAILED",
    "account:weird",
    "account:@weird_handle",
    "account:acc-x",
    "account:blank_o",
    "code:429",
    "code:32",
    "code:none",
    "code:#32",
    "-code:none status:failed",
    "post:post-weird",
    "who:reconnect",
    "class:wait,platform",
    "-who:content status:failed",
    "nosuchfield:value",
    "https://example.com/x?y=1",
    "x' OR '1'='1",
    "a b c d e f",
    "instagram publish",
]


@pytest.mark.parametrize("text", SEARCHES)
def test_search_to_sql_keeps_the_rows_matches_keeps(world, text):
    frame, files = world
    query = search.parse(text)
    expected = frame.loc[search.matches(query, frame), "log_id"].tolist()
    found = queries.attempts(files, Filters(text=text))["log_id"].tolist()
    assert found == expected


def test_search_by_group_key_in_sql(world, end):
    frame, files = world
    key = _group_filter(world, end).error_group
    for text in (f"group:{key}", f"-group:{key} status:failed", f"group:{key.upper()}"):
        expected = frame.loc[search.matches(search.parse(text), frame), "log_id"].tolist()
        assert queries.attempts(files, Filters(text=text))["log_id"].tolist() == expected
        assert expected


def test_to_sql_binds_every_value():
    sql, params = search.to_sql(search.parse("x'y platform:a'b \"c%d\" -code:1_2"))
    assert "x'y" not in sql and "a'b" not in sql and "c%d" not in sql
    assert sql.count("?") == len(params)
    assert search.to_sql(search.parse("")) == ("TRUE", [])


def test_an_error_groups_sample_is_its_newest_failure_ties_to_the_smallest_log_id(tmp_path):
    """The sample is read apart from the counts, from the files of the newest failures' days: a tie at the
    newest instant goes to the smallest log id (in another file of that day), a group with only undated
    failures samples the smallest of those, and both answer what pandas answers."""
    newest = pd.Timestamp("2026-11-20 12:00", tz="UTC")
    base = {c: None for c in RECORD_COLUMNS}

    def failure(log_id: str, at: pd.Timestamp | None, message: str) -> dict:
        return {**base, "log_id": log_id, "created_at": at, "status": "failed", "platform": "tiktok",
                "action": "publish", "error_message": message, "post_id": f"post-{log_id}"}  # fmt: skip

    rows = [
        failure("tie-c", newest, "Video upload timed out"),
        failure("tie-b", newest, "Video upload timed out"),
        failure("tie-a", newest - pd.Timedelta(days=2), "Video upload timed out"),  # older: not the sample
        failure("tie-d", newest - pd.Timedelta(hours=1), "Video upload timed out"),
        failure("undated-z", None, "Nothing to say at all"),
        failure("undated-y", None, "Nothing to say at all"),
    ]
    frame = coerce_frame(pd.DataFrame(rows))
    frame.loc[frame["log_id"].str.startswith("undated"), "created_at"] = pd.NaT
    frame = frame.sort_values(["created_at", "log_id"], ascending=False, na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)
    files = write_hive(frame, tmp_path)
    assert len({Path(f).parent for f in files}) == 3  # two days and the undated rows
    found = queries.error_groups(files, Filters())
    assert_frame_equal(found, analysis.error_groups(frame))
    samples = dict(zip(found["message"], found["sample_log_id"], strict=True))
    assert sorted(samples.values()) == ["tie-b", "undated-y"]


def test_the_explorer_count_is_every_match_at_and_around_the_row_limit(world, end):
    """The count is read apart only when the first rows fill the limit: at, below and above the number of
    matches it is every match."""
    frame, files = world
    flt = Filters(start=end - timedelta(days=7), end=end, statuses=("failed",))
    matches = len(analysis.apply_filters(frame, flt))
    assert matches > 2
    for limit in (matches - 1, matches, matches + 1, 1):
        shown, total = queries.first_attempts(files, flt, RECORD_COLUMNS, "created_at", True, limit)
        assert (len(shown), total) == (min(limit, matches), matches)
        # Without the count (the Explorer reads it after its table): None exactly when the rows fill it.
        shown, total = queries.first_attempts(
            files, flt, RECORD_COLUMNS, "created_at", True, limit, count=False
        )
        assert (len(shown), total) == (min(limit, matches), None if limit <= matches else matches)
    assert queries.matching_count(files, flt) == matches and queries.matching_count([], flt) == 0


def test_a_groups_sample_outside_its_days_folder_is_still_found(tmp_path):
    """The samples are read from the files of the newest failures' days; a file holding a day's failures
    under another day's folder (not the store's layout) is still read for the groups it holds."""
    newest = pd.Timestamp("2026-11-20 12:00", tz="UTC")
    base = {c: None for c in RECORD_COLUMNS}
    rows = [
        {**base, "log_id": "in-place", "created_at": newest, "status": "failed", "platform": "tiktok",
         "action": "publish", "error_message": "Video upload timed out"},
        {**base, "log_id": "misfiled", "created_at": newest - pd.Timedelta(days=3), "status": "failed",
         "platform": "instagram", "action": "publish", "error_message": "Media ID is not available"},
    ]  # fmt: skip
    frame = coerce_frame(pd.DataFrame(rows))
    files = write_hive(frame, tmp_path)
    misfiled = next(f for f in files if "2026-11-17" in f)
    moved = tmp_path / "attempts" / "workspace=default" / "day=2026-11-18" / "part-9.parquet"
    moved.parent.mkdir()
    Path(misfiled).rename(moved)
    files = [f for f in files if f != misfiled] + [str(moved)]
    found = queries.error_groups(files, Filters())
    assert sorted(found["sample_log_id"]) == ["in-place", "misfiled"]
    assert_frame_equal(found, analysis.error_groups(frame))


def test_id_fragments_and_words_find_what_pandas_finds_with_or_without_the_id_characters(world):
    """A searched word is not looked for in an id column whose characters (the rollups list them) lack one
    of its own; an id fragment, in capitals or not, and words with non-hexadecimal letters, accents or
    LIKE's wildcards find exactly what pandas finds, on files with and without rollups."""
    from late_logs.queries import sql

    frame, files = world
    dated = frame[frame["created_at"].notna() & frame["post_id"].notna()]
    log_id, post_id = str(dated["log_id"].iloc[3]), str(dated["post_id"].iloc[5])
    texts = [log_id[-7:], log_id[2:9].upper(), post_id[-6:].upper(), f'"{log_id}"',
             f"-{log_id} status:failed", "timed", "-timed status:failed", "expired token", "acc-", "awk-",
             "ÉCOLE", "naïve", "_up", "100%", "post-weird", "quota"]  # fmt: skip
    for text in texts:
        expected = frame.loc[search.matches(search.parse(text), frame), "log_id"].tolist()
        assert queries.attempts(files, Filters(text=text))["log_id"].tolist() == expected, text
    assert queries.attempts(files, Filters(text=log_id))["log_id"].tolist() == [log_id]
    columns = sql.text_columns(files, ["quota", log_id[-7:], "naïve"])
    pruned = rollup_files(files) is not None  # only the rollups list the id characters
    assert ("log_id" not in columns["quota"]) == pruned  # no log id has a "q"
    assert "log_id" in columns[log_id[-7:]]  # a piece of a log id is looked for in the log ids
    assert columns["naïve"] == search.TEXT_COLUMNS  # outside ASCII: looked for everywhere


@pytest.mark.parametrize("text", ["", "token", "status:failed", "platform:instagram -timed"])
def test_the_newest_rows_read_day_by_day_are_the_first_rows_of_one_sorted_read(world, text, tmp_path):
    """The Explorer's first rows newest first, read from the newest days' files first (1, 2, 4, ... days
    at a time): for every limit, within one day, across several and past every match, the rows sorted by
    time then log id, undated ones last, and the count of every match; the same from files that are not in
    day folders (read at once)."""
    frame, files = world
    flt = Filters(text=text)  # no window: the undated rows too
    matching = analysis.apply_filters(frame, flt)
    ordered = matching.sort_values(
        ["created_at", "log_id"], ascending=False, na_position="last", kind="stable"
    )
    flat = []
    for number, name in enumerate(files):  # the same files outside any day folder
        copy = tmp_path / f"file-{number}.parquet"
        copy.write_bytes(Path(name).read_bytes())
        flat.append(str(copy))
    assert len(matching) > 10
    for limit in (1, 2, 7, 60, len(matching) // 2, len(matching) - 1, len(matching), len(matching) + 5):
        for chosen in (files, flat):
            shown, total = queries.first_attempts(chosen, flt, ["log_id"], "created_at", True, limit)
            assert shown["log_id"].tolist() == ordered["log_id"].head(limit).tolist(), (limit, chosen is flat)
            assert total == len(matching)
