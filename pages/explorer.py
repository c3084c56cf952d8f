"""Explorer: find attempts. Filter by time, status, platform and action (sidebar) and by account, error code,
error group, post and free text (here); the whole filter lives in the URL. Select a row to open the attempt;
export every filtered row, redacted, as CSV or JSONL.
"""

from __future__ import annotations

import io

import streamlit as st

from late_logs import export
from late_logs.ui import data, filters, nav
from late_logs.ui.text import count_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

MAX_ROWS_SHOWN = 5_000
COLUMNS = [
    "created_at",
    "status",
    "platform",
    "action",
    "account_username",
    "post_id",
    "status_code",
    "error_code",
    "error_message",
    "content_preview",
    "endpoint",
    "duration_ms",
    "attempt_number",
    "log_id",
]
COLUMN_CONFIG = {
    "created_at": st.column_config.DatetimeColumn("Time (UTC)", format="YYYY-MM-DD HH:mm:ss", timezone="UTC"),
    "status": "Status",
    "platform": "Platform",
    "action": "Action",
    "account_username": "Account",
    "post_id": "Post",
    "status_code": st.column_config.NumberColumn("HTTP", format="%d"),
    "error_code": "Error code",
    "error_message": st.column_config.TextColumn("Error message", width="large"),
    "content_preview": st.column_config.TextColumn("Content preview", width="medium"),
    "endpoint": "Endpoint",
    "duration_ms": st.column_config.NumberColumn("Duration (ms)", format="%d"),
    "attempt_number": st.column_config.NumberColumn("Attempt #", format="%d"),
    "log_id": "Log id",
}

ctx = data.app_context()
ctx.require_attempts()

st.title("Explorer")
with st.container(border=True):
    filters.explorer_filters(ctx.distinct)

rows = ctx.filtered(filters.current(filters.ALL_PARAMS))
st.caption(filters.describe(filters.state(), filters.ALL_PARAMS))

if rows.empty:
    st.info("No attempts match this filter: widen the time range or clear a filter.")
    st.stop()

shown = rows.head(MAX_ROWS_SHOWN)[COLUMNS]
count_line = f"{count_text(len(rows))} attempts match, newest first."
if len(rows) > MAX_ROWS_SHOWN:
    count_line += (
        f" The table shows the first {count_text(MAX_ROWS_SHOWN)}; narrow the filter to see the "
        "others, or export them all below."
    )
st.markdown(count_line)

selection = st.dataframe(
    shown,
    key="explorer_table",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    column_config=COLUMN_CONFIG,
    placeholder="—",  # not Streamlit's grey "None": a missing value is no value
    height=560,
)
picked = selection.selection.rows if selection else []
if picked:
    nav.open_attempt(str(shown.iloc[picked[0]]["log_id"]))
st.caption("Select a row to open the attempt: its request, the platform's response and what to do about it.")


def exported(write) -> str:
    """The whole filtered set (not the table's first rows) in one format, written on the click."""
    out = io.StringIO()
    write(rows, out, COLUMNS)
    return out.getvalue()


window = filters.current(filters.ALL_PARAMS)
stamp = f"{window.start:%Y-%m-%d}_{window.end:%Y-%m-%d}" if window.start and window.end else "all"
first, second, _ = st.columns([1, 1, 2])  # wide enough for the row count in the label
with first:
    st.download_button(
        f"Export {count_text(len(rows))} rows as CSV",
        data=lambda: exported(export.frame_to_csv),
        file_name=f"late-logs_{stamp}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="explorer_export_csv",
    )
with second:
    st.download_button(
        f"Export {count_text(len(rows))} rows as JSONL",
        data=lambda: exported(export.frame_to_jsonl),
        file_name=f"late-logs_{stamp}.jsonl",
        mime="application/x-ndjson",
        on_click="ignore",
        icon=":material/download:",
        key="explorer_export_jsonl",
    )
st.caption(
    "Exports hold every filtered row (not only the table's first rows) and every column shown, with "
    "secrets redacted."
)
