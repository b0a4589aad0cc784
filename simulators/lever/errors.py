"""Lever's error answers: a flat ``{"code": "<PascalCase>", "message": "..."}`` with the
status, as the API answers its 401 (``UnauthorizedError``) and 404 (``ResourceNotFound``).

    raise LeverError(400, "BadRequestError", "limit must be from 1 to 100")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulators.kit.errors import HttpError


class LeverError(HttpError):
    def __init__(
        self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message, headers=headers)
        self.status = status
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class BadRequest(LeverError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "BadRequestError", message)


class NotFound(LeverError):
    def __init__(self, what: str) -> None:
        super().__init__(404, "ResourceNotFound", f"{what} was not found")


class Unauthorized(LeverError):
    def __init__(self) -> None:
        super().__init__(401, "UnauthorizedError", "The request requires authentication.")
