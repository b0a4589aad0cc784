"""A stateful simulator of the Video Interview Suite, for tests and the demo.

    from simulators.serving import LoopbackServer
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
| ``suite_records`` | record kinds, their fields, write validation, how a record is shown |
| ``suite_store`` | one table: creation order, indexes, cursor pages |
| ``suite_company`` | one company's tables and the rules for changing them (and their events) |
| ``suite_state`` | ``SuiteState``, the whole simulator as ``app.state.sim`` |
| ``suite_api`` | the ``/api/v1`` routes |
| ``suite_gateway`` | bearer tokens, rate-limit headers and injected faults in front of the API |
| ``suite_oauth``, ``suite_tokens``, ``suite_saml`` | the OAuth 2.0 server, its tokens, SAML assertions |
| ``suite_webhooks`` | Standard Webhooks delivery with retries |
| ``suite_pages`` | SSO sign-in and the deep-link pages |
| ``suite_control`` | the ``/_sim`` control plane |
| ``suite_knobs`` | settings, rate limits and faults |

The API is described by ``schemas/suite-api.openapi.json``, served at ``/openapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators import suite_api, suite_control, suite_oauth, suite_pages
from simulators.suite_errors import ApiError, api_error_handler
from simulators.suite_gateway import PREFIX, Gateway
from simulators.suite_pages import page
from simulators.suite_state import SuiteState

__all__ = ["OPENAPI_PATH", "SuiteState", "create_app"]

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "schemas" / "suite-api.openapi.json"


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
        await sim.webhooks.start()
        try:
            yield
        finally:
            await sim.webhooks.stop()

    app = Starlette(
        routes=[
            *suite_api.routes(),
            *suite_oauth.routes(),
            *suite_pages.routes(),
            *suite_control.routes(),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        middleware=[Middleware(Gateway, sim=sim)],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.sim = sim
    return app
