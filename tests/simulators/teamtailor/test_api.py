"""The Teamtailor simulator's API as documented: token auth and the version header,
JSON:API documents, pages through links.next, the updated-at filter, include, writes."""

from __future__ import annotations

import time
from typing import Any

from tests.simulators.teamtailor.conftest import KEY, VERSION, Env


def _titles(env: Env, params: dict[str, Any]) -> tuple[list[str], int]:
    """Every job title, following links.next; and how many pages it took."""
    response = env.api.get("/v1/jobs", params=params)
    titles, pages = [], 0
    while True:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/vnd.api+json")
        body = response.json()
        titles += [r["attributes"]["title"] for r in body["data"]]
        pages += 1
        if "next" not in body["links"]:
            return titles, pages
        assert body["links"]["next"].startswith(env.url + "/v1/jobs?")  # a full URL
        response = env.api.get(body["links"]["next"])


def test_a_wrong_key_or_scheme_is_refused_with_a_json_api_error(env: Env) -> None:
    for authorization in ("Token token=wrong", f"Bearer {KEY}", ""):
        answer = env.http.get(
            "/v1/jobs", headers={"Authorization": authorization, "X-Api-Version": VERSION}
        )
        assert answer.status_code == 401
        (error,) = answer.json()["errors"]
        assert error["status"] == "401" and error["title"] == "Unauthorized"
        assert "x-rate-limit-remaining" not in answer.headers
    missing = env.http.get("/v1/jobs", headers={"Authorization": f"Token token={KEY}"})
    assert missing.status_code == 406
    quoted = env.http.get(
        "/v1/jobs", headers={"Authorization": f'Token token="{KEY}"', "X-Api-Version": VERSION}
    )
    assert quoted.status_code == 200


def test_pages_follow_links_next_to_the_end(env: Env) -> None:
    for n in range(7):
        env.sim.create_job(title=f"Job {n}", body="")
    titles, pages = _titles(env, {"page[size]": "3"})
    assert titles == [f"Job {n}" for n in range(7)] and pages == 3
    first = env.api.get("/v1/jobs", params={"page[size]": "3"}).json()
    assert first["meta"] == {"record-count": 7, "page-count": 3}
    assert env.api.get("/v1/jobs", params={"page[size]": "31"}).status_code == 400
    assert env.api.get("/v1/jobs", params={"per_page": "3"}).status_code == 400


def test_the_updated_at_filter_lists_only_what_changed(env: Env) -> None:
    old = env.sim.create_job(title="Old", body="")
    env.sim.create_job(title="Untouched", body="")
    time.sleep(0.01)
    since = env.sim.clock.stamp()
    env.sim.update_job(old["id"], title="Renamed")
    env.sim.create_job(title="New", body="", status="draft")
    titles, _ = _titles(env, {"filter[updated-at][from]": since})
    assert titles == ["Renamed", "New"]
    open_only, _ = _titles(env, {"filter[updated-at][from]": since, "filter[status]": "open"})
    assert open_only == ["Renamed"]
    bad = env.api.get("/v1/jobs", params={"filter[updated-at][from]": "yesterday"})
    assert bad.status_code == 400


def test_an_application_relates_to_its_stage_and_include_brings_it(env: Env) -> None:
    job = env.sim.create_job(title="Engineer", body="")
    app = env.sim.create_application(job["id"], first_name="Ada", last_name="L", email="a@x.io")
    one = env.api.get(f"/v1/job-applications/{app['id']}", params={"include": "stage"}).json()
    relationships = one["data"]["relationships"]
    assert relationships["job"]["data"] == {"id": job["id"], "type": "jobs"}
    assert "stage-name" not in one["data"]["attributes"]  # the stage is named by id only
    (stage,) = one["included"]
    assert stage["id"] == relationships["stage"]["data"]["id"]
    assert stage["attributes"]["name"] == "Inbox"


def test_a_patch_with_the_stage_relationship_moves_the_application(env: Env) -> None:
    job = env.sim.create_job(title="Engineer", body="")
    app = env.sim.create_application(job["id"], first_name="Ada", last_name="L", email="a@x.io")
    stage = env.sim.stage_named("Video Interview")
    body = {
        "data": {
            "id": app["id"],
            "type": "job-applications",
            "relationships": {"stage": {"data": {"id": stage["id"], "type": "stages"}}},
        }
    }
    moved = env.api.patch(f"/v1/job-applications/{app['id']}", json=body)
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["relationships"]["stage"]["data"]["id"] == stage["id"]
    done = env.sim.stage_named("Video Interview Completed")
    added = env.api.post(
        f"/v1/stages/{done['id']}/relationships/job-applications",
        json={"data": [{"type": "job-applications", "id": app["id"]}]},
    )
    assert added.status_code == 204
    assert env.sim.tables["job-applications"][app["id"]]["stage_id"] == done["id"]
    wrong = dict(body, data={**body["data"], "id": "999"})
    assert env.api.patch(f"/v1/job-applications/{app['id']}", json=wrong).status_code == 422


def test_a_note_is_created_on_a_candidate_and_listed_by_candidate(env: Env) -> None:
    candidate = env.sim.create_candidate(first_name="Ada", last_name="L", email="a@x.io")
    note = {
        "data": {
            "type": "notes",
            "attributes": {"note": "Rated 4/5"},
            "relationships": {"candidate": {"data": {"type": "candidates", "id": candidate["id"]}}},
        }
    }
    created = env.api.post("/v1/notes", json=note)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["attributes"]["note"] == "Rated 4/5"
    listed = env.api.get("/v1/notes", params={"filter[candidate]": candidate["id"]}).json()
    assert [n["attributes"]["note"] for n in listed["data"]] == ["Rated 4/5"]
    blank = {"data": {**note["data"], "attributes": {"note": " "}}}
    answer = env.api.post("/v1/notes", json=blank)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["source"] == {"pointer": "/data/attributes/note"}
