"""The assessment-partner surface end to end, on SQLite and PostgreSQL: the Greenhouse
simulator plays Greenhouse (lists the tests, places an order, receives the PATCH, asks
test_status), Connector hosts the spec's routes, and the suite simulator records the
interview.

An order becomes an invitation in the suite; the same order again answers the same
partner_interview_id; the interview recorded and rated comes back as "complete" with a
score and a signed results page; wrong or missing keys get 401 and write nothing.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.store.inbox import Inbox
from engine.store.partner_keys import PartnerKeys
from engine.web.app import create_app
from engine.web.registration import register_suite
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.conftest import clean_postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class Stage:
    world: World
    engine_url: str
    key: str
    gh: httpx.Client  # the Greenhouse simulator's control routes
    inbox: Inbox

    @property
    def base(self) -> str:
        return f"{self.engine_url}/partner/{TENANT}/greenhouse"

    def order(self, application_id: int, test_id: str) -> httpx.Response:
        body = {"application_id": application_id, "partner_test_id": test_id}
        return self.gh.post("/_sim/partner/orders", json=body)

    def wait_result(self, order_id: int, check: Any, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.gh.get(f"/_sim/partner/orders/{order_id}").json()["result"] or {}
            if check(result):
                return dict(result)
            time.sleep(0.05)
        raise AssertionError(f"order {order_id}'s result never matched: {result}")

    def idle(self, timeout: float = 20.0) -> dict[str, int]:
        """The inbox once nothing in it is left to do."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            depth = self.inbox.depth()
            if not depth.get("pending") and not depth.get("processing"):
                return depth
            time.sleep(0.05)
        return self.inbox.depth()

    def wait_order(self, order_id: int, state: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            order: dict[str, Any] = self.gh.get(f"/_sim/partner/orders/{order_id}").json()
            if order["state"] == state:
                return order
            time.sleep(0.05)
        raise AssertionError(f"order {order_id} never reached {state}: {order}")


@pytest.fixture(params=["sqlite", "postgres"])
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    if url is not None:
        clean_postgres(url)
    port = _free_port()
    engine_url = f"http://127.0.0.1:{port}"
    with World(tmp_path, database_url=url) as world:
        world.suite.settings.webhook_backoff = 0.02
        runtime = world.runtime()
        key = PartnerKeys(runtime.engine).issue(TENANT, label="greenhouse")
        config = world.config_path.read_text(encoding="utf-8")
        config = config.replace(
            "      webhook_secret: gh-hook",
            f"      partner_key: {key}\n      webhook_secret: gh-hook",
            1,
        )
        world.config_path.write_text(config + f"server:\n  public_url: {engine_url}\n")
        runtime = world.runtime()
        app = create_app(runtime, worker=True)
        with LoopbackServer(app, port=port), httpx.Client(base_url=world.greenhouse_server.url,
                                                           timeout=20) as gh:  # fmt: skip
            asyncio.run(register_suite(runtime.tenant(TENANT), engine_url))
            base = f"{engine_url}/partner/{TENANT}/greenhouse"
            configured = gh.post("/_sim/partner", json={
                "list_tests_url": f"{base}/list_tests", "send_test_url": f"{base}/send_test",
                "test_status_url": f"{base}/test_status",
                "response_error_url": f"{base}/response_error", "api_key": key,
            })  # fmt: skip
            assert configured.status_code in (200, 201), configured.text
            yield Stage(world, engine_url, key, gh, Inbox(runtime.engine))


def _project(stage: Stage, name: str) -> dict[str, Any]:
    return stage.world.company.create("project", {"name": name})


def test_an_order_becomes_an_invitation_and_comes_back_completed_with_a_score(
    stage: Stage,
) -> None:
    company, gh = stage.world.company, stage.world.greenhouse
    test = _project(stage, "Backend Engineer interview")
    listed = stage.gh.post("/_sim/partner/tests").json()
    assert {"partner_test_id": test["id"], "partner_test_name": test["name"]} in listed

    application = gh.create_application(
        job_id=gh.create_job(name="Backend Engineer", status="open")["id"],
        candidate={"first_name": "Ada", "last_name": "Lovelace",
                   "email_addresses": [{"value": "ada@example.com", "type": "personal"}]},
    )  # fmt: skip
    placed = stage.order(application["id"], test["id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    (invitation,) = company.invitations.values()
    assert order["partner_interview_id"] == invitation["id"]
    assert invitation["project_id"] == test["id"] and invitation["status"] == "invited"
    assert company.candidates[invitation["candidate_id"]]["email"] == "ada@example.com"

    again = stage.order(application["id"], test["id"]).json()  # the same order, again
    assert again["partner_interview_id"] == order["partner_interview_id"]
    assert len(company.invitations) == 1

    company.complete_invitation(invitation["id"], stage.world.suite_server.url)
    done = stage.wait_order(order["id"], "completed")  # the PATCH came, then test_status
    assert done["result"]["partner_status"] == "complete"
    assert done["result"]["partner_score"] is None  # not rated yet
    company.create("rating", {"invitation_id": invitation["id"], "score": 4,
                              "evaluator_name": "Grace Hopper", "comment": "Clear"})  # fmt: skip
    result = stage.wait_result(order["id"], lambda r: r.get("partner_score") == 80)
    profile = result["partner_profile_url"]
    assert profile.startswith(f"{stage.base}/results/{invitation['id']}?token=")
    page = httpx.get(profile)
    assert page.status_code == 200 and "Grace Hopper" in page.text and "4/5" in page.text
    assert httpx.get(profile.split("?")[0] + "?token=forged").status_code == 401
    depth = stage.idle()  # every suite event and the callbacks themselves: done, none failed
    assert depth.get("done", 0) >= 3 and set(depth) == {"done"}, depth
    callbacks = [e for e in stage.inbox.list(status="done") if e.source == "partner"]
    assert len(callbacks) == 2  # completed, then rated: one per state, each once


def test_wrong_or_missing_partner_keys_get_401_and_write_nothing(stage: Stage) -> None:
    test = _project(stage, "Designer interview")
    body = {"partner_test_id": test["id"], "url": "https://example.com/cb",
            "candidate": {"first_name": "Alan", "last_name": "Turing", "email": "alan@example.com"}}  # fmt: skip
    wrong = "Basic " + base64.b64encode(b"cpk_not-a-key:").decode()
    other_scheme = f"Bearer {stage.key}"
    for headers in ({}, {"Authorization": wrong}, {"Authorization": other_scheme}):
        answer = httpx.post(f"{stage.base}/send_test", json=body, headers=headers)
        assert answer.status_code == 401, answer.text
        assert "WWW-Authenticate" in answer.headers
    assert stage.world.company.invitations == {}
    right = {"Authorization": "Basic " + base64.b64encode(f"{stage.key}:".encode()).decode()}
    status = httpx.get(f"{stage.base}/test_status", params={"partner_interview_id": "inv_nope"},
                       headers=right)  # fmt: skip
    assert status.status_code == 404
    bad = httpx.post(f"{stage.base}/send_test", json={"partner_test_id": test["id"]},
                     headers=right)  # fmt: skip
    assert bad.status_code == 422 and "email" in bad.json()["error"]
    assert stage.world.company.invitations == {}
