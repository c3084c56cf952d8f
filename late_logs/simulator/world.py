"""The simulated world: profiles, accounts, posts and publishing attempts as a pure function of (seed, time).

Posts are generated lazily per hour with `random.Random(f"{seed}:{hour}")`, so any window is cheap and
identical across processes. An attempt exists once its createdAt has passed; a pending attempt shows its
final status once its settle time has passed. `now` only filters and settles, it never changes content.
"""

from __future__ import annotations

import base64
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import Any

from . import planted
from .catalog import (
    BRANDS,
    CAPTIONS,
    HASHTAGS,
    LONG_PARAGRAPH,
    NETWORK_ERRORS,
    PROCESSING_ERRORS,
    SKIP_REASONS,
    SPECS,
    UNKNOWN_ERROR,
    UPLOAD_ERROR,
    PlatformError,
    hostile_caption,
)

PLATFORMS = tuple(SPECS)  # same 13 as records.PLATFORMS, in catalogue order
SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
RETENTION_DAYS = 7
RETENTION_MS = RETENTION_DAYS * DAY_MS
# Every attempt of a post happens within this long after the post's hour ends, so a window needs
# only this many earlier hour buckets.
CHAIN_LIMIT_MS = 105 * MINUTE_MS
LOOKBACK_BUCKETS = 2
MAX_RAW_BODY = 5000
# About 50 MB per 768 hours at the default 1.0.1 volume; 2,400 holds the unified flavour's 90 days (which is
# sparser by default, so about as big as four dense weeks).
BUCKET_CACHE_SIZE = 2400
# How often each platform is among a post's targets (relative weights).
PLATFORM_WEIGHTS = {
    "instagram": 10,
    "facebook": 8,
    "tiktok": 8,
    "linkedin": 7,
    "twitter": 7,
    "threads": 5,
    "youtube": 4,
    "pinterest": 4,
    "bluesky": 4,
    "googlebusiness": 3,
    "telegram": 3,
    "reddit": 2,
    "snapchat": 2,
}
# Dead-token accounts die and get reconnected on a cycle, so a dead period is visible whatever "now" is.
# The two dead accounts are half a cycle apart, so at almost any moment one of them is dead.
DEAD_CYCLE_MS = 3 * DAY_MS
DEAD_LENGTH_MS = 35 * HOUR_MS

# cos((hour - 15h) * 2π/24): busiest at 15:00 UTC, quietest at 03:00 UTC.
_cos_table = tuple(math.cos((h - 15) * 2 * math.pi / 24) for h in range(24))
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso(ms: int) -> str:
    """Mongo-style ISO-8601 UTC text with milliseconds and `Z`."""
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("the simulator's clock must return timezone-aware datetimes")
    return int(round(moment.timestamp() * 1000))


def object_id(ms: int, rng: random.Random) -> str:
    """A 24-hex Mongo ObjectId whose first 8 hex digits are the creation second (used to find it again)."""
    return f"{ms // 1000:08x}{rng.getrandbits(64):016x}"


def id_seconds(value: str) -> int | None:
    """The creation second embedded in one of our ids, or None when it is not one of ours."""
    if len(value) not in (24, 25):
        return None
    try:
        int(value, 16)
    except ValueError:
        return None
    return int(value[:8], 16)


def meta_time(ms: int) -> str:
    """Meta prints token expiry in Pacific time, e.g. `Tuesday, 10-Feb-26 01:12:00 PST`."""
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc) - timedelta(hours=8)
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d}-{_MONTHS[moment.month - 1]}-"
        f"{moment.year % 100:02d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} PST"
    )


@dataclass(slots=True)
class Profile:
    id: str
    name: str
    handle: str
    lang: str
    accounts: list[Account] = field(default_factory=list)


