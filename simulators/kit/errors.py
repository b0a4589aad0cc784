"""Errors as values that know their HTTP answer, shared by every simulator.

    raise Invalid({"error_rate": "must be a number from 0 to 1, got 2"})
    # 422 {"error": {"code": "validation_error", "message": "invalid fields: error_rate",
    #                "fields": {"error_rate": "must be a number from 0 to 1, got 2"}}}

A simulator whose real API answers in another shape subclasses ``HttpError`` and
overrides ``body()``; ``error_handler`` answers any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class HttpError(Exception):
    """An error with the HTTP status, headers and JSON body the client gets."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def response(self) -> Response:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


class Invalid(HttpError):
    """A 422 naming every bad field, so one answer lists all the problems."""

    status = 422
    code = "validation_error"

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__(f"invalid fields: {', '.join(sorted(fields))}", fields=dict(fields))
        self.fields = dict(fields)


async def error_handler(request: Request, exc: Exception) -> Response:
    """Starlette exception handler for ``HttpError`` and its subclasses."""
    if not isinstance(exc, HttpError):  # pragma: no cover - registered for HttpError only
        raise exc
    return exc.response()
