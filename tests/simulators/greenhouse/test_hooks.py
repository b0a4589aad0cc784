"""Greenhouse webhooks over real HTTP: signed and shaped like Greenhouse, retried, over HTTPS."""

from __future__ import annotations

import json
from pathlib import Path

from engine.commands.serve import self_signed
from simulators.serving import LoopbackServer
from tests.simulators.greenhouse.support import Env, Receiver, verify

# Webhooks -------------------------------------------------------------------------------------


def test_webhooks_are_signed_and_shaped_like_greenhouse(
    env: Env, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    sim, http = env.sim, env.http
    hook = http.post("/_sim/webhooks", json={"url": url, "secret": "s3cr3t"})
    assert hook.status_code == 201
    assert http.get("/_sim/webhooks").json() == [hook.json()]
    assert sim.wait_for_deliveries(5)
    job = http.post("/_sim/jobs", json={"name": "Data <Scientist> & co"}).json()
    http.patch(f"/_sim/jobs/{job['id']}", json={"status": "closed"})
    app = http.post(
        "/_sim/applications",
        json={
            "job_id": job["id"],
            "candidate": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        },
    ).json()
    moved = http.post(
        f"/_sim/applications/{app['id']}/stage", json={"stage_name": "Video Interview"}
    )
    assert moved.json()["stage_name"] == "Video Interview"
    assert moved.json()["updated_at"] > app["updated_at"]
    api = env.api()
    api.post(f"/v3/applications/{app['id']}/move")  # API writes fire too
    http.delete(f"/_sim/applications/{app['id']}")
    http.delete(f"/_sim/candidates/{app['candidate_id']}")
    http.delete(f"/_sim/jobs/{job['id']}")
    assert http.post("/_sim/deliveries/drain", json={"timeout": 5}).json()["idle"]

    actions = [body["action"] for body in rec.bodies()]
    assert actions == [
        "ping",
        "job_created",
        "job_updated",
        "new_candidate_application",
        "candidate_stage_change",
        "candidate_stage_change",
        "delete_application",
        "delete_candidate",
        "job_deleted",
    ]
    for headers, body in rec.requests:
        assert verify(headers, body, "s3cr3t")
        assert headers["content-type"] == "application/json"
    assert b"<" not in b"".join(body for _, body in rec.requests)  # escaped before signing
    event_ids = [headers["greenhouse-event-id"] for headers, _ in rec.requests]
    assert len(set(event_ids)) == len(event_ids)

    bodies = rec.bodies()
    assert bodies[0]["payload"]["web_hook"]["id"] == hook.json()["id"]
    assert bodies[1]["payload"]["job"]["id"] == job["id"]
    assert bodies[1]["payload"]["job"]["name"] == "Data <Scientist> & co"
    assert bodies[2]["payload"]["job"]["status"] == "closed"
    stage_change = bodies[4]["payload"]["application"]
    assert stage_change["id"] == app["id"]
    assert stage_change["status"] == "active"
    assert stage_change["current_stage"]["name"] == "Video Interview"
    assert stage_change["candidate"]["id"] == app["candidate_id"]
    assert stage_change["candidate"]["email_addresses"] == [
        {"value": "ada@example.com", "type": "personal"}
    ]
    assert stage_change["jobs"][0]["id"] == job["id"]
    assert (
        bodies[5]["payload"]["application"]["current_stage"]["name"] == "Video Interview Completed"
    )
    assert bodies[6]["payload"]["application"]["id"] == app["id"]
    assert bodies[7]["payload"]["person"]["id"] == app["candidate_id"]
    assert bodies[8]["payload"]["job"] == {"id": job["id"], "name": job["name"]}
    log = http.get("/_sim/state").json()["deliveries"]
    assert {d["status"] for d in log} == {"delivered"}
    assert [d["event_id"] for d in log] == event_ids


def test_application_changes_fire_their_events(env: Env, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    sim = env.sim
    job = sim.create_job(name="Backend Engineer")
    app = sim.create_application(job_id=job["id"], candidate={"first_name": "A", "last_name": "B"})
    sim.register_webhook(
        url,
        "k",
        events=[
            "reject_candidate",
            "unreject_candidate",
            "update_candidate",
            "application_updated",
        ],
    )
    sim.update_application(app["id"], status="rejected")
    sim.update_application(app["id"], status="in_process")
    sim.update_candidate(app["candidate_id"], title="Engineer")
    sim.set_stage(app["id"], stage_name="Onsite")  # candidate_stage_change: not subscribed
    assert sim.wait_for_deliveries(5)
    bodies = rec.bodies()
    assert [b["action"] for b in bodies] == [
        "ping",
        "reject_candidate",
        "application_updated",
        "unreject_candidate",
        "application_updated",
        "update_candidate",
    ]
    assert bodies[1]["payload"]["application"]["status"] == "rejected"
    assert bodies[1]["payload"]["application"]["rejected_at"].endswith("Z")
    assert bodies[3]["payload"]["application"]["status"] == "active"
    assert bodies[5]["payload"]["candidate"]["title"] == "Engineer"


def test_webhook_is_retried_after_receiver_failures(
    env: Env, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    sim = env.sim
    sim.register_webhook(url, "k")
    assert sim.wait_for_deliveries(5)
    rec.fail_next = 2
    job = sim.create_job(name="Backend Engineer")
    assert sim.wait_for_deliveries(5)
    event = [r for r in rec.requests if json.loads(r[1])["action"] == "job_created"]
    assert len(event) == 3
    assert len({headers["greenhouse-event-id"] for headers, _ in event}) == 1
    assert all(verify(headers, body, "k") for headers, body in event)
    delivery = sim.deliveries()[-1]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert json.loads(delivery["body"])["payload"]["job"]["id"] == job["id"]

    sim.configure(webhook_retry_delays=[0.01, 0.01])
    rec.fail_next = 10
    sim.update_job(job["id"], name="Staff Backend Engineer")
    assert sim.wait_for_deliveries(5)
    assert sim.deliveries()[-1]["status"] == "failed"
    assert len(sim.deliveries()[-1]["attempts"]) == 3


def test_failed_ping_disables_the_webhook(env: Env) -> None:
    sim = env.sim
    hook = sim.register_webhook("http://127.0.0.1:9/nowhere", "k")
    assert sim.wait_for_deliveries(5)
    assert sim.state()["webhooks"][0]["active"] is False
    sim.create_job(name="Backend Engineer")
    assert [d["action"] for d in sim.deliveries()] == ["ping"]
    assert sim.deliveries()[0]["status"] == "failed"
    assert hook["active"] is True  # as created, before the ping


def test_webhooks_to_self_signed_https(env: Env, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "127.0.0.1")  # the one connector serve --https makes
    rec = Receiver()
    with LoopbackServer(rec.app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
        assert server.url.startswith("https://")
        env.sim.register_webhook(server.url + "/hook", "k")
        assert env.sim.wait_for_deliveries(5)
    assert rec.bodies()[0]["action"] == "ping"
    assert env.sim.deliveries()[0]["status"] == "delivered"
