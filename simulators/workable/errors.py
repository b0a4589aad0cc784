"""Workable's error answers: ``{"error": "<message>"}`` with the status, as the SPI
documents its 401 (``Not authorized``) and 404 (``Not found``) bodies.

    raise WorkableError(409, "Target already registered")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulators.kit.errors import HttpError


class WorkableError(HttpError):
    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None):
        super().__init__(message, headers=headers)
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"error": self.message}


class NotFound(WorkableError):
    def __init__(self) -> None:
        super().__init__(404, "Not found")


class Unprocessable(WorkableError):
    def __init__(self, message: str) -> None:
        super().__init__(422, message)


class Unauthorized(WorkableError):
    def __init__(self) -> None:
        super().__init__(401, "Not authorized")
