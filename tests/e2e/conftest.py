"""Fixtures for the browser tests: one demo store, one real Streamlit server and one Chromium per session.

The store is filled by a real `python -m late_logs sync` pass against the embedded simulator; the server is a
real `streamlit run dashboard.py` subprocess; pages are waited on through Streamlit's own script state
(`tests/demo_dashboard.py` holds the pieces the screenshot script and the benchmark share).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) leaves the project off the path
    sys.path.insert(0, str(ROOT))

from tests.demo_dashboard import (  # noqa: E402
    DashboardServer,
    Showcase,
    chromium_available,
    demo_env,
    launch_chromium,
    open_demo_store,
    open_folds,
    open_page,
    pick_showcase,
    populate_demo_store,
)

VIEWPORT = {"width": 1440, "height": 900}
# Enough attempt pages to meet every planted secret the simulator serves, few enough to stay quick.
MAX_SECRET_ATTEMPTS = 6


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker: they share one demo dashboard and one Chromium per worker
    session, and starting a second pair would cost more than it saves."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def require_chromium() -> None:
    """Skip without Debian's chromium; under CI=true its absence fails the run instead."""
    if chromium_available():
        return
    reason = "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but " + reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding one real sync pass of the simulated Late account."""
    require_chromium()  # no point syncing when there is no browser to look at the result
    root = tmp_path_factory.mktemp("late-logs-e2e")
    populate_demo_store(root)
    return root


@pytest.fixture(scope="session")
def demo_store(demo_cache: Path) -> Iterator[object]:
    """The store the dashboard reads, opened as one more reader for picking test subjects."""
    store = open_demo_store(demo_cache)
    yield store
    store.close()


@pytest.fixture(scope="session")
def attempts(demo_store):  # -> pd.DataFrame
    return demo_store.frame()


@pytest.fixture(scope="session")
def showcase(demo_store) -> Showcase:
    return pick_showcase(demo_store)


@dataclass(frozen=True)
class Hostile:
    """A stored attempt whose caption carries an HTML/JS payload."""

    log_id: str
    payload: str
    created_at: object  # pd.Timestamp


@pytest.fixture(scope="session")
def hostile_attempts(attempts) -> dict[str, Hostile]:
    """One stored attempt per planted HTML payload that made it into the store, by payload."""
    from late_logs.simulator.planted import HTML_PAYLOADS

    found: dict[str, Hostile] = {}
    previews = attempts[attempts["content_preview"].notna()]
    for payload in HTML_PAYLOADS:
        hits = previews[previews["content_preview"].str.contains(payload, regex=False)]
        if len(hits):
            row = hits.iloc[0]
            found[payload] = Hostile(str(row["log_id"]), payload, row["created_at"])
    return found


@pytest.fixture(scope="session")
def secret_log_ids(demo_cache: Path, attempts) -> tuple[str, ...]:
    """Stored attempts whose raw list entry or detail carried planted secrets at Late, covering all it serves.

    The simulator's world is a function of (seed, time), so a simulator built from the same demo settings
    is the ground truth for what Late sent before redaction.
    """
    from late_logs.simulator.planted import PLANTED_SECRETS
    from late_logs.source import build_demo_simulator

    sim = build_demo_simulator(demo_env(demo_cache))
    raw_entries = {str(entry.get("_id")): entry for entry in sim.retained_logs()}
    carried: dict[str, set[str]] = {}
    for log_id in attempts["log_id"].astype(str):  # a few thousand in-process look-ups: about a second
        raw = json.dumps([raw_entries.get(log_id), sim.log_detail(log_id)], ensure_ascii=False)
        secrets = {secret for secret in PLANTED_SECRETS if secret in raw}
        if secrets:
            carried[log_id] = secrets
    chosen: list[str] = []
    uncovered = set().union(*carried.values()) if carried else set()
    while uncovered and len(chosen) < MAX_SECRET_ATTEMPTS:  # greedy cover: most new secrets first
        best = max(carried, key=lambda log_id: len(carried[log_id] & uncovered))
        chosen.append(best)
        uncovered -= carried[best]
    return tuple(chosen)


@pytest.fixture(scope="session")
def dashboard_url(demo_cache: Path, browser) -> Iterator[str]:
    """Base URL of a real `streamlit run dashboard.py` over the demo store, warmed by one Overview load.

    The warm-up is the first session any user would have; it also loads the attempts frame into the
    server's cache so per-test timings stay small. (Deep links on a server nobody has opened yet have
    their own test, on their own server.)
    """
    with DashboardServer(demo_cache) as server:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            open_page(context.new_page(), server.url + "/", timeout_ms=90_000)
        finally:
            context.close()
        yield server.url
        tail = server.log_tail()
        if "Traceback" in tail:
            print(f"\nstreamlit log tail:\n{tail}", file=sys.stderr)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian chromium for the whole session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@dataclass
class BrowserEvents:
    """What a page did that must never happen (dialogs, script errors) or that a test inspects (frames)."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    websocket_frames: list[str] = field(default_factory=list)

    def listen(self, tab) -> None:
        def on_dialog(dialog) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_websocket(socket) -> None:
            def on_frame(payload: str | bytes) -> None:
                text = payload if isinstance(payload, str) else payload.decode("utf-8", errors="replace")
                self.websocket_frames.append(text)

            socket.on("framereceived", on_frame)

        tab.on("dialog", on_dialog)
        tab.on("pageerror", lambda error: self.page_errors.append(str(error)))
        tab.on("websocket", on_websocket)


@pytest.fixture(scope="session")
def forbidden_strings() -> tuple[str, ...]:
    """Every planted token of the simulated logs, and the API key the demo client sends."""
    from late_logs.simulator import DEMO_API_KEY
    from late_logs.simulator.planted import PLANTED_SECRETS

    return (*PLANTED_SECRETS, DEMO_API_KEY)


@pytest.fixture(scope="session")
def assert_no_secrets(forbidden_strings):
    """A check for an opened page: no forbidden string in its HTML nor in its text, folds opened first."""

    def check(page, where: str) -> None:
        open_folds(page)  # every fold opened, so its text is live
        html, text = page.content(), page.locator("body").inner_text()
        for secret in forbidden_strings:
            assert secret not in html, f"{where} carries a secret in its HTML"
            assert secret not in text, f"{where} shows a secret"

    return check


@pytest.fixture
def events() -> BrowserEvents:
    return BrowserEvents()


@pytest.fixture
def new_page(browser, events: BrowserEvents) -> Iterator[object]:
    """A factory of pages, each in its own fresh browser context (no shared cookies or session)."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        events.listen(tab)
        return tab

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh context and page per test; dialogs are dismissed and recorded, websocket frames kept."""
    return new_page()
