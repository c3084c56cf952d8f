"""The Explorer's table as the page draws it: which columns in which order, sorted how (both in the URL as
`cols=` and `sort=`), an Open link per row, and the rows cut to what the table shows.

The default order is the one a support engineer reads a row in, and it fits 1280 px with the sidebar open:
Open, status, time, platform, account, action, error message; the long texts (caption, endpoint) and the ids
come after, behind the horizontal scroll.

URL: `cols=status,created_at,error_message` (the table's columns, in order; absent means the default) and
`sort=-duration_ms` (a column, `-` for descending; absent means newest first). A URL that names an unknown
column or sort says so on the page and shows what it could.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd
import streamlit as st

from late_logs import analysis, queries
from late_logs.records import RECORD_COLUMNS
from late_logs.ui import data, filters, nav
from late_logs.ui import verdicts as verdict_view
from late_logs.ui.text import count_text, escape_markdown

COLS_PARAM = "cols"
SORT_PARAM = "sort"
OPEN_COLUMN = "open"  # the link column: always first, not choosable
MAX_ROWS_SHOWN = 5_000

# Column key → (header, width in px). Widths are what makes the default columns fit at 1280 px.
COLUMNS: dict[str, tuple[str, int]] = {
    "status": ("Status", 72),
    "created_at": ("Time (UTC)", 146),
    "platform": ("Platform", 90),
    "account_username": ("Account", 120),
    "action": ("Action", 96),
    "error_message": ("Error message", 320),
    "who_must_act": ("Who must act", 140),  # the verdict columns: added to the shown rows by ui.verdicts
    "retry": ("Retry", 70),
    "flag": ("Flag", 160),
    "hint": ("What to do", 320),
    "content_preview": ("Caption", 260),
    "endpoint": ("Endpoint", 220),
    "error_code": ("Error code", 110),
    "status_code": ("HTTP", 60),
    "post_id": ("Post", 200),
    "duration_ms": ("Duration (ms)", 110),
    "attempt_number": ("Attempt #", 80),
    "log_id": ("Log id", 200),
}
OPEN_WIDTH = 56
DEFAULT_COLUMNS = (
    "status",
    "created_at",
    "platform",
    "account_username",
    "action",
    "error_message",
    "who_must_act",
    "retry",
    "flag",
    "hint",
    "content_preview",
    "endpoint",
    "error_code",
    "status_code",
    "post_id",
    "duration_ms",
    "attempt_number",
    "log_id",
)
DEFAULT_SORT = ("created_at", True)  # newest first, the store's own order: no sort needed

STATE_KEY = "explorer_view_state"  # the canonical choice: {"cols": (...), "sort": (column, descending)}
COLUMNS_KEY = "explorer_columns"
SORT_COLUMN_KEY = "explorer_sort_column"
SORT_ORDER_KEY = "explorer_sort_order"
ORDERS = {"desc": "Descending", "asc": "Ascending"}


@dataclass(frozen=True)
class TableChoice:
    """The columns shown (in order), the sort, and what a pasted link asked for that could not be shown."""

    columns: tuple[str, ...]
    sort_column: str
    descending: bool
    problems: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------- pure parts


def available(frame_columns: Iterable[str]) -> tuple[str, ...]:
    """The choosable columns the frame has, in catalogue order."""
    present = set(frame_columns)
    return tuple(c for c in COLUMNS if c in present)


def default_columns(frame_columns: Iterable[str]) -> tuple[str, ...]:
    present = set(frame_columns)
    return tuple(c for c in DEFAULT_COLUMNS if c in present)


def parse_columns(text: Any, frame_columns: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`cols=` text → (known columns in the given order, unknown names). Empty or all unknown → default."""
    known = available(frame_columns)
    names = filters.split_list(text)
    chosen = tuple(n for n in names if n in known)
    unknown = tuple(n for n in names if n not in known)
    return (chosen or default_columns(frame_columns)), unknown


