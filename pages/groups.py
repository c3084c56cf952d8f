"""Error groups (`/groups`): the triage ledger. Every known error group with its state (new, regressed,
ongoing, resolved), failures in the window against its usual (the same hours of the 7 days before) and in
the store, a 7-day trend, first/last seen, verdict and what
a person decided (acknowledged with a note, muted until a time); new and regressed first, muted last.
"""

from __future__ import annotations

import streamlit as st

from late_logs import analysis, ledger
from late_logs.ui import data, filters, nav
from late_logs.ui import groups as groups_view

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

TABLE_CONFIG = {
    "state_label": st.column_config.TextColumn("State", width=100),
    "human": st.column_config.TextColumn("Triage", width=220),
    "platform": st.column_config.TextColumn("Platform", width=90),
    "error_code": st.column_config.TextColumn("Code", width=120),
    "message": st.column_config.TextColumn("Message (normalised)", width=280),
    "count": st.column_config.NumberColumn("In window", width=75),
    "usual": st.column_config.TextColumn(
        "Against usual", width=180, help="its failures in the same hours of the 7 days before this window"
    ),
    "total": st.column_config.NumberColumn("Stored", width=65),
    "trend": st.column_config.BarChartColumn("Last 7 days", width=100, y_min=0),
    "link": st.column_config.LinkColumn("Open", display_text="attempts", width=75),
    "last_seen": st.column_config.DatetimeColumn(
        "Last seen (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC", width=130
    ),
    "first_seen": st.column_config.DatetimeColumn(
        "First seen (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC", width=130
    ),
    "kind": st.column_config.TextColumn("Who must act", width=170),
    "hint": st.column_config.TextColumn("What to do", width=260),
}
SHOWN = list(TABLE_CONFIG)

ctx = data.app_context()
ctx.require_attempts()
flt = filters.current(filters.SIDEBAR_PARAMS)
now = analysis.utc_now()
groups_view.remember(ctx, now)
rows = groups_view.table(ctx, flt, now)

st.title("Error groups")
st.caption(
    filters.describe(filters.state(), filters.SIDEBAR_PARAMS)
    + f" · new: first seen in this window · resolved: no failure for {ctx.settings.resolve_hours} h"
)

if rows.empty:
    st.success("No error group in the store: nothing has failed yet.")
    st.stop()

st.markdown(groups_view.counts_line(rows))
st.dataframe(rows[SHOWN], key="groups_table", hide_index=True, placeholder="—", column_config=TABLE_CONFIG)

with st.container(border=True):
    st.subheader("Triage a group", anchor=False)
    name = st.text_input(
        "Your name", value=groups_view.reviewer(), key="groups_name", placeholder="kept for this session"
    )
    if name.strip():
        st.session_state[groups_view.REVIEWER_KEY] = name.strip()
    options = list(rows["group"])
    labels = {str(r["group"]): groups_view.option_label(r) for r in rows.to_dict("records")}
    chosen = st.selectbox("Group", options, format_func=lambda g: labels.get(g, g), key="groups_chosen")
    picked = rows[rows["group"] == chosen].iloc[0]
    st.text(f"{picked['state']} · triage: {picked['human'] or 'nobody has acknowledged or muted it yet'}")
    note = st.text_input("Note", key="groups_note", placeholder="what you did, whom you asked")
    ack_column, mute_column, span_column, undo_column = st.columns([1, 1, 1, 2])
    span = span_column.selectbox(
        "Mute for", list(groups_view.MUTE_CHOICES), key="groups_mute_span", label_visibility="collapsed"
    )
    try:
        if ack_column.button("Acknowledge", key="groups_ack", icon=":material/check:"):
            ledger.acknowledge(ctx.store, chosen, groups_view.reviewer(), note, analysis.utc_now())
            st.rerun()
        if mute_column.button("Mute", key="groups_mute", icon=":material/notifications_off:"):
            moment = analysis.utc_now()
            ledger.mute(
                ctx.store, chosen, groups_view.reviewer(), moment + groups_view.MUTE_CHOICES[span], moment
            )
            st.rerun()
        if undo_column.button("Unmute and remove the acknowledgement", key="groups_clear"):
            moment = analysis.utc_now()
            ledger.unmute(ctx.store, chosen, groups_view.reviewer(), moment)
            ledger.unacknowledge(ctx.store, chosen, groups_view.reviewer(), moment)
            st.rerun()
    except ValueError as exc:
        st.warning(str(exc))
    trail = ledger.audit_trail(ctx.store.ledger(), chosen)
    if trail.empty:
        st.caption("No state change recorded for this group yet.")
    else:
        st.dataframe(
            trail[["at", "by", "change", "before", "note", "until"]].head(200),
            key="groups_trail",
            hide_index=True,
            placeholder="—",
            column_config={
                "at": st.column_config.DatetimeColumn(
                    "When (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"
                ),
                "note": st.column_config.TextColumn("Note", width="large"),
            },
        )
