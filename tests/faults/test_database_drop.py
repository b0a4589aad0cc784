"""Every database connection cut from the server side (``pg_terminate_backend``, as a
failover or a restart of PostgreSQL does) while Connector works, several times over.

Workers mid-run recover by themselves: no restart, every event done, nothing made twice.
`connector serve` receiving webhooks meanwhile answers a delivery 2xx only once it is
stored; one it could not store gets another answer, and the sender delivers it again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from engine.store.tables import inbox, make_engine
from simulators.world import World
from tests.conftest import clean_postgres
from tests.faults.cluster import (
    Cluster,
    cut,
    deliver,
    delivery,
    depth,
    drained,
    job_waves,
    link_count,
    marks,
    observer,
    projects_by_job,
    store,
    until,
    until_done,
)

CUTS = 4
DELIVERIES = 1000


def test_workers_recover_from_their_connections_cut_mid_run(
    tmp_path: Path, postgres_url: str
) -> None:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        db = observer(postgres_url)
        jobs, waves = job_waves(world, singles=270, series=10, length=3)
        events = store(world.runtime(), waves)
        closed = []
        with Cluster(world, tmp_path) as cluster:
            cluster.start(2)
            start = time.monotonic()
            for mark in marks(events, CUTS):
                until_done(db, mark)
                closed.append(cut(postgres_url))
            until(lambda: drained(db), timeout=60, step=0.2)
            worked = time.monotonic() - start
            assert not cluster.crashed(), cluster.said()  # recovered, not restarted
            said = cluster.said()
        with db.connect() as conn:
            retried = conn.execute(select(func.count()).where(inbox.c.attempts > 1)).scalar()
        print(f"\n{events} events worked in {worked:.1f} s by 2 workers; {CUTS} cuts closed "
              f"{closed} connections; {retried} events took another attempt")  # fmt: skip
        assert all(n >= 1 for n in closed)  # each cut hit live connections
        assert depth(db) == {"done": events}, said
        made = projects_by_job(world)
        assert sorted(made) == sorted(str(job["id"]) for job in jobs)
        assert [job for job, n in made.items() if n > 1] == []
        assert link_count(db, "job") == (len(jobs), len(jobs))
        db.dispose()


def test_webhooks_during_a_cut_are_stored_before_their_2xx_or_delivered_again(
    tmp_path: Path, postgres_url: str
) -> None:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        world.runtime()  # migrated once, before the servers start
        db = observer(postgres_url)
        secret = world.hook_secret
        requests = [
            (f"evt-{n}", delivery(secret, "job_created", n, f"evt-{n}")) for n in range(DELIVERIES)
        ]
        closed: list[int] = []
        delivering = threading.Event()
        with Cluster(world, tmp_path) as cluster:
            ports = cluster.serve(2)

            def cutting() -> None:  # a cut every 0.1 s for as long as deliveries go on
                while delivering.is_set() and len(closed) < 100:
                    time.sleep(0.1)
                    closed.append(cut(postgres_url))

            delivering.set()
            cutter = threading.Thread(target=cutting)
            cutter.start()
            try:
                answers = deliver(ports, requests)
            finally:
                delivering.clear()
                cutter.join(timeout=30)
            # the cuts over, serving goes on: each new delivery is stored at once
            after = [(f"after-{n}", delivery(secret, "job_created", n, f"after-{n}"))
                     for n in range(20)]  # fmt: skip
            resumed = deliver(ports, after)
            assert not cluster.crashed(), cluster.said()
        with db.connect() as conn:
            stored = list(conn.execute(select(inbox.c.dedup_key)).scalars())
        again = sorted(e for e, got in answers.items() if len(got) > 1)
        refusals = sorted({s for got in answers.values() for s in got if not 200 <= s < 300})
        print(
            f"\n{len(requests)} deliveries during {len(closed)} cuts (closing {sum(closed)} "
            f"connections): {len(again)} answered {refusals} first, then delivered again"
        )
        assert sum(closed) >= 1  # the cuts hit the servers' connections
        # every event acknowledged is stored, once; the 2xx was the last answer each got
        assert sorted(stored) == sorted([e for e, _ in requests] + [e for e, _ in after])
        assert all(200 <= got[-1] < 300 for got in answers.values())
        assert all(got == [200] for got in resumed.values()), resumed
        db.dispose()


def test_the_engine_reconnects_after_a_cut_without_failing_a_query(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:  # a connection to return to the pool
            before = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert cut(postgres_url) >= 1  # the pooled one, now closed by the server
        with engine.connect() as conn:  # taken from the pool: tested, found dead, replaced
            after = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert after != before
    finally:
        engine.dispose()
