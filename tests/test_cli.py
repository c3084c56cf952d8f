"""`python -m late_logs`: help for every command, exit codes and plain errors, export, status without the key,
Ctrl-C in `collect`, and a real `sync` process killed with SIGKILL mid-pass and rerun to completion.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from late_logs import cli
from late_logs.config import load_settings
from late_logs.export import VERDICT_FIELDS
from late_logs.records import RECORD_COLUMNS
from late_logs.simulator import PLANTED_SECRETS, SimulatedLate, make_server
from late_logs.source import DEMO_MODE_LINE, build_demo_simulator
from late_logs.store import LogStore

ROOT = Path(__file__).resolve().parents[1]
BAD_KEY = "sk_test_refused_5f1c0a9e2b5af0012ab34cd5f1c0a9e2b5af0012ab34cd5f1c0a9e2b5af00"
DEMO_NOW = "2026-02-12T15:30:00+00:00"
# Long enough for a process to start, flush its first page and be killed before the pass ends.
WAIT_SECONDS = 60


def demo_env(cache_root: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a demo-mode child process on a fixed, quiet simulated world."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATE_API_", "LATE_LOGS_"))}
    env.update(
        {
            "LATE_LOGS_CACHE_DIR": str(cache_root),
            "LATE_LOGS_DEMO_NOW": DEMO_NOW,
            "LATE_LOGS_DEMO_SEED": "7",
            "LATE_LOGS_DEMO_ATTEMPTS_PER_HOUR": "6",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "late_logs", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "late_logs", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_one_plain_sentence(stderr: str, secret: str | None = None) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    last = lines[-1]
    assert last.endswith(".") and last[0].isupper()
    if secret:
        assert secret not in stderr
    return last


@pytest.fixture
def served_simulator():
    """A simulated Late on a free local port (real HTTP), stopped after the test; yields its base URL."""
    server = make_server(port=0, sim=SimulatedLate())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- help ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_has_help_text_from_its_docstring(command, capsys):
    doc = cli.COMMANDS[command].__doc__
    assert doc and len(doc.strip()) > 30

    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert " ".join(doc.strip().splitlines()[0].split()) in shown


def test_the_top_level_help_lists_every_command_with_its_summary(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out
    for name, command in cli.COMMANDS.items():
        assert name in shown
        assert command.__doc__.strip().split()[0] in shown


# --- errors: refused key, unreachable API, locked store -----------------------------------------------------


def test_a_refused_key_exits_2_with_one_sentence_and_never_shows_the_key(tmp_path, served_simulator):
    env = demo_env(tmp_path / "cache", LATE_API_KEY=BAD_KEY, LATE_API_BASE_URL=served_simulator)

    done = run_cli(["sync"], env, tmp_path)

    assert done.returncode == 2
    sentence = assert_one_plain_sentence(done.stderr, BAD_KEY)
    assert "refused" in sentence and "LATE_API_KEY" in sentence
    assert BAD_KEY not in done.stdout
    assert "live mode" in done.stderr
    # The error is in the store state for the dashboard, without the key.
    with LogStore(tmp_path / "cache") as store:
        state = store.state()
    assert "refused" in state["last_error"] and BAD_KEY not in json.dumps(state)


def test_a_live_sync_with_an_accepted_key_writes_the_key_nowhere(tmp_path):
    """The key travels in the Authorization header only: not in output, state, or any file of the store."""
    good_key = "sk_live_accepted_" + "7c1e" * 12
    server = make_server(port=0, sim=SimulatedLate(api_key=good_key, attempts_per_hour=4))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/api"
        env = demo_env(tmp_path / "cache", LATE_API_KEY=good_key, LATE_API_BASE_URL=base_url)
        done = run_cli(["sync"], env, tmp_path, timeout=300)
        status = run_cli(["status"], env, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)

    assert done.returncode == 0, done.stderr
    assert "live mode" in done.stderr
    for output in (done.stdout, done.stderr, status.stdout, status.stderr):
        assert good_key not in output
    with LogStore(tmp_path / "cache") as store:
        assert store.stats().attempts > 0  # the pass really ran with the key
        assert good_key not in "\n".join(store.audit_text())
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert good_key.encode() not in path.read_bytes(), path.name


def test_an_unreachable_api_exits_3(tmp_path):
    env = demo_env(
        tmp_path / "cache", LATE_API_KEY=BAD_KEY, LATE_API_BASE_URL=f"http://127.0.0.1:{free_port()}/api"
    )

    done = run_cli(["sync"], env, tmp_path)

    assert done.returncode == 3
    assert "Could not reach the Late API" in assert_one_plain_sentence(done.stderr, BAD_KEY)
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 2  # the mode, the error


def test_a_store_held_by_another_writer_exits_4(tmp_path):
    env = demo_env(tmp_path)
    with LogStore(tmp_path / "demo") as store, store.writer_lock():
        done = run_cli(["sync"], env, tmp_path)

    assert done.returncode == 4
    assert "Another late-logs collector" in assert_one_plain_sentence(done.stderr)


# --- status -------------------------------------------------------------------------------------------------


def test_status_says_whether_a_key_is_set_but_never_shows_it(tmp_path, served_simulator):
    env = {
        "LATE_API_KEY": BAD_KEY,
        "LATE_API_BASE_URL": served_simulator,
        "LATE_LOGS_CACHE_DIR": str(tmp_path / "cache"),
    }
    out, err = io.StringIO(), io.StringIO()

    code = cli.main(["status"], env=env, stdout=out, stderr=err)

    assert code == 0
    assert "API key set: yes" in out.getvalue()
    assert "stored: 0 attempts" in out.getvalue()
    assert "last pass finished: never" in out.getvalue()
    assert BAD_KEY not in out.getvalue() + err.getvalue()
    assert BAD_KEY[:12] not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize("days", ["0", "-3"])
def test_retention_days_zero_or_negative_on_the_command_line_is_refused_like_the_variable(tmp_path, days):
    # was: accepted, and the pass pruned 2,003 attempts to 5 while the watermark said the rest was stored
    with LogStore(tmp_path / "demo") as store:
        store.upsert_attempts(
            [{"_id": "6981c1427d92546ef2c2eab7", "createdAt": "2026-02-03T09:34:58.771Z", "status": "failed"}]
        )
    out, err = io.StringIO(), io.StringIO()
    env = demo_env(tmp_path)

    code = cli.main([f"--retention-days={days}", "sync"], env=env, stdout=out, stderr=err)

    assert code == 1
    last = assert_one_plain_sentence(err.getvalue())
    assert "--retention-days" in last and "at least 1" in last
    with LogStore(tmp_path / "demo") as store:
        assert store.stats().attempts == 1 and store.state() == {}  # no pass ran


def test_status_counts_what_the_store_distrusted_in_late_s_data(tmp_path):
    good = {"_id": "6981c1427d92546ef2c2eab7", "createdAt": "2026-02-03T09:34:58.771Z", "request": {"a": 1}}
    with LogStore(tmp_path / "demo") as store:
        store.upsert_attempts([good, {"_id": "6981c140d369203b6ab186f0", "createdAt": "garbage"}])
        store.upsert_attempts([dict(good, createdAt=0, request=None, statusCode="x")])
        store.upsert_attempts([dict(good, request="text")])
    out, err = io.StringIO(), io.StringIO()

    code = cli.main(["status"], env=demo_env(tmp_path), stdout=out, stderr=err)

    assert code == 0, err.getvalue()
    assert (
        "suspicious data so far: 2 impossible times, 1 nulls ignored, 1 type changes ignored; "
        "1 attempts have an impossible createdAt (shown at the time first seen)"
    ) in out.getvalue()


def test_an_unexpected_error_ends_in_one_sentence_and_exit_1_never_a_traceback(tmp_path, monkeypatch):
    def broken(*_args):
        raise RuntimeError("disk said no to Bearer sk_test_abcdefghijklmnopqrstuvwxyz0123")

    monkeypatch.setitem(cli.COMMANDS, "status", broken)
    out, err = io.StringIO(), io.StringIO()

    code = cli.main(["status"], env=demo_env(tmp_path), stdout=out, stderr=err)

    assert code == 1
    last = assert_one_plain_sentence(err.getvalue(), secret="sk_test_abcdefghijklmnopqrstuvwxyz0123")
    assert last.startswith("Unexpected error (RuntimeError")


# --- export -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synced_root(tmp_path_factory) -> Path:
    """A cache root whose demo store holds one finished pass of the quiet fixed world (run in-process)."""
    from late_logs.api import LateClient
    from late_logs.collector import sync_once
    from late_logs.simulator import DEMO_API_KEY
    from late_logs.source import DEMO_BASE_URL, open_store

    root = tmp_path_factory.mktemp("cli-export")
    env = demo_env(root)
    sim = build_demo_simulator(env)
    with LateClient(DEMO_API_KEY, DEMO_BASE_URL, transport=sim.transport()) as client:
        store = open_store(load_settings(env=env, secrets={}))
        try:
            sync_once(client, store, max_details=40)
        finally:
            store.close()
    return root


def export(root: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["export", *args], env={"LATE_LOGS_CACHE_DIR": str(root)}, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def test_export_jsonl_writes_every_stored_attempt_redacted(synced_root):
    text, err = export(synced_root, "--format", "jsonl")

    assert DEMO_MODE_LINE in err  # the mode line goes to stderr, never into the export
    entries = [json.loads(line) for line in text.splitlines()]
    with LogStore(synced_root / "demo") as store:
        frame = store.frame()
    assert [e["_id"] for e in entries] == list(frame["log_id"])
    assert not [s for s in PLANTED_SECRETS if s in text]


def test_export_csv_writes_the_record_columns(synced_root):
    text, _ = export(synced_root, "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == RECORD_COLUMNS + list(VERDICT_FIELDS)  # the verdict columns follow Late's
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all(r["who_must_act"] and r["retry"] and r["hint"] for r in failed)
    with LogStore(synced_root / "demo") as store:
        frame = store.frame()
    assert [r["log_id"] for r in rows] == list(frame["log_id"])


def test_export_since_keeps_only_newer_attempts(synced_root):
    with LogStore(synced_root / "demo") as store:
        frame = store.frame()
    cutoff = frame["created_at"].iloc[len(frame) // 2]

    text, _ = export(synced_root, "--format", "jsonl", "--since", cutoff.isoformat())

    expected = frame.loc[frame["created_at"] >= cutoff, "log_id"]
    assert [json.loads(line)["_id"] for line in text.splitlines()] == list(expected)
    assert 0 < len(expected) < len(frame)


def test_since_reads_iso_times_and_ages():
    now = datetime(2026, 2, 12, 12, tzinfo=timezone.utc)
    assert cli.parse_since("7d", now) == datetime(2026, 2, 5, 12, tzinfo=timezone.utc)
    assert cli.parse_since("90m", now) == datetime(2026, 2, 12, 10, 30, tzinfo=timezone.utc)
    assert cli.parse_since("2026-02-10T08:00Z") == datetime(2026, 2, 10, 8, tzinfo=timezone.utc)
    err = io.StringIO()
    assert cli.main(["export", "--format", "csv", "--since", "last tuesday"], env={}, stderr=err) == 1
    assert "--since value must be" in assert_one_plain_sentence(err.getvalue())


# --- collect ------------------------------------------------------------------------------------------------


def test_collect_runs_passes_and_stops_cleanly_on_ctrl_c(tmp_path):
    child = start_cli(["collect", "--interval", "3600"], demo_env(tmp_path), tmp_path)
    try:
        assert child.stdout is not None
        lines = []
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            lines.append(line)
            if "pass done" in line or not line:
                break
        assert any("pass done" in line for line in lines), lines
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=WAIT_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0
    assert "collector stopped" in out
    assert "Traceback" not in err
    assert DEMO_MODE_LINE in err
    with LogStore(tmp_path / "demo") as store:
        assert store.state()["next_pass_at"]


# --- SIGKILL mid-pass ---------------------------------------------------------------------------------------


def test_a_sync_killed_mid_pass_leaves_a_readable_store_and_a_rerun_completes_it(tmp_path):
    env = demo_env(tmp_path, LATE_LOGS_DEMO_SLOW_SECONDS="0.1")  # ~0.1 s per request: a pass of many seconds
    truth = {e["_id"]: e["status"] for e in build_demo_simulator(demo_env(tmp_path)).retained_logs()}
    store_dir = tmp_path / "demo"

    child = start_cli(["sync"], env, tmp_path)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        written = 0
        while time.monotonic() < deadline and child.poll() is None:
            if (store_dir / "cache.db").exists():
                with LogStore(store_dir) as reader:
                    written = reader.stats().attempts
                if written:
                    break
            time.sleep(0.05)  # polling the store the child writes to, not timing anything
        assert written, "the child never wrote a page"
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=WAIT_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    with LogStore(store_dir) as store:
        state = store.state()
        frame = store.frame()
    assert "last_pass_finished_at" not in state, "the pass ended before the kill; nothing was tested"
    assert not state.get("watermark")  # the watermark only moves after everything newer is stored
    assert 0 < len(frame) < len(truth)
    assert frame["log_id"].is_unique
    assert set(frame["log_id"]) <= set(truth)
    assert frame["created_at"].notna().all()

    done = run_cli(["sync"], demo_env(tmp_path), tmp_path)

    assert done.returncode == 0, done.stderr
    assert DEMO_MODE_LINE in done.stderr
    assert done.stdout.startswith("sync done: ")
    with LogStore(store_dir) as store:
        frame = store.frame()
        assert store.state()["last_pass_finished_at"]
    assert dict(zip(frame["log_id"], frame["status"], strict=True)) == truth
