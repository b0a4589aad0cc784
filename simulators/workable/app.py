"""A stateful simulator of one Workable account's SPI v3 and of its webhooks.

    app = create_app(seed=7, rate_limit=10)       # Workable's limit for account tokens
    sim = app.state.sim                           # WorkableSim
    sim.add_token("account-token")
    with LoopbackServer(app) as server: ...       # the API at server.url + "/spi/v3"

`/spi/v3/*` stands in for https://{subdomain}.workable.com/spi/v3; `/_sim/*` is the
unauthenticated control plane (the kit's routes and `POST /_sim/config`).

Facts followed (https://workable.readme.io/reference):

[official]
- `Authorization: Bearer <account token>`; a wrong one is a 401 `{"error": "Not authorized"}`,
  an unknown record a 404 `{"error": "Not found"}`.
- Collections wrap their records (`jobs`, `candidates`, `members`) with `paging.next`, the
  full URL of the next page, while more remain; `limit` 50 by default, at most 100; oldest
  first; `since_id`, `max_id`, `created_after`, `updated_after` (ISO 8601 or Unix time).
- Jobs are addressed by `shortcode`; state `draft`, `published`, `closed` (used
  internally or confidentially) or `archived`. `GET /candidates/:id` answers
  `{"candidate": {...}}`; candidates carry `job.shortcode`, `stage`, `disqualified`.
- Members have a role `admin`, `simple`, `recruiter` or `reviewer`.
- Rate limit: 10 requests per 10 s interval for account tokens, a 429 past it, and
  `X-Rate-Limit-Limit`, `-Remaining`, `-Reset` (the timestamp of the next interval) on
  every response. The simulator's limit is a knob (`rate_limit`), relaxed by default.
- `POST /candidates/:id/move {member_id, target_stage}`; `POST /candidates/:id/comments
  {member_id, comment: {body, policy?}}` answers 201.
- `POST /subscriptions {target, event, args?}`: one event (`candidate_created`,
  `candidate_moved`, `candidate_deleted`) per subscription, a target
  already subscribed is a 409; deliveries signed with `X-Workable-Signature`, the hex
  HMAC-SHA256 of the body keyed with the account token; only 200 is a success.

[UNCONFIRMED] (simulator choices)
- The delivery's envelope (`id`, `event_type`, `resource_type`, `firing_date`).
- A move without `target_stage` goes to the next stage of the pipeline.
- A 429 also carries `Retry-After` (seconds to the next interval).
- Moving and commenting answer an empty 200 and 201.
- Faults: `error_rate` answers 500/502/503, `burst_429` answers 429, `lost_responses`
  applies a write but answers 502.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.control import control_routes, read_object, simulator_app
from simulators.kit.errors import HttpError
from simulators.kit.guard import injected_fault, loses_answer, pause
from simulators.workable import partner, records
from simulators.workable.errors import Unprocessable, WorkableError
from simulators.workable.listing import list_body
from simulators.workable.state import WorkableSim

API = "/spi/v3"
Handler = Callable[[Request, WorkableSim, str], Awaitable[Response]]


def _sim(request: Request) -> WorkableSim:
    sim: WorkableSim = request.app.state.sim
    return sim


async def _guard(request: Request, sim: WorkableSim) -> tuple[str, dict[str, str]]:
    """The token, the rate-limit headers; raises for a bad token, a fault or a 429."""
    token = sim.authenticate(request.headers.get("authorization"))
    await pause(sim)
    limits, retry_after = sim.admit(token)
    if retry_after is not None:
        raise WorkableError(429, "Too many requests",
                            headers={**limits, "Retry-After": str(retry_after)})  # fmt: skip
    fault = injected_fault(sim, token)
    if fault is not None:
        raise WorkableError(fault.status, "injected fault", headers={**limits, **fault.headers()})
    return token, limits


def api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Bearer auth, latency, the rate limit and the fault knobs around a handler."""

    async def endpoint(request: Request) -> Response:
        sim = _sim(request)
        token, limits = await _guard(request, sim)
        try:
            response = await handler(request, sim, token)
            if loses_answer(sim, request, response, writes=("POST",)):
                raise WorkableError(502, "Bad gateway (injected: the response was lost)")
        except HttpError as exc:
            response = exc.response()
        response.headers.update(limits)
        return response

    return endpoint


