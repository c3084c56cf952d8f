"""Alerts delivered to a real HTTP receiver on 127.0.0.1: Slack-compatible bodies, one alert per group per
state change across two passes and a store reopen, a 500 then a 200 retried, a hanging receiver bounded,
the collector's hook never failing a pass, no secret in a body, and `alert --test`."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from late_logs import alerts, cli, digest, ledger
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


def cell(prefix: str, end: datetime, platform: str, action: str, settled: int, failures: int) -> list[dict]:
    """`settled` attempts of one cell in the hour before `end`, `failures` of them failed."""
    return [
        attempt(
            f"{prefix}{i}",
            0,
            created_at=end - timedelta(hours=1) + timedelta(hours=i / (settled + 1)),
            status="failed" if i < failures else "success",
            platform=platform,
            action=action,
            error_code="500",
            error_message="Internal error",
            account_id=f"acc-{prefix}",
        )
        for i in range(settled)
    ]


def usual_week(end: datetime) -> list[dict]:
    """The same hour on each of the 7 days before `end`: linkedin · publish fails 10 %, reddit · retry
    20 %."""
    records = []
    for day in range(1, 8):
        records += cell(f"l{day}-", end - timedelta(days=day), "linkedin", "publish", 100, 10)
        records += cell(f"r{day}-", end - timedelta(days=day), "reddit", "retry", 15, 3)
    return records


def bad_hour(prefix: str, end: datetime) -> list[dict]:
    """linkedin · publish 26 of 91 (16.8 failures beyond its usual 10 %), reddit · retry 3 of 5 (loud but
    small)."""
    return cell(f"{prefix}l", end, "linkedin", "publish", 91, 26) + cell(
        f"{prefix}r", end, "reddit", "retry", 5, 3
    )


def cells_only(url: str | None, **changes) -> Settings:
    return dataclasses.replace(settings_for(url), alert_rules=("cell_worse",), **changes)


def cell_alerts(receiver: Receiver) -> list[dict]:
    return [b for b in receiver.delivered() if "rule cell_worse" in b["blocks"][1]["elements"][0]["text"]]


def test_a_cell_worse_than_usual_alerts_once_per_episode_across_passes_and_a_restart(tmp_path) -> None:
    with Receiver() as receiver:
        with LogStore(tmp_path / "s") as store:
            store.import_records(to_frame(usual_week(NOW) + bad_hour("a", NOW)))
            first, _ = alerts.run_rules(store, cells_only(receiver.url), NOW, **FAST)
            second, _ = alerts.run_rules(store, cells_only(receiver.url), NOW + timedelta(minutes=5), **FAST)
        with LogStore(tmp_path / "s") as reopened:
            third, _ = alerts.run_rules(
                reopened, cells_only(receiver.url), NOW + timedelta(minutes=10), **FAST
            )
            # A day and a half later the bad hour has left the window: the cell recovered, its episode ended.
            calm = NOW + timedelta(hours=36)
            recovered, _ = alerts.run_rules(reopened, cells_only(receiver.url), calm, **FAST)
            # Two days later it worsens again: a new episode, told again.
            again_at = NOW + timedelta(days=2)
            reopened.import_records(to_frame(bad_hour("b", again_at)))
            again, _ = alerts.run_rules(reopened, cells_only(receiver.url), again_at, **FAST)
    assert (first, second, third, recovered, again) == (1, 0, 0, 0, 1)
    told = cell_alerts(receiver)
    assert len(told) == 2 and all(
        b["text"] == "late-logs: worse than usual: linkedin · publish" for b in told
    )
    section = told[0]["blocks"][0]["text"]["text"]
    assert (
        "26 of 91 failed (28.6 %), usually 10.0 %: 16.8 more failures than usual in the last 24 h" in section
    )
    link = told[0]["blocks"][1]["elements"][0]["text"]
    assert (
        "<https://ll.example/explorer?" in link and "platform=linkedin&action=publish&status=failed" in link
    )


@pytest.mark.parametrize(
    "changes, told",
    [
        ({}, 1),  # 16.8 excess, 2.9 times its usual rate
        ({"alert_cell_excess": 17.0}, 0),  # more excess asked than there is
        ({"alert_cell_excess": 16.0}, 1),
        ({"alert_cell_ratio": 3.0}, 0),  # 28.6 % is under 3 × 10 %
        ({"alert_cell_ratio": 2.5}, 1),
        ({"alert_cell_excess": 1.0, "alert_cell_ratio": 1.0}, 1),  # the small loud cell is never "worse"
    ],
)
def test_cell_thresholds_decide_which_worse_cells_alert(tmp_path, changes, told) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(usual_week(NOW) + bad_hour("a", NOW)))
        delivered, problems = alerts.run_rules(store, cells_only(receiver.url, **changes), NOW, **FAST)
    assert (delivered, problems) == (told, [])
    assert all("linkedin · publish" in b["text"] for b in cell_alerts(receiver))


def test_only_the_configured_rules_run(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(world() + usual_week(NOW) + bad_hour("a", NOW)))
        some = dataclasses.replace(settings_for(receiver.url), alert_rules=("token_dead", "post_stuck"))
        delivered, _ = alerts.run_rules(store, some, NOW, **FAST)
        rules = sorted(
            b["blocks"][1]["elements"][0]["text"].rsplit("rule ", 1)[1] for b in receiver.delivered()
        )
        assert (delivered, rules) == (2, ["post_stuck", "token_dead"])
        none = dataclasses.replace(settings_for(receiver.url), alert_rules=())
        assert alerts.run_rules(store, none, NOW, **FAST) == (0, [])
        # Every rule on: the groups and the worse cell that the two rules above left out are told now.
        everything = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert everything[0] >= 3 and any("worse than usual" in b["text"] for b in receiver.delivered())


@pytest.mark.parametrize("hours, told", [(24, []), (48, ["new error group: instagram · 190"])])
def test_the_window_setting_decides_how_far_back_the_rules_look(tmp_path, hours, told) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame([attempt("old", 30)]))  # one failure 30 h ago
        settings = dataclasses.replace(  # resolve_hours 72: the group is still open, not resolved
            settings_for(receiver.url), alert_rules=("new_group",), alert_window_hours=hours, resolve_hours=72
        )
        assert alerts.run_rules(store, settings, NOW, **FAST) == (len(told), [])
    bodies = receiver.delivered()
    assert [b["text"].removeprefix("late-logs: ") for b in bodies] == told
    assert all("1 in the last 48 h" in b["blocks"][0]["text"]["text"] for b in bodies)


def test_at_most_max_per_pass_alerts_go_out_and_the_rest_on_the_next_passes(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(world()))  # four alerts
        settings = dataclasses.replace(settings_for(receiver.url), alert_max_per_pass=3)
        passes = [alerts.run_rules(store, settings, NOW + timedelta(minutes=m), **FAST)[0] for m in (0, 1, 2)]
    assert passes == [3, 1, 0]
    assert len({b["text"] for b in receiver.delivered()}) == 4


def test_a_group_alerts_only_once_it_has_the_minimum_failures(tmp_path) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(
            to_frame([attempt("x1", 3, platform="x", error_code="dup", error_message="dup")])
        )
        strict = dataclasses.replace(
            settings_for(receiver.url), alert_rules=("new_group",), alert_min_failures=2
        )
        assert alerts.run_rules(store, strict, NOW, **FAST) == (0, [])
        store.import_records(
            to_frame([attempt("x2", 1, platform="x", error_code="dup", error_message="dup")])
        )
        assert alerts.run_rules(store, strict, NOW, **FAST) == (1, [])
    assert receiver.delivered()[0]["text"] == "late-logs: new error group: x · dup"


def test_a_429_is_retried_and_a_400_is_not(tmp_path) -> None:
    with Receiver(answers=(429, 200)) as limited:
        assert alerts.deliver(limited.url, {"text": "x"}, attempts=3, backoff=0.01, timeout=1.0) is None
    assert [entry["status"] for entry in limited.bodies] == [429, 200]
    with Receiver(answers=(400,)) as refused:
        problem = alerts.deliver(refused.url, {"text": "x"}, attempts=3, backoff=0.01, timeout=1.0)
    assert problem == "the webhook answered HTTP 400" and len(refused.bodies) == 1  # it will not change


def test_an_undelivered_alert_is_logged_without_the_webhook_url(tmp_path, caplog) -> None:
    caplog.set_level("INFO", logger="late_logs.alerts")
    with Receiver(answers=(503,)) as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(world()))
        delivered, problems = alerts.run_rules(store, settings_for(receiver.url), NOW, **FAST)
    assert delivered == 0 and problems == ["the webhook answered HTTP 503"]
    assert "late-logs alert not delivered: the webhook answered HTTP 503" in caplog.text
    assert "secretpath" not in caplog.text and receiver.url not in caplog.text


@pytest.mark.parametrize("minutes, told", [(60, 1), (150, 0)])
def test_a_post_alerts_once_pending_longer_than_the_stuck_threshold(tmp_path, minutes, told) -> None:
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(world()))  # post-s1 has been pending for two hours
        settings = dataclasses.replace(
            settings_for(receiver.url), alert_rules=("post_stuck",), alert_stuck_minutes=minutes
        )
        assert alerts.run_rules(store, settings, NOW, **FAST) == (told, [])
    assert [b["text"] for b in receiver.delivered()] == ["late-logs: post post-s1 stuck on youtube"] * told


def test_a_post_that_settles_and_gets_stuck_again_is_told_again_once(tmp_path) -> None:
    """Was: a stuck post's key was never forgotten, so a later stuck attempt of it was never told."""
    stuck_rules = dataclasses.replace(settings_for(None), alert_rules=("post_stuck",))
    pending = {"platform": "youtube", "status": "pending", "error_code": None, "error_message": None}
    with Receiver() as receiver:
        settings = dataclasses.replace(stuck_rules, alert_webhook=receiver.url)
        with LogStore(tmp_path / "s") as store:
            store.import_records(to_frame([attempt("s1", 2, **pending)]))
            first, _ = alerts.run_rules(store, settings, NOW, **FAST)
            # It settles in place (same log id): no longer stuck.
            store.import_records(to_frame([attempt("s1", 2, **{**pending, "status": "success"})]))
            settled, _ = alerts.run_rules(store, settings, NOW + timedelta(minutes=1), **FAST)
            # A later attempt of the same post is pending past the threshold: a new stuck episode.
            retry = attempt("s2", 0, **pending, post_id="post-s1", created_at=NOW + timedelta(minutes=2))
            store.import_records(to_frame([retry]))
            again, _ = alerts.run_rules(store, settings, NOW + timedelta(minutes=60), **FAST)
        with LogStore(tmp_path / "s") as reopened:
            after_restart, _ = alerts.run_rules(reopened, settings, NOW + timedelta(minutes=65), **FAST)
    assert (first, settled, again, after_restart) == (1, 0, 1, 0)
    assert [b["text"] for b in receiver.delivered()] == ["late-logs: post post-s1 stuck on youtube"] * 2


