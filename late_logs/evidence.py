"""The evidence bundle: what a platform's or Late's support asks for about a set of attempts, in one zip.

`attempts.jsonl` (the raw entries merged with their details, with verdicts, redacted), `bodies/<logId>.json`
(each stored detail: the request and response bodies as Late logged them, redacted), and `summary.md`:
the frozen link to the view, counts, the error groups with their verdicts, a time line of the failures, and
the trace ids found in the bodies (Meta's `fbtrace_id`, an `x-request-id`, Late's request id) that support
desks ask you to quote. Log text in the summary is escaped, so it reads as text wherever it is pasted.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from typing import Iterable

import pandas as pd

from late_logs import analysis, export, verdicts
from late_logs.records import log_id_of
from late_logs.redact import redact_text, redact_value
from late_logs.safe_text import escape_markdown

MAX_ATTEMPTS = 5_000  # a bundle is for a ticket; beyond this the summary says how many were left out
MAX_TIMELINE = 200
# Trace ids as they appear in bodies, also inside JSON that is itself a string (escaped quotes).
TRACE_PATTERNS = {
    "fbtrace_id": re.compile(r'fbtrace_id\\?"?\s*[:=]\s*\\?"?([A-Za-z0-9_\-]{6,64})'),
    "x-request-id": re.compile(r'(?i)x-request-id\\?"?\s*[:=]\s*\\?"?([A-Za-z0-9_\-]{6,64})'),
    "Late request id": re.compile(r'(?<![-\w])request_?[iI]d\\?"?\s*[:=]\s*\\?"?([A-Za-z0-9_\-]{6,64})'),
}


def trace_ids(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(kind, id, log id) of every trace id found in (log id, text) pairs, each once, in order found."""
    found: dict[tuple[str, str], str] = {}
    for log_id, text in texts:
        for kind, pattern in TRACE_PATTERNS.items():
            for match in pattern.finditer(text):
                found.setdefault((kind, match.group(1)), log_id)
    return [(kind, trace, log_id) for (kind, trace), log_id in found.items()]


def _summary(rows: pd.DataFrame, link: str, now: datetime, traces, left_out: int) -> str:
    esc = escape_markdown
    lines = [f"# late-logs evidence, {now:%Y-%m-%d %H:%M} UTC", "", f"View: {link}", ""]
    if len(rows):
        first, last = rows["created_at"].min(), rows["created_at"].max()
        lines.append(
            f"{len(rows):,} attempts from {first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC."
        )
    if left_out:
        lines.append(
            f"{left_out:,} more attempts of the view are not in this bundle (limit {MAX_ATTEMPTS:,})."
        )
    lines += ["", "## Counts", ""]
    for column in ("status", "platform"):
        counts = rows[column].fillna(analysis.UNKNOWN).value_counts()
        lines.append(f"- by {column}: " + ", ".join(f"{esc(k)} {v:,}" for k, v in counts.items()))
    groups = analysis.error_groups(rows)
    lines += ["", "## Error groups and verdicts", ""]
    if groups.empty:
        lines.append("No failure in these attempts.")
    for g in groups.itertuples(index=False):
        who = verdicts.WHO_LABELS.get(g.who_must_act, g.who_must_act)
        lines.append(
            f"- {g.count:,} × {esc(g.platform)} · {esc(g.error_code)} · {esc(g.message)} — who must act: "
            f"{esc(who)}, retry: {esc(g.retry)}. {esc(g.hint)}"
        )
    failed = rows[rows["status"] == "failed"].sort_values("created_at")
    lines += ["", "## Time line of the failures (UTC)", ""]
    for r in failed.head(MAX_TIMELINE).itertuples(index=False):
        lines.append(
            f"- {pd.Timestamp(r.created_at):%Y-%m-%d %H:%M:%S} {esc(r.platform)} {esc(r.action)} "
            f"{esc(r.error_code)}: {esc(r.error_message)} (log {esc(r.log_id)})"
        )
    if len(failed) > MAX_TIMELINE:
        lines.append(f"- and {len(failed) - MAX_TIMELINE:,} more failures")
    lines += ["", "## Trace ids to quote to support", ""]
    if not traces:
        lines.append("No trace id found in the stored bodies.")
    for kind, trace, log_id in traces:
        lines.append(f"- {kind}: `{trace}` (log {esc(log_id)})")
    return redact_text("\n".join(lines)) + "\n"


def build_bundle(store, rows: pd.DataFrame, link: str, now: datetime) -> bytes:
    """The zip of `rows` (the view's attempts, in order); every text in it redacted."""
    left_out = max(0, len(rows) - MAX_ATTEMPTS)
    rows = rows.head(MAX_ATTEMPTS)
    ids = [str(i) for i in rows["log_id"]]
    jsonl = io.StringIO()
    export.export_jsonl_for_ids(store, ids, jsonl)
    with_detail = store.detail_ids()
    details = {log_id: store.get_detail(log_id) for log_id in ids if log_id in with_detail}
    entries = jsonl.getvalue().splitlines()
    texts = [(log_id_of(json.loads(line)) or "", line) for line in entries]
    texts += [(log_id, json.dumps(detail, ensure_ascii=False)) for log_id, detail in details.items()]
    if not entries:  # attempts imported without raw entries: their messages are all there is
        texts += [(str(r.log_id), str(r.error_message)) for r in rows.itertuples(index=False)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("summary.md", _summary(rows, link, now, trace_ids(texts), left_out))
        bundle.writestr("attempts.jsonl", jsonl.getvalue())
        for log_id, detail in details.items():
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", log_id)[:100]
            bundle.writestr(
                f"bodies/{safe}.json", json.dumps(redact_value(detail), ensure_ascii=False, indent=2)
            )
    return buffer.getvalue()
