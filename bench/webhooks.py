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
from pathlib import Path

import httpx

from bench._support import free_port, load, wait_until_up

CONNECTIONS = 32
REQUESTS = 3000
ROUNDS = 2


def _request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}",
             "Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


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
                bare, _ = asyncio.run(load(port, list(bare_requests), CONNECTIONS))
                rate, latencies = asyncio.run(
                    load(port, _signed(secret, round_ * REQUESTS), CONNECTIONS)
                )
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
