"""Each attempts file's hourly counts (late_logs/store/rollups.py) and its failures copy (failures.py) stay
exactly what its rows say, through appends, settlements that move an attempt to another status and error
group, compaction, sealing, pruning and a killed writer; and the Overview's counts summed from them equal
pandas over the stored rows."""

from __future__ import annotations

import json
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

from late_logs import analysis, queries, search
from late_logs.analysis import Filters
from late_logs.store import ROLLUP_DIMENSIONS, TABLE_COLUMNS, LogStore, failure_files, rollup_files
from late_logs.store.files import FANOUT, PAGE_ROWS
from late_logs.store.rollups import ALPHABETS_KEY, ID_COLUMNS, alphabets_of, has_alphabets, id_alphabets

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
    assert_alphabets_exact(store)


def alphabet_of(values: list) -> str | None:
    """What a rollup's footer must say of one id column: its values' characters, lowercased, sorted (None
    when one is outside ASCII)."""
    text = "".join(v for v in values if v is not None)
    return "".join(sorted(set(text.lower()))) if text.isascii() else None


def assert_alphabets_exact(store: LogStore) -> None:
    """Every rollup's footer lists exactly the characters of its file's id columns."""
    files = store.parquet_files()
    for name, rollup in zip(files, rollup_files(files) or [], strict=True):
        rows = pq.read_table(name)
        footer = json.loads(pq.read_schema(rollup).metadata[ALPHABETS_KEY])
        assert footer == {column: alphabet_of(rows[column].to_pylist()) for column in ID_COLUMNS}


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


def test_a_files_id_characters_are_listed_lowercased_and_unknown_outside_ascii():
    table = pa.table({
        "log_id": ["6650F1c2", None, "u0a~2"],
        "post_id": pa.array([None, None, None], pa.string()),
        "account_id": ["acc-X", "ÉCOLE", None],
        "platform_post_id": ["urn:li:share:7", "", "Ab_9"],
    })  # fmt: skip
    assert id_alphabets(table) == {
        "log_id": "01256acfu~",
        "post_id": "",  # no value: no word can be in it
        "account_id": None,  # outside ASCII: lowercase cannot be told byte by byte
        "platform_post_id": "79:_abehilnrsu",
    }
    sliced = table.slice(2, 1)  # a slice of a column: only its own bytes
    assert id_alphabets(sliced)["log_id"] == "02au~"
    assert id_alphabets(pa.table({"other": [1]})) == dict.fromkeys(ID_COLUMNS, "")


def test_rollups_without_id_characters_search_every_column_and_the_next_writer_lists_them(store: LogStore):
    """A rollup written before rollups listed their files' id characters: the search then looks in every
    column (the same rows found), and the next writer makes the rollup again with them."""
    from late_logs.queries import sql

    rows = [entry(n, NOW - timedelta(minutes=31 * n), ("failed", "success")[n % 2], MESSAGES[n % 4])
            for n in range(300)]  # fmt: skip
    for start in range(0, len(rows), PAGE_ROWS):
        store.upsert_attempts(rows[start : start + PAGE_ROWS])
    files = store.parquet_files()
    frame = store.frame(columns=TABLE_COLUMNS)
    fragment = str(frame["log_id"].iloc[7])[-9:].upper()  # part of one log id, typed in capitals
    searches = {"brand": None, fragment: None, "post1": None, "zzz": None}
    for text in searches:
        searches[text] = queries.attempts(files, Filters(text=text))["log_id"].tolist()
        expected = frame.loc[search.matches(search.parse(text), frame), "log_id"]
        assert sorted(searches[text]) == sorted(expected.tolist())
    assert searches[fragment] and searches["brand"] and searches["post1"] and not searches["zzz"]
    pruned = sql.text_columns(files, ["brand", fragment])
    assert "log_id" not in pruned["brand"] and "log_id" in pruned[fragment]
    assert "post_id" in pruned[fragment] or not frame["post_id"].str.contains(fragment.lower()).any()
    for rollup in rollup_files(files) or []:  # as an older version wrote them
        table = pq.read_table(rollup)
        pq.write_table(table.replace_schema_metadata({}), rollup)
    assert alphabets_of(rollup_files(files) or []) is None
    assert sql.text_columns(files, ["brand"])["brand"] == search.TEXT_COLUMNS
    for text, found in searches.items():
        assert queries.attempts(files, Filters(text=text))["log_id"].tolist() == found
    # Made again within a writer's budget (none left: at most the first), the rest by the next writer.
    assert store._table.add_missing_companions(remake_seconds=0) <= 1
    assert not all(has_alphabets(rollup) for rollup in rollup_files(files) or [])
    with store.writer_lock():
        pass
    assert all(has_alphabets(rollup) for rollup in rollup_files(files) or [])
    assert_rollups_exact(store)
    assert sql.text_columns(files, ["brand", fragment]) == pruned
