"""The Explorer's "What sets the failures apart" panel: late_logs.contrast over the page's filter, as one
sentence and one row per attribute (its most telling value), cached per store version and filter.

The failures are those the filter shows; the successes they are compared with are those of the same filter
without its failure-only parts (status, error code, error group, who must act, retry): a drill-through
with `status=failed` would otherwise leave nothing to compare with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from late_logs import analysis, contrast, queries
from late_logs.ui import data, filters, nav
from late_logs.ui.text import escape_markdown, plain

CAPTION = (
    "Each attribute's most telling value: its share of the failures against its share of the successes "
    f"(values with fewer than {contrast.MIN_FAILURES} failures are left out). Successes are compared without "
    "the filter's status, error code, group and verdict parts."
)
# Attributes the Explorer can filter by: their rows link to the filtered view.
_FILTER_PARAMS = {"platform": "platform", "action": "action", "error_code": "error_code"}


@dataclass(frozen=True)
class ContrastPanel:
    kind: str  # contrast.Reading.kind: account, platform, spread or none
    sentence: str  # escaped for markdown: it quotes handles and platform names from the logs
    table: pd.DataFrame  # one row per attribute: what, value, of_failures, of_successes, failures, link
    failures: int
    successes: int


# The columns the attributes are read from (late_logs.contrast): the window's rows are read in SQL with only
# these, never the whole store.
COMPARED_COLUMNS = (
    "status", "platform", "account_id", "account_username", "action", "media_urls", "media_count", "endpoint",
    "error_code", "created_at",
)  # fmt: skip


def _compared_rows(ctx: data.AppContext, flt: analysis.Filters) -> pd.DataFrame:
    files = ctx.files(since=flt.start, until=flt.end)
    failing = queries.attempts(files, dataclasses.replace(flt, statuses=("failed",)), COMPARED_COLUMNS)
    if flt.statuses and "failed" not in flt.statuses:
        failing = failing.iloc[0:0]
    wider = dataclasses.replace(
        flt, statuses=("success",), error_codes=(), error_group=None, who_must_act=(), retry=()
    )
    succeeding = queries.attempts(files, wider, COMPARED_COLUMNS)
    return pd.concat([failing, succeeding], ignore_index=True)


def _table(ranked: pd.DataFrame) -> pd.DataFrame:
    best = ranked.drop_duplicates("attribute", keep="first")
    return pd.DataFrame(
        {
            "attribute": best["attribute"].to_numpy(),
            "what": best["attribute"].map(contrast.ATTRIBUTES).to_numpy(),
            "value": [plain(v) for v in best["value"]],
            "of_failures": best["failure_share"].to_numpy() * 100,
            "of_successes": best["success_share"].to_numpy() * 100,
            "failures": best["failures"].to_numpy(),
        }
    )


def _narrowed_href(param: str, value: str) -> str:
    """This Explorer view (window made absolute) narrowed to one value's failures."""
    params = filters.absolute(filters.url_params(filters.ALL_PARAMS), analysis.utc_now())
    params.update({param: value, "status": "failed"})
    return f"{nav.URL_PATHS[nav.EXPLORER]}?{urlencode(params)}"


@st.cache_resource(max_entries=8, show_spinner=False)
def _panel_at(cache_dir: str, version: int, flt: analysis.Filters, _ctx: data.AppContext) -> ContrastPanel:
    rows = _compared_rows(_ctx, flt)
    ranked = contrast.contrast(rows)
    found = contrast.reading(rows, ranked)
    failures = int((rows["status"] == "failed").sum())
    return ContrastPanel(
        kind=found.kind,
        sentence=escape_markdown(found.sentence),
        table=_table(ranked),
        failures=failures,
        successes=len(rows) - failures,
    )


def panel(ctx: data.AppContext, flt: analysis.Filters) -> ContrastPanel:
    """What sets the failures of the filter apart, cached per store version and filter; the links to narrow
    the view are this session's (they carry its filter)."""
    found = _panel_at(str(ctx.settings.cache_dir), ctx.version, flt, ctx)
    table = found.table
    links = [
        _narrowed_href(_FILTER_PARAMS[a], v) if a in _FILTER_PARAMS and v != contrast.NONE else None
        for a, v in zip(table["attribute"], table["value"], strict=True)
    ]
    shown = table.drop(columns="attribute").assign(link=links)
    return dataclasses.replace(found, table=shown)


def column_config() -> dict:
    return {
        "what": st.column_config.TextColumn("Attribute", width=110),
        "value": st.column_config.TextColumn("Value", width=260),
        "of_failures": st.column_config.NumberColumn("% of failures", format="%.0f %%", width=100),
        "of_successes": st.column_config.NumberColumn("% of successes", format="%.0f %%", width=110),
        "failures": st.column_config.NumberColumn("Failures", width=80),
        "link": st.column_config.LinkColumn("Filter", display_text="only these", width=90),
    }
