"""The routes of the integration frontend: widgets, their buttons, and quick-setup links.

``GET /embed/{tenant}/{widget}/{ats_id}`` renders a widget. ``POST`` to the same URL
presses the widget's button (``action:`` in the spec): it syncs that one record now,
through the flow the action names, and answers with the widget again and a message
saying what happened. A button asks first: ``?confirm=1`` shows the question and the
form that posts. Both are authorised alike, by Connector's signed token or by the
ATS-signed context the spec declares; a post must also come from Connector's own page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
from typing import Any
from urllib.parse import urlencode

from jinja2 import TemplateError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.dsl.spec import Embed, EmbedData
from engine.runtime.client import ApiClient
from engine.runtime.embeds import (
    EmbedTokens,
    TokenError,
    TTLCache,
    check_context,
    frame_ancestors,
    render,
)
from engine.runtime.errors import ConnectorError
from engine.runtime.links import Link, LinkStore
from engine.runtime.sync import Step, SyncEngine
from engine.runtime.tenants import Runtime, TenantRuntime, expand_env

LIST_LIMIT = 200
NOTICES = {
    "done": ("success", "Done."),
    "already": ("info", "This record is in the suite already; nothing was sent again."),
}


def _headers(origins: tuple[str, ...]) -> dict[str, str]:
    return {
        "Content-Security-Policy": frame_ancestors(origins),
        # the URL holds a token: never pass it on to another site (and "no-referrer"
        # would make the browser send "Origin: null" with the button's own post)
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def _page(title: str, message: str, status: int, origins: tuple[str, ...] = ()) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>"
        f"{html.escape(title)}</title><main style='font:15px system-ui;margin:1rem'>"
        f"<h1 style='font-size:1.1rem'>{html.escape(title)}</h1><p>{html.escape(message)}</p></main></html>"
    )
    return HTMLResponse(body, status_code=status, headers=_headers(origins))


@dataclasses.dataclass
class _Target:
    """A widget request that passed its checks: whose, which widget, which record."""

    tenant: TenantRuntime
    name: str
    embed: Embed
    ats_id: str
    link: Link | None

    @property
    def origins(self) -> tuple[str, ...]:
        return self.tenant.config.frame_origins


async def _fetch(
    clients: ClientPool,
    cache: TTLCache,
    tenant: TenantRuntime,
    data: EmbedData,
    context: dict[str, Any],
) -> Any:
    secrets = tenant.suite_secrets() if data.side == "suite" else tenant.ats_secrets()
    context = {**context, "tenant": tenant.id, "secrets": secrets}
    base = (tenant.id, data.side, data.resource)
    try:
        if data.id is not None:
            key: tuple[Any, ...] = (*base, "id", data.id.render(**context))
        elif data.parent_id is not None:
            key = (*base, "parent", data.parent_id.render(**context))
        else:
            params = {k: v.render(**context) for k, v in data.params.items()}
            key = (*base, "list", tuple(sorted(params.items())))
    except TemplateError:  # it reads a field an earlier item lacks: there is nothing to fetch
        key = (*base, "missing", "")
    if not key[4]:  # it points at nothing yet, such as a record not in the suite
        return None if data.id is not None else []
    cached = cache.get(key)
    if cached is not None:
        return cached
    client = clients.get(tenant, data.side)
    value: Any
    if key[3] == "id":
        value = await client.get(data.resource, key[4])
    else:
        value = []
        parent = key[4] if key[3] == "parent" else None
        query = dict(key[4]) if key[3] == "list" else None
        async for record in client.list(data.resource, parent_id=parent, params=query):
            value.append(record)
            if len(value) >= LIST_LIMIT:
                break
    cache.put(key, value)
    return value


class ClientPool:
    """One API client per tenant and side, kept open across widget renders: a client
    made per render cost more than the suite calls it made (TLS setup, a new connection
    each time). ``aclose`` when the server stops."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], ApiClient] = {}

    def get(self, tenant: TenantRuntime, side: str) -> ApiClient:
        client = self.open.get((tenant.id, side))
        if client is None:
            client = tenant.suite_client() if side == "suite" else tenant.ats_client()
            self.open[(tenant.id, side)] = client
        return client

    async def aclose(self) -> None:
        clients, self.open = list(self.open.values()), {}
        for client in clients:
            await client.aclose()


