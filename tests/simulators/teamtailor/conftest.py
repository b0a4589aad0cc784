"""The Teamtailor simulator on loopback, reset per test, an API client and a receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.serving import LoopbackServer
from simulators.teamtailor import TeamtailorSim, create_app

KEY = "tt-test-key"
VERSION = "20240404"


@dataclass
class Env:
    sim: TeamtailorSim
    url: str
    api: httpx.Client  # authenticated, with the version header
    http: httpx.Client  # no auth: the control plane and refusals


class Receiver:
    """Records every webhook request it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response("ok")

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TeamtailorSim, str]]:
    app = create_app(seed=1)
    sim: TeamtailorSim = app.state.sim
    with LoopbackServer(app) as server:
        yield sim, server.url


@pytest.fixture
def env(served: tuple[TeamtailorSim, str]) -> Iterator[Env]:
    sim, url = served
    sim.control_reset({})
    sim.configure(rate_limit=50, rate_window_seconds=10.0)
    sim.add_api_key(KEY)
    headers = {"Authorization": f"Token token={KEY}", "X-Api-Version": VERSION}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=10) as api,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield Env(sim, url, api, http)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with LoopbackServer(rec.app) as server:
        yield rec, f"{server.url}/hook"
