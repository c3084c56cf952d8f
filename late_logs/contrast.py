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


# Each attribute is worked out as (codes, labels): an integer per row and a label per code, so a million
# rows are factorized once per column and labelled per distinct value, never turned into a million strings.
# Labels may repeat (a missing and an empty value both read NONE); the counts are summed per label.


def _coded(values: pd.Series, label=None) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column and a label per code (`label(value)`, or the value itself); missing → NONE."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    named = [label(u) if label else (str(u) if str(u) else NONE) for u in uniques]
    return np.where(codes < 0, len(named), codes), np.array([*named, NONE], dtype=object)


def _account_coded(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """platform · handle (or id) per row: an account is one platform's, "@acme" on two is two accounts."""
    handle = frame["account_username"].astype("string").fillna(frame["account_id"].astype("string"))
    p_codes, p_labels = _coded(frame["platform"])
    a_codes, a_labels = _coded(handle)
    codes, pairs = pd.factorize(p_codes.astype(np.int64) * (len(a_labels) + 1) + a_codes)
    labels = [f"{p_labels[v // (len(a_labels) + 1)]} · {a_labels[v % (len(a_labels) + 1)]}" for v in pairs]
    return codes, np.array(labels, dtype=object)


def _media_coded(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "media_urls" not in frame:
        return np.zeros(len(frame), dtype=np.int64), np.array([NONE], dtype=object)
    codes, labels = _coded(frame["media_urls"].astype("string"), media_kind)
    if "media_count" in frame:  # media Late counted but did not list: known to exist, kind unknown
        counted = frame["media_count"].fillna(0).astype("int64").to_numpy() > 0
        unlisted = counted & (labels[codes] == NONE)
        codes = np.where(unlisted, len(labels), codes)
        labels = np.array([*labels, "media"], dtype=object)
    return codes, labels


_HOUR_LABELS = np.array([f"{h:02d}:00" for h in range(24)] + [NONE], dtype=object)


def _hour_coded(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    hours = times.dt.hour.to_numpy(dtype="float64", na_value=np.nan)
    return np.nan_to_num(hours, nan=24).astype(np.int64), _HOUR_LABELS


def _coded_attributes(frame: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    endpoints = (
        frame["endpoint"].astype("string") if "endpoint" in frame else pd.Series(pd.NA, index=frame.index)
    )
    return {
        "platform": _coded(frame["platform"]),
        "account": _account_coded(frame),
        "action": _coded(frame["action"]),
        "media": _media_coded(frame),
        "endpoint": _coded(endpoints, endpoint_place),
        "error_code": _coded(frame["error_code"]),
        "hour": _hour_coded(frame["created_at"]),
    }


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


def endpoint_place(endpoint: object) -> str:
    """An endpoint without its ids and query: "graph.facebook.com/v19.0/:id/media", so attempts group."""
    if not isinstance(endpoint, str) or not endpoint.strip():
        return NONE
    text = endpoint.strip()
    parts = urlsplit(text if "://" in text else "//" + text)
    path = "/".join(":id" if _ID_PART.match(p) and not re.match(r"^v\d+(\.\d+)?$", p) else p
                    for p in parts.path.split("/"))  # fmt: skip
    return f"{parts.netloc}{path}" or NONE


def attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """One string column per attribute (ATTRIBUTES), a row per attempt; missing values read NONE."""
    return pd.DataFrame(
        {key: pd.Series(labels[codes], index=frame.index, dtype="string")
         for key, (codes, labels) in _coded_attributes(frame).items()}
    )  # fmt: skip


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
    coded = _coded_attributes(frame[settled])
    is_failure = failed[settled]
    parts = []
    for key, (codes, labels) in coded.items():
        part = (
            pd.DataFrame(
                {
                    "value": labels,
                    "failures": np.bincount(codes[is_failure], minlength=len(labels)),
                    "successes": np.bincount(codes[~is_failure], minlength=len(labels)),
                }
            )
            .groupby("value", sort=False, as_index=False)
            .sum()
        )
        part.insert(0, "attribute", key)
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
