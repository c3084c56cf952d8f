"""How fast LogStore.frame() loads a big store, against reading the same rows from one Parquet file.

Usage: python bench/bench_store_load.py [--rows N] [--upserts N]

Generates N synthetic flat attempts over 90 days (vectorised), writes them through LogStore.import_records,
then times the real read path (`LogStore(dir).frame()`, a fresh object each time) against
`pandas.read_parquet` of one file holding the same frame, prints peak memory of a process that loads the
store, the store's size on disk and the throughput of upsert_attempts for raw entries. Prints figures only;
it never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from late_logs.records import ACTIONS, PLATFORMS, RECORD_COLUMNS, RECORD_DTYPES  # noqa: E402
from late_logs.store import LogStore  # noqa: E402

END = pd.Timestamp("2026-11-29T12:00:00Z")
DAYS = 90
ERROR_MESSAGES = np.array(
    [
        "(#100) Invalid parameter",
        "Error validating access token: Session has expired on Friday",
        "Rate limit reached for this account, try again later",
        "Media upload failed: unsupported video codec",
        "The user has not authorized the application to publish",
        "Video duration exceeds the maximum allowed for this placement",
        "Duplicate content detected: this post was already published",
        "Internal server error from the platform (500)",
        "Request timed out after 30000 ms",
        "Account is temporarily restricted from posting",
    ]
)
WORDS = np.array(
    "launch today new product summer sale check our latest video thanks everyone for the support big news "
    "coming soon behind the scenes meet team join us live event link in bio limited offer".split()
)


def _hex_ids(values: np.ndarray, prefix: str, width: int = 16) -> pa.Array:
    """Fixed-width lowercase hex strings of non-negative ints (8 or 16 digits), without a Python loop."""
    big_endian = values.astype(">u8" if width == 16 else ">u4")
    text = np.frombuffer(big_endian.tobytes().hex().encode("ascii"), dtype=f"S{width}")
    body = pa.array(text, pa.binary(width)).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), body, "")


def _decimal(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def synthetic_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """`rows` attempts in RECORD_COLUMNS/RECORD_DTYPES over the 90 days before END, newest first."""
    rng = np.random.default_rng(seed)
    end_ns = END.value
    created = np.sort(end_ns - rng.integers(0, DAYS * 86_400 * 10**9, rows))[::-1]
    status_pool = pa.array(["success", "failed", "pending", "skipped"])
    status_idx = rng.choice(4, rows, p=[0.858, 0.12, 0.002, 0.02])
    failed = status_idx == 1
    platform_idx = rng.integers(0, len(PLATFORMS), rows)
    accounts = 400
    account_idx = rng.integers(0, accounts, rows)
    post_idx = rng.integers(0, rows // 3 + 1, rows)
    caption_pool = [" ".join(rng.choice(WORDS, 14))[:70] for _ in range(3000)]
    captions = pc.binary_join_element_wise(
        pa.array(caption_pool).take(pa.array(rng.integers(0, len(caption_pool), rows))),
        _decimal((post_idx % 100_000)),
        " #",
    )
    has_caption = pa.array(rng.random(rows) < 0.95)
    null_text = pa.nulls(rows, pa.string())
    error_idx = rng.integers(0, len(ERROR_MESSAGES), rows)
    created_ts = pa.array(created, pa.timestamp("ns", tz="UTC"))
    endpoint_pool = pa.array([f"graph.{p}.com/v19.0/me/media_publish" for p in PLATFORMS])
    columns = {
        # Mongo ObjectIds like Late's: creation seconds in the first 8 hex digits, then a counter.
        "log_id": pc.binary_join_element_wise(
            _hex_ids(created // 10**9, "", width=8),
            _hex_ids(np.arange(rows) * 7919 + 12345, "", width=16),
            "",
        ),
        "created_at": created_ts,
        "platform": pa.array(PLATFORMS).take(pa.array(platform_idx)),
        "action": pa.array(ACTIONS).take(
            pa.array(rng.choice(len(ACTIONS), rows, p=[0.7, 0.15, 0.08, 0.03, 0.02, 0.02]))
        ),
        "status": status_pool.take(pa.array(status_idx)),
        "account_id": _hex_ids(account_idx, "acc0000a"),
        "account_username": pc.binary_join_element_wise("@brand", _decimal(account_idx), ""),
        "post_id": _hex_ids(post_idx, "post0000"),
        "post_content": pc.if_else(has_caption, captions, null_text),
        "status_code": pa.array(np.where(failed, rng.choice([400, 401, 403, 429, 500], rows), 200)),
        "error_code": pc.if_else(pa.array(failed), _decimal(error_idx), null_text),
        "error_message": pc.if_else(
            pa.array(failed), pa.array(ERROR_MESSAGES).take(pa.array(error_idx)), null_text
        ),
        "endpoint": endpoint_pool.take(pa.array(platform_idx)),
        "content_preview": pc.if_else(has_caption, captions, null_text),
        "media_count": pa.array(rng.integers(0, 5, rows)),
        "media_urls": null_text,
        "platform_post_id": pc.if_else(
            pa.array(status_idx == 0), _hex_ids(rng.integers(0, 2**60, rows), "17"), null_text
        ),
        "platform_post_url": null_text,
        "duration_ms": pa.array(rng.integers(50, 30_000, rows)),
        "attempt_number": pa.array(rng.integers(1, 4, rows)),
        "scheduled_for": created_ts,
        "user_id": pa.array(np.full(rows, "user_5f1e")),
        "profile_id": pa.array(np.full(rows, "profile_77a0")),
        "source": pa.array(np.full(rows, "default")),  # one workspace, as a store of one key holds
    }
    table = pa.table(columns)
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    frame = table.to_pandas(
        types_mapper=lambda t: mapper.get(t, pd.Int64Dtype() if t == pa.int64() else None)
    )
    return frame.astype(RECORD_DTYPES)[RECORD_COLUMNS]


def raw_entries(count: int, seed: int = 2) -> list[dict]:
    """`count` raw Late list entries (nested request/response, ~12% failures) in the last day."""
    rng = np.random.default_rng(seed)
    entries = []
    for number in range(count):
        created = END - pd.Timedelta(seconds=int(rng.integers(0, 86_400)))
        platform = PLATFORMS[number % len(PLATFORMS)]
        failed = rng.random() < 0.12
        entries.append(
            {
                "_id": f"{int(created.timestamp()):08x}{number:016x}",
                "postId": {
                    "_id": f"post{number // 3:020x}",
                    "content": "Summer sale starts now " * 3,
                    "status": "published",
                },
                "userId": "user_5f1e",
                "platform": platform,
                "accountId": f"acc{number % 400:021x}",
                "accountUsername": f"@brand{number % 400}",
                "action": "publish",
                "status": "failed" if failed else "success",
                "statusCode": 400 if failed else 200,
                "endpoint": f"graph.{platform}.com/v19.0/me/media_publish",
                "request": {
                    "contentPreview": "Summer sale starts now, link in bio " * 2,
                    "mediaCount": 1,
                    "mediaTypes": ["image"],
                    "mediaUrls": [f"https://media.example.com/{number}.jpg"],
                },
                "response": (
                    {"errorMessage": ERROR_MESSAGES[number % len(ERROR_MESSAGES)], "errorCode": "190"}
                    if failed
                    else {
                        "platformPostId": f"17{number:016x}",
                        "platformPostUrl": f"https://{platform}.com/p/{number}",
                    }
                ),
                "durationMs": int(rng.integers(50, 30_000)),
                "attemptNumber": 1,
                "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            }
        )
    return entries


def _best(times: list[float]) -> str:
    return f"best {min(times):.3f}s  median {statistics.median(times):.3f}s  (n={len(times)})"


def _peak_rss_mb(code: str) -> float:
    """Peak resident memory (MB) of a fresh Python process running `code`.

    VmHWM rather than ru_maxrss: after fork+exec Linux carries the parent's ru_maxrss into the child.
    """
    script = (
        f"{code}\nimport re\nprint(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # Linux reports kilobytes


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="attempts in the store (default 1,000,000)"
    )
    parser.add_argument("--upserts", type=int, default=20_000, help="raw entries for the upsert figure")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each read")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="late-logs-bench-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    rows = args.rows
    print(
        f"late-logs store load benchmark: {rows:,} attempts over {DAYS} days; "
        f"python {sys.version.split()[0]}, "
        f"pandas {pd.__version__}, pyarrow {pa.__version__}, {os.cpu_count()} cpus"
    )

    print("load average at start (other processes share these cpus): %.1f %.1f %.1f" % os.getloadavg())
    started = time.perf_counter()
    frame = synthetic_frame(rows)
    print(f"generate frame: {time.perf_counter() - started:.2f}s")

    store_dir = work / "store"
    started = time.perf_counter()
    with LogStore(store_dir) as store:
        store.import_records(frame)
    print(f"import_records (bulk write): {time.perf_counter() - started:.2f}s")

    parquet_path = work / "attempts.parquet"
    frame.to_parquet(parquet_path, index=False)
    print(
        f"store size on disk: {_folder_bytes(store_dir) / 1e6:.1f} MB   "
        f"(one Parquet file of the same frame: {parquet_path.stat().st_size / 1e6:.1f} MB)"
    )

    # Interleaved, so both sides see the same contention from whatever else runs on the machine; CPU time
    # (all threads of this process) is printed too because it moves less with contention than wall time.
    cold, cold_cpu, parquet, parquet_cpu = [], [], [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        with LogStore(store_dir) as store:
            loaded = store.frame()
        cold.append(time.perf_counter() - started)
        cold_cpu.append(time.process_time() - started_cpu)
        del loaded
        started, started_cpu = time.perf_counter(), time.process_time()
        baseline = pd.read_parquet(parquet_path)
        parquet.append(time.perf_counter() - started)
        parquet_cpu.append(time.process_time() - started_cpu)
        del baseline
    with LogStore(store_dir) as store:
        loaded = store.frame()
    baseline = pd.read_parquet(parquet_path)

    same = (
        list(loaded.columns) == RECORD_COLUMNS
        and all(str(loaded[c].dtype) == d for c, d in RECORD_DTYPES.items())
        and len(loaded) == len(baseline) == rows
        and loaded["created_at"].is_monotonic_decreasing
        and loaded["log_id"].equals(baseline["log_id"])
    )
    print("load average after the timed reads: %.1f %.1f %.1f" % os.getloadavg())
    print(f"frame() rows={len(loaded):,}, schema and order as RECORD_DTYPES/newest first: {same}")
    print(f"LogStore(dir).frame() cold (fresh object, OS cache warm): wall {_best(cold)}")
    print(f"pd.read_parquet(one file):                               wall {_best(parquet)}")
    print(f"  cpu time: frame() {_best(cold_cpu)}; read_parquet {_best(parquet_cpu)}")
    print(
        f"ratio frame()/read_parquet: wall best {min(cold) / min(parquet):.2f}x, "
        f"wall median {statistics.median(cold) / statistics.median(parquet):.2f}x, "
        f"cpu best {min(cold_cpu) / min(parquet_cpu):.2f}x"
    )

    with LogStore(store_dir) as store:
        store.frame()
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            store.frame()
            warm.append(time.perf_counter() - started)
        print(f"frame() warm, unchanged store (same object): {_best(warm)}")
        changed = []
        for round_number in range(args.repeat):
            batch = raw_entries(100, seed=100 + round_number)
            for entry in batch:
                entry["_id"] = entry["_id"][:8] + f"{round_number + 1:x}" + entry["_id"][9:]
            store.upsert_attempts(batch)
            started = time.perf_counter()
            store.frame()
            changed.append(time.perf_counter() - started)
        print(
            "frame() warm after upserting 100 entries into one day (only that partition decoded): "
            f"{_best(changed)}"
        )
        since = END - pd.Timedelta(days=7)
        recent = []
        for _ in range(args.repeat):
            with LogStore(store_dir) as fresh:
                started = time.perf_counter()
                week = fresh.frame(since=since.to_pydatetime())
                recent.append(time.perf_counter() - started)
        print(f"frame(since=7 days ago) cold, {len(week):,} rows: {_best(recent)}")

    store_code = (
        "from late_logs.store import LogStore\n"
        f"frame = LogStore({str(store_dir)!r}).frame()\n"
        "assert len(frame) > 0"
    )
    parquet_code = f"import pandas as pd\nframe = pd.read_parquet({str(parquet_path)!r})"
    imports_code = "import pandas, pyarrow, diskcache, late_logs.store"
    base_rss = _peak_rss_mb(imports_code)
    print(
        f"peak RSS of a process loading all {rows:,} attempts: "
        f"LogStore.frame() {_peak_rss_mb(store_code):.0f} MB, "
        f"pd.read_parquet {_peak_rss_mb(parquet_code):.0f} MB (imports alone {base_rss:.0f} MB)"
    )

    entries = raw_entries(args.upserts)
    with LogStore(work / "upserts") as store:
        started = time.perf_counter()
        for start in range(0, len(entries), 100):
            store.upsert_attempts(entries[start : start + 100])
        elapsed = time.perf_counter() - started
    print(
        f"upsert_attempts into an empty store, pages of 100: {len(entries) / elapsed:,.0f} raw entries/s "
        f"({len(entries):,} in {elapsed:.2f}s)"
    )
    with LogStore(work / "upserts-one-batch") as store:
        started = time.perf_counter()
        store.upsert_attempts(entries)
        elapsed = time.perf_counter() - started
    print(f"upsert_attempts into an empty store, one batch: {len(entries) / elapsed:,.0f} raw entries/s")
    pages = raw_entries(2_000, seed=9)
    for entry in pages:
        entry["_id"] = entry["_id"][:8] + "f" + entry["_id"][9:]
    with LogStore(store_dir) as store:
        started = time.perf_counter()
        for start in range(0, len(pages), 100):
            store.upsert_attempts(pages[start : start + 100])
        elapsed = time.perf_counter() - started
        size = json.dumps(store.stats().attempts)
    print(
        f"upsert_attempts into the {rows:,}-attempt store, pages of 100 (today's partition rewritten each "
        f"page): {len(pages) / elapsed:,.0f} raw entries/s; store now holds {size} attempts"
    )


if __name__ == "__main__":
    main()
