"""The Lever simulator on loopback, reset per test, and a webhook receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.serving import LoopbackServer
from simulators.lever import LeverSim, create_app

KEY = "lever-api-key-" + "0" * 8


@dataclass
class Receiver:
    """Records every delivery; answers ``status`` (200 unless a test changes it)."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response("ok", status_code=self.status)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LeverSim, str]]:
    app = create_app(seed=1)
    sim: LeverSim = app.state.sim
    with LoopbackServer(app) as server:
        yield sim, server.url


@pytest.fixture
def sim(served: tuple[LeverSim, str]) -> LeverSim:
    """The module's simulator, emptied, with one API key."""
    simulator, _ = served
    simulator.control_reset({})
    simulator.keys.clear()
    simulator.add_key(KEY)
    simulator.settings.webhook_backoff_seconds = 0.05
    return simulator


@pytest.fixture
def api(sim: LeverSim, served: tuple[LeverSim, str]) -> Iterator[httpx.Client]:
    """A client of /v1 with the API key as the basic auth username."""
    with httpx.Client(base_url=served[1] + "/v1", auth=(KEY, ""), timeout=10) as client:
        yield client


@pytest.fixture
def root(served: tuple[LeverSim, str]) -> str:
    return served[1]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = Starlette(routes=[Route("/hook", rec.handle, methods=["POST"])])
    with LoopbackServer(app) as server:
        yield rec, server.url + "/hook"
