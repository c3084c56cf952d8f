"""Accounts (`/accounts`, `/accounts?id=<accountId>`): which customers' accounts are hurt, and why.

One row per account: platform, handle, failures and posts hurt in the window, last success, and a state
(needs reconnect, account problem, failing, healthy) with its connection events joined; a reconnect worklist
to export. With `?id=`, one account: its state, connection events and attempts.
"""

from __future__ import annotations

import io

import streamlit as st

from late_logs import analysis, export
from late_logs.ui import accounts, data, filters, nav
from late_logs.ui.text import count_text

nav.require_router()  # a deep link on a fresh server ran this file alone; go through the router

TABLE_CONFIG = {
    "state": st.column_config.TextColumn("State", width=130),
    "platform": st.column_config.TextColumn("Platform", width=100),
    "handle": st.column_config.TextColumn("Account", width=150),
    "failures": st.column_config.NumberColumn("Failures", width=75),
    "posts_hurt": st.column_config.NumberColumn("Posts hurt", width=80),
    "attempts": st.column_config.NumberColumn("Attempts", width=75),
    "last_success": st.column_config.DatetimeColumn(
        "Last success (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC", width=140
    ),
    "state_text": st.column_config.TextColumn("Why", width=330),
    "connection": st.column_config.TextColumn("Connection events", width=300),
    "account_id": st.column_config.TextColumn("Account id", width=200),
    "link": st.column_config.LinkColumn("Open", display_text="account", width=75),
}
ATTEMPT_COLUMNS = [
    "created_at",
    "status",
    "flag",
    "who_must_act",
    "retry",
    "hint",
    "action",
    "post_id",
    "error_code",
    "error_message",
    "log_id",
]

ctx = data.app_context()
ctx.require_attempts()
flt = filters.current(filters.SIDEBAR_PARAMS)
now = analysis.utc_now()
health = accounts.store_health(ctx, flt.start, flt.end, now)
chosen = str(st.query_params.get("id") or "").strip()

st.title("Accounts")
st.caption(filters.describe(filters.state(), filters.SIDEBAR_PARAMS))

if chosen:
    row = accounts.account_row(health, chosen)
    st.page_link(nav.ACCOUNTS, label="All accounts", icon=":material/arrow_back:")
    if row is None:
        st.info("No stored attempt belongs to this account id: check the link, or pick one from the list.")
        st.stop()
    account_id = str(row["account_id"])
    with st.container(border=True):
        st.subheader(f"{row['platform']} · {row['handle']}", anchor=False)
        st.text(f"{row['state']}: {row['state_text']}")
        first, second, third = st.columns(3)
        first.metric("Failures in the window", count_text(int(row["failures"])))
        second.metric("Posts hurt", count_text(int(row["posts_hurt"])))
        third.metric("Attempts", count_text(int(row["attempts"])))
        st.page_link(
            nav.EXPLORER,
            label="Open its attempts in the Explorer",
            query_params=nav.drill_params({"account": account_id}),
            icon=":material/table_rows:",
        )
    events = accounts.account_events(ctx.store.connection_logs(), account_id)
    with st.container(border=True):
        st.subheader("Connection events", anchor=False)
        if events.empty:
            st.caption("Late logged no connection event for this account.")
        else:
            st.dataframe(
                events[["created_at", "event", "error"]],
                hide_index=True,
                placeholder="—",
                column_config={
                    "created_at": st.column_config.DatetimeColumn(
                        "Time (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"
                    ),
                    "event": "Event",
                    "error": st.column_config.TextColumn("Error", width="large"),
                },
            )
    attempts = accounts.store_account_attempts(ctx, account_id, flt.start, flt.end, now)
    with st.container(border=True):
        st.subheader("Attempts in the window", anchor=False)
        if attempts.empty:
            st.caption("No attempts of this account in this window: widen the time range.")
        else:
            picked = st.dataframe(
                attempts[ATTEMPT_COLUMNS].head(2_000),
                key="accounts_attempts",
                on_select="rerun",
                selection_mode="single-row",
                hide_index=True,
                placeholder="—",
                column_config={
                    "created_at": st.column_config.DatetimeColumn(
                        "Time (UTC)", format="YYYY-MM-DD HH:mm:ss", timezone="UTC"
                    ),
                    "hint": st.column_config.TextColumn("What to do", width="large"),
                    "error_message": st.column_config.TextColumn("Error message", width="large"),
                },
            )
            rows = picked.selection.rows if picked else []
            if rows:
                nav.open_attempt(str(attempts.iloc[rows[0]]["log_id"]))
            st.caption("Select a row to open the attempt.")
    st.stop()

counts = accounts.states_count(health)
st.markdown(
    " · ".join(f"**{count_text(counts[state])}** {state}" for state in accounts.STATES)
    + f" · of {count_text(len(health))} accounts"
)
selection = st.dataframe(
    health[accounts.ACCOUNT_COLUMNS],
    key="accounts_table",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    placeholder="—",
    column_config=TABLE_CONFIG,
)
picked_rows = selection.selection.rows if selection else []
if picked_rows:
    st.query_params["id"] = str(health.iloc[picked_rows[0]]["account_id"])
    st.rerun()
st.caption("Select a row, or follow its link, to open the account: its connection events and attempts.")

worklist = accounts.reconnect_worklist(health)
with st.container(border=True):
    st.subheader("Reconnect worklist", anchor=False)
    if worklist.empty:
        st.success("No account needs reconnecting in this window.")
    else:
        st.dataframe(
            worklist,
            hide_index=True,
            placeholder="—",
            column_config={
                "dead_since": st.column_config.DatetimeColumn(
                    "Token dead since (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"
                ),
                "hint": st.column_config.TextColumn("Send the customer", width="large"),
            },
        )
        out = io.StringIO()
        export.frame_to_csv(worklist, out)
        st.download_button(
            f"Export the {count_text(len(worklist))} accounts to reconnect as CSV",
            data=out.getvalue(),
            file_name="late-logs_reconnect-worklist.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="accounts_export_worklist",
        )
