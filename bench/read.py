"""List records through a spec's ``link_header`` pagination with the declarative client,
against a plain hand-written httpx loop over the same loopback server, same run.

Last line: ``read: rate=<records/s> baseline=<records/s> ratio=<x> rss_mb=<peak MB>``,
where rss_mb is the peak resident memory of a process listing 200,000 records.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from bench._support import free_port, wait_until_up
from engine.client.api import ApiClient
from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec

RECORDS = 20_000
BIG = 200_000
ROUNDS = 3
SPEC = """
kind: ats
name: listing
title: Listing benchmark
setups: [static]
connection:
  base_url: {url}
  auth: {{type: none}}
  pagination: {{type: link_header, page_size: {{param: per_page, value: 100}}}}
resources:
  item:
    endpoints:
      list: {{path: /items, params: {{total: "{total}"}}}}
sync:
  items: {{direction: to_suite, source: item, target: candidate}}
polling: {{interval: 5m, flows: [items]}}
"""


def _spec(url: str, total: int) -> AtsSpec:
    result = lint_text("listing.yaml", SPEC.format(url=url, total=total))
    assert isinstance(result.spec, AtsSpec), result.diagnostics
    return result.spec


async def ours(url: str, total: int) -> int:
    count = 0
    async with ApiClient.for_spec(_spec(url, total), tenant="bench", secrets={}) as client:
        async for _ in client.list("item"):
            count += 1
    return count


async def baseline(url: str, total: int) -> int:
    count = 0
    async with httpx.AsyncClient() as http:
        next_url: str | None = f"{url}/items?per_page=100&total={total}"
        while next_url:
            response = await http.get(next_url)
            response.raise_for_status()
            count += len(response.json())
            link = response.links.get("next")
            next_url = link["url"] if link else None
    return count


def _rate(fn: Callable[[str, int], Coroutine[Any, Any, int]], url: str) -> float:
    start = time.perf_counter()
    count = asyncio.run(fn(url, RECORDS))
    assert count == RECORDS, count
    return count / (time.perf_counter() - start)


def peak_rss(url: str) -> None:
    """Child process: list BIG records, print the peak RSS in MB."""
    count = asyncio.run(ours(url, BIG))
    assert count == BIG, count
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run() -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "bench._listing_api", str(port)])
    try:
        wait_until_up(f"{url}/items?per_page=1&total=1", timeout=15)
        rates, bases = [], []
        for _ in range(ROUNDS):  # interleaved, so drift in machine load hits both alike
            bases.append(_rate(baseline, url))
            rates.append(_rate(ours, url))
        child = subprocess.run(
            [sys.executable, "-c", f"from bench.read import peak_rss; peak_rss({url!r})"],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        rss = json.loads(child.stdout.strip().splitlines()[-1])["rss_mb"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    rate, base = max(rates), max(bases)
    print(f"rounds={ROUNDS} ours={[round(r) for r in rates]} baseline={[round(b) for b in bases]}")
    return f"read: rate={rate:.0f} baseline={base:.0f} ratio={rate / base:.2f} rss_mb={rss:.0f}"
