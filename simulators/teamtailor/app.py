"""The Teamtailor simulator as an ASGI app: ``/v1`` (JSON:API) and ``/_sim`` (control).

    app = create_app(seed=7)
    app.state.sim.add_api_key("key")
    with LoopbackServer(app) as server: ...

Facts followed, by confidence:

[official] (docs.teamtailor.com, partner.teamtailor.com/company_webhooks)
- ``Authorization: Token token=<api key>`` and an ``X-Api-Version`` date header.
- JSON:API documents: ``data`` of ``{id, type, attributes (dashed names),
  relationships: {name: {data: {id, type}}}}``, ``links`` (``next`` a full URL),
  ``meta.record-count``; ``page[size]`` at most 30, ``page[number]``;
  ``filter[updated-at][from]``; ``include=`` puts related records in ``included``.
- Job status open, draft, archived or unlisted. A job application relates to a
  candidate, a job and a stage (no stage name on it); ``PATCH /job-applications/:id``
  with the stage relationship moves it. Notes on a candidate are created with
  ``{data: {type: notes, attributes: {note}, relationships: {candidate, user}}}``.
- Company webhooks: ``{"payload": {"event_name": "job.update", "data": <resource>},
  "signature": <base64>}``, events ``candidate|job|job_application`` ``.create``,
  ``.update``, ``.destroy``.

[3rd-party]
- The signature is base64 of the hex HMAC-SHA256 of the resource id, keyed with the
  webhook's signature key (as receivers of Teamtailor's partner webhooks verify it).
- A failed delivery is not retried.
- 50 requests per 10 seconds per key; ``X-Rate-Limit-Limit``, ``-Remaining`` and
  ``-Reset`` (seconds left); a 429 has ``Retry-After``. The knob ``rate_limit``
  defaults to 10 000 so that shared scenarios do not wait; tests set 50.

[UNCONFIRMED] (simulator choices)
- Errors are JSON:API ``{"errors": [{status, title, detail, source?}]}``; a wrong key
  is 401, a missing or malformed ``X-Api-Version`` 406, unknown parameters 400.
- One pipeline of stages for every job (Teamtailor has stages per job), and
  ``POST /stages/:id/relationships/job-applications`` ``{data: [{type, id}]}`` (the
  JSON:API way to add to a to-many relationship) moves applications into that stage.
- User roles admin, recruitment_admin, user, hiring_manager and no_access; users
  have no webhook events; ``GET /notes`` takes ``filter[candidate]``.
- Injected faults: ``error_rate`` 500/502/503, ``burst_429``, ``latency_ms``,
  ``drop_webhooks``, ``lost_responses`` (a write applied, answered 502).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.kit.control import control_routes, simulator_app
from simulators.kit.guard import injected_fault, loses_answer, pause
from simulators.teamtailor import control
from simulators.teamtailor.jsonapi import ApiError, bad_request, document, invalid
from simulators.teamtailor.listing import INCLUDES, parse_query
from simulators.teamtailor.state import KINDS, TeamtailorSim

Handler = Callable[[Request, TeamtailorSim], Awaitable[Response]]


def _sim(request: Request) -> TeamtailorSim:
    sim: TeamtailorSim = request.app.state.sim
    return sim


def _root(request: Request, sim: TeamtailorSim) -> str:
    return sim.settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"


def v1(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Token auth, the version header, latency, the rate limit and faults around a route."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        headers: dict[str, str] = {}
        try:
            key = sim.authenticate(
                request.headers.get("authorization"), request.headers.get("x-api-version")
            )
            await pause(sim)
            headers = sim.admit(key)
            fault = injected_fault(sim, key)
            if fault is not None:
                raise ApiError(fault.status, "Injected fault", "injected by the simulator",
                               headers=fault.headers())  # fmt: skip
            response = await handler(request, sim)
            if loses_answer(sim, request, response, writes=("POST", "PATCH")):
                raise ApiError(502, "Bad Gateway", "injected: the response was lost")
        except ApiError as exc:
            response = exc.response()
        response.headers.update(headers)
        return response

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict | list):
        raise invalid("the body must be a JSON:API document with data", "/data")
    return body


def _related_id(data: dict[str, Any], name: str, kind: str) -> str | None:
    link = (data.get("relationships") or {}).get(name)
    if link is None:
        return None
    target = link.get("data") if isinstance(link, dict) else None
    if not isinstance(target, dict) or target.get("type") != kind or "id" not in target:
        raise invalid(
            f"{name} must be {{data: {{type: {kind}, id}}}}", f"/data/relationships/{name}"
        )
    return str(target["id"])


@v1
async def list_records(request: Request, sim: TeamtailorSim) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise ApiError(404, "Not Found", f"no route /v1/{kind}")
    raw = request.query_params.multi_items()
    query = parse_query(kind, raw)
    base = f"{_root(request, sim)}/v1/{kind}"
    return document(sim.list_document(kind, query, base, raw, _root(request, sim)))


@v1
async def get_record(request: Request, sim: TeamtailorSim) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise ApiError(404, "Not Found", f"no route /v1/{kind}")
    include = tuple(p for p in request.query_params.get("include", "").split(",") if p)
    unknown = [name for name in include if name not in INCLUDES.get(kind, ())]
    if unknown or set(request.query_params) - {"include"}:
        raise bad_request("only include= is accepted here")
    return document(sim.one_document(kind, request.path_params["id"], include, _root(request, sim)))


@v1
async def patch_application(request: Request, sim: TeamtailorSim) -> Response:
    data = (await _body(request))["data"]
    rid = request.path_params["id"]
    if (
        not isinstance(data, dict)
        or data.get("type") != "job-applications"
        or str(data.get("id")) != rid
    ):
        raise invalid("data must be {type: job-applications, id} of this application", "/data")
    stage_id = _related_id(data, "stage", "stages")
    if stage_id is not None:
        sim.move(rid, stage_id)
    return document(sim.one_document("job-applications", rid, (), _root(request, sim)))


@v1
async def add_to_stage(request: Request, sim: TeamtailorSim) -> Response:
    data = (await _body(request))["data"]
    stage_id = request.path_params["id"]
    if not isinstance(data, list) or not all(
        isinstance(d, dict) and d.get("type") == "job-applications" and "id" in d for d in data
    ):
        raise invalid("data must be a list of {type: job-applications, id}", "/data")
    with sim.lock:
        sim.find("stages", stage_id)
        for item in data:
            sim.find("job-applications", str(item["id"]))
        for item in data:
            sim.move(str(item["id"]), stage_id)
    return Response(status_code=204)


@v1
async def create_note(request: Request, sim: TeamtailorSim) -> Response:
    data = (await _body(request))["data"]
    if not isinstance(data, dict) or data.get("type") != "notes":
        raise invalid("data must be {type: notes, attributes, relationships}", "/data")
    candidate_id = _related_id(data, "candidate", "candidates")
    if candidate_id is None:
        raise invalid("candidate is required", "/data/relationships/candidate")
    note = (data.get("attributes") or {}).get("note")
    record = sim.create_note(candidate_id, note, _related_id(data, "user", "users"))
    return document(sim.one_document("notes", record["id"], (), _root(request, sim)), 201)


@v1
async def fallback(request: Request, sim: TeamtailorSim) -> Response:
    raise ApiError(404, "Not Found", f"no route {request.method} {request.url.path}")


def create_app(*, seed: int = 0) -> Starlette:
    """The simulator; ``app.state.sim`` is its ``TeamtailorSim``."""
    sim = TeamtailorSim(seed=seed)

    routes: list[BaseRoute] = [
        Route("/v1/notes", create_note, methods=["POST"]),
        Route("/v1/job-applications/{id}", patch_application, methods=["PATCH"]),
        Route("/v1/stages/{id}/relationships/job-applications", add_to_stage, methods=["POST"]),
        Route("/v1/{kind}", list_records, methods=["GET"]),
        Route("/v1/{kind}/{id}", get_record, methods=["GET"]),
        Route("/v1/{path:path}", fallback, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
        *control.routes(),
        *control_routes(),
    ]
    return simulator_app(sim, routes)
