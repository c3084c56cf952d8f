"""The filter widgets: the sidebar's time range, platform, action, status and source, and the Explorer's
own (account, error code, verdict, group, post, search), each bound to the page's filter
(`late_logs.ui.filter_state`), which its callback changes before the script reads it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

import streamlit as st

from late_logs import analysis, verdicts
from late_logs.records import ACTIONS, PLATFORMS, STATUSES
from late_logs.ui import facets, search_box
from late_logs.ui.filter_state import (
    END_KEY,
    PRESET_KEY,
    PRESETS,
    START_KEY,
    TEXT_PARAMS,
    WIDGET_KEYS,
    commit_change,
    format_instant,
    join_list,
    matching_preset,
    preset_window,
    set_param,
    split_list,
    state,
    window_of,
)


# The From / To inputs hold naive datetimes, read as UTC (the whole product speaks UTC).
def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _on_list_change(param: str) -> None:
    values = facets.without_counts(st.session_state.get(WIDGET_KEYS[param]) or [])
    st.session_state[WIDGET_KEYS[param]] = values
    set_param(param, join_list(values))


def _on_text_change(param: str) -> None:
    value = st.session_state.get(WIDGET_KEYS[param])
    set_param(param, str(value).strip() if value else None)


def _on_preset_change() -> None:
    preset = st.session_state.get(PRESET_KEY)
    if not preset:
        return  # un-selecting a preset keeps the window it shows
    new = {k: v for k, v in state().items() if k not in ("start", "end")}
    new["window"] = preset
    commit_change(new, sidebar={"window": preset, "start": None, "end": None})
    start, end = preset_window(preset, analysis.utc_now())
    st.session_state[START_KEY] = start.replace(tzinfo=None)
    st.session_state[END_KEY] = end.replace(tzinfo=None)


def _on_window_change() -> None:
    start = _aware(st.session_state.get(START_KEY))
    end = _aware(st.session_state.get(END_KEY))
    if start is None or end is None:
        return
    if start > end:
        start, end = end, start
    if start == end:
        end = start + timedelta(minutes=1)
    new = {k: v for k, v in state().items() if k != "window"}
    new["start"], new["end"] = format_instant(start), format_instant(end)
    commit_change(new, sidebar={"window": None, "start": new["start"], "end": new["end"]})
    st.session_state[PRESET_KEY] = None


def _seed(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _options(known: tuple[str, ...], seen: Sequence[str], selected: tuple[str, ...]) -> list[str]:
    extra = sorted(set(seen) - set(known))
    return list(dict.fromkeys([*known, *extra, *selected]))


def _list_widget(
    label: str,
    param: str,
    options: list[str],
    placeholder: str,
    counts: facets.Counts | None = None,
    *,
    help: str | None = None,
    accept_new_options: bool = False,
) -> None:
    """A multiselect bound to a list parameter of the filter, its options with their counts when given."""
    st.multiselect(
        label,
        options,
        key=WIDGET_KEYS[param],
        on_change=_on_list_change,
        args=(param,),
        placeholder=placeholder,
        format_func=facets.labeller(param, counts),
        help=help,
        accept_new_options=accept_new_options,
    )


def _text_widget(label: str, param: str, *, placeholder: str | None = None, help: str | None = None) -> None:
    """A text input bound to a text parameter of the filter."""
    st.text_input(
        label,
        key=WIDGET_KEYS[param],
        on_change=_on_text_change,
        args=(param,),
        placeholder=placeholder,
        help=help,
    )


def sidebar_filters(
    distinct: Callable[[str], Sequence[str]],
    counts: facets.Counts | None = None,
    sources: Sequence[str] = (),
) -> None:
    """Time range (presets and absolute) and platform / action / status, bound to the URL; and the source,
    when `sources` (the configured labels) are more than one.

    `distinct(column)` gives the values stored in a column (cached by the caller: a million rows take a
    while to scan), offered besides the known ones. `counts(param)`, when given, the window's attempts per
    option, shown beside each (`late_logs.ui.facets`).
    """
    now = analysis.utc_now()
    current_state = state()
    start, end = window_of(current_state, now)
    _seed(PRESET_KEY, matching_preset(current_state, now))
    if "window" in current_state:  # a relative window moves on with the clock: show where it is now
        st.session_state[START_KEY] = _naive(start)
        st.session_state[END_KEY] = _naive(end)
    _seed(START_KEY, _naive(start))
    _seed(END_KEY, _naive(end))
    for param in ("platform", "action", "status", "source"):
        _seed(WIDGET_KEYS[param], list(split_list(current_state.get(param))))

    st.segmented_control(
        "Time range",
        list(PRESETS),
        format_func=lambda k: PRESETS[k][0],
        key=PRESET_KEY,
        on_change=_on_preset_change,
    )
    st.datetime_input("From (UTC)", key=START_KEY, on_change=_on_window_change, step=timedelta(minutes=1))
    st.datetime_input("To (UTC)", key=END_KEY, on_change=_on_window_change, step=timedelta(minutes=1))
    _list_widget(
        "Platform",
        "platform",
        _options(PLATFORMS, distinct("platform"), split_list(current_state.get("platform"))),
        "All platforms",
        counts,
    )
    _list_widget(
        "Action",
        "action",
        _options(ACTIONS, distinct("action"), split_list(current_state.get("action"))),
        "All actions",
        counts,
    )
    _list_widget(
        "Status",
        "status",
        _options(STATUSES, distinct("status"), split_list(current_state.get("status"))),
        "All statuses",
        counts,
    )
    if len(sources) > 1:
        _list_widget(
            "Source",
            "source",
            _options(tuple(sources), distinct("source"), split_list(current_state.get("source"))),
            "All sources",
            counts,
        )


def explorer_filters(
    distinct: Callable[[str], Sequence[str]],
    counts: facets.Counts | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Account, error code, error group, post and search: the Explorer's own filters, bound to the URL.

    `distinct(column)` and `counts(param)` as for `sidebar_filters`; `columns`, the frame's, lets the search
    say which of its fields this store cannot answer.
    """
    current_state = state()
    for param in ("account", "error_code", "who", "retry"):
        _seed(WIDGET_KEYS[param], list(split_list(current_state.get(param))))
    for param in TEXT_PARAMS:
        _seed(WIDGET_KEYS[param], current_state.get(param, ""))
    usernames = tuple(distinct("account_username"))
    codes = (analysis.NO_CODE, *distinct("error_code"))
    first, second, third = st.columns([2, 2, 3])
    with first:
        _list_widget(
            "Account",
            "account",
            list(dict.fromkeys([*usernames, *split_list(current_state.get("account"))])),
            "All accounts",
            counts,
            accept_new_options=True,
            help="Username or account id; type one that is not listed and press Enter.",
        )
        _text_widget("Post id", "post_id")
    with second:
        _list_widget(
            "Error code",
            "error_code",
            list(dict.fromkeys([*codes, *split_list(current_state.get("error_code"))])),
            "All codes",
            counts,
            help=f"{analysis.NO_CODE} matches failures without a code.",
        )
        who_column, retry_column = st.columns(2)
        with who_column:
            _list_widget(
                "Who must act",
                "who",
                list(verdicts.WHO_MUST_ACT),
                "Anyone",
                help="The verdict on failed attempts: who must act before it can go out.",
            )
        with retry_column:
            _list_widget(
                "Retry",
                "retry",
                list(verdicts.RETRY),
                "Any",
                help="yes: safe now · later: after the reset · no: fails again · verify: may have gone live.",
            )
        _text_widget("Error group", "error_group", help="A group key from the Overview's top error groups.")
    with third:
        _text_widget("Search", "q", placeholder=search_box.PLACEHOLDER, help=search_box.HELP)
        search_box.feedback(current_state.get("q"), columns)
