"""Quick-setup links: ``GET /links/{tenant}/{entity}/{ats_id}`` answers 302 to the record's
page in the suite, whose own SSO signs the user in.

    GET /links/acme/job/4012  ->  302 Location: https://suite.example/app/projects/p-77

The suite page comes from the suite spec's ``deep_links``, for the target of the flow
that syncs ``entity`` to the suite; the suite id from the equivalence table.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine.store.links import LinkStore
from engine.tenants import Runtime, expand_env
from engine.web.pages import message_page


class QuickLinks:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def suite_public_url(self) -> str:
        suite = self.runtime.deployment.suite
        return expand_env(suite.public_url, self.runtime.env) if suite and suite.public_url else ""

    async def follow(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant"]
        entity, ats_id = request.path_params["entity"], request.path_params["ats_id"]
        if tenant_id not in self.runtime.deployment.tenants:
            return message_page("Not found", "This company is not set up in Connector.", 404)
        tenant = self.runtime.tenant(tenant_id)
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
        links = LinkStore(self.runtime.engine, tenant_id)
        link = links.lookup(entity, "ats", [ats_id]).get(ats_id)
        if link is None:
            return message_page(
                "Not in the suite yet",
                f"This {entity} has not reached the suite yet; try again in a minute.",
                404,
            )
        target = template.render(
            suite_id=link.suite_id,
            ats_id=ats_id,
            public_url=self.suite_public_url(),
            tenant=tenant_id,
        )
        return RedirectResponse(target, status_code=302)


def quick_link_routes(runtime: Runtime) -> list[Route]:
    return [Route("/links/{tenant}/{entity}/{ats_id}", QuickLinks(runtime).follow, methods=["GET"])]
