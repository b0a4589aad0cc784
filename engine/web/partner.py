"""The partner routes an ATS's marketplace calls: ``/partner/{tenant}/{ats}/{path}``.

Each route comes from the tenant's ATS spec (``partner.routes``): its method and path,
its action, and the JMESPath that maps the call onto the action's fields and the result
onto the answer. The ATS authenticates with a key ``connector partner-key TENANT``
issued (HTTP basic with the key as user name, or a bearer token, as the spec says); a
missing or wrong key is a 401 that writes nothing. ``GET .../results/{interview_id}``
is the signed, expiring results page a callback and ``status`` hand out.

    POST /partner/acme/{ats}/send_test    Authorization: Basic base64("cpk_…:")
    {"partner_test_id": "prj_1", "candidate": {...}, "url": "https://…/take_home_tests/9"}
    -> 200 {"partner_interview_id": "inv_7"}
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.dsl.rules.partner import request_fields
from engine.dsl.spec import Partner, PartnerRoute
from engine.errors import ConnectorError, UpstreamError
from engine.signing import EmbedTokens, TokenError
from engine.store.partner_keys import PartnerKeys
from engine.sync.partner import OrderError, PartnerDesk
from engine.tenants import Runtime, TenantRuntime
from engine.web.embed_data import ClientPool
from engine.web.pages import headers, message_page, render
from engine.work.partner import RESULTS, results_link

log = logging.getLogger("connector.partner")
MAX_BODY = 256 * 1024


def _refused(status: int, message: str, **extra: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=extra)


def presented_key(request: Request, scheme: str) -> str:
    """The key in the Authorization header, as ``scheme`` carries it; "" when none."""
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    if kind.lower() != scheme:
        return ""
    if scheme == "bearer":
        return value.strip()
    try:
        user, _, _password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return user


class PartnerRoutes:
    def __init__(self, runtime: Runtime, signer: EmbedTokens, clients: ClientPool) -> None:
        self.runtime = runtime
        self.signer = signer
        self.clients = clients
        self.keys = PartnerKeys(runtime.engine)

    def _tenant(self, request: Request) -> tuple[TenantRuntime, Partner] | Response:
        tenant_id, ats = request.path_params["tenant"], request.path_params["ats"]
        try:
            tenant = self.runtime.tenant(tenant_id)
        except ConnectorError:
            return _refused(404, "no such partner endpoint")
        if tenant.ats.name != ats or tenant.ats.partner is None:
            return _refused(404, "no such partner endpoint")
        return tenant, tenant.ats.partner

    def results_url(self, request: Request, tenant: TenantRuntime, interview_id: str) -> str:
        return results_link(tenant, self.runtime.tokens.signing_key, interview_id,
                            fallback=str(request.base_url))  # fmt: skip

    async def call(self, request: Request) -> Response:
        found = self._tenant(request)
        if isinstance(found, Response):
            return found
        tenant, partner = found
        scheme = partner.auth.type
        if self.keys.tenant_of(presented_key(request, scheme)) != tenant.id:
            challenge = 'Basic realm="connector"' if scheme == "basic" else "Bearer"
            return _refused(
                401, "a valid partner key is required", **{"WWW-Authenticate": challenge}
            )
        path, method = request.path_params["path"], request.method
        route = next(
            (r for r in partner.routes.values() if (r.method, r.path) == (method, path)), None
        )
        if route is None:
            known = any(r.path == path for r in partner.routes.values())
            return _refused(405 if known else 404, f"no partner endpoint {method} {path}")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _refused(413, "the request body is too large")
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _refused(400, "the request body is not JSON")
        call = {"body": body, "query": dict(request.query_params),
                "headers": {k.lower(): v for k, v in request.headers.items()}}  # fmt: skip
        return await self._run(request, tenant, route, call)

    async def _run(
        self, request: Request, tenant: TenantRuntime, route: PartnerRoute, call: dict[str, Any]
    ) -> Response:
        desk = PartnerDesk(tenant, self.runtime.engine,
                           results_url=lambda i: self.results_url(request, tenant, i))  # fmt: skip
        try:
            fields = request_fields(route, call)
            result = await self._act(desk, tenant, route, fields, call)
        except OrderError as exc:
            return _refused(422, exc.message)
        except UpstreamError as exc:
            log.warning("tenant=%s partner %s: the suite failed: %s", tenant.id, route.path, exc)
            return _refused(502, "the video interview suite did not answer; try again")
        if result is None:
            return _refused(404, "no such interview")
        answer = route.response.search(result) if route.response is not None else result
        return JSONResponse(answer, status_code=route.status)

    async def _act(
        self, desk: PartnerDesk, tenant: TenantRuntime, route: PartnerRoute,
        fields: dict[str, Any], call: dict[str, Any],
    ) -> dict[str, Any] | None:  # fmt: skip
        suite = self.clients.get(tenant, "suite")
        if route.action == "list_tests":
            return {"tests": await desk.list_tests(suite)}
        if route.action == "invite":
            return await desk.invite(suite, fields)
        if route.action == "status":
            return await desk.status(suite, fields.get("interview_id"))
        log.warning("tenant=%s partner %s reports: %s", tenant.id, route.path,
                    json.dumps(call["body"], default=str)[:2000])  # fmt: skip
        return {"received": True, **fields}

    async def results(self, request: Request) -> Response:
        found = self._tenant(request)
        if isinstance(found, Response):
            return found
        tenant, _ = found
        interview_id = request.path_params["interview_id"]
        try:
            self.signer.check(
                request.query_params.get("token", ""), tenant.id, RESULTS, interview_id
            )
        except TokenError as exc:
            return message_page("Link not valid", str(exc), exc.status)
        desk = PartnerDesk(tenant, self.runtime.engine, results_url=lambda i: "")
        suite = self.clients.get(tenant, "suite")
        try:
            view = await desk.status(suite, interview_id)
            if view is None:
                return message_page(
                    "Not found", "This interview is not one of this company's.", 404
                )
            data = await _results_data(suite, view)
        except (UpstreamError, OrderError) as exc:
            log.warning("tenant=%s results %s: %s", tenant.id, interview_id, exc)
            return message_page("Not available", "The video interview suite did not answer.", 502)
        page = render("candidate_interview.html", {**data, "mode": "link"})
        return Response(page, media_type="text/html", headers=headers(tenant.config.frame_origins))


async def _results_data(suite: Any, view: dict[str, Any]) -> dict[str, Any]:
    invitation = await suite.get("invitation", view["interview_id"])
    return {
        "invitation": invitation,
        "candidate": await suite.get("candidate", view["candidate_id"]),
        "project": await suite.get("project", view["test_id"]),
        "responses": [r async for r in suite.list("response", parent_id=view["interview_id"])],
        "ratings": view["ratings"],
    }


def partner_routes(runtime: Runtime, signer: EmbedTokens, clients: ClientPool) -> list[Route]:
    routes = PartnerRoutes(runtime, signer, clients)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    handler: Callable[[Request], Any] = routes.call
    return [
        Route("/partner/{tenant}/{ats}/results/{interview_id}", routes.results, methods=["GET"]),
        Route("/partner/{tenant}/{ats}/{path:path}", handler, methods=methods),
    ]
