"""An ATS already synced, loaded straight into the simulator and the database: what an
idle poll meets. Shared by ``bench.idle_poll`` and its test.

    with idle_world(tmp, records=100_000) as (world, runtime, counts):
        asyncio.run(poll(world, runtime))     # counts: requests by side and route

Records are seeded in the Greenhouse simulator in bulk (not through its API), each gets
a link as if a sync had written it, and each polled flow's cursor is set past the newest
record by more than the polling overlap, so a poll finds nothing new at all. The overlap
window is left out on purpose: what it re-lists depends on how many records changed in
its last minutes, not on how many the ATS holds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from engine.store.links import LinkStore
from engine.store.tables import links
from engine.sync import Summary, SyncEngine
from engine.tenants import Runtime
from simulators.world import TENANT, World

PER_JOB = 50
ENTITIES = {"jobs": "job", "applications": "application", "candidates": "candidate",
            "users": "user"}  # fmt: skip


class CountRequests:
    """ASGI middleware: counts each request as ``"METHOD /path"`` in ``counts``."""

    def __init__(self, app: Any, counts: Counter[str]) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.counts[f"{scope['method']} {scope['path']}"] += 1
        await self.app(scope, receive, send)


@contextmanager
def idle_world(
    directory: Path, *, records: int
) -> Iterator[tuple[World, Runtime, dict[str, Counter[str]]]]:
    """A World whose ATS holds ``records`` applications (and their jobs and candidates),
    all linked, cursors past them; ``counts["ats"]`` and ``counts["suite"]`` count requests."""
    world = World(directory)
    counts: dict[str, Counter[str]] = {"ats": Counter(), "suite": Counter()}
    world.greenhouse_app.add_middleware(CountRequests, counts=counts["ats"])
    world.suite_app.add_middleware(CountRequests, counts=counts["suite"])
    with world:
        world.greenhouse.seed_data(
            jobs=max(records // PER_JOB, 1), applications_per_job=min(records, PER_JOB),
            job_status="open", stage_name="Video Interview", status="in_process",
        )  # fmt: skip
        runtime = world.runtime()
        now = time.time()
        with world.greenhouse.lock:
            ids = [(e, rid) for t, e in ENTITIES.items() for rid in world.greenhouse.data.tables[t]]
        rows = [
            {
                "tenant": TENANT,
                "entity": entity,
                "ats_id": str(rid),
                "suite_id": f"{entity}-{rid}",
                "ats_numeric": True,
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for entity, rid in ids
        ]
        with runtime.engine.begin() as conn:
            conn.execute(insert(links), rows)
        spec = runtime.tenant(TENANT).ats
        assert spec.polling is not None
        past = datetime.fromtimestamp(now + float(spec.polling.overlap) + 60, UTC)
        store = LinkStore(runtime.engine, TENANT)
        for flow in spec.polling.flows:
            store.set_cursor(f"flow:{flow}", past.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        yield world, runtime, counts


def poll(runtime: Runtime) -> Summary:
    """One incremental poll of every polled flow, as the worker runs a stored poll."""
    tenant = runtime.tenant(TENANT)
    assert tenant.ats.polling is not None
    return asyncio.run(SyncEngine(tenant, runtime.engine).run(tenant.ats.polling.flows))
