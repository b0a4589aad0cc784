"""Workable orders an assessment from a provider and takes the results back on a PUT.

A small Starlette app stands in for the provider: it records what it got and answers as
Workable's assessment-provider docs say (``{"tests": [{"id", "name"}]}`` from GET /tests,
``{"assessment_id"}`` from POST /assessments).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.kit.serving import LoopbackServer
from simulators.workable import WorkableSim, create_app
from simulators.workable.partner import CALLBACK

KEY = "78e3be68d98268509ea304a506ed6362d"
CALLBACK_TOKEN = "wk-issued-callback-token"
TESTS = {"tests": [{"id": 1, "name": "Aptitude Test"}, {"id": 2, "name": "Accounting Test"}]}
DONE = {"status": "completed", "results_url": "https://provider.example/results/a-1",
        "assessment": {"score": "82", "grade": "passed", "summary": "Good",
                       "details": {"logic": "90"}, "duration": "00:42:00"}}  # fmt: skip


@dataclass
class FakeProvider:
    """Records (method, path, headers, body) of each request; answers from ``replies``."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def reset(self) -> None:
        self.seen.clear()
        self.replies = {"tests": (200, TESTS), "assessments": (201, {"assessment_id": "a-1"})}

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        name = request.url.path.rsplit("/", 1)[-1]
        self.seen.append({"name": name, "method": request.method,
                          "headers": dict(request.headers),
                          "body": json.loads(raw) if raw else None})  # fmt: skip
        status, body = self.replies[name]
        return JSONResponse(body, status_code=status)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[WorkableSim, str, FakeProvider, str]]:
    app = create_app(seed=1)
    fake = FakeProvider()
    routes = [Route("/api/tests", fake.handle, methods=["GET"]),
              Route("/api/assessments", fake.handle, methods=["POST"])]  # fmt: skip
    with LoopbackServer(app) as sim_server, LoopbackServer(Starlette(routes=routes)) as other:
        yield app.state.sim, sim_server.url, fake, other.url + "/api"


@dataclass
class World:
    sim: WorkableSim
    http: httpx.Client
    provider: FakeProvider
    candidate_id: str
    shortcode: str


@pytest.fixture
def world(servers: tuple[WorkableSim, str, FakeProvider, str]) -> Iterator[World]:
    sim, url, fake, base_url = servers
    sim.control_reset({})
    fake.reset()
    job = sim.create_job(title="Accountant")
    candidate = sim.create_candidate(job["shortcode"], "Ada", "Lovelace", "ada@example.com")
    sim.candidates.update(candidate["id"], {"phone": "+30 210 0000"})
    with httpx.Client(base_url=url, timeout=5) as http:
        config = {"base_url": base_url, "api_key": KEY, "callback_token": CALLBACK_TOKEN}
        assert http.post("/_sim/partner", json=config).status_code == 200
        yield World(sim, http, fake, candidate["id"], job["shortcode"])


