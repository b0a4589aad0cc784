"""The polling scheduler: intervals, reconciliation, and one poll at a time per key."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.work.scheduler import Scheduler
from simulators.world import TENANT, World

POLLED = ["jobs_to_projects", "applications_to_invitations", "users_to_users"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_static_tenants_poll_at_their_interval_and_reconcile(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        world.config_path.write_text(
            world.config_path.read_text().replace("setup: ideal", "setup: static")
        )
        world.greenhouse.create_job(name="Polled", status="open")
        clock = Clock()
        scheduler = Scheduler(world.runtime(), clock=clock)

        assert asyncio.run(scheduler.tick()) == 3  # never reconciled: a full pass first
        assert scheduler.runs == [(TENANT, flow, True) for flow in POLLED]
        assert [p["name"] for p in world.company.projects.values()] == ["Polled"]
        assert asyncio.run(scheduler.tick()) == 0  # nothing is due yet

        world.greenhouse.create_job(name="Polled later", status="open")
        clock.now += 15 * 60  # the spec's interval
        assert asyncio.run(scheduler.tick()) == 3
        assert scheduler.runs[-3:] == [(TENANT, flow, False) for flow in POLLED]
        assert sorted(p["name"] for p in world.company.projects.values()) == [
            "Polled",
            "Polled later",
        ]

        clock.now += 24 * 3600  # the reconcile period
        asyncio.run(scheduler.tick())
        assert scheduler.runs[-3:] == [(TENANT, flow, True) for flow in POLLED]


def test_ideal_tenants_only_reconcile(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        clock = Clock()
        scheduler = Scheduler(world.runtime(), clock=clock)
        asyncio.run(scheduler.tick())
        clock.now += 15 * 60
        assert asyncio.run(scheduler.tick()) == 0  # webhooks keep an ideal tenant current


def test_a_poll_never_runs_twice_at_once(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        first, second = Scheduler(runtime), Scheduler(runtime)  # as two processes would
        assert first._take(TENANT, "lock:jobs_to_projects", 100.0)
        assert not second._take(TENANT, "lock:jobs_to_projects", 100.0)
        first._release(TENANT, "lock:jobs_to_projects")
        assert second._take(TENANT, "lock:jobs_to_projects", 100.0)
        assert first._take(
            TENANT, "lock:jobs_to_projects", 100.0 + 10_000
        )  # an expired lease is taken over
