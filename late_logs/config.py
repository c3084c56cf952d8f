"""One frozen `Settings` from environment variables, CLI flags and `.streamlit/secrets.toml`.

This is the only module that reads configuration. With no API key set, late-logs runs in demo mode:
the simulated Late API in-process, with its own cache folder so demo data never mixes with real data.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from late_logs.redact import mask_url, register_secret

# The newest official spec's server (CONTRACT.md: Zernio 1.0.4, 2026-08-22); https://getlate.dev/api, the
# Late-era server, keeps working when set.
DEFAULT_BASE_URL = "https://zernio.com/api"
# Which contract to speak: find out from the first list answer, or one of records.FLAVORS.
FLAVOR_AUTO = "auto"
FLAVOR_CHOICES = ("auto", "late-1.0", "unified")
# The part of the key's rate limit (X-RateLimit-Limit) the collector may use; the rest is the team's.
DEFAULT_RATE_SHARE = 0.5
# The longest wait a 429 may ask for that a pass sits out; longer ones are told at once.
DEFAULT_MAX_WAIT_SECONDS = 120
DEFAULT_POLL_SECONDS = 300
DEFAULT_RETENTION_DAYS = 90
DEFAULT_RESOLVE_HOURS = 24  # a group with no failure for this long is resolved (late_logs.ledger)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"  # where digest and alert links point
SECRETS_FILE = Path(".streamlit") / "secrets.toml"


class ConfigError(ValueError):
    """A setting has a value late-logs cannot use; the message says which and what is allowed."""


def default_cache_root() -> Path:
    """The per-user cache folder (XDG on Linux, ~/Library/Caches on macOS, LOCALAPPDATA on Windows)."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "late-logs"


@dataclass(frozen=True)
class Settings:
    """Everything late-logs needs to know about where to read and where to keep.

    Usage::

        settings = load_settings()
        settings.demo        # True when no API key is set: the simulator answers
        settings.cache_dir   # where the store lives (a separate folder in demo mode)
    """

    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    cache_dir: Path = field(default_factory=lambda: default_cache_root() / "live")
    poll_seconds: int = DEFAULT_POLL_SECONDS
    retention_days: int = DEFAULT_RETENTION_DAYS
    flavor: str = FLAVOR_AUTO
    rate_share: float = DEFAULT_RATE_SHARE
    max_wait_seconds: int = DEFAULT_MAX_WAIT_SECONDS
    demo_flavor: str = "late-1.0"
    resolve_hours: int = DEFAULT_RESOLVE_HOURS
    public_url: str = DEFAULT_PUBLIC_URL
    alert_webhook: str | None = field(default=None, repr=False)  # a Slack webhook URL is a secret

    @property
    def demo(self) -> bool:
        return not self.api_key

    @property
    def key_is_set(self) -> bool:
        return bool(self.api_key)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with CLI flags applied; `None` values mean "flag not given"."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def __repr__(self) -> str:  # never show the key, only whether there is one
        return (
            f"Settings(key_set={self.key_is_set}, base_url={mask_url(self.base_url)!r}, "
            f"cache_dir={str(self.cache_dir)!r}, poll_seconds={self.poll_seconds}, "
            f"retention_days={self.retention_days}, flavor={self.flavor!r}, rate_share={self.rate_share})"
        )

    __str__ = __repr__


def read_secrets_file(path: Path = SECRETS_FILE) -> dict[str, object]:
    """The flat keys of `.streamlit/secrets.toml`, or nothing when the file is absent."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or remove it.") from None


def _int_setting(name: str, raw: object, minimum: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {str(raw)!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _choice(name: str, raw: object | None, allowed: tuple[str, ...], default: str) -> str:
    if raw is None:
        return default
    value = str(raw).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {str(raw)!r}.")
    return value


def _share_setting(raw: object | None) -> float:
    """LATE_LOGS_RATE_SHARE: the part of the key's rate limit late-logs may use, above 0 and at most 1."""
    if raw is None:
        return DEFAULT_RATE_SHARE
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ConfigError(f"LATE_LOGS_RATE_SHARE must be a number, got {str(raw)!r}.") from None
    if not 0 < value <= 1:
        raise ConfigError(f"LATE_LOGS_RATE_SHARE must be above 0 and at most 1 (0.5 is half), got {value}.")
    return value


def load_settings(
    env: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> Settings:
    """Settings from the environment, falling back to secrets.toml keys of the same names.

    Environment variables win over secrets.toml, so a one-off `LATE_API_KEY=... streamlit run` works.
    """
    env = os.environ if env is None else env
    secrets = read_secrets_file() if secrets is None else secrets

    def get(name: str) -> object | None:
        value = env.get(name)
        if value is None or value == "":
            value = secrets.get(name)
        return None if value in (None, "") else value

    api_key = get("LATE_API_KEY")
    api_key = str(api_key).strip() if api_key is not None else None
    register_secret(api_key)  # from here on the key is replaced wherever it appears: store, screen, export
    base_url = str(get("LATE_API_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    cache = get("LATE_LOGS_CACHE_DIR")
    root = Path(str(cache)).expanduser() if cache else None
    demo = not api_key
    if root is None:
        cache_dir = default_cache_root() / ("demo" if demo else "live")
    else:
        cache_dir = root / "demo" if demo else root
    poll = get("LATE_LOGS_POLL_SECONDS")
    retention = get("LATE_LOGS_RETENTION_DAYS")
    max_wait = get("LATE_LOGS_MAX_WAIT_SECONDS")
    resolve = get("LATE_LOGS_RESOLVE_HOURS")
    webhook = get("LATE_LOGS_ALERT_WEBHOOK")
    register_secret(str(webhook).strip() if webhook else None)  # its path is the credential
    return Settings(
        resolve_hours=(
            DEFAULT_RESOLVE_HOURS if resolve is None else _int_setting("LATE_LOGS_RESOLVE_HOURS", resolve, 1)
        ),
        public_url=str(get("LATE_LOGS_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/"),
        alert_webhook=str(webhook).strip() if webhook else None,
        api_key=api_key or None,
        base_url=base_url,
        cache_dir=cache_dir,
        flavor=_choice("LATE_API_FLAVOR", get("LATE_API_FLAVOR"), FLAVOR_CHOICES, FLAVOR_AUTO),
        demo_flavor=_choice(
            "LATE_LOGS_DEMO_FLAVOR", get("LATE_LOGS_DEMO_FLAVOR"), FLAVOR_CHOICES[1:], "late-1.0"
        ),
        rate_share=_share_setting(get("LATE_LOGS_RATE_SHARE")),
        max_wait_seconds=(
            DEFAULT_MAX_WAIT_SECONDS
            if max_wait is None
            else _int_setting("LATE_LOGS_MAX_WAIT_SECONDS", max_wait, 1)
        ),
        poll_seconds=(
            DEFAULT_POLL_SECONDS if poll is None else _int_setting("LATE_LOGS_POLL_SECONDS", poll, 0)
        ),
        retention_days=(
            DEFAULT_RETENTION_DAYS
            if retention is None
            else _int_setting("LATE_LOGS_RETENTION_DAYS", retention, 1)
        ),
    )
