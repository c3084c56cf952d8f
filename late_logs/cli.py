"""`python -m late_logs`: sync, collect, export, simulate, status, repair, digest and alert from a terminal.

Each command's docstring is its `--help`. Errors end in one plain sentence on stderr and an exit code:
1 other Late or store errors (a full disk, a read-only folder, a bad setting), 2 a refused key, 3 an
unreachable API, 4 a store another writer holds, 5 a damaged store (`python -m late_logs repair` rebuilds it).
No traceback reaches the terminal: anything unexpected also ends in one sentence, with exit 1.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import re
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Mapping, TextIO

from late_logs.api import AuthError, LateError, UnreachableError
from late_logs.collector import (
    CollectorState,
    Progress,
    SyncReport,
    drift_line,
    labelled_progress,
    run_forever,
    sync_once,
)
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.records import parse_time
from late_logs.redact import redact_text
from late_logs.store import LogStore, StoreDamaged, StoreError, StoreLocked

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_AUTH = 2
EXIT_UNREACHABLE = 3
EXIT_LOCKED = 4
EXIT_DAMAGED = 5
EXIT_INTERRUPTED = 130

FAULT_NAMES = ("429", "5xx", "slow", "truncate")


class ProgressPrinter:
    """Progress of a pass on stderr: one line rewritten in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._phase: str | None = None
        self._step = -1
        self._width = 0
        self._lines = 0

    def __call__(self, progress: Progress) -> None:
        counted = f"{progress.done}/{progress.total}" if progress.total else str(progress.done)
        line = f"{progress.phase}: {counted} - {progress.message}"
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = max(self._width, len(line))
            self.stream.flush()
            return
        # Plain output (a log file, a pipe): a line when a phase starts, then at each quarter of the phase
        # (or every tenth report when its size is unknown), so a log stays short.
        if progress.phase != self._phase:
            self._phase, self._step, self._lines = progress.phase, -1, 0
        step = progress.done * 4 // progress.total if progress.total else self._lines // 10
        if step != self._step:
            self.stream.write(line + "\n")
            self.stream.flush()
            self._step = step
        self._lines += 1

    def finish(self) -> None:
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


# --- commands ----------------------------------------------------------------------------------------------


