"""One event delivered 1,000 times at once across 4 `connector serve` processes on the
real PostgreSQL (an ATS retrying through a load balancer): 1 inbox row, 1 effect.

The deliveries go over raw keep-alive connections, the benchmarks' client: through a
full HTTP client library each took about 25 ms on the client side, and the thousand 30 s."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bench._support import load
from engine.store.inbox import Inbox
from engine.store.tables import inbox
from engine.work.worker import Worker
from simulators.world import TENANT, World
from tests.commands.starter import closed_port
from tests.conftest import clean_postgres

SERVERS = 4
DELIVERIES = 1000


@pytest.fixture
def servers(tmp_path: Path, postgres_url: str) -> Iterator[tuple[World, list[str]]]:
    clean_postgres(postgres_url)
    with World(tmp_path, database_url=postgres_url) as world:
        world.runtime()  # migrated once, before the servers start
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
        ports = [closed_port() for _ in range(SERVERS)]
        command = [sys.executable, "-m", "engine.cli", "serve", "--no-worker",
                   "--no-scheduler", "--config", str(world.config_path)]  # fmt: skip
        processes = [
            subprocess.Popen(
                [*command, "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
            )
            for port in ports
        ]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for url in urls:
                _until_up(url)
            yield world, urls
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                process.communicate(timeout=30)


def _until_up(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        asyncio.run(asyncio.sleep(0.1))
    raise AssertionError(f"{url} did not start")


async def _deliver(urls: list[str], raw: bytes, headers: dict[str, str]) -> int:
    """Every delivery at once, a quarter per server, 50 connections each; how many were
    answered (``load`` raises on any answer but 200)."""
    lines = [f"POST /hooks/{TENANT}/greenhouse HTTP/1.1", "Host: 127.0.0.1",
             f"Content-Length: {len(raw)}", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + raw
    share = DELIVERIES // len(urls)
    ports = [int(url.rsplit(":", 1)[1]) for url in urls]
    runs = await asyncio.gather(*(load(port, [request] * share, 50) for port in ports))
    return sum(len(latencies) for _, latencies in runs)


def test_a_thousand_deliveries_of_one_event_are_one_row_and_one_effect(
    servers: tuple[World, list[str]],
) -> None:
    world, urls = servers
    job = world.greenhouse.create_job(name="Delivered once", status="open")
    raw = json.dumps({"action": "job_created", "payload": {"job": {"id": job["id"]}}}).encode()
    signature = hmac.new(world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Signature": f"sha256 {signature}", "Greenhouse-Event-ID": "evt-once",
               "Content-Type": "application/json"}  # fmt: skip
    assert asyncio.run(_deliver(urls, raw, headers)) == DELIVERIES  # each acknowledged, 200
    runtime = world.runtime()
    with runtime.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 1
    worker = Worker(runtime, Inbox(runtime.engine), name="once")
    assert asyncio.run(worker.run_once()) == 1
    assert [p["name"] for p in world.company.projects.values()] == ["Delivered once"]