@dataclass(slots=True)
class Account:
    id: str
    platform: str
    username: str
    display_name: str
    profile: Profile
    platform_uid: str
    dead_phase_ms: int | None = None  # set on the one or two accounts whose token dies

    @property
    def list_username(self) -> str:
        return SPECS[self.platform].handle_prefix + self.username

    def dead_since(self, t_ms: int) -> int | None:
        """When the token died, if it is dead at `t_ms` (it dies and is reconnected on a fixed cycle)."""
        if self.dead_phase_ms is None:
            return None
        cycle = (t_ms - self.dead_phase_ms) // DEAD_CYCLE_MS
        start = cycle * DEAD_CYCLE_MS + self.dead_phase_ms
        return start if t_ms < start + DEAD_LENGTH_MS else None

    def dead_periods(self, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
        """(start, end) of dead periods overlapping [lo, hi]."""
        if self.dead_phase_ms is None:
            return []
        periods = []
        cycle = (lo_ms - self.dead_phase_ms) // DEAD_CYCLE_MS - 1
        while True:
            start = cycle * DEAD_CYCLE_MS + self.dead_phase_ms
            if start > hi_ms:
                return periods
            if start + DEAD_LENGTH_MS >= lo_ms:
                periods.append((start, start + DEAD_LENGTH_MS))
            cycle += 1


@dataclass(slots=True)
class Outcome:
    status: str
    status_code: int | None = None
    error: PlatformError | None = None
    error_code: str | None = None
    error_message: str | None = None
    platform_post_id: str | None = None
    platform_post_url: str | None = None
    duration_ms: int = 0


@dataclass(slots=True)
class Attempt:
    id: str
    post: Post
    account: Account
    action: str
    created_ms: int
    attempt_number: int
    endpoint: str | None
    outcome: Outcome
    media: tuple[tuple[str, str], ...]
    previous_id: str | None = None
    pending: Outcome | None = None  # shown until settle_ms
    settle_ms: int = 0
    echo_headers: bool = False  # the raw request body echoes the Authorization header
    pause_minutes: int = 0  # rate_limit_pause only: how long the account is paused

    def outcome_at(self, now_ms: int) -> Outcome:
        if self.pending is not None and now_ms < self.settle_ms:
            return self.pending
        return self.outcome


@dataclass(slots=True)
class Post:
    id: str
    created_ms: int
    profile: Profile
    content: str
    media: tuple[tuple[str, str], ...]
    accounts: list[Account]
    cancelled: bool
    attempts: list[Attempt] = field(default_factory=list)
    status_memo: tuple[int, str] | None = None  # (now_ms, status): rendering a page asks many times

    def platform_states(self, now_ms: int) -> list[dict[str, Any]]:
        """Per target account: where the post stands at `now_ms` (from its latest visible attempt)."""
        states = []
        for account in self.accounts:
            chain = [a for a in self.attempts if a.account is account]
            seen = [a for a in chain if a.created_ms <= now_ms]
            state: dict[str, Any] = {"platform": account.platform, "accountId": account.id}
            if not seen:
                state["status"] = "scheduled"
            else:
                last = seen[-1]
                outcome = last.outcome_at(now_ms)
                if len(seen) < len(chain) or outcome.status == "pending":
                    state["status"] = "publishing"
                elif last.action == "cancelled":
                    state["status"] = "cancelled"
                elif outcome.status == "success":
                    state["status"] = "published"
                    state["platformPostId"] = outcome.platform_post_id
                    state["platformPostUrl"] = outcome.platform_post_url
                else:
                    state["status"] = "failed"
                    if outcome.error_message:
                        state["errorMessage"] = outcome.error_message
            states.append(state)
        return states

    def status_at(self, now_ms: int) -> str:
        memo = self.status_memo
        if memo is not None and memo[0] == now_ms:
            return memo[1]
        status = self._status_at(now_ms)
        self.status_memo = (now_ms, status)
        return status

    def _status_at(self, now_ms: int) -> str:
        statuses = {s["status"] for s in self.platform_states(now_ms)}
        if statuses == {"cancelled"}:
            return "cancelled"
        if statuses & {"publishing", "scheduled"}:
            return "publishing"
        if statuses == {"published"}:
            return "published"
        if "published" in statuses:
            return "partial"
        return "failed"


@dataclass(slots=True)
class Bucket:
    posts: list[Post]
    attempts: list[Attempt]
    attempts_by_id: dict[str, Attempt]
    posts_by_id: dict[str, Post]


# Buckets are pure functions of (seed, attempts_per_hour, hour), so every World shares one bounded cache:
# a test suite that builds many simulators generates each hour once.
_BUCKETS: OrderedDict[tuple[int, float, int], Bucket] = OrderedDict()
_BUCKETS_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _outage(seed: int, day: int) -> tuple[str, int, int] | None:
    """The platform outage of one UTC day, if there is one: (platform, start_ms, end_ms)."""
    rng = random.Random(f"{seed}:outage:{day}")
    if rng.random() >= 0.6:
        return None
    platform = rng.choice(PLATFORMS)
    start = day * DAY_MS + rng.randrange(DAY_MS - 2 * HOUR_MS)
    return platform, start, start + rng.randint(20, 75) * MINUTE_MS


class World:
    """Everything Late would hold for one user, generated on demand and cached per hour."""

    def __init__(self, seed: int, attempts_per_hour: float) -> None:
        self.seed = seed
        self.attempts_per_hour = float(attempts_per_hour)
        self._lock = threading.Lock()
        self._window_key: tuple[int, int] | None = None
        self._window: list[Attempt] = []
        rng = random.Random(f"{seed}:accounts")
        self.user_id = object_id(1_700_000_000_000, rng)
        self.bot_token = planted.TELEGRAM_BOT_TOKEN
        self.profiles = self._make_profiles(rng)
        self.accounts = [a for p in self.profiles for a in p.accounts]
        self.accounts_by_id = {a.id: a for a in self.accounts}

    # ---- accounts -------------------------------------------------------------------------------

    def _make_profiles(self, rng: random.Random) -> list[Profile]:
        platforms = list(PLATFORMS)
        rng.shuffle(platforms)
        profiles = []
        for index, (name, handle, lang) in enumerate(BRANDS):
            profile = Profile(object_id(1_700_000_000_000 + index * 1000, rng), name, handle, lang)
            # Spread the 13 platforms over the brands first so every platform has an account.
            chosen = platforms[index :: len(BRANDS)]
            extra = [p for p in PLATFORMS if p not in chosen]
            rng.shuffle(extra)
            chosen += extra[: max(0, rng.randint(4, 6) - len(chosen))]
            for platform in chosen:
                profile.accounts.append(self._make_account(rng, profile, platform))
            profiles.append(profile)
        phase = rng.randrange(DEAD_CYCLE_MS // MINUTE_MS) * MINUTE_MS
        dead_platforms = ["instagram", "linkedin"]
        for account in [a for p in profiles for a in p.accounts]:
            if account.platform in dead_platforms:
                dead_platforms.remove(account.platform)
                account.dead_phase_ms = phase
                phase = (phase + DEAD_CYCLE_MS // 2 + rng.randrange(-90, 90) * MINUTE_MS) % DEAD_CYCLE_MS
        return profiles

    def _make_account(self, rng: random.Random, profile: Profile, platform: str) -> Account:
        handle = profile.handle
        username = {
            "bluesky": f"{handle}.bsky.social",
            "telegram": f"{handle}_channel",
            "googlebusiness": f"{profile.name} - Downtown",
            "youtube": f"{handle}TV",
            "reddit": f"{handle}_official",
        }.get(platform, handle)
        display = profile.name if platform != "googlebusiness" else username
        uid = {
            "instagram": f"1784{rng.randrange(10**13):013d}",
            "facebook": f"1{rng.randrange(10**14):014d}",
            "threads": f"2{rng.randrange(10**15):015d}",
            "googlebusiness": f"{rng.randrange(10**18):018d}",
            "bluesky": "did:plc:"
            + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24)),
        }.get(platform, f"{rng.randrange(10**10):010d}")
        return Account(object_id(1_700_000_000_000, rng), platform, username, display, profile, uid)

    # ---- hour buckets -----------------------------------------------------------------------------

    def bucket(self, hour: int) -> Bucket:
        key = (self.seed, self.attempts_per_hour, hour)
        with _BUCKETS_LOCK:
            found = _BUCKETS.get(key)
            if found is not None:
                _BUCKETS.move_to_end(key)
                return found
        made = self._generate(hour)  # pure, so a race only wastes a little work
        with _BUCKETS_LOCK:
            _BUCKETS[key] = made
            while len(_BUCKETS) > BUCKET_CACHE_SIZE:
                _BUCKETS.popitem(last=False)
        return made

    def _target(self, rng: random.Random, hour: int) -> int:
        # Busier in the European/American daytime, quieter at night; the factor averages 1 over a day.
        hour_of_day = hour % 24
        factor = 1.0 + 0.5 * _cos_table[hour_of_day]
        return int(round(self.attempts_per_hour * factor * rng.uniform(0.75, 1.25)))

    def _generate(self, hour: int) -> Bucket:
        rng = random.Random(f"{self.seed}:{hour}")
        target = self._target(rng, hour)
        posts: list[Post] = []
        attempts: list[Attempt] = []
        while len(attempts) < target:
            post = self._make_post(rng, hour)
            posts.append(post)
            attempts.extend(post.attempts)
        return Bucket(posts, attempts, {a.id: a for a in attempts}, {p.id: p for p in posts})

    def _make_post(self, rng: random.Random, hour: int) -> Post:
        start = hour * HOUR_MS + rng.randrange(HOUR_MS)
        profile = rng.choice(self.profiles)
        count = min(len(profile.accounts), rng.choices((1, 2, 3, 4), (35, 30, 20, 15))[0])
        pool = list(profile.accounts)
        accounts = []
        for _ in range(count):  # weighted sampling without replacement: Instagram is busier than Snapchat
            pick = rng.choices(pool, [PLATFORM_WEIGHTS[a.platform] for a in pool])[0]
            pool.remove(pick)
            accounts.append(pick)
        specs = [SPECS[a.platform] for a in accounts]
        media: tuple[tuple[str, str], ...] = ()
        if any(s.needs_video for s in specs) or (any(s.needs_media for s in specs) and rng.random() < 0.45):
            media = (("video", f"https://storage.getlate.dev/uploads/{rng.getrandbits(48):012x}.mp4"),)
        elif any(s.needs_media for s in specs) or rng.random() < 0.5:
            media = tuple(
                ("image", f"https://storage.getlate.dev/uploads/{rng.getrandbits(48):012x}.jpg")
                for _ in range(rng.choices((1, 2, 3, 4), (60, 20, 10, 10))[0])
            )
        post = Post(
            id=object_id(start, rng),
            created_ms=start,
            profile=profile,
            content=self._caption(rng, profile),
            media=media,
            accounts=accounts,
            cancelled=rng.random() < 0.015,
        )
        for account in accounts:
            post.attempts.extend(self._chain(rng, post, account))
        post.attempts.sort(key=attrgetter("created_ms"))
        return post

    def _caption(self, rng: random.Random, profile: Profile) -> str:
        roll = rng.random()
        if roll < 0.03:
            return hostile_caption(rng.randrange(8))
        text = rng.choice(CAPTIONS[profile.lang] if profile.lang in CAPTIONS else CAPTIONS["en"])
        if roll < 0.06:
            # LinkedIn-length essays: the raw request body hits Late's 5000-char cut.
            text += "\n\n" + LONG_PARAGRAPH * rng.randint(12, 30)
        elif roll < 0.12:
            text += "\n" + rng.choice(CAPTIONS["ja"] + CAPTIONS["ar"])
        tags = rng.sample(HASHTAGS, rng.randint(0, 3))
        return (text + (" " + " ".join(tags) if tags else "")).strip()

    # ---- one post on one account: upload, publish, failures, pauses, retries ------------------------

    def _chain(self, rng: random.Random, post: Post, account: Account) -> list[Attempt]:
        spec = SPECS[account.platform]
        chain: list[Attempt] = []
        t = post.created_ms + rng.randrange(300, 15_000)
        limit = post.created_ms + CHAIN_LIMIT_MS  # later attempts would fall outside the lookback

        def add(
            action: str, outcome: Outcome, number: int, endpoint: str | None, media=post.media
        ) -> Attempt:
            attempt = Attempt(
                id=object_id(t, rng),
                post=post,
                account=account,
                action=action,
                created_ms=t,
                attempt_number=number,
                endpoint=endpoint,
                outcome=outcome,
                media=media,
                previous_id=chain[-1].id if chain else None,
                echo_headers=rng.random() < 0.35,
            )
            chain.append(attempt)
            return attempt

        if post.cancelled:
            add(
                "cancelled",
                Outcome("skipped", None, None, "CANCELLED", "Post was cancelled before publishing"),
                1,
                None,
            )
            return chain

        dead = account.dead_since(t)
        if dead is not None:
            error = spec.token_error
            message = (error.message or "").replace("{dead_since}", meta_time(dead))
            failed = Outcome(
                "failed", error.status_code, error, error.code, message, duration_ms=rng.randint(120, 900)
            )
            if spec.refresh_endpoint and rng.random() < 0.3:
                add("token_refresh", failed, 1, self._refresh_endpoint(spec.name))
                t += rng.randint(200, 2000)
                failed = Outcome(
                    "failed", error.status_code, error, error.code, message, duration_ms=rng.randint(120, 900)
                )
            add("publish", failed, 1, self._endpoint(rng, account, "publish", post))
            return chain

        if spec.refresh_endpoint and rng.random() < 0.05:
            add(
                "token_refresh",
                Outcome("success", 200, duration_ms=rng.randint(150, 1200)),
                1,
                self._refresh_endpoint(spec.name),
            )
            t += rng.randint(300, 3000)

        is_video = bool(post.media) and post.media[0][0] == "video"
        # Facebook and Pinterest take image URLs directly; only video needs an upload step there.
        needs_upload = spec.upload_endpoint is not None and (
            is_video or spec.name not in ("facebook", "pinterest")
        )
        if post.media and needs_upload:
            # Instagram builds one container per carousel item; elsewhere one upload step covers the media.
            items = [(m,) for m in post.media] if spec.name == "instagram" else [post.media]
            for item in items:
                roll = rng.random()
                if roll < 0.012:
                    add(
                        "media_upload",
                        self._failure(rng, UPLOAD_ERROR),
                        1,
                        self._endpoint(rng, account, "media_upload", post),
                        item,
                    )
                    return chain
                if roll < 0.025:
                    add(
                        "media_upload",
                        self._failure(rng, rng.choice(NETWORK_ERRORS)),
                        1,
                        self._endpoint(rng, account, "media_upload", post),
                        item,
                    )
                    t += rng.randint(20_000, 90_000)
                    add(
                        "media_upload",
                        self._success(rng, account, upload=True),
                        2,
                        self._endpoint(rng, account, "media_upload", post),
                        item,
                    )
                else:
                    add(
                        "media_upload",
                        self._success(rng, account, upload=True),
                        1,
                        self._endpoint(rng, account, "media_upload", post),
                        item,
                    )
                t += rng.randint(1500, 25_000 if item[0][0] == "video" else 6000)

        number = 1
        outcome, pending, settle = self._publish_outcome(rng, account, t, post, None)
        action = "publish"
        while True:
            attempt = add(action, outcome, number, self._endpoint(rng, account, action, post))
            if pending is not None:
                attempt.pending, attempt.settle_ms = pending, settle
            if outcome.status != "failed" or number >= 3:
                return chain
            error = outcome.error
            retry_chance = 0.9 if error is not None and error.retryable else 0.25
            if error is None or rng.random() >= retry_chance:
                return chain
            if error.kind == "rate":
                pause = rng.choice((10, 20, 40))
                t += rng.randint(200, 1500)
                if t > limit:
                    return chain
                paused = add(
                    "rate_limit_pause",
                    Outcome(
                        "skipped",
                        429,
                        None,
                        "RATE_LIMIT_PAUSE",
                        f"Account paused for {pause} minutes after a rate limit from {spec.name}",
                    ),
                    number,
                    None,
                )
                paused.pause_minutes = pause
                t += pause * MINUTE_MS
            else:
                t += rng.randint(60_000, 300_000) * number
            if t > limit:
                return chain
            number += 1
            action = "retry"
            outcome, pending, settle = self._publish_outcome(rng, account, t, post, error)

    def _publish_outcome(
        self, rng: random.Random, account: Account, t: int, post: Post, previous: PlatformError | None
    ) -> tuple[Outcome, Outcome | None, int]:
        """(outcome, pending-outcome-or-None, settle time) of one publish or retry."""
        spec = SPECS[account.platform]
        dead = account.dead_since(t)
        if dead is not None:
            error = spec.token_error
            message = (error.message or "").replace("{dead_since}", meta_time(dead))
            return (
                Outcome(
                    "failed", error.status_code, error, error.code, message, duration_ms=rng.randint(120, 900)
                ),
                None,
                0,
            )
        if previous is not None:
            roll = rng.random()
            if not previous.retryable:
                return self._failure(rng, previous), None, 0  # a blind retry of a permanent error
            if previous.code == "ETIMEDOUT" and spec.name == "twitter" and roll < 0.5:
                # The first try went through after all: the retry is a duplicate.
                return self._failure(rng, spec.errors[0]), None, 0
            if roll < 0.2:
                return self._failure(rng, previous), None, 0
            if roll >= 0.3:
                return self._succeed_or_pend(rng, account, t, post)
        outage = _outage(self.seed, t // DAY_MS)
        if outage and outage[0] == spec.name and outage[1] <= t < outage[2] and rng.random() < 0.8:
            return self._failure(rng, spec.outage_error), None, 0
        roll = rng.random()
        if roll < spec.fail_rate:
            kind = rng.random()
            if kind < 0.14:
                error = rng.choices(NETWORK_ERRORS, [e.weight for e in NETWORK_ERRORS])[0]
            elif kind < 0.22:
                error = UNKNOWN_ERROR
            elif kind < 0.3:
                error = spec.outage_error
            else:
                error = rng.choices(spec.errors, [e.weight for e in spec.errors])[0]
            return self._failure(rng, error), None, 0
        if roll < spec.fail_rate + 0.012:
            code, message = rng.choice(SKIP_REASONS)
            return Outcome("skipped", None, None, code, message), None, 0
        return self._succeed_or_pend(rng, account, t, post)

    def _succeed_or_pend(
        self, rng: random.Random, account: Account, t: int, post: Post
    ) -> tuple[Outcome, Outcome | None, int]:
        spec = SPECS[account.platform]
        success = self._success(rng, account)
        is_video = any(kind == "video" for kind, _ in post.media)
        if not (spec.async_publish and is_video and rng.random() < 0.4):
            return success, None, 0
        pending = Outcome("pending", 200, duration_ms=rng.randint(300, 2500))
        final = success
        if rng.random() < 0.08:
            final = self._failure(rng, PROCESSING_ERRORS[spec.name])
        final.duration_ms = pending.duration_ms
        roll = rng.random()
        if roll < 0.05:
            return pending, None, 0  # stuck: stays pending for good
        if roll < 0.15:
            delay = rng.randint(35, 150) * MINUTE_MS
        else:
            delay = rng.randint(60, 12 * 60) * SECOND_MS
        return final, pending, t + delay

    def _failure(self, rng: random.Random, error: PlatformError) -> Outcome:
        duration = 60_000 if error.code == "ETIMEDOUT" else rng.randint(90, 2500)
        return Outcome("failed", error.status_code, error, error.code, error.message, duration_ms=duration)

    def _success(self, rng: random.Random, account: Account, upload: bool = False) -> Outcome:
        platform = account.platform
        code = 201 if platform in ("twitter", "linkedin", "pinterest") else 200
        if upload:
            return Outcome("success", code, duration_ms=rng.randint(800, 30_000))
        digits = lambda n: str(rng.randrange(10 ** (n - 1), 10**n))  # noqa: E731
        short = base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()[:11]
        handle = account.username
        if platform == "instagram":
            pid, url_id = "178" + digits(14), short
        elif platform == "facebook":
            pid = f"{account.platform_uid}_{digits(16)}"
            url_id = pid
        elif platform == "threads":
            pid, url_id = "180" + digits(14), short
        elif platform == "tiktok":
            pid = url_id = "73" + digits(17)
        elif platform == "youtube":
            pid = url_id = short
        elif platform == "twitter":
            pid = url_id = "18" + digits(17)
        elif platform == "linkedin":
            pid = url_id = "urn:li:share:71" + digits(17)
        elif platform == "reddit":
            rid = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(7))
            pid, url_id = "t3_" + rid, rid
        elif platform == "bluesky":
            rkey = "3k" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(11))
            pid, url_id = f"at://{account.platform_uid}/app.bsky.feed.post/{rkey}", rkey
        elif platform == "googlebusiness":
            pid = f"accounts/{account.platform_uid}/locations/{digits(18)}/localPosts/{digits(19)}"
            url_id = digits(19)
        elif platform == "telegram":
            pid = url_id = str(rng.randint(100, 99_999))
        else:
            pid = url_id = f"{rng.getrandbits(128):032x}"
        url = SPECS[platform].post_url.format(pid=url_id, handle=handle)
        return Outcome(
            "success",
            code,
            platform_post_id=pid,
            platform_post_url=url,
            duration_ms=int(rng.lognormvariate(7.2, 0.6)),
        )

    def _endpoint(self, rng: random.Random, account: Account, action: str, post: Post) -> str:
        spec = SPECS[account.platform]
        template = spec.upload_endpoint if action == "media_upload" else spec.publish_endpoint
        assert template is not None
        endpoint = template.replace("{uid}", account.platform_uid).replace("{bot_token}", self.bot_token)
        if account.platform == "telegram" and post.media:
            endpoint = endpoint.replace(
                "sendMessage", "sendVideo" if post.media[0][0] == "video" else "sendPhoto"
            )
        if account.platform in ("instagram", "facebook", "threads") and rng.random() < 0.3:
            # Meta Graph calls often carry the user token in the query string, and Late logs the full URL.
            endpoint += ("&" if "?" in endpoint else "?") + f"access_token={planted.META_ACCESS_TOKEN}"
        return endpoint

    def _refresh_endpoint(self, platform: str) -> str:
        base = SPECS[platform].refresh_endpoint or ""
        if platform in ("instagram", "facebook"):
            return (
                f"{base}?grant_type=fb_exchange_token&client_id=1447207065540478"
                f"&client_secret={planted.OAUTH_CLIENT_SECRET}&fb_exchange_token={planted.META_ACCESS_TOKEN}"
            )
        if platform == "threads":
            return f"{base}?grant_type=th_refresh_token&access_token={planted.META_ACCESS_TOKEN}"
        return base

    # ---- queries ----------------------------------------------------------------------------------

    def attempts_between(self, lo_ms: int, hi_ms: int) -> list[Attempt]:
        """Attempts created in [lo_ms, hi_ms], newest first (ties broken by id, so the order is total)."""
        key = (lo_ms, hi_ms)
        with self._lock:
            if self._window_key == key:
                return self._window
        found: list[Attempt] = []
        for hour in range(lo_ms // HOUR_MS - LOOKBACK_BUCKETS, hi_ms // HOUR_MS + 1):
            found.extend(a for a in self.bucket(hour).attempts if lo_ms <= a.created_ms <= hi_ms)
        found.sort(key=attrgetter("created_ms", "id"), reverse=True)
        with self._lock:
            self._window_key, self._window = key, found
        return found

    def find_attempt(self, log_id: str) -> Attempt | None:
        seconds = id_seconds(log_id)
        if seconds is None:
            return None
        hour = seconds * 1000 // HOUR_MS
        for candidate in range(hour - LOOKBACK_BUCKETS, hour + 1):
            found = self.bucket(candidate).attempts_by_id.get(log_id)
            if found is not None:
                return found
        return None

    def find_post(self, post_id: str) -> Post | None:
        seconds = id_seconds(post_id)
        if seconds is None:
            return None
        return self.bucket(seconds * 1000 // HOUR_MS).posts_by_id.get(post_id)
