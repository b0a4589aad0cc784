"""Teamtailor's own control routes (no auth), next to the kit's (``/_sim/faults``,
``/_sim/reset``, ``/_sim/state``, ``/_sim/deliveries``, ``/_sim/deliveries/drain``).

    POST /_sim/api-keys               {key}
    GET|POST /_sim/config             {rate_limit, rate_window_seconds, api_version,
                                       public_base_url, webhook_timeout_seconds}
    POST /_sim/webhooks               {url, signature_key, events?, scheme?}  (201)
    POST /_sim/jobs                   {title, body?, status?}            (201, job.create)
    PATCH|DELETE /_sim/jobs/{id}      {title?, body?, status?}
    POST /_sim/users                  {name, email, role?}               (201)
    POST /_sim/job-applications       {job_id, first_name, last_name, email}   (201)
    POST /_sim/job-applications/{id}/stage   {stage_name}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.control import read_object
from simulators.kit.errors import Invalid
from simulators.teamtailor.state import TeamtailorSim

Control = Callable[[dict[str, Any], TeamtailorSim, Request], Any]


def _endpoint(handler: Control, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sim: TeamtailorSim = request.app.state.sim
        body = {} if request.method in ("GET", "DELETE") else await read_object(request)
        try:
            result = handler(body, sim, request)
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid({"body": str(exc)}) from None
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    return endpoint


def _api_key(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    sim.add_api_key(str(body["key"]))
    return {"key": body["key"]}


def _config(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    return sim.configure(**body)


def _webhook(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    with sim.lock:
        receiver = sim.hooks.register(body["url"], body["signature_key"], body.get("events"),
                                      body.get("scheme", "company"))  # fmt: skip
        return receiver.to_json()


def _job(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    return sim.create_job(**body)


def _one_job(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    if request.method == "DELETE":
        sim.delete_job(request.path_params["id"])
        return None
    return sim.update_job(request.path_params["id"], **body)


def _user(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    return sim.create_user(**body)


def _application(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    return sim.create_application(**body)


def _stage(body: dict[str, Any], sim: TeamtailorSim, request: Request) -> Any:
    stage = sim.stage_named(str(body["stage_name"]))
    return sim.move(request.path_params["id"], stage["id"])


def routes() -> list[BaseRoute]:
    return [
        Route("/_sim/api-keys", _endpoint(_api_key, 201), methods=["POST"]),
        Route("/_sim/config", _endpoint(_config), methods=["GET", "POST"]),
        Route("/_sim/webhooks", _endpoint(_webhook, 201), methods=["POST"]),
        Route("/_sim/jobs", _endpoint(_job, 201), methods=["POST"]),
        Route("/_sim/jobs/{id}", _endpoint(_one_job), methods=["PATCH", "DELETE"]),
        Route("/_sim/users", _endpoint(_user, 201), methods=["POST"]),
        Route("/_sim/job-applications", _endpoint(_application, 201), methods=["POST"]),
        Route("/_sim/job-applications/{id}/stage", _endpoint(_stage), methods=["POST"]),
    ]