def _url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}"


def _collection(kind: str) -> Handler:
    async def handler(request: Request, sim: WorkableSim, token: str) -> Response:
        query = dict(request.query_params)
        if "shortcode" in request.path_params:
            sim.job(request.path_params["shortcode"])
            query["shortcode"] = request.path_params["shortcode"]
        return JSONResponse(list_body(sim, kind, query, _url(request)))

    return handler


@api
async def get_job(request: Request, sim: WorkableSim, token: str) -> Response:
    return JSONResponse(sim.job_json(sim.job(request.path_params["shortcode"])))


@api
async def get_candidate(request: Request, sim: WorkableSim, token: str) -> Response:
    candidate = sim.candidate(request.path_params["id"])
    return JSONResponse({"candidate": sim.candidate_json(candidate)})


@api
async def stages(request: Request, sim: WorkableSim, token: str) -> Response:
    out = [{"slug": s, "name": n, "kind": k, "position": i}
           for i, (n, s, k) in enumerate(records.STAGES)]  # fmt: skip
    return JSONResponse({"stages": out})


def _member(body: dict[str, Any], sim: WorkableSim) -> str:
    """The member who acts: required by Workable for moves and comments."""
    member_id = body.get("member_id")
    if member_id is None:
        raise Unprocessable("member_id is required")
    if not isinstance(member_id, str) or member_id not in sim.members:
        raise Unprocessable("member_id must be the id of a member")
    return member_id


@api
async def move(request: Request, sim: WorkableSim, token: str) -> Response:
    body = await read_object(request)
    _member(body, sim)
    target = body.get("target_stage")
    if target is not None and not isinstance(target, str):
        raise Unprocessable("target_stage must be a stage slug")
    sim.move(request.path_params["id"], target)
    return Response(status_code=200)


def _comment_body(body: dict[str, Any]) -> str:
    comment = body.get("comment")
    text = comment.get("body") if isinstance(comment, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise Unprocessable("comment.body is required")
    return text


@api
async def comment(request: Request, sim: WorkableSim, token: str) -> Response:
    body = await read_object(request)
    sim.add_comment(request.path_params["id"], _member(body, sim), _comment_body(body))
    return Response(status_code=201)


@api
async def subscriptions(request: Request, sim: WorkableSim, token: str) -> Response:
    if request.method == "GET":
        with sim.lock:
            listed = [s.to_json() for s in sim.subscriptions.values()]
        return JSONResponse({"subscriptions": listed})
    made = sim.subscribe(token, await read_object(request))
    return JSONResponse({"id": made.id}, status_code=201)


@api
async def unsubscribe(request: Request, sim: WorkableSim, token: str) -> Response:
    sim.unsubscribe(request.path_params["id"])
    return Response(status_code=200)


async def config(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        body = await read_object(request)
        with sim.lock:
            sim.settings.update(body)
    with sim.lock:
        return JSONResponse(vars(sim.settings))


def create_app(*, seed: int = 0, rate_limit: int = 10_000) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its WorkableSim."""
    sim = WorkableSim(seed=seed, rate_limit=rate_limit)

    candidates = api(_collection("candidates"))
    routes: list[BaseRoute] = [
        Route(f"{API}/jobs", api(_collection("jobs")), methods=["GET"]),
        Route(f"{API}/jobs/{{shortcode}}", get_job, methods=["GET"]),
        Route(f"{API}/jobs/{{shortcode}}/candidates", candidates, methods=["GET"]),
        Route(f"{API}/candidates", candidates, methods=["GET"]),
        Route(f"{API}/candidates/{{id}}", get_candidate, methods=["GET"]),
        Route(f"{API}/candidates/{{id}}/move", move, methods=["POST"]),
        Route(f"{API}/candidates/{{id}}/comments", comment, methods=["POST"]),
        Route(f"{API}/members", api(_collection("members")), methods=["GET"]),
        Route(f"{API}/stages", stages, methods=["GET"]),
        Route(f"{API}/subscriptions", subscriptions, methods=["GET", "POST"]),
        Route(f"{API}/subscriptions/{{id:int}}", unsubscribe, methods=["DELETE"]),
        Route("/_sim/config", config, methods=["GET", "POST"]),
        *partner.routes(),
        *control_routes(),
    ]
    return simulator_app(sim, routes)
