"""A stateful simulator of the Greenhouse Harvest v3 API and of Greenhouse webhooks.

    app = create_app(seed=7)
    sim = app.state.sim                      # GreenhouseSim, usable from any thread
    sim.add_client("client-id", "client-secret")
    sim.seed_data(users=3, jobs=200, applications_per_job=50)
    with LoopbackServer(app) as server: ...

Routes: `POST /token` stands in for https://auth.greenhouse.io/token; `/v3/*` for
https://harvest.greenhouse.io/v3; `/_sim/*` is the unauthenticated control plane (see
`_control_routes`). Modules: greenhouse_common (errors, timestamps, tables),
greenhouse_listing (filters, cursor, scan), greenhouse_gate (tokens, rate limit, faults,
knobs), greenhouse_seed (deterministic data), greenhouse_webhooks (payloads, signing,
delivery), greenhouse_store / greenhouse_records / greenhouse_state (the state).

Facts followed, by confidence (see the research notes):

[official]
- Client credentials: client id and secret only in HTTP Basic, form body
  `grant_type=client_credentials&sub=<user id>`; the token is sent as `Bearer`.
- Cursor pagination: a `Link: <...?cursor=...>; rel="next"` header while more remain,
  none on the last page; the cursor is opaque URL-safe base64 carrying the filters and
  per_page, and must be the only query parameter (anything else with it is a 422).
- List filters `ids`, parent ids (`job_ids`, `candidate_ids`, ...), `created_at` and
  `updated_at` as `op|ISO8601` with gte/lte/gt/lt, and `status`.
- `POST /v3/applications/{id}/move` advances when `to_stage_id` is blank.
- Webhooks: `{"action", "payload"}`, `Signature: sha256 <hex HMAC-SHA256 of the raw
  body>`, a unique `Greenhouse-Event-ID`, a ping when saved (a failed ping disables the
  hook), only HTTP 200 is success, unicode escaped before signing, v1-style payloads
  (`status: active`, `current_stage {id, name}`, `jobs [...]`; delete_candidate sends
  `payload.person`; job_deleted sends `payload.job {id, name}`).
- v3 renames: `primary_email`, `deactivated`, `department_id`, `office_ids`.

[3rd-party]
- The token response has `expires_at` (an absolute `...+0000` timestamp), not
  `expires_in`; the lifetime is 1 hour by default (knob `token_ttl_seconds`).
- Lists are bare JSON arrays; `per_page` is 1..500 (default 100), outside is a 422;
  ranges chain in one parameter (`updated_at=gte|A|lte|B`).
- Application status `in_process|rejected|hired|converted`; `stage_name`, `stage_id`,
  `job_interview_stage_id`; candidates have no `application_ids`.
- Notes: created with short visibility `public|private|admin_only` (default admin_only)
  and `note_type`, read back with `*_visible` visibility and the type in `type`; notes
  cannot be edited or deleted.
- Rate limit: a rolling 10-second window with `X-RateLimit-Limit`, `-Remaining` and
  `-Reset` (epoch seconds); a 429 carries `Retry-After` in seconds (the v1 docs of
  Oct 2023 call it an epoch timestamp instead).
- The `fields=` sparse fieldset on lists.

[UNCONFIRMED] (simulator choices)
- `sub` is required and must be an active user (a service-account default without
  `sub` is reported by one third party; the simulator answers 400 invalid_request).
- `stage_id` equals `job_interview_stage_id` (the application_stages row id may be
  meant); `from_stage_id` on move, when given, must be the current stage.
- Move: only in_process applications; the last stage or the current stage as target
  is a 422; the response is 200 with the application; a move through the API also
  fires `candidate_stage_change` (knob `webhooks_on_api_writes`).
- Unknown query parameters, repeated parameters, unknown body fields and unknown enum
  values are 422; error bodies are `{"message", "errors": [{"field", "message"}]}`.
- No `GET /v3/<resource>/{id}`: fetch one record with `?ids=`.
- Order is ascending id (one third party claims descending).
- The ping body (`payload.web_hook {...}`), the retry schedule in seconds, and a retry
  keeping its `Greenhouse-Event-ID`.
- Injected faults: `error_rate` answers 500/502/503, `burst_429` answers 429,
  `lost_responses` applies a write but answers 502 (a lost response).
- Rate-limit headers come on every authenticated /v3 response (a 401 has none); the
  token endpoint is not rate limited.
- Deliveries leave one at a time in event order (knob `webhook_workers` for more), with
  no keep-alive between them; `users` have no webhook events (Greenhouse has none).
- `show_service_accounts` is accepted and ignored: the simulator has no service accounts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.greenhouse_common import Record, SimError, unprocessable
from simulators.greenhouse_gate import Token
from simulators.greenhouse_listing import SPECS
from simulators.greenhouse_state import GreenhouseSim

__all__ = ["GreenhouseSim", "create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]
V3Handler = Callable[[Request, GreenhouseSim, Token], Awaitable[Response]]
SEED_KEYS = frozenset(
    {
        "users",
        "jobs",
        "candidates",
        "applications_per_job",
        "job_status",
        "stage_name",
        "status",
        "webhooks",
    }
)


def _sim(request: Request) -> GreenhouseSim:
    sim: GreenhouseSim = request.app.state.sim
    return sim


def _error(exc: SimError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _json_body(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise SimError(400, "a JSON body is required")
    try:
        return json.loads(raw)
    except ValueError:
        raise SimError(400, "the body is not valid JSON") from None


async def _json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    body = await _json_body(request, optional=optional)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise unprocessable("the body must be a JSON object")
    return body


# OAuth and /v3 ------------------------------------------------------------------------------


async def token_endpoint(request: Request) -> Response:
    sim = _sim(request)
    try:
        issued = sim.issue_token(
            request.headers.get("authorization"),
            request.headers.get("content-type"),
            await request.body(),
        )
    except SimError as exc:
        return _error(exc)
    return JSONResponse(issued, headers={"Cache-Control": "no-store"})


def v3(handler: V3Handler) -> Endpoint:
    """Bearer auth, latency, rate limit and faults around a /v3 handler."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        headers: dict[str, str] = {}
        try:
            token = sim.authenticate(request.headers.get("authorization"))
            latency = sim.faults.settings.latency_ms
            if latency:
                await asyncio.sleep(latency / 1000)
            headers = sim.admit(token)
            response = await handler(request, sim, token)
            if request.method in ("POST", "PATCH") and response.status_code < 300:
                with sim.lock:
                    lost = sim.faults.lose_response()
                if lost:  # applied, but the answer never reaches the caller
                    raise SimError(502, "Bad gateway (injected: the response was lost)")
        except SimError as exc:
            response = _error(exc)
        response.headers.update(headers)
        sim.count_response(response.status_code)
        return response

    return endpoint


