"""The store and its answers at scale: 1M, 4.5M or 10M attempts written through the collector's write path.

Usage: python bench/bench_scale.py --rows N [--skip-browser]

Builds (or reuses, for the same N and writer code: bench/scale_world.py) a store of N attempts over 90 days
written with `LogStore.upsert_attempts` as the collector flushes pages, then prints, side by side in one run:
- write amplification: bytes handed to write() while building, per byte the store holds afterwards;
- an idle pass: bytes written when the newest three pages are listed again unchanged (fresh process);
- the Overview for 24 h / 7 d / 30 d / 90 d: the Overview view model itself
  (`overview_view._charts_at` and `_overview_at` without their result caches: the matrix, series and
  plotly figures, then KPIs and baselines, error groups and post counts), cold = the first question of a
  fresh process, warm = the best of two more in the same process (what a new filter costs once the files
  were read);
- error groups over 90 days and the Explorer's text search over 90 days (its first rows and the count);
- the same four Overview questions (KPIs, matrix, hourly rates, error groups) answered by plain DuckDB SQL
  over ONE Parquet file of the same rows, and the ratio ours / DuckDB;
- a real `streamlit run dashboard.py` on the store: start -> Overview charts drawn in headless Chromium (the
  median of three starts, alternating with three on a 20,000-attempt store: the page's own cost, whatever
  the store), and the server's resident memory after it drew the 24 h, 7 d, 30 d and 90 d Overviews.
It ends with one JSON line of those figures for others to rerun and compare. Figures only: it never fails on
timing. Every measurement runs in its own process, so one's caches never help another.
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
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scale_world  # noqa: E402

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
           "90d": timedelta(days=90)}  # fmt: skip
OVERVIEW_CHARTS = 3  # the Overview's charts with data: the heatmap, the failure rate, attempts by status
# The ratio questions, ours and DuckDB's alike, are the best of this many warm runs: they take 0.05-0.3 s,
# where one stall of these noisy cores moved a ratio from 1.03x to 1.99x between runs of the same code.
RATIO_REPEATS = 5
SEARCH = "timed out"  # words of a real platform error, in some messages of every day
TARGETS = "10M targets: RSS <= 600 MB, Overview <= 1 s warm / <= 2.5 s cold, search <= 1.5 s, start -> " \
          "charts <= 4 s, write amplification <= 3, idle pass <= 1 MB, each question <= 1.5x DuckDB"


# ------------------------------------------------------------------------------------ in a child process


def _store_files(folder: Path):
    from late_logs.store import LogStore

    store = LogStore(folder)
    return store, store.parquet_files


class _Context:
    """What the Overview's view model reads of data.AppContext: the store's files for a time range."""

    def __init__(self, folder: Path) -> None:
        self.store, self._files = _store_files(folder)

    def files(self, since=None, until=None) -> list[str]:
        return self._files(since=since, until=until)


def _window(end: datetime, name: str):
    from late_logs import analysis

    return analysis.Filters(start=end - WINDOWS[name], end=end)


def _timed(question, repeat: int = 2) -> tuple[float, float]:
    """(cold: the first answer, warm: the best of `repeat` more)."""
    started = time.perf_counter()
    question()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        question()
        warm.append(time.perf_counter() - started)
    return cold, min(warm)


def child_overview(folder: Path, end: datetime, name: str) -> dict:
    from late_logs.ui import overview_view

    ctx = _Context(folder)
    flt = _window(end, name)
    # The view model without its per-filter caches: the charts the page draws first, then the rest.
    charts, rest = overview_view._charts_at.__wrapped__, overview_view._overview_at.__wrapped__

    def compute():
        drawn = charts(str(folder), ctx.store.version, flt, ctx)
        return rest(str(folder), ctx.store.version, flt, ctx, drawn)

    cold, warm = _timed(compute)
    return {"cold": cold, "warm": warm}


def child_groups(folder: Path, end: datetime) -> dict:
    from late_logs import queries

    ctx = _Context(folder)
    flt = _window(end, "90d")
    cold, warm = _timed(lambda: queries.error_groups(ctx.files(flt.start, flt.end), flt, history=ctx.files()))
    return {"cold": cold, "warm": warm}


def child_search(folder: Path, end: datetime) -> dict:
    import dataclasses

    from late_logs.ui import explorer_view

    ctx = _Context(folder)
    flt = dataclasses.replace(_window(end, "90d"), text=SEARCH)
    files = tuple(ctx.files(flt.start, flt.end))
    matching = explorer_view._matching_at.__wrapped__  # the Explorer's first rows, without its cache
    found = []
    rows_cold, rows_warm = _timed(
        lambda: found.append(matching(str(folder), 0, flt, "created_at", True, files))
    )
    count = explorer_view._count_at.__wrapped__  # the count the page reads after drawing its table
    counts = []
    count_cold, count_warm = _timed(lambda: counts.append(count(str(folder), 0, flt, files)))
    # "warm"/"cold": rows and count, the whole answer; "rows": the table alone, what the page draws first.
    return {"cold": rows_cold + count_cold, "warm": rows_warm + count_warm, "rows_warm": rows_warm,
            "matches": counts[-1]}  # fmt: skip


def child_ours_questions(folder: Path, end: datetime, name: str) -> dict:
    """The four questions the DuckDB reference answers, asked through queries.py."""
    from late_logs import analysis, queries

    ctx = _Context(folder)
    flt = _window(end, name)
    earlier = flt.start - (flt.end - flt.start)
    both, window = ctx.files(earlier, flt.end), ctx.files(flt.start, flt.end)
    asked = {
        "kpis": lambda: queries.window_kpis(both, flt),
        "matrix": lambda: queries.failure_matrix(window, flt, analysis.MIN_VOLUME),
        "rates": lambda: queries.time_counts(window, flt),
        "groups": lambda: queries.error_groups(window, flt),
    }
    return {key: _timed(question, RATIO_REPEATS)[1] for key, question in asked.items()}


def child_duckdb_questions(one_file: Path, end: datetime, name: str) -> dict:
    """The same four questions in plain DuckDB SQL over one Parquet file of the same rows (the reference)."""
    import duckdb

    con = duckdb.connect()
    start = end - WINDOWS[name]
    earlier = start - WINDOWS[name]
    scan = f"read_parquet('{one_file}')"
    asked = {
        # What the Overview's KPIs answer: attempts, failures, settled, and the posts and accounts affected.
        "kpis": ("SELECT created_at >= $start AS current, count(*), "
                 "count(*) FILTER (WHERE status = 'failed'), "
                 "count(*) FILTER (WHERE status IN ('success', 'failed')), "
                 "count(DISTINCT post_id) FILTER (WHERE status = 'failed'), "
                 "count(DISTINCT coalesce(account_id, account_username)) FILTER (WHERE status = 'failed') "
                 f"FROM {scan} WHERE created_at >= $earlier AND created_at < $end GROUP BY ALL"),
        "matrix": (f"SELECT platform, action, count(*) FILTER (WHERE status = 'failed'), "
                   f"count(*) FILTER (WHERE status IN ('success', 'failed')) FROM {scan} "
                   "WHERE created_at >= $start AND created_at < $end GROUP BY ALL"),
        "rates": (f"SELECT platform, date_trunc('hour', created_at), status, count(*) FROM {scan} "
                  "WHERE created_at >= $start AND created_at < $end GROUP BY ALL"),
        # What the group table answers: failures, posts and accounts, first and last, the accounts' names
        # and the newest failure as the sample.
        "groups": ("SELECT error_group, count(*), count(DISTINCT post_id), "
                   "count(DISTINCT coalesce(account_id, account_username)), min(created_at), "
                   "max(created_at), list(DISTINCT account_username), "
                   f"arg_max({{'id': log_id, 'message': error_message}}, created_at) FROM {scan} "
                   "WHERE created_at >= $start AND created_at < $end AND status = 'failed' "
                   "GROUP BY ALL ORDER BY 2 DESC"),
    }  # fmt: skip
    params = {"start": start, "end": end, "earlier": earlier}
    result = {}
    for key, sql in asked.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        result[key] = _timed(lambda sql=sql, used=used: con.execute(sql, used).fetchall(), RATIO_REPEATS)[1]
    return result


def child_one_file(folder: Path, target: Path) -> dict:
    import duckdb

    _, files = _store_files(folder)
    duckdb.execute("COPY (SELECT * FROM read_parquet(?, union_by_name = true)) TO '" + str(target) + "' "
                   "(FORMAT parquet)", [files()])  # fmt: skip
    return {"bytes": target.stat().st_size}


CHILDREN = {
    "overview": child_overview,
    "groups": child_groups,
    "search": child_search,
    "ours": child_ours_questions,
    "duckdb": child_duckdb_questions,
    "onefile": child_one_file,
}


def in_child(kind: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child {kind} failed: {done.stderr.strip().splitlines()[-3:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ the browser


def _rss_mb(pid: int) -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


# The page's own start, apart from the store's part in it: a store this small answers every question in
# a few milliseconds, so its start -> charts is the server's start, the browser's page, plotly's script and
# drawing (measured beside the N store's, alternating: these machines are noisy).
REFERENCE_ROWS = 20_000
START_ROUNDS = 3


def browser_figures(folder: Path, end: datetime, reference: Path | None = None) -> dict:
    """A real server on the store: start -> charts drawn (the median of START_ROUNDS starts, alternating
    with as many on the `reference` store), and the server's memory after 24 h, 7 d, 30 d, 90 d Overviews."""
    from playwright.sync_api import sync_playwright

    from tests.demo_dashboard import chromium_available

    if not chromium_available():
        return {}
    starts: dict[str, list[dict]] = {"store": [], "reference": []}
    with sync_playwright() as playwright:
        for round_number in range(START_ROUNDS):
            starts["store"].append(_start(playwright, folder, end, memory=round_number == 0))
            if reference is not None:
                starts["reference"].append(_start(playwright, reference, end, memory=False))
    figures = {key: starts["store"][0][key] for key in ("server_rss_mb", "server_peak_rss_mb")}
    for key in ("start_to_healthy_s", "start_to_charts_s", "start_to_idle_s"):
        figures[key] = statistics.median([one[key] for one in starts["store"]])
        if starts["reference"]:
            figures[f"reference_{key}"] = statistics.median([one[key] for one in starts["reference"]])
    figures["start_to_charts_runs"] = [round(one["start_to_charts_s"], 2) for one in starts["store"]]
    figures["reference_start_to_charts_runs"] = [
        round(one["start_to_charts_s"], 2) for one in starts["reference"]
    ]
    return figures


