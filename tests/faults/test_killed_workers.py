"""Four `connector worker` processes over one PostgreSQL, one of them killed with SIGKILL
twenty times while they work 5,000 events (each killed one replaced at once): no event
is lost, no suite record is made twice, and each record's events are worked in order.

``CONNECTOR_FAULT_EVENTS`` sets another count. A worker spends about a dozen milliseconds
of CPU on an event and over a second on starting, so on two cores the 5,000 events and
the twenty-four starts keep the test near a minute and a half.

A kill can land anywhere: between a claim and its work, mid-request, or between the
suite's create and the link that records it. The event then returns when its lease ends,
and its next attempt is a suspect retry: the record is looked up by the flow's ``match``
fields (the project's ``external_id``) before it is created again."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

from simulators.world import World
from tests.conftest import clean_postgres
from tests.faults.cluster import (
    Cluster,
    depth,
    drained,
    job_waves,
    link_count,
    linked_late,
    marks,
    observer,
    out_of_order,
    projects_by_job,
    store,
    until,
    until_done,
)

WORKERS = 4
KILLS = 20
EVENTS = int(os.environ.get("CONNECTOR_FAULT_EVENTS", "5000"))
LENGTH = 4  # a tenth of the events are about jobs with 4 (created, then updated 3 times)
SERIES = EVENTS // 10 // LENGTH
SINGLES = EVENTS - SERIES * LENGTH


def _children_cpu() -> float:
    """CPU seconds of the processes this one started and has reaped."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def test_workers_killed_mid_run_lose_nothing_and_duplicate_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        runtime = world.runtime()
        db = observer(postgres_url)
        jobs, waves = job_waves(world, singles=SINGLES, series=SERIES, length=LENGTH)
        start = time.monotonic()
        events = store(runtime, waves)
        stored = time.monotonic() - start
        before = _children_cpu()
        with Cluster(world, tmp_path) as cluster:
            cluster.start(WORKERS)
            start = time.monotonic()
            for mark in marks(EVENTS, KILLS):
                until_done(db, mark)
                assert not cluster.crashed(), cluster.said()
                cluster.kill(cluster.pick())
            until(lambda: drained(db), timeout=60, step=0.2)
            worked = time.monotonic() - start
            said = cluster.said()
        cpu, late = _children_cpu() - before, linked_late(world, db)
        print(f"\n{events} events stored in {stored:.1f} s, worked in {worked:.1f} s by "
              f"{WORKERS} workers killed {cluster.killed} times (their CPU: {cpu:.0f} s); "
              f"{late} projects made by a killed worker were linked by the retry")  # fmt: skip
        assert depth(db) == {"done": events}, said
        made = projects_by_job(world)
        assert len(made) == len(jobs), "a job has no project"
        assert [job for job, n in made.items() if n > 1] == []  # none made twice
        assert link_count(db, "job") == (len(jobs), len(jobs))
        assert out_of_order(db) == []
        db.dispose()
