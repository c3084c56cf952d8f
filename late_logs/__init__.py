"""late-logs: collect Late's publishing logs into a local store and look at them in a Streamlit dashboard.

The package root re-exports the public names of the client, records, redaction and configuration; it stays
free of Streamlit and plotly so the CLI and the collector start quickly.
"""

from __future__ import annotations

from late_logs.api import (
    DEFAULT_BASE_URL,
    AuthError,
    BadRequestError,
    BadResponseError,
    ClientStats,
    ForbiddenError,
    LateClient,
    LateError,
    NotFoundError,
    Page,
    RateLimitedError,
    ServerError,
    UnreachableError,
)
from late_logs.config import ConfigError, Settings, load_settings
from late_logs.records import (
    ACTIONS,
    PLATFORMS,
    RECORD_COLUMNS,
    RECORD_DTYPES,
    STATUSES,
    coerce_frame,
    flatten,
    log_id_of,
    parse_time,
    to_frame,
)
from late_logs.redact import REDACTED, redact_text, redact_value

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "DEFAULT_BASE_URL",
    "PLATFORMS",
    "RECORD_COLUMNS",
    "RECORD_DTYPES",
    "REDACTED",
    "STATUSES",
    "AuthError",
    "BadRequestError",
    "BadResponseError",
    "ClientStats",
    "ConfigError",
    "ForbiddenError",
    "LateClient",
    "LateError",
    "NotFoundError",
    "Page",
    "RateLimitedError",
    "ServerError",
    "Settings",
    "UnreachableError",
    "__version__",
    "coerce_frame",
    "flatten",
    "load_settings",
    "log_id_of",
    "parse_time",
    "redact_text",
    "redact_value",
    "to_frame",
]
