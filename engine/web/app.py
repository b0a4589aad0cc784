"""The ASGI app of ``connector serve``: webhooks, OAuth consent and health, with an
in-process worker draining the inbox (the embedded setup runs everything at once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.client.api import ApiClient
from engine.errors import ConnectorError
from engine.metrics import Metrics
from engine.store.inbox import Inbox
from engine.tenants import Runtime, expand_env
from engine.web.admin import admin_routes
from engine.web.consent import consent_routes
from engine.web.pages import CONSENT, EmbedTokens, TokenError, TTLCache
from engine.web.partner import partner_routes
from engine.web.registration import register_ats, register_suite
from engine.web.webhooks import webhook_routes
from engine.web.widgets import ClientPool, embed_routes
from engine.work.scheduler import Scheduler
from engine.work.worker import Worker

log = logging.getLogger("connector.server")


async def _register_all(runtime: Runtime) -> None:
    """With a public URL configured, subscribe every tenant's suite company at start-up,
    and its ATS's webhooks where the spec can (`register`) on the ideal setup; a tenant
    that cannot be registered now is logged and left for `connector register`."""
    public = runtime.deployment.server.public_url
    if not public:
        return
    for tenant_id in runtime.tenant_ids:
        tenant = runtime.tenant(tenant_id)
        try:
            url = await register_suite(tenant, expand_env(public, runtime.env))
            log.info("tenant=%s suite webhooks -> %s", tenant_id, url)
            if tenant.config.setup == "ideal":
                for ats_url in await register_ats(tenant, expand_env(public, runtime.env)):
                    log.info("tenant=%s %s webhooks -> %s", tenant_id, tenant.ats.name, ats_url)
        except ConnectorError as exc:
            log.error("tenant=%s webhooks not registered: %s", tenant_id, exc)


def create_app(runtime: Runtime, *, worker: bool = True, scheduler: bool = False) -> Starlette:
    inbox = Inbox(runtime.engine)
    signer = EmbedTokens.from_secret(runtime.tokens.signing_key)
    metrics = Metrics()
    metrics.watch_depth(inbox.depth)
    cache = TTLCache(on_lookup=lambda result: metrics.embed_cache.labels(result).inc())
    widget_clients = ClientPool()
    background = Worker(runtime, inbox, name="embedded", metrics=metrics)
    if worker:  # a webhook stored here is worked at once, not at the worker's next look
        inbox.listen(background.wake)
    polls = Scheduler(runtime, inbox)

    def suite_client(tenant: str) -> ApiClient | None:
        if tenant not in runtime.deployment.tenants:
            return None
        return runtime.tenant(tenant).suite_client()

    def public_url(request: Request) -> str:
        configured = runtime.deployment.server.public_url
        return configured or str(request.base_url).rstrip("/")

    def may_connect(request: Request, tenant: str) -> str | None:
        try:
            signer.check(request.query_params.get("token", ""), tenant, CONSENT, tenant)
        except TokenError as exc:
            return f"{exc} Ask an administrator for a new link (connector consent-url)."
        return None

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            depth = inbox.depth()
        except Exception as exc:  # the database is what readiness is about
            return JSONResponse(
                {"status": "unavailable", "error": type(exc).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready", "inbox": depth})

    async def prometheus(request: Request) -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await _register_all(runtime)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(background.run(stop))] if worker else []
        if scheduler:
            tasks.append(asyncio.create_task(polls.run(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await widget_clients.aclose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        *consent_routes(suite_client, runtime.tokens.cipher, public_url, may_connect),
        *webhook_routes(runtime, inbox, metrics),
        *embed_routes(runtime, signer, cache, widget_clients),
        *partner_routes(runtime, signer, widget_clients),
        *admin_routes(runtime, inbox),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.inbox = inbox
    app.state.worker = background
    app.state.scheduler = polls
    app.state.metrics = metrics
    app.state.embed_cache = cache
    return app
