"""What the Greenhouse simulator tests share: the test environment and a webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.greenhouse import GreenhouseSim

CLIENT, SECRET = "harvest-client", "harvest-secret"


FAST_RETRIES = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05]


@dataclass
class Env:
    sim: GreenhouseSim
    http: httpx.Client  # no auth: /token and the control plane
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def token(self, sub: int | None = None) -> str:
        sub = sub if sub is not None else next(iter(self.sim.users))
        response = self.http.post(
            "/token",
            auth=(CLIENT, SECRET),
            data={"grant_type": "client_credentials", "sub": str(sub)},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def api(self, token: str | None = None) -> httpx.Client:
        """A client for /v3 with a bearer token (a new one unless given); closed after the test."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10)
        self.clients.append(client)
        return client


class Receiver:
    """A webhook receiver that records requests and can fail the next N of them."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.app = Starlette(routes=[Route("/hook", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response("boom", status_code=500)
        return Response("ok")

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    expected = "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["signature"], expected)


def follow(client: httpx.Client, url: str, params: dict[str, Any]) -> Iterator[httpx.Response]:
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        yield response
        if "next" not in response.links:
            return
        response = client.get(response.links["next"]["url"])