def format_columns(columns: Iterable[str], frame_columns: Iterable[str]) -> str | None:
    """The `cols=` text of a choice; None for the default (URLs stay short)."""
    columns = tuple(columns)
    return None if columns == default_columns(frame_columns) else ",".join(columns)


def parse_sort(text: Any, frame_columns: Iterable[str]) -> tuple[str, bool, str | None]:
    """`sort=` text → (column, descending, problem or None); a bad one falls back to newest first."""
    raw = str(text or "").strip()
    if not raw:
        return (*DEFAULT_SORT, None)
    descending = raw.startswith("-")
    column = raw.lstrip("-+ ")
    if column not in available(frame_columns):
        problem = f"The link sorts by {column}, which is not a column here; newest first instead."
        return (*DEFAULT_SORT, problem)
    return column, descending, None


def format_sort(column: str, descending: bool) -> str | None:
    """The `sort=` text; None for the default."""
    if (column, descending) == DEFAULT_SORT:
        return None
    return f"-{column}" if descending else column


def sort_text(choice: TableChoice) -> str:
    """`newest first`, `by Duration (ms), highest first`: the order in words, for the count line."""
    if (choice.sort_column, choice.descending) == DEFAULT_SORT:
        return "newest first"
    if choice.sort_column == "created_at":
        return "oldest first"
    label = COLUMNS[choice.sort_column][0]
    return f"by {label}, {'highest' if choice.descending else 'lowest'} first"


def sorted_rows(rows: pd.DataFrame, column: str, descending: bool, limit: int | None = None) -> pd.DataFrame:
    """The rows in the chosen order (missing values last, ties in their newest-first order), the first
    `limit` of them. Only the sort column is sorted; the rows are taken once, already cut to `limit`."""
    if (column, descending) == DEFAULT_SORT or column not in rows.columns:
        return rows if limit is None else rows.head(limit)
    keys = rows[column].reset_index(drop=True)
    order = keys.sort_values(ascending=not descending, kind="stable", na_position="last").index
    positions = order.to_numpy() if limit is None else order.to_numpy()[:limit]
    return rows.iloc[positions]


def attempt_links(log_ids: pd.Series, filter_params: Mapping[str, str]) -> pd.Series:
    """Relative links to each attempt's page with the filter along (`nav.attempt_params` as a query string,
    built once for the thousands of rows of a table instead of one urlencode per row)."""
    tail = urlencode(dict(filter_params))
    prefix = f"{nav.URL_PATHS[nav.ATTEMPT]}?id="
    suffix = f"&{tail}" if tail else ""
    return pd.Series(
        [f"{prefix}{quote(str(i), safe='')}{suffix}" for i in log_ids], index=log_ids.index, dtype="string"
    )


def table_frame(rows: pd.DataFrame, columns: Iterable[str], links: pd.Series) -> pd.DataFrame:
    """The frame the table shows: the Open link first, then the chosen columns."""
    table = rows[[c for c in columns if c in rows.columns]].copy()
    table.insert(0, OPEN_COLUMN, links.to_numpy())
    return table


def column_config(columns: Iterable[str]) -> dict[str, Any]:
    """Headers, widths and formats of the table's columns (log text is shown as plain text by the grid)."""
    config: dict[str, Any] = {
        OPEN_COLUMN: st.column_config.LinkColumn(
            "Open", display_text="Open", width=OPEN_WIDTH, help="Open the attempt's page"
        )
    }
    for column in columns:
        label, width = COLUMNS[column]
        if column == "created_at":
            config[column] = st.column_config.DatetimeColumn(
                label, format="YYYY-MM-DD HH:mm:ss", timezone="UTC", width=width
            )
        elif column in ("status_code", "duration_ms", "attempt_number"):
            config[column] = st.column_config.NumberColumn(label, format="%d", width=width)
        else:
            config[column] = st.column_config.TextColumn(label, width=width)
    return config


def lead_width(columns: Iterable[str], through: str = "error_message") -> int:
    """The px from the table's left edge to the start of `through` (Open link and the columns before it),
    what the browser test compares with the table's width at 1280 px."""
    width = OPEN_WIDTH
    for column in columns:
        if column == through:
            break
        width += COLUMNS[column][1]
    return width


