"""The columnar engine behind LogStore (issue 8): attempts as hive-partitioned Parquet files committed by a
manifest in SQLite, appends that add files instead of rewriting a day, copy-on-write upserts, tiered
compaction, derived columns computed at write time (and again when their version changes), whole committed
states for readers in other processes, and SIGKILL at any moment followed by a rerun equal to the truth."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from late_logs import fingerprint, verdicts
from late_logs.records import RECORD_COLUMNS, RECORD_DTYPES
from late_logs.store import TABLE_COLUMNS, LogStore
from late_logs.store.files import FANOUT, PAGE_ROWS

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
PLATFORMS = ("instagram", "tiktok", "youtube", "facebook")


def entry(number: int, created: datetime | None = None, **fields: object) -> dict:
    created = created or NOW - timedelta(minutes=number)
    base = {
        "_id": f"{int(created.timestamp()):08x}{number:016x}",
        "platform": PLATFORMS[number % len(PLATFORMS)],
        "action": "publish",
        "status": "success",
        "statusCode": 200,
        "accountUsername": f"@brand{number % 3}",
        "request": {"contentPreview": f"Caption {number}"},
        "response": {"platformPostId": f"p{number}"},
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    base.update(fields)
    return base


def files_on_disk(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file of the store folder: relative path -> (size, mtime in ns)."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def parquet_names(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in (folder / "attempts").rglob("*.parquet")}


@pytest.fixture
def store(tmp_path: Path):
    opened = LogStore(tmp_path / "s", clock=lambda: NOW)
    yield opened
    opened.close()


def test_attempts_are_hive_partitioned_parquet_files_named_by_the_manifest(store: LogStore):
    store.upsert_attempts([entry(n, NOW - timedelta(days=n)) for n in range(1, 4)])
    files = store.parquet_files()
    days = sorted(Path(f).parent.name for f in files)
    assert days == ["day=2026-11-26", "day=2026-11-27", "day=2026-11-28"]
    assert all(Path(f).parent.parent.name == "workspace=default" for f in files)
    assert {Path(f).relative_to(store.directory).as_posix() for f in files} == parquet_names(store.directory)
    assert not [p for p in (store.directory / "attempts").rglob("*") if p.name.startswith(".")]
    schema = pq.read_schema(files[0])
    assert schema.names == TABLE_COLUMNS
    assert store.attempt_count() == 3
    # what the query module does: DuckDB SQL over exactly this list, with the column names above
    rows = duckdb.sql(
        "SELECT platform, count(*) AS n, min(source) AS source FROM read_parquet($files) GROUP BY ALL "
        "ORDER BY platform",
        params={"files": files},
    ).fetchall()
    assert rows == [("facebook", 1, "default"), ("tiktok", 1, "default"), ("youtube", 1, "default")]


def test_an_append_adds_one_small_file_and_leaves_the_older_files_untouched(store: LogStore):
    store.upsert_attempts([entry(n) for n in range(1, 101)])
    before = files_on_disk(store.directory)
    first = parquet_names(store.directory)
    assert len(first) == 1
    store.upsert_attempts([entry(n) for n in range(101, 201)])
    after = files_on_disk(store.directory)
    added = parquet_names(store.directory) - first
    assert len(added) == 1 and first <= parquet_names(store.directory)
    assert all(after[name] == before[name] for name in first)  # not rewritten
    assert len(store.frame()) == 200


def test_settling_a_pending_rewrites_only_the_file_holding_it(store: LogStore):
    store.upsert_attempts([entry(n, status="pending") for n in range(1, 101)])
    older = parquet_names(store.directory)
    store.upsert_attempts([entry(n) for n in range(101, 201)])
    newer = parquet_names(store.directory) - older
    before = files_on_disk(store.directory)
    assert store.upsert_attempts([entry(150, status="failed")]).updated == 1
    names = parquet_names(store.directory)
    assert older <= names and not newer & names  # only the file holding attempt 150 was replaced
    assert all(files_on_disk(store.directory)[n] == before[n] for n in older)
    frame = store.frame().set_index("log_id")
    assert len(frame) == 200 and frame.loc[entry(150)["_id"], "status"] == "failed"
    assert len(store.pending_ids()) == 100


def test_an_unchanged_relisting_writes_nothing_at_all(store: LogStore):
    page = [entry(n, status="failed" if n % 4 == 0 else "success") for n in range(1, 101)]
    store.upsert_attempts(page)
    store.put_details({page[3]["_id"]: dict(page[3], metadata={"a": 1})})
    store.close()
    with LogStore(store.directory, clock=lambda: NOW) as again:
        version = again.version
        before = files_on_disk(again.directory)
        time.sleep(0.01)
        for _ in range(3):
            assert again.upsert_attempts(page).changed == 0
            assert again.put_details({page[3]["_id"]: dict(page[3], metadata={"a": 1})}) == 0
        assert files_on_disk(again.directory) == before  # database, WAL and Parquet files alike
        assert again.version == version


def test_small_files_of_one_day_are_compacted_into_tiers(store: LogStore):
    pages = FANOUT * 2 + 3
    for page in range(pages):
        store.upsert_attempts([entry(page * PAGE_ROWS + n, NOW - timedelta(seconds=page * 100 + n))
                               for n in range(PAGE_ROWS)])
    files = store.parquet_files()
    assert len(files) == 2 + 3  # two merged files of FANOUT pages each, three pages not merged yet
    assert sorted(pq.read_metadata(f).num_rows for f in files) == [100] * 3 + [FANOUT * PAGE_ROWS] * 2
    frame = store.frame()
    assert len(frame) == pages * PAGE_ROWS and frame["log_id"].is_unique
    assert frame["created_at"].is_monotonic_decreasing


def test_random_batches_repeats_and_settlements_keep_exactly_one_row_per_attempt(store: LogStore):
    rng = random.Random(8)
    truth: dict[str, dict] = {}
    for _ in range(40):
        batch = []
        for _ in range(rng.randrange(1, 120)):
            number = rng.randrange(1, 1500)
            created = NOW - timedelta(minutes=number * 7)  # ~7 days
            status = rng.choice(("pending", "success", "failed"))
            if truth.get(entry(number, created)["_id"], {}).get("status") in ("success", "failed"):
                status = truth[entry(number, created)["_id"]]["status"]  # settled attempts stay settled
            item = entry(number, created, status=status)
            batch.append(item)
            truth[item["_id"]] = item
        if rng.random() < 0.2:
            batch += batch[: len(batch) // 3]  # repeats inside one batch
        store.upsert_attempts(batch)
    frame = store.frame()
    assert frame["log_id"].is_unique and set(frame["log_id"]) == set(truth)
    stored = dict(zip(frame["log_id"], frame["status"], strict=True))
    assert stored == {i: e["status"] for i, e in truth.items()}
    assert store.attempt_count() == len(truth) == store.stats().attempts
    assert set(store.pending_ids()) == {i for i, e in truth.items() if e["status"] == "pending"}
    assert set(store.raw_attempts(truth)) == set(truth)


def test_frame_reads_only_the_range_and_the_columns_asked_for(store: LogStore):
    moments = [NOW - timedelta(hours=h) for h in (1, 5, 30, 60, 100)]
    store.upsert_attempts([entry(n, m) for n, m in enumerate(moments)])
    since, until = NOW - timedelta(hours=61), NOW - timedelta(hours=4)
    frame = store.frame(since=since, until=until, columns=["log_id", "created_at", "status"])
    assert list(frame.columns) == ["log_id", "created_at", "status"]
    assert frame["created_at"].tolist() == [pd.Timestamp(m) for m in moments[1:4]]
    assert str(frame["created_at"].dtype) == RECORD_DTYPES["created_at"]
    assert len(store.parquet_files(since=NOW - timedelta(hours=6))) == 1  # only today's file
    whole = store.frame()
    assert list(whole.columns) == RECORD_COLUMNS and len(whole) == 5


def test_derived_columns_are_computed_at_write_time_from_the_raw_body(store: LogStore):
    quota = entry(
        1,
        platform="youtube",
        status="failed",
        statusCode=403,
        response={
            "errorMessage": "Forbidden",
            "rawBody": '{"error":{"errors":[{"reason":"quotaExceeded"}]}}',
        },
    )
    store.upsert_attempts([quota, entry(2)])
    frame = store.frame(columns=["log_id", "status", "error_group", "who_must_act", "retry", "hint",
                                 "derived_version", "source"]).set_index("log_id")
    failed, fine = frame.loc[quota["_id"]], frame.loc[entry(2)["_id"]]
    verdict = verdicts.classify_entry(quota)
    # the raw body says quotaExceeded: wait for the reset; the flat fields alone would say "account"
    assert (failed["who_must_act"], failed["retry"]) == ("wait", "later")
    assert (verdict.who_must_act, verdict.retry) == ("wait", "later")
    assert failed["hint"] == verdict.hint
    assert failed["error_group"] == fingerprint.error_group_key(
        "youtube", None, fingerprint.normalise_message("Forbidden")
    )
    assert pd.isna(fine["who_must_act"]) and pd.isna(fine["error_group"])
    assert set(frame["source"]) == {"default"} and frame["derived_version"].nunique() == 1


def test_derived_columns_are_computed_again_when_their_version_changes(store: LogStore, monkeypatch):
    store.upsert_attempts([entry(n, status="failed", response={"errorMessage": f"Media {n} gone"})
                           for n in range(1, 30)])
    old = store.frame(columns=["derived_version", "error_group"])
    monkeypatch.setattr(fingerprint, "FINGERPRINT_VERSION", "test-2")
    version = store.version
    with store.writer_lock():  # the writer recomputes stale files when it takes the lock
        pass
    again = store.frame(columns=["derived_version", "error_group"])
    stamp = old["derived_version"].iloc[0]
    assert set(again["derived_version"]) == {stamp.replace("fingerprint-1", "fingerprint-test-2")}
    assert again["error_group"].tolist() == old["error_group"].tolist()  # same rules, same keys
    assert store.version > version
    with store.writer_lock():
        pass
    assert store.version == version + 1  # nothing stale left: nothing written


def test_stale_derived_columns_are_recomputed_a_file_per_commit_within_a_budget(store: LogStore, monkeypatch):
    for day in range(4):  # four days: four files
        gone = [entry(day * 10 + n, NOW - timedelta(days=day, minutes=n), status="failed",
                      response={"errorMessage": f"Media {n} gone"}) for n in range(1, 6)]  # fmt: skip
        store.upsert_attempts(gone)
    old = store.frame(columns=["log_id", "derived_version", "error_group"])
    monkeypatch.setattr(fingerprint, "FINGERPRINT_VERSION", "test-3")
    fresh = old["derived_version"].iloc[0].replace("fingerprint-1", "fingerprint-test-3")
    stamps = []
    for _ in range(4):
        version = store.version
        assert store.recompute_derived(budget_seconds=0) == 1  # one file, then the budget is spent
        assert store.version == version + 1  # its own commit: readers see it at once
        now = store.frame(columns=["log_id", "derived_version", "error_group"])
        assert sorted(now["log_id"]) == sorted(old["log_id"])  # every attempt there in between
        stamps.append(int((now["derived_version"] == fresh).sum()))
    assert stamps == [5, 10, 15, 20] and store.recompute_derived(budget_seconds=0) == 0


def test_a_file_no_commit_names_is_ignored_by_readers_and_removed_by_the_next_writer(store: LogStore):
    store.upsert_attempts([entry(1)])
    day = Path(store.parquet_files()[0]).parent
    stray = day / "part-99999999-deadbeef0000.parquet"
    stray.write_bytes(Path(store.parquet_files()[0]).read_bytes())  # a killed writer's renamed file
    hidden = day / ".part-99999998-deadbeef0001.parquet.tmp"
    hidden.write_bytes(b"half written")
    assert len(store.frame()) == 1
    with store.writer_lock():
        pass
    assert not stray.exists() and not hidden.exists() and len(store.frame()) == 1


READ_WHILE_WRITTEN = textwrap.dedent(
    """
    import sys, json
    sys.path.insert(0, {root!r})
    from late_logs.store import LogStore
    counts = []
    import time
    deadline = time.monotonic() + 240
    with LogStore({folder!r}) as store:
        # Read until the writer's last state is seen ({reads} attempts): every read in between is checked.
        while time.monotonic() < deadline:
            frame = store.frame()
            counts.append([len(frame), bool(frame["log_id"].is_unique)])
            if len(counts) == 1:
                open({ready!r}, "w").close()  # the writer starts now: on a busy machine it could finish first
            if len(frame) >= {reads}:
                break
    print(json.dumps(counts))
    """
)

WRITE_BATCHES = textwrap.dedent(
    """
    import sys, random
    from datetime import datetime, timedelta, timezone
    sys.path.insert(0, {root!r})
    from late_logs.store import LogStore
    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    rng = random.Random({seed})
    def item(number, status):
        created = now - timedelta(minutes=(number * 37) % (60 * 24 * 4))
        return {{"_id": f"{{int(created.timestamp()):08x}}{{number:016x}}", "status": status,
                 "platform": "tiktok", "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ")}}
    store = LogStore({folder!r}, clock=lambda: now)
    print("writing", flush=True)
    ready = {ready!r}  # a file the reader makes once it reads (empty: start at once)
    if ready:
        import os, time
        deadline = time.monotonic() + 120
        while not os.path.exists(ready) and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the reader process, not timing anything
    with store.writer_lock():
        for batch in range({batches}):
            numbers = range(batch * 40, batch * 40 + 40)
            store.upsert_attempts([item(n, "pending") for n in numbers])
            earlier = [rng.randrange(0, batch * 40 + 40) for _ in range(15)]
            store.upsert_attempts([item(n, "success") for n in earlier])  # settle some, old and new
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_a_reader_in_another_process_always_sees_a_whole_committed_state(tmp_path: Path):
    folder = tmp_path / "s"
    ready = str(tmp_path / "reader-ready")
    LogStore(folder).close()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITE_BATCHES.format(root=str(ROOT), folder=str(folder), seed=1, batches=150, ready=ready),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        reader = subprocess.run(
            [
                sys.executable,
                "-c",
                READ_WHILE_WRITTEN.format(root=str(ROOT), folder=str(folder), reads=150 * 40, ready=ready),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert reader.returncode == 0, reader.stderr
        writer.wait(timeout=300)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=10)
        writer.stdout.close()
    counts = json.loads(reader.stdout)
    # every committed state holds a whole number of 40-attempt batches: a torn read would not
    assert all(count % 40 == 0 and unique for count, unique in counts), counts
    assert len({count for count, _ in counts}) > 1  # it really read while the writer wrote


def snapshot(folder: Path) -> pd.DataFrame:
    with LogStore(folder) as store:
        frame = store.frame(columns=TABLE_COLUMNS)
        assert store.attempt_count() == len(frame) and frame["log_id"].is_unique
        assert set(store.raw_attempts(frame["log_id"].tolist())) == set(frame["log_id"])
        assert set(store.pending_ids()) == set(frame.loc[frame["status"] == "pending", "log_id"])
        return frame.sort_values("log_id").reset_index(drop=True)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_a_rerun_equals_the_ground_truth(tmp_path: Path):
    script = WRITE_BATCHES.format(
        root=str(ROOT), folder=str(tmp_path / "killed"), seed=3, batches=60, ready=""
    )
    truth_script = WRITE_BATCHES.format(
        root=str(ROOT), folder=str(tmp_path / "truth"), seed=3, batches=60, ready=""
    )
    subprocess.run([sys.executable, "-c", truth_script], check=True, capture_output=True, timeout=300)
    rng = random.Random(4)
    for _ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "writing"
            time.sleep(rng.uniform(0.2, 1.5))
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(timeout=10)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait(timeout=10)
            writer.stdout.close()
        snapshot(tmp_path / "killed")  # the last committed state reads whole
    rerun = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    pd.testing.assert_frame_equal(snapshot(tmp_path / "killed"), snapshot(tmp_path / "truth"))
    with LogStore(tmp_path / "killed") as store:
        with store.writer_lock():
            pass
        named = {Path(f).relative_to(store.directory).as_posix() for f in store.parquet_files()}
    assert parquet_names(tmp_path / "killed") == named  # no file of a killed writer is left behind
    killed = tmp_path / "killed"
    rollups = {p.relative_to(killed).as_posix() for p in (killed / "rollups").rglob("*") if p.is_file()}
    assert rollups == {name.replace("attempts/", "rollups/", 1) for name in named}  # one per committed file
    copies = {p.relative_to(killed).as_posix() for p in (killed / "failures").rglob("*") if p.is_file()}
    assert copies == {name.replace("attempts/", "failures/", 1) for name in named}  # and one failures copy


def test_the_readme_duckdb_query_over_the_folder_glob_counts_what_the_store_holds(store: LogStore):
    statuses = ("failed", "success", "success")
    store.upsert_attempts([entry(n, NOW - timedelta(hours=7 * n), status=statuses[n % 3]) for n in range(30)])
    glob = f"{store.directory}/attempts/*/*/*.parquet"
    rows = duckdb.sql(
        "SELECT platform, count(*) FILTER (status = 'failed') AS failed, count(*) AS attempts "
        f"FROM read_parquet('{glob}', hive_partitioning = true) WHERE day >= '2026-11-22' GROUP BY ALL"
    ).fetchall()
    frame = store.frame(since=datetime(2026, 11, 22, tzinfo=timezone.utc))
    expected = {
        platform: (int((group["status"] == "failed").sum()), len(group))
        for platform, group in frame.groupby("platform")
    }
    assert {platform: (failed, attempts) for platform, failed, attempts in rows} == expected


def test_two_threads_writing_through_one_store_leave_every_row_and_no_stray_file(store: LogStore):
    import threading

    def write(first: int) -> None:
        for page in range(6):
            start = first + page * 50
            store.upsert_attempts([entry(n) for n in range(start, start + 50)])
            store.upsert_attempts([entry(n, status="failed") for n in range(start, start + 50, 7)])

    threads = [threading.Thread(target=write, args=(first,)) for first in (1, 1001)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.frame()) == 600 and store.attempt_count() == 600
    named = {Path(f).relative_to(store.directory).as_posix() for f in store.parquet_files()}
    assert parquet_names(store.directory) == named  # superseded files went after their own commit


def test_the_folder_reads_as_a_hive_table_with_no_column_twice(store: LogStore):
    # pyarrow's dataset discovery follows the rule Spark, Trino and DataFusion use: key=value folders become
    # columns. A partition key that repeats a file column (`source`) is refused there; `workspace` is not one.
    import pyarrow.dataset as ds

    store.upsert_attempts([entry(n, NOW - timedelta(hours=5 * n)) for n in range(40)])
    table = ds.dataset(store.directory / "attempts", format="parquet", partitioning="hive").to_table()
    assert len(table.column_names) == len(set(table.column_names))
    assert {"workspace", "day", "source"} <= set(table.column_names)
    assert sorted(table["log_id"].to_pylist()) == sorted(store.frame()["log_id"])
    assert set(table["workspace"].to_pylist()) == set(table["source"].to_pylist()) == {"default"}


def test_a_settled_day_is_sealed_into_one_file_by_a_later_write_to_another_day(tmp_path: Path):
    settled = datetime.now(timezone.utc).replace(hour=12) - timedelta(days=5)
    written: list[str] = []
    with LogStore(tmp_path / "s") as store:
        for page in range(3):  # three writes to one settled day: three files while it is being written
            rows = [entry(page * 10 + n, settled + timedelta(minutes=page * 10 + n)) for n in range(10)]
            store.upsert_attempts(rows)
            written += [row["_id"] for row in rows]
        day = settled.strftime("%Y-%m-%d")
        assert sum(f"day={day}" in f for f in store.parquet_files()) == 3
        later = entry(100, datetime.now(timezone.utc) - timedelta(hours=1))
        store.upsert_attempts([later])  # a write to another day seals the settled one
        assert sum(f"day={day}" in f for f in store.parquet_files()) == 1
        assert sorted(store.frame()["log_id"]) == sorted([*written, later["_id"]])
