"""The REST API under ``/api/v1``, as ``mappings/suite.yaml`` calls it.

    GET /api/v1/invitations?project_id=prj_1&status=completed&limit=100
    {"data": [{"id": "inv_…", "status": "completed", …}], "next_cursor": "aW52aXRhdGlvbnM6OTk"}

Collections answer GET (a page) and POST (201); items answer GET, PATCH and DELETE (204).
Questions live under their project and responses under their invitation; each can also be
reached by id. A list takes ``limit`` (1..500, default 100), ``cursor``, ``updated_since``
and the kind's filters; any other query parameter is a 422, like a wrong type in a body.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.kit.table import Table
from simulators.suite.company import Company
from simulators.suite.errors import BadRequest, ValidationFailed
from simulators.suite.gateway import PREFIX, token_of
from simulators.suite.http import read_json, request_root
from simulators.suite.records import (
    CANDIDATE,
    INVITATION,
    PROJECT,
    QUESTION,
    RATING,
    RESPONSE,
    USER,
    WEBHOOK,
    Kind,
    format_time,
    parse_time,
    show,
)
from simulators.suite.state import SuiteState

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
Endpoint = Callable[[Request], Awaitable[Response]]


def _context(request: Request) -> tuple[SuiteState, Company, str]:
    sim: SuiteState = request.app.state.sim
    company = sim.company(token_of(request.scope).company_id)
    return sim, company, sim.root(request_root(request))


def collection(kind: Kind, parent: tuple[Kind, str] | None = None) -> Endpoint:
    """GET a page of ``kind`` and POST a new one; ``parent`` is (kind, field) when nested."""

    async def endpoint(request: Request) -> Response:
        sim, company, public = _context(request)
        fixed: dict[str, str] = {}
        if parent is not None:
            parent_kind, field = parent
            fixed[field] = company.get(parent_kind, request.path_params["id"])["id"]
        if request.method == "GET":
            return list_page(request, sim, company, kind, public, fixed)
        body = await read_json(request)
        if kind is WEBHOOK:
            webhook = company.add_webhook(body.get("url"), body.get("events"))
            return JSONResponse({**show(kind, webhook, public), "secret": webhook["secret"]}, 201)
        record = company.create(kind, body, project_id=fixed.get("project_id"))
        return JSONResponse(show(kind, record, public), status_code=201)

    return endpoint


def item(kind: Kind) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        sim, company, public = _context(request)
        record_id = request.path_params["id"]
        if request.method == "PATCH":
            body = await read_json(request)
            return JSONResponse(show(kind, company.update(kind, record_id, body), public))
        if request.method == "DELETE":
            company.delete(kind, record_id)
            return Response(status_code=204)
        with sim.lock:
            return JSONResponse(show(kind, company.get(kind, record_id), public))

    return endpoint


def list_page(
    request: Request,
    sim: SuiteState,
    company: Company,
    kind: Kind,
    public: str,
    fixed: Mapping[str, str],
) -> Response:
    table = company.table(kind)
    query = request.query_params
    filters = [name for name in kind.filters if name not in fixed]
    allowed = sorted({"limit", "cursor", "updated_since", *filters})
    problems: dict[str, str] = {}
    for name in query:
        if name not in allowed:
            problems[name] = f"unknown query parameter; valid ones are {allowed}"
        elif len(query.getlist(name)) > 1:
            problems[name] = "is given more than once"
    limit = _limit(query.get("limit"), problems)
    since = None
    if "updated_since" in query:
        parsed = parse_time(query["updated_since"])
        if parsed is None:
            problems["updated_since"] = (
                f"{query['updated_since']!r} is not an ISO 8601 date-time with a time zone"
            )
        else:
            since = format_time(parsed)
    wanted: dict[str, Any] = {name: query[name] for name in filters if name in query}
    for f in kind.fields:
        if f.name in wanted and f.choices and wanted[f.name] not in f.choices:
            problems[f.name] = f"{wanted[f.name]!r} is not one of {sorted(f.choices)}"
    if problems:
        raise ValidationFailed(problems)
    with sim.lock:
        after = decode_cursor(table, query["cursor"]) if "cursor" in query else -1
        records, last = table.page({**wanted, **fixed}, since=since, after=after, limit=limit)
        data = [show(kind, r, public) for r in records]
    next_cursor = encode_cursor(table, last) if last is not None else None
    return JSONResponse({"data": data, "next_cursor": next_cursor})


def encode_cursor(table: Table, after: int) -> str:
    """An opaque "after sequence N" of one table: ``aW52aXRhdGlvbnM6OTk`` is invitations:99."""
    raw = f"{table.name}:{after}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(table: Table, cursor: str) -> int:
    """The sequence number in a cursor this table made; anything else is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, _, number = raw.partition(":")
        after = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        after, name = -2, ""
    if name != table.name or not 0 <= after < table.sequence:
        raise BadRequest(f"invalid cursor {cursor!r}")
    return after


def _limit(text: str | None, problems: dict[str, str]) -> int:
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        problems["limit"] = f"{text!r} is not an integer"
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        problems["limit"] = f"must be from 1 to {MAX_LIMIT}, got {limit}"
    return limit


def routes() -> list[Route]:
    p = PREFIX
    read, write = ["GET"], ["GET", "POST"]
    every = ["GET", "PATCH", "DELETE"]
    table: list[tuple[str, Endpoint, list[str]]] = [
        (f"{p}/projects/{{id}}/questions", collection(QUESTION, (PROJECT, "project_id")), write),
        (f"{p}/questions/{{id}}", item(QUESTION), every),
        (f"{p}/invitations/{{id}}/responses", collection(RESPONSE, (INVITATION, "invitation_id")), read),
        (f"{p}/responses/{{id}}", item(RESPONSE), read),
        (f"{p}/webhooks", collection(WEBHOOK), write),
        (f"{p}/webhooks/{{id}}", item(WEBHOOK), ["DELETE"]),
    ]  # fmt: skip
    for kind in (PROJECT, CANDIDATE, INVITATION, RATING, USER):
        table.append((f"{p}/{kind.plural}", collection(kind), write))
        table.append((f"{p}/{kind.plural}/{{id}}", item(kind), every))
    return [Route(path, endpoint, methods=methods) for path, endpoint, methods in table]
