"""Errors the runtime raises: values with context (tenant, resource, id), never secrets."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of runtime errors. ``context`` names where it happened."""

    def __init__(self, message: str, **context: object) -> None:
        self.context = {k: v for k, v in context.items() if v is not None}
        where = " ".join(f"{k}={v}" for k, v in self.context.items())
        super().__init__(f"{message} ({where})" if where else message)
        self.message = message


class UpstreamError(ConnectorError):
    """An API answered with an error, or not in the shape the spec describes."""

    def __init__(self, message: str, *, status: int | None = None, **context: object) -> None:
        super().__init__(message, status=status, **context)
        self.status = status


class Unreachable(UpstreamError):
    """An API gave no answer at all: refused connections, timeouts, resets."""


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the other side is down or busy for now (no answer, a 503, a
    429) rather than that it refused this request: work it stopped should wait, not fail."""
    return isinstance(exc, Unreachable) or (
        isinstance(exc, UpstreamError) and exc.status in (429, 503)
    )


class AuthError(UpstreamError):
    """Authentication failed: bad credentials, a refused grant, or consent needed."""


class ConsentRequired(AuthError):
    """No usable token for an authorization-code connection: a user must consent."""


class UnsafeRequest(ConnectorError):
    """A request (or redirect, or next-page link) to a host the spec does not allow."""


class PaginationError(UpstreamError):
    """Pagination that loops or runs past its hard page limit."""
