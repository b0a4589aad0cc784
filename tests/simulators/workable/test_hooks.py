"""Workable's subscriptions: one event per target (a taken target is a 409), ``args``
filters by job and stage, and each delivery is signed with X-Workable-Signature, the hex
HMAC-SHA256 of the raw body keyed with the account token."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from simulators.workable import WorkableSim
from tests.simulators.loopback import Receiver
from tests.simulators.workable.conftest import TOKEN


def test_a_delivery_is_signed_with_the_account_token(
    sim: WorkableSim, api: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    made = api.post("/subscriptions", json={"target": url, "event": "candidate_created"})
    assert made.status_code == 201 and isinstance(made.json()["id"], int)
    job = sim.create_job(title="A")["shortcode"]
    ada = sim.create_candidate(job, "Ada", "Lovelace", "ada@example.com")
    assert sim.dispatcher.wait_idle(5)
    ((headers, body),) = rec.requests
    expected = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-workable-signature"], expected)
    (delivery,) = rec.bodies()
    assert delivery["event_type"] == "candidate_created"
    assert (delivery["data"]["id"], delivery["data"]["job"]["shortcode"]) == (ada["id"], job)


def test_a_target_is_subscribed_once(api: httpx.Client, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    body = {"target": url, "event": "candidate_moved"}
    assert api.post("/subscriptions", json=body).status_code == 201
    again = api.post("/subscriptions", json={**body, "event": "candidate_created"})
    assert (again.status_code, again.json()) == (409, {"error": "Target already registered"})
    assert [s["target"] for s in api.get("/subscriptions").json()["subscriptions"]] == [url]
    bad = api.post("/subscriptions", json={"target": url + "2", "event": "job_created"})
    assert bad.status_code == 422


def test_args_filter_by_job_and_stage(
    sim: WorkableSim, api: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    wanted, other = (sim.create_job(title=t)["shortcode"] for t in ("A", "B"))
    args = {"account_id": sim.subdomain, "job_shortcode": wanted, "stage_slug": "video-interview"}
    body = {"target": url, "event": "candidate_moved", "args": args}
    assert api.post("/subscriptions", json=body).status_code == 201
    partial = {**body, "target": url + "?2", "args": {"account_id": sim.subdomain}}
    assert api.post("/subscriptions", json=partial).status_code == 422
    for job in (wanted, other):
        candidate = sim.create_candidate(job, "Ada", "Lovelace", f"ada@{job}.example")
        sim.move(candidate["id"], "phone-screen")
        sim.move(candidate["id"], "video-interview")
    assert sim.dispatcher.wait_idle(5)
    ((_, body_bytes),) = rec.requests
    (delivery,) = rec.bodies()
    assert delivery["data"]["job"]["shortcode"] == wanted
    assert delivery["data"]["stage"] == "Video Interview" and body_bytes
