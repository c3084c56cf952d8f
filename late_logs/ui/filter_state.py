"""The dashboard's filter as state: one per page, in the session and mirrored in the URL.

URL parameters (the only place they are spelled): `window` (`24h`, `7d`, `30d`: a relative window that ends
now on every run), or `start` and `end` (ISO-8601 UTC, e.g. `2025-11-29T13:00:00Z`: an absolute window that
stays put, so a pasted link shows the same rows tomorrow); `platform`, `action`, `status`, `account`,
`error_code`, `who` (who must act), `retry` (comma-separated lists), `error_group` (a group key;
`group` is read the same), `post_id`, `q` (free text) and `source` (source labels, when several Late
workspaces are collected). A bad window in a link is clamped or replaced and the page says so (`url_note`).

Who wins: a URL with filter parameters (a pasted link, a drill-through, Back) is the page's filter; a URL
without (a click in the page menu) gets the sidebar's own filter. Drill-through filters belong to the page
they open, so the Overview keeps its own. A widget change updates the page's filter and URL in its callback
(and the sidebar's filter for sidebar widgets), before the script reads either.

The pure parts (URL text to `analysis.Filters`, a link's window held to sane bounds, the filter in words)
first, then the session and the URL. The widgets that change it are `late_logs.ui.filter_widgets`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import pandas as pd
import streamlit as st

from late_logs import analysis
from late_logs.records import parse_time
from late_logs.ui.text import escape_markdown

SIDEBAR_PARAMS = ("window", "start", "end", "platform", "action", "status", "source")
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
    "source": "sources",
}
TEXT_PARAMS = {"error_group": "error_group", "post_id": "post_id", "q": "text"}
# Other spellings a link may use: `group` (as other pages link an error group) is read as `error_group`.
PARAM_ALIASES = {"group": "error_group"}

PRESETS: dict[str, tuple[str, timedelta]] = {
    "24h": ("Last 24 h", timedelta(hours=24)),
    "7d": ("7 days", timedelta(days=7)),
    "30d": ("30 days", timedelta(days=30)),
}
DEFAULT_PRESET = "24h"
DEFAULTS: dict[str, str] = {"window": DEFAULT_PRESET}  # what "Reset filters" goes back to

STATE_KEY = "filters_state"  # each page's filter: {page url path: {param: url text}}
SIDEBAR_KEY = "filters_sidebar"  # the sidebar's own filter, for pages opened from the menu
PAGE_KEY = "filters_page"  # the url path of the page this run shows
NOTE_KEY = "filters_notes"  # per page: what was wrong with the link's window
SENT_KEY = "filters_sent"  # (page, query) the last run left in the address bar
PRESET_KEY = "filters_preset"
START_KEY = "filters_start"
END_KEY = "filters_end"
WIDGET_KEYS = {
    "platform": "filters_platforms",
    "action": "filters_actions",
    "status": "filters_statuses",
    "source": "filters_sources",
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


# Bounds a link's window is held to: nothing is stored before 2000, and pandas' clock ends in April 2262.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2262, 4, 10, tzinfo=timezone.utc)
# An absolute window may end a little after now (the next whole minute); more is a bad link.
FUTURE_SLACK = timedelta(days=1)
TIME_EXAMPLE = "2025-11-29T13:00:00Z"


def _link_time(params: Mapping[str, Any], param: str, problems: list[str]) -> datetime | None:
    """A window bound from the URL; a present but unreadable one is a problem said in words."""
    text = params.get(param)
    if text is None or str(text).strip() == "":
        return None
    moment = parse_time(str(text).strip())
    if moment is None:
        shown = str(text).strip()[:40]
        problems.append(f"the link's {param} time “{shown}” is not a time (use UTC like {TIME_EXAMPLE})")
    return moment


def normalise_window(params: Mapping[str, Any], now: datetime) -> tuple[dict[str, str], str | None]:
    """The window of a link as URL texts, and what was wrong with it (None when nothing was).

    `start`/`end` make an absolute window; `window` (a preset key) a relative one that follows the clock;
    absolute wins when both are given. Far-future and pre-2000 bounds are clamped, a reversed window turned
    round, an unreadable one replaced by the default, and each of these said.
    """
    problems: list[str] = []
    shown = ""
    start = _link_time(params, "start", problems)
    end = _link_time(params, "end", problems)
    if problems:
        start = end = None
    preset = str(params.get("window") or "").strip()
    if preset and preset not in PRESETS and start is None and end is None:
        problems.append(f"the link's window “{preset[:20]}” is not one of {', '.join(PRESETS)}")
        preset = ""
    if start is None and end is None:
        key = preset or DEFAULT_PRESET
        if problems:
            shown = f"showing the {PRESETS[key][0].lower()} instead"
        return {"window": key}, _sentence(problems, shown)
    now_end = preset_window(DEFAULT_PRESET, now)[1]
    if end is not None and end > LATEST:
        problems.append("the link's window ends after 2262")
        shown, end = "showing up to now", now_end
    elif end is not None and end > now + FUTURE_SLACK:
        problems.append(f"the link's window ends in the future ({end:%Y-%m-%d %H:%M} UTC)")
        shown, end = "showing up to now", now_end
    if start is not None and start < EARLIEST:
        problems.append("the link's window starts before 2000, when nothing was stored")
        shown, start = (shown + " and " if shown else "showing ") + "from 2000-01-01", EARLIEST
    if start is not None and start > LATEST:
        problems.append("the link's window starts after 2262")
        start = None
    if end is None:
        end = max(now_end, start + timedelta(minutes=1)) if start is not None else now_end
    if start is None:
        start = end - PRESETS[DEFAULT_PRESET][1]
    if start > end:
        problems.append("the link's window ends before it starts")
        shown = "showing it the right way round"
        start, end = end, start
    if start == end:
        problems.append("the link's window is empty (it starts when it ends)")
        shown, end = "showing the minute that follows", start + timedelta(minutes=1)
    # Whole minutes, as the From / To inputs hold them (they step by the minute; a window with seconds
    # would be rounded by them and written back as another window).
    start = pd.Timestamp(start).floor("min").to_pydatetime()
    end = pd.Timestamp(end).ceil("min").to_pydatetime()
    return {"start": format_instant(start), "end": format_instant(end)}, _sentence(problems, shown)


def _sentence(problems: list[str], shown: str) -> str | None:
    if not problems:
        return None
    text = "; ".join(problems)
    return text[0].upper() + text[1:] + (f"; {shown}." if shown else ".")


def normalise_params(params: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """Known filter parameters cleaned up, with a valid window (relative or absolute) always present."""
    return normalise_with_note(params, now)[0]


def normalise_with_note(params: Mapping[str, Any], now: datetime) -> tuple[dict[str, str], str | None]:
    """normalise_params, and the sentence that says what was wrong with the link's window."""
    result, note = normalise_window(params, now)
    for param in LIST_PARAMS:
        joined = join_list(params.get(param))
        if joined:
            result[param] = joined
    for param in TEXT_PARAMS:
        value = params.get(param)
        if value is None and param in PARAM_ALIASES.values():
            value = params.get(next(k for k, v in PARAM_ALIASES.items() if v == param))
        value = str(value).strip() if value is not None else ""
        if value:
            result[param] = value
    return result, note


