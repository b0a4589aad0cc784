"""Reading requests strictly: JSON bodies, urlencoded forms, the public root URL.

body = await read_json(request)    # 415 unless JSON, 400 if malformed or not an object
form = await read_form(request)    # a parameter given twice is an error (RFC 6749 3.1)
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from simulators.suite.errors import ApiError, BadRequest

MAX_BODY = 1_048_576


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request) -> dict[str, Any]:
    if media_type(request) != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BadRequest(f"the body is over {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


class FormError(ValueError):
    pass


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body; FormError if it is not one."""
    if media_type(request) != "application/x-www-form-urlencoded":
        raise FormError("the body must be application/x-www-form-urlencoded")
    raw = await request.body()
    try:
        pairs = parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise FormError("the body is not UTF-8") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise FormError(f"parameter {name!r} is given more than once")
        form[name] = value
    return form


def request_root(request: Request) -> str:
    """The root URL the request came in on: ``http://127.0.0.1:8123``."""
    return str(request.base_url).rstrip("/")