def embed_routes(
    runtime: Runtime, tokens: EmbedTokens, cache: TTLCache, clients: ClientPool
) -> list[Route]:
    locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def resolve(request: Request) -> _Target | Response:
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
            authorise(request, tenant, name, embed, ats_id)
        except TokenError as exc:
            return _page("Not allowed", str(exc), exc.status, origins)
        links = LinkStore(runtime.engine, tenant_id)
        link = links.lookup(embed.entity, "ats", [ats_id]).get(ats_id)
        if link is None and embed.action is None:
            message = "This record has no video interview in the suite yet."
            return _page("Nothing to show yet", message, 404, origins)
        return _Target(tenant, name, embed, ats_id, link)

    def authorise(
        request: Request, tenant: TenantRuntime, name: str, embed: Embed, ats_id: str
    ) -> None:
        token = request.query_params.get("token")
        context = tenant.ats.embed_context
        if token is not None or context is None:
            tokens.check(token or "", tenant.id, name, ats_id)
            return
        secret = context.secret.render(secrets=tenant.ats_secrets(), tenant=tenant.id)
        params = request.query_params.multi_items()
        check_context(context, secret, params, embed.entity, ats_id)

    async def show(
        request: Request, target: _Target, notice: tuple[str, str] | None = None, status: int = 200
    ) -> Response:
        ids = {"suite_id": target.link.suite_id if target.link else "", "ats_id": target.ats_id}
        values: dict[str, Any] = {}
        try:
            for var, data in target.embed.data.items():
                values[var] = await _fetch(clients, cache, target.tenant, data, {**ids, **values})
        except ConnectorError as exc:
            return _page("The suite or the ATS did not answer", exc.message, 502, target.origins)
        page = render(
            target.embed.template,
            {
                **values,
                "mode": request.query_params.get("mode", "iframe"),
                "linked": target.link is not None,
                "ats_id": target.ats_id,
                "notice": {"kind": notice[0], "text": notice[1]} if notice else None,
                "action": button(request, target),
            },
        )
        return HTMLResponse(page, status_code=status, headers=_headers(target.origins))

    def button(request: Request, target: _Target) -> dict[str, Any] | None:
        action = target.embed.action
        if action is None:
            return None
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "confirm"]
        return {
            "label": action.label,
            "question": action.confirm or f"{action.label}?",
            "confirming": request.query_params.get("confirm") == "1",
            "ask_url": f"{request.url.path}?{urlencode([*query, ('confirm', '1')])}",
            "post_url": f"{request.url.path}?{urlencode(query)}",
            "back_url": f"{request.url.path}?{urlencode(query)}",
        }

    async def widget(request: Request) -> Response:
        target = resolve(request)
        if isinstance(target, Response):
            return target
        notice = NOTICES.get(request.query_params.get("notice", ""))
        if notice and notice[0] == "success" and target.embed.action and target.embed.action.done:
            notice = ("success", target.embed.action.done)
        return await show(request, target, notice)

    async def press(request: Request) -> Response:
        target = resolve(request)
        if isinstance(target, Response):
            return target
        action = target.embed.action
        if action is None:
            return _page("Not allowed", "This widget has no button.", 405, target.origins)
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            message = "The button must be pressed on Connector's own page."
            return _page("Not allowed", message, 403, target.origins)
        lock = locks.setdefault((target.tenant.id, target.name, target.ats_id), asyncio.Lock())
        async with lock:  # a double click sends one invitation
            links = LinkStore(runtime.engine, target.tenant.id)
            target.link = links.lookup(target.embed.entity, "ats", [target.ats_id]).get(
                target.ats_id
            )
            if target.link is not None:
                return await show(request, target, NOTICES["already"])
            flow = target.tenant.ats.sync[action.flow]
            spec = dataclasses.replace(
                target.tenant.ats,
                sync={
                    **target.tenant.ats.sync,
                    action.flow: dataclasses.replace(flow, when=action.when),
                },
            )
            sync = SyncEngine(target.tenant, runtime.engine, spec=spec)
            summary = await sync.run_one(
                action.flow, target.ats_id, trigger=f"widget:{target.name}"
            )
        mine = [s for s in summary.steps if s.flow == action.flow and s.source_id == target.ats_id]
        step = (
            mine[-1]
            if mine
            else Step("fail", action.flow, target.ats_id, detail="nothing was done")
        )
        if step.action in ("create", "update", "action"):
            query = [
                (k, v)
                for k, v in request.query_params.multi_items()
                if k not in ("confirm", "notice")
            ]
            return RedirectResponse(
                f"{request.url.path}?{urlencode([*query, ('notice', 'done')])}", status_code=303
            )
        target.link = None
        if step.action == "skip":
            text = f"Nothing was sent: this record does not qualify ({step.detail})."
            return await show(request, target, ("error", text), 409)
        causes = [s.detail for s in summary.steps if s.action == "fail" and s is not step]
        why = "; ".join(
            [*causes, step.detail] if causes else [step.detail or "the suite refused it"]
        )
        text = f"Nothing was sent: {why}."
        if step.transient and not causes:
            text += " Try again in a minute."
        return await show(request, target, ("error", text), 502 if step.transient else 422)

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
        Route("/embed/{tenant}/{widget}/{ats_id}", press, methods=["POST"]),
        Route("/links/{tenant}/{entity}/{ats_id}", quick_link, methods=["GET"]),
    ]
