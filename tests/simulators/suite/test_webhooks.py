"""The suite simulator's Standard Webhooks: signed, retried with the same id, dropped, over HTTPS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.serving import LoopbackServer
from simulators.suite.state import SuiteState
from tests.simulators.suite.support import Signer, Tenant, TlsFiles, _candidate

# --- webhooks -----------------------------------------------------------------------------


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Connector's webhook endpoint, stood in: records what arrives, fails when told to."""

    received: list[Hook] = field(default_factory=list)
    refused: list[Hook] = field(default_factory=list)
    fail_next: int = 0
    url: str = ""

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            message = Hook(dict(request.headers), await request.body())
            if self.fail_next:
                self.fail_next -= 1
                self.refused.append(message)
                return Response(status_code=503, headers={"connection": "close"})
            self.received.append(message)
            # Closing each connection lets a receiver stop without TLS sessions left open.
            return JSONResponse({"ok": True}, headers={"connection": "close"})

        return Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])

    def wait(self, count: int, timeout: float = 5.0) -> list[Hook]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} arrived"
            time.sleep(0.01)
        return self.received


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[tuple[Receiver, LoopbackServer]]:
    receiver = Receiver()
    with LoopbackServer(receiver.app()) as server:
        receiver.url = server.url
        yield receiver, server


@pytest.fixture
def receiver(receiver_server: tuple[Receiver, LoopbackServer]) -> Receiver:
    receiver = receiver_server[0]
    receiver.received.clear()
    receiver.refused.clear()
    receiver.fail_next = 0
    return receiver


