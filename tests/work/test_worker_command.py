"""``connector worker`` as an operator runs it: processes of their own claiming from the
inbox, stopped by SIGTERM; one on an SQLite file (a second is refused), several on
PostgreSQL sharing the work without a duplicate."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.store.inbox import Inbox
from engine.web.app import create_app
from simulators.world import World
from tests.conftest import clean_postgres
from tests.work.jobs import stored_job_events

CLI = [sys.executable, "-m", "engine.cli"]


def _worker(world: World, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
    command = [*CLI, "worker", "--config", str(world.config_path), *args]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def _started(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "claiming from" in line, line
    return line


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def _wait(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def pg_world(tmp_path: Path, postgres_url: str) -> Iterator[World]:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        yield world


def test_one_worker_on_sqlite_works_and_a_second_is_refused(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()  # migrated
        first = _worker(world, "--no-scheduler")
        try:
            _started(first)
            second = _worker(world)
            _, err = second.communicate(timeout=60)
            assert second.returncode == 2
            assert "a worker already runs on the SQLite database" in err and "PostgreSQL" in err
            stored_job_events(world, create_app(runtime, worker=False), ["A", "B", "C"])
            _wait(lambda: len(world.company.projects) == 3)
        finally:
            err = _stop(first)
        assert re.search(r"stopped \(3 done, 0 failed\)", err), err


def test_two_workers_on_postgresql_share_the_work_without_a_duplicate(pg_world: World) -> None:
    world = pg_world
    runtime = world.runtime()
    names = [f"Role {n}" for n in range(60)]
    workers = [_worker(world, "--no-scheduler", "--batch", "4") for _ in range(2)]
    try:
        for process in workers:
            _started(process)  # the second is not refused: PostgreSQL takes both
        stored_job_events(world, create_app(runtime, worker=False), names)
        _wait(lambda: len(world.company.projects) == len(names), timeout=60)
    finally:
        outputs = [_stop(process) for process in workers]
    assert sorted(p["name"] for p in world.company.projects.values()) == sorted(names)
    counts = [re.search(r"stopped \((\d+) done, (\d+) failed\)", out) for out in outputs]
    assert all(counts), outputs  # each stopped cleanly and said what it did
    done = sum(int(c.group(1)) for c in counts if c)
    assert done == len(names), outputs  # each event done once, by one of them
    assert Inbox(runtime.engine).depth() == {"done": len(names)}
