"""The evidence bundle: its files, the summary's counts, verdicts, time line and trace ids, and redaction,
on the demo store (a real sync pass) and on trace ids in the shapes platforms write them."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from late_logs import evidence
from late_logs.simulator.planted import PLANTED_SECRETS
from late_logs.store import LogStore

LINK = "https://ll.example/explorer?start=2026-11-30T09%3A00%3A00Z&end=2026-12-01T09%3A00%3A00Z&status=failed"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_trace_ids_are_found_in_meta_bodies_headers_and_late_request_ids() -> None:
    meta = '{"error":{"message":"Invalid OAuth","code":190,"fbtrace_id":"AbC123xyz_-9"}}'
    nested = json.dumps({"responseBody": meta})  # a body kept as a string: escaped quotes
    headers = "HTTP/1.1 500\nX-Request-Id: 7f3a9c2e-1b4d-4e8a-9c1f-2d3e4f5a6b7c\n"
    late = '{"request_id":"req_9a8b7c6d5e"}'
    found = evidence.trace_ids([("a", nested), ("b", headers), ("c", late), ("d", meta)])
    assert found == [
        ("fbtrace_id", "AbC123xyz_-9", "a"),
        ("x-request-id", "7f3a9c2e-1b4d-4e8a-9c1f-2d3e4f5a6b7c", "b"),
        ("Late request id", "req_9a8b7c6d5e", "c"),
    ]


def test_the_bundle_of_failed_demo_attempts_holds_jsonl_bodies_and_a_summary(
    demo_store_dir: Path, demo_frame: pd.DataFrame
) -> None:
    rows = demo_frame[demo_frame["status"] == "failed"]
    with LogStore(demo_store_dir / "demo") as store:
        with_detail = store.detail_ids()
        blob = evidence.build_bundle(store, rows, LINK, NOW)
    bundle = zipfile.ZipFile(io.BytesIO(blob))
    names = bundle.namelist()
    assert names[:2] == ["summary.md", "attempts.jsonl"]
    lines = bundle.read("attempts.jsonl").decode().splitlines()
    assert len(lines) == len(rows)
    bodies = [n for n in names if n.startswith("bodies/")]
    assert len(bodies) == len(set(rows["log_id"]) & with_detail) > 0
    summary = bundle.read("summary.md").decode()
    assert f"View: {LINK}" in summary
    assert f"{len(rows):,} attempts from " in summary
    assert "- by status: failed " + f"{len(rows):,}" in summary
    assert "## Error groups and verdicts" in summary and "who must act: " in summary
    assert summary.count("(log ") >= min(len(rows), evidence.MAX_TIMELINE)
    # The simulated Meta errors carry an fbtrace_id; the summary lists them for support.
    assert "- fbtrace_id: `" in summary
    everything = b"".join(bundle.read(n) for n in names).decode()
    for secret in PLANTED_SECRETS:
        assert secret not in everything


def test_log_text_in_the_summary_cannot_make_links_or_html(tmp_path) -> None:
    from late_logs.records import to_frame

    rows = to_frame(
        [
            {
                "log_id": "h1",
                "created_at": NOW,
                "platform": "reddit",
                "action": "publish",
                "status": "failed",
                "error_code": "x",
                "error_message": "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
            }
        ]
    )
    with LogStore(tmp_path / "s") as store:
        store.import_records(rows)
        summary = zipfile.ZipFile(io.BytesIO(evidence.build_bundle(store, store.frame(), LINK, NOW))).read(
            "summary.md"
        )
    text = summary.decode()
    assert not re.search(r"(?<!\\)\]\((?:\\)?javascript", text)  # no unescaped link target
    assert not re.search(r"(?<!\\)<img", text) and "\\<img" in text  # the tag is escaped, kept as text
    assert "No trace id found in the stored bodies." in text
