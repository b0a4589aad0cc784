"""What the fault tests share: `connector worker` processes over one PostgreSQL, started,
killed and stopped; Greenhouse job events stored through Connector's real route; waits
that end in a timeout; and the counts the tests assert on (suite records, links, the
inbox).

    with Cluster(world, tmp_path) as cluster:
        jobs = store_job_events(world, runtime, singles=100, series=10, length=3)
        cluster.start(4)
        cluster.kill(cluster.pick())  # SIGKILL, then a new one in its place
        cluster.drain(timeout=30)
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from bench._support import load
from engine.store.tables import inbox, links
from engine.tenants import Runtime
from engine.web.app import create_app
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.commands.starter import closed_port

CLI = [sys.executable, "-m", "engine.cli"]
LEASE = "2"  # seconds: a killed worker's events go to another this soon


def until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> None:
    """Return once ``check()`` holds; raise if it does not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s: {check.__doc__ or check}")


def observer(url: str) -> Engine:
    """An engine for the test's own looks at the database: a connection per query, so
    that cutting every connection (``pg_terminate_backend``) never leaves it a dead one."""
    return create_engine(url, poolclass=NullPool)


def cut(url: str) -> int:
    """Close every connection to ``url``'s database from the server side, as a failover
    or a restart of PostgreSQL does; how many there were."""
    name = url.rsplit("/", 1)[1]
    query = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :name AND pid <> pg_backend_pid()"
    )
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return int(conn.execute(query, {"name": name}).scalar() or 0)
    finally:
        admin.dispose()


class Cluster:
    """``connector worker`` processes (scheduler off) over ``world``'s database, each
    logging to a file under ``logs``; at the end each is stopped with SIGTERM."""

    def __init__(self, world: World, logs: Path, *, batch: int = 20) -> None:
        self.world = world
        self.logs = logs
        self.batch = batch
        self.running: list[subprocess.Popen[bytes]] = []
        self.servers: list[subprocess.Popen[bytes]] = []
        self.killed = 0
        self._files: list[IO[bytes]] = []
        self._logs: dict[int, Path] = {}
        self._started = 0
        self._random = random.Random(7)

    def start(self, count: int = 1) -> None:
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": self.world.key,
               "CONNECTOR_INBOX_LEASE": LEASE}  # fmt: skip
        for _ in range(count):
            self._started += 1
            name = f"w{self._started}"
            path = self.logs / f"{name}.log"
            log = path.open("wb")
            self._files.append(log)
            command = [*CLI, "worker", "--config", str(self.world.config_path),
                       "--no-scheduler", "--name", name, "--batch", str(self.batch)]  # fmt: skip
            worker = subprocess.Popen(command, env=env, stderr=log)
            self._logs[worker.pid] = path
            self.running.append(worker)

    def serve(self, count: int) -> list[int]:
        """``count`` ``connector serve`` processes (no worker, no scheduler), once each
        answers; their ports."""
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": self.world.key}
        ports = []
        for n in range(count):
            port = closed_port()
            log = (self.logs / f"serve{n}.log").open("wb")
            self._files.append(log)
            command = [*CLI, "serve", "--no-worker", "--no-scheduler", "--port", str(port),
                       "--config", str(self.world.config_path)]  # fmt: skip
            self.servers.append(subprocess.Popen(command, env=env, stderr=log))
            ports.append(port)
        for port in ports:
            until(lambda port=port: _answers(port), timeout=60, step=0.1)  # type: ignore[misc]
        return ports

    def pick(self) -> subprocess.Popen[bytes]:
        """A running worker that is up (it has said so), chosen at random (a seeded
        choice: runs repeat); a kill of one still starting would test nothing."""
        up: list[subprocess.Popen[bytes]] = []

        def some_up() -> bool:
            up[:] = [w for w in self.running if "claiming from" in self._said(w)]
            return bool(up)

        until(some_up, timeout=60, step=0.05)
        return self._random.choice(up)

    def _said(self, worker: subprocess.Popen[bytes]) -> str:
        return self._logs[worker.pid].read_text(errors="replace")

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL ``worker`` (no clean-up of any kind), and start one in its place."""
        worker.kill()
        worker.wait(timeout=10)
        self.running.remove(worker)
        self.killed += 1
        self.start()

    def crashed(self) -> list[int]:
        """Exit codes of workers that ended by themselves (none should)."""
        everyone = [*self.running, *self.servers]
        return [code for w in everyone if (code := w.poll()) is not None]

    def said(self) -> str:
        """Everything the workers logged."""
        for log in self._files:
            log.flush()
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        everyone = [*self.running, *self.servers]
        for worker in everyone:
            worker.send_signal(signal.SIGTERM)
        for worker in everyone:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
        for log in self._files:
            log.close()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def depth(engine: Engine) -> dict[str, int]:
    """Inbox rows by status."""
    query = select(inbox.c.status, func.count()).group_by(inbox.c.status)
    with engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(query)}


def drained(engine: Engine) -> bool:
    """Nothing left to work: every event done (or dead, which the tests then report)."""
    return set(depth(engine)) <= {"done", "dead"}


def marks(total: int, count: int) -> list[int]:
    """``count`` points spread evenly inside a run of ``total`` events, where a fault is
    made once that many are done: by the run's progress, not the clock, so each fault
    lands while events are being worked however fast the machine is."""
    return [total * at // (count + 2) for at in range(1, count + 1)]


def until_done(engine: Engine, count: int, timeout: float = 60) -> None:
    """Return once at least ``count`` events are done."""
    until(lambda: depth(engine).get("done", 0) >= count, timeout=timeout, step=0.1)


def link_count(engine: Engine, entity: str) -> tuple[int, int]:
    """The equivalence table's rows for ``entity``, and its distinct ATS ids."""
    query = select(func.count(), func.count(links.c.ats_id.distinct())).where(
        links.c.tenant == TENANT, links.c.entity == entity
    )
    with engine.connect() as conn:
        rows, distinct = conn.execute(query).one()
    return int(rows), int(distinct)


