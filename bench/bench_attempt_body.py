"""How fast the Attempt page of an attempt with a 1 MB response body becomes usable in a real browser.

Usage: python bench/bench_attempt_body.py [--repeat N]

Plants one attempt with a ~1 MB JSON response body (tests/e2e/hostile_store.py) in a throwaway demo store,
starts `streamlit run dashboard.py` on it and opens `/log?id=<it>` in headless Chromium. Times, from
navigation: the page usable (script idle, nothing left to draw, the cut body and its "Show all" on
screen), then from the click on "Show all" until the whole body is in its text box. The same page of an
attempt with a small body is timed alongside: on a shared machine most of a page load is Streamlit's own,
and the difference is what the big body costs.
Target (issue 6): the page usable in under 2 s (it took 21-38 s when the body was drawn whole).
Prints figures only; it never fails on timing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.demo_dashboard import (  # noqa: E402
    DashboardServer,
    chromium_available,
    launch_chromium,
    open_demo_store,
    script_runs,
    wait_for_app,
    wait_for_rerun,
)
from tests.e2e import hostile_store  # noqa: E402

TARGET_SECONDS = 2.0
TIMEOUT_MS = 120_000


def measure(browser, url: str) -> tuple[float, float]:
    """(seconds until the page is usable, seconds from "Show all" until the whole body is there)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        began = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        wait_for_app(page, TIMEOUT_MS)
        button = page.get_by_role("button", name="Show all").first
        button.wait_for(state="visible", timeout=TIMEOUT_MS)
        usable = time.perf_counter() - began
        runs = script_runs(page)
        began = time.perf_counter()
        button.click()
        wait_for_rerun(page, runs, TIMEOUT_MS)
        page.wait_for_function(
            "() => [...document.querySelectorAll('textarea')].some(t => t.value.includes('item-011000'))",
            timeout=TIMEOUT_MS,
        )
        whole = time.perf_counter() - began
        return usable, whole
    finally:
        context.close()


def measure_small(browser, url: str) -> float:
    """Seconds until the Attempt page of an attempt with a small body is usable (the baseline)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        began = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        wait_for_app(page, TIMEOUT_MS)
        page.get_by_role("heading", level=1, name="Attempt").wait_for(timeout=TIMEOUT_MS)
        return time.perf_counter() - began
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not chromium_available():
        print("Debian's chromium is not installed at /usr/bin/chromium; nothing measured.")
        return 1
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="late-logs-bench-body-"))
    try:
        store = open_demo_store(root)
        directory = store.directory
        store.close()
        planted = hostile_store.populate(directory)
        body_mb = len(hostile_store.huge_body().encode("utf-8")) / 1_000_000
        with DashboardServer(root) as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            url = f"{server.url}/log?id={planted.huge_log_id}"
            measure(browser, url)  # warm-up: the server's first run reads the store
            small_url = f"{server.url}/log?id={planted.safe_url_log_id}"
            figures, small = [], []
            for _ in range(args.repeat):  # interleaved, so both see the same machine load
                figures.append(measure(browser, url))
                small.append(measure_small(browser, small_url))
            browser.close()
        usable = [f[0] for f in figures]
        whole = [f[1] for f in figures]
        print(f"Attempt page with a {body_mb:.1f} MB response body, {args.repeat} runs after one warm-up:")
        print(f"  usable (cut body + Show all on screen): median {statistics.median(usable):.2f} s, "
              f"min {min(usable):.2f} s, max {max(usable):.2f} s (target < {TARGET_SECONDS:.0f} s)")
        print(f"  the same page with a small body:        median {statistics.median(small):.2f} s, "
              f"min {min(small):.2f} s, max {max(small):.2f} s")
        added = statistics.median(usable) - statistics.median(small)
        print(f"  what the 1 MB body adds: {added:+.2f} s (median)")
        print(f"  Show all until the whole body is shown: median {statistics.median(whole):.2f} s, "
              f"min {min(whole):.2f} s, max {max(whole):.2f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
