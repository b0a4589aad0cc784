"""A batch that takes longer than its lease keeps its events: the worker extends the
lease while it works, so another worker never takes an event mid-way."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.store.inbox import Inbox
from engine.web.app import create_app
from engine.work.worker import Worker
from simulators.kit.faults import Faults
from simulators.world import World
from tests.work.jobs import stored_job_events

LEASE = 0.6  # seconds; every suite call below takes longer than this, with room for a busy machine


def test_a_slow_batch_keeps_its_events_until_it_is_done(tmp_path: Path, database_url: str) -> None:
    with World(tmp_path, database_url=database_url) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        stored_job_events(world, app, [f"Slow {n}" for n in range(4)])
        world.suite.faults.set(Faults(latency_ms=900))
        working = Worker(runtime, Inbox(runtime.engine, lease=LEASE), name="slow")
        other = Inbox(runtime.engine, lease=LEASE)
        taken: list[int] = []

        async def race() -> int:
            batch = asyncio.create_task(working.run_once())
            await asyncio.sleep(0)  # the working one claims first
            while not batch.done():  # another worker keeps asking for due events
                taken.extend(event.id for event in other.claim("other"))
                await asyncio.sleep(0.05)
            return await batch

        assert asyncio.run(race()) == 4
        assert taken == []  # nothing was handed out twice
        assert app.state.inbox.depth() == {"done": 4}
        assert sorted(p["name"] for p in world.company.projects.values()) == [
            f"Slow {n}" for n in range(4)
        ]
        assert [e.attempts for e in app.state.inbox.list(status="done")] == [1] * 4