def out_of_order(engine: Engine) -> list[str]:
    """Records whose events were not finished in the order they were stored in."""
    query = (
        select(inbox.c.record_key, inbox.c.processed_at)
        .where(inbox.c.record_key.is_not(None))
        .order_by(inbox.c.record_key, inbox.c.id)
    )
    last: dict[str, float] = {}
    wrong = []
    with engine.connect() as conn:
        for record_key, processed_at in conn.execute(query):
            if record_key in last and not processed_at > last[record_key]:
                wrong.append(record_key)
            last[record_key] = processed_at
    return wrong


def projects_by_job(world: World) -> Counter[str]:
    """The suite's projects, counted by the Greenhouse job they were made for."""
    return Counter(str(p.get("external_id")) for p in world.company.projects.values())


def linked_late(world: World, engine: Engine) -> int:
    """Projects whose link was written over a lease after the project was made: a kill
    fell between the two, and the retry found the project by ``match`` and linked it."""
    with engine.connect() as conn:
        rows = conn.execute(select(links.c.suite_id, links.c.created_at)).all()
    made = {p["id"]: datetime.fromisoformat(p["created_at"]).timestamp()
            for p in world.company.projects.values()}  # fmt: skip
    return sum(1 for suite_id, at in rows if at - made.get(suite_id, at) > float(LEASE) - 0.5)


def delivery(secret: str, action: str, job_id: int, event_id: str) -> bytes:
    """One signed Greenhouse webhook about a job, as raw HTTP/1.1 request bytes."""
    raw = json.dumps({"action": action, "payload": {"job": {"id": job_id}}}).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    lines = [f"POST /hooks/{TENANT}/greenhouse HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: application/json", f"Content-Length: {len(raw)}",
             f"Signature: sha256 {signature}", f"Greenhouse-Event-ID: {event_id}"]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


def job_waves(
    world: World, *, singles: int, series: int, length: int
) -> tuple[list[dict[str, Any]], list[list[bytes]]]:
    """Open ``singles`` jobs with one ``job_created`` each and ``series`` jobs with
    ``length`` events each (``job_created`` then ``job_updated``). The deliveries come in
    waves, each job's n-th event in wave n, so that a job's events are stored in order."""
    gh = world.greenhouse
    jobs = [gh.create_job(name=f"Role {n}", status="open") for n in range(singles + series)]
    waves: list[list[bytes]] = [[] for _ in range(length)]
    for at, job in enumerate(jobs):
        for n in range(1 if at < singles else length):
            action = "job_created" if n == 0 else "job_updated"
            waves[n].append(delivery(world.hook_secret, action, job["id"], f"job-{job['id']}-{n}"))
    return jobs, waves


def store(runtime: Runtime, waves: list[list[bytes]], connections: int = 16) -> int:
    """Post each wave through Connector's real webhook route (each answer a 200, or
    ``load`` raises), one wave after the other; how many events went in."""
    with LoopbackServer(create_app(runtime, worker=False)) as server:
        for wave in waves:
            asyncio.run(load(server.port, wave, connections))
    return sum(len(wave) for wave in waves)


async def _sender(port: int, queue: list[tuple[str, bytes]], answers: dict[str, list[int]]) -> None:
    """One keep-alive connection delivering ``queue``'s requests until each is answered
    2xx, as an ATS does: an event answered otherwise is delivered again, on a new
    connection if the server closed this one. Every answer is kept, by event."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            event_id, request = queue.pop()
            while True:
                try:
                    writer.write(request)
                    status = int((await reader.readline()).split()[1])
                    length, closing = 0, False
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        length = int(value) if name.lower() == "content-length" else length
                        closing |= name.lower() == "connection" and "close" in value.lower()
                    await reader.readexactly(length)
                except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
                    status, closing = 0, True  # no answer at all: deliver it again
                answers.setdefault(event_id, []).append(status)
                if closing:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                if 200 <= status < 300:
                    break
                if len(answers[event_id]) >= 50:
                    raise AssertionError(f"{event_id} never stored: {answers[event_id]}")
                await asyncio.sleep(0.05)
    finally:
        writer.close()


def deliver(
    ports: list[int], requests: list[tuple[str, bytes]], connections: int = 4
) -> dict[str, list[int]]:
    """Deliver ``(event id, request)`` pairs over ``connections`` connections per port,
    each until it is answered 2xx; every answer each event got, in order."""
    answers: dict[str, list[int]] = {}
    queues = [list(reversed(requests[at :: len(ports)])) for at in range(len(ports))]

    async def run() -> None:
        await asyncio.gather(
            *(_sender(port, queue, answers) for port, queue in zip(ports, queues, strict=True)
              for _ in range(connections))
        )  # fmt: skip

    asyncio.run(run())
    return answers
