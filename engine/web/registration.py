"""Subscribe Connector's webhook endpoints for a tenant, through each spec's ``register``.

The suite makes the signing secret when a company subscribes; the answer's secret is
kept encrypted with the tenant's tokens and preferred over a configured one.
"""

from __future__ import annotations

from typing import Any

from engine.client.api import ApiClient
from engine.dsl.model import Webhook
from engine.store.tokens import Token
from engine.tenants import TenantRuntime

SECRET_PROVIDER = "webhook-secret:{route}"


async def register_hook(
    client: ApiClient, hook: Webhook, url: str, secret: str | None
) -> dict[str, Any]:
    if hook.register is None:
        raise ValueError(f"route {hook.route!r} has no registration call")
    events = [event.event for event in hook.events]
    body = {"url": url, "events": events, "secret": secret}
    payload = hook.register.body.search(body) if hook.register.body is not None else body
    method = hook.register.method or "POST"
    response = await client.request(
        method, client.base_url + client.render(hook.register.path), json=payload
    )
    answer = response.json() if response.content else {}
    return answer if isinstance(answer, dict) else {}


async def register_suite(tenant: TenantRuntime, public_url: str) -> str:
    """Subscribe the tenant's suite company; returns the subscribed URL."""
    hook = tenant.suite.webhooks
    url = f"{public_url.rstrip('/')}/hooks/{tenant.id}/{hook.route}"
    async with tenant.suite_client() as client:
        answer = await register_hook(
            client, hook, url, tenant.suite_secrets().get("webhook_secret")
        )
    secret = answer.get("secret")
    if isinstance(secret, str) and secret and tenant.tokens is not None:
        tenant.tokens.save(tenant.id, SECRET_PROVIDER.format(route=hook.route), Token(secret))
    return url


def stored_secret(tenant: TenantRuntime, route: str) -> str | None:
    if tenant.tokens is None:
        return None
    token = tenant.tokens.load(tenant.id, SECRET_PROVIDER.format(route=route))
    return token.access_token if token else None
