"""Posts, not attempts: how many of a window's posts did not go out, one row per post, and where each platform
of one post ended up (published, failed, pending, stuck, skipped, cancelled)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from late_logs.analysis.frame import TIME_UNIT, _bools, _empty, _rows, _text_or_none, _utc
from late_logs.analysis.groups import account_names_text
from late_logs.fingerprint import UNKNOWN
from late_logs.fingerprint import filled as _filled

STUCK_AFTER = timedelta(minutes=30)  # an attempt pending longer than this is stuck
PUBLISHING_ACTIONS = ("publish", "retry")  # the actions whose outcome decides whether a post went live


@dataclass
class PostCounts:
    """How many posts of a window did not go out, beside the attempt figures (attempts over-count: one post
    retried five times is one post)."""

    hit: int  # posts with at least one failed publish/retry in the window
    failed_everywhere: int  # went live on no platform, nothing still in progress
    partly_published: int  # live on some platforms, failed on others
    recovered: int  # a failure, then live on every platform after a retry
    stuck_attempts: int  # attempts pending longer than STUCK_AFTER
    stuck_posts: int


def post_counts(frame: pd.DataFrame, now: datetime) -> PostCounts:
    """PostCounts of a window's rows, vectorised: one groupby over (post, platform), one over posts."""
    now_ts = _utc(now)
    status = frame["status"].astype("string")
    pending = _bools(status == "pending")
    stuck = pending & _bools(frame["created_at"] < now_ts - STUCK_AFTER)
    publishing = _bools(frame["action"].isin(PUBLISHING_ACTIONS)) & _bools(frame["post_id"].notna())
    rows = _rows(frame, publishing, ("post_id", "platform", "status"))
    if rows.empty:
        return PostCounts(0, 0, 0, 0, int(stuck.sum()), int(frame["post_id"][stuck].nunique()))
    lanes = pd.DataFrame(
        {
            "post": rows["post_id"].astype("string").to_numpy(),
            "platform": _filled(rows["platform"], UNKNOWN).to_numpy(),
            "success": _bools(rows["status"] == "success"),
            "failed": _bools(rows["status"] == "failed"),
            "pending": _bools(rows["status"] == "pending"),
        }
    )
    per_lane = lanes.groupby(["post", "platform"], sort=False).agg(
        success=("success", "any"), failed=("failed", "any"), pending=("pending", "any")
    )
    per_lane["live"] = per_lane["success"]
    per_lane["dead"] = per_lane["failed"] & ~per_lane["success"] & ~per_lane["pending"]
    per_post = per_lane.groupby(level="post", sort=False).agg(
        lanes=("live", "size"),
        live=("live", "sum"),
        dead=("dead", "sum"),
        failed=("failed", "any"),
        pending=("pending", "any"),
    )
    hit = per_post["failed"]
    return PostCounts(
        hit=int(hit.sum()),
        failed_everywhere=int((hit & (per_post["dead"] == per_post["lanes"])).sum()),
        partly_published=int((hit & (per_post["live"] > 0) & (per_post["dead"] > 0)).sum()),
        recovered=int((hit & (per_post["live"] == per_post["lanes"])).sum()),
        stuck_attempts=int(stuck.sum()),
        stuck_posts=int(frame["post_id"][stuck].nunique()),
    )


POST_ROW_COLUMNS = [
    "post_id",
    "state",
    "platforms",
    "attempts",
    "failures",
    "recovered",
    "accounts",
    "first_attempt",
    "last_attempt",
    "caption",
]


def _lane_state(lanes: pd.DataFrame) -> np.ndarray:
    """published, stuck, pending, failed or skipped, per (post, platform) lane."""
    return np.select(
        [lanes["live"], lanes["stuck"], lanes["pending"], lanes["failed"]],
        ["published", "stuck", "pending", "failed"],
        default="skipped",
    )


def _joined(keys: pd.Series, values: pd.Series, join) -> dict:
    """{key: join(its values, in order)} in one pass over plain Python values (missing values skipped)."""
    found: dict = {}
    for key, value in zip(
        keys.to_numpy(dtype=object), values.to_numpy(dtype=object, na_value=None), strict=True
    ):
        if value is not None:
            found.setdefault(key, []).append(value)
    return {key: join(items) for key, items in found.items()}


def _post_account_names(posts: pd.Series, accounts: pd.Series) -> pd.Series:
    """The accounts of each post as an error group shows its own (`account_names_text`)."""

    def shown(names: list[str]) -> str:
        return account_names_text(str(n).lstrip("@") for n in names)

    return pd.Series(_joined(posts, accounts, shown), name="accounts", dtype=object)


