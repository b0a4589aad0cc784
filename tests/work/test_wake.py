"""A worker pausing between looks is woken by an event stored in its own process (from
another thread, as the webhook route's group commit stores), and on PostgreSQL by one
stored by another process: the event is worked at once, not at the end of the pause."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from engine.store.inbox import Inbox
from engine.store.tables import make_engine
from engine.work.worker import Worker
from simulators.world import TENANT, World
from tests.conftest import clean_postgres
from tests.faults.cluster import cut

PAUSE = 30.0  # far longer than the test may take


def _job_created(job: int) -> tuple[str, str, str, str, dict[str, object], str]:
    body = {"action": "job_created", "payload": {"job": {"id": job}}}
    payload = {"headers": {"greenhouse-event-id": f"wake-{job}"}, "body": body}
    return TENANT, "greenhouse", f"wake-{job}", "job_created", payload, f"greenhouse:job:{job}"


def test_an_event_stored_in_the_process_ends_the_pause(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        inbox = Inbox(runtime.engine)
        worker = Worker(runtime, inbox, name="sleeper")
        inbox.listen(worker.wake)
        jobs = [world.greenhouse.create_job(name=f"Woken {n}", status="open")["id"]
                for n in range(3)]  # fmt: skip

        async def run() -> list[float]:
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop, idle=PAUSE))
            waited: list[float] = []
            for job in jobs:
                await asyncio.sleep(0.3)  # the worker has found nothing and is pausing
                stored = time.monotonic()
                assert await asyncio.to_thread(inbox.add, *_job_created(job))
                while inbox.depth().get("done", 0) < len(waited) + 1:
                    assert time.monotonic() - stored < 10, inbox.depth()
                    await asyncio.sleep(0.01)
                waited.append(time.monotonic() - stored)
            stop.set()
            await asyncio.wait_for(task, timeout=10)  # a set stop ends the pause too
            return waited

        waited = asyncio.run(run())
        assert max(waited) < 5, waited  # each one well inside the 30 s pause
        assert sorted(p["name"] for p in world.company.projects.values()) == [
            "Woken 0", "Woken 1", "Woken 2"
        ]  # fmt: skip


def test_a_listener_that_fails_does_not_undo_the_store(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        inbox = Inbox(world.runtime().engine)

        def broken() -> None:
            raise RuntimeError("listener trouble")

        inbox.listen(broken)
        assert inbox.add(*_job_created(1)) is True
        assert inbox.add(*_job_created(1)) is False  # stored once, and known
        assert inbox.depth() == {"pending": 1}


def test_on_postgresql_an_event_stored_by_another_process_ends_the_pause(
    tmp_path: Path, postgres_url: str
) -> None:
    """The worker's and the storer's engines share nothing but the database, as two
    processes do: only the database's NOTIFY can wake the worker. Its listening
    connection is then cut from the server side; it listens again and still wakes."""
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        runtime = world.runtime()
        worker = Worker(runtime, Inbox(runtime.engine), name="sleeper")
        elsewhere = make_engine(postgres_url)
        other = Inbox(elsewhere)  # no listener of this process on it
        jobs = [world.greenhouse.create_job(name=f"Told {n}", status="open")["id"]
                for n in range(4)]  # fmt: skip

        async def store_and_wait(job: int) -> float:
            stored = time.monotonic()
            assert await asyncio.to_thread(other.add, *_job_created(job))
            done = other.depth().get("done", 0)
            while other.depth().get("done", 0) == done:
                assert time.monotonic() - stored < 10, other.depth()
                await asyncio.sleep(0.01)
            return time.monotonic() - stored

        async def run() -> list[float]:
            stop = asyncio.Event()
            task = asyncio.create_task(worker.run(stop, idle=PAUSE))
            waited = []
            for n, job in enumerate(jobs):
                await asyncio.sleep(1.5)  # listening, and pausing after the last event
                if n == 2:  # the server drops every connection, the listener's among them
                    assert cut(postgres_url) >= 1
                waited.append(await store_and_wait(job))
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            return waited

        try:
            waited = asyncio.run(run())
        finally:
            elsewhere.dispose()
        assert max(waited) < 8, waited  # each one well inside the 30 s pause
        assert len(world.company.projects) == len(jobs)
