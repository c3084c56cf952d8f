"""What is different about the failures: the attribute values that tell failing attempts from succeeding ones.

For a set of attempts (the current filter), each attribute value (platform, action, account, media type,
endpoint, error code, hour of day) gets its share among the failures and its share among the successes; a
value much more common among failures than among successes is what sets them apart (Honeycomb calls this
BubbleUp). Values with fewer than MIN_FAILURES failures are not ranked: two failures of an account that
posts twice a week are no pattern.

The ranking is the share difference (failure share − success share), in -1..1: a value that holds 90 % of
the failures and 20 % of the successes scores 0.7. A difference of shares rather than a ratio, because a
ratio explodes on rare values (1 % of successes → any share of failures is "× 50"), and the shares already
weigh volume (a value is only as important as the part of the failures it explains).

`reading` turns the ranking into one sentence a support engineer acts on: failures concentrated on one
account (a customer's problem: a dead token, a suspended page) or on one platform across many accounts
(an outage on the platform's side, or Late's), or spread out.

Pure pandas over the attempts frame (records.RECORD_COLUMNS); no Streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

# attribute key → its name, in the order a reader scans them
ATTRIBUTES = {
    "platform": "Platform",
    "account": "Account",
    "action": "Action",
    "media": "Media",
    "endpoint": "Endpoint",
    "error_code": "Error code",
    "hour": "Hour (UTC)",
}
MIN_FAILURES = 5  # a value needs this many failures to be ranked
CONCENTRATED = 0.6  # a platform or account with this share of the failures is where they are
MANY_ACCOUNTS = 3  # failures of one platform on at least this many accounts are not one customer's
NONE = "(none)"
CONTRAST_COLUMNS = [
    "attribute",
    "value",
    "failures",
    "successes",
    "failure_share",
    "success_share",
    "difference",
]

_VIDEO = re.compile(r"\.(mp4|mov|m4v|webm|avi|mkv)(\?|$)", re.IGNORECASE)
_IMAGE = re.compile(r"\.(jpe?g|png|gif|webp|heic|bmp)(\?|$)", re.IGNORECASE)
# Path parts that are ids, not places: numbers, hex and base64-ish tokens, UUIDs.
_ID_PART = re.compile(r"^(?=.*\d)[A-Za-z0-9_\-:.]{6,}$|^\d+$")


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna(NONE).replace("", NONE)


def media_kind(urls: object) -> str:
    """none, video, image, images or mixed, from the newline-joined media URLs of one attempt."""
    parts = [p for p in urls.split("\n") if p.strip()] if isinstance(urls, str) else []
    if not parts:
        return NONE
    if all(_VIDEO.search(p) for p in parts):
        return "video"
    if all(_IMAGE.search(p) for p in parts):
        return "image" if len(parts) == 1 else "images"
    return "mixed"


def _per_distinct(values: pd.Series, label) -> pd.Series:
    """`label` of each value, worked out once per distinct value (a million rows hold few); NA reads NONE."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    labels = np.array([label(u) for u in uniques] + [NONE], dtype=object)  # code -1 picks the last
    return pd.Series(labels[codes], index=values.index, dtype="string")


