"""Plotly figure builders for the dashboard, fed by `late_logs.analysis` results (no Streamlit here).

One colour per status and per platform everywhere (Okabe-Ito, safe for colour-blind readers), times in UTC,
and every log-derived string escaped with `escape_html()` because plotly renders hover and tick text as HTML.
"""

from __future__ import annotations

import html
import zlib
from typing import Any, Collection, Iterable, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
FALLBACK_GREY = "#999999"
MUTED_GREY = "#D9D9D9"

STATUS_COLORS: dict[str, str] = {
    "success": OKABE_ITO["bluish_green"],
    "failed": OKABE_ITO["vermillion"],
    "pending": OKABE_ITO["orange"],
    "skipped": OKABE_ITO["sky_blue"],
}
# Okabe-Ito has eight colours and Late thirteen platforms, so lines also differ by dash (PLATFORM_DASHES).
PLATFORM_COLORS: dict[str, str] = {
    "instagram": OKABE_ITO["reddish_purple"],
    "facebook": OKABE_ITO["blue"],
    "twitter": OKABE_ITO["black"],
    "tiktok": OKABE_ITO["vermillion"],
    "youtube": OKABE_ITO["orange"],
    "linkedin": OKABE_ITO["sky_blue"],
    "threads": OKABE_ITO["bluish_green"],
    "pinterest": OKABE_ITO["vermillion"],
    "reddit": OKABE_ITO["orange"],
    "bluesky": OKABE_ITO["sky_blue"],
    "googlebusiness": OKABE_ITO["bluish_green"],
    "telegram": OKABE_ITO["blue"],
    "snapchat": OKABE_ITO["reddish_purple"],
}
PLATFORM_DASHES: dict[str, str] = {
    "pinterest": "dash",
    "reddit": "dash",
    "bluesky": "dash",
    "googlebusiness": "dash",
    "telegram": "dash",
    "snapchat": "dash",
}
ACTION_SYMBOLS: dict[str, str] = {
    "publish": "circle",
    "retry": "diamond",
    "media_upload": "square",
    "rate_limit_pause": "hourglass",
    "token_refresh": "star",
    "cancelled": "x",
}
_SPARE_COLORS = [
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black")
]

HEIGHT = 380
MARGIN = dict(l=8, r=8, t=36, b=8)
EMPTY_MESSAGE = "No attempts in this window"
HOVER_MESSAGE_CHARS = 300  # long platform responses are cut in hover boxes; the detail page shows them whole
LABEL_CHARS = 70


def escape_html(text: Any) -> str:
    """Log-derived text made safe for plotly's HTML-ish rendering: `&`, `<`, `>` escaped; None → ""."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return html.escape(str(text), quote=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def platform_color(name: str | None) -> str:
    """The platform's fixed colour; unknown platforms get a stable colour from their name."""
    if not name:
        return FALLBACK_GREY
    if name in PLATFORM_COLORS:
        return PLATFORM_COLORS[name]
    return _SPARE_COLORS[zlib.crc32(name.encode("utf-8")) % len(_SPARE_COLORS)]


def status_color(status: str | None) -> str:
    return STATUS_COLORS.get(status or "", FALLBACK_GREY)


def _layout_dict(*, title: str | None = None, height: int = HEIGHT, **extra: Any) -> dict[str, Any]:
    """The common layout as a plain dict; `extra` entries replace the common ones (a `legend` is merged)."""
    layout: dict[str, Any] = dict(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)) if title else None,
        height=height,
        margin=MARGIN,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, title=None),
        hoverlabel=dict(align="left"),
    )
    legend = extra.pop("legend", None)
    layout.update(extra)
    if legend:
        layout["legend"] = {**layout["legend"], **legend}
    return layout


def _figure(traces: list[dict[str, Any]], **layout: Any) -> go.Figure:
    """One figure from plain trace and layout dicts: plotly validates the whole spec once, where add_trace
    and update_* calls re-walk the figure each (about four times slower on the Overview's charts)."""
    return go.Figure(data=traces, layout=_layout_dict(**layout))


