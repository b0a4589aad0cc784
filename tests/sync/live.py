"""An ATS's world on loopback for the end-to-end tests: the worker run until the inbox
is empty, Connector's real app served with the ATS subscribed to its webhook route, a
JSON delivery posted, every invitation rated, and a sync run again until nothing
fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from engine.store.inbox import Inbox
from engine.sync import SyncEngine
from engine.tenants import Runtime
from engine.web.app import create_app
from engine.work.worker import Worker
from simulators.kit.protocol import AtsSimulator
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World


@dataclass
class Live:
    """One ATS's world, its runtime and the inbox its webhooks land in."""

    world: World
    runtime: Runtime
    inbox: Inbox

    def work(self) -> int:
        """Run the worker until the inbox holds nothing to do; how many it claimed."""
        worker = Worker(self.runtime, self.inbox, name="test", batch=100)
        claimed = 0
        for _ in range(10):  # events about one record are claimed one at a time
            batch = asyncio.run(worker.run_once())
            claimed += batch
            if not batch:
                break
        assert set(self.inbox.depth()) <= {"done"}, self.inbox.depth()
        return claimed

    def rate_every_invitation(self) -> None:
        """A full sync, then a rating of each invitation it made, for the notes to write."""
        asyncio.run(SyncEngine(self.runtime.tenant(TENANT), self.runtime.engine).run(full=True))
        company = self.world.company
        for invitation in list(company.invitations.values()):
            company.create("rating", {"invitation_id": invitation["id"], "score": 3,
                                      "evaluator_name": "Grace Hopper"})  # fmt: skip

    def sync_until_clean(self, flows: list[str], tries: int = 4) -> list[dict[str, int]]:
        """Run ``flows`` again until a run fails nothing (at most ``tries`` runs); each
        run's counts."""
        tenant = self.runtime.tenant(TENANT)
        runs = []
        for _ in range(tries):
            summary = asyncio.run(SyncEngine(tenant, self.runtime.engine).run(flows))
            runs.append(summary.counts)
            if summary.counts["failed"] == 0:
                break
        return runs


@contextmanager
def subscribed(world: World, ats: AtsSimulator) -> Iterator[tuple[Runtime, str, str]]:
    """Connector's app on loopback, ``ats`` sending its webhooks to the tenant's route:
    the runtime, the server's URL and the route's."""
    runtime = world.runtime()
    with LoopbackServer(create_app(runtime, worker=False)) as server:
        url = f"{server.url}/hooks/{TENANT}/{ats.name}"
        ats.subscribe(world.ats_apps[ats.name], url, world.hook_secret)
        yield runtime, server.url, url


def post_json(url: str, body: dict[str, Any]) -> httpx.Response:
    """``body`` posted as a JSON delivery."""
    headers = {"Content-Type": "application/json"}
    return httpx.post(url, content=json.dumps(body).encode(), headers=headers, timeout=10)
