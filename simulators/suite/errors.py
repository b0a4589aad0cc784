"""API errors as values: raise one anywhere under ``/api/v1`` and the client gets its JSON.

raise NotFound("project", "prj_123")
# 404 {"error": {"code": "not_found", "message": "no project 'prj_123'"}}
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def response(self) -> Response:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


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


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"

    def __init__(self, fields: dict[str, str]) -> None:
        names = ", ".join(sorted(fields))
        super().__init__(f"invalid fields: {names}", fields=fields)
        self.fields = fields


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


async def api_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ApiError):  # pragma: no cover - registered for ApiError only
        raise exc
    return exc.response()
