"""The BambooHR simulator's documented behaviour, over HTTP on loopback: basic auth with
the API key, applications paged by ``nextPageUrl`` until ``paginationComplete``, the
``newSince`` filter on submission time, the status and comment writes with their error
answers, the user list in JSON or XML, and the fault knobs (503 with Retry-After)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from simulators.bamboohr.app import create_app
from simulators.bamboohr.state import BambooSim, stamp
from simulators.kit.faults import Burst, Faults
from tests.simulators.loopback import served_sim

KEY = "bhr-test-key"
ATS = "/api/v1/applicant_tracking"


@dataclass
class Env:
    sim: BambooSim
    url: str
    http: httpx.Client


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[BambooSim, str]]:
    app = create_app(seed=1)
    app.state.sim.add_key(KEY)
    yield from served_sim(app)


@pytest.fixture
def env(served: tuple[BambooSim, str]) -> Iterator[Env]:
    sim, url = served
    sim.reset()
    sim.faults.reset()
    sim.page_size, sim.public_base_url = 100, None
    headers = {"Accept": "application/json"}
    with httpx.Client(base_url=url, auth=(KEY, "x"), headers=headers, timeout=10) as http:
        yield Env(sim, url, http)


def _applications(env: Env, count: int, applied: str | None = None) -> list[int]:
    job = env.sim.create_job(title="Engineer")
    return [
        env.sim.create_application(job["id"], first_name=f"A{n}", last_name="B",
                                   email=f"a{n}@example.com", applied=applied)["id"]
        for n in range(count)
    ]  # fmt: skip


def test_a_wrong_api_key_is_refused_with_a_401(env: Env) -> None:
    refused = httpx.get(f"{env.url}{ATS}/jobs", auth=("not-the-key", "x"))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert "Invalid API credentials" in refused.headers["x-bamboohr-error-message"]
    assert httpx.get(f"{env.url}{ATS}/jobs").status_code == 401  # no credentials at all
    assert env.http.get(f"{ATS}/jobs").status_code == 200  # any password with the key


def test_applications_page_through_next_page_url_until_complete(env: Env) -> None:
    ids = _applications(env, 5)
    env.sim.page_size = 2
    url: str | None = f"{ATS}/applications?jobId={env.sim.applications[ids[0]]['job_id']}"
    seen, pages = [], 0
    while url is not None:
        body = env.http.get(url).json()
        pages += 1
        seen += [a["id"] for a in body["applications"]]
        assert body["paginationComplete"] is (body["nextPageUrl"] is None)
        url = body["nextPageUrl"]
        if url is not None:
            assert url.startswith(env.url) and "jobId=" in url  # the filters carry on
    assert (seen, pages) == (ids, 3)


def test_new_since_filters_on_the_submission_time_only(env: Env) -> None:
    (old,) = _applications(env, 1, applied=stamp(time.time() - 3600))
    (new,) = _applications(env, 1)
    env.sim.set_status(old, 21)  # a status change does not make it new
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 600))
    body = env.http.get(f"{ATS}/applications", params={"newSince": since}).json()
    assert [a["id"] for a in body["applications"]] == [new]
    bad = env.http.get(f"{ATS}/applications", params={"newSince": "2024-01-01T13:00:00Z"})
    assert bad.status_code == 400 and "Y-m-d H:i:s" in bad.headers["x-bamboohr-error-message"]


def test_status_changes_and_comments_are_written(env: Env) -> None:
    (application,) = _applications(env, 1)
    changed = env.http.post(f"{ATS}/applications/{application}/status", json={"status": 21})
    assert changed.json()["type"] == "positionApplicantStatus"
    detail = env.http.get(f"{ATS}/applications/{application}").json()
    assert detail["status"]["label"] == "Video Interview" and detail["commentCount"] == 0

    unknown = env.http.post(f"{ATS}/applications/{application}/status", json={"status": 999})
    assert (unknown.status_code, unknown.content) == (400, b"")  # the message is a header
    assert unknown.headers["x-bamboohr-error-message"] == "Invalid status"
    assert unknown.headers["content-type"].startswith("text/html")

    made = env.http.post(f"{ATS}/applications/{application}/comments", json={"comment": "Good"})
    assert made.json()["type"] == "comment"
    assert env.http.get(f"{ATS}/applications/{application}").json()["commentCount"] == 1
    assert env.http.get(f"{ATS}/applications/424242").status_code == 404


def test_statuses_have_string_ids_and_users_come_keyed_by_id(env: Env) -> None:
    statuses = env.http.get(f"{ATS}/statuses").json()
    assert {"id": "21", "name": "Video Interview"}.items() <= statuses[-2].items()
    user = env.sim.create_user(first_name="Grace", last_name="Hopper", email="g@example.com")
    listed = env.http.get("/api/v1/meta/users").json()
    assert listed == {str(user["id"]): {**user}}
    xml = env.http.get("/api/v1/meta/users", headers={"Accept": "*/*"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert "<firstName>Grace</firstName>" in xml.text


def test_fault_knobs_answer_503_with_retry_after_and_5xx(env: Env) -> None:
    env.sim.faults.set(Faults(burst_429=Burst(every=2, length=1, retry_after=7)))
    first, second = env.http.get(f"{ATS}/jobs"), env.http.get(f"{ATS}/jobs")
    assert first.status_code == 200
    assert (second.status_code, second.headers["retry-after"]) == (503, "7")
    env.sim.faults.set(Faults(error_rate=1.0))
    assert env.http.get(f"{ATS}/jobs").status_code in (500, 502, 503)
    env.sim.faults.set(Faults(lost_responses=1.0))
    (application,) = _applications(env, 1)
    lost = env.http.post(f"{ATS}/applications/{application}/comments", json={"comment": "x"})
    assert lost.status_code == 502 and len(env.sim.comments) == 1  # applied, answer lost
    dump = httpx.get(f"{env.url}/_sim/faults").json()
    assert dump["injected"]["lost_responses"] == 1


def test_subscribe_sends_nothing_as_bamboohr_has_no_ats_webhooks(env: Env) -> None:
    from simulators.bamboohr.simulator import BambooHR

    app = create_app()
    BambooHR().subscribe(app, "http://127.0.0.1:9/hooks", "secret")
    BambooHR().open_job(app, "Engineer", "")
    assert app.state.sim.deliveries() == [] and app.state.sim.dispatcher.log == []


def test_the_settings_route_sets_the_page_size_and_refuses_a_bad_one(env: Env) -> None:
    _applications(env, 3)
    url = f"{env.url}/_sim/bamboohr/settings"
    assert httpx.post(url, json={"page_size": 0}).status_code == 422
    assert httpx.post(url, json={"page_size": 2}).json()["page_size"] == 2
    first = env.http.get(f"{ATS}/applications").json()
    assert len(first["applications"]) == 2 and first["paginationComplete"] is False
