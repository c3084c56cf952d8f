"""How fast the real dashboard draws the Overview over a big store, seen from a real browser.

Usage: python bench/bench_dashboard.py [--rows N] [--repeat N]

Writes N synthetic attempts (bench_store_load.synthetic_frame, moved so the newest is now) into a demo
store with LogStore.import_records, starts `streamlit run dashboard.py` on it and opens the Overview in
headless Chromium. Times, from navigation to every chart drawn and the script idle:
cold (first load of the server: the frame is read from the store), warm (reload: the frame is cached), a
new browser session (warm cache, new Streamlit session), and the rerun after a sidebar filter change
(a platform picked, the time preset switched) until the app is idle and the charts are drawn again.
Targets: warm Overview <= 3 s, filter rerun <= 1 s. Prints figures only; it never fails on timing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_store_load import synthetic_frame  # noqa: E402
from tests.demo_dashboard import (  # noqa: E402
    DashboardServer,
    chromium_available,
    launch_chromium,
    milliseconds_since_navigation,
    open_demo_store,
    record_script_states,
    script_runs,
    script_state_timeline,
    wait_for_app,
    wait_for_charts,
    wait_for_rerun,
)

VIEWPORT = {"width": 1440, "height": 900}
TARGET_WARM_SECONDS = 3.0
TARGET_RERUN_SECONDS = 1.0
TIMEOUT_MS = 180_000  # a cold load of a million attempts on a busy 2-core machine may take a while


def new_context(browser):
    context = browser.new_context(viewport=VIEWPORT)
    record_script_states(context)
    return context


def fill_store(cache_root: Path, rows: int) -> None:
    """The synthetic attempts, moved so the newest is now (the Overview's default window is the last 24 h)."""
    frame = synthetic_frame(rows)
    shift = pd.Timestamp.now(tz="UTC").floor("min") - frame["created_at"].max()
    frame["created_at"] = frame["created_at"] + shift
    frame["scheduled_for"] = frame["scheduled_for"] + shift
    store = open_demo_store(cache_root)
    try:
        store.import_records(frame)
    finally:
        store.close()


def overview_drawn(page) -> int:
    """Wait for the script to be idle and every chart to be drawn; returns the chart count."""
    wait_for_app(page, TIMEOUT_MS)
    return wait_for_charts(page, TIMEOUT_MS)


@dataclass
class Load:
    """One page load, in seconds from navigation start (the browser's own clock)."""

    script_started: float
    script_finished: float
    drawn: float
    charts: int


def measured_load(page) -> Load:
    """After a navigation: wait until drawn, then read the phases from the script-state timeline."""
    charts = overview_drawn(page)
    drawn = milliseconds_since_navigation(page) / 1000
    timeline = script_state_timeline(page)
    starts = [ms for ms, state in timeline if state == "running"]
    ends = [ms for ms, state in timeline if state == "notRunning"]
    return Load(script_started=(starts[0] / 1000) if starts else float("nan"),
                script_finished=(ends[-1] / 1000) if ends else float("nan"), drawn=drawn, charts=charts)


def timed_load(page, url: str) -> Load:
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    return measured_load(page)


def phases(loads: list[Load]) -> str:
    """Medians of the phases of a list of loads."""
    median = statistics.median
    return (f"script started at {median(x.script_started for x in loads):.2f} s, "
            f"finished at {median(x.script_finished for x in loads):.2f} s, "
            f"charts drawn at {median(x.drawn for x in loads):.2f} s")


@dataclass
class Rerun:
    """One widget change, in seconds from the click (the browser's own clock)."""

    script_finished: float
    drawn: float


def timed_rerun(page, commit, prepare=None) -> Rerun:
    """From the click that changes a widget (`commit`) to its rerun finished and drawn; `prepare` (opening
    a dropdown) happens before the clock starts."""
    if prepare is not None:
        prepare()
    runs = script_runs(page)
    clicked = milliseconds_since_navigation(page)
    commit()
    wait_for_rerun(page, runs, TIMEOUT_MS)
    overview_drawn(page)
    drawn = milliseconds_since_navigation(page)
    ends = [ms for ms, state in script_state_timeline(page) if state == "notRunning" and ms > clicked]
    return Rerun(script_finished=((ends[-1] if ends else float("nan")) - clicked) / 1000,
                 drawn=(drawn - clicked) / 1000)


def platform_dropdown(page):
    return lambda: page.get_by_test_id("stSidebar").get_by_role("combobox", name="Platform").click()


def pick_option(page, option: str):
    # Options carry the window's count beside them: "tiktok (1,204)".
    name = re.compile(rf"^{re.escape(option)}( \([\d,]+\))?$")
    return lambda: page.get_by_role("option", name=name).click()


def pick_preset(page, label: str):
    return lambda: page.get_by_test_id("stSidebar").get_by_role("radio", name=label, exact=True).click()


def rerun_figures(reruns: list[Rerun], target: float) -> str:
    drawn = [x.drawn for x in reruns]
    finished = statistics.median(x.script_finished for x in reruns)
    return (f"{figures(drawn)} {verdict(statistics.median(drawn), target)}\n"
            f"    script finished {finished:.2f} s after the click (median)")


def figures(times: list[float]) -> str:
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"median {statistics.median(times):.2f} s, best {min(times):.2f} s, worst {max(times):.2f} s"


def verdict(seconds: float, target: float) -> str:
    return f"(target <= {target:g} s: {'met' if seconds <= target else 'missed'})"


def run(rows: int, repeat: int, work: Path) -> None:
    from playwright.sync_api import sync_playwright

    print(f"late-logs dashboard benchmark: {rows:,} stored attempts, {os.cpu_count()} cpus, "
          "load average %.1f %.1f %.1f (other processes share these cpus)" % os.getloadavg())
    started = time.perf_counter()
    fill_store(work, rows)
    print(f"store written (synthetic frame + import_records): {time.perf_counter() - started:.1f} s")

    with DashboardServer(work, startup_timeout=120) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = new_context(browser)
            page = context.new_page()
            cold = timed_load(page, server.url + "/")
            print(f"overview cold (first load, frame read from the store): {cold.drawn:.2f} s, {cold.charts} "
                  f"charts drawn ({phases([cold])})")

            warm = []
            for _ in range(repeat):
                page.reload(wait_until="commit", timeout=TIMEOUT_MS)
                warm.append(measured_load(page))
            warm_times = [x.drawn for x in warm]
            print(f"overview warm (reload, frame cached): {figures(warm_times)} "
                  f"{verdict(statistics.median(warm_times), TARGET_WARM_SECONDS)}\n    {phases(warm)}")

            fresh = []
            for _ in range(repeat):
                other = new_context(browser)  # its own empty HTTP cache: Streamlit's JS is fetched again
                try:
                    fresh.append(timed_load(other.new_page(), server.url + "/"))
                finally:
                    other.close()
            print(f"overview warm, new browser (empty browser cache): {figures([x.drawn for x in fresh])}"
                  f"\n    {phases(fresh)}")

            platform_reruns, preset_reruns = [], []
            for index in range(repeat):
                # Each round: a fresh 24 h overview, one platform picked, then the 7-day preset.
                page.goto(server.url + "/", wait_until="commit", timeout=TIMEOUT_MS)
                overview_drawn(page)
                platform = ("instagram", "facebook", "tiktok", "linkedin", "youtube")[index % 5]
                platform_reruns.append(
                    timed_rerun(page, pick_option(page, platform), prepare=platform_dropdown(page))
                )
                page.keyboard.press("Escape")  # close the dropdown so the next click reaches the sidebar
                preset_reruns.append(timed_rerun(page, pick_preset(page, "7 days")))
            print(f"filter rerun, platform picked: {rerun_figures(platform_reruns, TARGET_RERUN_SECONDS)}")
            print(f"filter rerun, 24 h -> 7 days: {rerun_figures(preset_reruns, TARGET_RERUN_SECONDS)}")

            url_loads = []
            for platform in ("instagram", "facebook", "tiktok")[:repeat]:
                page.goto(server.url + f"/?platform={platform}", wait_until="commit", timeout=TIMEOUT_MS)
                url_loads.append(measured_load(page).drawn)
            print(f"overview opened from a link with a platform filter (warm browser): {figures(url_loads)}")
        finally:
            browser.close()
        log = server.log_tail(200).splitlines()
        errors = [line for line in log if "Traceback" in line or "Error" in line]
        if errors:
            print("the server printed errors:\n  " + "\n  ".join(errors[:10]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="attempts in the store (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions of each warm figure")
    args = parser.parse_args()
    if not chromium_available():
        raise SystemExit("Debian's chromium is not at /usr/bin/chromium: apt-get install chromium.")
    work = Path(tempfile.mkdtemp(prefix="late-logs-bench-dashboard-"))
    try:
        run(args.rows, args.repeat, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
