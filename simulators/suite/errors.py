"""API errors as values: raise one anywhere under ``/api/v1`` and the client gets its JSON.

raise NotFound("project", "prj_123")
# 404 {"error": {"code": "not_found", "message": "no project 'prj_123'"}}
"""

from __future__ import annotations

from simulators.kit.errors import HttpError, Invalid

__all__ = ["ApiError", "BadRequest", "Conflict", "NotFound", "RateLimited", "ServerFault",
           "Unauthorized", "ValidationFailed"]  # fmt: skip


# The suite's error body is the kit's: {"error": {"code", "message", ...}}.
ApiError = HttpError
ValidationFailed = Invalid


class BadRequest(ApiError):
    pass


class NotFound(ApiError):
    status = 404
    code = "not_found"

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"no {kind} {record_id!r}")


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Unauthorized(ApiError):
    status = 401
    code = "invalid_token"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"


class ServerFault(ApiError):
    """An injected failure (the fault knobs): 500 or 503, or 502 for a lost answer."""

    code = "server_error"

    def __init__(self, status: int) -> None:
        super().__init__("injected fault" if status == 500 else "service unavailable")
        self.status = status
        self.code = "server_error" if status == 500 else "unavailable"