# --------------------------------------------------------------------------------------------- session + URL


def _canonical(frame_columns: Iterable[str]) -> TableChoice:
    stored = st.session_state.get(STATE_KEY)
    if stored is None:
        return TableChoice(default_columns(frame_columns), *DEFAULT_SORT)
    return stored


def _write(choice: TableChoice, frame_columns: Iterable[str]) -> None:
    st.session_state[STATE_KEY] = TableChoice(choice.columns, choice.sort_column, choice.descending)
    for param, value in (
        (COLS_PARAM, format_columns(choice.columns, frame_columns)),
        (SORT_PARAM, format_sort(choice.sort_column, choice.descending)),
    ):
        if value:
            if st.query_params.get(param) != value:
                st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]


def sync_with_url(frame_columns: Iterable[str]) -> TableChoice:
    """The table choice of this run: the URL's when it has one (a pasted link, Back), else the session's
    (the page menu), written back into the URL; the chooser's widgets are set to it."""
    frame_columns = tuple(frame_columns)
    choice = _canonical(frame_columns)
    problems: list[str] = []
    if COLS_PARAM in st.query_params:
        columns, unknown = parse_columns(st.query_params.get(COLS_PARAM), frame_columns)
        if unknown:
            problems.append(
                f"The link asks for columns this table does not have ({', '.join(unknown)}); they are left "
                "out."
            )
        choice = TableChoice(columns, choice.sort_column, choice.descending)
    if SORT_PARAM in st.query_params:
        column, descending, problem = parse_sort(st.query_params.get(SORT_PARAM), frame_columns)
        if problem:
            problems.append(problem)
        choice = TableChoice(choice.columns, column, descending)
    _write(choice, frame_columns)
    # Widgets follow the canonical choice (a Back or a pasted link changes it behind their back).
    if tuple(st.session_state.get(COLUMNS_KEY) or ()) != choice.columns:
        st.session_state[COLUMNS_KEY] = list(choice.columns)
    st.session_state[SORT_COLUMN_KEY] = choice.sort_column
    st.session_state[SORT_ORDER_KEY] = "desc" if choice.descending else "asc"
    return TableChoice(choice.columns, choice.sort_column, choice.descending, tuple(problems))


def _on_choice_change(frame_columns: tuple[str, ...]) -> None:
    columns = tuple(st.session_state.get(COLUMNS_KEY) or ()) or default_columns(frame_columns)
    column = st.session_state.get(SORT_COLUMN_KEY) or DEFAULT_SORT[0]
    descending = st.session_state.get(SORT_ORDER_KEY, "desc") != "asc"
    _write(TableChoice(columns, column, descending), frame_columns)


def column_label(column: str) -> str:
    """A column's heading, as the chooser lists it."""
    return COLUMNS[column][0]


def column_chooser(frame_columns: Iterable[str], choice: TableChoice) -> None:
    """Columns (in the order picked) and sort order, in a popover above the table; both go into the URL."""
    frame_columns = tuple(frame_columns)
    options = list(available(frame_columns))
    for problem in choice.problems:
        st.caption(f":material/link_off: {escape_markdown(problem)}")
    # Each of the three rewrites the whole choice in the URL when it changes.
    on_change = {"on_change": _on_choice_change, "args": (frame_columns,)}
    with st.popover("Columns and sort", icon=":material/view_column:"):
        st.multiselect(
            "Columns, in the order shown",
            options,
            format_func=column_label,
            key=COLUMNS_KEY,
            help="Remove a column to hide it; add it again to put it at the end. Empty means the default.",
            **on_change,
        )
        st.selectbox("Sort by", options, format_func=column_label, key=SORT_COLUMN_KEY, **on_change)
        st.radio(
            "Order",
            list(ORDERS),
            format_func=ORDERS.__getitem__,
            key=SORT_ORDER_KEY,
            horizontal=True,
            **on_change,
        )


