"""Each attempts file's hourly counts (late_logs/store/rollups.py) and its failures copy (failures.py) stay
exactly what its rows say, through appends, settlements that move an attempt to another status and error
group, compaction, sealing, pruning and a killed writer; and the Overview's counts summed from them equal
pandas over the stored rows."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from late_logs import analysis, queries
from late_logs.analysis import Filters
from late_logs.store import ROLLUP_DIMENSIONS, TABLE_COLUMNS, LogStore, failure_files, rollup_files
from late_logs.store.files import FANOUT, PAGE_ROWS

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
PLATFORMS = ("instagram", "tiktok", "youtube", "facebook")
MESSAGES = ("Token expired", "Rate limit reached, retry in 60 seconds", "Media processing failed", None)


def entry(number: int, created: datetime, status: str, message: str | None = None) -> dict:
    item = {
        "_id": f"{int(created.timestamp()):08x}{number:016x}",
        "platform": PLATFORMS[number % len(PLATFORMS)],
        "action": ("publish", "retry", "media_upload")[number % 3],
        "status": status,
        "statusCode": 400 if status == "failed" else 200,
        "accountUsername": f"@brand{number % 5}",
        "postId": {"_id": f"post{number // 3}"},
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    if status == "failed":
        item["errorMessage"] = message
    return item


def cells_of_rows(store: LogStore, grain: str = "h") -> pd.DataFrame:
    """The stored rows counted per hour (or day) and dimension values: what the rollups must say."""
    frame = store.frame(columns=TABLE_COLUMNS)
    keys = list(ROLLUP_DIMENSIONS)
    work = frame[["created_at", *keys]].copy()
    work["hour"] = work["created_at"].dt.floor(grain)
    for key in keys:
        work[key] = work[key].astype(object).where(work[key].notna(), "<null>")
    found = work.groupby(["hour", *keys], dropna=False).agg(
        attempts=("created_at", "size"), oldest=("created_at", "min"), newest=("created_at", "max")
    )
    return found.sort_index().reset_index()


def cells_of_rollups(store: LogStore, hours: int = 1) -> pd.DataFrame:
    files = store.parquet_files()
    rollups = rollup_files(files)
    assert rollups is not None, "a committed file without its rollup"
    keys = ", ".join(f'coalesce("{k}", \'<null>\') AS "{k}"' for k in ROLLUP_DIMENSIONS)
    found = duckdb.execute(
        f"SELECT epoch_ns(hour) AS hour_ns, {keys}, sum(attempts)::BIGINT AS attempts, "
        "epoch_ns(min(oldest)) AS oldest_ns, epoch_ns(max(newest)) AS newest_ns "
        "FROM read_parquet(?) WHERE hours = ? GROUP BY ALL",
        [rollups, hours],
    ).df()
    result = pd.DataFrame({"hour": pd.to_datetime(found["hour_ns"], unit="ns", utc=True)})
    for key in ROLLUP_DIMENSIONS:
        result[key] = found[key].astype(object)
    result["attempts"] = found["attempts"].astype("int64")
    result["oldest"] = pd.to_datetime(found["oldest_ns"], unit="ns", utc=True)
    result["newest"] = pd.to_datetime(found["newest_ns"], unit="ns", utc=True)
    return result.sort_values(["hour", *ROLLUP_DIMENSIONS]).reset_index(drop=True)


def assert_rollups_exact(store: LogStore) -> None:
    for grain, hours in (("h", 1), ("D", 24)):
        expected, found = cells_of_rows(store, grain), cells_of_rollups(store, hours)
        expected["hour"] = expected["hour"].astype(found["hour"].dtype)
        for column in ("oldest", "newest"):
            expected[column] = expected[column].astype(found[column].dtype)
        assert_frame_equal(found, expected, check_dtype=False)
    # One rollup per committed file and none more (no rollup of a superseded or uncommitted file).
    on_disk = {str(p) for p in (store.directory / "rollups").rglob("*") if p.is_file()}
    assert on_disk == set(rollup_files(store.parquet_files()) or [])
    assert_copies_exact(store)


def assert_copies_exact(store: LogStore) -> None:
    """One failures copy per committed file and none more, each exactly its file's failed and pending rows
    in the file's order."""
    files = store.parquet_files()
    copies = failure_files(files)
    assert all("/failures/" in copy for copy in copies), "a committed file without its failures copy"
    for name, copy in zip(files, copies, strict=True):
        rows = pq.read_table(name)
        kept = [status in ("failed", "pending") for status in rows["status"].to_pylist()]
        assert pq.read_table(copy).to_pylist() == rows.filter(pa.array(kept)).to_pylist()
    on_disk = {str(p) for p in (store.directory / "failures").rglob("*") if p.is_file()}
    assert on_disk == set(copies)


