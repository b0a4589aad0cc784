"""The Greenhouse simulator's faults, control plane and seeded data."""

from __future__ import annotations

import time
from typing import Any

from simulators.greenhouse import GreenhouseSim
from tests.simulators.greenhouse.support import CLIENT, SECRET, Env, Receiver, follow

# Faults ---------------------------------------------------------------------------------------


def test_faults_are_seeded_and_repeatable(env: Env, receiver: tuple[Receiver, str]) -> None:
    api, http = env.api(), env.http

    def statuses(n: int) -> list[int]:
        return [api.get("/v3/users").status_code for _ in range(n)]

    assert http.post("/_sim/faults", json={"error_rate": 0.4, "seed": 42}).status_code == 200
    first = statuses(30)
    http.post("/_sim/faults", json={"error_rate": 0.4, "seed": 42})
    assert statuses(30) == first
    assert set(first) - {200} <= {500, 502, 503} and 200 in first and len(set(first)) > 1

    # Of every 5 requests, the last 2 are refused (the kit's burst, the same in every simulator).
    http.post("/_sim/faults", json={"burst_429": {"every": 5, "length": 2, "retry_after": 7}})
    responses = [api.get("/v3/users") for _ in range(10)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429, 200, 200, 200, 429, 429]
    assert responses[3].headers["retry-after"] == "7"
    assert "x-ratelimit-remaining" in responses[3].headers

    http.post("/_sim/faults", json={"latency_ms": 150})
    started = time.monotonic()
    assert api.get("/v3/users").status_code == 200
    assert time.monotonic() - started >= 0.15

    rec, url = receiver
    env.sim.register_webhook(url, "k")
    http.post("/_sim/faults", json={"drop_webhooks": 1.0, "seed": 1})
    for n in range(3):
        env.sim.create_job(name=f"Job {n}")
    assert env.sim.wait_for_deliveries(5)
    assert [d["status"] for d in env.sim.deliveries()] == [
        "delivered",
        "dropped",
        "dropped",
        "dropped",
    ]
    assert [b["action"] for b in rec.bodies()] == ["ping"]
    assert http.get("/_sim/faults").json()["injected"]["dropped_webhooks"] == 3


# Control plane and data -----------------------------------------------------------------------


def test_control_plane_over_http(env: Env) -> None:
    http = env.http
    seeded = http.post(
        "/_sim/seed", json={"jobs": 2, "applications_per_job": 3, "candidates": 2}
    ).json()
    assert seeded["jobs"]["count"] == 2 and seeded["applications"]["count"] == 6
    job = http.post(
        "/_sim/jobs",
        json={"name": "Recruiter", "status": "draft", "stages": ["Screen", "Video Interview"]},
    )
    assert job.status_code == 201 and job.json()["opened_at"] is None
    opened = http.patch(f"/_sim/jobs/{job.json()['id']}", json={"status": "open"}).json()
    assert opened["opened_at"] is not None and opened["updated_at"] > job.json()["updated_at"]
    assert http.post("/_sim/jobs", json={"name": "X", "colour": "red"}).status_code == 422
    assert http.patch("/_sim/jobs/1", json={"name": "X"}).status_code == 404
    user = http.post(
        "/_sim/users",
        json={
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "site_admin": True,
        },
    ).json()
    assert user["name"] == "Grace Hopper" and user["primary_email"] == "grace@example.com"
    assert http.patch(f"/_sim/users/{user['id']}", json={"deactivated": True}).json()["deactivated"]
    refused = http.post(
        "/token",
        auth=(CLIENT, SECRET),
        data={"grant_type": "client_credentials", "sub": str(user["id"])},
    )
    assert refused.status_code == 400
    state = http.get("/_sim/state").json()
    assert {
        "jobs",
        "candidates",
        "applications",
        "users",
        "notes",
        "job_interview_stages",
        "tokens",
        "deliveries",
        "webhooks",
        "faults",
        "config",
    } <= set(state)
    assert len(state["job_interview_stages"]) == 2 * 6 + 2
    assert http.post("/_sim/reset").status_code == 204
    assert http.get("/_sim/state").json()["jobs"] == []
    assert (
        http.post("/_sim/clients", json={"client_id": "other", "client_secret": "x"}).status_code
        == 201
    )


def test_seed_data_is_deterministic() -> None:
    def dump(seed: int) -> dict[str, Any]:
        sim = GreenhouseSim(seed=seed)
        sim.seed_data(users=4, jobs=3, candidates=5, applications_per_job=4)
        state = sim.state()
        return {
            k: [{f: r[f] for f in r if not f.endswith("_at")} for r in state[k]]
            for k in ("users", "jobs", "candidates", "applications")
        }

    assert dump(5) == dump(5)
    assert dump(5) != dump(6)
    emails = [c["email_addresses"][0]["value"] for c in dump(5)["candidates"]]
    assert len(set(emails)) == len(emails)


def test_ten_thousand_applications_list_quickly(env: Env) -> None:
    env.sim.seed_data(jobs=200, applications_per_job=50)
    api = env.api()
    started = time.monotonic()
    total = sum(len(r.json()) for r in follow(api, "/v3/applications", {"per_page": 500}))
    assert total == 10_000
    assert time.monotonic() - started < 5
