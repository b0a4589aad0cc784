"""Subscribe Connector's webhook endpoints for a tenant, through each spec's ``register``.

The suite makes the signing secret when a company subscribes; the answer's secret is
kept encrypted with the tenant's tokens and preferred over a configured one.

``register``'s body sees ``url``, ``events``, ``secret``, ``secrets`` and ``tenant``, and
``each_event``: one ``{url, event, secret, secrets, tenant}`` per event. A body that is a
list makes one call per item, for senders that take one event per subscription::

    body: "each_event[*].{target: url, event: event}"

An item answered 409 is subscribed already, which is what registering wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.client.api import ApiClient
from engine.dsl.model import Webhook
from engine.store.tokens import Token
from engine.tenants import TenantRuntime

SECRET_PROVIDER = "webhook-secret:{route}"


def registration_bodies(
    hook: Webhook, url: str, secret: str | None, secrets: Mapping[str, str], tenant: str
) -> list[Any]:
    """The body of each registration call: one, or one per item of a list body."""
    if hook.register is None:
        raise ValueError(f"route {hook.route!r} has no registration call")
    events = [event.event for event in hook.events]
    common = {"url": url, "secret": secret, "secrets": dict(secrets), "tenant": tenant}
    context = {
        **common,
        "events": events,
        "each_event": [{**common, "event": event} for event in events],
    }
    if hook.register.body is None:
        return [{"url": url, "events": events, "secret": secret}]
    payload = hook.register.body.search(context)
    return list(payload) if isinstance(payload, list) else [payload]


async def register_calls(
    client: ApiClient, hook: Webhook, url: str, secret: str | None
) -> list[dict[str, Any]]:
    """Make the registration calls; the answers, ``{}`` for an empty or a 409 one."""
    bodies = registration_bodies(hook, url, secret, client.secrets, client.tenant)
    register = hook.register
    if register is None:  # pragma: no cover - registration_bodies refused it already
        return []
    method = register.method or "POST"
    path = client.base_url + client.render(register.path)
    answers: list[dict[str, Any]] = []
    for payload in bodies:
        response = await client.request(method, path, json=payload, allow=(409,))
        answer = response.json() if response.content and response.status_code != 409 else {}
        answers.append(answer if isinstance(answer, dict) else {})
    return answers


async def register_hook(
    client: ApiClient, hook: Webhook, url: str, secret: str | None
) -> dict[str, Any]:
    """Register ``hook``; the answer of its (first) call."""
    answers = await register_calls(client, hook, url, secret)
    return answers[0] if answers else {}


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


async def register_ats(tenant: TenantRuntime, public_url: str) -> list[str]:
    """Subscribe every ATS webhook route of the tenant that has a ``register`` call;
    returns the subscribed URLs. The secret offered is the route's signature secret."""
    urls: list[str] = []
    async with tenant.ats_client() as client:
        for hook in tenant.ats.webhooks:
            if hook.register is None:
                continue
            url = f"{public_url.rstrip('/')}/hooks/{tenant.id}/{hook.route}"
            template = getattr(hook.signature, "secret", None)
            secret = client.render(template) if template is not None else None
            await register_calls(client, hook, url, secret)
            urls.append(url)
    return urls


def stored_secret(tenant: TenantRuntime, route: str) -> str | None:
    if tenant.tokens is None:
        return None
    token = tenant.tokens.load(tenant.id, SECRET_PROVIDER.format(route=route))
    return token.access_token if token else None