def _layout(fig: go.Figure, *, title: str | None = None, height: int = HEIGHT, **extra: Any) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)) if title else None,
        height=height,
        margin=MARGIN,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, title=None),
        hoverlabel=dict(align="left"),
        **extra,
    )
    return fig


def empty_figure(message: str = EMPTY_MESSAGE, *, height: int = HEIGHT) -> go.Figure:
    """A valid figure with no data and a centred note, for empty inputs."""
    fig = go.Figure()
    fig.add_annotation(
        text=escape_html(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=14, color="#666666"),
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=height)


def _is_empty(frame: pd.DataFrame | None, required: Iterable[str]) -> bool:
    return frame is None or frame.empty or any(c not in frame.columns for c in required)


def _iso(values: pd.Series) -> list[str]:
    return [pd.Timestamp(v).isoformat() if pd.notna(v) else "" for v in values]


def _utc_label(value: Any, with_date: bool = True) -> str:
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M UTC")


# --------------------------------------------------------------------------------------------- matrix

# Sequential, colour-blind safe: pale grey → yellow → orange → vermillion, steep below 30 % where it matters.
FAILURE_RATE_SCALE = [
    [0.0, "#F4F4F4"],
    [0.05, OKABE_ITO["yellow"]],
    [0.3, OKABE_ITO["orange"]],
    [1.0, OKABE_ITO["vermillion"]],
]


def failure_matrix_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Platforms (rows) × actions (columns), coloured by failure rate, labelled "failures/settled".

    Cells with too few settled attempts are grey and say so on hover; customdata is [platform, action].
    """
    required = ("platform", "action", "settled", "failures", "failure_rate", "muted")
    if _is_empty(matrix, required):
        return empty_figure()
    platforms = sorted(matrix["platform"].astype(str).unique())
    actions = sorted(matrix["action"].astype(str).unique())
    row_of = {p: i for i, p in enumerate(platforms)}
    col_of = {a: j for j, a in enumerate(actions)}
    shape = (len(platforms), len(actions))
    rates = np.full(shape, np.nan)
    muted_z = np.full(shape, np.nan)
    text = np.full(shape, "", dtype=object)
    hover = np.full(shape, "", dtype=object)
    custom = np.empty(shape + (2,), dtype=object)
    custom[:, :, 0] = np.array(platforms, dtype=object)[:, None]
    custom[:, :, 1] = np.array(actions, dtype=object)[None, :]
    for row in matrix.itertuples(index=False):
        i, j = row_of[str(row.platform)], col_of[str(row.action)]
        settled, failures = int(row.settled), int(row.failures)
        text[i, j] = f"{failures}/{settled}"
        where = f"{escape_html(row.platform)} · {escape_html(row.action)}"
        if bool(row.muted):
            muted_z[i, j] = 0.0
            hover[i, j] = (
                f"{where}<br>{failures} failed of {settled} settled<br>too few attempts for a reliable rate"
            )
        else:
            rates[i, j] = float(row.failure_rate)
            hover[i, j] = (
                f"{where}<br>failure rate {row.failure_rate:.1%}<br>{failures} failed of {settled} settled"
            )
    x_labels = [escape_html(a) for a in actions]
    y_labels = [escape_html(p) for p in platforms]
    cell = dict(x=x_labels, y=y_labels, texttemplate="%{text}", hoverinfo="skip", customdata=custom)
    cell.update(hoverongaps=False, xgap=2, ygap=2)
    rate_layer = dict(
        type="heatmap",
        z=rates,
        text=text,
        colorscale=FAILURE_RATE_SCALE,
        zmin=0,
        zmax=1,
        name="failure rate",
        colorbar=dict(title=dict(text="failure<br>rate"), tickformat=".0%", thickness=12, len=0.9),
        **cell,
    )
    muted_layer = dict(
        type="heatmap",
        z=muted_z,
        text=np.where(np.isnan(muted_z), "", text),
        textfont=dict(color="#777777"),
        colorscale=[[0, MUTED_GREY], [1, MUTED_GREY]],
        showscale=False,
        name="too few attempts",
        **cell,
    )
    # Streamlit reports no selection for clicks on heatmaps (streamlit/streamlit#8760), so an invisible
    # marker at every cell centre carries the hover and the click; with hoverdistance -1 the nearest
    # centre, i.e. the cell under the pointer, always answers.
    cells = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
    click_layer = dict(
        type="scatter",
        x=[x_labels[j] for _, j in cells],
        y=[y_labels[i] for i, _ in cells],
        mode="markers",
        marker=dict(size=24, color="rgba(0,0,0,0)", symbol="square"),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        customdata=[list(custom[i, j]) for i, j in cells],
        hovertext=[hover[i, j] or f"{y_labels[i]} · {x_labels[j]}<br>no attempts" for i, j in cells],
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="cells",
    )
    return _figure(
        [rate_layer, muted_layer, click_layer],
        height=max(220, min(560, 70 + 34 * len(platforms))),
        yaxis=dict(autorange="reversed", title=None, type="category"),
        # Action names on top and level: read first, never overlapping, and in view without scrolling. (The
        # dashboard hides the modebar of this chart, which would otherwise cover the top edge.)
        xaxis=dict(title=None, type="category", side="top", tickangle=0),
        hovermode="closest",
        hoverdistance=-1,
        margin=dict(MARGIN, t=28),
    )


# --------------------------------------------------------------------------------------------- time series


def _bucket_texts(starts: pd.Series, ends: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ISO start, ISO end and a readable UTC label per row, formatted once per distinct bucket (a chart has
    a few dozen buckets but up to thirteen rows of each)."""
    start_codes, start_values = pd.factorize(starts)
    end_codes, end_values = pd.factorize(ends)
    start_iso = np.array(_iso(start_values), dtype=object)[start_codes]
    end_iso = np.array(_iso(end_values), dtype=object)[end_codes]
    labels = np.array([_utc_label(v) for v in start_values], dtype=object)[start_codes]
    return start_iso, end_iso, labels