def window_of(state: Mapping[str, str], now: datetime) -> tuple[datetime | None, datetime | None]:
    """The instants a state's window covers now: a relative window ends at the coming whole minute."""
    preset = state.get("window")
    if preset in PRESETS:
        return preset_window(preset, now)
    return parse_time(state.get("start")), parse_time(state.get("end"))


def absolute(state: Mapping[str, str], now: datetime) -> dict[str, str]:
    """The state with a relative window replaced by the absolute one it covers now."""
    if "window" not in state:
        return dict(state)
    start, end = window_of(state, now)
    fixed = {k: v for k, v in state.items() if k != "window"}
    if start is not None and end is not None:
        fixed["start"], fixed["end"] = format_instant(start), format_instant(end)
    return fixed


def scoped(state: Mapping[str, str], scope: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k in scope}


def filters_from_params(
    state: Mapping[str, str], scope: tuple[str, ...] = ALL_PARAMS, now: datetime | None = None
) -> analysis.Filters:
    """The analysis.Filters for the parameters of a scope (the Overview ignores the Explorer-only ones)."""
    state = scoped(state, scope)
    start, end = window_of(state, now or analysis.utc_now())
    values: dict[str, Any] = {"start": start, "end": end}
    for param, name in LIST_PARAMS.items():
        values[name] = split_list(state.get(param))
    values["error_group"] = state.get("error_group") or None
    values["post_id"] = state.get("post_id") or None
    values["text"] = state.get("q") or ""
    return analysis.Filters(**values)


