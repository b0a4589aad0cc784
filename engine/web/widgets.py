"""The routes of the integration frontend: widgets, their buttons, and quick-setup links.

``GET /embed/{tenant}/{widget}/{ats_id}`` renders a widget. ``POST`` to the same URL
presses the widget's button (``action:`` in the spec): it syncs that one record now,
through the flow the action names, and answers with the widget again and a message
saying what happened. A button asks first: ``?confirm=1`` shows the question and the
form that posts. Both are authorised alike, by Connector's signed token or by the
ATS-signed context the spec declares; a post must also come from Connector's own page.

    routes = embed_routes(runtime, EmbedTokens.from_secret(key), TTLCache(), ClientPool())
    # GET  /embed/acme/candidate_invite/77?token=…            -> 200, the widget
    # POST /embed/acme/candidate_invite/77?token=… (the form) -> 303 …&notice=done

The widget's data is fetched by ``engine.web.embed_data``; ``/links/…`` are
``engine.web.quick_links``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.dsl.spec import Embed, EmbedAction
from engine.errors import ConnectorError
from engine.store.links import Link, LinkStore
from engine.sync import Step, Summary, SyncEngine
from engine.tenants import Runtime, TenantRuntime, expand_env
from engine.web.embed_data import ClientPool, fetch
from engine.web.pages import (
    EmbedTokens,
    TokenError,
    TTLCache,
    check_context,
    headers,
    message_page,
    render,
)
from engine.web.quick_links import quick_link_routes

__all__ = ["ClientPool", "WidgetRoutes", "embed_routes"]

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


LOCKS = weakref.WeakValueDictionary[tuple[str, str, str], asyncio.Lock]


class WidgetRoutes:
    """A widget shown (``widget``) and its button pressed (``press``), both through
    ``resolve``: the tenant, the widget and the record, authorised."""

    def __init__(
        self, runtime: Runtime, tokens: EmbedTokens, cache: TTLCache, clients: ClientPool
    ) -> None:
        self.runtime = runtime
        self.tokens = tokens
        self.cache = cache
        self.clients = clients
        # one lock per record being pressed, gone once no press holds or awaits it
        self.locks: LOCKS = weakref.WeakValueDictionary()

    def resolve(self, request: Request) -> _Target | Response:
        runtime = self.runtime
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
            self.authorise(request, tenant, name, embed, ats_id)
        except TokenError as exc:
            return message_page("Not allowed", str(exc), exc.status, origins)
        links = LinkStore(runtime.engine, tenant_id)
        link = links.lookup(embed.entity, "ats", [ats_id]).get(ats_id)
        if link is None and embed.action is None:
            message = "This record has no video interview in the suite yet."
            return message_page("Nothing to show yet", message, 404, origins)
        return _Target(tenant, name, embed, ats_id, link)

    def authorise(
        self, request: Request, tenant: TenantRuntime, name: str, embed: Embed, ats_id: str
    ) -> None:
        token = request.query_params.get("token")
        context = tenant.ats.embed_context
        if token is not None or context is None:
            self.tokens.check(token or "", tenant.id, name, ats_id)
            return
        secret = context.secret.render(secrets=tenant.ats_secrets(), tenant=tenant.id)
        params = request.query_params.multi_items()
        check_context(context, secret, params, embed.entity, ats_id)

    async def show(
        self,
        request: Request,
        target: _Target,
        notice: tuple[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        ids = {"suite_id": target.link.suite_id if target.link else "", "ats_id": target.ats_id}
        values: dict[str, Any] = {}
        try:
            for var, data in target.embed.data.items():
                values[var] = await fetch(
                    self.clients, self.cache, target.tenant, data, {**ids, **values}
                )
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
                "action": _button(request, target),
            },
        )
        return HTMLResponse(page, status_code=status, headers=headers(target.origins))

    async def widget(self, request: Request) -> Response:
        target = self.resolve(request)
        if isinstance(target, Response):
            return target
        notice = NOTICES.get(request.query_params.get("notice", ""))
        action = target.embed.action
        if notice and notice[0] == "success":  # the URL says so; the table must agree
            notice = (notice[0], action.done or notice[1]) if action and target.link else None
        return await self.show(request, target, notice)

    def own_origins(self, request: Request) -> set[str]:
        """This server as the browser sees it: as asked, and as configured behind a proxy."""
        found = {f"{request.url.scheme}://{request.url.netloc}"}
        public = self.runtime.deployment.server.public_url
        if public:
            parts = urlsplit(expand_env(public, self.runtime.env))
            found.add(f"{parts.scheme}://{parts.netloc}")
        return found

    async def press(self, request: Request) -> Response:
        target = self.resolve(request)
        if isinstance(target, Response):
            return target
        action = target.embed.action
        if action is None:
            return message_page("Not allowed", "This widget has no button.", 405, target.origins)
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site", "same-origin")
        if (
            origin is not None and origin not in self.own_origins(request)
        ) or site != "same-origin":
            message = "The button must be pressed on Connector's own page."
            return message_page("Not allowed", message, 403, target.origins)
        summary = await self._press_once(target, action)
        if summary is None:
            return await self.show(request, target, NOTICES["already"])
        return await self._pressed(request, target, action, summary)

    async def _press_once(self, target: _Target, action: EmbedAction) -> Summary | None:
        """The sync the press ran, or None when the record was in the suite already."""
        key = (target.tenant.id, action.flow, target.ats_id)
        lock = self.locks.get(key)
        if lock is None:
            lock = self.locks[key] = asyncio.Lock()
        async with lock:  # a double click sends one invitation (kept while anyone waits)
            links = LinkStore(self.runtime.engine, target.tenant.id)
            found = links.lookup(target.embed.entity, "ats", [target.ats_id])
            target.link = found.get(target.ats_id)
            if target.link:
                return None
            return await _act(self.runtime, target, action.flow, action.when)

    async def _pressed(
        self, request: Request, target: _Target, action: EmbedAction, summary: Summary
    ) -> Response:
        """What the press did, told the recruiter: done (303 to the widget), or why not."""
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
            return await self.show(request, target, ("error", text), 409)
        causes = [s.detail for s in summary.steps if s.action == "fail" and s is not step]
        why = "; ".join(
            [*causes, step.detail] if causes else [step.detail or "the suite refused it"]
        )
        text = f"Nothing was sent: {why}."
        if step.transient and not causes:
            text += " Try again in a minute."
        return await self.show(request, target, ("error", text), 502 if step.transient else 422)


def _button(request: Request, target: _Target) -> dict[str, Any] | None:
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


async def _act(runtime: Runtime, target: _Target, name: str, when: Any) -> Summary:
    """Sync the widget's record through flow ``name``, its ``when`` replaced by the
    button's: a person asking is the trigger. Recorded as a run of its own."""
    flows = target.tenant.ats.sync
    spec = dataclasses.replace(
        target.tenant.ats, sync={**flows, name: dataclasses.replace(flows[name], when=when)}
    )
    sync = SyncEngine(target.tenant, runtime.engine, spec=spec)
    return await sync.run_one(name, target.ats_id, trigger=f"widget:{target.name}")


def embed_routes(
    runtime: Runtime, tokens: EmbedTokens, cache: TTLCache, clients: ClientPool
) -> list[Route]:
    """The widget routes and the quick-setup links."""
    widgets = WidgetRoutes(runtime, tokens, cache, clients)
    return [
        Route("/embed/{tenant}/{widget}/{ats_id}", widgets.widget, methods=["GET"]),
        Route("/embed/{tenant}/{widget}/{ats_id}", widgets.press, methods=["POST"]),
        *quick_link_routes(runtime),
    ]
