"""Harvest v3 writes over real HTTP: moves, notes, and the rate limit."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.simulators.greenhouse.support import Env

# Writes ---------------------------------------------------------------------------------------


def test_move_advances_or_moves_to_a_stage(env: Env) -> None:
    sim = env.sim
    job = sim.create_job(name="Backend Engineer")
    other = sim.create_job(name="Designer")
    app = sim.create_application(
        job_id=job["id"],
        candidate={"first_name": "Ada", "last_name": "L"},
        stage_name="Phone Screen",
    )
    api = env.api()

    def stage_ids(job_id: int) -> dict[str, int]:
        listed = api.get("/v3/job_interview_stages", params={"job_ids": job_id}).json()
        return {stage["name"]: stage["id"] for stage in listed}

    stages = stage_ids(job["id"])
    move = f"/v3/applications/{app['id']}/move"

    advanced = api.post(move)
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["stage_name"] == "Video Interview"
    assert advanced.json()["stage_id"] == stages["Video Interview"]
    assert advanced.json()["updated_at"] > app["updated_at"]
    assert api.post(move, json={}).json()["stage_name"] == "Video Interview Completed"
    moved = api.post(
        move,
        json={"to_stage_id": stages["Offer"], "from_stage_id": stages["Video Interview Completed"]},
    )
    assert moved.json()["job_interview_stage_id"] == stages["Offer"]
    listed = api.get("/v3/applications", params={"ids": app["id"]}).json()[0]
    assert listed["stage_name"] == "Offer"

    other_stage = stage_ids(other["id"])["Application Review"]
    for body in (
        {},  # already in the last stage
        {"to_stage_id": stages["Offer"]},  # already there
        {"to_stage_id": other_stage},  # a stage of another job
        {"to_stage_id": "5"},
        {"stage_id": stages["Onsite"]},  # not a field of move
        {"from_stage_id": stages["Onsite"], "to_stage_id": stages["Onsite"]},
    ):
        assert api.post(move, json=body).status_code == 422, body
    sim.update_application(app["id"], status="rejected")
    assert api.post(move, json={"to_stage_id": stages["Onsite"]}).status_code == 422
    assert api.post("/v3/applications/1/move").status_code == 404


@pytest.mark.parametrize(
    ("visibility", "stored"),
    [
        ("public", "publicly_visible"),
        ("private", "privately_visible"),
        ("admin_only", "admin_only_visible"),
        (None, "admin_only_visible"),
    ],
)
def test_notes_store_the_long_visibility(env: Env, visibility: str | None, stored: str) -> None:
    sim = env.sim
    job = sim.create_job(name="Backend Engineer")
    app = sim.create_application(
        job_id=job["id"], candidate={"first_name": "Ada", "last_name": "L"}
    )
    sub = list(sim.users)[1]
    api = env.api(env.token(sub))
    body: dict[str, Any] = {
        "candidate_id": app["candidate_id"],
        "application_id": app["id"],
        "body": "Rated 4/5",
        "note_type": "NOTE",
        "user_id": None,
    }
    if visibility:
        body["visibility"] = visibility
    response = api.post("/v3/notes", json=body)
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["visibility"] == stored
    assert note["user_id"] == sub  # no user_id: the token's user
    assert note["type"] == "NOTE"
    listed = api.get("/v3/notes", params={"candidate_ids": app["candidate_id"]}).json()
    assert [n["id"] for n in listed] == [note["id"]]
    assert env.http.get("/_sim/state").json()["notes"][0]["body"] == "Rated 4/5"


def test_note_validation_and_immutability(env: Env) -> None:
    sim = env.sim
    job = sim.create_job(name="Backend Engineer")
    first = sim.create_application(
        job_id=job["id"], candidate={"first_name": "A", "last_name": "B"}
    )
    second = sim.create_application(
        job_id=job["id"], candidate={"first_name": "C", "last_name": "D"}
    )
    api = env.api()
    base = {"candidate_id": first["candidate_id"], "body": "hello"}
    for body in (
        {**base, "candidate_id": 1},
        {**base, "application_id": second["id"]},
        {**base, "visibility": "publicly_visible"},
        {**base, "note_type": "EMAIL"},
        {**base, "body": ""},
        {"body": "no candidate"},
        {**base, "user_id": 42},
    ):
        assert api.post("/v3/notes", json=body).status_code == 422, body
    note = api.post("/v3/notes", json=base).json()
    assert api.patch(f"/v3/notes/{note['id']}", json={"body": "x"}).status_code == 404
    assert api.delete("/v3/notes").status_code == 405


# Rate limit -----------------------------------------------------------------------------------


def test_rate_limit_headers_and_429(env: Env) -> None:
    env.sim.configure(rate_limit=3)
    api, other = env.api(), env.api()
    now = time.time()
    remaining = []
    for _ in range(3):
        response = api.get("/v3/users")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert now + 9 <= int(response.headers["x-ratelimit-reset"]) <= now + 12
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    throttled = api.get("/v3/users")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 10
    assert throttled.headers["x-ratelimit-remaining"] == "0"
    assert other.get("/v3/users").status_code == 200  # the window is per token
    assert env.sim.state()["api"]["rate_limited"] == 1
