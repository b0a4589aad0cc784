"""Nothing acknowledged is lost: the suite going away, and the server killed mid-burst."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from engine.store.inbox import Inbox
from engine.web.app import create_app
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World


def _signed(world: World, job_id: int, event_id: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps({"action": "job_created", "payload": {"job": {"id": job_id}}}).encode()
    signature = hmac.new(world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Signature": f"sha256 {signature}", "Greenhouse-Event-ID": event_id}


def test_events_wait_while_the_suite_is_down_and_drain_once_back(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        jobs = [world.greenhouse.create_job(name=f"Queued {i}", status="open") for i in range(20)]
        suite_port = world.suite_server.port
        world.suite_server.stop()  # the suite is unreachable
        with LoopbackServer(app) as engine:
            for i, job in enumerate(jobs):
                raw, headers = _signed(world, job["id"], f"q-{i}")
                assert (
                    httpx.post(
                        f"{engine.url}/hooks/{TENANT}/greenhouse", content=raw, headers=headers
                    ).status_code
                    == 200
                )
            worker = app.state.worker
            asyncio.run(worker.run_once())
            assert worker.failed == 20 and app.state.inbox.depth() == {"pending": 20}

            back = LoopbackServer(world.suite_app, port=suite_port)  # the same suite, back
            back.start()
            try:
                asyncio.run(worker.run_once(now=time.time() + 3600))  # past every backoff
            finally:
                back.stop()
        names = Counter(p["name"] for p in world.company.projects.values())
        assert names == Counter({f"Queued {i}": 1 for i in range(20)})  # none lost, none twice
        assert Inbox(runtime.engine).depth() == {"done": 20}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(world: World, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key, "CONNECTOR_INBOX_LEASE": "2"}
    command = [sys.executable, "-m", "engine.cli", "serve", "--no-scheduler", "--port", str(port),
               "--config", str(world.config_path)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("connector serve did not start")


BURST = 2000


def test_a_server_killed_mid_burst_loses_no_acknowledged_event(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        jobs = [world.greenhouse.create_job(name=f"Burst {i}", status="open") for i in range(BURST)]
        port = _port()
        url = f"http://127.0.0.1:{port}/hooks/{TENANT}/greenhouse"
        server = _serve(world, port)
        acknowledged: set[int] = set()

        async def burst() -> None:
            limits = httpx.Limits(max_connections=32)
            async with httpx.AsyncClient(limits=limits, timeout=10) as client:
                slots = asyncio.Semaphore(32)

                async def one(job: dict[str, Any], i: int) -> None:
                    raw, headers = _signed(world, job["id"], f"b-{i}")
                    async with slots:
                        if i == BURST // 2:
                            server.send_signal(signal.SIGKILL)  # mid-burst, no goodbye
                        try:
                            response = await client.post(url, content=raw, headers=headers)
                        except httpx.TransportError:
                            return  # never acknowledged: the sender would retry
                        if response.status_code == 200:
                            acknowledged.add(job["id"])

                await asyncio.gather(*(one(job, i) for i, job in enumerate(jobs)))

        try:
            asyncio.run(burst())
        finally:  # whatever failed, no server outlives the test
            if server.poll() is None:
                server.kill()
            server.wait(timeout=10)
        assert 0 < len(acknowledged) < BURST
        restarted = _serve(world, port)  # a new process takes over the inbox
        try:
            inbox = Inbox(runtime.engine)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                depth = inbox.depth()
                if set(depth) <= {"done"}:
                    break
                time.sleep(0.5)
            assert set(inbox.depth()) == {"done"}, inbox.depth()
        finally:
            restarted.terminate()
            restarted.wait(timeout=20)
        by_job = Counter(p["external_id"] for p in world.company.projects.values())
        assert {str(j) for j in acknowledged} <= set(by_job), "an acknowledged event was lost"
        assert max(by_job.values()) == 1, "an event was applied twice"
