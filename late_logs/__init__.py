"""late-logs: collect Late's publishing logs into a local store and look at them in a Streamlit dashboard.

The package root re-exports the public names of the client, records, redaction and configuration; it stays
free of Streamlit and plotly so the CLI and the collector start quickly.
"""

from __future__ import annotations

# Public name -> the module it comes from, imported on first use (PEP 562): the dashboard imports
# late_logs.charts for its first element before anything else, and the client, the store and the records
# took ~0.35 s of imports that a page's first chart need not wait for.
_EXPORTS = {
    **dict.fromkeys(
        ("DEFAULT_BASE_URL", "AuthError", "BadRequestError", "BadResponseError", "ClientStats",
         "ForbiddenError", "LateClient", "LateError", "NotFoundError", "Page", "RateLimitedError",
         "ServerError", "UnreachableError"),
        "late_logs.api",
    ),
    **dict.fromkeys(("ConfigError", "Settings", "load_settings"), "late_logs.config"),
    **dict.fromkeys(
        ("ACTIONS", "PLATFORMS", "RECORD_COLUMNS", "RECORD_DTYPES", "STATUSES", "coerce_frame", "flatten",
         "log_id_of", "parse_time", "to_frame"),
        "late_logs.records",
    ),
    **dict.fromkeys(("REDACTED", "redact_text", "redact_value"), "late_logs.redact"),
}  # fmt: skip


def __getattr__(name: str) -> object:
    import importlib  # here, not at the top: the root's names are its public ones (tests/test_layers.py)

    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'late_logs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
