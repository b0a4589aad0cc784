"""Events per second of 1 ``connector worker`` process against 2, over one PostgreSQL.

The simulators run in a process of their own (``_pg_world``), the suite answering each
call 20 ms late, as a remote API does. Each run starts its workers (each with ``--batch
BATCH``, the same for every run), waits until every one is claiming (a worker's start
costs seconds of CPU, which would compete with the others' work), then stores
``EVENTS`` ``job_created`` events of jobs not synced before straight into the inbox and
times it draining: from the moment a tenth of the events are done to the moment nine
tenths are, so the first claims and the last stragglers are left out. Each event reads
its job from the ATS and creates a project in the suite. Every worker count is run
``ROUNDS`` times, in turn, and keeps its best rate: the first runs also warm the
simulators and PostgreSQL up, which would otherwise count against the one-worker run
alone. Baseline: 1 worker; ratio: 2 workers over 1. The runs with 3 and 4 workers are
kept for the chart (``figures``).

Last line: ``scaleout: rate=<events/s, 2 workers> baseline=<events/s, 1 worker>
ratio=<x> w3=<events/s> w4=<events/s>``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.store.inbox import Inbox, NewEvent
from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from simulators.world import TENANT

ADMIN_URL = os.environ.get("CONNECTOR_BENCH_POSTGRES", "postgresql+psycopg://127.0.0.1:5432/test")
DATABASE = "bench_scaleout"
WORKERS = (1, 2, 3, 4)
EVENTS = 400
ROUNDS = 2
BATCH = 20  # the default of `connector worker`
LATENCY_MS = 20
TIMEOUT = 120.0

figures: dict[int, float] = {}  # workers -> events/s, from the last run()


def _database(action: str) -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            if action == "create":
                conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def _events(jobs: list[int]) -> list[NewEvent]:
    return [
        NewEvent(
            TENANT,
            "greenhouse",
            f"scaleout-{job}",
            "job_created",
            {
                "headers": {"greenhouse-event-id": f"scaleout-{job}"},
                "body": {"action": "job_created", "payload": {"job": {"id": job}}},
            },
            f"greenhouse:job:{job}",
        )
        for job in jobs
    ]


def _drain(inbox: Inbox, workers: list[subprocess.Popen[str]]) -> float:
    """Events a second between a tenth and nine tenths of the inbox done; returns once
    all are."""
    marks: dict[float, float] = {}
    deadline = time.monotonic() + TIMEOUT
    done = 0
    while done < EVENTS:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the inbox did not drain: {inbox.depth()}")
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a worker stopped early")
        done = inbox.depth().get("done", 0)
        for share in (0.1, 0.9):
            if share not in marks and done >= share * EVENTS:
                marks[share] = time.perf_counter()
        time.sleep(0.02)
    return 0.8 * EVENTS / (marks[0.9] - marks[0.1])


def _run(directory: Path, url: str, count: int, jobs: list[int]) -> float:
    engine = make_engine(url)
    inbox = Inbox(engine)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM inbox"))
        key = (directory / "key").read_text(encoding="utf-8")
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": key}
        command = [sys.executable, "-m", "engine.cli", "worker", "--config",
                   str(directory / "connector.yaml"), "--no-scheduler", "--batch", str(BATCH)]  # fmt: skip
        workers = [
            subprocess.Popen(
                [*command, "--name", f"w{n}"], env=env, stderr=subprocess.PIPE, text=True
            )
            for n in range(count)
        ]
        try:
            for worker in workers:  # each says so once it claims: its start is behind it
                assert worker.stderr is not None
                if "claiming from" not in worker.stderr.readline():
                    raise RuntimeError("a worker did not start")
            inbox.add_many(_events(jobs))
            rate = _drain(inbox, workers)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            said = [worker.communicate(timeout=30)[1] for worker in workers]
        depth = inbox.depth()
        if depth.get("done") != EVENTS:
            raise RuntimeError(f"{depth}: {said}")
        return rate
    finally:
        engine.dispose()


def run() -> str:
    rates: dict[int, list[float]] = {count: [] for count in WORKERS}
    url = _database("create")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            world = subprocess.Popen(
                [sys.executable, "-m", "bench._pg_world", tmp, url,
                 str(EVENTS * len(WORKERS) * ROUNDS), str(LATENCY_MS)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                assert world.stdout is not None
                jobs = json.loads(world.stdout.readline())["jobs"]
                upgrade(make_engine(url))
                figures.clear()
                runs = [count for _ in range(ROUNDS) for count in WORKERS]
                for n, count in enumerate(runs):
                    chunk = jobs[n * EVENTS : (n + 1) * EVENTS]
                    rates[count].append(_run(directory, url, count, chunk))
                figures.update({count: max(seen) for count, seen in rates.items()})
            finally:
                if world.stdin:
                    world.stdin.close()
                world.wait(timeout=30)
    finally:
        _database("drop")
    print(f"events={EVENTS} batch={BATCH} latency_ms={LATENCY_MS} rounds={ROUNDS} "
          f"rates={ {k: [round(r, 1) for r in v] for k, v in rates.items()} }")  # fmt: skip
    one, two = figures[1], figures[2]
    extra = " ".join(f"w{k}={v:.0f}" for k, v in figures.items() if k > 2)
    return f"scaleout: rate={two:.0f} baseline={one:.0f} ratio={two / one:.2f} {extra}".strip()
