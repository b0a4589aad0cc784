"""BambooHR's applicant tracking API on Starlette, answering as its OpenAPI contract says.

    app = create_app(seed=7)
    app.state.sim.add_key("bhr-key")       # any password goes with the key
    with LoopbackServer(app) as server: ...  # base URL: server.url + "/api/v1"

Routes under ``/api/v1`` (the contract's server is ``https://{companyDomain}.bamboohr.com``):
``GET applicant_tracking/jobs``, ``GET applicant_tracking/applications`` (``page``,
``jobId``, ``applicationStatusId``, ``newSince``; ``paginationComplete`` and
``nextPageUrl``), ``GET applicant_tracking/applications/{id}``, ``GET
applicant_tracking/statuses``, ``POST applicant_tracking/applications/{id}/status``
(``{"status": <id>}``), ``POST applicant_tracking/applications/{id}/comments``
(``{"type"?, "comment"}``) and ``GET meta/users`` (JSON keyed by user id when asked for
``application/json``, XML otherwise). ``/_sim/*`` is the unauthenticated control plane.

Facts followed:
[contract] paths, parameters, answer shapes and content types; a bad status change is a
400 whose message is in ``x-bamboohr-error-message`` with an empty text/html body;
``newSince`` is ``Y-m-d H:i:s`` UTC and filters on submission time only.
[vendor docs] HTTP basic auth with the API key as user name and any password; a wrong
key is a 401. Throttling is a 503 with ``Retry-After`` (BambooHR publishes no limits
and sends no rate-limit headers), so the ``burst_429`` knob answers 503 here.
[UNCONFIRMED] the page size (a knob, default 100), the status ids, and the JSON body of
a 401/403/404 (the contract gives only its content type).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.bamboohr import views
from simulators.bamboohr.state import BambooError, BambooSim, parse_new_since
from simulators.kit.control import control_routes, read_object, simulator_app
from simulators.kit.errors import Invalid
from simulators.kit.guard import pause

Handler = Callable[[Request, BambooSim], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]
PREFIX = "/api/v1/applicant_tracking"
JSON_BODY = {401, 403}


def _sim(request: Request) -> BambooSim:
    sim: BambooSim = request.app.state.sim
    return sim


def error_response(exc: BambooError, path: str) -> Response:
    if exc.html:
        return Response(b"", status_code=exc.status, media_type="text/html", headers=exc.headers)
    if exc.status in JSON_BODY or (exc.status in (400, 404) and not path.endswith("}")):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)
    return Response(b"", status_code=exc.status, headers=exc.headers)


def authenticate(sim: BambooSim, header: str | None) -> None:
    scheme, _, encoded = (header or "").partition(" ")
    try:
        user = base64.b64decode(encoded, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        user = ""
    if scheme.lower() != "basic" or user not in sim.keys:
        raise BambooError(401, "Unauthorized. Invalid API credentials.",
                          headers={"WWW-Authenticate": 'Basic realm="BambooHR API"'})  # fmt: skip


def api(handler: Handler) -> Endpoint:
    """Basic auth, latency, faults and throttling around one API handler."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        try:
            authenticate(sim, request.headers.get("authorization"))
            await pause(sim)
            with sim.lock:
                fault = sim.faults.request_fault(request.headers.get("authorization", ""))
                sim.requests.append(f"{request.method} {request.url.path}?{request.url.query}")
            if fault is not None:
                retry = {"Retry-After": str(1 if fault.retry_after is None else fault.retry_after)}
                raise BambooError(503 if fault.status == 429 else fault.status,
                                  "Service Unavailable", headers=retry)  # fmt: skip
            response = await handler(request, sim)
            if request.method == "POST":
                with sim.lock:
                    lost = sim.faults.lose_response()
                if lost:  # applied, but the answer never reaches the caller
                    raise BambooError(502, "Bad Gateway")
        except BambooError as exc:
            return error_response(exc, path)
        return response

    return endpoint


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BambooError(400, f"{name} must be an integer, got {value!r}") from None


def _base(request: Request, sim: BambooSim) -> str:
    return sim.public_base_url or f"{request.url.scheme}://{request.url.netloc}"