def assert_overview_counts_match(store: LogStore, end: datetime) -> None:
    frame = store.frame(columns=TABLE_COLUMNS)
    common_group = str(frame["error_group"].dropna().value_counts().index[0])
    for flt in (
        Filters(start=end - timedelta(days=5), end=end, error_group=common_group,
                error_codes=(analysis.NO_CODE,)),  # fmt: skip
        Filters(start=end - timedelta(days=3), end=end),
        Filters(start=end - timedelta(days=7), end=end),
        Filters(start=end - timedelta(days=12), end=end - timedelta(minutes=30)),  # daily cells
        Filters(start=end - timedelta(days=7), end=end, statuses=("failed",), platforms=("tiktok",)),
        Filters(start=end - timedelta(days=3), end=end - timedelta(hours=5), who_must_act=("reconnect",)),
    ):
        files = store.parquet_files(flt.start - (flt.end - flt.start), flt.end)
        assert queries.window_cells(files, flt) is not None  # the rollups answer, not the rows
        rows = analysis.apply_filters(frame, flt)
        expected = analysis.failure_matrix(rows)
        assert_frame_equal(queries.failure_matrix(files, flt), expected, check_exact=False)
        for counts, bucket in ((queries.time_counts(files, flt), None),
                               (queries.time_counts(files, flt, hourly=True), "h")):  # fmt: skip
            assert_frame_equal(
                queries.volume_series(counts, bucket),
                analysis.status_volume_over_time(rows, flt.start, flt.end, bucket=bucket),
            )
        earlier = flt.start - (flt.end - flt.start)
        both = analysis.apply_filters(frame, Filters(**{**flt.__dict__, "start": earlier}))
        mine, theirs = queries.window_kpis(files, flt), analysis.window_kpis(both, flt.start, flt.end)
        assert [k.key for k in mine] == [k.key for k in theirs]
        flat = [v for k in mine for v in (k.value, k.previous)]
        assert flat == pytest.approx([v for k in theirs for v in (k.value, k.previous)], nan_ok=True)


@pytest.fixture
def store(tmp_path: Path):
    opened = LogStore(tmp_path / "s", clock=lambda: NOW)
    yield opened
    opened.close()


def test_rollups_stay_exact_through_appends_settlements_compaction_sealing_and_pruning(store: LogStore):
    rng = random.Random(11)
    known: dict[int, str] = {}
    for batch in range(30):
        page = []
        for _ in range(rng.randrange(20, PAGE_ROWS + 1)):
            number = rng.randrange(0, 3000)
            created = NOW - timedelta(minutes=number * 5 + 7)  # ~10 days, minutes off the hour
            status = known.get(number) or rng.choice(("pending", "pending", "success", "failed"))
            if status == "pending" and rng.random() < 0.5:
                status = rng.choice(("success", "failed"))  # a pending settles: another file, another cell
            known[number] = status
            page.append(entry(number, created, status, rng.choice(MESSAGES)))
        store.upsert_attempts(page)
        if batch % 10 == 9:
            assert_rollups_exact(store)
    assert len(store.parquet_files()) < 30 * 3  # compacted and sealed along the way
    assert_rollups_exact(store)
    assert_overview_counts_match(store, NOW + timedelta(minutes=1))
    store.prune(NOW + timedelta(days=store.retention_days - 5))  # drops the oldest days, rewrites the edge
    assert_rollups_exact(store)


def test_a_dense_day_compacts_into_tiers_with_their_rollups(store: LogStore):
    for page in range(FANOUT * 2 + 1):
        store.upsert_attempts(
            [entry(page * PAGE_ROWS + n, NOW - timedelta(seconds=page * 100 + n), "failed", MESSAGES[n % 4])
             for n in range(PAGE_ROWS)]
        )  # fmt: skip
    assert len(store.parquet_files()) == 3
    assert_rollups_exact(store)


