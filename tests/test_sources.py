"""Several Late workspaces in one late-logs (issue 8, "Several sources"): labelled keys from LATE_API_KEYS or
a sources file, one pass per source against two simulated workspaces (different seeds and keys), each with
its own state and its own rate share, records carrying their source, ids that keep two workspaces apart, a
store from before sources opening as the default source, the source filter and Collector cards in the
dashboard, and `status` / `sync` over several sources.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from late_logs import cli, source
from late_logs.api import LateClient
from late_logs.collector import fetch_detail, read_state, run_forever, sync_once
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.export import frame_to_csv
from late_logs.records import DEFAULT_SOURCE, RECORD_COLUMNS, split_log_id, with_source
from late_logs.redact import redact_text
from late_logs.simulator import SimulatedLate, make_server
from late_logs.simulator.clock import FakeClock
from late_logs.store import LogStore
from late_logs.ui import streamlit_compat

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
BASE_URL = "http://simulator.test/api"
KEY_ACME = "sk_test_acme_" + "a1c3" * 12
KEY_GLOBEX = "sk_test_globex_" + "b2d4" * 12
UNLIMITED = 10**9
QUIET = 4.0  # attempts per hour: ~700 a week, a pass of a few pages


# --------------------------------------------------------------------------------------------- config


def settings_of(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"LATE_LOGS_CACHE_DIR": str(tmp_path), **env}, {})


def test_api_keys_name_the_sources_by_label_in_order_in_live_mode(tmp_path: Path) -> None:
    settings = settings_of(tmp_path, LATE_API_KEYS=f"acme={KEY_ACME}, globex = {KEY_GLOBEX} ,")

    assert [(s.label, s.api_key) for s in settings.sources] == [("acme", KEY_ACME), ("globex", KEY_GLOBEX)]
    assert settings.several_sources and settings.key_is_set and not settings.demo
    assert settings.cache_dir == tmp_path  # live data, not the demo folder
    assert settings.source("globex").api_key == KEY_GLOBEX
    with pytest.raises(ConfigError, match="no source labelled 'initech'; configured: acme, globex"):
        settings.source("initech")


def test_one_key_alone_and_the_demo_are_one_source_labelled_default(tmp_path: Path) -> None:
    single = settings_of(tmp_path, LATE_API_KEY=KEY_ACME)
    demo = settings_of(tmp_path)

    assert [(s.label, s.api_key) for s in single.sources] == [(DEFAULT_SOURCE, KEY_ACME)]
    assert [(s.label, s.api_key) for s in demo.sources] == [(DEFAULT_SOURCE, None)]
    assert not single.several_sources and not demo.several_sources
    assert demo.demo and demo.cache_dir == tmp_path / "demo"


@pytest.mark.parametrize("label", ["Acme", "-acme", "_acme", "ac me", "ac:me", "a" * 33, "ünï"])
def test_a_bad_label_is_one_sentence_naming_the_entry_and_the_rule(tmp_path: Path, label: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path, LATE_API_KEYS=f"globex={KEY_GLOBEX},{label}={KEY_ACME}")

    message = str(raised.value)
    assert message.startswith("LATE_API_KEYS entry 2: the label ")
    assert "lowercase letters, digits, - or _" in message and message.endswith(".")
    assert KEY_ACME not in message and KEY_GLOBEX not in message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (KEY_ACME, "LATE_API_KEYS entry 1 is not label=key"),
        ("acme=", "the source 'acme' has no key"),
        (f"={KEY_ACME}", "LATE_API_KEYS entry 1: the label '' must be"),
        (",,", "LATE_API_KEYS is set but names no source"),
        (f"acme={KEY_ACME},acme={KEY_GLOBEX}", "the source label 'acme' is used twice"),
    ],
)
def test_bad_api_keys_are_one_sentence_that_never_quotes_a_key(tmp_path: Path, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)) as raised:
        settings_of(tmp_path, LATE_API_KEYS=value)
    assert KEY_ACME not in str(raised.value) and KEY_GLOBEX not in str(raised.value)


def test_a_key_written_before_its_label_is_not_quoted_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path, LATE_API_KEYS=f"{KEY_ACME}=acme")
    assert KEY_ACME not in str(raised.value)
    assert f"of {len(KEY_ACME)} characters" in str(raised.value)


def test_one_key_and_several_keys_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LATE_API_KEY and LATE_API_KEYS"):
        settings_of(tmp_path, LATE_API_KEY=KEY_ACME, LATE_API_KEYS=f"globex={KEY_GLOBEX}")


def test_every_key_is_redacted_anywhere_and_never_in_the_repr(tmp_path: Path) -> None:
    settings = settings_of(tmp_path, LATE_API_KEYS=f"acme={KEY_ACME},globex={KEY_GLOBEX}")

    for key in (KEY_ACME, KEY_GLOBEX):
        assert key not in redact_text(f"curl -H 'Authorization: Bearer {key}' ; note {key}")
        assert key not in redact_text(json.dumps({"caption": f"oops {key}"}))
    shown = repr(settings) + str(settings) + "".join(repr(s) + str(s) for s in settings.sources)
    assert KEY_ACME not in shown and KEY_GLOBEX not in shown
    assert "sources='acme, globex'" in repr(settings)
    assert "label='acme', key_set=True" in repr(settings.sources[0])


def test_a_sources_file_in_toml_gives_each_source_its_own_address_and_flavor(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        "[[source]]\n"
        f'label = "acme"\nkey = "{KEY_ACME}"\n'
        "[[source]]\n"
        f'label = "globex"\nkey = "{KEY_GLOBEX}"\n'
        'base_url = "https://getlate.dev/api/"\nflavor = "late-1.0"\n',
        encoding="utf-8",
    )

    settings = settings_of(tmp_path, LATE_LOGS_SOURCES_FILE=str(path), LATE_API_FLAVOR="unified")

    acme, globex = settings.sources
    assert (acme.label, acme.base_url, acme.flavor) == ("acme", "https://zernio.com/api", "unified")
    assert (globex.label, globex.base_url, globex.flavor) == ("globex", "https://getlate.dev/api", "late-1.0")
    assert KEY_GLOBEX not in redact_text(f"token {KEY_GLOBEX}")


def test_a_sources_file_in_json_adds_to_the_api_keys_and_labels_stay_unique(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps([{"label": "globex", "key": KEY_GLOBEX}]), encoding="utf-8")

    settings = settings_of(tmp_path, LATE_LOGS_SOURCES_FILE=str(path), LATE_API_KEYS=f"acme={KEY_ACME}")
    assert [s.label for s in settings.sources] == ["acme", "globex"]

    with pytest.raises(ConfigError, match="'globex' is used twice"):
        settings_of(tmp_path, LATE_LOGS_SOURCES_FILE=str(path), LATE_API_KEYS=f"globex={KEY_ACME}")


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("s.toml", f'[[source]]\nlabel = "acme"\nkey = "{KEY_ACME}\n', "is not valid TOML"),
        ("s.json", '{"label": "acme"}', "names no source"),
        ("s.toml", f'[[source]]\nlabel = "acme"\nkey = "{KEY_ACME}"\ntoken = "x"\n', "unknown field"),
        ("s.toml", '[[source]]\nlabel = "acme"\n', "source 1 (acme) has no key"),
        ("s.json", json.dumps([{"label": "Acme", "key": KEY_ACME}]), "the label 'Acme' must be"),
    ],
)
def test_a_bad_sources_file_is_one_sentence_without_its_keys(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(says)) as raised:
        settings_of(tmp_path, LATE_LOGS_SOURCES_FILE=str(path))
    assert KEY_ACME not in str(raised.value)


def test_a_missing_sources_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        settings_of(tmp_path, LATE_LOGS_SOURCES_FILE=str(tmp_path / "nope.toml"))


# --------------------------------------------------------------------------------------------- collector


class Workspace:
    """One simulated Late workspace (its own seed and key) and a client to it, on a shared FakeClock."""

    def __init__(self, label: str, seed: int, key: str, clock: FakeClock, rate_limit: int = UNLIMITED):
        self.label = label
        self.sim = SimulatedLate(
            seed=seed, api_key=key, clock=clock, rate_limit_per_minute=rate_limit, attempts_per_hour=QUIET
        )
        self.client = LateClient(key, BASE_URL, transport=self.sim.transport(), sleep=clock.sleep,
                                 clock=clock.time)

    def truth(self) -> dict[str, str]:
        """What this workspace holds, under the ids the store gives its attempts."""
        return {f"{self.label}:{e['_id']}": e["status"] for e in self.sim.retained_logs()}

    def sync(self, store: LogStore, **options) -> object:
        return sync_once(self.client, store, source=self.label, max_details=10**6, **options)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path):
    with LogStore(tmp_path / "store") as opened:
        yield opened


def stored(store: LogStore, label: str) -> dict[str, str]:
    frame = store.frame()
    own = frame[frame["source"] == label]
    return dict(zip(own["log_id"], own["status"], strict=True))


def test_two_workspaces_share_the_store_each_with_its_records_and_its_own_state(store, clock) -> None:
    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 8, KEY_GLOBEX, clock)

    first = acme.sync(store)
    second = globex.sync(store)

    assert stored(store, "acme") == acme.truth()
    assert stored(store, "globex") == globex.truth()
    frame = store.frame()
    assert frame["log_id"].is_unique and set(frame["source"]) == {"acme", "globex"}
    assert first.full_pass and second.full_pass  # globex's first pass is not acme's second
    for workspace in (acme, globex):
        state = read_state(store, workspace.label)
        newest = max(e["createdAt"] for e in workspace.sim.retained_logs())
        assert state.watermark.at == pd.Timestamp(newest).to_pydatetime()
        assert state.last_pass_finished_at is not None and state.total_passes == 1
    assert read_state(store).last_pass_started_at is None  # the default source never ran
    raw = store.raw_attempt(next(iter(globex.truth())))
    assert raw["_late_logs"] == {"source": "globex"} and ":" not in raw["_id"]  # Late's id, as Late gave it

    globex_before = stored(store, "globex")
    clock.advance(3 * 3600)
    again = acme.sync(store)
    assert not again.full_pass and again.list_requests <= 2
    kept, truth = stored(store, "acme"), acme.truth()
    assert {i: kept[i] for i in truth} == truth  # new ones stored, settled ones refreshed; aged-out ones kept
    assert stored(store, "globex") == globex_before  # untouched by acme's pass


def test_the_same_ids_from_two_workspaces_stay_two_attempts(store, clock) -> None:
    # Two workspaces of one seed return the very same ids: under their labels they never merge.
    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 7, KEY_GLOBEX, clock)
    same = {e["_id"] for e in acme.sim.retained_logs()} & {e["_id"] for e in globex.sim.retained_logs()}
    assert same

    acme.sync(store, fetch_details=False)
    globex.sync(store, fetch_details=False)

    frame = store.frame()
    assert len(frame) == len(acme.truth()) + len(globex.truth())
    kept = {split_log_id(i) for i in frame["log_id"]}
    assert kept >= {("acme", i) for i in same} | {("globex", i) for i in same}


def test_each_key_paces_at_its_own_advertised_limit(store, clock) -> None:
    acme = Workspace("acme", 7, KEY_ACME, clock, rate_limit=60)
    globex = Workspace("globex", 8, KEY_GLOBEX, clock, rate_limit=600)

    reports = [acme.sync(store, fetch_details=False), globex.sync(store, fetch_details=False)]

    # Half of each key's own limit: one request every 2 s for acme's 60 a minute, 0.2 s for globex's 600.
    assert acme.client.rate_share.interval == pytest.approx(2.0)
    assert globex.client.rate_share.interval == pytest.approx(0.2)
    assert [r.rate_limited for r in reports] == [0, 0]


def test_every_source_of_a_process_gets_the_rate_share_of_its_own_key() -> None:
    one = source.rate_share_for("https://zernio.com/api", KEY_ACME, 0.5)
    assert source.rate_share_for("https://zernio.com/api", KEY_ACME, 0.5) is one
    assert source.rate_share_for("https://zernio.com/api", KEY_GLOBEX, 0.5) is not one
    settings = load_settings({"LATE_API_KEYS": f"acme={KEY_ACME},globex={KEY_GLOBEX}"}, {})
    with source.open_client(settings, "acme") as a, source.open_client(settings, "globex") as b:
        assert a.rate_share is not b.rate_share
        assert a.key_is_set and b.key_is_set


def test_the_polling_loop_runs_a_pass_per_source_and_a_refused_key_stops_only_its_own(store, clock) -> None:
    acme = Workspace("acme", 7, KEY_ACME, clock)
    refused = Workspace("globex", 8, KEY_GLOBEX, clock)
    refused.client = LateClient("sk_test_wrong_" + "0" * 40, BASE_URL, transport=refused.sim.transport(),
                                sleep=clock.sleep, clock=clock.time)
    clients = {"acme": acme.client, "globex": refused.client}
    stop = threading.Event()
    rounds: list[object] = []

    def on_pass(report, error) -> None:
        rounds.append((report, error))
        stop.set()

    run_forever(lambda label: clients[label], store, 300, stop, on_pass=on_pass, sources=["acme", "globex"])

    assert len(rounds) == 1
    report, error = rounds[0]
    assert report is not None and report.new == len(acme.truth())
    assert error is not None and "refused" in str(error).lower()
    good, bad = read_state(store, "acme"), read_state(store, "globex")
    assert good.last_pass_finished_at is not None and good.last_error is None
    assert bad.last_pass_finished_at is None and "refused" in (bad.last_error or "").lower()
    assert good.next_pass_at is not None and bad.next_pass_at is not None
    assert stored(store, "acme") == acme.truth() and stored(store, "globex") == {}


def test_a_detail_is_asked_of_its_own_workspace_under_late_s_id(store, clock) -> None:
    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 7, KEY_GLOBEX, clock)
    acme.sync(store, fetch_details=False)
    globex.sync(store, fetch_details=False)
    frame = store.frame()
    log_id = str(frame[(frame["source"] == "globex") & (frame["status"] == "failed")].iloc[0]["log_id"])
    asked: list[str] = []
    inner = globex.sim.transport()

    class Recording:
        def handle_request(self, request):
            asked.append(request.url.path)
            return inner.handle_request(request)

        def close(self) -> None:
            pass

    with LateClient(KEY_GLOBEX, BASE_URL, transport=Recording()) as client:
        detail, note = fetch_detail(client, store, log_id)

    assert note == "" and detail is not None
    assert asked == [f"/api/v1/logs/{log_id.split(':', 1)[1]}"]
    assert store.get_detail(log_id) is not None
    after = store.frame()
    assert after["log_id"].is_unique and len(after) == len(frame)
    assert after.loc[after["log_id"] == log_id, "source"].tolist() == ["globex"]


def test_pending_attempts_settle_within_their_own_source(store, clock) -> None:
    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 8, KEY_GLOBEX, clock)
    acme.sync(store)
    globex.sync(store)
    pending = [i for i in store.pending_ids() if i.startswith("acme:")]
    theirs = [i for i in store.pending_ids() if i.startswith("globex:")]
    assert pending and theirs
    clock.advance(6 * 3600)  # pending attempts settle meanwhile

    report = acme.sync(store)

    assert not report.errors
    kept, truth = stored(store, "acme"), acme.truth()
    assert {i: kept[i] for i in pending if i in truth} == {i: truth[i] for i in pending if i in truth}
    # globex's pending attempts were not asked of acme (they would have come back "gone"): still pending.
    assert all(stored(store, "globex")[i] == "pending" for i in theirs)
    assert not [i for i in read_state(store, "acme").details_gone if not i.startswith("acme:")]


# --------------------------------------------------------------------------------------------- the store


def test_a_store_written_before_sources_existed_reads_as_the_default_source(tmp_path: Path) -> None:
    # tests/fixtures/v1_store was written by the engine before sources (no `source` column, one state key).
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "v1_store", tmp_path / "old")
    with LogStore(tmp_path / "old") as reopened:
        frame = reopened.frame()
        assert len(frame) and set(frame["source"]) == {DEFAULT_SOURCE}
        entry = reopened.raw_attempt(frame["log_id"].iloc[0])
        reopened.upsert_attempts([dict(entry, _id="6981c1427d92546ef2c2eab8")])  # a new attempt, same day
        assert set(reopened.frame()["source"]) == {DEFAULT_SOURCE}
        reopened.update_state(last_error="kept")
        assert read_state(reopened).last_error == "kept"  # the default source keeps the original key
        assert read_state(reopened, DEFAULT_SOURCE).last_error == "kept"
        assert read_state(reopened, "acme").last_error is None


def test_only_our_own_source_note_survives_what_late_sends(store) -> None:
    forged = {"_id": "6981c1427d92546ef2c2eab7", "createdAt": "2026-02-03T09:34:58.771Z",
              "_late_logs": {"source": "Not A Label", "timeSuspect": "forged"}}
    store.upsert_attempts([forged])
    raw = store.raw_attempt("6981c1427d92546ef2c2eab7")
    assert "_late_logs" not in raw
    assert store.frame()["source"].tolist() == [DEFAULT_SOURCE]
    # A detail is the attempt whose id we asked for, whatever note it carries.
    store.put_detail("6981c1427d92546ef2c2eab7", dict(forged, _late_logs={"source": "globex"}))
    assert "_late_logs" not in store.get_detail("6981c1427d92546ef2c2eab7")
    rows = store.frame()[["log_id", "source"]].values.tolist()
    assert rows == [["6981c1427d92546ef2c2eab7", DEFAULT_SOURCE]]
    # The collector notes every entry Late lists with the pass's own source, over whatever Late wrote there.
    assert with_source({"_late_logs": {"source": "globex"}}, DEFAULT_SOURCE) == {}
    assert with_source({"_late_logs": {"source": "globex", "x": 1}}, "acme") == {
        "_late_logs": {"source": "acme", "x": 1}
    }


def test_exports_carry_the_source_as_the_last_record_column(store, clock) -> None:
    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 8, KEY_GLOBEX, clock)
    acme.sync(store, fetch_details=False)
    globex.sync(store, fetch_details=False)
    out = io.StringIO()

    frame_to_csv(store.frame(), out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert RECORD_COLUMNS[-1] == "source"
    assert list(rows[0])[len(RECORD_COLUMNS) - 1] == "source"
    assert {r["source"] for r in rows} == {"acme", "globex"}
    assert all(r["log_id"].startswith(r["source"] + ":") for r in rows)


def test_the_search_language_keeps_the_attempts_of_a_source(store, clock) -> None:
    from late_logs import search

    acme, globex = Workspace("acme", 7, KEY_ACME, clock), Workspace("globex", 8, KEY_GLOBEX, clock)
    acme.sync(store, fetch_details=False)
    globex.sync(store, fetch_details=False)
    frame = store.frame()

    assert set(search.search(frame, "source:globex")["log_id"]) == set(globex.truth())
    assert set(search.search(frame, "-source:globex")["log_id"]) == set(acme.truth())
    failed_acme = search.search(frame, "source:acme status:failed")
    assert len(failed_acme)
    assert set(failed_acme["source"]) == {"acme"} and set(failed_acme["status"]) == {"failed"}


# --------------------------------------------------------------------------------------------- dashboard


def fill_two_sources(root: Path, now: datetime) -> None:
    """A live store at `root` holding two simulated workspaces whose clocks stand at `now`."""
    with LogStore(root) as target:
        for label, seed, key in (("acme", 7, KEY_ACME), ("globex", 8, KEY_GLOBEX)):
            sim = SimulatedLate(seed=seed, api_key=key, clock=lambda: now, rate_limit_per_minute=UNLIMITED,
                                attempts_per_hour=QUIET)
            with LateClient(key, BASE_URL, transport=sim.transport()) as client:
                sync_once(client, target, source=label, fetch_details=False)
        target.update_state("globex", last_error="Late refused the API key (401)")


@pytest.fixture
def two_source_app(app_env, tmp_path: Path, demo_now: datetime, monkeypatch: pytest.MonkeyPatch) -> Path:
    streamlit_compat.keep_router_mode(monkeypatch.setattr)
    root = tmp_path / "live"
    fill_two_sources(root, demo_now)
    app_env(root, LATE_API_KEYS=f"acme={KEY_ACME},globex={KEY_GLOBEX}")
    return root


def run_page(page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.query_params.clear()
        at.query_params.update(query or {})
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_sidebar_filters_by_source_and_the_url_carries_it(two_source_app: Path) -> None:
    at = run_page("pages/explorer.py", {"window": "7d", "source": "globex"})

    widget = at.multiselect(key="filters_sources")
    assert widget.value == ["globex"]
    shown = at.dataframe[0].value
    assert len(shown) and all(str(i).startswith("globex:") for i in shown["log_id"])

    widget.set_value(["acme"]).run()
    assert at.query_params["source"] == "acme"
    assert all(str(i).startswith("acme:") for i in at.dataframe[0].value["log_id"])
    page = "\n".join(str(e.proto) for e in at.main) + "\n".join(str(e.proto) for e in at.sidebar)
    assert KEY_ACME not in page and KEY_GLOBEX not in page


def test_the_collector_page_shows_each_source_on_its_own(two_source_app: Path) -> None:
    at = run_page("pages/collector.py")

    headings = [s.value for s in at.subheader]
    assert "Source acme" in headings and "Source globex" in headings
    assert any("Late refused the API key" in e.value for e in at.error)
    shown = "\n".join(str(e.proto) for e in at.main)
    assert KEY_ACME not in shown and KEY_GLOBEX not in shown


def test_one_source_shows_no_source_filter_nor_source_cards(
    app_env, demo_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    streamlit_compat.keep_router_mode(monkeypatch.setattr)
    app_env(demo_store_dir)

    at = run_page("pages/explorer.py", {"window": "7d"})
    assert "filters_sources" not in [w.key for w in at.multiselect]
    at = run_page("pages/collector.py")
    assert not [s.value for s in at.subheader if s.value.startswith("Source ")]
    assert "Passes" in [s.value for s in at.subheader]


# --------------------------------------------------------------------------------------------- command line


def test_status_lists_each_source_with_its_own_passes_and_errors(tmp_path: Path) -> None:
    with LogStore(tmp_path / "cache") as prepared:
        prepared.update_state("acme", last_pass_finished_at="2026-02-03T09:40:00+00:00", total_requests=12)
        prepared.update_state("globex", last_error="Late refused the API key (401)")
    env = {
        "LATE_LOGS_CACHE_DIR": str(tmp_path / "cache"),
        "LATE_API_KEYS": f"acme={KEY_ACME},globex={KEY_GLOBEX}",
    }
    out, err = io.StringIO(), io.StringIO()

    assert cli.main(["status"], env=env, stdout=out, stderr=err) == 0, err.getvalue()

    text = out.getvalue()
    assert "live mode: 2 sources (acme, globex), keys set" in text
    assert "sources: 2" in text
    acme_part, globex_part = text.split("source acme: ", 1)[1].split("source globex: ", 1)
    assert "last pass finished: 2026-02-03T09:40:00+00:00" in acme_part
    assert "requests so far: 12" in acme_part and "last error: none" in acme_part
    assert "last error: Late refused the API key (401)" in globex_part
    assert KEY_ACME not in text + err.getvalue() and KEY_GLOBEX not in text + err.getvalue()


def test_a_base_url_flag_with_several_sources_is_refused_in_one_sentence(tmp_path: Path) -> None:
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path), "LATE_API_KEYS": f"acme={KEY_ACME},globex={KEY_GLOBEX}"}
    err = io.StringIO()
    argv = ["--base-url", "http://127.0.0.1:9/api", "status"]
    code = cli.main(argv, env=env, stdout=io.StringIO(), stderr=err)
    assert code == cli.EXIT_ERROR
    assert err.getvalue().startswith("--base-url is for one source") and len(err.getvalue().splitlines()) == 1


def test_status_of_one_source_lists_no_sources(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {"LATE_LOGS_CACHE_DIR": str(tmp_path / "cache"), "LATE_API_KEY": KEY_ACME}
    assert cli.main(["status"], env=env, stdout=out, stderr=io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert not [line for line in lines if line.startswith(("source", "  "))]
    assert "live mode: Late API at https://zernio.com/api (key set)" in lines
    assert "last pass finished: never" in lines


def test_sync_runs_a_pass_per_source_and_tells_the_one_that_failed(tmp_path: Path) -> None:
    servers = [
        make_server(port=0, sim=SimulatedLate(seed=seed, api_key=KEY_ACME, attempts_per_hour=QUIET,
                                              rate_limit_per_minute=UNLIMITED))
        for seed in (7, 8)
    ]
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in servers]
    for thread in threads:
        thread.start()
    try:
        urls = [f"http://127.0.0.1:{s.server_address[1]}/api" for s in servers]
        sources_file = tmp_path / "sources.json"
        sources_file.write_text(json.dumps([
            {"label": "acme", "key": KEY_ACME, "base_url": urls[0]},
            {"label": "globex", "key": KEY_GLOBEX, "base_url": urls[1]},  # not the key globex's Late knows
        ]), encoding="utf-8")
        env = {"LATE_LOGS_CACHE_DIR": str(tmp_path / "cache"), "LATE_LOGS_SOURCES_FILE": str(sources_file)}
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["sync", "--no-details"], env=env, stdout=out, stderr=err)
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join(10)

    assert code == cli.EXIT_AUTH
    assert out.getvalue().startswith("acme: sync done: ")
    assert [line for line in err.getvalue().splitlines() if line.startswith("globex: ")]
    for text in (out.getvalue(), err.getvalue()):
        assert KEY_ACME not in text and KEY_GLOBEX not in text
    with LogStore(tmp_path / "cache") as synced:
        frame = synced.frame()
        assert len(frame) > 0 and set(frame["source"]) == {"acme"}
        assert "refused" in (read_state(synced, "globex").last_error or "").lower()


def test_the_default_source_keeps_late_s_ids_as_they_are(store, clock) -> None:
    default = Workspace(DEFAULT_SOURCE, 7, KEY_ACME, clock)
    sync_once(default.client, store, fetch_details=False)
    frame = store.frame()
    assert set(frame["log_id"]) == {e["_id"] for e in default.sim.retained_logs()}
    assert set(frame["source"]) == {DEFAULT_SOURCE}
    assert store.raw_attempt(frame.iloc[0]["log_id"]).get("_late_logs") is None
