"""Sync 2,000 Greenhouse applications end to end into the suite, on SQLite.

The simulators run in a process of their own. Baseline, same run: a plain httpx loop
that makes the same suite writes (a project per job, a candidate and an invitation per
application) with the same concurrency, no engine: the ratio is what the engine's
reading, mapping, link bookkeeping and audit cost on top of the writes themselves.

The engine alone also syncs ``SIZES`` (500 and 8,000 applications), each into a fresh
suite, for the chart of throughput against record count.

Last line: ``sync: rate=<applications/s> sql_per_record=<x> rss_mb=<peak>
baseline=<applications/s> ratio=<x> rate_500=<applications/s> rate_8000=<applications/s>``.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import event

from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.store.tokens import TokenStore
from engine.sync import SyncEngine
from engine.tenants import Runtime
from simulators.world import SUITE_CLIENT, TENANT

JOBS, PER_JOB = 40, 50  # 2,000: the whole `python -m bench` stays near 6 minutes
APPLICATIONS = JOBS * PER_JOB
CONCURRENCY = 8


async def baseline(suite_url: str) -> float:
    async with httpx.AsyncClient(base_url=f"{suite_url}/api/v1", timeout=30) as http:
        token = await http.post(
            f"{suite_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=SUITE_CLIENT
        )
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        slots = asyncio.Semaphore(CONCURRENCY)

        async def post(path: str, body: dict[str, Any]) -> str:
            async with slots:
                response = await http.post(path, json=body)
                response.raise_for_status()
                return str(response.json()["id"])

        start = time.perf_counter()
        projects = await asyncio.gather(
            *(
                post("/projects", {"name": f"Baseline {j}", "external_id": f"b{j}"})
                for j in range(JOBS)
            )
        )

        async def application(i: int) -> None:
            candidate = await post(
                "/candidates", {"first_name": "B", "last_name": str(i), "email": f"b{i}@example.com",
                                "external_id": f"b{i}"},
            )  # fmt: skip
            await post("/invitations", {"project_id": projects[i % JOBS], "candidate_id": candidate,
                                        "external_id": f"b{i}"})  # fmt: skip

        await asyncio.gather(*(application(i) for i in range(APPLICATIONS)))
        return APPLICATIONS / (time.perf_counter() - start)


SIZES = (500, 8_000)  # applications, 50 per job: the engine alone, for the chart


def _sync(jobs: int, per_job: int, *, with_baseline: bool) -> tuple[float, int, Any, float]:
    """Sync ``jobs`` x ``per_job`` applications into a fresh suite: applications a second,
    SQL statements, the run's counts, and (``with_baseline``) the httpx loop's rate."""
    count = jobs * per_job
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        world = subprocess.Popen(
            [sys.executable, "-m", "simulators", str(directory), "--jobs", str(jobs),
             "--applications-per-job", str(per_job)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert world.stdout is not None
            urls = json.loads(world.stdout.readline())
            engine = make_engine(f"sqlite:///{directory / 'connector.db'}")
            upgrade(engine)
            statements = 0

            @event.listens_for(engine, "before_cursor_execute")
            def counted(*_: Any) -> None:
                nonlocal statements
                statements += 1

            key = (directory / "key").read_text(encoding="utf-8")
            tokens = TokenStore(engine, MultiFernet([Fernet(key)]))
            runtime = Runtime.from_config(
                directory / "connector.yaml", engine=engine, tokens=tokens
            )
            start = time.perf_counter()
            summary = asyncio.run(SyncEngine(runtime.tenant(TENANT), engine).run())
            seconds = time.perf_counter() - start
            state = httpx.get(f"{urls['suite']}/_sim/state", timeout=60).json()
            invitations = state["companies"][TENANT]["invitations"]
            synced = {i["external_id"] for i in invitations}
            assert len(synced) == count == len(invitations), (len(synced), summary.counts)
            base = asyncio.run(baseline(urls["suite"])) if with_baseline else 0.0
        finally:
            if world.stdin:
                world.stdin.close()
            world.wait(timeout=60)
    return count / seconds, statements, summary.counts, base


def run() -> str:
    rate, statements, counts, base = _sync(JOBS, PER_JOB, with_baseline=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"applications={APPLICATIONS} rate={rate:.0f} counts={counts}")
    sizes = {}
    for size in SIZES:
        sizes[size], _, counts, _ = _sync(size // PER_JOB, PER_JOB, with_baseline=False)
        print(f"applications={size} rate={sizes[size]:.0f} counts={counts}")
    extra = " ".join(f"rate_{size}={value:.0f}" for size, value in sizes.items())
    return (
        f"sync: rate={rate:.0f} sql_per_record={statements / APPLICATIONS:.2f} rss_mb={rss:.0f} "
        f"baseline={base:.0f} ratio={rate / base:.2f} {extra}"
    )
