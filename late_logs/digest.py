"""The daily digest: what a morning review must look at, as one text to paste into a ticket or a chat.

Five lists over a window (`--since 24h` by default): new and regressed error groups (the triage ledger),
platform × action cells worse than usual (late_logs.baselines: the same hours of the days before, ranked by
excess failures), accounts whose token died (the Accounts view model's reconnect worklist), stuck posts (an
attempt pending for longer than analysis.STUCK_AFTER) and posts that did not go out (a failure and no
success on some platform).
Every line links into the dashboard with an absolute link (LATE_LOGS_PUBLIC_URL) that carries the window.
Each group line says how its failures compare with its usual (its failures in the same hours of the 7 days
before, late_logs.baselines.group_usual).

What it reads: the window's attempts (a frame), the groups' whole-store history as summaries (failure runs,
verdicts, trends: late_logs.group_history in SQL, or pandas over a whole-store frame), and the baselines'
counts in SQL over the store's files of the days before. Never the whole store into pandas unless a caller
hands it in.

Rendered as Markdown, HTML or JSON. Text from the logs is escaped for the format (a message holding
`[click](javascript:...)` or `<script>` stays text) and redacted once more before it leaves.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

import pandas as pd

from late_logs import accounts, analysis, baselines, group_history, ledger, queries
from late_logs.redact import redact_text, redact_value
from late_logs.safe_text import escape_markdown

FORMATS = ("markdown", "html", "json")
SECTION_KINDS = ("groups", "worse_cells", "dead_tokens", "stuck_posts", "posts_not_out")
MAX_LINES = 20  # per section; the rest is counted ("and 12 more")
_TIME = "%Y-%m-%d %H:%M"


@dataclass
class Line:
    """One digest line: its words (from the logs: escaped when rendered) and its dashboard link."""

    text: str
    link: str
    detail: str = ""
    key: str = ""  # what the line is about, stable across windows (alerts deduplicate by it)


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)
    more: int = 0  # lines left out beyond MAX_LINES
    empty: str = ""
    kind: str = ""  # which list it is (SECTION_KINDS): the alerts find their lists by it, not by position


@dataclass
class Digest:
    start: datetime
    end: datetime
    dashboard: str
    sections: list[Section]

    def section(self, kind: str) -> Section:
        return next(s for s in self.sections if s.kind == kind)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _instant(moment: Any) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(base: str, path: str, params: Mapping[str, str]) -> str:
    return f"{base}/{path}?{urlencode(dict(params))}"


def _section(kind: str, title: str, lines: list[Line], empty: str) -> Section:
    return Section(title, lines[:MAX_LINES], max(0, len(lines) - MAX_LINES), empty, kind)


def window_of(frame: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    return analysis.apply_filters(frame, analysis.Filters(start=start, end=end))


def _usual_windows(store, start: datetime, end: datetime) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The baseline windows of [start, end) the store holds (late_logs.baselines.baseline_windows)."""
    return baselines.baseline_windows(start, end, since=queries.oldest_time(store.parquet_files()))


def group_usuals(
    store, start: datetime, end: datetime, flt: analysis.Filters | None = None
) -> tuple[dict[str, int], int]:
    """Each group's failures over the window's baseline windows among the rows `flt` keeps (its window
    aside), and how many windows there are (SQL over the files of those days only)."""
    windows = _usual_windows(store, start, end)
    covered = baselines.span(windows)
    if covered is None:
        return {}, 0
    files = store.parquet_files(since=covered[0], until=covered[1])
    return group_history.failures_in(files, windows, flt), len(windows)


def _group_lines(store, frame, window, start, end, now, resolve_hours, base, known) -> list[Line]:
    table = ledger.ledger_table(frame, window, store.ledger(), start, now, resolve_hours, **known)
    urgent = table[table["state"].isin(["new", "regressed"]) & ~table["muted"]] if len(table) else table
    usual, windows = group_usuals(store, start, end) if len(urgent) else ({}, 0)
    lines = []
    for row in urgent.itertuples(index=False):
        compared = baselines.group_usual(row.count, usual.get(row.group, 0), windows)
        lines.append(
            Line(
                text=f"{row.state}: {row.platform} · {row.error_code} · {row.message}",
                link=explorer_link(base, row.group, start, end),
                detail=(
                    f"{_plural(row.count, 'failure')} in the window, "
                    f"first seen {pd.Timestamp(row.first_seen):{_TIME}} · {compared.text}"
                    + (f" · {row.kind}" if row.kind else "")
                    + (f" · {row.hint}" if row.hint else "")
                ),
                key=row.group,
            )
        )
    return lines


def explorer_link(base: str, group: str, start: datetime, end: datetime) -> str:
    """The Explorer showing one group's failures in the window."""
    span = {"start": _instant(start), "end": _instant(end)}
    return _link(base, "explorer", {**span, "error_group": group, "status": "failed"})


