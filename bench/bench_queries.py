"""The Overview's questions answered two ways on the same N rows: pandas (analysis.py over the whole store in
one frame, as the dashboard did) against queries.py (DuckDB SQL over the store's Parquet files).

Usage: python bench/bench_queries.py [--rows N] [--repeat K] [--keep]

Builds N synthetic attempts over 90 days (bench_store_load.synthetic_frame, with half the failure messages
carrying a reference number so error groups have many distinct messages to normalise, as real ones do), adds
the derived columns the store writes (error_group, verdicts), writes them in the store's hive layout (one
folder a day) and reuses them for the same N. Then two fresh processes, one per side, each answer for the
24 h / 7 d / 30 d / 90 d windows: KPIs (against the window before), the platform x action matrix, the
failure-rate series, error groups (first/last seen over the whole store), and a text search over 90 days;
each question first (cold: nothing cached in the process) and then the best of K more (warm). Each process
reports its peak memory. Prints figures side by side; it never fails on timing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_store_load import END, synthetic_frame  # noqa: E402

from late_logs import analysis  # noqa: E402
from late_logs.records import RECORD_COLUMNS, RECORD_DTYPES  # noqa: E402

WINDOWS = {"24h": pd.Timedelta(hours=24), "7d": pd.Timedelta(days=7), "30d": pd.Timedelta(days=30),
           "90d": pd.Timedelta(days=90)}  # fmt: skip
SEARCH = "timed out"
QUESTIONS = ("kpis", "matrix", "rates", "groups")
FORMAT_VERSION = 1  # bump when the layout or the synthetic rows change, so an old folder is not reused


def _vary_messages(frame: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    """Half the failures' messages get a reference number: one error, many distinct texts."""
    rng = np.random.default_rng(seed)
    messages = pa.array(frame["error_message"].to_numpy(dtype=object, na_value=None), pa.string())
    numbers = pa.array(rng.integers(10_000, 10_000_000, len(frame))).cast(pa.string())
    varied = pc.binary_join_element_wise(messages, pa.scalar(" (ref "), numbers, pa.scalar(")"), "")
    chosen = pa.array(rng.random(len(frame)) < 0.5)
    frame["error_message"] = pd.array(pc.if_else(chosen, varied, messages).to_pylist(), dtype="string")
    return frame


CHUNK = 1_000_000  # rows generated and written at a time: one more file a day per chunk, as appends make


def build(rows: int, folder: Path) -> list[str]:
    """The hive layout of N synthetic attempts with their derived columns; reused when already there."""
    done = folder / "DONE"
    if done.exists():
        return sorted(str(p) for p in folder.rglob("*.parquet"))
    started = time.perf_counter()
    for part, first in enumerate(range(0, rows, CHUNK)):
        count = min(CHUNK, rows - first)
        frame = _vary_messages(synthetic_frame(count, seed=1 + part), seed=3 + part)
        derived = analysis.add_verdict_columns(frame)
        derived["derived_version"] = "bench"
        derived["source"] = "bench"
        days = derived["created_at"].dt.strftime("%Y-%m-%d")
        for day, chunk in derived.groupby(days, sort=True):
            target = folder / "attempts" / "source=bench" / f"day={day}"
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), target / f"part-{part}.parquet")
        del frame, derived
    done.write_text("ok")
    print(f"built {rows:,} rows in {time.perf_counter() - started:.1f}s into {folder}", file=sys.stderr)
    return sorted(str(p) for p in folder.rglob("*.parquet"))


def _peak_mb() -> float:
    # VmHWM rather than ru_maxrss: after fork+exec Linux carries the parent's ru_maxrss into the child.
    found = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


def _timed(answer, repeat: int) -> dict[str, float]:
    started = time.perf_counter()
    answer()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer()
        warm.append(time.perf_counter() - started)
    return {"cold": cold, "warm": min(warm) if warm else cold}


def _files_of(files: list[str], start: pd.Timestamp | None, end: pd.Timestamp | None) -> list[str]:
    """Partition pruning as the store does it: the days that can hold rows of [start, end)."""
    first = start.strftime("%Y-%m-%d") if start is not None else None
    last = (end - pd.Timedelta(microseconds=1)).strftime("%Y-%m-%d") if end is not None else None
    kept = []
    for path in files:
        day = Path(path).parent.name.removeprefix("day=")
        if (first is None or day >= first) and (last is None or day <= last):
            kept.append(path)
    return kept


def worker_pandas(files: list[str], repeat: int) -> dict:
    """The old way: the whole store in one frame (as LogStore.frame gave it), analysis.py per question."""
    base = _peak_mb()
    started = time.perf_counter()
    # partitioning=None: the files carry their source as a column too, which hive discovery would clash with.
    table = pq.ParquetDataset(files, partitioning=None).read(columns=RECORD_COLUMNS)
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    frame = table.to_pandas(
        types_mapper=lambda t: mapper.get(t, pd.Int64Dtype() if t == pa.int64() else None)
    )
    del table
    frame = frame.astype(RECORD_DTYPES).sort_values(["created_at", "log_id"], ascending=False)
    frame = frame.reset_index(drop=True)
    load = time.perf_counter() - started
    results: dict = {"load": load, "windows": {}}
    for name, length in WINDOWS.items():
        flt = analysis.Filters(start=END - length, end=END)
        earlier = dataclasses.replace(flt, start=flt.start - length)

        def window(flt=flt):
            return analysis.apply_filters(frame, flt)

        answers = {
            "kpis": lambda flt=flt, earlier=earlier: analysis.window_kpis(
                analysis.apply_filters(frame, earlier), flt.start, flt.end
            ),
            "matrix": lambda window=window: analysis.failure_matrix(window()),
            "rates": lambda window=window, flt=flt: analysis.failure_rate_over_time(
                window(), flt.start, flt.end
            ),
            "groups": lambda window=window: analysis.error_groups(window(), history=frame),
        }
        results["windows"][name] = {q: _timed(answers[q], repeat) for q in QUESTIONS}
    search = analysis.Filters(start=END - WINDOWS["90d"], end=END, text=SEARCH)
    results["search_90d"] = _timed(lambda: len(analysis.apply_filters(frame, search)), repeat)
    results["search_rows"] = len(analysis.apply_filters(frame, search))
    results["peak_mb"], results["imports_mb"] = _peak_mb(), base
    return results


