"""Widget renders per second at 16 connections, from a warm cache and from a cold one.

Three processes, so that none shares a Python lock with another: the World's simulators,
Connector's app on uvicorn, and this one, which makes the load with ``httpx.AsyncClient``.
Before serving, a real sync links a few jobs and applications in the equivalence table;
their projects get questions, their invitations answers and ratings, so every widget
shows something.

- warm: the cache keeps suite answers for an hour and is primed; no render asks the suite.
- cold: the cache's TTL is 0, so every data lookup of every render misses. A counter in
  front of the suite simulator counts the calls it receives: one per miss of suite data,
  or the run fails.
- baseline, same run, same client and server: a route answering a fixed copy of a
  rendered widget page (same bytes, same CSP header), the HTTP floor under a widget.

Each round runs the three phases in turn, each bounded in answers and in seconds; a
non-200 answer stops the run. Beside rates, Connector's process reports the CPU time it
spent per answer: on a small machine the load generator may be what saturates (the
``client_cpu_share`` printed per phase says so), and the CPU times do not depend on it.

Last line: ``embeds: warm=<renders/s> cold=<renders/s> baseline=<requests/s>
warm_ratio=<x> cold_ratio=<x> warm_p50_ms=… warm_p99_ms=… cold_p50_ms=… cold_p99_ms=…
suite_calls_per_cold_render=<x> misses_per_cold_render=<x> server_cpu_ms_baseline=…
server_cpu_ms_warm=… server_cpu_ms_cold=…``: best round for rates and latencies, all
cold renders for the calls.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import uvicorn
from cryptography.fernet import Fernet, MultiFernet
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bench._support import free_port, wait_until_up
from engine.store.links import LinkStore
from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.store.tokens import TokenStore
from engine.sync.engine import SyncEngine
from engine.tenants import Runtime
from engine.web.app import create_app
from engine.web.pages import EmbedTokens, TTLCache, frame_ancestors
from simulators.world import TENANT, World

JOBS, PER_JOB = 4, 2  # 4 job_questions and 8 candidate_interview widgets
QUESTIONS = 5
CONNECTIONS = 16
ROUNDS = 3
# each phase stops at its count or its time budget (seconds), whichever comes first
BASELINE_REQUESTS, BASELINE_BUDGET = 4000, 2.0
WARM_REQUESTS, WARM_BUDGET = 4000, 3.0
COLD_REQUESTS, COLD_BUDGET = 2000, 6.0
WIDGETS = {"job": "job_questions", "application": "candidate_interview"}


class Lookups(NamedTuple):
    """The data lookups of one widget render: all of them, and those of suite data."""

    total: int
    suite: int


class CountCalls:
    """In front of the suite simulator: counts the requests it receives, by kind, and
    answers them at ``GET /_bench/calls``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls: collections.Counter[str] = collections.Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == "/_bench/calls":
                await JSONResponse(dict(self.calls))(scope, receive, send)
                return
            kind = "api" if path.startswith("/api/") else "token" if path == "/oauth/token" else ""
            self.calls[kind or "other"] += 1
        await self.app(scope, receive, send)


def simulators(directory: str) -> None:
    """Child process: ``python -m simulators`` with a call counter in front of the suite.

    Writes DIR/connector.yaml and DIR/key, prints the URLs as one JSON line, and runs
    until its standard input closes.
    """
    path = Path(directory)
    world = World(path)
    world.suite_app.add_middleware(CountCalls)
    with world:
        world.greenhouse.seed_data(
            jobs=JOBS, applications_per_job=PER_JOB,
            job_status="open", stage_name="Video Interview", status="in_process",
        )  # fmt: skip
        (path / "key").write_text(world.key, encoding="utf-8")
        ready = {"suite": world.suite_server.url, "greenhouse": world.greenhouse_server.url}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()


def _runtime(directory: Path) -> Runtime:
    """The deployment as ``World.runtime()`` makes it: the World's key encrypts the stored
    tokens and signs embed tokens."""
    key = (directory / "key").read_text(encoding="utf-8")
    engine = make_engine(f"sqlite:///{directory / 'connector.db'}")
    upgrade(engine)
    tokens = TokenStore(engine, MultiFernet([Fernet(key)]), signing_key=key.encode())
    return Runtime.from_config(directory / "connector.yaml", engine=engine, tokens=tokens)


