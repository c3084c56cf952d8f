"""Alerts delivered to a real HTTP receiver on 127.0.0.1: Slack-compatible bodies, one alert per group per
state change across two passes and a store reopen, a 500 then a 200 retried, a hanging receiver bounded,
the collector's hook never failing a pass, no secret in a body, and `alert --test`."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from late_logs import alerts, cli, ledger
from late_logs.config import Settings
from late_logs.records import to_frame
from late_logs.store import LogStore

NOW = datetime.now(timezone.utc).replace(microsecond=0)
EXPIRED = "Error validating access token: Session has expired on Tuesday, 01-Dec-26 01:12:00 PST."
SECRET = "sk_live_51HcDq2ExampleExampleExample0"


class Receiver:
    """A webhook receiver: records each JSON body; `answers` is a list of status codes to give in turn (the
    last one repeats); `hang` seconds of silence before answering."""

    def __init__(self, answers=(200,), hang: float = 0.0, hang_count: int = 10**9) -> None:
        self.bodies: list[dict] = []
        self.answers = list(answers)
        self.hang = hang
        self.hang_count = hang_count  # how many requests hang; the later ones answer at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                if receiver.hang and receiver.hang_count > 0:
                    receiver.hang_count -= 1
                    time.sleep(receiver.hang)
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                receiver.bodies.append({"status": status, "body": body})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/secretpath"

    def delivered(self) -> list[dict]:
        return [entry["body"] for entry in self.bodies if entry["status"] < 300]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def attempt(log_id: str, hours_ago: float, status: str = "failed", **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": NOW - timedelta(hours=hours_ago),
        "platform": "instagram",
        "action": "publish",
        "status": status,
        "account_id": "acc-dead",
        "account_username": "@shop",
        "post_id": f"post-{log_id}",
        "error_code": "190",
        "error_message": EXPIRED,
    }
    record.update(fields)
    return record


def world() -> list[dict]:
    return [
        attempt("t1", 3),  # a new group and a dead token
        attempt(
            "x1", 2, platform="x", error_code="dup", error_message=f"dup, key {SECRET}", account_id="other"
        ),
        attempt("s1", 2, platform="youtube", status="pending", error_code=None, error_message=None),
    ]


def settings_for(url: str | None) -> Settings:
    return Settings(api_key="k" * 20, alert_webhook=url, public_url="https://ll.example")


FAST = {"backoff": 0.01, "timeout": 1.0}


def test_each_rule_raises_one_slack_compatible_alert_with_a_link(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(world()))
        delivered, problems = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert problems == [] and delivered == 4
    rules = sorted(b["blocks"][1]["elements"][0]["text"].rsplit("rule ", 1)[1] for b in receiver.delivered())
    assert rules == ["new_group", "new_group", "post_stuck", "token_dead"]
    for body in receiver.delivered():
        assert body["text"].startswith("late-logs: ")
        assert body["blocks"][0]["type"] == "section" and body["blocks"][0]["text"]["type"] == "mrkdwn"
        assert "<https://ll.example/" in body["blocks"][1]["elements"][0]["text"]
    assert SECRET not in json.dumps(receiver.bodies)


def test_an_alert_goes_out_once_across_two_passes_and_a_restart(tmp_path) -> None:
    with Receiver() as receiver:
        with LogStore(tmp_path / "s") as store:
            store.import_records(to_frame(world()))
            first, _ = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
            second, _ = alerts.run_rules(
                store, settings_for(receiver.url), NOW + timedelta(minutes=5), **FAST
            )
        with LogStore(tmp_path / "s") as reopened:
            third, _ = alerts.run_rules(
                reopened, settings_for(receiver.url), NOW + timedelta(minutes=10), **FAST
            )
            # A new state change of a known group is a new alert: it resolves, then fails again (regressed).
            later = NOW + timedelta(days=3)
            reopened.import_records(to_frame([attempt("t9", 0, created_at=later - timedelta(minutes=5))]))
            fourth, _ = alerts.run_rules(reopened, settings_for(receiver.url), later, **FAST)
    assert (first, second, third) == (4, 0, 0)
    assert fourth == 1  # the token is still the same dead token: not told twice
    assert receiver.delivered()[-1]["text"].startswith("late-logs: regressed error group: instagram")


def test_a_token_that_comes_back_and_dies_again_is_told_again(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame([attempt("t1", 3)]))
        alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
        store.import_records(
            to_frame([attempt("ok", 2, status="success", error_code=None, error_message=None)])
        )
        alerts.run_rules(store, settings_for(receiver.url), NOW + timedelta(minutes=1), **FAST)
        store.import_records(to_frame([attempt("t2", 0, created_at=NOW + timedelta(minutes=2))]))
        alerts.run_rules(store, settings_for(receiver.url), NOW + timedelta(minutes=3), **FAST)
    tokens = [b["text"] for b in receiver.delivered() if "token dead" in b["text"]]
    assert len(tokens) == 2


def test_a_muted_group_raises_no_alert(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(
            to_frame([attempt("x1", 2, platform="x", error_code="dup", error_message="dup")])
        )
        group = ledger.ledger_table(store.frame(), store.frame(), {}, NOW - timedelta(days=1), NOW)["group"][
            0
        ]
        ledger.mute(store, group, "Ann", NOW + timedelta(days=1), NOW)
        delivered, _ = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert delivered == 0 and receiver.bodies == []


def test_a_receiver_that_answers_500_then_200_gets_the_alert_on_a_retry(tmp_path) -> None:
    with Receiver(answers=(500, 200)) as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame([attempt("t1", 3, account_id=None, account_username=None)]))
        delivered, problems = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert [entry["status"] for entry in receiver.bodies][:2] == [500, 200]
    assert delivered >= 1 and problems == []


def test_a_receiver_that_always_fails_leaves_the_alert_for_the_next_run(tmp_path) -> None:
    with Receiver(answers=(503,)) as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(
            to_frame([attempt("x1", 2, platform="x", error_code="dup", error_message="dup")])
        )
        delivered, problems = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
        assert (delivered, problems) == (0, ["the webhook answered HTTP 503"])
        assert len(receiver.bodies) == alerts.ATTEMPTS
        receiver.answers = [200]
        again, _ = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert again == 1


def test_a_hanging_receiver_is_bounded_by_the_timeout(tmp_path) -> None:
    with Receiver(hang=3.0) as receiver:
        started = time.monotonic()
        problem = alerts.deliver(receiver.url, {"text": "x"}, attempts=2, backoff=0.01, timeout=0.3)
        took = time.monotonic() - started
    assert problem == "the webhook could not be reached (ReadTimeout)"
    assert took < 2.0  # two bounded attempts, not two hangs
    assert "secretpath" not in problem


def test_the_collector_hook_runs_in_the_background_and_never_raises(tmp_path) -> None:
    with Receiver(hang=2.0) as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(
            to_frame([attempt("x1", 0.5, platform="x", error_code="dup", error_message="d")])
        )
        started = time.monotonic()
        thread = alerts.after_pass(store, settings_for(receiver.url))
        assert time.monotonic() - started < 1.0  # the pass goes on at once
        assert thread is not None
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert len(receiver.delivered()) == 1
    assert alerts.after_pass(store=None, settings=settings_for(None)) is None  # no webhook: nothing runs


def test_the_hook_survives_a_broken_store(tmp_path) -> None:
    class Broken:
        def frame(self):
            raise RuntimeError("disk on fire")

    thread = alerts.after_pass(Broken(), settings_for("http://127.0.0.1:9/x"))
    assert thread is not None
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_slack_control_characters_in_log_text_are_escaped() -> None:
    body = alerts.payload(
        alerts.Alert("k", "new_group", "a <!channel> & <http://evil|x>", "d", "https://ll/x")
    )
    text = body["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;" in text


@pytest.mark.parametrize("answers, code", [((200,), cli.EXIT_OK), ((404,), cli.EXIT_ERROR)])
def test_alert_test_command_posts_one_sample(tmp_path, answers, code) -> None:
    with Receiver(answers=answers) as receiver:
        out, err = io.StringIO(), io.StringIO()
        env = {"LATE_LOGS_ALERT_WEBHOOK": receiver.url, "LATE_LOGS_CACHE_DIR": str(tmp_path)}
        result = cli.main(["alert", "--test"], env=env, stdout=out, stderr=err)
    assert result == code
    assert len(receiver.bodies) == 1
    assert receiver.bodies[0]["body"]["text"] == "late-logs: test alert from late-logs"
    assert "secretpath" not in out.getvalue() + err.getvalue()
    if code == cli.EXIT_OK:
        assert out.getvalue() == "Sent a test alert to the webhook.\n"
    else:
        assert "HTTP 404" in err.getvalue()


def test_alert_command_without_a_webhook_says_how_to_set_one(tmp_path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert (
        cli.main(["alert", "--test"], env={"LATE_LOGS_CACHE_DIR": str(tmp_path)}, stdout=out, stderr=err) == 1
    )
    assert "LATE_LOGS_ALERT_WEBHOOK is not set" in err.getvalue()


def test_a_sync_pass_posts_its_alerts_without_waiting_for_a_hanging_receiver(tmp_path, monkeypatch) -> None:
    from late_logs.api import LateClient
    from late_logs.collector import sync_once
    from late_logs.simulator import DEMO_API_KEY, SimulatedLate
    from late_logs.simulator.clock import FakeClock
    from tests.test_collector import BASE_URL, World

    made = World(tmp_path, attempts_per_hour=30.0)
    # The rules judge by the wall clock: the simulated world's clock stands at now, not in February.
    made.clock = FakeClock(NOW)
    made.sim = SimulatedLate(seed=7, clock=made.clock, attempts_per_hour=30.0)
    made.client.close()
    made.client = LateClient(
        DEMO_API_KEY, BASE_URL, transport=made.sim.transport(), sleep=made.clock.sleep, clock=made.clock.time
    )
    monkeypatch.chdir(tmp_path)  # no developer secrets.toml
    try:
        with Receiver(hang=2.0, hang_count=1) as receiver:
            monkeypatch.setenv("LATE_LOGS_ALERT_WEBHOOK", receiver.url)
            started = time.monotonic()
            report = sync_once(made.client, made.store, max_details=0, max_post_histories=0)
            took = time.monotonic() - started
            assert report.new > 0
            hook = next(t for t in threading.enumerate() if t.name == "late-logs-alerts")
            assert hook.is_alive() and took < 30
            hook.join(timeout=120)
        assert receiver.bodies, "the pass's alerts reached the receiver"
        assert all(body["body"]["text"].startswith("late-logs: ") for body in receiver.bodies)
    finally:
        made.close()


def test_review_settings_come_from_the_environment_and_the_webhook_stays_out_of_repr() -> None:
    from late_logs.config import ConfigError, load_settings

    hook = "https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopqrstuvwx"
    settings = load_settings(
        env={
            "LATE_LOGS_RESOLVE_HOURS": "6",
            "LATE_LOGS_PUBLIC_URL": "https://ll.example/",
            "LATE_LOGS_ALERT_WEBHOOK": hook,
        },
        secrets={},
    )
    assert (settings.resolve_hours, settings.public_url, settings.alert_webhook) == (
        6,
        "https://ll.example",
        hook,
    )
    assert hook not in repr(settings)
    defaults = load_settings(env={}, secrets={})
    assert (defaults.resolve_hours, defaults.public_url, defaults.alert_webhook) == (
        24,
        "http://127.0.0.1:8501",
        None,
    )
    with pytest.raises(ConfigError, match="LATE_LOGS_RESOLVE_HOURS must be"):
        load_settings(env={"LATE_LOGS_RESOLVE_HOURS": "soon"}, secrets={})
