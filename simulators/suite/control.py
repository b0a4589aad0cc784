"""The suite's own control routes, under ``/_sim`` and without auth, next to the kit's
(``/_sim/faults``, ``/_sim/reset``, ``/_sim/state``, ``/_sim/deliveries``: see
``simulators.kit.control``).

POST /_sim/companies    {"id": "acme", "name": "Acme", "users": [{"email", "name", "role"}],
                         "clients": [{"client_id", "client_secret", "redirect_uris",
                                      "saml_certificate", "saml_issuer"}]}
POST /_sim/settings     {"access_token_ttl": 1, "rate_limit": 100, ...}
POST /_sim/clock        {"advance": 120}   move the simulator's clock forward
POST /_sim/tokens       {"company_id", "user_email"?}   a token without OAuth
POST /_sim/tokens/expire
POST /_sim/invitations/{id}/complete   answers every question; invitation.completed
POST /_sim/ratings      {"invitation_id", "score", "comment", "evaluator_id" | "evaluator_email"}
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.suite.company import Company
from simulators.suite.errors import NotFound, ValidationFailed
from simulators.suite.http import read_json, request_root
from simulators.suite.records import INVITATION, RATING, USER, show
from simulators.suite.state import SuiteState


def _sim(request: Request) -> SuiteState:
    sim: SuiteState = request.app.state.sim
    return sim


def _owner(sim: SuiteState, invitation_id: Any) -> Company:
    for company in sim.companies.values():
        if isinstance(invitation_id, str) and invitation_id in company.invitations:
            return company
    raise NotFound("invitation", str(invitation_id))


async def companies(request: Request) -> Response:
    sim = _sim(request)
    company = sim.add_company(await read_json(request))
    public = sim.root(request_root(request))
    body = {
        "id": company.id,
        "name": company.name,
        "users": [show(USER, u, public) for u in company.users.values()],
        "clients": [c.dump() for c in sim.clients_of(company.id)],
    }
    return JSONResponse(body, status_code=201)


async def settings(request: Request) -> Response:
    sim = _sim(request)
    body = await read_json(request)
    with sim.lock:
        sim.settings.apply(body)
        return JSONResponse(vars(sim.settings))


async def clock(request: Request) -> Response:
    sim = _sim(request)
    advance = (await read_json(request)).get("advance")
    if not isinstance(advance, int | float) or isinstance(advance, bool):
        raise ValidationFailed({"advance": "must be a number of seconds"})
    with sim.lock:
        sim.clock_offset += advance
        return JSONResponse({"clock_offset": sim.clock_offset, "now": sim.now()})


async def tokens(request: Request) -> Response:
    sim = _sim(request)
    body = await read_json(request)
    company_id, email = body.get("company_id"), body.get("user_email")
    if not isinstance(company_id, str) or company_id not in sim.companies:
        raise ValidationFailed({"company_id": f"no company {company_id!r}"})
    try:
        token = sim.issue_token(company_id, user_email=email)
    except KeyError:
        raise ValidationFailed({"user_email": f"no user {email!r} in {company_id!r}"}) from None
    return JSONResponse({"access_token": token, "token_type": "Bearer"}, status_code=201)


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": _sim(request).expire_access_tokens()})


async def complete(request: Request) -> Response:
    sim = _sim(request)
    public = sim.root(request_root(request))
    invitation_id = request.path_params["id"]
    with sim.lock:
        company = _owner(sim, invitation_id)
        invitation = company.complete_invitation(invitation_id, public)
        answers = company.responses.find("invitation_id", invitation_id)
        body = {**show(INVITATION, invitation, public), "responses": answers}
    return JSONResponse(body)


async def ratings(request: Request) -> Response:
    """A rating as an evaluator gives it in the suite; emits rating.created."""
    sim = _sim(request)
    body = await read_json(request)
    with sim.lock:
        company = _owner(sim, body.get("invitation_id"))
        email = body.get("evaluator_email")
        if email is not None:
            user = company.user_by_email(email) if isinstance(email, str) else None
            if user is None:
                raise ValidationFailed({"evaluator_email": f"no user {email!r}"})
            body = {**body, "evaluator_id": user["id"]}
        rating = company.create(RATING, body)
        return JSONResponse(show(RATING, rating, sim.root()), status_code=201)


def routes() -> list[Route]:
    return [
        Route("/_sim/companies", companies, methods=["POST"]),
        Route("/_sim/settings", settings, methods=["POST"]),
        Route("/_sim/clock", clock, methods=["POST"]),
        Route("/_sim/tokens", tokens, methods=["POST"]),
        Route("/_sim/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/_sim/invitations/{id}/complete", complete, methods=["POST"]),
        Route("/_sim/ratings", ratings, methods=["POST"]),
    ]
