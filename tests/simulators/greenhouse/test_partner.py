"""Greenhouse orders a test from an assessment partner and takes the result back.

A small Starlette app stands in for the partner: it records what it got and answers as
the Greenhouse assessment docs say (a bare array from list_tests, one
``partner_interview_id`` from send_test, a ``partner_status`` from test_status).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.greenhouse import GreenhouseSim, create_app
from simulators.greenhouse.partner import CALLBACK
from simulators.kit.serving import LoopbackServer

KEY = "0d031d8227eafa61dc375a6c2e067e24"
BASIC = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
TESTS = [{"partner_test_id": "12345", "partner_test_name": "My First Test"}]
COMPLETE = {"partner_status": "complete", "partner_profile_url": "https://partner.example/r/1",
            "partner_score": 81, "metadata": {"Started At": "2026-12-01", "Notes": "ok"}}  # fmt: skip


@dataclass
class FakePartner:
    """Records (method, path, headers, query, body) of each request; answers from ``replies``."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def reset(self) -> None:
        self.seen.clear()
        self.replies = {"tests": (200, TESTS), "send": (200, {"partner_interview_id": "98765"}),
                        "status": (200, COMPLETE), "errors": (200, {"status": 200})}  # fmt: skip

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        name = request.url.path.strip("/")
        self.seen.append({"name": name, "method": request.method,
                          "headers": dict(request.headers), "query": dict(request.query_params),
                          "body": json.loads(raw) if raw else None})  # fmt: skip
        status, body = self.replies[name]
        return JSONResponse(body, status_code=status)

    def calls(self, name: str) -> list[dict[str, Any]]:
        return [s for s in self.seen if s["name"] == name]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[GreenhouseSim, str, FakePartner, str]]:
    app = create_app(seed=1)
    fake = FakePartner()
    routes = [Route(f"/{n}", fake.handle, methods=["GET", "POST"])
              for n in ("tests", "send", "status", "errors")]  # fmt: skip
    with LoopbackServer(app) as sim_server, LoopbackServer(Starlette(routes=routes)) as other:
        yield app.state.sim, sim_server.url, fake, other.url


@dataclass
class World:
    sim: GreenhouseSim
    http: httpx.Client
    partner: FakePartner
    application_id: int


@pytest.fixture
def world(servers: tuple[GreenhouseSim, str, FakePartner, str]) -> Iterator[World]:
    sim, url, fake, partner_url = servers
    sim.reset(config=True)
    fake.reset()
    job = sim.create_job(name="Engineer", status="open")
    candidate = {"first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 0000",
                 "email_addresses": [{"value": "ada@example.com", "type": "personal"}]}  # fmt: skip
    application = sim.create_application(job_id=job["id"], candidate=candidate)
    with httpx.Client(base_url=url, timeout=5) as http:
        config = {"list_tests_url": partner_url + "/tests", "send_test_url": partner_url + "/send",
                  "test_status_url": partner_url + "/status",
                  "response_error_url": partner_url + "/errors", "api_key": KEY}  # fmt: skip
        assert http.post("/_sim/partner", json=config).status_code == 200
        yield World(sim, http, fake, application["id"])


