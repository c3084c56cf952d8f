"""Test harness: start the real dashboard on demo data and drive it in headless Chromium.

Shared by the browser tests (`tests/e2e/conftest.py`), the README screenshots (`scripts/screenshots.py`) and
the dashboard benchmark (`bench/bench_dashboard.py`), so all three see the app exactly as a user would:
a populated store in a throwaway folder, a `streamlit run dashboard.py` subprocess, Debian's chromium.

Usage::

    cache = Path(tempfile.mkdtemp())
    populate_demo_store(cache)
    with DashboardServer(cache) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        open_page(page, server.url + "/explorer")
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from late_logs.ui.chart_library import LOADER_KEY

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download is not used; these flags keep Debian's chromium quiet and offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The app's own notion of "finished": Streamlit marks its root with the script state.
APP_IDLE = (
    '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
)
# A quieter simulated account than the default 60/h: one real sync pass of it takes ~20 s instead of
# ~75 s on two cores, and it still holds every kind of failure, hostile captions and planted secrets.
DEMO_ATTEMPTS_PER_HOUR = 20
# Variables that would point the app at a real Late account or another cache; demo runs drop them.
_FOREIGN_SETTINGS = (
    "LATE_API_KEY", "LATE_API_BASE_URL", "LATE_LOGS_CACHE_DIR", "LATE_LOGS_POLL_SECONDS",
    "LATE_LOGS_RETENTION_DAYS", "LATE_LOGS_DEMO_NOW", "LATE_LOGS_DEMO_SEED",
    "LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR", "LATE_LOGS_DEMO_SLOW_SECONDS",
)


class DashboardError(RuntimeError):
    """The demo store or the dashboard server could not be brought up; the message says why."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_env(cache_root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a demo-mode process: no API key, its own cache folder, no background polling.

    The simulated Late runs on the real clock on purpose: with LATE_LOGS_DEMO_NOW its rate-limit window
    never moves on, so a pass of more than 1200 requests would wait forever. Its world is a function of
    (seed, time), so a test's own `SimulatedLate` sees the same attempts as the sync pass did.
    """
    secrets = ROOT / ".streamlit" / "secrets.toml"
    if secrets.exists() and "LATE_API_KEY" in secrets.read_text(encoding="utf-8", errors="replace"):
        # An empty env var falls back to secrets.toml (config.load_settings), so demo mode cannot be forced.
        raise DashboardError(f"{secrets} sets LATE_API_KEY; move it aside to run the demo dashboard.")
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_SETTINGS}
    env.update(
        LATE_LOGS_CACHE_DIR=str(cache_root),
        LATE_LOGS_POLL_SECONDS="0",
        LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR=str(DEMO_ATTEMPTS_PER_HOUR),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def populate_demo_store(cache_root: Path, *, extra_env: Mapping[str, str] | None = None,
                        timeout: float = 240.0) -> str:
    """Fill the demo store of `cache_root` with one real `python -m late_logs sync` pass; returns its log."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "late_logs", "sync"],
            cwd=ROOT,
            env=demo_env(cache_root, extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise DashboardError(f"`python -m late_logs sync` did not finish within {timeout:.0f} s.") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise DashboardError(f"`python -m late_logs sync` exited with {done.returncode}: " + " | ".join(tail))
    return done.stdout + done.stderr


def open_demo_store(cache_root: Path):  # -> late_logs.store.LogStore
    """The store the dashboard reads for this cache root, opened as one more reader."""
    from late_logs.config import load_settings
    from late_logs.source import open_store

    return open_store(load_settings(env=demo_env(cache_root), secrets={}))


@dataclass(frozen=True)
class Showcase:
    """Ids worth opening: a failed attempt (with its detail stored) and the post it belongs to."""

    failed_log_id: str
    failed_post_id: str


def pick_showcase(store) -> Showcase:
    """A failed attempt of a post that went to several platforms, preferring one whose detail is stored."""
    frame = store.frame()
    failed = frame[(frame["status"] == "failed") & frame["post_id"].notna()]
    if failed.empty:
        raise DashboardError("the demo store holds no failed attempt of a post; the simulator changed?")
    platforms_per_post = frame.groupby("post_id")["platform"].nunique()
    with_detail = failed[failed["log_id"].isin(store.detail_ids())]
    candidates = with_detail if not with_detail.empty else failed
    ranked = candidates.assign(spread=candidates["post_id"].map(platforms_per_post))
    best = ranked.sort_values(["spread", "created_at"], ascending=False, kind="stable").iloc[0]
    return Showcase(failed_log_id=str(best["log_id"]), failed_post_id=str(best["post_id"]))


class DashboardServer:
    """A `streamlit run dashboard.py` subprocess on a free local port, stopped with its process group."""

    def __init__(self, cache_root: Path, *, port: int | None = None,
                 extra_env: Mapping[str, str] | None = None, log_path: Path | None = None,
                 startup_timeout: float = 60.0) -> None:
        self.cache_root = Path(cache_root)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or self.cache_root / "streamlit.log"
        self._extra_env = dict(extra_env or {})
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> DashboardServer:
        command = [
            sys.executable, "-m", "streamlit", "run", "dashboard.py",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            # A new session so stop() can signal the whole group, threads and children included.
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=demo_env(self.cache_root, self._extra_env),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise DashboardError(
                    f"streamlit exited with {self._process.returncode} before answering: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)  # polling a socket for readiness, not timing anything
        raise DashboardError(
            f"streamlit did not answer /_stcore/health within {self._startup_timeout:.0f} s: "
            + self.log_tail()
        )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server printed (for failure messages)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            process.wait(timeout=10)

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def chromium_available() -> bool:
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def launch_chromium(playwright):  # -> playwright.sync_api.Browser
    """Debian's chromium, headless, through Playwright's sync API."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout_ms: float = 30_000) -> None:
    """Wait until Streamlit says the script has finished, the websocket is up and every element is drawn.

    "notRunning" comes before the lazily loaded widget code (dataframes, text inputs, download buttons)
    has arrived; until then Streamlit shows skeleton placeholders, so those must be gone too.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=timeout_ms
    )


# The page's charts: not the chart library's loader (late_logs/ui/chart_library.py, in its keyed container).
CHARTS = f'[data-testid="stPlotlyChart"]:not(.st-key-{LOADER_KEY} *)'


def wait_for_charts(page, timeout_ms: float = 30_000, at_least: int = 1) -> int:
    """Wait until at least `at_least` Plotly charts are on the page and every one has drawn its SVG; returns
    how many there are. The chart library's loader is not a chart."""
    # At least one: before the first script run (a fresh server's page) there is no chart at all, and "every
    # chart drawn" of none is true at once; a start measured to that moment measured nothing.
    page.wait_for_function(
        """([selector, least]) => {
            const charts = [...document.querySelectorAll(selector)];
            return charts.length >= least
                && charts.every(chart => chart.querySelector('.js-plotly-plot .main-svg'));
        }""",
        arg=[CHARTS, at_least],
        timeout=timeout_ms,
    )
    return page.locator(CHARTS).count()


def open_page(page, url: str, timeout_ms: float = 30_000) -> None:
    """Navigate and wait until the page's script run has finished."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_for_app(page, timeout_ms)


# Counts script runs from the browser side, so a wait after a click cannot be satisfied by the stale
# "notRunning" of the previous run: we wait for a run that *started* after the click.
_RUN_COUNTER = """
() => {
  if (window.__lateRuns === undefined) {
    window.__lateRuns = 0;
    const root = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
      if (root.getAttribute('data-test-script-state') === 'running') window.__lateRuns += 1;
    }).observe(root, {attributes: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__lateRuns;
}
"""


def script_runs(page) -> int:
    """How many script runs this page has seen start since the counter was installed (installs it)."""
    return int(page.evaluate(_RUN_COUNTER))


def wait_for_rerun(page, runs_before: int, timeout_ms: float = 30_000) -> None:
    """Wait for a script run that started after `runs_before` was read, and for it to finish."""
    page.wait_for_function(
        """(before) => {
            const root = document.querySelector('[data-testid="stApp"]');
            return window.__lateRuns > before && root
                && root.getAttribute('data-test-script-state') === 'notRunning';
        }""",
        arg=runs_before,
        timeout=timeout_ms,
    )


def open_folds(page, timeout_ms: float = 30_000) -> None:
    """Open every expander of the page so its text is live. A fold whose content runs only when open (the
    Overview's digest) reruns the page: wait for that run to finish."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    before = script_runs(page)
    for expander in page.get_by_test_id("stExpander").all():
        expander.locator("summary").click()
    try:
        # A run starts within a few hundred ms of the click; a page without such a fold waits this long.
        page.wait_for_function("(before) => window.__lateRuns > before", arg=before, timeout=1_500)
    except PlaywrightTimeout:
        return  # no fold asked for a run
    wait_for_rerun(page, before, timeout_ms)
    wait_for_app(page, timeout_ms)


# Installed before any page script: records when Streamlit's script state changes, in ms since navigation
# start (performance.now()), so a benchmark can split a load into "page up", "script ran" and "drawn".
SCRIPT_STATE_TIMELINE = """
window.__lateTimeline = [];
new MutationObserver((mutations) => {
  for (const m of mutations) {
    if (m.attributeName === 'data-test-script-state') {
      window.__lateTimeline.push([performance.now(), m.target.getAttribute('data-test-script-state')]);
    }
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
"""


def record_script_states(context) -> None:
    """Make every page of this browser context keep a timeline of its script states."""
    context.add_init_script(SCRIPT_STATE_TIMELINE)


def script_state_timeline(page) -> list[tuple[float, str]]:
    """[(ms since navigation start, state), ...] for the current page of a recording context."""
    return [(float(ms), str(state)) for ms, state in page.evaluate("() => window.__lateTimeline || []")]


def milliseconds_since_navigation(page) -> float:
    return float(page.evaluate("() => performance.now()"))
