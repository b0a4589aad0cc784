"""A stateful simulator of the Video Interview Suite, for tests and the demo.

    from simulators.kit.serving import LoopbackServer
    from simulators.suite import create_app

    app = create_app()
    with LoopbackServer(app) as server:
        sim = app.state.sim
        sim.public_url = server.url
        sim.add_company({"id": "acme", "name": "Acme",
                         "users": [{"email": "ada@acme.test", "name": "Ada", "role": "admin"}],
                         "clients": [{"client_id": "connector", "client_secret": "s3cret",
                                      "redirect_uris": ["http://127.0.0.1:9/callback"]}]})
        token = sim.issue_token("acme")
        httpx.get(server.url + "/api/v1/projects", headers={"Authorization": f"Bearer {token}"})

What is where:

| module | holds |
| --- | --- |
| ``records`` | record kinds, their fields, write validation, how a record is shown |
| ``company`` | one company's tables (``simulators.kit.table``) and the rules for changing them |
| ``state`` | ``SuiteState``, the whole simulator as ``app.state.sim`` |
| ``api`` | the ``/api/v1`` routes and their cursors |
| ``gateway`` | bearer tokens, rate-limit headers and injected faults in front of the API |
| ``oauth``, ``tokens``, ``saml`` | the OAuth 2.0 server, its tokens, SAML assertions |
| ``webhooks`` | Standard Webhooks signing; the kit's dispatcher delivers |
| ``pages`` | SSO sign-in and the deep-link pages |
| ``control`` | the suite's own ``/_sim`` routes, next to the kit's (``simulators.kit.control``) |
| ``knobs`` | settings, and the gateway's verdict (the kit's rate window and faults) |

The API is described by ``schemas/suite-api.openapi.json``, served at ``/openapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.paths import SCHEMA_DIR
from simulators.kit.control import control_routes
from simulators.kit.errors import HttpError, error_handler
from simulators.suite import api, control, oauth, pages
from simulators.suite.gateway import PREFIX, Gateway
from simulators.suite.pages import page
from simulators.suite.state import SuiteState

__all__ = ["OPENAPI_PATH", "SuiteState", "create_app"]

OPENAPI_PATH = SCHEMA_DIR / "suite-api.openapi.json"


async def openapi(request: Request) -> Response:
    return JSONResponse(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))


async def http_error(request: Request, exc: Exception) -> Response:
    """404 and 405 from the router: JSON under the API, a page elsewhere."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for HTTPException
        raise exc
    if request.url.path.startswith(PREFIX):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        body = {"error": {"code": code, "message": exc.detail}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    response = page(str(exc.detail), "", exc.status_code)
    response.headers.update(exc.headers or {})
    return response


def create_app(public_url: str | None = None, *, seed: int = 0) -> Starlette:
    """A new suite with no companies. ``public_url`` is the browser-facing root used in
    deep links and as the SAML audience's base; without it each request's own root is used.
    ``seed`` seeds the fault RNG."""
    sim = SuiteState(public_url, seed=seed)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            sim.webhooks.stop()

    app = Starlette(
        routes=[
            *api.routes(),
            *oauth.routes(),
            *pages.routes(),
            *control.routes(),
            *control_routes(),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        middleware=[Middleware(Gateway, sim=sim)],
        exception_handlers={HttpError: error_handler, HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.sim = sim
    return app
