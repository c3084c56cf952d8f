"""The client's errors, one family: `LateError` and a subclass per way a request can fail, each carrying
one sentence a person can act on (`message`), the HTTP status when there was one, and when Late asked us to
come back (`retry_at`). They survive pickling and never hold the request (nor its Authorization header).
"""

from __future__ import annotations


class LateError(Exception):
    """Something went wrong talking to Late; `message` is one sentence a person can act on."""

    def __init__(self, message: str, status: int | None = None, retry_at: float | None = None) -> None:
        super().__init__(message, status, retry_at)  # all in args, so the error survives pickling
        self.message = message
        self.status = status
        self.retry_at = retry_at  # epoch seconds Late asked us to wait until, when it said

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class AuthError(LateError):
    """401: the key is missing, wrong or revoked."""


class ForbiddenError(LateError):
    """403: the key may not read this log or post."""


class NotFoundError(LateError):
    """404: no such log or post (aged out of Late's retention), or no such endpoint on this server."""


class BadRequestError(LateError):
    """400: Late rejected the parameters."""


class RateLimitedError(LateError):
    """429 still, after waiting and retrying, or a 429 asking for a longer wait than we accept."""


class ServerError(LateError):
    """5xx still, after retries."""


class UnreachableError(LateError):
    """Connection failures or timeouts, after retries."""


class BadResponseError(LateError):
    """The body was not whole JSON (after retries) or not the object the contract describes."""


class RedirectedError(LateError):
    """Late answered with a redirect to another host; the key is not sent there."""


class NotInContractError(LateError):
    """The contract in use has no such endpoint (today's API has no detail or post-logs read)."""