def cmd_sync(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run one sync pass: fetch what is new from Late into the local store, then print a summary.

    The first pass fetches everything Late keeps (7 days under Late API 1.0.1, 90 days under today's unified
    API); later passes fetch only what is new, refresh attempts that were pending and (Late 1.0.1) keep the
    details of failed attempts. Safe to interrupt: a rerun completes the store. With several sources
    (LATE_API_KEYS), one pass per source in turn; one that fails is told and the others still run.
    """
    from late_logs.source import open_client, open_store

    printer = ProgressPrinter(err)
    store = open_store(settings)
    try:
        if not settings.several_sources:
            with open_client(settings) as client:
                try:
                    report = sync_once(
                        client,
                        store,
                        progress=printer,
                        detail_workers=args.detail_workers,
                        fetch_details=not args.no_details,
                    )
                finally:
                    printer.finish()
            out.write(f"sync done: {report.summary()}\n")
            return EXIT_OK
        return _sync_sources(args, settings, store, printer, out, err)
    finally:
        store.close()


def _sync_sources(
    args: argparse.Namespace, settings: Settings, store: LogStore, printer: ProgressPrinter, out: TextIO,
    err: TextIO,
) -> int:
    """`sync` over several sources: a pass each, in the order configured; the exit code of the first that
    failed (another writer holding the store stops them all: it would stop each)."""
    from late_logs.source import open_client

    first_failure: int | None = None
    for source in settings.sources:
        try:
            with open_client(settings, source.label) as client:
                try:
                    report = sync_once(
                        client,
                        store,
                        progress=labelled_progress(printer, source.label),
                        detail_workers=args.detail_workers,
                        fetch_details=not args.no_details,
                        source=source.label,
                    )
                finally:
                    printer.finish()
        except StoreLocked:
            raise
        except (LateError, StoreError) as exc:
            err.write(f"{source.label}: {_plain(exc)}\n")
            first_failure = exit_code_of(exc) if first_failure is None else first_failure
            continue
        out.write(f"{source.label}: sync done: {report.summary()}\n")
    return EXIT_OK if first_failure is None else first_failure


def exit_code_of(exc: BaseException) -> int:
    """The exit code `main` gives an error (see the module docstring)."""
    for kind, code in (
        (AuthError, EXIT_AUTH),
        (UnreachableError, EXIT_UNREACHABLE),
        (StoreLocked, EXIT_LOCKED),
        (StoreDamaged, EXIT_DAMAGED),
    ):
        if isinstance(exc, kind):
            return code
    return EXIT_ERROR


def cmd_collect(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Keep the store fresh: run a sync pass every LATE_LOGS_POLL_SECONDS (or --interval) until Ctrl-C.

    A failed pass is reported and retried later with a growing pause; Ctrl-C stops at the next request,
    keeping everything fetched so far.
    """
    from late_logs.source import open_client, open_store

    interval = settings.poll_seconds if args.interval is None else args.interval
    store = open_store(settings)
    stop = threading.Event()
    printer = ProgressPrinter(err)

    def on_pass(report: SyncReport | None, error: BaseException | None) -> None:
        printer.finish()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if report is not None:
            out.write(f"{stamp} pass done: {report.summary()}\n")
        elif error is not None:
            err.write(f"{stamp} pass failed: {_plain(error)}\n")
        out.flush()
        err.flush()

    def make_client(label: str | None = None):
        return open_client(settings, label)

    several = [s.label for s in settings.sources] if settings.several_sources else None
    worker = threading.Thread(
        target=run_forever,
        args=(make_client, store, interval, stop),
        kwargs={"progress": printer, "on_pass": on_pass, "sources": several},
        name="late-logs-collect",
        daemon=True,
    )
    out.write(f"collecting every {interval:g} s into {settings.cache_dir}; Ctrl-C stops\n")
    out.flush()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if _main_thread() else None
    try:
        worker.start()
        while worker.is_alive() and not stop.is_set():
            worker.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        err.write("stopping: finishing the current request...\n")
        worker.join(60)
        printer.finish()
        store.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    out.write("collector stopped\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Write the stored attempts to stdout as JSON lines or CSV (--format), newest first.

    --since keeps only attempts from that moment on: an ISO time (2026-02-10T08:00Z) or an age such as 7d,
    24h or 90m. Secrets are redacted, as everywhere in the store.
    """
    from late_logs import export
    from late_logs.source import open_store

    since = parse_since(args.since) if args.since else None
    store = open_store(settings)
    try:
        writer = export.export_jsonl if args.format == "jsonl" else export.export_csv
        writer(store, out, since=since)
    finally:
        store.close()
    out.flush()
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Serve the simulated Late API over HTTP (paths under /api/v1/...) until Ctrl-C.

    --faults switches on misbehaviour to test against: 429 (a rate-limit storm), 5xx (server errors),
    slow (slow answers) and truncate (bodies cut off). Point a client at it with
    LATE_API_BASE_URL=http://HOST:PORT/api and LATE_API_KEY set to late_logs.simulator.DEMO_API_KEY.
    --flavor picks the contract: late-1.0 (Late API 1.0.1, the default) or unified (today's /v1/logs).
    """
    from late_logs.simulator import SimulatedLate, serve

    faults = parse_faults(args.faults)
    flavor = args.flavor or settings.demo_flavor
    sim = SimulatedLate(flavor=flavor)
    if "429" in faults:
        sim.faults.rate_limit_storm = True
    if "5xx" in faults:
        sim.faults.server_error_rate = 0.2
    if "slow" in faults:
        sim.faults.slow_seconds = 1.0
    if "truncate" in faults:
        sim.faults.truncate_rate = 0.2
    on = ", ".join(sorted(faults)) or "none"
    out.write(
        f"simulated Late API ({flavor}) at http://{args.host}:{args.port}/api (faults: {on}); Ctrl-C stops\n"
    )
    out.flush()
    try:
        serve(port=args.port, host=args.host, sim=sim)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        err.write(
            f"could not serve on {args.host}:{args.port} ({exc.strerror or exc}); pick another --port.\n"
        )
        return EXIT_ERROR
    return EXIT_OK


def cmd_status(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Show what the store holds, the last pass, the last error and whether an API key is set (never the key).

    Reads the store only; it never calls Late.
    """
    from late_logs.collector import contract_line, read_state
    from late_logs.source import mode_line, open_store, source_line

    store = open_store(settings)
    try:
        store.check()  # a damaged partition is told here, with exit 5, not at the next export
        stats = store.stats()
        state = read_state(store)
        states = {s.label: read_state(store, s.label) for s in settings.sources}
        suspect_times = len(store.suspect_time_ids())
        read_only = store.read_only
    finally:
        store.close()
    lines = [
        mode_line(settings),
        f"API key set: {'yes' if settings.key_is_set else 'no'}",
        f"store: {settings.cache_dir}",
    ]
    if not settings.several_sources:
        lines.append(f"{contract_line(state)} (LATE_API_FLAVOR={settings.flavor})")
    size = f"{stats.size_bytes / 1e6:.1f} MB"
    lines.append(
        f"stored: {stats.attempts} attempts, {stats.details} details, "
        f"{stats.connection_logs} connection logs ({size}, kept {stats.retention_days} days)"
    )
    if stats.oldest is not None and stats.newest is not None:
        lines.append(f"attempts from {_when(stats.oldest)} to {_when(stats.newest)}")
    if settings.several_sources:
        lines.append(f"sources: {len(settings.sources)}")
        for source in settings.sources:
            own = states[source.label]
            lines.append(f"source {source_line(source)}")
            lines.extend("  " + line for line in [contract_line(own), *_pass_lines(own)])
    else:
        lines.extend(_pass_lines(state))
    lines.append(_suspicious_line(state.suspicious_total, suspect_times))
    if read_only:
        lines.append("the store folder is read-only: it can be read, but sync and collect cannot write to it")
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def _pass_lines(state: CollectorState) -> list[str]:
    """What `status` says of one source's collector: its passes, drift, last error, next pass, requests."""
    lines = [f"last pass started: {_stamp(state.last_pass_started_at, 'never')}"]
    lines.append(f"last pass finished: {_stamp(state.last_pass_finished_at, 'never')}")
    if state.last_report is not None:
        lines.append(f"last pass: {state.last_report.summary()}")
        drift = drift_line(state)
        lines.append(f"drift: {drift}" if drift else "drift: none")
    if state.last_error:
        lines.append(f"last error: {state.last_error} (at {_stamp(state.last_error_at, 'unknown time')})")
    else:
        lines.append("last error: none")
    if state.next_pass_at is not None:
        lines.append(f"next pass: {_stamp(state.next_pass_at, '')}")
    lines.append(f"requests so far: {state.total_requests} ({state.total_rate_limited} rate-limited)")
    return lines


# What each suspicious count means, in the order `status` lists them.
SUSPICIOUS_KINDS = {
    "bad_time": "impossible times",
    "null_ignored": "nulls ignored",
    "type_changed": "type changes ignored",
}


def _suspicious_line(totals: object, suspect_times: int) -> str:
    """What the store distrusted in Late's data so far; a later listing never overwrote a stored value
    with any of it."""
    counts = totals if isinstance(totals, Mapping) else {}
    parts = [f"{int(counts.get(kind) or 0)} {label}" for kind, label in SUSPICIOUS_KINDS.items()]
    parts.extend(f"{int(n or 0)} {kind}" for kind, n in counts.items() if kind not in SUSPICIOUS_KINDS)
    return (
        f"suspicious data so far: {', '.join(parts)}; {suspect_times} attempts have an impossible createdAt "
        "(shown at the time first seen)"
    )


def cmd_repair(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Rebuild a damaged store from the raw entries it kept, then say what was rebuilt.

    Reads what can still be read of the store, builds a new store beside it and swaps the folders; the
    damaged folder is kept (named .damaged-<time>), never deleted. The next sync fetches Late's last 7 days
    again. On a store that reads without fault it changes nothing.
    """
    from late_logs.repair import repair

    report = repair(settings.cache_dir, settings.retention_days)
    out.write(report.summary(settings.cache_dir) + "\n")
    return EXIT_OK


def cmd_digest(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Print the daily digest: new and regressed error groups, dead tokens, stuck posts, posts not out.

    Each line links into the dashboard at LATE_LOGS_PUBLIC_URL (default http://127.0.0.1:8501). --since is an
    ISO time or an age such as 24h (the default), 7d, 90m. Reads the store; it never calls Late.
    """
    from late_logs import digest, group_history
    from late_logs.source import open_store

    now = datetime.now(timezone.utc)
    since = parse_since(args.since, now)
    store = open_store(settings)
    try:
        # The window's attempts and the groups' history as SQL answers, not the whole store in pandas.
        facts = group_history.facts_of(store, now, settings.resolve_hours)
        built = digest.build(
            store,
            store.frame(since=since, until=now),
            since,
            now,
            settings.public_url,
            settings.resolve_hours,
            **facts.known(),
        )
    finally:
        store.close()
    out.write(digest.render(built, args.format))
    return EXIT_OK


def cmd_alert(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run the alert rules now and post what was not posted yet to LATE_LOGS_ALERT_WEBHOOK.

    With --test, post one sample message instead, to check the webhook. The collector runs the rules by
    itself after each pass when the webhook is set.
    """
    from late_logs import alerts
    from late_logs.source import open_store

    if not settings.alert_webhook:
        raise ConfigError(
            "LATE_LOGS_ALERT_WEBHOOK is not set; set it to a Slack-compatible incoming webhook URL."
        )
    if args.test:
        problem = alerts.deliver(settings.alert_webhook, alerts.payload(alerts.sample(settings.public_url)))
        if problem:
            err.write(f"The test alert was not delivered: {problem}.\n")
            return EXIT_ERROR
        out.write("Sent a test alert to the webhook.\n")
        return EXIT_OK
    store = open_store(settings)
    try:
        delivered, problems = alerts.run_rules(store, settings)
    finally:
        store.close()
    out.write(f"Delivered {delivered} alert{'s' if delivered != 1 else ''}.\n")
    if problems:
        err.write(f"Some alerts wait for the next run: {problems[0]}.\n")
        return EXIT_ERROR
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings, TextIO, TextIO], int]] = {
    "sync": cmd_sync,
    "collect": cmd_collect,
    "export": cmd_export,
    "simulate": cmd_simulate,
    "status": cmd_status,
    "repair": cmd_repair,
    "digest": cmd_digest,
    "alert": cmd_alert,
}


# --- parsing -----------------------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _stamp(moment: datetime | None, otherwise: str) -> str:
    """A state time as the collector stored it (ISO 8601, UTC)."""
    return moment.isoformat() if moment is not None else otherwise


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


_AGE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$", re.IGNORECASE)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An ISO time, or an age such as "7d", "24h" or "90m" before now; raises ConfigError otherwise."""
    match = _AGE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[
            unit
        ]
        return (now or datetime.now(timezone.utc)) - delta
    moment = parse_time(text)
    if moment is None:
        raise ConfigError(
            f"The --since value must be an ISO time or an age like 7d, 24h or 90m, got {text!r}."
        )
    return moment


def parse_faults(text: str | None) -> set[str]:
    """The fault names in a comma-separated list; raises ConfigError for a name it does not know."""
    names = {part.strip().lower() for part in (text or "").split(",") if part.strip()}
    unknown = names - set(FAULT_NAMES)
    if unknown:
        raise ConfigError(
            f"unknown fault {', '.join(sorted(unknown))}; choose from {', '.join(FAULT_NAMES)}."
        )
    return names


def _doc(command: Callable[..., int]) -> tuple[str, str]:
    text = inspect.getdoc(command) or ""
    return text.split("\n", 1)[0], text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m late_logs",
        description=(
            "Collect Late's publishing logs into a local store and work with them. "
            "With no LATE_API_KEY set, everything runs against a simulated Late API (demo mode)."
        ),
    )
    parser.add_argument("--cache-dir", type=Path, help="the store's folder (overrides LATE_LOGS_CACHE_DIR)")
    parser.add_argument(
        "--retention-days",
        type=int,
        help="days of attempts the store keeps (overrides LATE_LOGS_RETENTION_DAYS)",
    )
    parser.add_argument("--base-url", help="the Late API base URL (overrides LATE_API_BASE_URL)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show retries and rate-limit waits as they happen"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for name, command in COMMANDS.items():
        summary, description = _doc(command)
        subparsers[name] = commands.add_parser(
            name, help=summary, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
        )
    subparsers["sync"].add_argument(
        "--detail-workers", type=int, default=4, help="how many details to fetch at once (default 4)"
    )
    subparsers["sync"].add_argument(
        "--no-details", action="store_true", help="skip fetching the details of failed attempts in this pass"
    )
    subparsers["collect"].add_argument(
        "--interval", type=float, help="seconds between passes (default LATE_LOGS_POLL_SECONDS)"
    )
    subparsers["export"].add_argument(
        "--format", choices=("jsonl", "csv"), required=True, help="jsonl (one JSON object per line) or csv"
    )
    subparsers["export"].add_argument("--since", help="an ISO time or an age such as 7d, 24h, 90m")
    subparsers["digest"].add_argument("--since", default="24h", help="an ISO time or an age (default 24h)")
    subparsers["digest"].add_argument(
        "--format", choices=("markdown", "html", "json"), default="markdown", help="default markdown"
    )
    subparsers["alert"].add_argument("--test", action="store_true", help="post one sample message")
    subparsers["simulate"].add_argument(
        "--port", type=int, default=8787, help="port to listen on (default 8787)"
    )
    subparsers["simulate"].add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    subparsers["simulate"].add_argument(
        "--faults", default="", help=f"comma-separated faults to switch on: {','.join(FAULT_NAMES)}"
    )
    subparsers["simulate"].add_argument(
        "--flavor",
        choices=("late-1.0", "unified"),
        help="the contract to serve: late-1.0 (default, or LATE_LOGS_DEMO_FLAVOR) or unified (today's API)",
    )
    return parser


def _route_log_messages(err: TextIO, verbose: bool) -> None:
    """Retry and wait notices from the client go to stderr with --verbose and nowhere otherwise, so an error
    ends in one sentence (Python would print unhandled warnings to stderr by itself)."""
    package_log = logging.getLogger("late_logs")
    for handler in list(package_log.handlers):
        if getattr(handler, "_late_logs_cli", False):
            package_log.removeHandler(handler)
    handler: logging.Handler = logging.StreamHandler(err) if verbose else logging.NullHandler()
    handler._late_logs_cli = True  # type: ignore[attr-defined]
    if verbose:
        handler.setFormatter(logging.Formatter("%(message)s"))
        package_log.setLevel(logging.INFO)
    package_log.addHandler(handler)


def _plain(exc: BaseException) -> str:
    """One sentence for a person, ending with a full stop."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


def main(
    argv: list[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; returns the exit code (see the module docstring)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    _route_log_messages(err, args.verbose)
    try:
        if args.retention_days is not None and args.retention_days < 1:
            # As LATE_LOGS_RETENTION_DAYS: retention 0 would prune every stored attempt after the next pass.
            raise ConfigError(f"The --retention-days value must be at least 1, got {args.retention_days}.")
        settings = load_settings(env=env)
        if args.base_url and settings.several_sources:
            raise ConfigError(
                "--base-url is for one source; with several, give each its base_url in "
                "LATE_LOGS_SOURCES_FILE (or LATE_API_BASE_URL for all of them)."
            )
        settings = settings.with_overrides(
            cache_dir=args.cache_dir,
            retention_days=args.retention_days,
            base_url=args.base_url.rstrip("/") if args.base_url else None,
        )
        if args.command not in ("simulate", "status"):  # status prints the mode itself
            from late_logs.source import mode_line

            err.write(mode_line(settings) + "\n")
            err.flush()
        return COMMANDS[args.command](args, settings, out, err)
    except (LateError, StoreError, ConfigError) as exc:
        # One sentence, and the exit code of its kind (a bad key 2, no network 3, locked 4, damaged 5).
        err.write(_plain(exc) + "\n")
        return exit_code_of(exc)
    except KeyboardInterrupt:
        err.write("\nInterrupted; what was fetched so far is stored, and the next sync completes it.\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # e.g. `export | head`: the reader has what it wanted
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a sentence, never a traceback
        text = redact_text(f"{type(exc).__name__}: {exc}")
        key = (os.environ if env is None else env).get("LATE_API_KEY", "").strip()
        if key:
            text = text.replace(key, "[REDACTED]")
        err.write(
            f"Unexpected error ({text}); what was stored before it is kept. Please report it with the "
            "command you ran.\n"
        )
        return EXIT_ERROR
