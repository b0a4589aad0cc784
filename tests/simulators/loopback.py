"""What the simulators' tests share: a simulator app served on loopback for a module,
and a webhook receiver on loopback that records every delivery.

    @pytest.fixture(scope="module")
    def served() -> Iterator[tuple[LeverSim, str]]:
        yield from served_sim(create_app(seed=1))

    @pytest.fixture
    def receiver() -> Iterator[tuple[Receiver, str]]:
        yield from receiving(Receiver())
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.serving import LoopbackServer


class Handles(Protocol):
    async def handle(self, request: Request) -> Response: ...


H = TypeVar("H", bound=Handles)


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


def served_sim(app: Starlette) -> Iterator[tuple[Any, str]]:
    """The simulator's state (``app.state.sim``) and the URL it is served at."""
    with LoopbackServer(app) as server:
        yield app.state.sim, server.url


def receiving(receiver: H) -> Iterator[tuple[H, str]]:
    """``receiver`` answering ``POST /hook`` on loopback, and that route's URL."""
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    with LoopbackServer(app) as server:
        yield receiver, server.url + "/hook"
