"""The polling scheduler: polls go through the inbox at their interval, reconcile at their
period, once however many schedulers run, one at a time per flow, and a failing poll
is retried and dead-lettered like any event."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select

from engine.store.inbox import MAX_ATTEMPTS, Inbox
from engine.store.tables import sync_runs
from engine.tenants import Runtime
from engine.work.events import POLL
from engine.work.scheduler import Scheduler
from engine.work.worker import Worker
from simulators.registry import SIMULATORS
from simulators.world import TENANT, World

POLLED = ["jobs_to_projects", "applications_to_invitations", "users_to_users"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _static(world: World) -> None:
    world.config_path.write_text(
        world.config_path.read_text().replace("setup: ideal", "setup: static")
    )


def _triggers(runtime: Runtime) -> list[str]:
    with runtime.engine.connect() as conn:
        return list(conn.execute(select(sync_runs.c.trigger).order_by(sync_runs.c.id)).scalars())


def test_static_tenants_poll_at_their_interval_and_reconcile(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        _static(world)
        world.greenhouse.create_job(name="Polled", status="open")
        clock = Clock()
        runtime = world.runtime()
        inbox = Inbox(runtime.engine)
        scheduler = Scheduler(runtime, inbox, clock=clock)
        worker = Worker(runtime, inbox, name="poller")

        assert asyncio.run(scheduler.tick()) == 3  # never reconciled: a full pass first
        assert scheduler.fired == [(TENANT, flow, True) for flow in POLLED]
        queued = sorted(inbox.list(status="pending"), key=lambda e: e.id)
        assert [(e.source, e.event_type, e.payload) for e in queued] == [
            (POLL, "reconcile", {"flow": flow, "full": True}) for flow in POLLED
        ]
        assert len(world.company.projects) == 0  # stored, not run: a worker runs them
        assert asyncio.run(worker.run_once()) == 3
        assert inbox.depth() == {"done": 3}
        assert [p["name"] for p in world.company.projects.values()] == ["Polled"]
        assert _triggers(runtime) == ["reconcile"] * 3  # recorded runs, as a sync is
        assert asyncio.run(scheduler.tick()) == 0  # nothing is due yet

        world.greenhouse.create_job(name="Polled later", status="open")
        clock.now += 15 * 60  # the spec's interval
        assert asyncio.run(scheduler.tick()) == 3
        assert scheduler.fired[-3:] == [(TENANT, flow, False) for flow in POLLED]
        assert asyncio.run(worker.run_once()) == 3
        assert sorted(p["name"] for p in world.company.projects.values()) == [
            "Polled",
            "Polled later",
        ]
        assert _triggers(runtime)[-3:] == ["poll"] * 3
        clock.now += 60
        assert asyncio.run(scheduler.tick()) == 0  # stamped when stored: not due again yet

        clock.now += 24 * 3600  # the reconcile period
        assert asyncio.run(scheduler.tick()) == 3
        assert scheduler.fired[-3:] == [(TENANT, flow, True) for flow in POLLED]


def test_ideal_tenants_poll_only_the_flows_webhooks_leave_out(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        clock = Clock()
        scheduler = Scheduler(world.runtime(), clock=clock)
        assert asyncio.run(scheduler.tick()) == 3
        scheduler.fired.clear()
        clock.now += 15 * 60
        assert asyncio.run(scheduler.tick()) == 1  # webhooks keep jobs and applications current
        assert scheduler.fired == [
            (TENANT, "users_to_users", False)
        ]  # Greenhouse has no user hooks


def test_an_ideal_tenant_polls_the_flows_no_webhook_tells_of(tmp_path: Path) -> None:
    lever = next(ats for ats in SIMULATORS if ats.name == "lever")  # postings: no webhooks
    with World(tmp_path, ats=[lever]) as world:
        clock = Clock()
        scheduler = Scheduler(world.runtime(), clock=clock)
        asyncio.run(scheduler.tick())  # the first reconcile of each flow
        scheduler.fired.clear()
        clock.now += 15 * 60
        assert asyncio.run(scheduler.tick()) == 2  # postings and users: no webhook of either
        assert sorted(flow for _, flow, _ in scheduler.fired) == [
            "jobs_to_projects", "users_to_users",
        ]  # fmt: skip
        assert all(tenant == TENANT and not full for tenant, _, full in scheduler.fired)


def test_two_schedulers_store_a_due_poll_once(tmp_path: Path, database_url: str) -> None:
    with World(tmp_path, database_url=database_url) as world:
        _static(world)
        runtime = world.runtime()
        clock = Clock()
        first = Scheduler(runtime, clock=clock)  # as two processes would
        second = Scheduler(runtime, clock=clock)
        # both find the same polls due before either has stored one
        mine, theirs = first.due(clock.now), second.due(clock.now)
        assert len(mine) == len(theirs) == 3
        assert [first.fire(due, clock.now) for due in mine] == [True] * 3
        assert [second.fire(due, clock.now + 1) for due in theirs] == [False] * 3
        assert Inbox(runtime.engine).depth() == {"pending": 3}
        assert asyncio.run(second.tick()) == 0  # and neither finds them due again

        clock.now += 15 * 60 + 1  # the interval after the later stamp
        assert asyncio.run(second.tick()) == 3  # the next slot: new polls, stored once
        assert asyncio.run(first.tick()) == 0
        assert Inbox(runtime.engine).depth() == {"pending": 6}


def test_one_poll_of_a_flow_runs_at_a_time(tmp_path: Path, database_url: str) -> None:
    with World(tmp_path, database_url=database_url) as world:
        _static(world)
        runtime = world.runtime()
        clock = Clock()
        scheduler = Scheduler(runtime, clock=clock)
        asyncio.run(scheduler.tick())
        clock.now += 15 * 60  # the next polls are due while the first still wait
        asyncio.run(scheduler.tick())
        inbox = Inbox(runtime.engine)
        claimed = inbox.claim("worker-1", 10)
        assert sorted(e.payload["flow"] for e in claimed) == sorted(POLLED)
        assert {e.event_type for e in claimed} == {"reconcile"}  # the older one of each flow
        assert inbox.claim("worker-2", 10) == []  # the later polls wait for them


def test_a_failing_poll_backs_off_then_waits_dead_lettered(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        inbox = Inbox(runtime.engine)
        worker = Worker(runtime, inbox, name="poller")
        # a poll stored before its flow left the specs
        payload = {"flow": "retired_flow", "full": False}
        assert inbox.add(TENANT, POLL, "poll:retired_flow:0.0", "poll", payload, "poll:retired")

        assert asyncio.run(worker.run_once()) == 1
        (event,) = inbox.list()
        assert (event.status, event.attempts) == ("pending", 1)
        assert "unknown flow 'retired_flow'" in (event.last_error or "")
        assert asyncio.run(worker.run_once()) == 0  # backing off: not due again at once

        for _ in range(MAX_ATTEMPTS - 1):
            assert asyncio.run(worker.run_once(now=time.time() + 3600)) == 1
        (event,) = inbox.list()
        assert (event.status, event.attempts) == ("dead", MAX_ATTEMPTS)  # kept, not lost
        assert worker.failed == MAX_ATTEMPTS and worker.processed == 0


def test_a_tenant_poll_interval_overrides_the_spec(tmp_path: Path) -> None:
    """A company that wants its changes sooner (or rarer) sets ``poll_interval``."""
    with World(tmp_path) as world:
        _static(world)
        world.config_path.write_text(
            world.config_path.read_text().replace(
                "setup: static", "setup: static\n    poll_interval: 2m"
            )
        )
        clock = Clock()
        runtime = world.runtime()
        scheduler = Scheduler(runtime, Inbox(runtime.engine), clock=clock)
        assert asyncio.run(scheduler.tick()) == 3  # the first full pass
        clock.now += 119
        assert asyncio.run(scheduler.tick()) == 0
        clock.now += 1  # 2 minutes, not the spec's 15
        assert asyncio.run(scheduler.tick()) == 3
        assert scheduler.fired[-3:] == [(TENANT, flow, False) for flow in POLLED]
