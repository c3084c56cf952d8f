"""What went wrong talking to Late, in one sentence a person can act on, with nothing secret in it.

`Sentences` (one per client) turns a refused answer, a redirect to another host, a long 429 or the last
failure after the retries into the typed `errors.LateError` to raise, quoting Late's own explanation and its
request id, everything passed through `scrub` (redaction, and the client's key taken out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import httpx

from late_logs.api import errors
from late_logs.redact import mask_url


@dataclass
class Failure:
    """Why one attempt did not produce a usable response, kept so the final error can be raised cleanly."""

    kind: str  # "unreachable" | "server" | "rate_limited" | "truncated" | "deadline"
    reason: str
    status: int | None = None
    wait: float | None = None  # what the server asked us to wait (429)
    retryable: bool = True
    request_id: str | None = None
    said: str | None = None  # the server's own explanation (`Sentences.error_text`), for the last sentence


@dataclass(frozen=True, eq=False)
class Sentences:
    """The client's error sentences. `scrub` is the client's (it knows the key); the rest is fixed at its
    construction, as the client's own settings are."""

    scrub: Callable[[str], str]
    base_url: str
    key_set: bool
    timeout_seconds: float
    deadline: float
    max_wait: float
    clock: Callable[[], float]

    def short_reason(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            kind = {
                httpx.ConnectTimeout: "connecting",
                httpx.ReadTimeout: "waiting for the answer",
                httpx.WriteTimeout: "sending the request",
                httpx.PoolTimeout: "waiting for a free connection",
            }.get(type(exc), "talking to it")
            return f"timed out after {self.timeout_seconds:g} s {kind}"
        if isinstance(exc, httpx.RemoteProtocolError):
            return "the connection closed before the answer was complete"
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        return self.scrub(detail)

    def error_text(self, response: httpx.Response) -> str:
        """Late's own explanation from an error body, short and redacted, with its machine `code`.

        Both eras: `{error, details}` (Late 1.0.x, code sometimes inside) and Zernio's
        `{error, type, code, param, ...}` (CONTRACT.md §2.4).
        """
        text = ""
        code: str | None = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in ("error", "message", "detail"):
                value = body.get(name)
                if isinstance(value, dict):
                    inner_code = value.get("code")
                    if isinstance(inner_code, (str, int)) and not isinstance(inner_code, bool):
                        code = str(inner_code)
                    value = value.get("message") or value.get("error")
                if isinstance(value, str) and value.strip():
                    text = value.strip()
                    break
            top_code = body.get("code")
            if isinstance(top_code, (str, int)) and not isinstance(top_code, bool) and str(top_code).strip():
                code = str(top_code).strip()
        elif isinstance(body, str):
            text = body.strip()
        if not text:
            try:
                text = response.text.strip()
            except Exception:  # undecodable body: there is no explanation to show
                text = ""
        text = " ".join(text.split())
        if len(text) > 200:
            text = text[:197] + "..."
        text = self.scrub(text) or "no explanation given"
        if code:
            text += f" (code {self.scrub(code[:60])})"
        return text

    def envelope_text(self, response: httpx.Response) -> str | None:
        """`error_text` of a JSON error envelope, None for any other body (a proxy's HTML page says
        nothing a person can act on, and is not Late's explanation)."""
        try:
            body = response.json()
        except ValueError:
            return None
        return self.error_text(response) if isinstance(body, dict) else None

    def request_id_note(self, request_id: str | None) -> str:
        """"; request id X" for a message, so a user can quote it to support."""
        if not request_id:
            return ""
        return f"; Late's request id {self.scrub(request_id.strip()[:80])}"

    def refusal(self, response: httpx.Response, what: str, retention_days: int) -> errors.LateError:
        """The typed, non-retried error for a 4xx answer; `what` names the object ("log 123", "the logs")."""
        status = response.status_code
        rid = self.request_id_note(response.headers.get("X-Request-Id"))
        days = retention_days
        if status == 401:
            if not self.key_set:
                return errors.AuthError(f"Late asked for an API key (401); set LATE_API_KEY{rid}", status)
            return errors.AuthError(f"the API key was refused (401); check LATE_API_KEY{rid}", status)
        if status == 403:
            said = self.error_text(response)
            said = "" if said == "no explanation given" else f": {said}"
            return errors.ForbiddenError(
                f"Late refused access to {what} (403){said}; the API key may lack permission{rid}", status
            )
        if status == 404:
            if what.startswith("log "):
                return errors.NotFoundError(
                    f"Late has no {what} (404): it may be older than Late's {days}-day retention{rid}", status
                )
            if what.startswith("post "):
                return errors.NotFoundError(
                    f"Late has no {what} (404): it may have been deleted, or its logs aged out after "
                    f"{days} days{rid}",
                    status,
                )
            if what == "the connection logs":
                # Late 1.0.1 had this endpoint; today's API keeps connection logs in the unified /v1/logs.
                return errors.NotFoundError(
                    f"Late has no connection-logs endpoint at {self.scrub(self.base_url)} (404); this "
                    f"server may speak today's unified API (LATE_API_FLAVOR=auto or unified reads them "
                    f"there){rid}",
                    status,
                )
            return errors.NotFoundError(
                f"Late has no endpoint for {what} at {mask_url(self.base_url)} (404); "
                f"check LATE_API_BASE_URL{rid}",
                status,
            )
        if status == 400:
            return errors.BadRequestError(
                f"Late rejected the request (400): {self.error_text(response)}{rid}", status
            )
        said = self.error_text(response)
        return errors.LateError(f"Late answered {status} for {what}: {said}{rid}", status)

    def moved(self, target: httpx.URL) -> errors.RedirectedError:
        """The sentence for a redirect to another host, naming the base URL it points to."""
        text = str(target.copy_with(query=None, fragment=None))
        marker = text.find("/v1/")
        new_base = text[:marker] if marker >= 0 else text.rstrip("/")
        return errors.RedirectedError(
            f"Late's API at {self.scrub(self.base_url)} redirects to another host, {self.scrub(new_base)}; "
            f"the API key was not sent there. If that is Late, set LATE_API_BASE_URL={self.scrub(new_base)}"
        )

    def long_wait(self, wait: float, what: str, request_id: str | None) -> errors.RateLimitedError:
        """A 429 asking for longer than we wait: said at once, with when to try again."""
        retry_at = self.clock() + wait
        when = datetime.fromtimestamp(retry_at, tz=timezone.utc)
        today = datetime.fromtimestamp(self.clock(), tz=timezone.utc).date()
        moment = when.strftime("%H:%M UTC") if when.date() == today else when.strftime("%Y-%m-%d %H:%M UTC")
        return errors.RateLimitedError(
            f"Late asks us to wait {duration_text(wait)}; next try at {moment} "
            f"(rate limited on {what}; waits over {duration_text(self.max_wait)} are not sat out, "
            f"see LATE_LOGS_MAX_WAIT_SECONDS){self.request_id_note(request_id)}",
            429,
            retry_at,
        )

    def give_up(self, failure: Failure, what: str, attempts: int) -> errors.LateError:
        tries = "once" if attempts == 1 else f"{attempts} times"
        rid = self.request_id_note(failure.request_id)
        if failure.kind == "rate_limited":
            return errors.RateLimitedError(
                f"Late kept answering 429 (rate limited) for {what}, {tries}; "
                f"wait a minute and try again{rid}",
                429,
            )
        if failure.kind == "server":
            # Late's explanation and its envelope `code` (both eras) are what support asks for first.
            said = "" if failure.said in (None, "no explanation given") else f": {failure.said}"
            return errors.ServerError(
                f"Late had a server error ({failure.status}) for {what}, {tries}{said}; "
                f"try again in a few minutes{rid}",
                failure.status,
            )
        if failure.kind == "truncated":
            return errors.BadResponseError(
                f"Late's answer for {what} was cut off or not JSON, {tries}; try again in a few minutes{rid}",
                failure.status,
            )
        if failure.kind == "deadline":
            return errors.UnreachableError(
                f"Late's API at {self.scrub(self.base_url)} gave no complete answer for {what} within "
                f"{self.deadline:g} s, so the request was abandoned; check your network or try again later"
            )
        return errors.UnreachableError(
            f"could not reach the Late API at {self.scrub(self.base_url)} ({failure.reason}); "
            "check your network or LATE_API_BASE_URL"
        )


def duration_text(seconds: float) -> str:
    """24 h, 90 min, 45 s: how long a wait is, in the unit a person reads it in."""
    if seconds >= 2 * 3600 or (seconds >= 3600 and seconds % 3600 == 0):
        hours = seconds / 3600
        return f"{hours:.0f} h" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
