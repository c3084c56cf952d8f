"""One frozen `Settings` from environment variables, CLI flags and `.streamlit/secrets.toml`.

This is the only module that reads configuration. With no API key set, late-logs runs in demo mode:
the simulated Late API in-process, with its own cache folder so demo data never mixes with real data.

Sources: an agency with several Late workspaces names each key with a label, in `LATE_API_KEYS`
(`acme=sk_...,globex=sk_...`) or in a small TOML or JSON file named by `LATE_LOGS_SOURCES_FILE` (label, key,
optional base URL and flavor). `LATE_API_KEY` alone is one source labelled `default`, and so is the demo.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from late_logs.records import DEFAULT_SOURCE, MAX_LABEL_LENGTH, is_source_label
from late_logs.redact import mask_url, redact_text, register_secret

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
# The alert rules (late_logs.alerts), all on by default; LATE_LOGS_ALERT_RULES picks some, or `none`.
ALERT_RULES = ("new_group", "regressed_group", "cell_worse", "token_dead", "post_stuck")
NO_ALERT_RULES = "none"
# The window the rules judge: the last this many hours (a group's failures, a cell against the same hours
# before, a dead token, a stuck post). Its attempts are read into pandas, so it stops at a week.
DEFAULT_ALERT_WINDOW_HOURS = 24
MAX_ALERT_WINDOW_HOURS = 168
# A first pass over a big store must not flood the channel; the rest go out on the next passes.
DEFAULT_ALERT_MAX_PER_PASS = 50
# A new or regressed group alerts once it has this many failures in the window.
DEFAULT_ALERT_MIN_FAILURES = 1
# cell_worse: a platform × action cell worse than usual (late_logs.baselines) by at least this many excess
# failures and this many times its usual failure rate. Stricter than the Overview's "worse than usual"
# (3 excess): a chat message should be worth reading.
DEFAULT_ALERT_CELL_EXCESS = 10.0
DEFAULT_ALERT_CELL_RATIO = 2.0
# post_stuck: a post alerts once an attempt of it has been pending this long (the pages call 30 min stuck).
DEFAULT_ALERT_STUCK_MINUTES = 30
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
class Source:
    """One Late workspace late-logs collects from: its label (in records, URLs and the state's key), its key,
    where its API lives and which contract it speaks. The key is never in the repr."""

    label: str
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    flavor: str = FLAVOR_AUTO

    def __repr__(self) -> str:
        return (
            f"Source(label={self.label!r}, key_set={bool(self.api_key)}, "
            f"base_url={mask_url(self.base_url)!r}, flavor={self.flavor!r})"
        )

    __str__ = __repr__


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
    alert_rules: tuple[str, ...] = ALERT_RULES
    alert_min_failures: int = DEFAULT_ALERT_MIN_FAILURES
    alert_cell_excess: float = DEFAULT_ALERT_CELL_EXCESS
    alert_cell_ratio: float = DEFAULT_ALERT_CELL_RATIO
    alert_stuck_minutes: int = DEFAULT_ALERT_STUCK_MINUTES
    alert_window_hours: int = DEFAULT_ALERT_WINDOW_HOURS
    alert_max_per_pass: int = DEFAULT_ALERT_MAX_PER_PASS
    # Several workspaces (LATE_API_KEYS or LATE_LOGS_SOURCES_FILE); empty: the one of api_key (or the demo).
    configured_sources: tuple[Source, ...] = field(default=(), repr=False)

    @property
    def demo(self) -> bool:
        return not self.api_key

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every workspace to collect from, in the order configured; one (`default`) unless several are."""
        if self.configured_sources:
            return self.configured_sources
        return (Source(DEFAULT_SOURCE, self.api_key, self.base_url, self.flavor),)

    @property
    def several_sources(self) -> bool:
        return len(self.sources) > 1

    def source(self, label: str | None = None) -> Source:
        """The source of this label (the first one when None); ConfigError for a label not configured."""
        if label is None:
            return self.sources[0]
        for candidate in self.sources:
            if candidate.label == label:
                return candidate
        raise ConfigError(f"there is no source labelled {label!r}; configured: {self.source_labels_text()}.")

    def source_labels_text(self) -> str:
        return ", ".join(s.label for s in self.sources)

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
            f"retention_days={self.retention_days}, flavor={self.flavor!r}, rate_share={self.rate_share}, "
            f"sources={self.source_labels_text()!r})"
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


def _int_setting(name: str, raw: object, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {str(raw)!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}.")
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


def _number_setting(name: str, raw: object | None, default: float, minimum: float, meaning: str) -> float:
    """A number at least `minimum` (`meaning` says what it is for, in the error sentence)."""
    if raw is None:
        return default
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number ({meaning}), got {str(raw)!r}.") from None
    if not value >= minimum or value == float("inf"):  # NaN fails the first test
        raise ConfigError(f"{name} must be a number of at least {minimum:g} ({meaning}), got {str(raw)!r}.")
    return value


def _rules_setting(raw: object | None) -> tuple[str, ...]:
    """LATE_LOGS_ALERT_RULES: comma-separated rule names (in any order and casing), or `none`."""
    if raw is None:
        return ALERT_RULES
    names = [part.strip().lower() for part in str(raw).split(",") if part.strip()]
    if names == [NO_ALERT_RULES]:
        return ()
    unknown = [name for name in names if name not in ALERT_RULES]
    if unknown or not names:
        shown = ", ".join(repr(n) for n in unknown) if unknown else repr(str(raw))
        raise ConfigError(
            f"LATE_LOGS_ALERT_RULES names {shown}, not a rule; write some of {', '.join(ALERT_RULES)} "
            f"separated by commas, or {NO_ALERT_RULES}."
        )
    return tuple(rule for rule in ALERT_RULES if rule in names)  # the one order alerts are made in


def _webhook_setting(raw: object | None) -> str | None:
    """LATE_LOGS_ALERT_WEBHOOK: an http(s) URL with a host. The URL is a credential (its path is the
    token), so the sentence of a bad one never repeats it: a mistyped port or a missing scheme would
    otherwise surface later, on every pass, as an "unexpected error" or an unreachable webhook."""
    if raw is None:
        return None
    url = str(raw).strip()
    if not url:
        return None
    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it (ValueError for "host:abc" or out of range)
    except ValueError:
        problem = "it does not parse as a URL"
    else:
        if parts.scheme.lower() not in ("http", "https"):
            problem = "it must start with https:// (or http://)"
        elif not parts.hostname:
            problem = "it names no host"
        elif any(ord(c) < 33 or ord(c) == 127 for c in url):
            problem = "it holds a space or a control character"
    if problem:
        raise ConfigError(
            f"LATE_LOGS_ALERT_WEBHOOK is not a usable webhook URL: {problem} (the URL is a secret, so it is "
            "not repeated here); set it to the incoming webhook URL Slack (or your receiver) gave you."
        )
    return url


SOURCES_FILE_FIELDS = ("label", "key", "base_url", "flavor")


def _label(raw: object, where: str) -> str:
    label = str(raw).strip() if raw is not None else ""
    if not is_source_label(label):
        # A long "label" may be a key written first (sk_...=acme): quoted only when short, and redacted.
        shown = repr(redact_text(label)) if len(label) <= MAX_LABEL_LENGTH else f"of {len(label)} characters"
        raise ConfigError(
            f"{where}: the label {shown} must be 1 to {MAX_LABEL_LENGTH} lowercase letters, digits, - or _, "
            "starting with a letter or a digit."
        )
    return label


def parse_api_keys(text: str, base_url: str, flavor: str) -> tuple[Source, ...]:
    """`LATE_API_KEYS`: comma-separated `label=key` pairs, each source at the common base URL and flavor.
    Error sentences name the label and the position, never the key."""
    sources: list[Source] = []
    for position, part in enumerate(str(text).split(","), start=1):
        part = part.strip()
        if not part:
            continue
        label_text, equals, key = part.partition("=")
        if not equals:
            raise ConfigError(
                f"LATE_API_KEYS entry {position} is not label=key (e.g. acme=sk_...); "
                "separate sources with commas."
            )
        label = _label(label_text, f"LATE_API_KEYS entry {position}")
        key = key.strip()
        register_secret(key)  # before anything can fail and quote it
        if not key:
            raise ConfigError(f"LATE_API_KEYS: the source {label!r} has no key after the '='.")
        sources.append(Source(label, key, base_url, flavor))
    if not sources:
        raise ConfigError("LATE_API_KEYS is set but names no source; write label=key pairs, e.g. acme=sk_...")
    return tuple(sources)


def read_sources_file(path: Path, base_url: str, flavor: str) -> tuple[Source, ...]:
    """`LATE_LOGS_SOURCES_FILE`: a TOML file of `[[source]]` tables, or a JSON list of objects, each with
    `label`, `key`, optional `base_url` and `flavor` (the common ones otherwise)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"LATE_LOGS_SOURCES_FILE {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        if path.suffix.lower() == ".json":
            loaded: object = json.loads(content.decode("utf-8"))
        else:
            loaded = tomllib.loads(content.decode("utf-8")).get("source")
    except (ValueError, UnicodeDecodeError):
        # The parser's message may quote a line of the file, and a line may hold a key: not repeated here.
        raise ConfigError(f"LATE_LOGS_SOURCES_FILE {path} is not valid {_file_kind(path)}.") from None
    if not isinstance(loaded, list) or not loaded:
        raise ConfigError(
            f"LATE_LOGS_SOURCES_FILE {path} names no source: write a [[source]] table per workspace (TOML) "
            "or a list of objects (JSON), each with label and key."
        )
    sources: list[Source] = []
    for position, item in enumerate(loaded, start=1):
        where = f"LATE_LOGS_SOURCES_FILE source {position}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} is not a table with label and key.")
        key = item.get("key")
        register_secret(key if isinstance(key, str) else None)
        unknown = sorted(str(name) for name in item if name not in SOURCES_FILE_FIELDS)
        if unknown:
            raise ConfigError(
                f"{where} has unknown field(s) {', '.join(unknown)}; allowed: label, key, base_url, flavor."
            )
        label = _label(item.get("label"), where)
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"{where} ({label}) has no key.")
        url = item.get("base_url")
        sources.append(
            Source(
                label,
                key.strip(),
                str(url).strip().rstrip("/") if url else base_url,
                _choice(f"{where} ({label}) flavor", item.get("flavor"), FLAVOR_CHOICES, flavor),
            )
        )
    return tuple(sources)


def _file_kind(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "TOML"


def _unique(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    seen: set[str] = set()
    for candidate in sources:
        if candidate.label in seen:
            raise ConfigError(
                f"the source label {candidate.label!r} is used twice; each source needs its own."
            )
        seen.add(candidate.label)
    return sources


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

    def whole(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
        raw = get(name)
        return default if raw is None else _int_setting(name, raw, minimum, maximum)

    api_key = get("LATE_API_KEY")
    api_key = str(api_key).strip() if api_key is not None else None
    register_secret(api_key)  # from here on the key is replaced wherever it appears: store, screen, export
    base_url = str(get("LATE_API_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    flavor = _choice("LATE_API_FLAVOR", get("LATE_API_FLAVOR"), FLAVOR_CHOICES, FLAVOR_AUTO)
    sources = _configured_sources(get("LATE_API_KEYS"), get("LATE_LOGS_SOURCES_FILE"), base_url, flavor)
    if sources:
        if api_key:
            raise ConfigError(
                "LATE_API_KEY and LATE_API_KEYS (or LATE_LOGS_SOURCES_FILE) are both set; keep one "
                "(to keep LATE_API_KEY's stored state, name it default=... in LATE_API_KEYS)."
            )
        api_key = sources[0].api_key
    cache = get("LATE_LOGS_CACHE_DIR")
    root = Path(str(cache)).expanduser() if cache else None
    demo = not api_key
    if root is None:
        cache_dir = default_cache_root() / ("demo" if demo else "live")
    else:
        cache_dir = root / "demo" if demo else root
    webhook = get("LATE_LOGS_ALERT_WEBHOOK")
    register_secret(str(webhook).strip() if webhook else None)  # its path is the credential
    webhook = _webhook_setting(webhook)
    return Settings(
        resolve_hours=whole("LATE_LOGS_RESOLVE_HOURS", DEFAULT_RESOLVE_HOURS),
        public_url=str(get("LATE_LOGS_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/"),
        alert_webhook=webhook,
        alert_rules=_rules_setting(get("LATE_LOGS_ALERT_RULES")),
        alert_min_failures=whole("LATE_LOGS_ALERT_MIN_FAILURES", DEFAULT_ALERT_MIN_FAILURES),
        alert_cell_excess=_number_setting(
            "LATE_LOGS_ALERT_CELL_EXCESS",
            get("LATE_LOGS_ALERT_CELL_EXCESS"),
            DEFAULT_ALERT_CELL_EXCESS,
            1,
            "excess failures over a cell's usual before cell_worse alerts",
        ),
        alert_cell_ratio=_number_setting(
            "LATE_LOGS_ALERT_CELL_RATIO",
            get("LATE_LOGS_ALERT_CELL_RATIO"),
            DEFAULT_ALERT_CELL_RATIO,
            1,
            "how many times its usual failure rate a cell must reach before cell_worse alerts",
        ),
        alert_stuck_minutes=whole("LATE_LOGS_ALERT_STUCK_MINUTES", DEFAULT_ALERT_STUCK_MINUTES),
        alert_window_hours=whole(
            "LATE_LOGS_ALERT_WINDOW_HOURS", DEFAULT_ALERT_WINDOW_HOURS, maximum=MAX_ALERT_WINDOW_HOURS
        ),
        alert_max_per_pass=whole("LATE_LOGS_ALERT_MAX_PER_PASS", DEFAULT_ALERT_MAX_PER_PASS),
        api_key=api_key or None,
        base_url=base_url,
        cache_dir=cache_dir,
        flavor=flavor,
        configured_sources=sources,
        demo_flavor=_choice(
            "LATE_LOGS_DEMO_FLAVOR", get("LATE_LOGS_DEMO_FLAVOR"), FLAVOR_CHOICES[1:], "late-1.0"
        ),
        rate_share=_share_setting(get("LATE_LOGS_RATE_SHARE")),
        max_wait_seconds=whole("LATE_LOGS_MAX_WAIT_SECONDS", DEFAULT_MAX_WAIT_SECONDS),
        poll_seconds=whole("LATE_LOGS_POLL_SECONDS", DEFAULT_POLL_SECONDS, minimum=0),
        retention_days=whole("LATE_LOGS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
    )


def _configured_sources(
    keys: object | None, sources_file: object | None, base_url: str, flavor: str
) -> tuple[Source, ...]:
    """The sources of LATE_API_KEYS and LATE_LOGS_SOURCES_FILE (both may be given), labels unique; ()."""
    sources: tuple[Source, ...] = ()
    if keys is not None:
        sources += parse_api_keys(str(keys), base_url, flavor)
    if sources_file is not None:
        sources += read_sources_file(Path(str(sources_file)).expanduser(), base_url, flavor)
    return _unique(sources)
