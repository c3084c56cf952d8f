"""Exports: JSON lines as Late returned the attempts (details merged, redacted), CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from late_logs.export import (
    VERDICT_FIELDS,
    csv_ready,
    export_csv,
    export_jsonl,
    export_jsonl_for_ids,
    frame_to_csv,
    frame_to_jsonl,
    spreadsheet_safe,
)
from late_logs.records import RECORD_COLUMNS, to_frame
from late_logs.redact import REDACTED
from late_logs.store import LogStore

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def entry(number: int, caption: str = "A caption", **fields: object) -> dict:
    created = NOW - timedelta(hours=number)
    base = {
        "_id": f"{int(created.timestamp()):08x}{number:016x}",
        "postId": {"_id": f"post{number}", "content": caption, "status": "published"},
        "platform": "facebook",
        "accountId": "acc_1",
        "accountUsername": "@brand",
        "action": "publish",
        "status": "success",
        "statusCode": 200,
        "endpoint": "graph.facebook.com/v19.0/me/feed",
        "request": {"contentPreview": caption, "mediaCount": 0},
        "response": {"platformPostId": f"99{number}"},
        "durationMs": 800 + number,
        "attemptNumber": 1,
        "createdAt": iso(created),
    }
    base.update(fields)
    return base


INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)", "\tTabbed", "\rReturn"]


@pytest.fixture
def store(tmp_path: Path):
    opened = LogStore(tmp_path / "store")
    failed = entry(
        1,
        status="failed",
        statusCode=400,
        response={"errorMessage": "(#190) token expired", "errorCode": "190"},
        endpoint="graph.facebook.com/me/feed?access_token=EAABsecret123",
    )
    opened.upsert_attempts([failed] + [entry(n, caption=c) for n, c in enumerate(INJECTIONS, start=2)])
    opened.put_detail(
        failed["_id"],
        dict(
            failed,
            response={
                "errorMessage": "(#190) token expired",
                "errorCode": "190",
                "rawBody": '{"error":{"code":190},"refresh_token":"rt-secret-value-42"}',
            },
            metadata={"retryable": False},
            accountId={"_id": "acc_1", "username": "brand", "displayName": "Brand"},
        ),
    )
    yield opened
    opened.close()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_neutralises_formula_cells_and_leaves_plain_text_alone(store: LogStore):
    out = io.StringIO()
    assert export_csv(store, out) == 1 + len(INJECTIONS)
    rows = read_csv(out.getvalue())
    previews = {row["content_preview"] for row in rows}
    assert {"'" + text for text in INJECTIONS} <= previews
    assert "A caption" in previews
    # nothing a spreadsheet would evaluate remains at the start of any cell
    for row in rows:
        for name, cell in row.items():
            if name not in ("status_code", "media_count", "duration_ms", "attempt_number"):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


def test_csv_has_the_record_columns_iso_utc_times_and_plain_numbers(store: LogStore):
    out = io.StringIO()
    export_csv(store, out)
    rows = read_csv(out.getvalue())
    # The verdict columns follow Late's (issue 10); they used to be absent.
    assert list(rows[0]) == RECORD_COLUMNS + list(VERDICT_FIELDS)
    newest = rows[0]
    assert (newest["who_must_act"], newest["retry"]) == ("reconnect", "no")
    assert newest["hint"].startswith("Reconnect the Facebook account @brand in Late")
    assert len(newest["error_group"]) == 12
    assert all(r["who_must_act"] == r["retry"] == r["error_group"] == "" for r in rows[1:])  # successes
    assert newest["created_at"] == iso(NOW - timedelta(hours=1))
    assert newest["status_code"] == "400" and newest["duration_ms"] == "801"
    assert newest["error_message"] == "(#190) token expired"
    assert newest["platform_post_url"] == ""  # missing is empty, not "<NA>" or "nan"
    assert "EAABsecret123" not in out.getvalue() and REDACTED in newest["endpoint"]
    assert [r["created_at"] for r in rows] == sorted((r["created_at"] for r in rows), reverse=True)


def test_csv_of_a_filtered_frame_round_trips_its_rows_and_chosen_columns(store: LogStore):
    frame = store.frame()
    failed = frame[frame["status"] == "failed"]
    out = io.StringIO()
    assert frame_to_csv(failed, out, columns=["log_id", "status", "created_at"]) == 1
    [row] = read_csv(out.getvalue())
    assert list(row) == ["log_id", "status", "created_at", *VERDICT_FIELDS]  # chosen columns, then verdicts
    assert {k: row[k] for k in ("log_id", "status", "created_at", "who_must_act", "retry")} == {
        "log_id": failed["log_id"].iloc[0],
        "status": "failed",
        "created_at": iso(NOW - timedelta(hours=1)),
        "who_must_act": "reconnect",
        "retry": "no",
    }
    everything = io.StringIO()
    assert export_csv(frame, everything) == len(frame)
    assert len(read_csv(everything.getvalue())) == len(frame)
    with pytest.raises(ValueError, match="unknown column"):
        frame_to_csv(frame, io.StringIO(), columns=["nope"])


def test_csv_since_and_empty_frames(store: LogStore):
    out = io.StringIO()
    assert export_csv(store, out, since=NOW - timedelta(hours=2, minutes=30)) == 2
    naive = (NOW - timedelta(hours=2, minutes=30)).replace(tzinfo=None)
    assert export_csv(store.frame(), io.StringIO(), since=naive) == 2
    empty = io.StringIO()
    assert export_csv(to_frame([]), empty) == 0
    assert empty.getvalue() == ",".join(RECORD_COLUMNS + list(VERDICT_FIELDS)) + "\r\n"


def test_spreadsheet_safe_handles_missing_values_and_extra_columns():
    column = pd.Series(["=1+1", None, "ok", "-", "a=b"], dtype="string")
    assert spreadsheet_safe(column).tolist() == ["'=1+1", pd.NA, "ok", "'-", "a=b"]
    frame = pd.DataFrame({"failure_class": ["@token", "content"], "count": [3, -2]})
    ready = csv_ready(frame)
    assert ready["failure_class"].tolist() == ["'@token", "content"] and ready["count"].tolist() == [3, -2]


def test_jsonl_lines_are_late_entries_newest_first_with_details_merged(store: LogStore):
    out = io.StringIO()
    assert export_jsonl(store, out) == 1 + len(INJECTIONS)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1 + len(INJECTIONS)
    assert all("_id" in line and "createdAt" in line for line in lines)
    assert [line["createdAt"] for line in lines] == sorted(
        (line["createdAt"] for line in lines), reverse=True
    )
    failed = lines[0]
    assert failed["status"] == "failed" and failed["metadata"] == {"retryable": False}
    assert failed["accountId"] == {"_id": "acc_1", "username": "brand", "displayName": "Brand"}
    assert failed["response"]["errorCode"] == "190" and '"code":190' in failed["response"]["rawBody"]
    assert failed["postId"]["content"] == "A caption"  # list fields the detail did not repeat stay
    verdict = failed["late_logs"]
    assert list(verdict) == list(VERDICT_FIELDS)
    assert (verdict["who_must_act"], verdict["retry"]) == ("reconnect", "no")
    assert verdict["hint"].startswith("Reconnect the Facebook account @brand")
    assert len(verdict["error_group"]) == 12
    assert all(line["late_logs"] == dict.fromkeys(VERDICT_FIELDS) for line in lines[1:])
    # Late's own fields stay as the API returned them: the block is the only key added.
    assert set(lines[1]) - {"late_logs"} == set(entry(2))
    text = out.getvalue()
    assert "EAABsecret123" not in text and "rt-secret-value-42" not in text and REDACTED in text


def test_jsonl_since_and_filter(store: LogStore):
    out = io.StringIO()
    assert export_jsonl(store, out, since=NOW - timedelta(hours=3, minutes=30)) == 3
    only_failed = io.StringIO()
    assert export_jsonl(store, only_failed, filter=lambda e: e["status"] == "failed") == 1
    assert json.loads(only_failed.getvalue())["statusCode"] == 400


def test_jsonl_for_ids_keeps_the_given_order_and_skips_unknown_ids(store: LogStore):
    ids = store.frame()["log_id"].tolist()
    wanted = [ids[3], "not-stored", ids[0], ids[3]]
    out = io.StringIO()
    assert export_jsonl_for_ids(store, wanted, out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["_id"] for line in lines] == [ids[3], ids[0]]
    assert lines[1]["late_logs"]["who_must_act"] == "reconnect"
    assert lines[1]["metadata"] == {"retryable": False}


def test_frame_to_jsonl_writes_flat_rows_as_json(store: LogStore):
    frame = store.frame()
    out = io.StringIO()
    assert frame_to_jsonl(frame, out) == len(frame)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert list(rows[0]) == [*RECORD_COLUMNS, "late_logs"]
    assert rows[0]["late_logs"]["who_must_act"] == "reconnect"
    assert rows[1]["late_logs"] == dict.fromkeys(VERDICT_FIELDS)
    assert rows[0]["created_at"] == iso(NOW - timedelta(hours=1))
    assert rows[0]["status_code"] == 400 and rows[0]["platform_post_url"] is None
    assert rows[-1]["content_preview"] == INJECTIONS[-1]  # JSON needs no formula guard: text stays exact
