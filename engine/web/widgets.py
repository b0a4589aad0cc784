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
import weakref
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import TemplateError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.client.api import ApiClient
from engine.dsl.spec import Embed, EmbedData
from engine.errors import ConnectorError
from engine.store.links import Link, LinkStore
from engine.sync import Step, Summary, SyncEngine
from engine.tenants import Runtime, TenantRuntime, expand_env
from engine.web.pages import (
    EmbedTokens,
    TokenError,
    TTLCache,
    check_context,
    headers,
    message_page,
    render,
)

LIST_LIMIT = 200
NOTICES = {
    "done": ("success", "Done."),
    "already": ("info", "This record is in the suite already; nothing was sent again."),
}


def _query(request: Request, *drop: str, **add: str) -> str:
    """This URL's own path and query, less ``drop`` and plus ``add``: where a widget's
    links and form lead, carrying its token (or signed context) and mode along."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
    return f"{path}?{urlencode([*kept, *add.items()])}"


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
            wanted = [key[4]]
        elif data.parent_id is not None:
            key = (*base, "parent", data.parent_id.render(**context))
            wanted = [key[4]]
        else:
            params = {k: v.render(**context) for k, v in data.params.items()}
            key = (*base, "list", tuple(sorted(params.items())))
            wanted = list(params.values())
    except TemplateError:  # it reads a field an earlier item lacks: there is nothing to fetch
        wanted = [""]
    if any(v in ("", "None") for v in wanted):
        # it points at nothing yet (a record not in the suite, a null field): asking
        # with an empty filter could list every record instead
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
    # one lock per record being pressed, gone once no press holds or awaits it
    locks: weakref.WeakValueDictionary[tuple[str, str, str], asyncio.Lock] = (
        weakref.WeakValueDictionary()
    )

    def resolve(request: Request) -> _Target | Response:
        tenant_id = request.path_params["tenant"]
        name, ats_id = request.path_params["widget"], request.path_params["ats_id"]
        if tenant_id not in runtime.deployment.tenants:
            return message_page("Not found", "This company is not set up in Connector.", 404)
        tenant = runtime.tenant(tenant_id)
        origins = tenant.config.frame_origins
        embed = tenant.ats.embeds.get(name)
        if embed is None:
            return message_page("Not found", f"There is no widget named {name!r}.", 404, origins)
        try:
            authorise(request, tenant, name, embed, ats_id)
        except TokenError as exc:
            return message_page("Not allowed", str(exc), exc.status, origins)
        links = LinkStore(runtime.engine, tenant_id)
        link = links.lookup(embed.entity, "ats", [ats_id]).get(ats_id)
        if link is None and embed.action is None:
            message = "This record has no video interview in the suite yet."
            return message_page("Nothing to show yet", message, 404, origins)
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
            return message_page(
                "The suite or the ATS did not answer", exc.message, 502, target.origins
            )
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
        return HTMLResponse(page, status_code=status, headers=headers(target.origins))

    def button(request: Request, target: _Target) -> dict[str, Any] | None:
        action = target.embed.action
        if action is None:
            return None
        return {
            "label": action.label,
            "question": action.confirm or f"{action.label}?",
            "confirming": request.query_params.get("confirm") == "1",
            "ask_url": _query(request, "confirm", "notice", confirm="1"),
            "post_url": _query(request, "confirm", "notice"),
            "back_url": _query(request, "confirm", "notice"),
        }

    async def widget(request: Request) -> Response:
        target = resolve(request)
        if isinstance(target, Response):
            return target
        notice = NOTICES.get(request.query_params.get("notice", ""))
        action = target.embed.action
        if notice and notice[0] == "success":  # the URL says so; the table must agree
            notice = (notice[0], action.done or notice[1]) if action and target.link else None
        return await show(request, target, notice)

    def own_origins(request: Request) -> set[str]:
        """This server as the browser sees it: as asked, and as configured behind a proxy."""
        found = {f"{request.url.scheme}://{request.url.netloc}"}
        public = runtime.deployment.server.public_url
        if public:
            parts = urlsplit(expand_env(public, runtime.env))
            found.add(f"{parts.scheme}://{parts.netloc}")
        return found

    async def press(request: Request) -> Response:
        target = resolve(request)
        if isinstance(target, Response):
            return target
        action = target.embed.action
        if action is None:
            return message_page("Not allowed", "This widget has no button.", 405, target.origins)
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site", "same-origin")
        if (origin is not None and origin not in own_origins(request)) or site != "same-origin":
            message = "The button must be pressed on Connector's own page."
            return message_page("Not allowed", message, 403, target.origins)
        key = (target.tenant.id, action.flow, target.ats_id)
        lock = locks.get(key)
        if lock is None:
            lock = locks[key] = asyncio.Lock()
        async with lock:  # a double click sends one invitation (kept while anyone waits)
            links = LinkStore(runtime.engine, target.tenant.id)
            found = links.lookup(target.embed.entity, "ats", [target.ats_id])
            target.link = found.get(target.ats_id)
            summary = None if target.link else await act(target, action.flow, action.when)
        if summary is None:
            return await show(request, target, NOTICES["already"])
        mine = [s for s in summary.steps if s.flow == action.flow and s.source_id == target.ats_id]
        step = (
            mine[-1]
            if mine
            else Step("fail", action.flow, target.ats_id, detail="nothing was done")
        )
        if step.action in ("create", "update", "action"):
            return RedirectResponse(_query(request, "confirm", "notice", notice="done"), 303)
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

    async def act(target: _Target, name: str, when: Any) -> Summary:
        """Sync the widget's record through flow ``name``, its ``when`` replaced by the
        button's: a person asking is the trigger. Recorded as a run of its own."""
        flows = target.tenant.ats.sync
        spec = dataclasses.replace(
            target.tenant.ats, sync={**flows, name: dataclasses.replace(flows[name], when=when)}
        )
        sync = SyncEngine(target.tenant, runtime.engine, spec=spec)
        return await sync.run_one(name, target.ats_id, trigger=f"widget:{target.name}")

    async def quick_link(request: Request) -> Response:
        tenant_id = request.path_params["tenant"]
        entity, ats_id = request.path_params["entity"], request.path_params["ats_id"]
        if tenant_id not in runtime.deployment.tenants:
            return message_page("Not found", "This company is not set up in Connector.", 404)
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
            return message_page(
                "Not found", f"Connector has no suite page for {entity!r} records.", 404
            )
        link = LinkStore(runtime.engine, tenant_id).lookup(entity, "ats", [ats_id]).get(ats_id)
        if link is None:
            return message_page(
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
