"""The Greenhouse simulator's own control plane: seeding, knobs, clients and records.

POST /_sim/seed {"users": 3, "jobs": 10, "applications_per_job": 5}
POST /_sim/jobs {"name": "Engineer"}              # 201, fires job_created
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.greenhouse.errors import json_body, unprocessable
from simulators.greenhouse.state import GreenhouseSim
from simulators.kit.table import Record

Endpoint = Callable[[Request], Awaitable[Response]]
SEED_KEYS = frozenset(
    {"users", "jobs", "candidates", "applications_per_job", "job_status", "stage_name",
     "status", "webhooks"}
)  # fmt: skip


def _sim(request: Request) -> GreenhouseSim:
    sim: GreenhouseSim = request.app.state.sim
    return sim


async def _json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    body = await json_body(request, optional=optional)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise unprocessable("the body must be a JSON object")
    return body


def control(
    handler: Callable[[Request, GreenhouseSim], Awaitable[Any]], status: int = 200
) -> Endpoint:
    """JSON in, JSON out, SimError as its HTTP error; None is a 204."""

    async def endpoint(request: Request) -> Response:
        result = await handler(request, _sim(request))
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    return endpoint


async def cp_seed(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request, optional=True)
    unknown = set(body) - SEED_KEYS
    if unknown:
        raise unprocessable(f"unknown seed field {sorted(unknown)[0]!r}", sorted(unknown)[0])
    return sim.seed_data(**body)


async def cp_config(request: Request, sim: GreenhouseSim) -> Any:
    if request.method == "GET":
        return sim.configure()
    return sim.configure(**await _json_object(request))


async def cp_clients(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request)
    client_id, secret = body.get("client_id"), body.get("client_secret")
    if (
        not isinstance(client_id, str)
        or not isinstance(secret, str)
        or set(body)
        - {
            "client_id",
            "client_secret",
        }
    ):
        raise unprocessable("the body must be {client_id, client_secret}")
    sim.add_client(client_id, secret)
    return {"client_id": client_id}


async def cp_expire_tokens(request: Request, sim: GreenhouseSim) -> Any:
    return {"expired": sim.expire_tokens()}


def _crud(
    sim: GreenhouseSim, resource: str
) -> tuple[Callable[..., Record], Callable[..., Record], Callable[[int], None]]:
    return {
        "jobs": (sim.create_job, sim.update_job, sim.delete_job),
        "candidates": (sim.create_candidate, sim.update_candidate, sim.delete_candidate),
        "applications": (sim.create_application, sim.update_application, sim.delete_application),
        "users": (sim.create_user, sim.update_user, sim.delete_user),
    }[resource]


def _resource_routes(resource: str) -> list[BaseRoute]:
    async def create(request: Request, sim: GreenhouseSim) -> Any:
        return _crud(sim, resource)[0](**await _json_object(request))

    async def one(request: Request, sim: GreenhouseSim) -> Any:
        rid: int = request.path_params["id"]
        if request.method == "GET":
            return sim.get(resource, rid)
        if request.method == "PATCH":
            return _crud(sim, resource)[1](rid, **await _json_object(request))
        _crud(sim, resource)[2](rid)
        return None

    return [
        Route(f"/_sim/{resource}", control(create, 201), methods=["POST"]),
        Route(f"/_sim/{resource}/{{id:int}}", control(one), methods=["GET", "PATCH", "DELETE"]),
    ]


async def cp_stage(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request)
    if set(body) not in ({"stage_name"}, {"stage_id"}):
        raise unprocessable("the body must be {stage_name} or {stage_id}")
    return sim.set_stage(request.path_params["id"], **body)


async def cp_list_webhooks(request: Request, sim: GreenhouseSim) -> Any:
    with sim.lock:
        return [hook.to_json() for hook in sim.webhooks.values()]


async def cp_add_webhook(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request)
    if set(body) - {"url", "secret", "events"} or "url" not in body or "secret" not in body:
        raise unprocessable("the body must be {url, secret, events?}")
    return sim.register_webhook(body["url"], body["secret"], body.get("events"))


async def cp_webhook(request: Request, sim: GreenhouseSim) -> Any:
    webhook_id: int = request.path_params["id"]
    if request.method == "DELETE":
        sim.delete_webhook(webhook_id)
        return None
    return sim.update_webhook(webhook_id, **await _json_object(request))


def routes() -> list[BaseRoute]:
    """Greenhouse's own control routes (no auth), next to the kit's: ``POST /_sim/reset``
    ({config?}: clients stay, knobs too unless config), ``/_sim/faults``, ``/_sim/state``,
    ``/_sim/deliveries`` and ``/_sim/deliveries/drain`` (``simulators.kit.control``).

    POST /_sim/seed                        {users, jobs, candidates, applications_per_job,
                                            job_status?, stage_name?, status?, webhooks?}
    GET|POST /_sim/config                  knobs: token_ttl_seconds, rate_limit,
                                            rate_window_seconds, webhook_retry_delays,
                                            webhook_timeout_seconds, webhook_workers,
                                            webhooks_on_api_writes, public_base_url
    POST /_sim/clients                     {client_id, client_secret}
    POST /_sim/tokens/expire               expire every issued token
    POST /_sim/{jobs,candidates,applications,users}            create (201)
    GET|PATCH|DELETE /_sim/{jobs,candidates,applications,users}/{id}
    POST /_sim/applications/{id}/stage     {stage_name} or {stage_id}
    GET|POST /_sim/webhooks                {url, secret, events?}; pinged at once
    PATCH|DELETE /_sim/webhooks/{id}       {active?, url?, secret?, events?}
    """
    routes: list[BaseRoute] = [
        Route("/_sim/seed", control(cp_seed, 201), methods=["POST"]),
        Route("/_sim/config", control(cp_config), methods=["GET", "POST"]),
        Route("/_sim/clients", control(cp_clients, 201), methods=["POST"]),
        Route("/_sim/tokens/expire", control(cp_expire_tokens), methods=["POST"]),
        Route("/_sim/applications/{id:int}/stage", control(cp_stage), methods=["POST"]),
        Route("/_sim/webhooks", control(cp_add_webhook, 201), methods=["POST"]),
        Route("/_sim/webhooks", control(cp_list_webhooks), methods=["GET"]),
        Route("/_sim/webhooks/{id:int}", control(cp_webhook), methods=["PATCH", "DELETE"]),
    ]
    for resource in ("jobs", "candidates", "applications", "users"):
        routes.extend(_resource_routes(resource))
    return routes
