"""Alerts after each collector pass: rules over the store posted to LATE_LOGS_ALERT_WEBHOOK as
Slack-compatible JSON (`{"text": ..., "blocks": [...]}`).

Rules (config.ALERT_RULES; LATE_LOGS_ALERT_RULES picks which run): a new error group, a regressed one (both
from the triage ledger, with at least LATE_LOGS_ALERT_MIN_FAILURES failures in the window; a muted group
raises nothing), a platform × action cell worse than usual beyond LATE_LOGS_ALERT_CELL_EXCESS excess failures
and LATE_LOGS_ALERT_CELL_RATIO times its usual rate (late_logs.baselines), an account whose token died
(late_logs.accounts' reconnect worklist), a post pending for LATE_LOGS_ALERT_STUCK_MINUTES. Each alert has a
key naming the group and its state change (the run it began), the cell, the account, or the post; keys
delivered are kept in the ledger, so an alert goes out once across passes and restarts. A cell's, a token's
and a stuck post's key is forgotten once the rule no longer raises it (the cell recovered, the account was
reconnected, the post's attempts settled): the next worsening, death, or stuck attempt is told again.

The window the rules judge is the last LATE_LOGS_ALERT_WINDOW_HOURS (24 by default); a pass delivers at most
LATE_LOGS_ALERT_MAX_PER_PASS alerts (the rest go out on the next passes, in order).

What a run reads: the window's attempts and the 7 days before them as counts, and the groups' whole
history as small SQL answers (late_logs.group_history); never the whole store in pandas.

Delivery is retried with backoff on a 5xx, a 429 or a connection fault, every request bounded
by a timeout, in a background thread: a slow or broken receiver never blocks or fails the pass. Payloads
are redacted, and the webhook URL (a credential) appears in no log line.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

import httpx
import pandas as pd

from late_logs import baselines, digest, group_history, ledger, queries
from late_logs.config import (
    ALERT_RULES,
    DEFAULT_ALERT_CELL_EXCESS,
    DEFAULT_ALERT_CELL_RATIO,
    DEFAULT_ALERT_MIN_FAILURES,
    DEFAULT_ALERT_STUCK_MINUTES,
    DEFAULT_ALERT_WINDOW_HOURS,
)
from late_logs.redact import redact_text, redact_value

log = logging.getLogger(__name__)

RULES = ALERT_RULES
# Rules whose key stays delivered only while the rule raises it; once it does not, the next one is news.
EPISODE_PREFIXES = {"token_dead": "token:", "cell_worse": "cell:", "post_stuck": "stuck:"}
SENT_KEY = "alerts_sent"  # in the ledger: {alert key: when it was delivered}
MAX_SENT = 20_000
REQUEST_TIMEOUT = 5.0  # seconds per delivery attempt
ATTEMPTS = 4
BACKOFF = 0.5  # seconds before the first retry; doubles each time
# What the ledger functions get for the history they need not read when its summaries are passed in.
NO_ROWS = queries.empty_attempts()
_running = threading.Lock()  # one rules run at a time per process


@dataclass(frozen=True)
class Alert:
    key: str
    rule: str
    title: str
    detail: str
    link: str


def _slack_escape(text: str) -> str:
    """Slack mrkdwn's three control characters; the rest of log text stays as it is, inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(alert: Alert) -> dict[str, Any]:
    """The Slack-compatible message of one alert, redacted."""
    title, detail = _slack_escape(alert.title), _slack_escape(alert.detail)
    body = {
        "text": f"late-logs: {alert.title}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{detail}"}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"<{alert.link}|Open in late-logs> · rule {alert.rule}"}
                ],
            },
        ],
    }
    return redact_value(body)


@dataclass(frozen=True)
class Thresholds:
    """How much it takes for a rule to raise (config: LATE_LOGS_ALERT_MIN_FAILURES, ..._CELL_EXCESS,
    ..._CELL_RATIO, ..._STUCK_MINUTES)."""

    min_failures: int = DEFAULT_ALERT_MIN_FAILURES
    cell_excess: float = DEFAULT_ALERT_CELL_EXCESS
    cell_ratio: float = DEFAULT_ALERT_CELL_RATIO
    stuck_minutes: int = DEFAULT_ALERT_STUCK_MINUTES

    @classmethod
    def of(cls, settings) -> Thresholds:
        return cls(
            settings.alert_min_failures,
            settings.alert_cell_excess,
            settings.alert_cell_ratio,
            settings.alert_stuck_minutes,
        )