# --------------------------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class Matching:
    """The filter's matching attempts as the table needs them: the first MAX_ROWS_SHOWN, and how many match
    when that is known without a count of its own (fewer than the table holds; else None: `match_count`)."""

    count: int | None
    shown: pd.DataFrame  # RECORD_COLUMNS, in the chosen order


def _order(column: str, descending: bool) -> tuple[str, bool]:
    """The SQL order of a choice: a column the stored rows have, else newest first (as sorted_rows does)."""
    return (column, descending) if column in RECORD_COLUMNS else DEFAULT_SORT


@st.cache_resource(max_entries=8, show_spinner=False)
def _matching_at(
    cache_dir: str,
    version: int,
    flt: analysis.Filters,
    column: str,
    descending: bool,
    _files: tuple[str, ...],
) -> Matching:
    column, descending = _order(column, descending)
    shown, count = queries.first_attempts(
        _files, flt, RECORD_COLUMNS, column, descending, MAX_ROWS_SHOWN, count=False
    )
    return Matching(count=count, shown=shown)


def matching(ctx: data.AppContext, flt: analysis.Filters, column: str, descending: bool) -> Matching:
    """The shown rows of a filter (and their count when they are all), in SQL over the window's files (never
    the whole store in pandas), cached per store version, filter and order."""
    files = tuple(ctx.files(since=flt.start, until=flt.end))
    return _matching_at(str(ctx.settings.cache_dir), ctx.version, flt, column, descending, files)


@st.cache_resource(max_entries=8, show_spinner=False)
def _count_at(cache_dir: str, version: int, flt: analysis.Filters, _files: tuple[str, ...]) -> int:
    return queries.matching_count(_files, flt)


def match_count(ctx: data.AppContext, found: Matching, flt: analysis.Filters) -> int:
    """How many attempts match: the shown rows' own count, else one count of the filter, cached per store
    version and filter. The page asks after its table is drawn: at 10M attempts a 90-day search's rows
    take ~0.5 s and its count ~3 s."""
    if found.count is not None:
        return found.count
    files = tuple(ctx.files(since=flt.start, until=flt.end))
    return _count_at(str(ctx.settings.cache_dir), ctx.version, flt, files)


def count_line(count: int | None, choice: TableChoice) -> str:
    """The line above the table: how many match and in which order, or that they are being counted."""
    if count is None:
        return (f"Counting the matching attempts… The table shows the first {count_text(MAX_ROWS_SHOWN)}, "
                f"{sort_text(choice)}.")  # fmt: skip
    line = f"{count_text(count)} attempts match, {sort_text(choice)}."
    if count > MAX_ROWS_SHOWN:
        line += (
            f" The table shows the first {count_text(MAX_ROWS_SHOWN)}; narrow the filter to see the others, "
            "or export them all below."
        )
    return line


def all_matching(ctx: data.AppContext, flt: analysis.Filters, column: str, descending: bool) -> pd.DataFrame:
    """Every matching attempt in the table's order, for an export or the evidence bundle: read on a click."""
    column, descending = _order(column, descending)
    files = ctx.files(since=flt.start, until=flt.end)
    return queries.attempts(files, flt, RECORD_COLUMNS, column, descending)


def group_caption(ctx: data.AppContext, flt: analysis.Filters, key: str) -> str | None:
    """What the Explorer says of the error group it is filtered by: from the matching failures, else from
    every stored failure of the group; None when no stored failure belongs to it."""
    groups = queries.error_groups(ctx.files(since=flt.start, until=flt.end), flt)
    mine = groups[groups["group"] == key]
    if mine.empty:
        groups = queries.error_groups(ctx.files(), analysis.Filters(error_group=key))
        mine = groups[groups["group"] == key]
    return None if mine.empty else verdict_view.summary_caption(mine.iloc[0].to_dict(), key)


# ------------------------------------------------------------------------------------- one row per post
# `view=posts` in the URL (absent: one row per attempt). The filter picks the posts; each post's state is
# read from all its stored attempts, so a filter on failures still shows that a post went out after a retry.

