"""The dashboard's filter: one copy in the session, mirrored in the URL and in the filter widgets.

URL parameters (the only place they are spelled): `start`, `end` (ISO-8601 UTC, e.g. `2025-11-29T13:00:00Z`),
`platform`, `action`, `status`, `account`, `error_code`, `who` (who must act), `retry` (comma-separated
lists), `error_group` (a group key),
`post_id` and `q` (free text). The URL always holds an absolute window, so a pasted link shows the same rows
tomorrow; a preset ("last 24 h") only decides which absolute window is written.

Who wins: a URL that differs from the session's filter (a pasted link, a drill-through, the browser's back
button) replaces it; a URL without filter parameters (a click in the page menu) gets the session's filter
written into it; a widget change updates both in its callback, before the script reads either.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from late_logs import analysis, verdicts
from late_logs.records import ACTIONS, PLATFORMS, STATUSES, parse_time
from late_logs.ui import facets, search_box
from late_logs.ui.text import escape_markdown

SIDEBAR_PARAMS = ("start", "end", "platform", "action", "status")
EXPLORER_PARAMS = ("account", "error_code", "who", "retry", "error_group", "post_id", "q")
ALL_PARAMS = SIDEBAR_PARAMS + EXPLORER_PARAMS
LIST_PARAMS = {
    "platform": "platforms",
    "action": "actions",
    "status": "statuses",
    "account": "accounts",
    "error_code": "error_codes",
    "who": "who_must_act",
    "retry": "retry",
}
TEXT_PARAMS = {"error_group": "error_group", "post_id": "post_id", "q": "text"}

PRESETS: dict[str, tuple[str, timedelta]] = {
    "24h": ("Last 24 h", timedelta(hours=24)),
    "7d": ("7 days", timedelta(days=7)),
    "30d": ("30 days", timedelta(days=30)),
}
DEFAULT_PRESET = "24h"
# A preset still counts as "selected" while the window ends this close to now.
PRESET_SLACK = timedelta(minutes=5)

STATE_KEY = "filters_state"  # the canonical filter: {param: url text}
PRESET_KEY = "filters_preset"
START_KEY = "filters_start"
END_KEY = "filters_end"
WIDGET_KEYS = {
    "platform": "filters_platforms",
    "action": "filters_actions",
    "status": "filters_statuses",
    "account": "explorer_accounts",
    "error_code": "explorer_error_codes",
    "who": "explorer_who",
    "retry": "explorer_retry",
    "error_group": "explorer_error_group",
    "post_id": "explorer_post_id",
    "q": "explorer_text",
}
ALL_WIDGET_KEYS = (PRESET_KEY, START_KEY, END_KEY, *WIDGET_KEYS.values())


# --------------------------------------------------------------------------------------------- pure parts


def format_instant(moment: datetime) -> str:
    """`2025-11-29T13:00:00Z`: the URL form of an instant (naive input is taken to be UTC)."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def split_list(text: Any) -> tuple[str, ...]:
    """`"a, b,,a"` → ("a", "b"): comma-separated URL text as distinct values in order."""
    if text is None:
        return ()
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    values = [part.strip() for part in str(text).split(",")]
    return tuple(dict.fromkeys(v for v in values if v))


def join_list(values: Any) -> str | None:
    values = split_list(values)
    return ",".join(values) if values else None


def preset_window(preset: str, now: datetime) -> tuple[datetime, datetime]:
    """The absolute window of a preset: it ends at the next whole minute, so the newest attempt is inside."""
    end = pd.Timestamp(now).tz_convert("UTC").ceil("min").to_pydatetime()
    return end - PRESETS[preset][1], end


