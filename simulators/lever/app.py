"""A stateful simulator of one Lever account's API v1 and of its webhooks.

    app = create_app(seed=7, rate_limit=10)       # Lever's steady rate per key
    sim = app.state.sim                           # LeverSim
    sim.add_key("api-key")
    with LoopbackServer(app) as server: ...       # the API at server.url + "/v1"

`/v1/*` stands in for https://api.lever.co/v1; `/_sim/*` is the unauthenticated control
plane (the kit's routes, `POST /_sim/config` and `POST /_sim/webhooks`).

Facts followed (https://hire.lever.co/developer/documentation):

[official]
- HTTP basic auth, the API key as the username and an empty password; without a valid
  key a 401 `{"code": "UnauthorizedError", "message": "The request requires
  authentication."}`. Errors are flat `{"code", "message"}`; a missing record is a 404
  `ResourceNotFound`.
- Lists answer `{"data": [...], "hasNext", "next"}`; `next` is an opaque token sent back
  as `offset`; `limit` 1 to 100. Single records answer `{"data": {...}}`.
- `updated_at_start` / `updated_at_end` (and `created_at_*`) in epoch milliseconds;
  every time is epoch milliseconds (`createdAt`, `updatedAt`).
- Postings: `state` published, internal, closed, draft, pending or rejected;
  `content.descriptionHtml`, `requisitionCodes`.
- Opportunities: `contact` (the person), `name`, `emails[]`, `phones[]`, `stage` (a stage
  id; `expand=stage` gives `{id, text}`), `applications[]` (ids; `expand=applications`
  gives each with its `posting`), `archived` (`{reason, archivedAt}` or null). Filters
  `posting_id`, `stage_id`, `contact_id`, `email`, `archived`. `expand` is repeated
  for several (`expand=applications&expand=stage`).
- `GET /stages` lists `{id, text}`; `PUT /opportunities/:id/stage {stage}` moves.
- `POST /opportunities/:id/notes {value}` answers 201 `{"data": {"noteId"}}`.
- Users: `accessRole` super admin, admin, team member, limited team member or
  interviewer; `deactivatedAt`; `includeDeactivated=true` lists deactivated ones too.
- 10 requests per second per key steadily (bursts to 20), a 429 past it, with no
  rate-limit headers. The simulator's limit is a knob (`rate_limit`), relaxed by default.
- Webhooks: one per event type, each with its own signature token; the body carries
  `triggeredAt` (ms), `event`, `token`, `signature` (hex HMAC-SHA256 of token +
  triggeredAt) and an unsigned `data` with `opportunityId`.

[UNCONFIRMED] (simulator choices)
- `token` is new for every delivery; a retried delivery sends the same body again, up to
  `webhook_attempts` times with a doubling backoff, and any 2xx is a success.
- A comma-separated `expand=applications,stage` is refused (400), as a field of that
  name does not exist: only the documented repeated form expands.
- Query parameters Lever does not know are ignored.
- The rate limit counts a rolling second per key (`rate_limit` requests), in place of
  Lever's token bucket; a 429 answers `{"code": "TooManyRequests", ...}`.
- Faults: `error_rate` answers 500/503, `burst_429` answers 429, `lost_responses`
  applies a write but answers 502.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.control import control_routes, read_object, simulator_app
from simulators.kit.errors import HttpError
from simulators.kit.guard import injected_fault, loses_answer, pause
from simulators.lever import records
from simulators.lever.errors import BadRequest, LeverError
from simulators.lever.listing import expansions, list_body
from simulators.lever.state import LeverSim

API = "/v1"
Handler = Callable[[Request, LeverSim, str], Awaitable[Response]]


def _sim(request: Request) -> LeverSim:
    sim: LeverSim = request.app.state.sim
    return sim


async def _guard(request: Request, sim: LeverSim) -> str:
    """The API key; raises for a bad key, a 429 or an injected fault."""
    key = sim.authenticate(request.headers.get("authorization"))
    await pause(sim)
    if sim.admit(key).retry_after is not None:
        raise LeverError(429, "TooManyRequests", "Rate limit exceeded")
    fault = injected_fault(sim, key)
    if fault is not None:
        raise LeverError(fault.status, "InternalServerError" if fault.status >= 500
                         else "TooManyRequests", "injected fault",
                         headers=fault.headers())  # fmt: skip
    return key


def api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Basic auth, latency, the rate limit and the fault knobs around a handler."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        try:
            key = await _guard(request, sim)
            response = await handler(request, sim, key)
            if loses_answer(sim, request, response, writes=("POST", "PUT")):
                raise LeverError(502, "BadGateway", "injected: the response was lost")
        except HttpError as exc:
            return exc.response()
        return response

    return endpoint


def _collection(kind: str) -> Handler:
    async def handler(request: Request, sim: LeverSim, key: str) -> Response:
        return JSONResponse(list_body(sim, kind, request.query_params))

    return handler


@api
async def get_posting(request: Request, sim: LeverSim, key: str) -> Response:
    return JSONResponse({"data": records.posting_json(sim.posting(request.path_params["id"]))})


@api
async def get_opportunity(request: Request, sim: LeverSim, key: str) -> Response:
    opportunity = sim.opportunity(request.path_params["id"])
    expand = expansions(request.query_params)
    return JSONResponse({"data": records.opportunity_json(opportunity, expand)})


@api
async def get_user(request: Request, sim: LeverSim, key: str) -> Response:
    with sim.lock:
        user = sim.users.get(request.path_params["id"])
    if user is None:
        raise LeverError(404, "ResourceNotFound", f"user {request.path_params['id']} was not found")
    return JSONResponse({"data": records.user_json(user)})


@api
async def stages(request: Request, sim: LeverSim, key: str) -> Response:
    return JSONResponse({"data": [{"id": i, "text": t} for i, t in records.STAGES],
                         "hasNext": False})  # fmt: skip


@api
async def change_stage(request: Request, sim: LeverSim, key: str) -> Response:
    body = await read_object(request)
    moved = sim.change_stage(request.path_params["id"], body.get("stage"))
    return JSONResponse({"data": records.opportunity_json(moved)})


@api
async def notes(request: Request, sim: LeverSim, key: str) -> Response:
    opportunity_id = request.path_params["id"]
    if request.method == "GET":
        sim.opportunity(opportunity_id)
        with sim.lock:
            found = [records.note_json(n) for n in sim.notes.find("opportunity", opportunity_id)]
        return JSONResponse({"data": found, "hasNext": False})
    body = await read_object(request)
    user = request.query_params.get("perform_as", sim.keys[key])
    note = sim.add_note(opportunity_id, body.get("value"), user)
    return JSONResponse({"data": {"noteId": note["id"]}}, status_code=201)


async def config(request: Request) -> Response:
    sim = _sim(request)
    try:
        if request.method == "POST":
            body = await read_object(request)
            with sim.lock:
                sim.settings.update(body)
    except HttpError as exc:
        return exc.response()
    with sim.lock:
        return JSONResponse(vars(sim.settings))


async def webhooks(request: Request) -> Response:
    """``POST /_sim/webhooks {url, event, signatureToken}``: a webhook as an admin makes
    one in Settings; ``GET`` lists them."""
    sim = _sim(request)
    if request.method == "GET":
        with sim.lock:
            return JSONResponse({"data": [h.to_json() for h in sim.webhooks.values()]})
    body = await read_object(request)
    url, event, token = body.get("url"), body.get("event"), body.get("signatureToken")
    if not all(isinstance(v, str) and v for v in (url, event, token)):
        return BadRequest("url, event and signatureToken are required").response()
    try:
        hook = sim.add_webhook(str(url), str(event), str(token))
    except HttpError as exc:
        return exc.response()
    return JSONResponse({"data": hook.to_json()}, status_code=201)


def create_app(*, seed: int = 0, rate_limit: int = 10_000) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its LeverSim."""
    sim = LeverSim(seed=seed, rate_limit=rate_limit)

    routes: list[BaseRoute] = [
        Route(f"{API}/postings", api(_collection("postings")), methods=["GET"]),
        Route(f"{API}/postings/{{id}}", get_posting, methods=["GET"]),
        Route(f"{API}/opportunities", api(_collection("opportunities")), methods=["GET"]),
        Route(f"{API}/opportunities/{{id}}", get_opportunity, methods=["GET"]),
        Route(f"{API}/opportunities/{{id}}/stage", change_stage, methods=["PUT"]),
        Route(f"{API}/opportunities/{{id}}/notes", notes, methods=["GET", "POST"]),
        Route(f"{API}/users", api(_collection("users")), methods=["GET"]),
        Route(f"{API}/users/{{id}}", get_user, methods=["GET"]),
        Route(f"{API}/stages", stages, methods=["GET"]),
        Route("/_sim/config", config, methods=["GET", "POST"]),
        Route("/_sim/webhooks", webhooks, methods=["GET", "POST"]),
        *control_routes(),
    ]
    return simulator_app(sim, routes)