def matching_preset(state: Mapping[str, str], now: datetime | None = None) -> str | None:
    """The preset of a relative window; None for an absolute one, which stays put (a custom window)."""
    preset = state.get("window")
    return preset if preset in PRESETS else None


def describe(
    state: Mapping[str, str], scope: tuple[str, ...] = ALL_PARAMS, now: datetime | None = None
) -> str:
    """The filter in words, markdown-escaped (values come from the URL and the logs)."""
    state = scoped(state, scope)
    start, end = window_of(state, now or analysis.utc_now())
    parts = []
    if start and end and state.get("window") in PRESETS:
        label = PRESETS[state["window"]][0]
        parts.append(f"{label} until now ({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC)")
    elif start and end:
        parts.append(f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC (fixed)")
    labels = {
        "platform": "platform",
        "action": "action",
        "status": "status",
        "source": "source",
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


# --------------------------------------------------------------------------------------------- session + URL


def _page() -> str:
    return str(st.session_state.get(PAGE_KEY, ""))


def state() -> dict[str, str]:
    """The current page's filter (URL texts by parameter); empty before the first sync_with_url."""
    return dict((st.session_state.get(STATE_KEY) or {}).get(_page()) or {})


def sidebar_state() -> dict[str, str]:
    """The sidebar's own filter: what a page opened from the menu shows."""
    return dict(st.session_state.get(SIDEBAR_KEY) or DEFAULTS)


def current(scope: tuple[str, ...] = ALL_PARAMS) -> analysis.Filters:
    return filters_from_params(state(), scope)


def url_params(scope: tuple[str, ...] = ALL_PARAMS) -> dict[str, str]:
    """The filter as query parameters, for links and st.switch_page."""
    return scoped(state(), scope)


def url_note() -> str | None:
    """What was wrong with the window of the link this page was opened with (until the filter changes)."""
    return (st.session_state.get(NOTE_KEY) or {}).get(_page())


def _url_filter_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in (*ALL_PARAMS, *PARAM_ALIASES) if k in st.query_params}


def _store(page: str, new: Mapping[str, str], scope: tuple[str, ...], note: str | None = None) -> None:
    """Make `new` the page's filter and write the URL (see write_url)."""
    states = dict(st.session_state.get(STATE_KEY) or {})
    states[page] = scoped(new, scope)
    st.session_state[STATE_KEY] = states
    notes = dict(st.session_state.get(NOTE_KEY) or {})
    notes[page] = note
    st.session_state[NOTE_KEY] = notes
    write_url()


def write_url() -> None:
    """Send the address of the view shown: the page's other parameters (`id`) and its filter, in one write.

    Also sent when the address already holds it, if the page is the one the last run showed: a link to
    the same page with another `id` (Newer / Older) reruns the script with the new address without moving
    the address bar, and only a message from the script moves it. (On a page change Streamlit moves the
    address bar itself.)
    """
    others = (*ALL_PARAMS, *PARAM_ALIASES)
    given = st.query_params.to_dict()
    wanted = {k: v for k, v in given.items() if k not in others}
    if _page() in (st.session_state.get(STATE_KEY) or {}):
        wanted.update(state())
    last_page, last_sent = st.session_state.get(SENT_KEY) or (None, None)
    if wanted != given or (last_page == _page() and wanted != last_sent):
        st.query_params.from_dict(wanted)
    st.session_state[SENT_KEY] = (_page(), wanted)


def _forget_widgets() -> None:
    for key in ALL_WIDGET_KEYS:
        if key in st.session_state:
            del st.session_state[key]


def sync_with_url(scope: tuple[str, ...], page: str = "") -> None:
    """Reconcile the URL and the page's filter at the top of a run.

    A URL with filter parameters (a pasted link, a drill-through, Back) is the page's filter; on the
    Overview it is the sidebar's too. A URL without any (a click in the page menu) gets the sidebar's
    filter. Drill-through filters so stay on the page they opened.
    """
    if _page() != page:
        _forget_widgets()  # the widgets show this page's filter, seeded again below
    st.session_state[PAGE_KEY] = page
    if not scope:  # a page without filters (post history, collector): its own parameters only
        states = dict(st.session_state.get(STATE_KEY) or {})
        states.pop(page, None)
        st.session_state[STATE_KEY] = states
        write_url()
        return
    url = _url_filter_params()
    now = analysis.utc_now()
    if url:
        wanted, note = normalise_with_note(url, now)
        wanted = scoped(wanted, scope)
        if wanted != state() or note:
            _forget_widgets()
            _store(page, wanted, scope, note)
        else:
            write_url()  # the same filter (perhaps spelt differently): written the one way
    else:
        if scoped(sidebar_state(), scope) != state():
            _forget_widgets()
        _store(page, sidebar_state(), scope)
    if page == "" and scope:
        st.session_state[SIDEBAR_KEY] = scoped(state(), SIDEBAR_PARAMS)


def commit_change(new: Mapping[str, str], *, sidebar: Mapping[str, str | None] | None = None) -> None:
    """A widget's change: the page's filter and URL; `sidebar` params also go into the sidebar's filter."""
    _store(_page(), new, tuple(new))
    if sidebar is not None:
        shared = sidebar_state()
        for param, value in sidebar.items():
            if value:
                shared[param] = value
            else:
                shared.pop(param, None)
        st.session_state[SIDEBAR_KEY] = shared


def set_param(param: str, value: str | None) -> None:
    """One parameter of the page's filter changed by its widget (None or empty: the parameter goes)."""
    new = state()
    if value:
        new[param] = value
    else:
        new.pop(param, None)
    commit_change(new, sidebar={param: value} if param in SIDEBAR_PARAMS else None)


def set_window(start: datetime, end: datetime) -> None:
    """An absolute window for the page (a drag across a time chart), like the From / To inputs."""
    start, end = (start, end) if start <= end else (end, start)
    if end - start < timedelta(minutes=1):
        end = start + timedelta(minutes=1)
    new = {k: v for k, v in state().items() if k != "window"}
    new["start"], new["end"] = format_instant(start), format_instant(end)
    commit_change(new, sidebar={"window": None, "start": new["start"], "end": new["end"]})
    _forget_widgets()


def is_default(scope: tuple[str, ...]) -> bool:
    return state() == scoped(DEFAULTS, scope)


def reset() -> None:
    """Back to the defaults (the last 24 h, nothing else) for this page and the sidebar."""
    commit_change(dict(DEFAULTS))
    st.session_state[SIDEBAR_KEY] = dict(DEFAULTS)
    _forget_widgets()


def selected_range(event: Any) -> tuple[datetime, datetime] | None:
    """The time range of a box drawn across a time chart (a plotly selection event), if there is one."""
    try:
        boxes = (event or {}).get("selection", {}).get("box") or []
    except AttributeError:
        return None
    for box in boxes:
        xs = [parse_time(str(x).replace(" ", "T")) for x in (box or {}).get("x", [])[:2]]
        if len(xs) == 2 and all(xs):
            return min(xs), max(xs)  # type: ignore[type-var]
    return None


def window_from_selection(event: Any) -> None:
    """A drag across a time chart: its range becomes the page's (and the sidebar's) absolute window."""
    chosen = selected_range(event)
    if chosen is not None:
        start, end = chosen
        floor, ceil = pd.Timestamp(start).floor("min"), pd.Timestamp(end).ceil("min")
        set_window(floor.to_pydatetime(), ceil.to_pydatetime())
