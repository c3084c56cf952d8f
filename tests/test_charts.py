"""Figure builders: what each trace carries, muted cells, drill-through customdata, escaping, empty input."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from late_logs import analysis, charts
from late_logs.charts import (
    FALLBACK_GREY,
    STATUS_COLORS,
    error_groups_chart,
    escape_html,
    failure_matrix_heatmap,
    failure_rate_chart,
    platform_color,
    post_timeline,
    status_volume_chart,
)
from late_logs.records import PLATFORMS, to_frame

T0 = datetime(2024, 11, 1, 10, 0, tzinfo=timezone.utc)
SCRIPT = "<script>alert('x')</script>"


def attempt(log_id: str, minutes: float, **fields: Any) -> dict:
    record = {
        "log_id": log_id,
        "created_at": T0 + timedelta(minutes=minutes),
        "platform": "instagram",
        "action": "publish",
        "status": "success",
        "account_id": "acc1",
        "post_id": "post1",
    }
    record.update(fields)
    return record


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere in a figure dict (lists, numpy object arrays, nested dicts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, np.ndarray):
        for item in value.ravel().tolist():
            yield from strings_in(item)


def rendered_strings(fig: go.Figure) -> list[str]:
    """Strings plotly renders (everything except customdata, which only travels back on clicks)."""
    data = fig.to_dict()
    for trace in data["data"]:
        trace.pop("customdata", None)
    return list(strings_in(data))


def is_empty_note(fig: go.Figure, text: str = "No attempts in this window") -> bool:
    return len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == [text]


# --------------------------------------------------------------------------------------------- palette


def test_escape_html_escapes_html() -> None:
    assert escape_html(SCRIPT) == "&lt;script&gt;alert('x')&lt;/script&gt;"
    assert escape_html("a & b") == "a &amp; b"
    assert escape_html(None) == "" and escape_html(pd.NA) == ""
    assert escape_html(42) == "42"


def test_status_and_platform_colours() -> None:
    assert STATUS_COLORS == {
        "success": "#009E73",
        "failed": "#D55E00",
        "pending": "#E69F00",
        "skipped": "#56B4E9",
    }
    assert charts.status_color("weird") == FALLBACK_GREY
    assert all(platform_color(p) in charts.OKABE_ITO.values() for p in PLATFORMS)
    assert platform_color("mastodon") == platform_color("mastodon") != FALLBACK_GREY
    assert platform_color(None) == FALLBACK_GREY
    # Platforms sharing a colour never share a dash, so lines stay distinguishable.
    seen = {(platform_color(p), charts.PLATFORM_DASHES.get(p, "solid")) for p in PLATFORMS}
    assert len(seen) == len(PLATFORMS)


# --------------------------------------------------------------------------------------------- matrix


def matrix_frame() -> pd.DataFrame:
    records = [attempt(f"ig{i}", i, status="failed" if i < 2 else "success") for i in range(6)]  # 2/6
    records += [attempt("tw1", 1, platform="twitter", status="failed")]  # 1/1: muted
    records += [attempt("tw2", 2, platform="twitter", action="retry", status="success")] * 1
    records += [attempt(f"twr{i}", 2, platform="twitter", action="retry", status="success") for i in range(5)]
    return analysis.failure_matrix(to_frame(records))


def test_failure_matrix_heatmap_cells() -> None:
    fig = failure_matrix_heatmap(matrix_frame())
    rates, muted, cells = fig.data
    assert list(rates.y) == ["instagram", "twitter"] and list(rates.x) == ["publish", "retry"]
    z = np.array(rates.z, dtype=float)
    assert z[0, 0] == pytest.approx(1 / 3)
    assert np.isnan(z[0, 1])  # instagram retry: no attempts at all
    assert np.isnan(z[1, 0])  # twitter publish: muted, so not coloured by rate
    assert z[1, 1] == 0.0
    assert [list(r) for r in rates.text] == [["2/6", ""], ["1/1", "0/6"]]
    assert np.array(muted.z, dtype=float)[1, 0] == 0.0
    assert list(muted.colorscale[0]) == [0, charts.MUTED_GREY]
    # The click/hover layer: one invisible marker per cell, row by row, carrying [platform, action].
    assert cells.type == "scatter" and fig.layout.hoverdistance == -1
    assert [(x, y, list(c)) for x, y, c in zip(cells.x, cells.y, cells.customdata, strict=True)] == [
        ("publish", "instagram", ["instagram", "publish"]),
        ("retry", "instagram", ["instagram", "retry"]),
        ("publish", "twitter", ["twitter", "publish"]),
        ("retry", "twitter", ["twitter", "retry"]),
    ]
    assert list(cells.hovertext) == [
        "instagram · publish<br>failure rate 33.3%<br>2 failed of 6 settled",
        "instagram · retry<br>no attempts",
        "twitter · publish<br>1 failed of 1 settled<br>too few attempts for a reliable rate",
        "twitter · retry<br>failure rate 0.0%<br>0 failed of 6 settled",
    ]
    assert rates.hoverinfo == muted.hoverinfo == "skip"
    assert fig.layout.height <= 450


def test_failure_matrix_heatmap_escapes_names() -> None:
    frame = to_frame([attempt("x", 0, platform=SCRIPT, status="failed")])
    fig = failure_matrix_heatmap(analysis.failure_matrix(frame))
    assert not [s for s in rendered_strings(fig) if "<script" in s]
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in list(fig.data[0].y)
    assert fig.data[0].customdata[0][0][0] == SCRIPT  # raw value travels back for exact filtering


# --------------------------------------------------------------------------------------------- time series


def rate_series() -> pd.DataFrame:
    records = [attempt(f"a{i}", 5 + i, status="failed" if i < 2 else "success") for i in range(6)]
    records += [attempt("b1", 70, status="failed"), attempt("t1", 80, platform="twitter", status="success")]
    return analysis.failure_rate_over_time(to_frame(records), T0, T0 + timedelta(hours=2))


def test_failure_rate_chart_lines_and_muted_points() -> None:
    fig = failure_rate_chart(rate_series())
    names = [(t.name, t.showlegend, t.mode) for t in fig.data]
    assert names == [
        ("instagram", None, "lines+markers"),
        ("instagram", False, "markers"),
        ("twitter", None, "lines+markers"),
        ("twitter", False, "markers"),
    ]
    line, faint = fig.data[0], fig.data[1]
    assert list(line.y[:1]) == [pytest.approx(1 / 3)] and np.isnan(line.y[1])  # 10:00 shown, 11:00 muted
    assert list(faint.y) == [1.0] and faint.opacity == 0.35
    assert [list(c) for c in line.customdata] == [
        ["instagram", "2024-11-01T10:00:00+00:00", "2024-11-01T11:00:00+00:00"],
        ["instagram", "2024-11-01T11:00:00+00:00", "2024-11-01T12:00:00+00:00"],
    ]
    assert "too few attempts" in faint.hovertext[0]
    assert line.line.color == platform_color("instagram")
    assert "UTC" in fig.layout.xaxis.title.text
    assert fig.layout.legend.orientation == "h"


def test_status_volume_chart_stacks_by_status() -> None:
    records = [
        attempt("a", 1),
        attempt("b", 2, status="failed"),
        attempt("c", 65, status="pending"),
        attempt("d", 70, status="mystery"),
    ]
    volume = analysis.status_volume_over_time(to_frame(records), T0, T0 + timedelta(hours=2))
    fig = status_volume_chart(volume)
    assert fig.layout.barmode == "stack"
    assert [(t.name, t.marker.color, list(t.y)) for t in fig.data] == [
        ("success", STATUS_COLORS["success"], [1, 0]),
        ("failed", STATUS_COLORS["failed"], [1, 0]),
        ("pending", STATUS_COLORS["pending"], [0, 1]),
        ("mystery", FALLBACK_GREY, [0, 1]),
    ]
    assert list(fig.data[1].customdata[0]) == [
        "failed",
        "2024-11-01T10:00:00+00:00",
        "2024-11-01T11:00:00+00:00",
    ]
    assert "UTC" in fig.layout.xaxis.title.text


# --------------------------------------------------------------------------------------------- error groups


def test_error_groups_chart_orders_and_escapes() -> None:
    records = [
        attempt(f"m{i}", i, status="failed", error_code="9007", error_message=f"Media ID {i} is gone")
        for i in range(3)
    ]
    records += [attempt("x", 9, status="failed", error_code="1", error_message=SCRIPT)]
    groups = analysis.error_groups(to_frame(records))
    fig = error_groups_chart(groups, top=10)
    bar = fig.data[0]
    assert list(bar.x) == [3, 1]
    assert [c[0] for c in bar.customdata] == groups["group"].tolist()
    assert fig.layout.yaxis.ticktext[0] == "instagram · 9007 · Media ID &lt;n&gt; is gone"
    assert not [s for s in strings_in(fig.to_dict()) if "<script" in s]
    assert any("&lt;script&gt;" in s for s in bar.hovertext)
    assert len(error_groups_chart(groups, top=1).data[0].x) == 1


# --------------------------------------------------------------------------------------------- post timeline


def test_post_timeline_lanes_markers_and_escaping() -> None:
    attempts = analysis.post_attempts(
        to_frame(
            [
                attempt(
                    "ig1",
                    0,
                    status="failed",
                    status_code=400,
                    error_code="9007",
                    error_message=SCRIPT,
                    attempt_number=1,
                ),
                attempt("ig2", 5, action="retry", status="success"),
                attempt("tw1", 1, platform="twitter", status="pending"),
            ]
        ),
        "post1",
    )
    fig = post_timeline(attempts)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [
        (t.name, t.marker.color, list(t.y), list(t.marker.symbol), [c[0] for c in t.customdata])
        for t in markers
    ] == [
        ("success", STATUS_COLORS["success"], ["instagram"], ["diamond"], ["ig2"]),
        ("failed", STATUS_COLORS["failed"], ["instagram"], ["circle"], ["ig1"]),
        ("pending", STATUS_COLORS["pending"], ["twitter"], ["circle"], ["tw1"]),
    ]
    failed_hover = markers[1].hovertext[0]
    assert failed_hover == (
        "publish · failed · 2024-11-01 10:00 UTC<br>HTTP 400 · code 9007 · attempt 1<br>"
        "&lt;script&gt;alert('x')&lt;/script&gt;"
    )
    assert not [s for s in strings_in(fig.to_dict()) if "<script" in s]
    assert list(fig.layout.yaxis.categoryarray) == ["instagram", "twitter"]
    assert "UTC" in fig.layout.xaxis.title.text
    assert 220 <= fig.layout.height <= 450


def test_long_messages_are_cut_in_hover() -> None:
    attempts = to_frame([attempt("a", 0, status="failed", error_message="x" * 5000)])
    hover = [t for t in post_timeline(attempts).data if t.mode == "markers"][0].hovertext[0]
    assert hover.endswith("…") and len(hover) < 500


# --------------------------------------------------------------------------------------------- empty input


@pytest.mark.parametrize(
    ("build", "note"),
    [
        (lambda e: failure_matrix_heatmap(analysis.failure_matrix(e)), "No attempts in this window"),
        (
            lambda e: failure_rate_chart(analysis.failure_rate_over_time(e, T0, T0 + timedelta(hours=1))),
            "No attempts in this window",
        ),
        (
            lambda e: status_volume_chart(analysis.status_volume_over_time(e, T0, T0 + timedelta(hours=1))),
            "No attempts in this window",
        ),
        (lambda e: error_groups_chart(analysis.error_groups(e)), "No failures in this window"),
        (lambda e: post_timeline(e), "No attempts for this post"),
        (lambda e: failure_matrix_heatmap(pd.DataFrame()), "No attempts in this window"),
        (lambda e: failure_rate_chart(None), "No attempts in this window"),
    ],
)
def test_empty_inputs_give_a_note(build, note) -> None:
    fig = build(to_frame([]))
    assert is_empty_note(fig, note)
    fig.to_json()  # serialisable


def test_failure_rate_chart_with_only_pending_attempts_is_empty() -> None:
    series = analysis.failure_rate_over_time(
        to_frame([attempt("p", 0, status="pending")]), T0, T0 + timedelta(hours=1)
    )
    assert is_empty_note(failure_rate_chart(series))


def test_charts_do_not_import_streamlit() -> None:
    code = "import sys, late_logs.charts; print('streamlit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(charts.__file__).parent.parent,
    )
    assert result.stdout.strip() == "False"
