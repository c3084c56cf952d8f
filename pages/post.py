"""Post history (`/post?id=<postId>`): every attempt of one post, one lane per platform, and where each
platform ended up (published, failed, still pending, stuck), so nobody retries a post that already went live.
Click a marker or select a row to open that attempt.
"""

from __future__ import annotations

import streamlit as st

from late_logs.ui import attempt_view, data, nav, post_view
from late_logs.ui.text import age_text, escape_markdown, plain, utc_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

OVERALL_TEXT = {
    "published": ("Published on every platform.", st.success),
    "partial": ("Partly published: some platforms went live, others did not.", st.warning),
    "failed": ("Failed: the post went live on no platform.", st.error),
    "pending": ("Still in progress on at least one platform.", st.info),
}
STATE_LABELS = {
    "published": "Published",
    "failed": "Failed",
    "pending": "Pending",
    "stuck": "Stuck",
    "skipped": "Skipped",
    "cancelled": "Cancelled",
}

ctx = data.app_context()
post_id = str(st.query_params.get("id") or "").strip()
st.title("Post history")
if not post_id:
    st.info("No post chosen: open one from an attempt, or add `?id=<postId>` to this page's address.")
    st.stop()
st.code(post_id, language=None)

view = post_view.post_view(ctx, post_id)
if not view.found:
    st.error(
        "Post not found: no attempt of a post with this id is stored. Check the link, or sync again if "
        "the post is new."
    )
    st.stop()

sentence, show = OVERALL_TEXT.get(view.overall, (f"Overall: {view.overall}", st.info))
show(escape_markdown(sentence))
if view.content is not None:
    with st.expander("Post content"):
        st.text(plain(view.content))

columns = st.columns(min(4, max(1, len(view.lanes))))
for index, lane in enumerate(view.lanes):
    platform = lane.platform
    with columns[index % len(columns)], st.container(border=True):
        st.subheader(escape_markdown(platform.platform), anchor=False)  # no anchor link made of log text
        st.markdown(
            f"**{STATE_LABELS.get(platform.state, escape_markdown(platform.state))}** · "
            f"{platform.attempts} attempt{'s' if platform.attempts != 1 else ''}"
        )
        st.caption(f"Last attempt {utc_text(platform.last_attempt_at)}")
        if platform.state == "stuck":
            st.warning(
                f"Stuck: pending for {age_text(platform.last_attempt_at, view.now)}, longer than "
                f"{post_view.STUCK_MINUTES} min. Check on the platform before "
                "retrying.",
                icon=":material/hourglass_disabled:",
            )
        if platform.went_live and platform.state != "published":
            st.caption("It went live in an earlier attempt: a retry could post it twice.")
        if lane.verdict:
            st.markdown(f"**{lane.verdict[0]}**")  # our own words only
            st.text(lane.verdict[1])
        if platform.error_message:
            st.text(plain(platform.error_message))
        if platform.platform_post_url:
            attempt_view.post_url_field(platform.platform_post_url, platform.platform)
        if platform.last_log_id:
            st.page_link(
                nav.ATTEMPT,
                label="Latest attempt",
                icon=":material/receipt_long:",
                query_params=nav.attempt_params(platform.last_log_id),
            )

with st.container(border=True):
    st.subheader("Timeline")
    event = st.plotly_chart(
        view.timeline, key="post_timeline", on_select="rerun", selection_mode="points"
    )
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    clicked = [p.get("customdata") for p in points if p.get("customdata")]
    if clicked:
        nav.open_attempt(str(clicked[0][0]))
    st.caption("One lane per platform; colour is the status, shape the action. Click a marker to open it.")

st.subheader("Attempts")
table = view.table
selection = st.dataframe(
    table,
    key="post_table",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    placeholder="—",  # not Streamlit's grey "None": a missing value is no value
    column_config={
        "created_at": st.column_config.DatetimeColumn(
            "Time (UTC)", format="YYYY-MM-DD HH:mm:ss", timezone="UTC"
        ),
        "platform": "Platform",
        "action": "Action",
        "status": "Status",
        "status_code": st.column_config.NumberColumn("HTTP", format="%d"),
        "error_code": "Error code",
        "error_message": st.column_config.TextColumn("Error message", width="large"),
        "attempt_number": st.column_config.NumberColumn("Attempt #", format="%d"),
        "duration_ms": st.column_config.NumberColumn("Duration (ms)", format="%d"),
        "log_id": "Log id",
    },
)
picked = selection.selection.rows if selection else []
if picked:
    nav.open_attempt(str(table.iloc[picked[0]]["log_id"]))
