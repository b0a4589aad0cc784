"""The data a widget shows: each ``data:`` item of an embed fetched through the API
clients, cached for a short while.

    pool = ClientPool()
    value = await fetch(pool, cache, tenant, embed.data["project"], {"suite_id": "p-1"})
    # {"id": "p-1", "name": "Engineer", ...}; a list item gives a list (at most 200)

An item that points at nothing yet (no suite id, a null field) fetches nothing: asking
with an empty filter could list every record instead.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError

from engine.client.api import ApiClient
from engine.dsl.spec import EmbedData
from engine.tenants import TenantRuntime
from engine.web.pages import TTLCache

LIST_LIMIT = 200


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


def _key(data: EmbedData, context: dict[str, Any]) -> tuple[tuple[Any, ...], list[str]]:
    """The cache key of what ``data`` asks for, and the values it asks with."""
    base = (context["tenant"], data.side, data.resource)
    try:
        if data.id is not None:
            key: tuple[Any, ...] = (*base, "id", data.id.render(**context))
            return key, [key[4]]
        if data.parent_id is not None:
            key = (*base, "parent", data.parent_id.render(**context))
            return key, [key[4]]
        params = {k: v.render(**context) for k, v in data.params.items()}
        return (*base, "list", tuple(sorted(params.items()))), list(params.values())
    except TemplateError:  # it reads a field an earlier item lacks: there is nothing to fetch
        return base, [""]


async def _load(client: ApiClient, resource: str, key: tuple[Any, ...]) -> Any:
    if key[3] == "id":
        return await client.get(resource, key[4])
    value = []
    parent = key[4] if key[3] == "parent" else None
    query = dict(key[4]) if key[3] == "list" else None
    async for record in client.list(resource, parent_id=parent, params=query):
        value.append(record)
        if len(value) >= LIST_LIMIT:
            break
    return value


async def fetch(
    clients: ClientPool,
    cache: TTLCache,
    tenant: TenantRuntime,
    data: EmbedData,
    context: dict[str, Any],
) -> Any:
    """The value of one data item: a record (or None), or a list of records."""
    secrets = tenant.suite_secrets() if data.side == "suite" else tenant.ats_secrets()
    key, wanted = _key(data, {**context, "tenant": tenant.id, "secrets": secrets})
    if any(v in ("", "None") for v in wanted):
        # it points at nothing yet (a record not in the suite, a null field): asking
        # with an empty filter could list every record instead
        return None if data.id is not None else []
    value = cache.get(key)
    if value is None:
        value = await _load(clients.get(tenant, data.side), data.resource, key)
        cache.put(key, value)
    return value if data.select is None or value is None else data.select.search(value)