def endpoint_place(endpoint: object) -> str:
    """An endpoint without its ids and query: "graph.facebook.com/v19.0/:id/media", so attempts group."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        return NONE
    text = endpoint.strip()
    parts = urlsplit(text if "://" in text else "//" + text)
    path = "/".join(":id" if _ID_PART.match(p) and not re.match(r"^v\d+(\.\d+)?$", p) else p
                    for p in parts.path.split("/"))  # fmt: skip
    return f"{parts.netloc}{path}" or NONE


_HOUR_LABELS = np.array([f"{h:02d}:00" for h in range(24)] + [NONE], dtype=object)


def _hours(times: pd.Series) -> pd.Series:
    """ "08:00" for each time (strftime on a million times takes a second; an array lookup does not)."""
    hours = times.dt.hour.to_numpy(dtype="float64", na_value=np.nan)
    index = np.where(np.isnan(hours), 24, np.nan_to_num(hours, nan=24)).astype(int)
    return pd.Series(_HOUR_LABELS[index], index=times.index, dtype="string")


def attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """One string column per attribute (ATTRIBUTES), a row per attempt; missing values read NONE."""
    index = frame.index
    account = frame["account_username"].astype("string").fillna(frame["account_id"].astype("string"))
    missing = pd.Series(pd.NA, index=index, dtype="string")
    media = _per_distinct(frame["media_urls"] if "media_urls" in frame else missing, media_kind)
    if "media_count" in frame:  # media Late counted but did not list: known to exist, kind unknown
        counted = frame["media_count"].fillna(0).astype("int64").to_numpy() > 0
        media = media.mask((media == NONE).to_numpy() & counted, "media")
    return pd.DataFrame(
        {
            "platform": _text(frame["platform"]),
            "account": _text(frame["platform"]) + " · " + _text(account),
            "action": _text(frame["action"]),
            "media": media,
            "endpoint": _per_distinct(frame["endpoint"] if "endpoint" in frame else missing, endpoint_place),
            "error_code": _text(frame["error_code"]),
            "hour": _hours(frame["created_at"]),
        },
        index=index,
    )


def contrast(frame: pd.DataFrame, min_failures: int = MIN_FAILURES) -> pd.DataFrame:
    """Every attribute value with at least `min_failures` failures: its failures and successes, its share
    of each, and their difference; the most telling first (CONTRAST_COLUMNS)."""
    status = frame["status"].astype("string")
    failed = (status == "failed").fillna(False).to_numpy(dtype=bool)
    succeeded = (status == "success").fillna(False).to_numpy(dtype=bool)
    total_failed, total_succeeded = int(failed.sum()), int(succeeded.sum())
    if total_failed < min_failures:
        return pd.DataFrame({c: pd.Series([], dtype=_dtype(c)) for c in CONTRAST_COLUMNS})
    settled = failed | succeeded
    table = attributes(frame[settled])
    is_failure = failed[settled]
    parts = []
    for key in ATTRIBUTES:
        codes, uniques = pd.factorize(table[key], use_na_sentinel=False)
        part = pd.DataFrame(
            {
                "attribute": key,
                "value": np.asarray(uniques, dtype=object).astype(str),
                "failures": np.bincount(codes[is_failure], minlength=len(uniques)),
                "successes": np.bincount(codes[~is_failure], minlength=len(uniques)),
            }
        )
        parts.append(part[part["failures"] >= min_failures])
    result = pd.concat(parts, ignore_index=True)
    result["failure_share"] = result["failures"] / total_failed
    result["success_share"] = result["successes"] / total_succeeded if total_succeeded else 0.0
    result["difference"] = result["failure_share"] - result["success_share"]
    result = result.sort_values(
        ["difference", "failures", "attribute", "value"], ascending=[False, False, True, True], kind="stable"
    )
    return result[CONTRAST_COLUMNS].reset_index(drop=True).astype({"failures": "int64", "successes": "int64"})


def _dtype(column: str) -> str:
    if column in ("failures", "successes"):
        return "int64"
    return "float64" if column.endswith("share") or column == "difference" else "string"


@dataclass(frozen=True)
class Reading:
    """The ranking in one sentence: where the failures are and whose job that makes it."""

    kind: str  # "account" (one customer), "platform" (an outage), "spread", or "none" (too few failures)
    sentence: str
    value: str = ""  # the account or platform it names


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def reading(frame: pd.DataFrame, ranked: pd.DataFrame) -> Reading:
    """One account holding most failures, one platform holding them across many accounts, or neither."""
    failures = int((frame["status"] == "failed").sum())
    if ranked.empty:
        return Reading("none", f"Too few failures ({failures:,}) to say what sets them apart.")

    def top(attribute: str):
        rows = ranked[ranked["attribute"] == attribute].sort_values("failure_share", ascending=False)
        return rows.iloc[0] if len(rows) else None

    account, platform = top("account"), top("platform")
    if account is not None and account["failure_share"] >= CONCENTRATED:
        return Reading(
            "account",
            f"One account: {account['value']} holds {_percent(account['failure_share'])} of the failures "
            f"and {_percent(account['success_share'])} of the successes. A customer's problem (its token, "
            "its page, its content), not an outage.",
            str(account["value"]),
        )
    if platform is not None and platform["failure_share"] >= CONCENTRATED:
        on_platform = frame[(frame["status"] == "failed") & (frame["platform"] == platform["value"])]
        accounts = on_platform["account_username"].astype("string").fillna(on_platform["account_id"])
        spread = int(accounts.nunique(dropna=True))
        if spread >= MANY_ACCOUNTS:
            return Reading(
                "platform",
                f"One platform, many accounts: {platform['value']} holds "
                f"{_percent(platform['failure_share'])} of the failures (and "
                f"{_percent(platform['success_share'])} of the successes), over {spread:,} accounts. "
                "Looks like an outage on the platform's side (or Late's), not one customer's.",
                str(platform["value"]),
            )
    return Reading(
        "spread",
        "No single account or platform holds most failures: see the table for what sets them apart.",
    )