def cell_comparison(store, window: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """baselines.compare of the window's platform × action cells against the same hours of the 7 days
    before; the baseline's counts in SQL over the files of those days (the window's from its frame)."""
    windows = _usual_windows(store, start, end)
    covered = baselines.span(windows)
    files = store.parquet_files(since=covered[0], until=covered[1]) if covered else []
    usual = baselines.pool(
        [queries.failure_matrix(files, analysis.Filters(start=a, end=b)) for a, b in windows],
        ["platform", "action"],
    )
    return baselines.compare(analysis.failure_matrix(window), usual)


def cell_link(base: str, platform: str, action: str, start: datetime, end: datetime) -> str:
    """The Explorer showing one cell's failures in the window."""
    span = {"start": _instant(start), "end": _instant(end)}
    return _link(base, "explorer", {**span, "platform": platform, "action": action, "status": "failed"})


def _worse_section(store, window, start, end, base) -> Section:
    """The cells worse than usual, most excess failures first, each opening its failures in the Explorer."""
    compared = cell_comparison(store, window, start, end)
    lines = [
        Line(
            text=f"{row.platform} · {row.action}",
            link=cell_link(base, row.platform, row.action, start, end),
            detail=baselines.cell_sentence(row),
            key=f"{row.platform}/{row.action}",
        )
        for row in baselines.worse_than_usual(compared).itertuples(index=False)
    ]
    known = len(compared) and bool(compared["has_baseline"].any())
    empty = (
        "None." if known else "No baseline yet: the store holds nothing of these hours on the days before."
    )
    return _section("worse_cells", "Cells worse than usual", lines, empty)


def token_lines(store, window, start, end, now, base) -> list[Line]:
    """The accounts whose token died in the window (late_logs.accounts' reconnect worklist), all of them."""
    health = accounts.account_health(window, start, end, store.connection_logs(), now)
    if health.empty:
        return []
    worklist = accounts.reconnect_worklist(health)
    span = {"start": _instant(start), "end": _instant(end)}
    return [
        Line(
            text=f"{row.platform} · {row.handle}: token dead since {pd.Timestamp(row.dead_since):{_TIME}}",
            link=_link(base, "accounts", {**span, "id": str(row.account_id)}),
            detail=f"{_plural(row.failures, 'failure')} on {_plural(row.posts_hurt, 'post')} · {row.hint}",
            key=str(row.account_id),
        )
        for row in worklist.itertuples(index=False)
    ]


def _post_link(base: str, post_id: str) -> str:
    return _link(base, "post", {"id": post_id})


def stuck_lines(
    window: pd.DataFrame, now: datetime, base: str, after: timedelta = analysis.STUCK_AFTER
) -> list[Line]:
    """The posts with an attempt pending for longer than `after`, all of them, by post id."""
    pending = window[(window["status"] == "pending") & window["post_id"].notna()]
    stuck = pending[pending["created_at"] < pd.Timestamp(now) - after]
    lines = []
    for post_id, rows in stuck.groupby("post_id", sort=True):
        since = rows["created_at"].min()
        platforms = ", ".join(sorted({str(p) for p in rows["platform"].dropna()}))
        lines.append(
            Line(
                text=f"post {post_id} stuck on {platforms or analysis.UNKNOWN}",
                link=_post_link(base, str(post_id)),
                detail=f"pending since {pd.Timestamp(since):{_TIME}}",
                key=str(post_id),
            )
        )
    return lines


def _not_out_lines(window: pd.DataFrame, base: str) -> list[Line]:
    """Posts with a platform where a publish failed and nothing succeeded or is still pending."""
    rows = window[window["action"].isin(analysis.PUBLISHING_ACTIONS) & window["post_id"].notna()]
    if rows.empty:
        return []
    # One vectorised pass over (post, platform) lanes: a week holds tens of thousands of posts, and a
    # Python loop per post cost a minute at a million stored attempts.
    status = rows["status"]
    lanes = (
        pd.DataFrame({
            "post_id": rows["post_id"].astype(str).to_numpy(),
            "platform": rows["platform"].fillna(analysis.UNKNOWN).astype(str).to_numpy(),
            "live": status.eq("success").fillna(False).to_numpy(dtype=bool),
            "failed": status.eq("failed").fillna(False).to_numpy(dtype=bool),
            "pending": status.eq("pending").fillna(False).to_numpy(dtype=bool),
        })
        .groupby(["post_id", "platform"], sort=True)[["live", "failed", "pending"]]
        .any()
        .reset_index()
    )  # fmt: skip
    lanes["dead"] = ~lanes["live"] & lanes["failed"] & ~lanes["pending"]
    hit = set(lanes.loc[lanes["dead"], "post_id"])
    if not hit:
        return []
    lanes = lanes[lanes["post_id"].isin(hit)]
    dead = lanes[lanes["dead"]].groupby("post_id", sort=True)["platform"].agg(list)
    live = lanes[lanes["live"]].groupby("post_id", sort=True)["platform"].agg(list)
    failures = rows[(status == "failed").fillna(False).to_numpy(dtype=bool)]
    failures = failures[failures["post_id"].astype(str).isin(hit)]
    failures = failures.assign(_post=failures["post_id"].astype(str)).sort_values("created_at", kind="stable")
    last_of = failures.groupby("_post", sort=True).tail(1)
    # Plain dicts, not a row lookup per post (pandas' .loc costs ~0.3 ms each).
    last_time = dict(zip(last_of["_post"], last_of["created_at"], strict=True))
    last_message = dict(zip(last_of["_post"], last_of["error_message"], strict=True))
    found = []
    for post_id in sorted(hit):
        last = {"created_at": last_time[post_id], "error_message": last_message[post_id]}
        message = last["error_message"] if isinstance(last["error_message"], str) else analysis.NO_MESSAGE
        alive, gone = live.get(post_id, []), dead[post_id]
        outcome = f"live on {', '.join(alive)}, failed on {', '.join(gone)}" if alive else "went out nowhere"
        line = Line(
            text=f"post {post_id}: {outcome}",
            link=_post_link(base, str(post_id)),
            detail=f"last error {pd.Timestamp(last['created_at']):{_TIME}}: {message}",
        )
        found.append((pd.Timestamp(last["created_at"]), line))
    found.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties stay in post id order
    return [line for _, line in found]


def build(
    store,
    frame: pd.DataFrame,
    since: datetime,
    now: datetime,
    public_url: str,
    resolve_hours: float = ledger.DEFAULT_RESOLVE_HOURS,
    runs: Mapping[str, Sequence[ledger.Run]] | None = None,
    all_groups: pd.DataFrame | None = None,
    trends: Mapping[str, Sequence[int]] | None = None,
) -> Digest:
    """The digest of the window [since, now] over the stored attempts `frame` (newest first).

    With `runs`, `all_groups` and `trends` (of the whole store: group_history.GroupFacts), `frame` need
    only hold the window's attempts: the groups' states come from those. Baselines are read from `store`."""
    known = {"runs": runs, "all_groups": all_groups, "trends": trends}
    base = public_url.rstrip("/")
    end = now
    window = window_of(frame, since, end)
    sections = [
        _section(
            "groups",
            "New and regressed error groups",
            _group_lines(store, frame, window, since, end, now, resolve_hours, base, known),
            "No new or regressed error group.",
        ),
        _worse_section(store, window, since, end, base),
        _section(
            "dead_tokens",
            "Accounts whose token died",
            token_lines(store, window, since, end, now, base),
            "None.",
        ),
        _section(
            "stuck_posts",
            f"Stuck posts (pending over {int(analysis.STUCK_AFTER.total_seconds() // 60)} min)",
            stuck_lines(window, now, base),
            "None.",
        ),
        _section("posts_not_out", "Posts that did not go out", _not_out_lines(window, base), "None."),
    ]
    return Digest(since, end, f"{base}/", sections)


def _heading(digest: Digest) -> str:
    return f"late-logs digest {digest.start:{_TIME}} – {digest.end:{_TIME}} UTC"


def to_markdown(digest: Digest) -> str:
    """Markdown for a ticket or a chat: log text escaped, so it cannot turn into links, images or HTML."""
    out = [f"# {_heading(digest)}", ""]
    for section in digest.sections:
        out += [f"## {section.title} ({len(section.lines) + section.more:,})", ""]
        if not section.lines:
            out += [section.empty, ""]
            continue
        for line in section.lines:
            detail = f" — {escape_markdown(line.detail)}" if line.detail else ""
            out.append(f"- [{escape_markdown(line.text)}]({line.link}){detail}")
        if section.more:
            out.append(f"- and {section.more:,} more")
        out.append("")
    out.append(f"[Open the dashboard]({digest.dashboard})")
    return redact_text("\n".join(out)) + "\n"


def to_html(digest: Digest) -> str:
    """A small self-contained HTML page; every text is escaped, links are ours."""
    esc = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(_heading(digest))}</title></head><body>",
        f"<h1>{esc(_heading(digest))}</h1>",
    ]
    for section in digest.sections:
        out.append(f"<h2>{esc(section.title)} ({len(section.lines) + section.more:,})</h2>")
        if not section.lines:
            out.append(f"<p>{esc(section.empty)}</p>")
            continue
        out.append("<ul>")
        for line in section.lines:
            detail = f" — {esc(line.detail)}" if line.detail else ""
            out.append(f'<li><a href="{esc(line.link, quote=True)}">{esc(line.text)}</a>{detail}</li>')
        if section.more:
            out.append(f"<li>and {section.more:,} more</li>")
        out.append("</ul>")
    out.append(f'<p><a href="{esc(digest.dashboard, quote=True)}">Open the dashboard</a></p></body></html>')
    return redact_text("\n".join(out)) + "\n"


def to_json(digest: Digest) -> str:
    data = asdict(digest)
    data["start"], data["end"] = _instant(digest.start), _instant(digest.end)
    return json.dumps(redact_value(data), ensure_ascii=False, indent=2) + "\n"


def render(digest: Digest, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"the digest format must be one of {', '.join(FORMATS)}, got {fmt!r}.")
    return {"markdown": to_markdown, "html": to_html, "json": to_json}[fmt](digest)