def worker_queries(files: list[str], repeat: int) -> dict:
    """The new way: queries.py over the window's files (pruned by day), no frame of the store at all."""
    from late_logs import queries

    base = _peak_mb()
    results: dict = {"load": 0.0, "windows": {}}
    for name, length in WINDOWS.items():
        flt = analysis.Filters(start=END - length, end=END)
        both = _files_of(files, flt.start - length, flt.end)
        mine = _files_of(files, flt.start, flt.end)
        answers = {
            "kpis": lambda flt=flt, both=both: queries.window_kpis(both, flt),
            "matrix": lambda flt=flt, mine=mine: queries.failure_matrix(mine, flt),
            "rates": lambda flt=flt, mine=mine: queries.rate_series(queries.time_counts(mine, flt)),
            "groups": lambda flt=flt, mine=mine: queries.error_groups(mine, flt, history=files),
        }
        results["windows"][name] = {q: _timed(answers[q], repeat) for q in QUESTIONS}
    search = analysis.Filters(start=END - WINDOWS["90d"], end=END, text=SEARCH)
    mine = _files_of(files, search.start, search.end)

    def explorer_search() -> int:
        # What the Explorer asks: the first 5,000 rows newest first, and how many match.
        queries.attempts(mine, search, limit=5_000)
        return queries.count(mine, search)

    results["search_90d"] = _timed(explorer_search, repeat)
    results["search_rows"] = explorer_search()
    results["peak_mb"], results["imports_mb"] = _peak_mb(), base
    return results


def _run_worker(side: str, folder: Path, rows: int, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", side, "--folder", str(folder), "--rows", str(rows),
         "--repeat", str(repeat)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(rows: int, pandas_side: dict, queries_side: dict) -> None:
    print(
        f"\n{rows:,} attempts over 90 days; times in seconds (cold = first in a fresh process, warm = best)"
    )
    print(f"pandas loads the whole store first: {pandas_side['load']:.2f}s (not in the figures below)\n")
    def line(window: str, question: str, p: dict, q: dict) -> str:
        figures = f"{p['cold']:>12.3f} {p['warm']:>12.3f} {q['cold']:>10.3f} {q['warm']:>10.3f}"
        return f"{window:<6} {question:<8} {figures}"

    header = f"{'window':<6} {'question':<8} " + " ".join(
        f"{title:>{width}}"
        for title, width in (("pandas cold", 12), ("pandas warm", 12), ("SQL cold", 10), ("SQL warm", 10))
    )
    print(header)
    print("-" * len(header))
    for name in WINDOWS:
        mine, theirs = queries_side["windows"][name], pandas_side["windows"][name]
        for question in QUESTIONS:
            print(line(name, question, theirs[question], mine[question]))
        total = {
            side: {kind: sum(answers[q][kind] for q in QUESTIONS) for kind in ("cold", "warm")}
            for side, answers in (("pandas", theirs), ("queries", mine))
        }
        print(line(name, "all four", total["pandas"], total["queries"]))
    print(
        line("90d", "search", pandas_side["search_90d"], queries_side["search_90d"])
        + f"   ({pandas_side['search_rows']:,} / {queries_side['search_rows']:,} rows match {SEARCH!r})"
    )
    print(
        f"\npeak memory: pandas {pandas_side['peak_mb']:,.0f} MB, SQL {queries_side['peak_mb']:,.0f} MB "
        f"(imports alone: {pandas_side['imports_mb']:,.0f} / {queries_side['imports_mb']:,.0f} MB)"
    )
    print(json.dumps({"rows": rows, "pandas": pandas_side, "queries": queries_side}, separators=(",", ":")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per question (the best is shown)")
    parser.add_argument(
        "--sides",
        default="pandas,queries",
        help="which sides to run (pandas needs the whole store in memory: about 1.5 GB per million rows)",
    )
    parser.add_argument("--worker", choices=("pandas", "queries"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        files = sorted(str(p) for p in Path(args.folder).rglob("*.parquet"))
        work = worker_pandas if args.worker == "pandas" else worker_queries
        print(json.dumps(work(files, args.repeat)))
        return
    folder = Path(tempfile.gettempdir()) / f"late-logs-bench-queries-v{FORMAT_VERSION}-{args.rows}"
    build(args.rows, folder)
    sides = {side.strip() for side in args.sides.split(",")}
    nothing = {"cold": float("nan"), "warm": float("nan")}  # a side not run prints as nan
    skipped = {
        "load": float("nan"),
        "windows": {w: {q: nothing for q in QUESTIONS} for w in WINDOWS},
        "search_90d": nothing,
        "search_rows": 0,
        "peak_mb": float("nan"),
        "imports_mb": float("nan"),
    }
    pandas_side = _run_worker("pandas", folder, args.rows, args.repeat) if "pandas" in sides else skipped
    queries_side = _run_worker("queries", folder, args.rows, args.repeat) if "queries" in sides else skipped
    report(args.rows, pandas_side, queries_side)


if __name__ == "__main__":
    main()