def serve(directory: str, port: int) -> None:
    """Child process: Connector's app on uvicorn, plus two routes of the benchmark's own.

    ``GET /_bench/page`` answers a fixed page (the baseline); ``POST /_bench/control``
    sets the widget cache's TTL and the fixed page, and answers the cache's counters.
    """
    runtime = _runtime(Path(directory))
    app = create_app(runtime, worker=False)
    cache: TTLCache = app.state.embed_cache
    headers = {
        "Content-Security-Policy": frame_ancestors(runtime.tenant(TENANT).config.frame_origins)
    }
    fixed = {"page": ""}

    async def page(request: Request) -> Response:
        return HTMLResponse(fixed["page"], headers=headers)

    async def control(request: Request) -> Response:
        body = await request.json()
        if "ttl" in body:
            cache.ttl = float(body["ttl"])
        if "page" in body:
            fixed["page"] = str(body["page"])
        return JSONResponse(
            {"hits": cache.hits, "misses": cache.misses, "cpu": time.process_time()}
        )

    app.router.routes.append(Route("/_bench/page", page, methods=["GET"]))
    app.router.routes.append(Route("/_bench/control", control, methods=["POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _prepare(directory: Path, suite_url: str) -> tuple[list[tuple[str, str]], dict[str, Lookups]]:
    """Sync, give the suite records something to show, and issue one embed URL per record.

    Returns (widget, path with token) pairs and the data lookups each widget makes.
    """
    runtime = _runtime(directory)
    try:
        asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run())
        links = LinkStore(runtime.engine, TENANT)
        tokens = EmbedTokens.from_secret(runtime.tokens.signing_key)
        embeds = runtime.tenant(TENANT).ats.embeds
        lookups = {
            widget: Lookups(
                len(embeds[widget].data),
                # data without a side (older specs) is the suite's
                sum(d.side == "suite" for d in embeds[widget].data.values()),
            )
            for widget in WIDGETS.values()
        }
        found = {entity: list(links.all(entity)) for entity in WIDGETS}
    finally:
        runtime.close()
    linked = {entity: len(records) for entity, records in found.items()}
    if linked != {"job": JOBS, "application": JOBS * PER_JOB}:
        raise RuntimeError(f"the sync linked {linked}, not {JOBS} jobs x {PER_JOB} applications")
    with httpx.Client(base_url=suite_url, timeout=30) as http:
        token = http.post("/_sim/tokens", json={"company_id": TENANT}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        for job in found["job"]:
            for n in range(QUESTIONS):
                text = f"Question {n + 1}: tell us about a project you are proud of, and why."
                http.post(f"/api/v1/projects/{job.suite_id}/questions", headers=auth,
                          json={"text": text, "time_limit_seconds": 90}).raise_for_status()  # fmt: skip
        for application in found["application"]:
            http.post(f"/_sim/invitations/{application.suite_id}/complete").raise_for_status()
            http.post("/_sim/ratings", json={"invitation_id": application.suite_id, "score": 4,
                      "comment": "Clear answers.", "evaluator_email": "admin@acme.example"},
            ).raise_for_status()  # fmt: skip
    urls = []
    for entity, widget in WIDGETS.items():
        for link in found[entity]:
            token = tokens.issue(TENANT, widget, link.ats_id)
            urls.append((widget, f"/embed/{TENANT}/{widget}/{link.ats_id}?token={token}"))
    return urls, lookups


@dataclasses.dataclass
class Phase:
    """What one bounded burst of GETs measured."""

    seconds: float
    latencies: list[float]
    done: collections.Counter[str]  # answers per widget
    misses: int  # widget cache misses
    calls: collections.Counter[str]  # requests the suite received, by kind
    server_cpu: float  # CPU seconds of Connector's process
    client_cpu: float  # CPU seconds of this process, the load generator

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, percentile: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[percentile - 1] * 1000

    def cpu_ms(self) -> float:
        """Connector's CPU time per answer."""
        return self.server_cpu / len(self.latencies) * 1000


class Load:
    """GETs at CONNECTIONS concurrent requests, and the counters on both servers."""

    def __init__(self, http: httpx.AsyncClient, suite: str) -> None:
        self.http, self.suite = http, suite

    async def control(self, **body: Any) -> dict[str, float]:
        answer = await self.http.post("/_bench/control", json=body)
        answer.raise_for_status()
        return dict(answer.json())

    async def suite_calls(self) -> collections.Counter[str]:
        answer = await self.http.get(f"{self.suite}/_bench/calls")
        answer.raise_for_status()
        return collections.Counter(answer.json())

    async def phase(self, urls: list[tuple[str, str]], count: int, budget: float) -> Phase:
        """GET ``urls`` round-robin until ``count`` answers or ``budget`` seconds."""
        latencies: list[float] = []
        done: collections.Counter[str] = collections.Counter()
        issued = 0

        async def worker() -> None:
            nonlocal issued
            while issued < count and time.perf_counter() < deadline:
                name, url = urls[issued % len(urls)]
                issued += 1
                sent = time.perf_counter()
                response = await self.http.get(url)
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200:
                    raise RuntimeError(
                        f"GET {url.partition('?')[0]} answered {response.status_code}: "
                        f"{response.text[:300]}"
                    )
                done[name] += 1

        server, calls = await self.control(), await self.suite_calls()
        client, start = time.process_time(), time.perf_counter()
        deadline = start + budget
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        seconds, client_cpu = time.perf_counter() - start, time.process_time() - client
        server_after, calls_after = await self.control(), await self.suite_calls()
        return Phase(
            seconds, latencies, done, int(server_after["misses"] - server["misses"]),
            calls_after - calls, server_after["cpu"] - server["cpu"], client_cpu,
        )  # fmt: skip


def _check_cold(cold: Phase, lookups: dict[str, Lookups]) -> None:
    """Every lookup of a cold render missed, and each miss of suite data was one suite call."""
    expected = sum(lookups[name].total * n for name, n in cold.done.items())
    of_suite = sum(lookups[name].suite * n for name, n in cold.done.items())
    if cold.misses != expected or cold.calls["api"] != of_suite or cold.calls["other"]:
        raise RuntimeError(
            f"{len(cold.latencies)} cold renders: {expected} lookups ({of_suite} of suite data), "
            f"{cold.misses} cache misses, suite calls {dict(cold.calls)}; "
            "each miss of suite data should be one suite API call"
        )


async def _measure(
    base: str, suite: str, urls: list[tuple[str, str]], lookups: dict[str, Lookups]
) -> tuple[list[Phase], list[Phase], list[Phase], int]:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        load = Load(http, suite)
        sample = await http.get(urls[0][1])
        sample.raise_for_status()
        await load.control(page=sample.text)  # the baseline answers a real widget's bytes
        page = [("page", "/_bench/page")]
        bases, warms, colds = [], [], []
        for _ in range(ROUNDS):  # interleaved, so machine drift hits all three alike
            bases.append(await load.phase(page, BASELINE_REQUESTS, BASELINE_BUDGET))
            await load.control(ttl=3600)
            await load.phase(urls, len(urls), WARM_BUDGET)  # prime: every lookup cached
            warm = await load.phase(urls, WARM_REQUESTS, WARM_BUDGET)
            if warm.misses or warm.calls:
                raise RuntimeError(f"warm renders missed {warm.misses} times: {dict(warm.calls)}")
            warms.append(warm)
            await load.control(ttl=0)
            cold = await load.phase(urls, COLD_REQUESTS, COLD_BUDGET)
            _check_cold(cold, lookups)
            colds.append(cold)
    return bases, warms, colds, len(sample.content)


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        world = subprocess.Popen(
            [sys.executable, "-c", f"from bench.embeds import simulators; simulators({tmp!r})"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        server = None
        try:
            assert world.stdout is not None
            suite = json.loads(world.stdout.readline())["suite"]
            urls, lookups = _prepare(directory, suite)
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-c", f"from bench.embeds import serve; serve({tmp!r}, {port})"]
            )
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz")
            bases, warms, colds, size = asyncio.run(_measure(base, suite, urls, lookups))
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            if world.stdin:
                world.stdin.close()
            world.wait(timeout=30)
    baseline = max(p.rate for p in bases)
    warm, cold = max(p.rate for p in warms), max(p.rate for p in colds)
    renders = sum(len(p.latencies) for p in colds)
    calls = sum(p.calls.total() for p in colds) / renders
    misses = sum(p.misses for p in colds) / renders

    def each(phases: list[Phase], value: Callable[[Phase], float], digits: int = 0) -> str:
        return "/".join(f"{value(p):.{digits}f}" for p in phases)

    for name, phases in (("baseline", bases), ("warm", warms), ("cold", colds)):
        print(
            f"{name}: rate={each(phases, lambda p: p.rate)} "
            f"answers={each(phases, lambda p: len(p.latencies))} "
            f"server_cpu_ms={each(phases, Phase.cpu_ms, 2)} "
            f"client_cpu_share={each(phases, lambda p: p.client_cpu / p.seconds, 2)}"
        )
    print(
        f"rounds={ROUNDS} connections={CONNECTIONS} widgets={len(urls)} page_bytes={size} "
        f"cold_suite_calls={dict(sum((p.calls for p in colds), collections.Counter()))}"
    )
    return (
        f"embeds: warm={warm:.0f} cold={cold:.0f} baseline={baseline:.0f} "
        f"warm_ratio={warm / baseline:.2f} cold_ratio={cold / baseline:.2f} "
        f"warm_p50_ms={min(p.ms(50) for p in warms):.1f} "
        f"warm_p99_ms={min(p.ms(99) for p in warms):.1f} "
        f"cold_p50_ms={min(p.ms(50) for p in colds):.1f} "
        f"cold_p99_ms={min(p.ms(99) for p in colds):.1f} "
        f"suite_calls_per_cold_render={calls:.2f} misses_per_cold_render={misses:.2f} "
        f"server_cpu_ms_baseline={min(p.cpu_ms() for p in bases):.2f} "
        f"server_cpu_ms_warm={min(p.cpu_ms() for p in warms):.2f} "
        f"server_cpu_ms_cold={min(p.cpu_ms() for p in colds):.2f}"
    )
