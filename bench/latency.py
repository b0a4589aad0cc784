"""Webhook-to-suite latency, p50 and p99: from an ATS webhook's POST to Connector until
the suite holds the record, for events sent at a steady rate.

Connector is a real ``connector serve`` with its worker, on SQLite; the simulators run
in a process of their own. Each of ``EVENTS`` ``job_created`` webhooks (a job not synced
before, signed as Greenhouse signs) is sent ``1 / RATE`` s after the one before; its
latency is the project's ``created_at`` in the suite simulator less the moment the POST
began (both clocks are this machine's). Baseline, same run, same rate: the same suite
write (``POST /projects``) made directly with httpx, timed the same way.

Last line: ``latency: p50_ms=<x> p99_ms=<x> baseline_p50_ms=<x> baseline_p99_ms=<x>
ratio=<p50 over the baseline's>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import httpx
import yaml

from bench._support import free_port, wait_until_up
from simulators.world import SUITE_CLIENT, TENANT

EVENTS = 200
RATE = 20.0  # events a second
TIMEOUT = 60.0


async def _steady(send: Callable[[int], Awaitable[None]]) -> dict[int, float]:
    """Call ``send(i)`` for each event at ``RATE`` a second; when each began (epoch s)."""
    began: dict[int, float] = {}
    start = time.perf_counter()

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
        began[i] = time.time()
        await send(i)

    await asyncio.gather(*(one(i) for i in range(EVENTS)))
    return began


async def _webhooks(url: str, secret: str, jobs: list[int]) -> dict[int, float]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:

        async def send(i: int) -> None:
            raw = json.dumps({"action": "job_created", "payload": {"job": {"id": jobs[i]}}})
            digest = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()
            headers = {"Signature": f"sha256 {digest}", "Greenhouse-Event-ID": f"lat-{i}",
                       "Content-Type": "application/json"}  # fmt: skip
            answer = await http.post(f"/hooks/{TENANT}/greenhouse", content=raw, headers=headers)
            answer.raise_for_status()

        began = await _steady(send)
    return {jobs[i]: at for i, at in began.items()}


async def _direct(suite: str) -> dict[int, float]:
    async with httpx.AsyncClient(base_url=f"{suite}/api/v1", timeout=30) as http:
        token = await http.post(
            f"{suite}/oauth/token", data={"grant_type": "client_credentials"}, auth=SUITE_CLIENT
        )
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

        async def send(i: int) -> None:
            body = {"name": f"Direct {i}", "external_id": f"direct-{i}"}
            (await http.post("/projects", json=body)).raise_for_status()

        began = await _steady(send)
    return {-1 - i: at for i, at in began.items()}  # keyed apart from the job ids


def _created(suite: str, wanted: int) -> dict[int, float]:
    """Each project's ``created_at`` (epoch s) by external id, once ``wanted`` are held."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        state = httpx.get(f"{suite}/_sim/state", timeout=30).json()
        projects = state["companies"][TENANT]["projects"]
        if len(projects) >= wanted:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the suite holds {len(projects)} projects of {wanted}")
        time.sleep(0.2)
    out = {}
    for project in projects:
        external = str(project["external_id"])
        number = (
            -1 - int(external.removeprefix("direct-")) if "direct-" in external else int(external)
        )
        out[number] = datetime.fromisoformat(project["created_at"]).timestamp()
    return out


def _quantiles(began: dict[int, float], created: dict[int, float]) -> tuple[float, float]:
    latencies = [(created[k] - at) * 1000 for k, at in began.items()]
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        world = subprocess.Popen(
            [sys.executable, "-m", "simulators", tmp, "--jobs", str(EVENTS),
             "--applications-per-job", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        server: subprocess.Popen[bytes] | None = None
        try:
            assert world.stdout is not None
            urls = json.loads(world.stdout.readline())
            config = yaml.safe_load((directory / "connector.yaml").read_text(encoding="utf-8"))
            secret = config["tenants"][TENANT]["secrets"]["webhook_secret"]
            jobs = [j["id"] for j in httpx.get(f"{urls['greenhouse']}/_sim/state").json()["jobs"]]
            port = free_port()
            env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": (directory / "key").read_text()}
            server = subprocess.Popen(
                [sys.executable, "-m", "engine.cli", "serve", "--no-scheduler", "--config",
                 str(directory / "connector.yaml"), "--port", str(port)],
                env=env, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            direct = asyncio.run(_direct(urls["suite"]))
            hooks = asyncio.run(_webhooks(f"http://127.0.0.1:{port}", secret, jobs[:EVENTS]))
            created = _created(urls["suite"], 2 * EVENTS)
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
            if world.stdin:
                world.stdin.close()
            world.wait(timeout=30)
    p50, p99 = _quantiles(hooks, created)
    base50, base99 = _quantiles(direct, created)
    print(f"events={EVENTS} rate={RATE:.0f}/s")
    return (
        f"latency: p50_ms={p50:.0f} p99_ms={p99:.0f} baseline_p50_ms={base50:.1f} "
        f"baseline_p99_ms={base99:.1f} ratio={p50 / base50:.1f}"
    )