def _order(world: World) -> dict[str, Any]:
    body = {"candidate_id": world.candidate_id, "test_id": 1}
    response = world.http.post("/_sim/partner/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def _put(world: World, order_id: int, body: Any, token: str = CALLBACK_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return world.http.put(f"{CALLBACK}/{order_id}", json=body, headers=headers)


def test_tests_are_listed_with_the_provider_token(world: World) -> None:
    response = world.http.post("/_sim/partner/tests")
    assert (response.status_code, response.json()) == (200, TESTS)
    (call,) = world.provider.seen
    assert call["method"] == "GET" and call["headers"]["authorization"] == f"Bearer {KEY}"


def test_an_assessment_is_ordered_with_the_candidate_and_job(world: World) -> None:
    order = _order(world)
    assert order["state"] == "sent" and order["assessment_id"] == "a-1"
    assert order["status_code"] == 201 and order["result"] is None
    (call,) = world.provider.seen
    assert call["name"] == "assessments" and call["method"] == "POST"
    assert call["headers"]["authorization"] == f"Bearer {KEY}"
    root = str(world.http.base_url).rstrip("/")
    assert call["body"] == {
        "test_id": 1, "job_shortcode": world.shortcode, "job_title": "Accountant",
        "callback_url": f"{root}{CALLBACK}/{order['id']}",
        "candidate": {"first_name": "Ada", "last_name": "Lovelace",
                      "email": "ada@example.com", "phone": "+30 210 0000"},
    }  # fmt: skip
    assert world.http.get("/_sim/partner/orders").json() == [order]


def test_the_results_callback_moves_the_order_through_its_states(world: World) -> None:
    order = _order(world)
    assert _put(world, order["id"], {"status": "pending"}).status_code == 200
    pending = world.http.get(f"/_sim/partner/orders/{order['id']}").json()
    assert pending["state"] == "pending" and pending["result"] == {"status": "pending"}
    response = _put(world, order["id"], DONE)
    assert (response.status_code, response.content) == (200, b"")
    done = world.http.get(f"/_sim/partner/orders/{order['id']}").json()
    assert done["state"] == "completed" and done["result"] == DONE and done["callbacks"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"status": "done"},
        {"status": "completed"},
        {"results_url": "https://x.example"},
        {"status": "completed", "results_url": "https://x", "assessment": {"grade": "A+"}},
        {"status": "pending", "surprise": 1},
        ["not", "an", "object"],
    ],
)
def test_a_bad_results_body_is_a_422(world: World, body: Any) -> None:
    order = _order(world)
    response = _put(world, order["id"], body)
    assert response.status_code == 422 and "error" in response.json()
    assert world.http.get(f"/_sim/partner/orders/{order['id']}").json()["state"] == "sent"


def test_the_callback_refuses_a_wrong_token_and_an_unknown_order(world: World) -> None:
    order = _order(world)
    assert _put(world, order["id"], DONE, token=KEY).status_code == 401
    no_auth = world.http.put(f"{CALLBACK}/{order['id']}", json=DONE)
    assert (no_auth.status_code, no_auth.json()) == (401, {"error": "Not authorized"})
    assert _put(world, 999, DONE).status_code == 404


def test_a_refused_order_is_a_502_and_a_failed_order(world: World) -> None:
    world.provider.replies["assessments"] = (409, {"status": 409, "message": "duplicate"})
    response = world.http.post("/_sim/partner/orders",
                               json={"candidate_id": world.candidate_id, "test_id": 1})  # fmt: skip
    assert response.status_code == 502
    body = response.json()
    assert body["status_code"] == 409 and body["body"]["message"] == "duplicate"
    assert body["order"]["state"] == "failed"
    unknown = {"candidate_id": "nobody", "test_id": 1}
    assert world.http.post("/_sim/partner/orders", json=unknown).status_code == 404


def test_the_kit_faults_apply_to_the_callback(world: World) -> None:
    order = _order(world)
    burst = {"burst_429": {"every": 2, "length": 1, "retry_after": 0}}
    assert world.http.post("/_sim/faults", json=burst).status_code == 200
    first, second = _put(world, order["id"], DONE), _put(world, order["id"], DONE)
    assert (first.status_code, second.status_code) == (200, 429)
    assert second.headers["Retry-After"] == "0"
    world.http.post("/_sim/faults", json={"error_rate": 1})
    assert _put(world, order["id"], DONE).status_code in (500, 502, 503)
    world.http.post("/_sim/faults", json={})
    assert _put(world, order["id"], DONE).status_code == 200
    assert world.http.get(f"/_sim/partner/orders/{order['id']}").json()["callbacks"] == 2


def test_reset_forgets_the_provider_and_its_orders(world: World) -> None:
    _order(world)
    assert world.http.post("/_sim/reset", json={}).status_code == 204
    assert world.http.get("/_sim/partner").json() is None
    assert world.http.get("/_sim/partner/orders").json() == []