VIEW_PARAM = "view"
VIEWS = {"attempts": "One row per attempt", "posts": "One row per post"}
VIEW_KEY = "explorer_rows"  # the switch's widget key
VIEW_STATE_KEY = "explorer_rows_state"  # the canonical choice, kept for the session like the columns
POST_COLUMNS: dict[str, tuple[str, int]] = {
    "state": ("State", 120),
    "platforms": ("Final state per platform", 300),
    "attempts": ("Attempts", 75),
    "failures": ("Failures", 70),
    "recovered": ("Recovered after retry", 150),
    "accounts": ("Accounts", 160),
    "last_attempt": ("Last attempt (UTC)", 146),
    "caption": ("Caption", 260),
    "post_id": ("Post", 200),
}


def sync_view_with_url() -> str:
    """attempts or posts: the URL's `view=` when it has one, else the session's; written back to both."""
    wanted = st.query_params.get(VIEW_PARAM)
    view = wanted if wanted in VIEWS else st.session_state.get(VIEW_STATE_KEY, "attempts")
    _write_view(view)
    st.session_state[VIEW_KEY] = view
    return view


def _write_view(view: str) -> None:
    st.session_state[VIEW_STATE_KEY] = view
    if view == "posts":
        if st.query_params.get(VIEW_PARAM) != "posts":
            st.query_params[VIEW_PARAM] = "posts"
    elif VIEW_PARAM in st.query_params:
        del st.query_params[VIEW_PARAM]


def _on_view_change() -> None:
    _write_view(st.session_state.get(VIEW_KEY) or "attempts")


def view_switch() -> None:
    st.segmented_control(
        "Rows",
        list(VIEWS),
        format_func=lambda v: VIEWS[v],
        key=VIEW_KEY,
        on_change=_on_view_change,
        label_visibility="collapsed",
    )


MAX_POSTS_SHOWN = 2_000  # post_rows costs ~0.1 ms a post: the newest this many, not a week's 100,000


@st.cache_resource(max_entries=8, show_spinner=False)
def _posts_at(cache_dir: str, version: int, flt, minute: str, _rows: pd.DataFrame, _files: tuple[str, ...]):
    ids = _rows["post_id"].dropna().unique()  # the rows are newest first: so are the ids
    # Every stored attempt of those posts (not only the matching ones), read in SQL by post id.
    every = queries.attempts_of_posts(_files, [str(i) for i in ids[:MAX_POSTS_SHOWN]])
    return analysis.post_rows(every, pd.Timestamp(minute).to_pydatetime()), len(ids)


def post_table(ctx, flt, rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(the post table with an Open link to each post's history, how many posts the table's rows hold)."""
    now = analysis.utc_now()
    shown, total = _posts_at(str(ctx.settings.cache_dir), ctx.version, flt, now.strftime("%Y-%m-%dT%H:%M"),
                             rows, tuple(ctx.files()))  # fmt: skip
    table = shown[[c for c in POST_COLUMNS if c in shown.columns]].copy()
    prefix = f"{nav.URL_PATHS[nav.POST]}?id="
    table.insert(0, OPEN_COLUMN, [f"{prefix}{quote(str(p), safe='')}" for p in shown["post_id"]])
    table["recovered"] = np.where(shown["recovered"].to_numpy(dtype=bool), "yes", "")
    return table.reset_index(drop=True), total


def post_column_config() -> dict[str, Any]:
    config: dict[str, Any] = {
        OPEN_COLUMN: st.column_config.LinkColumn(
            "Open", display_text="Open", width=OPEN_WIDTH, help="Open the post's history"
        )
    }
    for column, (label, width) in POST_COLUMNS.items():
        if column == "last_attempt":
            config[column] = st.column_config.DatetimeColumn(
                label, format="YYYY-MM-DD HH:mm:ss", timezone="UTC", width=width
            )
        elif column in ("attempts", "failures"):
            config[column] = st.column_config.NumberColumn(label, format="%d", width=width)
        else:
            config[column] = st.column_config.TextColumn(label, width=width)
    return config
