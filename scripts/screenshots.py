"""The README screenshots: every page of the real dashboard on demo data, in headless Chromium, 1440×900,
and the Overview's daily digest section opened.

Usage: python scripts/screenshots.py [--out docs/screenshots] [--cache DIR] [--only digest,groups]

Fills a throwaway demo store with one real `python -m late_logs sync` pass (or reuses --cache, a folder an
earlier run filled), starts `streamlit run dashboard.py` on it and saves overview, explorer, attempt, post,
groups and collector PNGs once each page's script has finished and its charts are drawn, then digest.png:
the "Daily digest" expander of the Overview, opened, whole (the viewport grown to the page's height, since
Streamlit pages scroll inside their main block rather than the window).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.demo_dashboard import (  # noqa: E402
    DashboardError,
    DashboardServer,
    chromium_available,
    launch_chromium,
    open_demo_store,
    open_page,
    pick_showcase,
    populate_demo_store,
    wait_for_charts,
)

VIEWPORT = {"width": 1440, "height": 900}
DEFAULT_OUT = ROOT / "docs" / "screenshots"


def page_paths(cache_root: Path) -> dict[str, str]:
    """Screenshot name -> page address, with a failed attempt (and its post) worth showing."""
    store = open_demo_store(cache_root)
    try:
        showcase = pick_showcase(store)
    finally:
        store.close()
    return {
        "overview": "/",
        "explorer": "/explorer",
        "attempt": f"/log?id={showcase.failed_log_id}",
        "post": f"/post?id={showcase.failed_post_id}",
        "groups": "/groups",
        "collector": "/collector",
    }


DIGEST_TITLE = "Daily digest"


def shoot_digest(page, url: str, target: Path) -> None:
    """The Overview's digest expander, opened, as one image of its whole height."""
    open_page(page, url, timeout_ms=60_000)
    wait_for_charts(page)
    expander = page.get_by_test_id("stExpander").filter(has_text=DIGEST_TITLE)
    expander.locator("summary").click()
    expander.get_by_test_id("stCode").wait_for(state="visible", timeout=30_000)
    # Streamlit scrolls inside [data-testid="stMain"], not the window: a viewport as tall as its content
    # lets the whole section be drawn (an element screenshot cannot scroll that inner box for us).
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], int(height))})
    page.wait_for_timeout(500)  # the relayout after the resize
    expander.screenshot(path=str(target))
    page.set_viewport_size(VIEWPORT)


def _shown(target: Path) -> str:
    return str(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)


def take(cache_root: Path, out: Path, only: set[str] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    paths = {name: path for name, path in page_paths(cache_root).items() if only is None or name in only}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with DashboardServer(cache_root) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_context(viewport=VIEWPORT, device_scale_factor=1).new_page()
            # The first session opens the Overview, so the router is known before any deep link.
            open_page(page, server.url + "/", timeout_ms=120_000)
            for name, path in paths.items():
                open_page(page, server.url + path, timeout_ms=60_000)
                wait_for_charts(page, at_least=0)  # the charts a page has (some have none), all drawn
                if page.get_by_test_id("stException").count():
                    raise DashboardError(f"the {name} page shows an exception; not taking its screenshot.")
                target = out / f"{name}.png"
                page.screenshot(path=str(target))
                written.append(target)
                print(f"{_shown(target)}  ({path})")
            if only is None or "digest" in only:
                target = out / "digest.png"
                shoot_digest(page, server.url + "/", target)
                written.append(target)
                print(f"{_shown(target)}  (/, the {DIGEST_TITLE} section)")
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the PNGs (default docs/screenshots)")
    parser.add_argument("--cache", type=Path, help="a demo cache folder filled earlier (skips the sync pass)")
    parser.add_argument("--only", help="comma-separated screenshot names to take (default: all)")
    args = parser.parse_args()
    if not chromium_available():
        raise SystemExit("Debian's chromium is not at /usr/bin/chromium: apt-get install chromium.")
    work = None
    try:
        if args.cache is None:
            work = Path(tempfile.mkdtemp(prefix="late-logs-screenshots-"))
            print("filling a demo store with one sync pass…")
            populate_demo_store(work)
        only = {name.strip() for name in args.only.split(",") if name.strip()} if args.only else None
        take(args.cache or work, args.out, only)
    except DashboardError as exc:
        raise SystemExit(str(exc)) from None
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