def cells_beyond(compared: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """The cells of baselines.compare worse than usual and beyond both cell thresholds: at least
    `cell_excess` failures over what the usual rate predicts, and `cell_ratio` times that rate (a usual
    rate of zero: any rate is beyond it)."""
    if compared.empty:
        return compared
    rate, usual = compared["failure_rate"].astype(float), compared["baseline_rate"].astype(float)
    ratio_met = (usual <= 0) | (rate >= usual * thresholds.cell_ratio)
    met = compared["worse"] & (compared["excess"] >= thresholds.cell_excess) & ratio_met
    return compared[met.fillna(False).astype(bool)].reset_index(drop=True)


def _stamp(moment: Any) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def evaluate(
    store,
    frame: pd.DataFrame,
    now: datetime,
    public_url: str,
    resolve_hours: float = ledger.DEFAULT_RESOLVE_HOURS,
    rules: tuple[str, ...] = RULES,
    window_hours: float = DEFAULT_ALERT_WINDOW_HOURS,
    thresholds: Thresholds = Thresholds(),
    runs: Mapping[str, Sequence[ledger.Run]] | None = None,
    all_groups: pd.DataFrame | None = None,
    trends: Mapping[str, Sequence[int]] | None = None,
) -> list[Alert]:
    """Every alert the rules raise now (delivered ones included; `pending` filters those out).

    `frame`: the stored attempts, or only those of the window when `runs`, `all_groups` and `trends`
    (group_history.GroupFacts of the whole store) are given."""
    start = now - timedelta(hours=window_hours)
    base = public_url.rstrip("/")
    alerts: list[Alert] = []
    book = store.ledger()
    window = digest.window_of(frame, start, now)
    known = {"runs": runs, "all_groups": all_groups, "trends": trends}
    if "new_group" in rules or "regressed_group" in rules:
        table = ledger.ledger_table(frame, window, book, start, now, resolve_hours, **known)
        found = ledger.states(frame, book, start, now, resolve_hours, runs)
        for row in table.itertuples(index=False):
            rule = f"{row.state}_group"
            if row.muted or rule not in rules or row.count < thresholds.min_failures:
                continue
            begun = found[row.group][1][-1][0]  # the current run's first failure: this state change
            alerts.append(
                Alert(
                    key=f"group:{row.group}:{row.state}:{_stamp(begun)}",
                    rule=rule,
                    title=f"{row.state} error group: {row.platform} · {row.error_code}",
                    detail=(
                        f"{row.message}\n{row.count:,} in the last {window_hours:g} h"
                        f" · {row.kind} · {row.hint}"
                    ),
                    link=digest.explorer_link(base, row.group, start, now),
                )
            )
    if "cell_worse" in rules:
        for row in cells_beyond(digest.cell_comparison(store, window, start, now), thresholds).itertuples():
            alerts.append(
                Alert(
                    key=f"cell:{row.platform}/{row.action}",
                    rule="cell_worse",
                    title=f"worse than usual: {row.platform} · {row.action}",
                    detail=f"{baselines.cell_sentence(row)} in the last {window_hours:g} h",
                    link=digest.cell_link(base, row.platform, row.action, start, now),
                )
            )
    # The digest's lines, every one of them (a digest section shows the first MAX_LINES only).
    if "token_dead" in rules:
        for line in digest.token_lines(store, window, start, now, now, base):
            alerts.append(Alert(f"token:{line.key}", "token_dead", line.text, line.detail, line.link))
    if "post_stuck" in rules:
        after = timedelta(minutes=thresholds.stuck_minutes)
        for line in digest.stuck_lines(window, now, base, after):
            alerts.append(Alert(f"stuck:{line.key}", "post_stuck", line.text, line.detail, line.link))
    return alerts


def pending(store, alerts: list[Alert]) -> list[Alert]:
    sent = store.ledger().get(SENT_KEY, {})
    return [a for a in alerts if a.key not in sent]


def _mark_sent(store, key: str, now: datetime) -> None:
    def change(current: dict) -> dict:
        book = dict(current)
        sent = dict(book.get(SENT_KEY, {}))
        sent[key] = now.isoformat()
        if len(sent) > MAX_SENT:
            sent = dict(sorted(sent.items(), key=lambda item: item[1])[-MAX_SENT:])
        book[SENT_KEY] = sent
        return book

    store.update_ledger(change)


def _forget_ended(store, raised: list[Alert], rules: tuple[str, ...]) -> None:
    """A token, cell or stuck post alert holds while the rule still raises it; once it does not (the account
    was reconnected, the cell recovered, the post's pending attempts settled), its key is forgotten, so the
    next death, worsening or stuck attempt is told again.
    Only the rules that ran forget: switching a rule off must not make it repeat itself when back on."""
    prefixes = tuple(prefix for rule, prefix in EPISODE_PREFIXES.items() if rule in rules)
    if not prefixes:
        return
    holding = {a.key for a in raised}
    sent = store.ledger().get(SENT_KEY, {})
    stale = [key for key in sent if key.startswith(prefixes) and key not in holding]
    if not stale:
        return

    def change(current: dict) -> dict:
        book = dict(current)
        book[SENT_KEY] = {k: v for k, v in book.get(SENT_KEY, {}).items() if k not in stale}
        return book

    store.update_ledger(change)


def deliver(
    url: str,
    body: dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    timeout: float = REQUEST_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> str | None:
    """POST one message; None when delivered, else why not (the URL is never in the sentence)."""
    problem = "not tried"
    with httpx.Client(timeout=timeout, transport=transport) as client:
        for attempt in range(attempts):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                answer = client.post(url, json=body)
            except httpx.InvalidURL:  # not an HTTPError; settings check the URL, a caller's may be anything
                return "the webhook URL is not a valid URL"
            except httpx.HTTPError as exc:
                problem = f"the webhook could not be reached ({type(exc).__name__})"
                continue
            if answer.status_code < 300:
                return None
            problem = f"the webhook answered HTTP {answer.status_code}"
            if answer.status_code != 429 and answer.status_code < 500:
                return problem  # a 4xx other than 429 will not change on a retry
    return problem


def run_rules(store, settings, now: datetime | None = None, **delivery: Any) -> tuple[int, list[str]]:
    """Evaluate the rules and deliver what was not delivered yet; returns (delivered, problems)."""
    url = settings.alert_webhook
    if not url:
        return 0, []
    now = now or datetime.now(timezone.utc)
    start = now - timedelta(hours=settings.alert_window_hours)
    rules = tuple(settings.alert_rules)
    # The groups' whole history as small SQL answers, the window's attempts in pandas: what a run holds does
    # not grow with the store (a whole-store frame was 6 GB at 10M attempts, in the collector's process).
    facts = group_history.facts_of(store, now, settings.resolve_hours)
    frame = store.frame(since=start, until=now)
    ledger.refresh(
        store, NO_ROWS, start, now, settings.resolve_hours, runs=facts.runs, all_groups=facts.all_groups
    )
    raised = evaluate(
        store,
        frame,
        now,
        settings.public_url,
        settings.resolve_hours,
        rules=rules,
        window_hours=settings.alert_window_hours,
        thresholds=Thresholds.of(settings),
        **facts.known(),
    )
    _forget_ended(store, raised, rules)
    delivered, problems = 0, []
    for alert in pending(store, raised)[: settings.alert_max_per_pass]:
        problem = deliver(url, payload(alert), **delivery)
        if problem is None:
            _mark_sent(store, alert.key, now)
            delivered += 1
        else:
            problems.append(problem)
            log.info("late-logs alert not delivered: %s", problem)
            break  # the receiver is down: the next pass tries again, in order
    return delivered, problems


def after_pass(store, settings=None) -> threading.Thread | None:
    """The collector's hook: run the rules in a background thread, if a webhook is set; never raises.

    A run still going from the previous pass makes this one skip (the next pass catches up: delivered
    keys are in the store)."""
    try:
        if settings is None:
            from late_logs.config import load_settings

            settings = load_settings()
        if not settings.alert_webhook or not _running.acquire(blocking=False):
            return None
    except Exception as exc:  # noqa: BLE001 - alerts must never fail a pass
        log.info("late-logs alerts skipped: %s", redact_text(str(exc)))
        return None

    def work() -> None:
        try:
            run_rules(store, settings)
        except Exception as exc:  # noqa: BLE001 - a background thread has no one to tell but the log
            log.info("late-logs alerts failed: %s", redact_text(f"{type(exc).__name__}: {exc}"))
        finally:
            _running.release()

    thread = threading.Thread(target=work, name="late-logs-alerts", daemon=True)
    thread.start()
    return thread


def sample(public_url: str) -> Alert:
    """The message `python -m late_logs alert --test` sends."""
    return Alert(
        key="sample",
        rule="test",
        title="test alert from late-logs",
        detail="If you can read this, LATE_LOGS_ALERT_WEBHOOK works.",
        link=f"{public_url.rstrip('/')}/groups",
    )
