"""A worker stopped with SIGSTOP past its lease, on the real PostgreSQL: another worker
takes the event over and writes it; the stopped one, resumed, writes nothing late."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from engine.store.inbox import Inbox
from engine.web.app import create_app
from simulators.world import World
from tests.conftest import clean_postgres
from tests.work.jobs import stored_job_events

CLI = [sys.executable, "-m", "engine.cli"]
LEASE = "2"


def _worker(world: World, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key, "CONNECTOR_INBOX_LEASE": LEASE}
    command = [*CLI, "worker", "--config", str(world.config_path), "--no-scheduler",
               "--name", name, "--batch", "1"]  # fmt: skip
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def _until(check: Callable[[], bool], timeout: float = 30.0, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError("timed out")


def test_a_worker_resumed_after_its_lease_makes_no_late_write(
    tmp_path: Path, postgres_url: str
) -> None:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        runtime = world.runtime()
        inbox = Inbox(runtime.engine)
        suite_faults = f"{world.suite_server.url}/_sim/faults"
        httpx.post(suite_faults, json={"latency_ms": 1500}).raise_for_status()  # a slow suite
        stored_job_events(world, create_app(runtime, worker=False), ["Paused role"])
        paused = _worker(world, "paused")
        taker: subprocess.Popen[str] | None = None
        said: dict[str, str] = {}
        try:
            _until(lambda: inbox.depth().get("processing") == 1)  # claimed: now mid-work
            paused.send_signal(signal.SIGSTOP)
            time.sleep(float(LEASE) + 1.5)  # past its lease, with no renewal possible
            httpx.post(suite_faults, json={}).raise_for_status()
            taker = _worker(world, "taker")
            _until(lambda: inbox.depth() == {"done": 1})
            assert [p["name"] for p in world.company.projects.values()] == ["Paused role"]
            paused.send_signal(signal.SIGCONT)  # it wakes mid-request, its lease long gone
            time.sleep(3.0)  # the slow calls it had begun come back; it would write now
            assert len(world.company.projects) == 1  # no late duplicate
            (event,) = inbox.list(status="done")
            assert event.attempts == 2  # the taker's claim is the one that counted
        finally:
            for name, process in (("paused", paused), ("taker", taker)):
                if process is not None:
                    process.send_signal(signal.SIGCONT)
                    process.send_signal(signal.SIGTERM)
                    said[name] = process.communicate(timeout=30)[1]
        # the resumed worker's word on the event came too late and was refused
        assert "claimed by another worker after this one's lease ended" in said["paused"]