def normalise_params(params: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """Known filter parameters cleaned up, with a valid absolute window always present."""
    result: dict[str, str] = {}
    start = parse_time(params.get("start")) if params.get("start") else None
    end = parse_time(params.get("end")) if params.get("end") else None
    if start is not None and end is None:
        end = preset_window(DEFAULT_PRESET, now)[1]
    if end is not None and start is None:
        start = end - PRESETS[DEFAULT_PRESET][1]
    if start is None or end is None or start >= end:
        start, end = preset_window(DEFAULT_PRESET, now)
    result["start"], result["end"] = format_instant(start), format_instant(end)
    for param in LIST_PARAMS:
        joined = join_list(params.get(param))
        if joined:
            result[param] = joined
    for param in TEXT_PARAMS:
        value = params.get(param)
        value = str(value).strip() if value is not None else ""
        if value:
            result[param] = value
    return result


def scoped(state: Mapping[str, str], scope: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k in scope}


def filters_from_params(state: Mapping[str, str], scope: tuple[str, ...] = ALL_PARAMS) -> analysis.Filters:
    """The analysis.Filters for the parameters of a scope (the Overview ignores the Explorer-only ones)."""
    state = scoped(state, scope)
    values: dict[str, Any] = {
        "start": parse_time(state.get("start")),
        "end": parse_time(state.get("end")),
    }
    for param, name in LIST_PARAMS.items():
        values[name] = split_list(state.get(param))
    values["error_group"] = state.get("error_group") or None
    values["post_id"] = state.get("post_id") or None
    values["text"] = state.get("q") or ""
    return analysis.Filters(**values)


def matching_preset(state: Mapping[str, str], now: datetime) -> str | None:
    """The preset a window still is (its length, ending about now), else None (a custom window)."""
    start, end = parse_time(state.get("start")), parse_time(state.get("end"))
    if start is None or end is None or abs(pd.Timestamp(now) - pd.Timestamp(end)) > PRESET_SLACK:
        return None
    for key, (_, length) in PRESETS.items():
        if end - start == length:
            return key
    return None


def describe(state: Mapping[str, str], scope: tuple[str, ...] = ALL_PARAMS) -> str:
    """The filter in words, markdown-escaped (values come from the URL and the logs)."""
    state = scoped(state, scope)
    start, end = parse_time(state.get("start")), parse_time(state.get("end"))
    parts = []
    if start and end:
        parts.append(f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
    labels = {
        "platform": "platform",
        "action": "action",
        "status": "status",
        "account": "account",
        "error_code": "error code",
        "who": "who must act",
        "retry": "retry",
        "error_group": "error group",
        "post_id": "post",
        "q": "search",
    }
    for param, label in labels.items():
        if state.get(param):
            parts.append(f"{label} {state[param]}")
    return escape_markdown(" · ".join(parts)) if parts else ""


def _naive_utc(text: str | None) -> datetime | None:
    moment = parse_time(text)
    return moment.replace(tzinfo=None) if moment is not None else None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --------------------------------------------------------------------------------------------- session + URL


def state() -> dict[str, str]:
    """The session's canonical filter (URL texts by parameter); empty before the first sync_with_url."""
    return dict(st.session_state.get(STATE_KEY) or {})


def current(scope: tuple[str, ...] = ALL_PARAMS) -> analysis.Filters:
    return filters_from_params(state(), scope)


def url_params(scope: tuple[str, ...] = ALL_PARAMS) -> dict[str, str]:
    """The filter as query parameters, for links and st.switch_page."""
    return scoped(state(), scope)


def _url_filter_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in ALL_PARAMS if k in st.query_params}


def _write_url(scope: tuple[str, ...]) -> None:
    wanted = scoped(state(), scope)
    for param in ALL_PARAMS:
        if param in wanted:
            if st.query_params.get(param) != wanted[param]:
                st.query_params[param] = wanted[param]
        elif param in st.query_params:
            del st.query_params[param]


def replace_state(params: Mapping[str, Any], now: datetime | None = None) -> dict[str, str]:
    """Make `params` the session's filter; the widgets are seeded from it again on their next render."""
    new = normalise_params(params, now or analysis.utc_now())
    st.session_state[STATE_KEY] = new
    for key in ALL_WIDGET_KEYS:
        if key in st.session_state:
            del st.session_state[key]
    return new


def sync_with_url(scope: tuple[str, ...]) -> None:
    """Reconcile the URL and the session's filter at the top of a run (see the module docstring)."""
    url = _url_filter_params()
    now = analysis.utc_now()
    current_state = st.session_state.get(STATE_KEY)
    if url:
        wanted = normalise_params(url, now)
        if current_state is None or scoped(wanted, scope) != scoped(current_state, scope):
            replace_state(url, now)
    elif current_state is None:
        replace_state({}, now)
    _write_url(scope)


def _set_param(param: str, value: str | None) -> None:
    new = state()
    if value:
        new[param] = value
    else:
        new.pop(param, None)
    st.session_state[STATE_KEY] = new
    if value:
        st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]


