"""The suite answers every call 503 for 60 s while two `connector worker` processes work
over PostgreSQL: the events are deferred, not failed (none is dead-lettered, none is
counted as a failure), nothing reaches the suite meanwhile, and once the suite is back
everything drains within seconds, each record made once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import Engine, select

from engine.store.tables import inbox
from simulators.world import World
from tests.conftest import clean_postgres
from tests.faults.cluster import (
    Cluster,
    depth,
    drained,
    job_waves,
    observer,
    projects_by_job,
    store,
    until,
)

OUTAGE = 60.0  # seconds
EVENTS = 40


def _claims(engine: Engine) -> list[tuple[int, int]]:
    """Each event's claims, and how many of them ended deferred."""
    with engine.connect() as conn:
        return [(a, d) for a, d in conn.execute(select(inbox.c.attempts, inbox.c.deferrals))]


def test_work_waits_out_a_suite_outage_then_drains(tmp_path: Path, postgres_url: str) -> None:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        runtime = world.runtime()
        jobs, waves = job_waves(world, singles=EVENTS, series=0, length=1)
        assert store(runtime, waves) == EVENTS
        faults = f"{world.suite_server.url}/_sim/faults"
        httpx.post(faults, json={"unavailable_s": OUTAGE}).raise_for_status()
        down_until = time.monotonic() + OUTAGE
        watch = observer(postgres_url)
        with Cluster(world, tmp_path, batch=10) as cluster:
            cluster.start(2)
            seen: set[str] = set()
            while time.monotonic() < down_until - 1:  # the whole outage, looked at each second
                states = depth(watch)
                seen |= set(states)
                assert "dead" not in states, states
                assert not world.company.projects  # nothing got through a down suite
                assert cluster.crashed() == []
                time.sleep(1.0)
            assert "processing" in seen  # the workers were at it all along
            rejected = httpx.get(faults).json()["injected"]["unavailable"]
            assert rejected >= EVENTS  # every event tried the suite, and was told 503
            ended = time.monotonic()
            until(lambda: drained(watch), timeout=45)
            drain = time.monotonic() - max(ended, down_until)
            assert depth(watch) == {"done": EVENTS}
            claims = _claims(watch)
        watch.dispose()
    said = "".join(log.read_text(errors="replace") for log in sorted(tmp_path.glob("w*.log")))
    assert projects_by_job(world) == {str(job["id"]): 1 for job in jobs}  # once each
    assert all(attempts - deferrals == 1 for attempts, deferrals in claims), (claims, said)
    assert sum(deferrals for _, deferrals in claims) >= EVENTS  # each waited at least once
    assert " dead: " not in said and " pending: " not in said  # no attempt counted as failed
    stops = [line for line in said.splitlines() if ": stopped (" in line]
    assert len(stops) == 2 and all(line.endswith(" 0 failed)") for line in stops), stops
    print(f"outage {OUTAGE:.0f} s, {EVENTS} events, {rejected} calls answered 503, "
          f"drained {drain:.1f} s after the suite came back")  # fmt: skip
