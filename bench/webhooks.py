"""Verified, durably stored webhooks per second, and p99 latency, at 32 connections.

The server (Connector's app, SQLite inbox) runs in its own process. Baseline, same run,
same server: a bare Starlette endpoint that reads the body and answers 200. Each
Connector request carries a distinct event id and a valid Greenhouse signature, so
each one is verified and inserted.

Last line: ``webhooks: rate=<events/s> p99_ms=<x> baseline=<requests/s> ratio=<x>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._support import free_port, wait_until_up

CONNECTIONS = 32
REQUESTS = 3000
ROUNDS = 2


async def _connection(host: str, port: int, requests: list[bytes], latencies: list[float]) -> None:
    """One keep-alive connection sending pre-built requests one after another.

    A raw HTTP/1.1 client: the load generator must cost far less than the server it
    measures, which a full HTTP client library at 32 connections does not.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while requests:
            request = requests.pop()
            start = time.perf_counter()
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if b" 200 " not in status:
                raise RuntimeError(f"answered {status!r}")
    finally:
        writer.close()


def _request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}",
             "Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _load(port: int, requests: list[bytes]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    pending = list(reversed(requests))
    start = time.perf_counter()
    await asyncio.gather(
        *(_connection("127.0.0.1", port, pending, latencies) for _ in range(CONNECTIONS))
    )
    return len(requests) / (time.perf_counter() - start), latencies


def _signed(secret: str, start: int) -> list[bytes]:
    out = []
    for i in range(start, start + REQUESTS):
        raw = json.dumps(
            {"action": "job_updated", "payload": {"job": {"id": 4000001 + i % 50}}}
        ).encode()
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"Signature": f"sha256 {digest}", "Greenhouse-Event-ID": f"bench-{i}"}
        out.append(_request("/hooks/acme/greenhouse", raw, headers))
    return out


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "bench._webhook_server", tmp, str(port)])
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz")
            secret = (Path(tmp) / "hook-secret").read_text(encoding="utf-8")
            bare_requests = [_request("/bare", b'{"action":"x"}', {})] * REQUESTS
            rates, bares, p99s = [], [], []
            for round_ in range(ROUNDS):  # interleaved, so machine drift hits both alike
                bare, _ = asyncio.run(_load(port, list(bare_requests)))
                rate, latencies = asyncio.run(_load(port, _signed(secret, round_ * REQUESTS)))
                bares.append(bare)
                rates.append(rate)
                p99s.append(statistics.quantiles(latencies, n=100)[98] * 1000)
            stored = httpx.get(f"{base}/readyz").json()["inbox"].get("pending", 0)
            assert stored == ROUNDS * REQUESTS, stored
        finally:
            server.terminate()
            server.wait(timeout=30)
    rate, baseline = max(rates), max(bares)
    p99 = min(p99s)
    print(
        f"rounds={ROUNDS} requests={REQUESTS} rates={[round(r) for r in rates]} bare={[round(b) for b in bares]}"
    )
    return f"webhooks: rate={rate:.0f} p99_ms={p99:.1f} baseline={baseline:.0f} ratio={rate / baseline:.2f}"
