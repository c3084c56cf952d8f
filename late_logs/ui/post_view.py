"""The Post history page's view model: every attempt of one post, where each platform ended up with its
verdict, the timeline figure and the table of attempts, gathered by `post_view(ctx, post_id)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from late_logs import analysis, charts, queries
from late_logs.ui import data
from late_logs.ui import verdicts as verdict_view

# The attempts table's columns, in order.
COLUMNS = [
    "created_at",
    "platform",
    "action",
    "status",
    "status_code",
    "error_code",
    "error_message",
    "attempt_number",
    "duration_ms",
    "log_id",
]
STUCK_MINUTES = int(analysis.STUCK_AFTER.total_seconds() // 60)


@dataclass(frozen=True)
class Lane:
    """One platform of the post: its outcome and, when it failed, our verdict (title, hint)."""

    platform: analysis.PlatformOutcome
    verdict: tuple[str, str] | None


@dataclass(frozen=True)
class PostView:
    """Everything the Post history page shows of one post (read-only; text still goes through `text`)."""

    post_id: str
    found: bool
    now: datetime
    overall: str = ""
    content: str | None = None  # the post's text, as the newest attempt carries it
    lanes: list[Lane] = field(default_factory=list)
    timeline: go.Figure | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # newest first


def post_view(ctx: data.AppContext, post_id: str) -> PostView:
    now = analysis.utc_now()
    attempts = queries.post_attempts(ctx.files(), post_id)
    if attempts.empty:
        return PostView(post_id=post_id, found=False, now=now)
    outcome = analysis.post_outcome(attempts, now)
    content = attempts["post_content"].dropna()
    newest_first = attempts.sort_values("created_at", ascending=False, kind="stable")
    return PostView(
        post_id=post_id,
        found=True,
        now=now,
        overall=outcome.overall,
        content=content.iloc[-1] if len(content) else None,
        lanes=[Lane(p, verdict_view.platform_lane_verdict(attempts, p)) for p in outcome.platforms],
        timeline=charts.post_timeline(attempts),
        table=newest_first[COLUMNS].reset_index(drop=True),
    )
