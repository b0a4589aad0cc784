"""A stateful simulator of the Greenhouse Harvest v3 API and of Greenhouse webhooks.

    app = create_app(seed=7)
    sim = app.state.sim                      # GreenhouseSim, usable from any thread
    sim.add_client("client-id", "client-secret")
    sim.seed_data(users=3, jobs=200, applications_per_job=50)
    with LoopbackServer(app) as server: ...

Routes: `POST /token` stands in for https://auth.greenhouse.io/token; `/v3/*` for
https://harvest.greenhouse.io/v3; `/_sim/*` is the unauthenticated control plane (the
kit's routes, `simulators.kit.control`, and Greenhouse's own, `control.routes`). The
package docstring (`simulators/greenhouse/__init__.py`) says which module holds what.

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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.greenhouse import control, partner
from simulators.greenhouse.auth import Token
from simulators.greenhouse.errors import SimError, json_body
from simulators.greenhouse.listing import SPECS
from simulators.greenhouse.state import GreenhouseSim
from simulators.kit.control import control_routes
from simulators.kit.errors import HttpError, error_handler

__all__ = ["GreenhouseSim", "create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]
V3Handler = Callable[[Request, GreenhouseSim, Token], Awaitable[Response]]


def _sim(request: Request) -> GreenhouseSim:
    sim: GreenhouseSim = request.app.state.sim
    return sim


def _error(exc: SimError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


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
    body = await json_body(request, optional=True)
    return JSONResponse(sim.move_application(request.path_params["id"], body, token))


@v3
async def create_note(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    body = await json_body(request)
    return JSONResponse(sim.create_note(body, token), status_code=201)


@v3
async def v3_fallback(request: Request, sim: GreenhouseSim, token: Token) -> Response:
    path = request.path_params["path"]
    move = path.endswith("/move") and request.method != "POST"
    if path in SPECS or move:
        allow = "GET, POST" if path == "notes" else ("POST" if path.endswith("/move") else "GET")
        raise SimError(405, f"{request.method} is not allowed here", headers={"Allow": allow})
    raise SimError(404, f"no route /v3/{path}")


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
        *control.routes(),
        *partner.routes(),
        *control_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HttpError: error_handler})  # fmt: skip
    app.state.sim = sim
    return app