def failure_rate_chart(
    series: pd.DataFrame,
    shown: Collection[str] | None = None,
    legend: Literal["top", "right"] = "top",
) -> go.Figure:
    """One line per platform of failure rate per bucket; buckets below the volume floor are faint dots.

    With `shown`, those platforms come first and are drawn; the others are listed in the legend, a click
    away (thirteen lines at once are unreadable). `legend="right"` puts the legend in a column beside the
    plot rather than in rows above it. customdata per point: [platform, bucket_start ISO, bucket_end ISO].
    """
    required = ("bucket_start", "bucket_end", "platform", "settled", "failures", "failure_rate", "muted")
    if _is_empty(series, required) or int(series["settled"].sum()) == 0:
        return empty_figure()
    # Sorted by time once; each platform's rows are then picked with numpy, keeping that order.
    series = series.sort_values("bucket_start", kind="stable")
    platform_of = series["platform"].astype(str).to_numpy(dtype=object)
    present = sorted(set(platform_of))
    if shown is not None:
        first = [p for p in shown if p in present]
        present = first + [p for p in present if p not in first]
    start_iso, end_iso, labels = _bucket_texts(series["bucket_start"], series["bucket_end"])
    all_muted = series["muted"].to_numpy(dtype=bool)
    all_rates = series["failure_rate"].to_numpy(dtype=float)
    all_failures = series["failures"].to_numpy(dtype=np.int64)
    all_settled = series["settled"].to_numpy(dtype=np.int64)
    all_hover = [
        (
            f"failure rate {r:.1%} ({f} of {n} settled)"
            if n and not m
            else f"{f} failed of {n} settled: too few attempts"
            if n
            else "no settled attempts"
        )
        for r, f, n, m in zip(all_rates, all_failures, all_settled, all_muted, strict=True)
    ]
    traces = []
    for platform in present:
        visible: bool | str = True if shown is None or platform in shown else "legendonly"
        pick = np.flatnonzero(platform_of == platform)
        times = series["bucket_start"].iloc[pick]
        muted, rates = all_muted[pick], all_rates[pick]
        custom = np.column_stack([platform_of[pick], start_iso[pick], end_iso[pick]])
        name = escape_html(platform)
        hover = [f"{name} · {labels[k]}<br>{all_hover[k]}" for k in pick]
        color = platform_color(platform)
        traces.append(
            dict(
                type="scatter",
                x=times,
                y=np.where(muted, np.nan, rates),
                mode="lines+markers",
                name=name,
                legendgroup=platform,
                visible=visible,
                line=dict(color=color, width=2, dash=PLATFORM_DASHES.get(platform, "solid")),
                marker=dict(size=5),
                connectgaps=False,
                customdata=custom,
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        faint = muted & ~np.isnan(rates)
        if faint.any():
            traces.append(
                dict(
                    type="scatter",
                    x=times[faint],
                    y=rates[faint],
                    mode="markers",
                    name=name,
                    legendgroup=platform,
                    showlegend=False,
                    visible=visible,
                    opacity=0.35,
                    marker=dict(color=color, size=6, symbol="circle-open"),
                    customdata=custom[faint],
                    hovertext=[h for h, keep in zip(hover, faint, strict=True) if keep],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
    right = dict(
        orientation="v",
        x=1.02,
        xanchor="left",
        y=1,
        yanchor="top",
        title=dict(text="platform"),
        tracegroupgap=0,  # one group per platform: the default gap makes 13 names scroll
        font=dict(size=11),
    )
    return _figure(
        traces,
        hovermode="closest",
        yaxis=dict(title=dict(text="failure rate"), tickformat=".0%", rangemode="tozero"),
        xaxis=dict(title=dict(text="time (UTC)")),
        legend=right if legend == "right" else None,
    )


def status_volume_chart(volume: pd.DataFrame) -> go.Figure:
    """Attempts per time bucket stacked by status (STATUS_COLORS); customdata [status, start ISO, end ISO]."""
    required = ("bucket_start", "status", "attempts")
    if _is_empty(volume, required) or int(volume["attempts"].sum()) == 0:
        return empty_figure()
    volume = volume.sort_values("bucket_start", kind="stable")
    status_of = volume["status"].astype(str).to_numpy(dtype=object)
    order = [s for s in STATUS_COLORS if s in set(status_of)]
    order += sorted(set(status_of) - set(order))
    ends = volume["bucket_end"] if "bucket_end" in volume else volume["bucket_start"]
    start_iso, end_iso, labels = _bucket_texts(volume["bucket_start"], ends)
    attempts = volume["attempts"].to_numpy()
    widths = None
    if "bucket_end" in volume:
        # Bars as wide as 90 % of their bucket, in milliseconds (plotly's unit on date axes).
        widths = ((volume["bucket_end"] - volume["bucket_start"]).dt.total_seconds() * 1000 * 0.9).to_numpy()
    traces = []
    for status in order:
        pick = np.flatnonzero(status_of == status)
        width = widths[pick].tolist() if widths is not None and len(pick) else None
        name = escape_html(status)
        traces.append(
            dict(
                type="bar",
                x=volume["bucket_start"].iloc[pick],
                y=volume["attempts"].iloc[pick],
                name=name,
                marker_color=status_color(status),
                customdata=np.column_stack([status_of[pick], start_iso[pick], end_iso[pick]]),
                width=width,
                offset=0 if width else None,
                hovertext=[f"{name} · {labels[k]}<br>{attempts[k]} attempts" for k in pick],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return _figure(
        traces,
        barmode="stack",
        bargap=0.1,
        yaxis=dict(title=dict(text="attempts")),
        xaxis=dict(title=dict(text="time (UTC)")),
        legend=dict(traceorder="normal"),  # legend in STATUS_COLORS order, as on every other chart
    )


# --------------------------------------------------------------------------------------------- error groups


def error_groups_chart(groups: pd.DataFrame, top: int = 10) -> go.Figure:
    """Horizontal bars of the `top` biggest error groups, biggest on top; customdata [group key]."""
    required = ("group", "platform", "error_code", "message", "count")
    if _is_empty(groups, required):
        return empty_figure("No failures in this window")
    rows = groups.sort_values("count", ascending=False, kind="stable").head(top).reset_index(drop=True)
    labels = [
        escape_html(_cut(f"{p} · {c} · {m}", LABEL_CHARS))
        for p, c, m in zip(rows["platform"], rows["error_code"], rows["message"], strict=True)
    ]
    hover = [
        f"{escape_html(p)} · code {escape_html(c)}<br>"
        f"{escape_html(_cut(str(m), HOVER_MESSAGE_CHARS))}<br>{n} failures"
        for p, c, m, n in zip(
            rows["platform"], rows["error_code"], rows["message"], rows["count"], strict=True
        )
    ]
    positions = list(range(len(rows)))
    fig = go.Figure(
        go.Bar(
            x=rows["count"],
            y=positions,
            orientation="h",
            marker_color=STATUS_COLORS["failed"],
            customdata=np.array([[g] for g in rows["group"].astype(str)], dtype=object),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            text=rows["count"],
            textposition="auto",
        )
    )
    # Positions rather than labels on the y axis: two groups may share a label and must not merge.
    fig.update_yaxes(tickvals=positions, ticktext=labels, autorange="reversed", title=None)
    fig.update_xaxes(title="failures")
    return _layout(fig, height=max(220, min(450, 60 + 30 * len(rows))), showlegend=False)


# --------------------------------------------------------------------------------------------- post timeline


def post_timeline(attempts: pd.DataFrame) -> go.Figure:
    """One lane per platform; each attempt a marker at its time, coloured by status, shaped by action.

    customdata per marker: [log_id], so a click opens that attempt.
    """
    required = ("log_id", "created_at", "platform", "action", "status")
    if _is_empty(attempts, required):
        return empty_figure("No attempts for this post")
    rows = attempts.sort_values("created_at", kind="stable")
    lanes = [escape_html(p) for p in rows["platform"].fillna("(unknown)").astype(str)]
    lane_order = sorted(set(lanes))
    fig = go.Figure()
    # A faint line per lane so the eye reads left to right within a platform.
    for lane in lane_order:
        times = rows["created_at"][[name == lane for name in lanes]]
        fig.add_trace(
            go.Scatter(
                x=times,
                y=[lane] * len(times),
                mode="lines",
                line=dict(color="#CCCCCC", width=1),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    statuses = rows["status"].fillna("(unknown)").astype(str)
    order = [s for s in STATUS_COLORS if s in set(statuses)] + sorted(set(statuses) - set(STATUS_COLORS))
    for status in order:
        pick = (statuses == status).to_numpy()
        part = rows[pick]
        hover = []
        for row in part.itertuples(index=False):
            lines = [f"{escape_html(row.action)} · {escape_html(row.status)} · {_utc_label(row.created_at)}"]
            details = []
            if pd.notna(row.status_code):
                details.append(f"HTTP {int(row.status_code)}")
            if pd.notna(row.error_code):
                details.append(f"code {escape_html(row.error_code)}")
            if pd.notna(row.attempt_number):
                details.append(f"attempt {int(row.attempt_number)}")
            if details:
                lines.append(" · ".join(details))
            if pd.notna(row.error_message):
                lines.append(escape_html(_cut(str(row.error_message), HOVER_MESSAGE_CHARS)))
            hover.append("<br>".join(lines))
        fig.add_trace(
            go.Scatter(
                x=part["created_at"],
                y=[lane for lane, keep in zip(lanes, pick, strict=True) if keep],
                mode="markers",
                name=escape_html(status),
                marker=dict(
                    color=status_color(status),
                    size=12,
                    line=dict(width=1, color="#333333"),
                    symbol=[ACTION_SYMBOLS.get(str(a), "circle-dot") for a in part["action"].fillna("")],
                ),
                customdata=np.array([[str(i)] for i in part["log_id"]], dtype=object),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_yaxes(
        type="category", categoryorder="array", categoryarray=lane_order, autorange="reversed", title=None
    )
    fig.update_xaxes(title="time (UTC)")
    return _layout(fig, height=max(220, min(450, 110 + 45 * len(lane_order))), hovermode="closest")