def _on_list_change(param: str) -> None:
    values = facets.without_counts(st.session_state.get(WIDGET_KEYS[param]) or [])
    st.session_state[WIDGET_KEYS[param]] = values
    _set_param(param, join_list(values))


def _on_text_change(param: str) -> None:
    value = st.session_state.get(WIDGET_KEYS[param])
    _set_param(param, str(value).strip() if value else None)


def _on_preset_change() -> None:
    preset = st.session_state.get(PRESET_KEY)
    if not preset:
        return  # un-selecting a preset keeps the window it wrote
    start, end = preset_window(preset, analysis.utc_now())
    _set_param("start", format_instant(start))
    _set_param("end", format_instant(end))
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
    _set_param("start", format_instant(start))
    _set_param("end", format_instant(end))
    st.session_state[PRESET_KEY] = matching_preset(state(), analysis.utc_now())


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
) -> None:
    st.multiselect(
        label,
        options,
        key=WIDGET_KEYS[param],
        on_change=_on_list_change,
        args=(param,),
        placeholder=placeholder,
        format_func=facets.labeller(param, counts),
    )


def sidebar_filters(
    distinct: Callable[[str], Sequence[str]], counts: facets.Counts | None = None
) -> None:
    """Time range (presets and absolute) and platform / action / status, bound to the URL.

    `distinct(column)` gives the values stored in a column (cached by the caller: a million rows take a
    while to scan), offered besides the known ones. `counts(param)`, when given, the window's attempts per
    option, shown beside each (`late_logs.ui.facets`).
    """
    now = analysis.utc_now()
    current_state = state()
    _seed(PRESET_KEY, matching_preset(current_state, now))
    _seed(START_KEY, _naive_utc(current_state.get("start")))
    _seed(END_KEY, _naive_utc(current_state.get("end")))
    for param in ("platform", "action", "status"):
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
        st.multiselect(
            "Account",
            list(dict.fromkeys([*usernames, *split_list(current_state.get("account"))])),
            key=WIDGET_KEYS["account"],
            on_change=_on_list_change,
            args=("account",),
            placeholder="All accounts",
            accept_new_options=True,
            format_func=facets.labeller("account", counts),
            help="Username or account id; type one that is not listed and press Enter.",
        )
        st.text_input("Post id", key=WIDGET_KEYS["post_id"], on_change=_on_text_change, args=("post_id",))
    with second:
        st.multiselect(
            "Error code",
            list(dict.fromkeys([*codes, *split_list(current_state.get("error_code"))])),
            key=WIDGET_KEYS["error_code"],
            on_change=_on_list_change,
            args=("error_code",),
            placeholder="All codes",
            format_func=facets.labeller("error_code", counts),
            help=f"{analysis.NO_CODE} matches failures without a code.",
        )
        who_column, retry_column = st.columns(2)
        with who_column:
            st.multiselect(
                "Who must act",
                list(verdicts.WHO_MUST_ACT),
                key=WIDGET_KEYS["who"],
                on_change=_on_list_change,
                args=("who",),
                placeholder="Anyone",
                help="The verdict on failed attempts: who must act before it can go out.",
            )
        with retry_column:
            st.multiselect(
                "Retry",
                list(verdicts.RETRY),
                key=WIDGET_KEYS["retry"],
                on_change=_on_list_change,
                args=("retry",),
                placeholder="Any",
                help="yes: safe now · later: after the reset · no: fails again · verify: may have gone live.",
            )
        st.text_input(
            "Error group",
            key=WIDGET_KEYS["error_group"],
            on_change=_on_text_change,
            args=("error_group",),
            help="A group key from the Overview's top error groups.",
        )
    with third:
        st.text_input(
            "Search",
            key=WIDGET_KEYS["q"],
            on_change=_on_text_change,
            args=("q",),
            placeholder=search_box.PLACEHOLDER,
            help=search_box.HELP,
        )
        search_box.feedback(current_state.get("q"), columns)