def post_rows(attempts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """One row per post (POST_ROW_COLUMNS) from every attempt of the posts: the final state per platform
    ("instagram: published · tiktok: failed"), the post's state over all of them, how many attempts and
    failures, and whether a platform recovered (published after a failure). Most recent posts first.

    A platform's state: published once a publish or retry succeeded there, else stuck / pending while an
    attempt waits (stuck past STUCK_AFTER), else failed after a failure, else skipped (cancelled)."""
    rows = attempts[_bools(attempts["post_id"].notna())]
    if rows.empty:
        return _empty(POST_ROW_COLUMNS, {"attempts": "int64", "failures": "int64", "recovered": "bool",
                                         "first_attempt": TIME_UNIT, "last_attempt": TIME_UNIT})  # fmt: skip
    status = rows["status"].astype("string")
    pending = _bools(status == "pending")
    lanes = pd.DataFrame(
        {
            "post": rows["post_id"].astype("string").to_numpy(),
            "platform": _filled(rows["platform"], UNKNOWN).to_numpy(),
            "live": _bools(status == "success") & _bools(rows["action"].isin(PUBLISHING_ACTIONS)),
            "failed": _bools(status == "failed"),
            "pending": pending,
            "stuck": pending & _bools(rows["created_at"] < _utc(now) - STUCK_AFTER),
        }
    )
    per_lane = lanes.groupby(["post", "platform"], sort=True).agg(
        live=("live", "any"), failed=("failed", "any"), pending=("pending", "any"), stuck=("stuck", "any")
    )
    per_lane["state"] = _lane_state(per_lane)
    per_lane["recovered"] = per_lane["live"] & per_lane["failed"]
    per_lane = per_lane.reset_index()
    per_lane["label"] = per_lane["platform"] + ": " + per_lane["state"]
    # Sums of per-lane flags rather than lambdas per post: a lambda per group costs ~0.5 ms, ten thousand
    # posts would take seconds.
    per_lane = per_lane.assign(
        is_published=per_lane["state"] == "published",
        is_failed=per_lane["state"] == "failed",
        is_stuck=per_lane["state"] == "stuck",
        is_pending=per_lane["state"] == "pending",
    )
    grouped = per_lane.groupby("post", sort=False)
    per_post = grouped.agg(
        recovered=("recovered", "any"),
        lanes=("state", "size"),
        published=("is_published", "sum"),
        failed=("is_failed", "sum"),
        stuck=("is_stuck", "any"),
        waiting=("is_pending", "any"),
    )
    # Joined in one pass of plain Python: pandas' per-group Python aggregation costs ~0.1 ms a post.
    per_post["platforms"] = pd.Series(_joined(per_lane["post"], per_lane["label"], " · ".join))
    per_post["state"] = np.select(
        [
            per_post["stuck"],
            per_post["published"] == per_post["lanes"],
            (per_post["published"] > 0) & (per_post["failed"] > 0),
            per_post["waiting"],
            per_post["failed"] == per_post["lanes"],
            per_post["published"] > 0,
        ],
        ["stuck", "published", "partly published", "in progress", "failed everywhere", "published"],
        default="not published",
    )
    key = rows["post_id"].astype("string")
    accounts = rows["account_username"].astype("string").fillna(rows["account_id"].astype("string"))
    counts = pd.DataFrame(
        {
            "post": key.to_numpy(),
            "failed": _bools(status == "failed"),
            "created_at": rows["created_at"].to_numpy(),
            "account": accounts.to_numpy(),
            "caption": rows["content_preview"].astype("string").to_numpy()
            if "content_preview" in rows
            else pd.NA,
        }
    ).groupby("post", sort=False)
    result = per_post.join(
        counts.agg(
            attempts=("failed", "size"),
            failures=("failed", "sum"),
            first_attempt=("created_at", "min"),
            last_attempt=("created_at", "max"),
            caption=("caption", "first"),
        )
    ).join(_post_account_names(key, accounts))
    result = result.rename_axis("post_id").reset_index()
    result = result.sort_values(["last_attempt", "post_id"], ascending=[False, True], kind="stable")
    result[["attempts", "failures"]] = result[["attempts", "failures"]].astype("int64")
    return result[POST_ROW_COLUMNS].reset_index(drop=True)


def post_attempts(frame: pd.DataFrame, post_id: str) -> pd.DataFrame:
    """Every attempt of one post, oldest first."""
    rows = frame[_bools(frame["post_id"] == post_id)]
    return rows.sort_values(["created_at", "log_id"], kind="stable", na_position="first").reset_index(
        drop=True
    )


@dataclass
class PlatformOutcome:
    """Where one platform of a post ended up, and the attempt that says so."""

    platform: str
    state: str  # "published" | "failed" | "pending" | "stuck" | "skipped" | "cancelled"
    attempts: int
    last_attempt_at: datetime | None
    last_log_id: str | None
    platform_post_url: str | None
    error_message: str | None
    # True when any publish/retry succeeded, even if a later attempt failed: retrying could double-post.
    went_live: bool = False


@dataclass
class PostOutcome:
    """A post's overall result and one outcome per platform (alphabetical)."""

    overall: str  # "published" | "partial" | "failed" | "pending"
    platforms: list[PlatformOutcome] = field(default_factory=list)


def _platform_outcome(platform: str, rows: pd.DataFrame, now: pd.Timestamp) -> PlatformOutcome:
    rows = rows.sort_values("created_at", kind="stable", na_position="first")
    last = rows.iloc[-1]
    actions = rows["action"].astype("string")
    publishing = rows[_bools(actions.isin(PUBLISHING_ACTIONS))]
    pub_status = publishing["status"].astype("string")
    successes = publishing[_bools(pub_status == "success")]
    failures = publishing[_bools(pub_status == "failed")]
    went_live = len(successes) > 0
    url = None
    if went_live:
        with_url = successes[successes["platform_post_url"].notna()]
        url = _text_or_none(with_url["platform_post_url"].iloc[-1]) if len(with_url) else None

    last_failure_at = failures["created_at"].max() if len(failures) else None
    success_after_failure = went_live and (
        last_failure_at is None or bool((successes["created_at"] > last_failure_at).any())
    )
    decisive = last
    if success_after_failure:
        state = "published"
        decisive = successes.iloc[-1]
    else:
        later_cancel = rows[_bools(actions == "cancelled")]
        if len(publishing):
            decisive = publishing.iloc[-1]
        if len(later_cancel) and (
            not len(publishing) or later_cancel["created_at"].max() >= decisive["created_at"]
        ):
            state = "cancelled"
            decisive = later_cancel.iloc[-1]
        else:
            status = _text_or_none(decisive["status"])
            if status == "failed":
                state = "failed"
            elif status == "skipped":
                state = "skipped"
            else:
                # Pending, or only preparatory steps (a media upload) so far: in progress until it is too old.
                created = decisive["created_at"]
                state = "stuck" if pd.notna(created) and now - created > STUCK_AFTER else "pending"
    last_at = last["created_at"]
    return PlatformOutcome(
        platform=platform,
        state=state,
        attempts=len(rows),
        last_attempt_at=None if pd.isna(last_at) else last_at.to_pydatetime(),
        last_log_id=_text_or_none(last["log_id"]),
        platform_post_url=url,
        error_message=_text_or_none(decisive["error_message"])
        if state in ("failed", "skipped", "cancelled")
        else None,
        went_live=went_live,
    )


def post_outcome(attempts: pd.DataFrame, now: datetime) -> PostOutcome:
    """The final state of a post per platform, from its latest publish/retry attempts, and overall.

    Per platform: a publish/retry success after the last failure means published; otherwise the latest
    publish/retry decides (failed, skipped, pending), and pending older than STUCK_AFTER is stuck. A
    `cancelled` action after the last publish means cancelled. Overall: pending while any platform is still
    in progress; published when every platform went live (skipped/cancelled aside); partial when some did;
    failed when none did (stuck-only posts stay pending so nobody retries something that may yet go live).
    """
    now_ts = _utc(now)
    if attempts.empty:
        return PostOutcome(overall="pending", platforms=[])
    platforms = _filled(attempts["platform"], UNKNOWN)
    outcomes = [
        _platform_outcome(str(name), attempts[_bools(platforms == name)], now_ts)
        for name in sorted(platforms.unique())
    ]
    states = {o.state for o in outcomes}
    if "pending" in states:
        overall = "pending"
    elif "published" in states:
        overall = "published" if states <= {"published", "skipped", "cancelled"} else "partial"
    elif "stuck" in states:
        overall = "pending"
    else:
        overall = "failed"
    return PostOutcome(overall=overall, platforms=outcomes)
