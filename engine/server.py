"""The ASGI app of ``connector serve``: health and the OAuth consent routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.runtime.client import ApiClient
from engine.runtime.consent import consent_routes
from engine.runtime.tenants import Runtime


def create_app(runtime: Runtime) -> Starlette:
    def suite_client(tenant: str) -> ApiClient | None:
        if tenant not in runtime.deployment.tenants:
            return None
        return runtime.tenant(tenant).suite_client()

    def public_url(request: Request) -> str:
        configured = runtime.deployment.server.public_url
        return configured or str(request.base_url).rstrip("/")

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *consent_routes(suite_client, runtime.tokens.cipher, public_url),
    ]
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return app