def _start(playwright, folder: Path, end: datetime, memory: bool) -> dict:
    """One fresh server and browser on the store: its start's times; with `memory`, then the 7 d, 30 d and
    90 d Overviews and the server's resident memory after them."""
    from tests.demo_dashboard import DashboardServer, launch_chromium, wait_for_app, wait_for_charts

    root = Path(tempfile.mkdtemp(prefix="late-logs-scale-"))
    (root / "demo").symlink_to(folder)  # the demo settings read <LATE_LOGS_CACHE_DIR>/demo
    figures = {}
    browser = launch_chromium(playwright)
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        started = time.perf_counter()
        server = DashboardServer(root, startup_timeout=120).start()
        # Where the start's time goes: the server answering its health check, then the page's run.
        figures["start_to_healthy_s"] = time.perf_counter() - started
        try:
            page.goto(server.url + "/", wait_until="commit", timeout=180_000)
            # Charts drawn: the Overview's three (heatmap, failure rate, attempts by status) on screen,
            # whatever of the page's run is still going below them (its daily digest).
            wait_for_charts(page, 180_000, at_least=OVERVIEW_CHARTS)
            figures["start_to_charts_s"] = time.perf_counter() - started
            wait_for_app(page, 180_000)
            figures["start_to_idle_s"] = time.perf_counter() - started
            if memory:
                for name in ("7d", "30d"):
                    page.goto(server.url + f"/?window={name}", wait_until="commit", timeout=180_000)
                    wait_for_app(page, 180_000)
                    wait_for_charts(page, 180_000)
                start = (end - WINDOWS["90d"]).strftime("%Y-%m-%dT%H:%MZ")
                stop = (end + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ")
                page.goto(server.url + f"/?start={start}&end={stop}", wait_until="commit", timeout=180_000)
                wait_for_app(page, 180_000)
                wait_for_charts(page, 180_000)
                assert server._process is not None
                figures["server_rss_mb"], figures["server_peak_rss_mb"] = _rss_mb(server._process.pid)
        finally:
            server.stop()
    finally:
        browser.close()
        shutil.rmtree(root, ignore_errors=True)
    return figures


# ------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        folder = Path(rest[0])
        # (folder, end time, window name) for the questions; (folder, target file) for `onefile`
        if kind == "onefile":
            values = [folder, Path(rest[1])]
        else:
            values = [folder, datetime.fromisoformat(rest[1]), *rest[2:]]
        print(json.dumps(CHILDREN[kind](*values)))
        return

    print(f"bench_scale: {args.rows:,} attempts over {scale_world.DAYS} days; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    built = scale_world.build(args.rows, progress=print)
    folder, end = built.folder, built.end
    stamp = end.isoformat()
    print(f"store: {built.stored / 1e6:,.1f} MB on disk, built in {built.seconds:,.0f} s "
          f"({args.rows / built.seconds:,.0f} attempts/s, upsert_attempts as the collector flushes: the "
          f"first page of {scale_world.PAGE}, then {scale_world.FLUSH_PAGES} pages a call); "
          f"written {built.written / 1e6:,.1f} MB = {built.amplification:.2f}x what it stores")  # fmt: skip
    # Two idle passes, each in its own process: the first after a build also checkpoints the build's SQLite
    # log (the build's cost, paid late); the second is what every later idle pass writes.
    idles = [int(subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.'); "
                                 "from bench import scale_world as w; from pathlib import Path; "
                                 "from datetime import datetime; "
                                 f"print(w.idle_pass_bytes(w.Built(Path('{folder}'), {args.rows}, "
                                 f"datetime.fromisoformat('{stamp}'), 0, 0, 0)))"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()[-1])
             for _ in range(2)]  # fmt: skip
    idle = idles[-1]
    print(f"idle pass (3 newest pages listed again): {idles[0]:,} bytes written by the first after the "
          f"build, {idle:,} by the next")

    overview = {name: in_child("overview", str(folder), stamp, name) for name in WINDOWS}
    groups = in_child("groups", str(folder), stamp)
    search = in_child("search", str(folder), stamp)
    one_file = folder.parent / "one.parquet"
    if not one_file.exists():
        in_child("onefile", str(folder), str(one_file))
    ours = {name: in_child("ours", str(folder), stamp, name) for name in ("7d", "90d")}
    reference = {name: in_child("duckdb", str(one_file), stamp, name) for name in ("7d", "90d")}

    print("\nOverview view model (s)   cold    warm")
    for name, times in overview.items():
        print(f"  {name:>4}                 {times['cold']:6.2f}  {times['warm']:6.2f}")
    print(f"error groups 90 d        {groups['cold']:6.2f}  {groups['warm']:6.2f}")
    print(f"search '{SEARCH}' 90 d   {search['cold']:6.2f}  {search['warm']:6.2f}   "
          f"({search['matches']:,} match; the table's rows alone {search['rows_warm']:.2f} s warm)")
    print("\nthe same questions, warm (s): queries.py over the store | DuckDB over one Parquet file | ratio")
    ratio = {}
    for name in ours:
        for key in ours[name]:
            ratio[f"{key}_{name}"] = ours[name][key] / max(reference[name][key], 1e-6)
            print(f"  {key:>6} {name:>4}   {ours[name][key]:6.3f} | {reference[name][key]:6.3f} | "
                  f"{ratio[f'{key}_{name}']:5.2f}x")  # fmt: skip

    browser: dict = {}
    if not args.skip_browser:
        reference = scale_world.build(REFERENCE_ROWS, progress=print) if args.rows != REFERENCE_ROWS else None
        browser = browser_figures(folder, end, reference.folder if reference else None)
    if browser:
        print(f"\nreal server + Chromium: start -> Overview charts {browser['start_to_charts_s']:.1f} s, the "
              f"median of {browser['start_to_charts_runs']} (server healthy after "
              f"{browser['start_to_healthy_s']:.1f} s, the page's whole run done after "
              f"{browser['start_to_idle_s']:.1f} s); server memory after 24 h, 7 d, 30 d, 90 d Overviews: "
              f"{browser['server_rss_mb']:,.0f} MB (peak {browser['server_peak_rss_mb']:,.0f} MB)")
        if "reference_start_to_charts_s" in browser:
            print(f"  the same start on a {REFERENCE_ROWS:,}-attempt store, alternating with it: "
                  f"{browser['reference_start_to_charts_s']:.1f} s, the median of "
                  f"{browser['reference_start_to_charts_runs']} (healthy after "
                  f"{browser['reference_start_to_healthy_s']:.1f} s): what the page costs whatever the store")
    print(f"\n{TARGETS}")
    print(json.dumps({
        "rows": args.rows,
        "server_rss_mb": round(browser.get("server_rss_mb", float("nan")), 1),
        "server_peak_rss_mb": round(browser.get("server_peak_rss_mb", float("nan")), 1),
        "overview_warm_s": {k: round(v["warm"], 3) for k, v in overview.items()},
        "overview_cold_s": {k: round(v["cold"], 3) for k, v in overview.items()},
        "groups_90d_s": round(groups["warm"], 3),
        "search_90d_s": round(search["warm"], 3),
        "search_rows_90d_s": round(search["rows_warm"], 3),
        "start_to_charts_s": round(browser.get("start_to_charts_s", float("nan")), 2),
        "start_to_healthy_s": round(browser.get("start_to_healthy_s", float("nan")), 2),
        "start_to_idle_s": round(browser.get("start_to_idle_s", float("nan")), 2),
        "reference_rows": REFERENCE_ROWS,
        "reference_start_to_charts_s": round(browser.get("reference_start_to_charts_s", float("nan")), 2),
        "write_amplification": round(built.amplification, 2),
        "idle_pass_bytes": idle,
        "duckdb_ratio": {k: round(v, 2) for k, v in ratio.items()},
    }))


if __name__ == "__main__":
    main()
