"""The routes of the integration frontend: widgets and quick-setup links."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.runtime.client import ApiClient
from engine.runtime.embeds import EmbedTokens, TokenError, TTLCache, frame_ancestors, render
from engine.runtime.errors import ConnectorError
from engine.runtime.links import LinkStore
from engine.runtime.tenants import Runtime, TenantRuntime, expand_env

LIST_LIMIT = 200


def _page(title: str, message: str, status: int, origins: tuple[str, ...] = ()) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>"
        f"{html.escape(title)}</title><main style='font:15px system-ui;margin:1rem'>"
        f"<h1 style='font-size:1.1rem'>{html.escape(title)}</h1><p>{html.escape(message)}</p></main></html>"
    )
    return HTMLResponse(
        body, status_code=status, headers={"Content-Security-Policy": frame_ancestors(origins)}
    )


async def _fetch(
    suite: ApiClient,
    cache: TTLCache,
    tenant: TenantRuntime,
    name: str,
    data: Any,
    ids: dict[str, Any],
) -> Any:
    context = {**ids, "tenant": tenant.id, "secrets": tenant.suite_secrets()}
    if data.id is not None:
        key: tuple[Any, ...] = (tenant.id, data.resource, "id", data.id.render(**context))
    elif data.parent_id is not None:
        key = (tenant.id, data.resource, "parent", data.parent_id.render(**context))
    else:
        params = {k: v.render(**context) for k, v in data.params.items()}
        key = (tenant.id, data.resource, "list", tuple(sorted(params.items())))
    cached = cache.get(key)
    if cached is not None:
        return cached
    value: Any
    if key[2] == "id":
        value = await suite.get(data.resource, key[3])
    else:
        value = []
        parent = key[3] if key[2] == "parent" else None
        query = dict(key[3]) if key[2] == "list" else None
        async for record in suite.list(data.resource, parent_id=parent, params=query):
            value.append(record)
            if len(value) >= LIST_LIMIT:
                break
    cache.put(key, value)
    return value


def embed_routes(runtime: Runtime, tokens: EmbedTokens, cache: TTLCache) -> list[Route]:
    async def widget(request: Request) -> Response:
        tenant_id = request.path_params["tenant"]
        name, ats_id = request.path_params["widget"], request.path_params["ats_id"]
        if tenant_id not in runtime.deployment.tenants:
            return _page("Not found", "This company is not set up in Connector.", 404)
        tenant = runtime.tenant(tenant_id)
        origins = tenant.config.frame_origins
        embed = tenant.ats.embeds.get(name)
        if embed is None:
            return _page("Not found", f"There is no widget named {name!r}.", 404, origins)
        try:
            tokens.check(request.query_params.get("token", ""), tenant_id, name, ats_id)
        except TokenError as exc:
            return _page("Not allowed", str(exc), exc.status, origins)
        link = (
            LinkStore(runtime.engine, tenant_id).lookup(embed.entity, "ats", [ats_id]).get(ats_id)
        )
        if link is None:
            return _page(
                "Nothing to show yet",
                "This record has no video interview in the suite yet.",
                404,
                origins,
            )
        ids = {"suite_id": link.suite_id, "ats_id": ats_id}
        try:
            async with tenant.suite_client() as suite:
                context = {
                    var: await _fetch(suite, cache, tenant, var, data, ids)
                    for var, data in embed.data.items()
                }
        except ConnectorError as exc:
            return _page("The suite did not answer", exc.message, 502, origins)
        page = render(
            embed.template, {**context, "mode": request.query_params.get("mode", "iframe")}
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": frame_ancestors(origins)})

    async def quick_link(request: Request) -> Response:
        tenant_id = request.path_params["tenant"]
        entity, ats_id = request.path_params["entity"], request.path_params["ats_id"]
        if tenant_id not in runtime.deployment.tenants:
            return _page("Not found", "This company is not set up in Connector.", 404)
        tenant = runtime.tenant(tenant_id)
        flow = next(
            (
                f
                for f in tenant.ats.sync.values()
                if f.link_entity == entity and f.direction == "to_suite"
            ),
            None,
        )
        template = tenant.suite.deep_links.get(flow.target) if flow else None
        if flow is None or template is None:
            return _page("Not found", f"Connector has no suite page for {entity!r} records.", 404)
        link = LinkStore(runtime.engine, tenant_id).lookup(entity, "ats", [ats_id]).get(ats_id)
        if link is None:
            return _page(
                "Not in the suite yet",
                f"This {entity} has not reached the suite yet; try again in a minute.",
                404,
            )
        suite_conf = runtime.deployment.suite
        public = (
            expand_env(suite_conf.public_url, runtime.env)
            if suite_conf and suite_conf.public_url
            else ""
        )
        target = template.render(
            suite_id=link.suite_id, ats_id=ats_id, public_url=public, tenant=tenant_id
        )
        return RedirectResponse(target, status_code=302)

    return [
        Route("/embed/{tenant}/{widget}/{ats_id}", widget, methods=["GET"]),
        Route("/links/{tenant}/{entity}/{ats_id}", quick_link, methods=["GET"]),
    ]
