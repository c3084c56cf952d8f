"""Explorer: find attempts. Filter by time, status, platform and action (sidebar) and by account, error code,
error group, post and a search (here, `late_logs.search`); the whole filter, the columns and the sort live in
the URL. Open a row (its link or a click) to see the attempt; export every filtered row, redacted, as CSV or
JSONL. One row per post instead (`view=posts`), and what sets the failures apart from the successes.
"""

from __future__ import annotations

import io

import streamlit as st

from late_logs import analysis, evidence, export
from late_logs.ui import contrast_view, data, explorer_view, facets, filters, nav
from late_logs.ui import verdicts as verdict_view
from late_logs.ui.text import count_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

# The columns an export holds: every column the table can show, whatever the chooser hides.
EXPORT_COLUMNS = [
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

ctx = data.app_context()
ctx.require_attempts()

st.title("Explorer")
flt = filters.current(filters.ALL_PARAMS)
with st.container(border=True):
    filters.explorer_filters(ctx.distinct, facets.counter(ctx, flt), ctx.columns)

st.caption(filters.describe(filters.state(), filters.ALL_PARAMS))
# The verdict columns are shown from the rows: with_verdicts adds them to the shown rows below.
table_columns = [*ctx.columns, *verdict_view.VERDICT_COLUMNS]
choice = explorer_view.sync_with_url(table_columns)
rows_view = explorer_view.sync_view_with_url()  # one row per attempt, or per post (`view=posts`)
# Counted and cut to the table's rows inside the scan; every row is read only for an export.
found = explorer_view.matching(ctx, flt, choice.sort_column, choice.descending)
group_key = filters.state().get("error_group")
if group_key:
    # A group id alone means nothing: say which error it is and what to do about it.
    caption = explorer_view.group_caption(ctx, flt, group_key)
    st.text(caption or f"Error group {group_key}: no stored failure belongs to it.")

if found.count == 0:
    st.info("No attempts match this filter: widen the time range or clear a filter.")
    st.stop()

switch_column, counts_column, chooser_column = st.columns([2, 5, 1], vertical_alignment="bottom")
with switch_column:
    explorer_view.view_switch()

# What sets the failures apart, at a glance above the table (its attribute table comes after it): its
# place now, its sentence once the table is drawn. It and the count are scans of the whole filter (a 90-day
# search at 10M attempts: ~4 s and ~3 s) where the table's rows took ~0.5 s.
apart_slot = st.empty()

if rows_view == "posts":
    post_table, post_count = explorer_view.post_table(ctx, flt, found.shown)
    with counts_column:
        line = f"{count_text(post_count)} posts have attempts that match, most recent first."
        if post_count > len(post_table):
            line += f" The table shows the first {count_text(len(post_table))}."
        st.markdown(line)
    selection = st.dataframe(
        post_table,
        key="explorer_posts",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config=explorer_view.post_column_config(),
        placeholder="—",
        height=560,
    )
    picked = selection.selection.rows if selection else []
    if picked:
        st.switch_page(nav.POST, query_params={"id": str(post_table.iloc[picked[0]]["post_id"])})
    st.caption(
        "Each post's state per platform is read from all its stored attempts, not only those the filter "
        "matches: a post whose failure the filter shows may have gone out after a retry. Open a row to see "
        "its history."
    )
else:
    page_rows = verdict_view.with_verdicts(found.shown, analysis.utc_now())
    with counts_column:
        count_slot = st.empty()
    count_slot.markdown(explorer_view.count_line(found.count, choice))
    with chooser_column:
        explorer_view.column_chooser(table_columns, choice)
    links = explorer_view.attempt_links(page_rows["log_id"], filters.url_params(filters.ALL_PARAMS))
    selection = st.dataframe(
        explorer_view.table_frame(page_rows, choice.columns, links),
        key="explorer_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config=explorer_view.column_config(choice.columns),
        placeholder="—",  # not Streamlit's grey "None": a missing value is no value
        height=560,
    )
    picked = selection.selection.rows if selection else []
    if picked:
        nav.open_attempt(str(page_rows.iloc[picked[0]]["log_id"]))
    st.caption(
        "Open a row (its link or its checkbox) to see the attempt: its request, the platform's response and "
        "what to do about it."
    )

# After the table: the count (when the rows fill the table) and the panel's sentence, into their places.
count = explorer_view.match_count(ctx, found, flt)
if rows_view != "posts" and found.count is None:
    count_slot.markdown(explorer_view.count_line(count, choice))
apart = contrast_view.panel(ctx, flt) if (found.shown["status"] == "failed").any() else None
if apart is not None:
    apart_slot.markdown(f"**What sets the failures apart:** {apart.sentence}")

if apart is not None and len(apart.table):
    with st.expander(
        f"What sets the failures apart, attribute by attribute ({count_text(apart.failures)} failures "
        f"against {count_text(apart.successes)} successes of the same filter)",
        icon=":material/compare_arrows:",
    ):
        st.dataframe(
            apart.table,
            key="explorer_contrast",
            hide_index=True,
            column_config=contrast_view.column_config(),
            placeholder="—",
        )
        st.caption(contrast_view.CAPTION)


def exported(write) -> str:
    """The whole filtered set (not the table's first rows) in one format, written on the click."""
    out = io.StringIO()
    write(explorer_view.all_matching(ctx, flt, choice.sort_column, choice.descending), out, EXPORT_COLUMNS)
    return out.getvalue()


window = filters.current(filters.ALL_PARAMS)
stamp = f"{window.start:%Y-%m-%d}_{window.end:%Y-%m-%d}" if window.start and window.end else "all"
first, second, _ = st.columns([1, 1, 2])  # wide enough for the row count in the label
with first:
    st.download_button(
        f"Export {count_text(count)} rows as CSV",
        data=lambda: exported(export.frame_to_csv),
        file_name=f"late-logs_{stamp}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="explorer_export_csv",
    )
with second:
    st.download_button(
        f"Export {count_text(count)} rows as JSONL",
        data=lambda: exported(export.frame_to_jsonl),
        file_name=f"late-logs_{stamp}.jsonl",
        mime="application/x-ndjson",
        on_click="ignore",
        icon=":material/download:",
        key="explorer_export_jsonl",
    )
st.caption(
    "Exports hold every filtered row (not only the table's first rows), in the table's order, with every "
    "column the table can show, secrets redacted."
)

incident_link = nav.frozen_explorer_url(ctx.settings.public_url)
with st.expander("Incident link and evidence bundle", icon=":material/inventory_2:"):
    st.code(incident_link, language=None, wrap_lines=True)  # absolute window: the same rows next week
    st.download_button(
        f"Download the evidence bundle of {count_text(min(count, evidence.MAX_ATTEMPTS))} attempts "
        "(zip)",
        data=lambda: evidence.build_bundle(
            ctx.store, explorer_view.all_matching(ctx, flt, *explorer_view.DEFAULT_SORT), incident_link,
            analysis.utc_now(),
        ),  # fmt: skip
        file_name=f"late-logs_evidence_{stamp}.zip",
        mime="application/zip",
        on_click="ignore",
        icon=":material/folder_zip:",
        key="explorer_evidence",
    )
    st.caption(
        "attempts.jsonl, their bodies, and summary.md with counts, verdicts, the time line and the trace ids "
        "(fbtrace_id, x-request-id, Late's request id) support desks ask for; redacted."
    )
