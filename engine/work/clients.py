"""The ATS and suite clients a worker keeps open from batch to batch.

A client is costly to make (a connection pool, its auth, its pacer) and cheap to keep:
a worker that made a pair per batch spent more of its CPU on them than on some events,
and each new pair forgot the rate-limit budget the last one had spent. Kept clients
are made again when the tenant's runtime is replaced (its configuration reloaded) and
when the event loop is another one (a client's connections belong to the loop that
opened them).

    kept = KeptClients()
    sync = SyncEngine(tenant, engine, clients=await kept.of(tenant))
    ...
    await kept.close()
"""

from __future__ import annotations

import asyncio
import contextlib

from engine.client.api import ApiClient
from engine.store.links import Side
from engine.tenants import TenantRuntime


class KeptClients:
    def __init__(self) -> None:
        self._kept: dict[
            str, tuple[TenantRuntime, asyncio.AbstractEventLoop, dict[Side, ApiClient]]
        ] = {}

    async def of(self, tenant: TenantRuntime) -> dict[Side, ApiClient]:
        """``tenant``'s open clients, made now if it has none fit for this loop."""
        loop = asyncio.get_running_loop()
        kept = self._kept.get(tenant.id)
        if kept is not None:
            if kept[0] is tenant and kept[1] is loop:
                return kept[2]
            del self._kept[tenant.id]
            if kept[1] is loop:  # replaced configuration: the old ones go
                await _close(kept[2])
        clients: dict[Side, ApiClient] = {"ats": tenant.ats_client()}
        try:
            clients["suite"] = tenant.suite_client()
        except BaseException:
            await _close(clients)
            raise
        self._kept[tenant.id] = (tenant, loop, clients)
        return clients

    async def close(self) -> None:
        """Close the clients this loop opened; forget every other."""
        loop = asyncio.get_running_loop()
        kept, self._kept = self._kept, {}
        for _, owner, clients in kept.values():
            if owner is loop:
                await _close(clients)


async def _close(clients: dict[Side, ApiClient]) -> None:
    for client in clients.values():
        with contextlib.suppress(Exception):  # a failed close leaves nothing to undo
            await client.aclose()