def test_every_stuck_post_alerts_not_only_the_digests_first_lines(tmp_path) -> None:
    """Was: the alerts took the digest's section, cut at its first 20 lines, so the 21st stuck post (by id)
    was never told on any pass."""
    stuck = [
        attempt(f"p{i:02d}", 2, status="pending", platform="youtube", error_code=None, error_message=None)
        for i in range(digest.MAX_LINES + 5)
    ]
    with Receiver() as receiver, LogStore(tmp_path / "s") as store:
        store.import_records(to_frame(stuck))
        settings = dataclasses.replace(settings_for(receiver.url), alert_rules=("post_stuck",))
        delivered, _ = alerts.run_rules(store, settings, NOW, **FAST)
    assert delivered == digest.MAX_LINES + 5 == len({b["text"] for b in receiver.delivered()})


def test_a_malformed_webhook_url_ends_in_a_sentence_not_an_exception() -> None:
    """httpx.InvalidURL is not an httpx.HTTPError: a URL with a mistyped port escaped deliver (found in
    review; load_settings now refuses such a URL, deliver still answers a caller that passes one)."""
    problem = alerts.deliver("http://hooks.example.com:abc/secretpath", {"text": "x"}, attempts=1)
    assert problem == "the webhook URL is not a valid URL" and "secretpath" not in problem