def _order(world: World) -> dict[str, Any]:
    body = {"application_id": world.application_id, "partner_test_id": "12345"}
    response = world.http.post("/_sim/partner/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def _wait(world: World, order_id: int, check: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 3
    while True:
        order: dict[str, Any] = world.http.get(f"/_sim/partner/orders/{order_id}").json()
        if check(order) or time.monotonic() > deadline:
            return order
        time.sleep(0.01)


def test_list_tests_is_called_with_the_key_as_basic_username(world: World) -> None:
    response = world.http.post("/_sim/partner/tests")
    assert (response.status_code, response.json()) == (200, TESTS)
    (call,) = world.partner.calls("tests")
    assert call["method"] == "GET" and call["headers"]["authorization"] == BASIC
    assert call["query"] == {} and call["body"] is None


def test_send_test_carries_the_documented_body_and_the_order_is_kept(world: World) -> None:
    order = _order(world)
    assert order["state"] == "sent" and order["partner_interview_id"] == "98765"
    assert order["status_code"] == 200 and order["result"] is None
    (call,) = world.partner.calls("send")
    assert call["method"] == "POST" and call["headers"]["authorization"] == BASIC
    body = call["body"]
    assert set(body) == {"partner_test_id", "candidate", "url"}
    candidate_id = world.sim.applications[world.application_id]["candidate_id"]
    assert body["candidate"] == {
        "first_name": "Ada", "last_name": "Lovelace", "resume_url": None,
        "phone_number": "+44 20 0000", "email": "ada@example.com",
        "greenhouse_profile_url": f"https://app.greenhouse.io/people/{candidate_id}"
        f"?application_id={world.application_id}",
    }  # fmt: skip
    assert body["url"] == (f"{str(world.http.base_url).rstrip('/')}{CALLBACK}/{order['id']}")
    listed = world.http.get("/_sim/partner/orders").json()
    assert [o["id"] for o in listed] == [order["id"]]


def test_the_patch_callback_answers_at_once_then_test_status_is_fetched(world: World) -> None:
    order = _order(world)
    url = world.partner.calls("send")[0]["body"]["url"]
    response = world.http.patch(url, headers={"Authorization": BASIC})
    assert (response.status_code, response.content) == (200, b"")
    done = _wait(world, order["id"], lambda o: o["state"] == "completed")
    assert done["state"] == "completed" and done["result"] == COMPLETE
    (call,) = world.partner.calls("status")
    assert call["method"] == "GET" and call["headers"]["authorization"] == BASIC
    assert call["query"] == {"partner_interview_id": "98765"}


def test_a_status_not_yet_complete_is_kept_without_completing(world: World) -> None:
    world.partner.replies["status"] = (200, {"partner_status": "in_progress",
                                             "partner_profile_url": None})  # fmt: skip
    order = _order(world)
    world.http.patch(
        world.partner.calls("send")[0]["body"]["url"], headers={"Authorization": BASIC}
    )
    kept = _wait(world, order["id"], lambda o: o["result"] is not None)
    assert kept["state"] == "sent" and kept["result"]["partner_status"] == "in_progress"


def test_an_invalid_status_is_reported_to_response_error(world: World) -> None:
    world.partner.replies["status"] = (200, {"partner_status": "complete"})
    order = _order(world)
    world.http.patch(
        world.partner.calls("send")[0]["body"]["url"], headers={"Authorization": BASIC}
    )
    failed = _wait(world, order["id"], lambda o: bool(o["errors"]))
    assert failed["state"] == "sent" and failed["result"] is None
    deadline = time.monotonic() + 3
    while not world.partner.calls("errors") and time.monotonic() < deadline:
        time.sleep(0.01)
    (report,) = world.partner.calls("errors")
    assert report["body"]["api_call"] == "test_status"
    assert report["body"]["partner_interview_id"] == "98765"
    assert "partner_profile_url" in report["body"]["errors"][0]


def test_the_callback_refuses_a_wrong_key_and_an_unknown_order(world: World) -> None:
    order = _order(world)
    path = f"/integrations/testing_partners/take_home_tests/{order['id']}"
    wrong = "Basic " + base64.b64encode(b"other:").decode()
    with_password = "Basic " + base64.b64encode(f"{KEY}:x".encode()).decode()
    assert world.http.patch(path).status_code == 401
    assert world.http.patch(path, headers={"Authorization": wrong}).status_code == 401
    assert world.http.patch(path, headers={"Authorization": with_password}).status_code == 401
    unknown = "/integrations/testing_partners/take_home_tests/1"
    assert world.http.patch(unknown, headers={"Authorization": BASIC}).status_code == 404
    assert world.partner.calls("status") == []


def test_a_refused_send_test_is_a_502_and_a_failed_order(world: World) -> None:
    world.partner.replies["send"] = (422, {"message": "unknown test"})
    response = world.http.post("/_sim/partner/orders",
                               json={"application_id": world.application_id,
                                     "partner_test_id": "nope"})  # fmt: skip
    assert response.status_code == 502
    body = response.json()
    assert body["status_code"] == 422 and body["body"] == {"message": "unknown test"}
    assert body["order"]["state"] == "failed"
    unknown = {"application_id": 1, "partner_test_id": "12345"}
    assert world.http.post("/_sim/partner/orders", json=unknown).status_code == 404


def test_the_kit_faults_apply_to_the_callback(world: World) -> None:
    order = _order(world)
    url = world.partner.calls("send")[0]["body"]["url"]
    burst = {"burst_429": {"every": 2, "length": 1, "retry_after": 0}}
    assert world.http.post("/_sim/faults", json=burst).status_code == 200
    statuses = [world.http.patch(url, headers={"Authorization": BASIC}) for _ in range(2)]
    assert [r.status_code for r in statuses] == [200, 429]
    assert statuses[1].headers["Retry-After"] == "0"
    world.http.post("/_sim/faults", json={"error_rate": 1})
    assert world.http.patch(url, headers={"Authorization": BASIC}).status_code in (500, 502, 503)
    world.http.post("/_sim/faults", json={})
    assert world.http.patch(url, headers={"Authorization": BASIC}).status_code == 200
    assert _wait(world, order["id"], lambda o: o["state"] == "completed")["callbacks"] == 2


def test_reset_forgets_the_partner_and_its_orders(world: World) -> None:
    _order(world)
    assert world.http.post("/_sim/reset", json={}).status_code == 204
    assert world.http.get("/_sim/partner").json() is None
    assert world.http.get("/_sim/partner/orders").json() == []