@api
async def list_jobs(request: Request, sim: BambooSim) -> Response:
    groups = {g.strip() for g in request.query_params.get("statusGroups", "").split(",") if g}
    return JSONResponse(sim.job_summaries(groups))


@api
async def list_applications(request: Request, sim: BambooSim) -> Response:
    query = request.query_params
    page = _int(query.get("page"), "page") or 1
    filters: dict[str, Any] = {"jobId": _int(query.get("jobId"), "jobId")}
    if "newSince" in query:
        filters["newSince"] = parse_new_since(query["newSince"])
    if "applicationStatusId" in query:
        ids = [
            _int(part, "applicationStatusId") for part in query["applicationStatusId"].split(",")
        ]
        filters["statusIds"] = set(ids)
    items, last = sim.application_page(filters, page)
    following = None
    if not last:
        rest = [(k, v) for k, v in query.multi_items() if k != "page"] + [("page", str(page + 1))]
        following = f"{_base(request, sim)}{PREFIX}/applications?{urlencode(rest)}"
    body = {"paginationComplete": last, "nextPageUrl": following, "applications": items}
    return JSONResponse(body)


@api
async def get_application(request: Request, sim: BambooSim) -> Response:
    return JSONResponse(sim.application_detail(request.path_params["id"]))


@api
async def list_statuses(request: Request, sim: BambooSim) -> Response:
    return JSONResponse(views.status_list())


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise BambooError(400, "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BambooError(400, "The body must be a JSON object.")
    return body


@api
async def change_status(request: Request, sim: BambooSim) -> Response:
    body = await _json_object(request)
    status = body.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        raise BambooError(400, "Invalid status", html=True)
    change = sim.set_status(request.path_params["id"], status)
    return JSONResponse({"type": "positionApplicantStatus", "id": change["id"]})


@api
async def add_comment(request: Request, sim: BambooSim) -> Response:
    body = await _json_object(request)
    comment, kind = body.get("comment"), body.get("type", "comment")
    if not isinstance(comment, str) or not comment.strip() or not isinstance(kind, str):
        raise BambooError(400, "A comment is required.")
    record = sim.add_comment(request.path_params["id"], comment, kind)
    return JSONResponse({"type": record["type"], "id": record["id"]})


@api
async def list_users(request: Request, sim: BambooSim) -> Response:
    wanted = {s.strip() for s in request.query_params.get("status", "").split(",")}
    wanted &= {"enabled", "disabled"}
    with sim.lock:
        users = [views.user(u) for u in sim.users.values() if not wanted or u["status"] in wanted]
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({str(u["id"]): u for u in users})
    return Response(views.users_xml(users), media_type="application/xml")


async def settings(request: Request) -> Response:
    """``POST /_sim/bamboohr/settings {"page_size"?, "public_base_url"?}``: the page size
    of the application list, and the root its ``nextPageUrl`` starts with (default: the
    request's own)."""
    sim = _sim(request)
    body = await read_object(request)
    size = body.get("page_size", sim.page_size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise Invalid({"page_size": f"must be a positive integer, got {size!r}"})
    with sim.lock:
        sim.page_size = size
        sim.public_base_url = body.get("public_base_url", sim.public_base_url)
        return JSONResponse({"page_size": sim.page_size, "public_base_url": sim.public_base_url})


async def not_found(request: Request) -> Response:
    return JSONResponse({"error": "Bad request url."}, status_code=404)


def create_app(*, seed: int = 0) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its ``BambooSim``."""
    sim = BambooSim(seed=seed)

    routes: list[BaseRoute] = [
        Route(f"{PREFIX}/jobs", list_jobs, methods=["GET"]),
        Route(f"{PREFIX}/applications", list_applications, methods=["GET"]),
        Route(f"{PREFIX}/applications/{{id:int}}", get_application, methods=["GET"]),
        Route(f"{PREFIX}/applications/{{id:int}}/status", change_status, methods=["POST"]),
        Route(f"{PREFIX}/applications/{{id:int}}/comments", add_comment, methods=["POST"]),
        Route(f"{PREFIX}/statuses", list_statuses, methods=["GET"]),
        Route("/api/v1/meta/users", list_users, methods=["GET"]),
        Route("/_sim/bamboohr/settings", settings, methods=["POST"]),
        *control_routes(),
        Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return simulator_app(sim, routes)
