"""A running worker keeps each tenant's ATS and suite clients open from batch to batch
(one pair for its whole run, not one per batch), makes them again when the tenant's
runtime is replaced, and closes them when it stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.client.api import tls_context
from engine.store.inbox import Inbox
from engine.web.app import create_app
from engine.work.clients import KeptClients
from engine.work.worker import Worker
from simulators.world import TENANT, World
from tests.work.jobs import stored_job_events


def test_one_pair_of_clients_serves_every_batch_and_is_closed_at_the_end(
    tmp_path: Path,
) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        inbox = Inbox(runtime.engine)
        worker = Worker(runtime, inbox, name="keeper", batch=1)  # a batch per event
        made: list[object] = []
        real_of = worker.clients.of

        async def of(tenant):  # type: ignore[no-untyped-def]
            clients = await real_of(tenant)
            made.append(tuple(clients.values()))
            return clients

        worker.clients.of = of  # type: ignore[method-assign]

        async def run() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop, idle=0.05))
            while inbox.depth().get("done", 0) < 3:
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(task, timeout=10)

        stored_job_events(world, app, ["One", "Two", "Three"])
        asyncio.run(run())
        assert worker.processed == 3 and len(world.company.projects) == 3
        assert len(made) >= 3 and len(set(made)) == 1  # the same pair for every batch
        assert all(client.http.is_closed for client in made[0])  # type: ignore[attr-defined]


def test_a_replaced_runtime_gets_new_clients_and_the_old_ones_are_closed(
    tmp_path: Path,
) -> None:
    with World(tmp_path) as world:
        first = world.runtime().tenant(TENANT)
        second = world.runtime().tenant(TENANT)  # a reloaded configuration
        kept = KeptClients()

        async def both() -> None:
            old = await kept.of(first)
            assert await kept.of(first) is old
            new = await kept.of(second)
            assert new is not old and all(c.http.is_closed for c in old.values())
            await kept.close()
            assert all(c.http.is_closed for c in new.values())

        asyncio.run(both())
    assert tls_context() is tls_context()  # loaded once per process