def test_a_store_without_rollups_answers_the_same_and_the_next_writer_adds_them(store: LogStore):
    statuses = ("success", "failed", "pending")
    rows = [entry(n, NOW - timedelta(minutes=17 * n), statuses[n % 3], MESSAGES[n % 4]) for n in range(600)]
    for start in range(0, len(rows), PAGE_ROWS):
        store.upsert_attempts(rows[start : start + PAGE_ROWS])
    end = NOW + timedelta(minutes=1)
    flt = Filters(start=end - timedelta(days=3), end=end)
    files = store.parquet_files(flt.start, flt.end)
    rolled = (queries.failure_matrix(files, flt), queries.kpi_numbers(files, flt))
    shutil.rmtree(store.directory / "rollups")  # a store written before rollups and copies existed
    shutil.rmtree(store.directory / "failures")
    assert rollup_files(files) is None and queries.window_cells(files, flt) is None
    assert failure_files(files) == files
    assert_frame_equal(queries.failure_matrix(files, flt), rolled[0])
    assert queries.kpi_numbers(files, flt) == pytest.approx(rolled[1], nan_ok=True)
    with store.writer_lock():
        pass
    assert_rollups_exact(store)
    assert queries.window_cells(files, flt) is not None


def test_a_killed_writers_rollup_is_removed_by_the_next_writer(store: LogStore):
    store.upsert_attempts([entry(1, NOW - timedelta(hours=1), "failed", MESSAGES[0])])
    folder = Path(rollup_files(store.parquet_files())[0]).parent
    stray = folder / "part-99999999-deadbeef0000.parquet"
    stray.write_bytes(Path(rollup_files(store.parquet_files())[0]).read_bytes())
    hidden = folder / ".part-99999998-deadbeef0001.parquet.tmp"
    hidden.write_bytes(b"half written")
    copy = Path(failure_files(store.parquet_files())[0])
    stray_copy = copy.parent / stray.name
    stray_copy.write_bytes(copy.read_bytes())
    with store.writer_lock():
        pass
    assert not stray.exists() and not hidden.exists() and not stray_copy.exists()
    assert_rollups_exact(store)


def test_a_files_companions_sit_under_the_stores_own_attempts_folder():
    """The last `attempts` folder of the path is the store's: a store kept under a folder of that name
    (or given as a relative path) still finds its rollups and copies beside its files."""
    from late_logs.store.failures import failures_path
    from late_logs.store.rollups import rollup_path

    nested = Path("/data/attempts/store/attempts/workspace=a/day=2026-11-29/part-1.parquet")
    expected = Path("/data/attempts/store/rollups/workspace=a/day=2026-11-29/part-1.parquet")
    assert rollup_path(nested) == expected
    relative = Path("attempts/workspace=a/day=x/p.parquet")
    assert failures_path(relative) == Path("failures/workspace=a/day=x/p.parquet")
    with pytest.raises(ValueError):
        rollup_path("/data/elsewhere/p.parquet")


def test_a_damaged_copy_is_told_in_a_sentence_made_again_by_the_writer_and_found_by_repair(store: LogStore):
    """A copy that is not Parquet: a failure question says so in one sentence (no path, no traceback), the
    repair's health check finds it, and the next writer makes it again from its file."""
    from late_logs import repair
    from late_logs.queries.sql import UNREADABLE_FILE
    from late_logs.store import StoreDamaged

    statuses = ("failed", "success")
    store.upsert_attempts([entry(n, NOW - timedelta(hours=n), statuses[n % 2]) for n in range(40)])
    files = store.parquet_files()
    flt = Filters(start=NOW - timedelta(days=3), end=NOW + timedelta(minutes=1), statuses=("failed",))
    expected = queries.count(files, flt)
    assert expected == 20
    copy = Path(failure_files(files)[0])
    copy.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")  # framed as Parquet, nothing inside
    with pytest.raises(StoreDamaged) as told:
        queries.count(files, flt)
    assert str(told.value) == UNREADABLE_FILE and str(store.directory) not in str(told.value)
    assert not repair.store_is_healthy(store.directory)
    copy.write_bytes(b"not parquet")  # not framed: the next writer makes it again
    with store.writer_lock():
        pass
    assert_copies_exact(store)
    assert queries.count(files, flt) == expected
    assert repair.store_is_healthy(store.directory)
