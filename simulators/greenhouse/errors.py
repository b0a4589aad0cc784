"""The Greenhouse simulator's errors: the kit's ``HttpError`` in Greenhouse's shapes.

raise unprocessable("per_page must be an integer", "per_page")
# 422 {"message": "per_page must be an integer",
#      "errors": [{"field": "per_page", "message": "per_page must be an integer"}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from simulators.kit.errors import HttpError


class SimError(HttpError):
    """An HTTP error the simulator answers with (also raised by the Python API).

    OAuth errors (`error` set) are answered in the RFC 6749 shape; the rest as
    `{"message": ..., "errors": [{"field": ..., "message": ...}]}` (the v1 validation
    shape; the v3 error body is [UNCONFIRMED]).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, headers=headers)
        self.status = status
        self.field = field
        self.error = error

    def body(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error, "error_description": self.message}
        body: dict[str, Any] = {"message": self.message}
        if self.field is not None:
            body["errors"] = [{"field": self.field, "message": self.message}]
        return body


def unprocessable(message: str, field: str | None = None) -> SimError:
    return SimError(422, message, field=field)


def not_found(what: str, rid: object) -> SimError:
    return SimError(404, f"{what} {rid} not found")


async def json_body(request: Request, *, optional: bool = False) -> Any:
    """The request's JSON body; an empty one is None when ``optional``, else a 400."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise SimError(400, "a JSON body is required")
    try:
        return json.loads(raw)
    except ValueError:
        raise SimError(400, "the body is not valid JSON") from None
