"""The daily digest on a store with known contents: which groups, accounts and posts it names, its absolute
links, and that log text cannot inject Markdown or HTML into the pasted digest; plus the CLI command."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from late_logs import cli, digest
from late_logs.records import to_frame
from late_logs.store import LogStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
BASE = "https://late-logs.example.com"
EXPIRED = "Error validating access token: Session has expired on Tuesday, 01-Dec-26 01:12:00 PST."
HOSTILE = "[click me](javascript:alert(1)) <script>alert(1)</script> ![x](https://evil.example/x.png)"


def attempt(log_id: str, hours_ago: float, status: str = "failed", **fields) -> dict:
    record = {
        "log_id": log_id,
        "created_at": NOW - timedelta(hours=hours_ago),
        "platform": "instagram",
        "action": "publish",
        "status": status,
        "account_id": "acc-ok",
        "account_username": "@ok",
        "post_id": f"post-{log_id}",
    }
    record.update(fields)
    return record


@pytest.fixture
def store(tmp_path):
    records = [
        # a new group that is also a dead token: two failures on two posts of one account
        attempt(
            "t1", 3, error_code="190", error_message=EXPIRED, account_id="acc-dead", account_username="@shop"
        ),
        attempt(
            "t2", 2, error_code="190", error_message=EXPIRED, account_id="acc-dead", account_username="@shop"
        ),
        # a regressed group: failed three days ago, quiet, failing again in the window
        attempt(
            "r0", 72, platform="tiktok", error_code="spam_risk", error_message="spam risk", post_id="post-r0"
        ),
        attempt(
            "r1", 1, platform="tiktok", error_code="spam_risk", error_message="spam risk", post_id="post-r1"
        ),
        # an ongoing group: failing since before the window, never quiet for a day
        attempt("o0", 30, platform="x", error_code="dup", error_message="duplicate content"),
        attempt("o1", 12, platform="x", error_code="dup", error_message="duplicate content"),
        # a hostile message, on a post that went out on one platform and not the other
        attempt("h1", 4, platform="reddit", error_code="x", error_message=HOSTILE, post_id="post-mixed"),
        attempt("h2", 4, platform="linkedin", status="success", post_id="post-mixed"),
        # a post stuck pending for two hours, and one pending for five minutes (not stuck yet)
        attempt("s1", 2, platform="youtube", status="pending", post_id="post-stuck"),
        attempt("s2", 0.08, platform="youtube", status="pending", post_id="post-fresh"),
        # a success outside everything
        attempt("ok", 5, status="success", post_id="post-fine"),
    ]
    with LogStore(tmp_path / "store") as log_store:
        log_store.import_records(to_frame(records))
        yield log_store


def built(store) -> digest.Digest:
    return digest.build(store, store.frame(), NOW - timedelta(hours=24), NOW, BASE + "/")


def texts(section: digest.Section) -> list[str]:
    return [line.text for line in section.lines]


def test_the_digest_names_new_and_regressed_groups_but_not_ongoing_ones(store) -> None:
    groups = built(store).sections[0]
    states = sorted(t.split(":")[0] + " " + t.split(" · ")[0].split(": ")[1] for t in texts(groups))
    assert states == ["new instagram", "new reddit", "regressed tiktok"]
    tiktok = next(line for line in groups.lines if "tiktok" in line.text)
    assert tiktok.link.startswith(f"{BASE}/explorer?")
    assert (
        "error_group=" in tiktok.link
        and "status=failed" in tiktok.link
        and "start=2026-11-30T09" in tiktok.link
    )
    assert tiktok.detail.startswith("1 failure in the window, first seen 2026-11-28 09:00")


def test_the_digest_names_the_dead_token_stuck_posts_and_posts_not_out(store) -> None:
    _, _, tokens, stuck, not_out = built(store).sections
    assert texts(tokens) == ["instagram · @shop: token dead since 2026-12-01 06:00"]
    assert (
        tokens.lines[0].link
        == f"{BASE}/accounts?start=2026-11-30T09%3A00%3A00Z&end=2026-12-01T09%3A00%3A00Z&id=acc-dead"
    )
    assert tokens.lines[0].detail.startswith("2 failures on 2 posts")
    assert texts(stuck) == ["post post-stuck stuck on youtube"]
    assert stuck.lines[0].link == f"{BASE}/post?id=post-stuck"
    outcomes = dict(t.split(": ", 1) for t in texts(not_out))
    assert outcomes["post post-mixed"] == "live on linkedin, failed on reddit"
    assert outcomes["post post-t1"] == "went out nowhere"
    assert "post post-fine" not in outcomes and "post post-stuck" not in outcomes


def test_markdown_escapes_log_text_so_a_message_cannot_make_a_link_or_an_image(store) -> None:
    text = digest.render(built(store), "markdown")
    assert "](javascript:" not in text and "![x](" not in text and "<script>" not in text
    links = re.findall(r"\]\((https?://[^)\s]+)\)", text)
    assert links and all(link.startswith(BASE + "/") for link in links)
    assert text.startswith("# late-logs digest 2026-11-30 09:00 – 2026-12-01 09:00 UTC")
    assert "## Stuck posts (pending over 30 min) (1)" in text


def test_html_escapes_log_text_and_links_only_into_the_dashboard(store) -> None:
    page = digest.render(built(store), "html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.findall(r'href="([^"]+)"', page) and all(
        href.startswith(BASE + "/") for href in re.findall(r'href="([^"]+)"', page)
    )


def test_json_has_every_section_with_links(store) -> None:
    data = json.loads(digest.render(built(store), "json"))
    assert [s["title"] for s in data["sections"]] == [
        "New and regressed error groups",
        "Cells worse than usual",
        "Accounts whose token died",
        "Stuck posts (pending over 30 min)",
        "Posts that did not go out",
    ]
    assert data["start"] == "2026-11-30T09:00:00Z" and data["dashboard"] == BASE + "/"


def test_a_secret_in_a_log_message_never_reaches_the_digest(tmp_path) -> None:
    secret = "sk_live_51HcDq2ExampleExampleExample0"
    with LogStore(tmp_path / "s") as log_store:
        log_store.import_records(
            to_frame([attempt("k", 1, error_code="401", error_message=f"bad key {secret}")])
        )
        one = digest.build(log_store, log_store.frame(), NOW - timedelta(hours=24), NOW, BASE)
        for fmt in digest.FORMATS:
            assert secret not in digest.render(one, fmt)


def test_an_empty_window_says_none_in_every_section(tmp_path) -> None:
    with LogStore(tmp_path / "s") as log_store:
        log_store.import_records(to_frame([attempt("old", 200, status="success")]))
        text = digest.render(
            digest.build(log_store, log_store.frame(), NOW - timedelta(hours=24), NOW, BASE), "markdown"
        )
    assert "No new or regressed error group." in text and text.count("None.") == 3
    assert "No baseline yet: the store holds nothing of these hours" in text


def test_digest_command_prints_markdown_of_the_store(store, tmp_path, monkeypatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    store.close()
    env = {"LATE_API_KEY": "sk-test-key-not-real-000000", "LATE_LOGS_PUBLIC_URL": BASE}
    code = cli.main(
        ["--cache-dir", str(tmp_path / "store"), "digest", "--since", "3650d", "--format", "markdown"],
        env=env,
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    assert out.getvalue().startswith("# late-logs digest ")
    assert f"]({BASE}/post?id=post-stuck)" in out.getvalue()
    assert "sk-test-key-not-real" not in out.getvalue() + err.getvalue()


def test_digest_command_refuses_an_unreadable_since_with_a_sentence(tmp_path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["--cache-dir", str(tmp_path), "digest", "--since", "yesterday"], env={}, stdout=out, stderr=err
    )
    assert code == cli.EXIT_ERROR
    assert "--since value must be" in err.getvalue() and "Traceback" not in err.getvalue()


def test_the_digest_does_not_depend_on_the_frames_row_order(store) -> None:
    shuffled = store.frame().sample(frac=1, random_state=3)
    again = digest.build(store, shuffled, NOW - timedelta(hours=24), NOW, BASE)
    assert [texts(s) for s in again.sections][1:] == [texts(s) for s in built(store).sections][1:]


def volume(prefix: str, hours_ago: float, platform: str, action: str, settled: int, failures: int) -> list:
    """`settled` attempts of one cell an hour long, `failures` of them failed."""
    return [
        attempt(
            f"{prefix}{i}",
            hours_ago - i / (settled + 1),
            status="failed" if i < failures else "success",
            platform=platform,
            action=action,
            error_code="500",
            error_message="Internal error",
            account_id=f"acc-{prefix}",
        )
        for i in range(settled)
    ]


def test_cells_worse_than_usual_rank_the_large_cell_above_the_small_one(tmp_path) -> None:
    records = []
    for day in range(1, 8):  # the same hour on each of the 7 days before: linkedin 10 %, reddit 20 %
        records += volume(f"l{day}-", 24 * day + 2, "linkedin", "publish", 100, 10)
        records += volume(f"r{day}-", 24 * day + 2, "reddit", "retry", 15, 3)
    records += volume("lnow-", 2, "linkedin", "publish", 91, 26)  # 28.6 %: the real problem
    records += volume("rnow-", 2, "reddit", "retry", 5, 3)  # 60 % of five: the loudest rate
    with LogStore(tmp_path / "s") as log_store:
        log_store.import_records(to_frame(records))
        found = digest.build(log_store, log_store.frame(), NOW - timedelta(hours=3), NOW, BASE)
    worse = found.section("worse_cells")
    assert texts(worse) == ["linkedin · publish"]
    assert worse.lines[0].detail == "26 of 91 failed (28.6 %), usually 10.0 %: 16.8 more failures than usual"
    assert worse.lines[0].link == (
        f"{BASE}/explorer?start=2026-12-01T06%3A00%3A00Z&end=2026-12-01T09%3A00%3A00Z"
        "&platform=linkedin&action=publish&status=failed"
    )


def test_each_group_line_compares_the_group_with_its_own_usual(tmp_path) -> None:
    """A group failing twice at these hours on each day before, 8 times now: 4× its usual; a group never
    seen in these hours before: usually none; a window with nothing stored before it: no baseline yet."""
    records = []
    for day in range(1, 8):
        for i in range(2):
            records.append(
                attempt(f"u{day}-{i}", 24 * day + 2 + i / 4, error_code="368", error_message="blocked")
            )
    records += [attempt(f"n{i}", 2 + i / 10, error_code="368", error_message="blocked") for i in range(8)]
    records += [attempt("fresh", 1, platform="x", error_code="dup", error_message="dup")]
    day = NOW - timedelta(hours=24)
    with LogStore(tmp_path / "s") as log_store:
        log_store.import_records(to_frame(records))
        # Quiet for 12 h between the days: each day's failures are a run of their own, today's regressed.
        found = digest.build(log_store, log_store.frame(), day, NOW, BASE, resolve_hours=12)
        young = digest.build(log_store, log_store.frame(), NOW - timedelta(days=9), NOW, BASE, 12)
    lines = {line.text.split(": ", 1)[1]: line.detail for line in found.section("groups").lines}
    # The 6 days before that the store holds all of (the 7th began before its oldest attempt): 12 failures.
    assert lines["instagram · 368 · blocked"].startswith("8 failures in the window, first seen ")
    assert " · 4.0× usual (usually 2.0) · " in lines["instagram · 368 · blocked"]
    assert " · usually none" in lines["x · dup · dup"]
    assert young.section("groups").lines
    assert all(" · no baseline yet" in line.detail for line in young.section("groups").lines)