def verify(secret: str, hook: Hook) -> bool:
    """Standard Webhooks verification, done independently of the simulator's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, stamp = hook.headers["webhook-id"], hook.headers["webhook-timestamp"]
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + hook.body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    fresh = abs(time.time() - int(stamp)) < 300
    return fresh and any(
        hmac.compare_digest(s, expected) for s in hook.headers["webhook-signature"].split()
    )


ALL_EVENTS = [
    "project.updated", "project.deleted", "candidate.updated", "candidate.deleted",
    "invitation.updated", "invitation.completed", "rating.created", "rating.updated",
    "rating.deleted",
]  # fmt: skip


def subscribe(t: Tenant, url: str, events: list[str]) -> dict[str, Any]:
    created = t.api.post("/webhooks", json={"url": url, "events": events})
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_webhooks_are_signed_and_sent_for_every_change(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState, receiver: Receiver
) -> None:
    hook = subscribe(acme, f"{receiver.url}/hooks/all", ALL_EVENTS)
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"][6:])) == 24
    ping = receiver.wait(1)[0]
    assert ping.json["type"] == "webhook.ping"
    assert ping.json["data"]["id"] == hook["id"]
    assert verify(hook["secret"], ping)
    narrow = subscribe(acme, f"{receiver.url}/hooks/ratings", ["rating.created"])
    listed = acme.api.get("/webhooks").json()["data"]
    assert [w["id"] for w in listed] == [hook["id"], narrow["id"]]
    assert "secret" not in listed[0]

    project = acme.api.post("/projects", json={"name": "Engineer"}).json()
    acme.api.post(f"/projects/{project['id']}/questions", json={"text": "Why?"})  # no event
    acme.api.patch(f"/projects/{project['id']}", json={"name": "Engineer II"})
    acme.api.patch(f"/projects/{project['id']}", json={"name": "Engineer II"})  # no change
    candidate = _candidate(acme)
    invitation = acme.api.post(
        "/invitations", json={"project_id": project["id"], "candidate_id": candidate}
    ).json()["id"]
    http.post(f"{url}/_sim/invitations/{invitation}/complete")
    evaluation = {"invitation_id": invitation, "score": 5, "evaluator_email": "eve@acme.test"}
    rating = http.post(f"{url}/_sim/ratings", json=evaluation).json()
    assert rating["evaluator_name"] == "Eve Evaluator"
    acme.api.patch(f"/ratings/{rating['id']}", json={"comment": "hire"})
    acme.api.delete(f"/ratings/{rating['id']}")
    acme.api.delete(f"/candidates/{candidate}")
    acme.api.delete(f"/projects/{project['id']}")
    sim.webhooks.wait_idle()

    for message in receiver.received:
        assert message.headers["webhook-id"].startswith("msg_")
        assert message.headers["content-type"] == "application/json"
    everything = [m for m in receiver.received if verify(hook["secret"], m)]
    for_narrow = [m for m in receiver.received if verify(narrow["secret"], m)]
    assert len(everything) + len(for_narrow) == len(receiver.received)  # all signed
    assert Counter(m.json["type"] for m in everything) == {
        "webhook.ping": 1,
        "project.updated": 2,
        "candidate.updated": 1,
        "invitation.updated": 2,
        "invitation.completed": 1,
        "rating.created": 1,
        "rating.updated": 1,
        "rating.deleted": 1,
        "candidate.deleted": 1,
        "project.deleted": 1,
    }
    assert Counter(m.json["type"] for m in for_narrow) == {"webhook.ping": 1, "rating.created": 1}
    assert len({m.headers["webhook-id"] for m in receiver.received}) == len(receiver.received)
    deleted = next(m.json for m in everything if m.json["type"] == "project.deleted")
    assert deleted["data"] == {"id": project["id"]}
    completed = next(m.json for m in everything if m.json["type"] == "invitation.completed")
    assert completed["data"]["status"] == "completed"
    assert completed["data"]["answers_url"].endswith(invitation)
    updated = next(m.json for m in everything if m.json["type"] == "project.updated")
    assert updated["data"]["deep_link"] == f"{url}/app/projects/{project['id']}"
    assert updated["timestamp"].endswith("Z")


def test_webhooks_retry_with_the_same_id(acme: Tenant, sim: SuiteState, receiver: Receiver) -> None:
    hook = subscribe(acme, f"{receiver.url}/hooks/flaky", ["project.updated"])
    receiver.wait(1)
    receiver.fail_next = 2
    acme.api.post("/projects", json={"name": "Engineer"})
    message = receiver.wait(2)[1]
    assert [m.headers["webhook-id"] for m in receiver.refused] == [
        message.headers["webhook-id"]
    ] * 2
    assert all(verify(hook["secret"], m) for m in [*receiver.refused, message])
    sim.webhooks.wait_idle()
    log = [d for d in sim.webhooks.dump() if d["type"] == "project.updated"]
    assert log == [{**log[0], "attempts": 3, "last_status": 200, "state": "delivered"}]


def test_webhooks_give_up_after_the_last_attempt(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState, receiver: Receiver
) -> None:
    http.post(f"{url}/_sim/settings", json={"webhook_attempts": 3})
    receiver.fail_next = 100
    subscribe(acme, f"{receiver.url}/hooks/down", ["project.updated"])
    sim.webhooks.wait_idle()
    deliveries = http.get(f"{url}/_sim/state").json()["deliveries"]
    assert [(d["type"], d["attempts"], d["last_status"], d["state"]) for d in deliveries] == [
        ("webhook.ping", 3, 503, "failed")
    ]


def test_webhooks_can_be_dropped_and_deleted(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState, receiver: Receiver
) -> None:
    hook = subscribe(acme, f"{receiver.url}/hooks/lossy", ["project.updated"])
    receiver.wait(1)
    http.post(f"{url}/_sim/faults", json={"drop_webhooks": 1.0})
    for i in range(3):
        acme.api.post("/projects", json={"name": f"P{i}"})
    sim.webhooks.wait_idle()
    time.sleep(0.05)
    assert len(receiver.received) == 1
    states = Counter(d["state"] for d in sim.webhooks.dump())
    assert states == {"delivered": 1, "dropped": 3}
    assert acme.api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert acme.api.get("/webhooks").json()["data"] == []


def test_webhooks_to_a_self_signed_https_receiver(
    acme: Tenant, sim: SuiteState, signer: Signer, tmp_path: Path
) -> None:
    (tmp_path / "cert.pem").write_text(signer.cert)
    (tmp_path / "key.pem").write_text(signer.key)
    receiver = Receiver()
    tls: TlsFiles = {
        "ssl_certfile": str(tmp_path / "cert.pem"),
        "ssl_keyfile": str(tmp_path / "key.pem"),
    }
    with LoopbackServer(receiver.app(), **tls) as server:
        assert server.url.startswith("https://")
        hook = subscribe(acme, f"{server.url}/hooks/tls", ["project.updated"])
        assert verify(hook["secret"], receiver.wait(1)[0])
