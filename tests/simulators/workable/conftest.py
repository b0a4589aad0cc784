"""The Workable simulator on loopback, reset per test, and a webhook receiver."""

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
from simulators.workable import WorkableSim, create_app

TOKEN = "wk-account-token-" + "0" * 8


@dataclass
class Receiver:
    """Records every delivery; answers 200."""

    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response("ok")

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[WorkableSim, str]]:
    app = create_app(seed=1)
    sim: WorkableSim = app.state.sim
    with LoopbackServer(app) as server:
        yield sim, server.url


@pytest.fixture
def sim(served: tuple[WorkableSim, str]) -> WorkableSim:
    """The module's simulator, emptied, with one account token."""
    simulator, _ = served
    simulator.control_reset({})
    simulator.tokens.clear()
    simulator.add_token(TOKEN)
    simulator.settings.webhook_retry_delays = [0.05]
    return simulator


@pytest.fixture
def api(sim: WorkableSim, served: tuple[WorkableSim, str]) -> Iterator[httpx.Client]:
    """A client of /spi/v3 with the account token."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=served[1] + "/spi/v3", headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def root(served: tuple[WorkableSim, str]) -> str:
    return served[1]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = Starlette(routes=[Route("/hook", rec.handle, methods=["POST"])])
    with LoopbackServer(app) as server:
        yield rec, server.url + "/hook"
