"""The partner routes under the ATS's load: p99 latency at 50 concurrent connections.

An ATS marketplace allows its partner about a second an answer (Greenhouse lists, orders
and asks status within a request's timeout), so the figure that matters is the p99. The
server (Connector's app, SQLite) runs in its own process and the suite and Greenhouse
simulators in another; 50 keep-alive connections send a mix of Greenhouse's calls, a third each:
``list_tests``, ``send_test`` (each a new candidate: a suite candidate, an invitation and
a link are written) and ``test_status`` of an earlier order. Baseline, same run, same
server: a bare Starlette endpoint.

Last line: ``partner: p99_ms=<x> p50_ms=<x> rate=<req/s> baseline_p99_ms=<x>
baseline=<req/s> ratio=<x>`` (ratio: rate over the baseline's).
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench._support import free_port, load, wait_until_up

CONNECTIONS = 50
REQUESTS = 600
ROUNDS = 2
BASE = "/partner/acme/greenhouse"


def _request(method: str, path: str, auth: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: {auth}",
             f"Content-Length: {len(body)}", "Content-Type: application/json"]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _order(test: str, n: int) -> bytes:
    return json.dumps({"partner_test_id": test, "url": f"https://ats.example/callback/{n}",
                       "candidate": {"first_name": "Cand", "last_name": f"No{n}",
                                     "email": f"cand{n}@example.com"}}).encode()  # fmt: skip


def _mix(auth: str, tests: list[str], interviews: list[str], round_: int) -> list[bytes]:
    out = []
    for i in range(REQUESTS):
        if i % 3 == 0:
            out.append(_request("GET", f"{BASE}/list_tests", auth))
        elif i % 3 == 1:
            n = round_ * REQUESTS + i
            out.append(
                _request("POST", f"{BASE}/send_test", auth, _order(tests[n % len(tests)], n))
            )
        else:
            interview = interviews[i % len(interviews)]
            out.append(
                _request("GET", f"{BASE}/test_status?partner_interview_id={interview}", auth)
            )
    return out


def _p(latencies: list[float], q: int) -> float:
    return statistics.quantiles(latencies, n=100)[q - 1] * 1000


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        sims = subprocess.Popen([sys.executable, "-m", "simulators", tmp],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert sims.stdout is not None and sims.stdin is not None
        json.loads(sims.stdout.readline())  # the simulators are up, connector.yaml written
        server = subprocess.Popen([sys.executable, "-m", "bench._partner_server", tmp, str(port)])
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz")
            setup = json.loads((Path(tmp) / "partner.json").read_text(encoding="utf-8"))
            auth = "Basic " + base64.b64encode(f"{setup['key']}:".encode()).decode()
            warm = [httpx.post(f"{base}{BASE}/send_test", content=_order(t, -k - 1),
                               headers={"Authorization": auth}).json()["partner_interview_id"]
                    for k, t in enumerate(setup["tests"])]  # fmt: skip
            bare = [_request("GET", "/bare", auth)] * REQUESTS
            rates, p99s, p50s, bares, bare_p99s = [], [], [], [], []
            for round_ in range(ROUNDS):  # interleaved, so machine drift hits both alike
                rate_b, lat_b = asyncio.run(load(port, list(bare), CONNECTIONS))
                rate, lat = asyncio.run(
                    load(port, _mix(auth, setup["tests"], warm, round_), CONNECTIONS)
                )
                bares.append(rate_b)
                bare_p99s.append(_p(lat_b, 99))
                rates.append(rate)
                p99s.append(_p(lat, 99))
                p50s.append(_p(lat, 50))
        finally:
            server.terminate()
            server.wait(timeout=30)
            sims.stdin.close()  # the simulators stop when their input closes
            sims.wait(timeout=30)
    rate, baseline = max(rates), max(bares)
    print(f"rounds={ROUNDS} requests={REQUESTS} connections={CONNECTIONS} "
          f"p99_ms={[round(p) for p in p99s]} rates={[round(r) for r in rates]}")  # fmt: skip
    return (f"partner: p99_ms={max(p99s):.0f} p50_ms={min(p50s):.0f} rate={rate:.0f} "
            f"baseline_p99_ms={min(bare_p99s):.0f} baseline={baseline:.0f} "
            f"ratio={rate / baseline:.2f}")  # fmt: skip
