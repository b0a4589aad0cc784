"""A poll and a webhook event about the same new record, claimed in one batch, make one
record in the suite: the worker runs a batch's polls after its record events, so the two
never both find the record unlinked and both create it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.store.inbox import Inbox
from engine.tenants import Runtime
from engine.web.app import create_app
from engine.work.scheduler import Scheduler
from engine.work.worker import Worker
from simulators.kit.faults import Faults
from simulators.world import TENANT, World
from tests.work.jobs import stored_job_events


def _polled(runtime: Runtime) -> tuple[str, ...]:
    polling = runtime.tenant(TENANT).ats.polling
    assert polling is not None
    return polling.flows


def test_a_reconcile_and_a_job_event_in_one_batch_make_one_project(
    tmp_path: Path, database_url: str
) -> None:
    with World(tmp_path, database_url=database_url) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        stored_job_events(world, app, [f"Raced {n}" for n in range(3)])
        inbox = Inbox(runtime.engine)
        assert asyncio.run(Scheduler(runtime, inbox).tick()) > 0  # the first reconcile passes
        # slow suite answers widen the window in which both would see the job unlinked
        world.suite.faults.set(Faults(latency_ms=50))
        worker = Worker(runtime, inbox, name="one", batch=100)
        claimed = asyncio.run(worker.run_once())
        assert claimed == 3 + len(_polled(runtime))  # three job events and the polls
        assert inbox.depth() == {"done": claimed}  # nothing failed on a link conflict
        names = sorted(p["name"] for p in world.company.projects.values())
        assert names == [f"Raced {n}" for n in range(3)]  # one project per job, no twin