def _base_url(request: Request, sim: GreenhouseSim) -> str:
    return sim.config.public_base_url or f"{request.url.scheme}://{request.url.netloc}"


@v3
async def list_resource(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    resource = request.path_params["resource"]
    content, cursor = sim.list_json(resource, request.query_params.multi_items())
    response = Response(content, media_type="application/json")
    if cursor is not None:
        link = f"{_base_url(request, sim)}/v3/{resource}?cursor={cursor}"
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


@v3
async def move_application(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    body = await _json_body(request, optional=True)
    return JSONResponse(sim.move_application(request.path_params["id"], body, token))


@v3
async def create_note(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    body = await _json_body(request)
    return JSONResponse(sim.create_note(body, token), status_code=201)


@v3
async def v3_fallback(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    path = request.path_params["path"]
    move = path.endswith("/move") and request.method != "POST"
    if path in SPECS or move:
        allow = "GET, POST" if path == "notes" else ("POST" if path.endswith("/move") else "GET")
        raise SimError(405, f"{request.method} is not allowed here", headers={"Allow": allow})
    raise SimError(404, f"no route /v3/{path}")


# Control plane ------------------------------------------------------------------------------


def control(
    handler: Callable[[Request, GreenhouseSim], Awaitable[Any]], status: int = 200
) -> Endpoint:
    """JSON in, JSON out, SimError as its HTTP error; None is a 204."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request, _sim(request))
        except SimError as exc:
            return _error(exc)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    return endpoint


async def cp_reset(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request, optional=True)
    if set(body) - {"config"} or not isinstance(body.get("config", False), bool):
        raise unprocessable("the body must be empty or {config: true|false}")
    sim.reset(config=body.get("config", False))
    return {"reset": True}


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


async def cp_faults(request: Request, sim: GreenhouseSim) -> Any:
    if request.method == "GET":
        return _faults(sim)
    return sim.set_faults(**await _json_object(request, optional=True))


def _faults(sim: GreenhouseSim) -> dict[str, Any]:
    with sim.lock:
        return {**sim.faults.settings.to_json(), "injected": dict(sim.faults.injected)}


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


async def cp_drain(request: Request, sim: GreenhouseSim) -> Any:
    body = await _json_object(request, optional=True)
    timeout = body.get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout < 0:
        raise unprocessable("timeout must be a number of seconds", "timeout")
    idle = await run_in_threadpool(sim.wait_for_deliveries, float(timeout))
    return {"idle": idle, "pending": sim.dispatcher.pending()}


async def cp_deliveries(request: Request, sim: GreenhouseSim) -> Any:
    return sim.deliveries()


async def cp_state(request: Request, sim: GreenhouseSim) -> Any:
    return sim.state()


def _control_routes() -> list[BaseRoute]:
    """The control plane (no auth):

    POST /_sim/reset                       {config?}: drop data, tokens, webhooks, faults,
                                            counters (clients stay; knobs too unless config)
    POST /_sim/seed                        {users, jobs, candidates, applications_per_job,
                                            job_status?, stage_name?, status?, webhooks?}
    GET|POST /_sim/config                  knobs: token_ttl_seconds, rate_limit,
                                            rate_window_seconds, webhook_retry_delays,
                                            webhook_timeout_seconds, webhook_workers,
                                            webhooks_on_api_writes, public_base_url
    GET|POST /_sim/faults                  {error_rate, latency_ms, burst_429: {every,
                                            length, retry_after}, drop_webhooks, seed}
    POST /_sim/clients                     {client_id, client_secret}
    POST /_sim/tokens/expire               expire every issued token
    POST /_sim/{jobs,candidates,applications,users}            create (201)
    GET|PATCH|DELETE /_sim/{jobs,candidates,applications,users}/{id}
    POST /_sim/applications/{id}/stage     {stage_name} or {stage_id}
    GET|POST /_sim/webhooks                {url, secret, events?}; pinged at once
    PATCH|DELETE /_sim/webhooks/{id}       {active?, url?, secret?, events?}
    POST /_sim/webhooks/drain              {timeout?}: wait until no delivery is pending
    GET /_sim/deliveries                   the delivery log
    GET /_sim/state                        everything
    """
    routes: list[BaseRoute] = [
        Route("/_sim/reset", control(cp_reset), methods=["POST"]),
        Route("/_sim/seed", control(cp_seed, 201), methods=["POST"]),
        Route("/_sim/config", control(cp_config), methods=["GET", "POST"]),
        Route("/_sim/faults", control(cp_faults), methods=["GET", "POST"]),
        Route("/_sim/clients", control(cp_clients, 201), methods=["POST"]),
        Route("/_sim/tokens/expire", control(cp_expire_tokens), methods=["POST"]),
        Route("/_sim/applications/{id:int}/stage", control(cp_stage), methods=["POST"]),
        Route("/_sim/webhooks", control(cp_add_webhook, 201), methods=["POST"]),
        Route("/_sim/webhooks", control(cp_list_webhooks), methods=["GET"]),
        Route("/_sim/webhooks/drain", control(cp_drain), methods=["POST"]),
        Route("/_sim/webhooks/{id:int}", control(cp_webhook), methods=["PATCH", "DELETE"]),
        Route("/_sim/deliveries", control(cp_deliveries), methods=["GET"]),
        Route("/_sim/state", control(cp_state), methods=["GET"]),
    ]
    for resource in ("jobs", "candidates", "applications", "users"):
        routes.extend(_resource_routes(resource))
    return routes


def create_app(*, seed: int = 0) -> Starlette:
    """The simulator as an ASGI app; `app.state.sim` is its GreenhouseSim."""
    sim = GreenhouseSim(seed=seed)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        sim.close()

    routes: list[BaseRoute] = [
        Route("/token", token_endpoint, methods=["POST"]),
        Route("/v3/notes", create_note, methods=["POST"]),
        Route("/v3/applications/{id:int}/move", move_application, methods=["POST"]),
        Route("/v3/{resource}", list_resource, methods=["GET"]),
        Route(
            "/v3/{path:path}",
            v3_fallback,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        ),
        *_control_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim = sim
    return app
