"""The Greenhouse Harvest v3 simulator over real HTTP: tokens, lists, writes, limits,
webhooks and faults."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.greenhouse import GreenhouseSim, create_app
from simulators.serving import LoopbackServer

CLIENT, SECRET = "harvest-client", "harvest-secret"
FAST_RETRIES = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05]


@dataclass
class Env:
    sim: GreenhouseSim
    http: httpx.Client  # no auth: /token and the control plane
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def token(self, sub: int | None = None) -> str:
        sub = sub if sub is not None else self.sim.users.ids[0]
        response = self.http.post(
            "/token",
            auth=(CLIENT, SECRET),
            data={"grant_type": "client_credentials", "sub": str(sub)},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def api(self, token: str | None = None) -> httpx.Client:
        """A client for /v3 with a bearer token (a new one unless given); closed after the test."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10)
        self.clients.append(client)
        return client


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GreenhouseSim, str]]:
    app = create_app(seed=1)
    sim: GreenhouseSim = app.state.sim
    sim.add_client(CLIENT, SECRET)
    with LoopbackServer(app) as server:
        yield sim, server.url


@pytest.fixture
def env(served: tuple[GreenhouseSim, str]) -> Iterator[Env]:
    """The module's server, reset to defaults, with three users."""
    sim, url = served
    sim.reset(config=True)
    sim.configure(webhook_retry_delays=FAST_RETRIES, webhook_timeout_seconds=2)
    sim.seed_data(users=3)
    with httpx.Client(base_url=url, timeout=10) as http:
        environment = Env(sim, http, url)
        yield environment
        for client in environment.clients:
            client.close()


class Receiver:
    """A webhook receiver that records requests and can fail the next N of them."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.app = Starlette(routes=[Route("/hook", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response("boom", status_code=500)
        return Response("ok")

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with LoopbackServer(rec.app) as server:
        yield rec, server.url + "/hook"


def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    expected = "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["signature"], expected)


def follow(client: httpx.Client, url: str, params: dict[str, Any]) -> Iterator[httpx.Response]:
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        yield response
        if "next" not in response.links:
            return
        response = client.get(response.links["next"]["url"])


# OAuth ----------------------------------------------------------------------------------------


def test_token_flow_returns_bearer_with_absolute_expiry(env: Env) -> None:
    user_id = env.sim.users.ids[0]
    response = env.http.post(
        "/token",
        auth=(CLIENT, SECRET),
        data={"grant_type": "client_credentials", "sub": str(user_id)},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", body["expires_at"])
    expires = dt.datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
    assert abs(expires - (time.time() + 3600)) < 5
    api = env.api(body["access_token"])
    assert api.get("/v3/users").status_code == 200
    tokens = env.sim.state()["tokens"]
    assert tokens["requests"] == 1
    assert tokens["issued"] == 1
    assert tokens["requests_by_client"] == {CLIENT: 1}


BASIC = {"auth": (CLIENT, SECRET)}


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        pytest.param(
            {
                "data": {
                    "grant_type": "client_credentials",
                    "sub": "SUB",
                    "client_id": CLIENT,
                    "client_secret": SECRET,
                }
            },
            401,
            "invalid_client",
            id="credentials-in-body",
        ),
        pytest.param(
            {
                **BASIC,
                "data": {"grant_type": "client_credentials", "sub": "SUB", "client_secret": SECRET},
            },
            401,
            "invalid_client",
            id="secret-in-body-too",
        ),
        pytest.param(
            {"auth": (CLIENT, "wrong"), "data": {"grant_type": "client_credentials", "sub": "SUB"}},
            401,
            "invalid_client",
            id="wrong-secret",
        ),
        pytest.param({**BASIC, "data": {"sub": "SUB"}}, 400, "invalid_request", id="no-grant"),
        pytest.param(
            {**BASIC, "data": {"grant_type": "password", "sub": "SUB"}},
            400,
            "unsupported_grant_type",
            id="other-grant",
        ),
        pytest.param(
            {**BASIC, "data": {"grant_type": "client_credentials"}},
            400,
            "invalid_request",
            id="no-sub",
        ),
        pytest.param(
            {**BASIC, "data": {"grant_type": "client_credentials", "sub": "999"}},
            400,
            "invalid_request",
            id="unknown-sub",
        ),
        pytest.param(
            {**BASIC, "json": {"grant_type": "client_credentials", "sub": "SUB"}},
            400,
            "invalid_request",
            id="json-body",
        ),
    ],
)
def test_token_errors(env: Env, kwargs: dict[str, Any], status: int, error: str) -> None:
    sub = str(env.sim.users.ids[0])
    for key in ("data", "json"):
        if key in kwargs:
            kwargs = {**kwargs, key: {k: sub if v == "SUB" else v for k, v in kwargs[key].items()}}
    response = env.http.post("/token", **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert env.sim.state()["tokens"]["failures"] == 1


def test_expired_tokens_are_refused(env: Env) -> None:
    env.sim.configure(token_ttl_seconds=0)
    assert env.api().get("/v3/jobs").status_code == 401
    env.sim.configure(token_ttl_seconds=3600)
    api = env.api()
    assert api.get("/v3/jobs").status_code == 200
    assert env.http.post("/_sim/tokens/expire").json() == {"expired": 2}
    response = api.get("/v3/jobs")
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v3/jobs", {}),
        ("/v3/jobs", {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}),
        ("/v3/applications", {"Authorization": "Bearer not-a-token"}),
        ("/v3/no-such-thing", {}),
    ],
)
def test_v3_requires_a_valid_bearer_token(env: Env, path: str, headers: dict[str, str]) -> None:
    assert env.http.get(path, headers=headers).status_code == 401


# Lists ----------------------------------------------------------------------------------------


def test_pagination_follows_link_headers_through_1234_applications(env: Env) -> None:
    env.sim.seed_data(jobs=2, applications_per_job=617)
    api = env.api()
    seen: list[int] = []
    pages = 0
    for response in follow(api, "/v3/applications", {"per_page": 100}):
        pages += 1
        page = response.json()
        assert isinstance(page, list)
        seen.extend(record["id"] for record in page)
        if "next" in response.links:
            assert len(page) == 100
            next_url = urlsplit(response.links["next"]["url"])
            assert next_url.path == "/v3/applications"
            assert next_url.netloc == urlsplit(env.url).netloc
            assert list(parse_qs(next_url.query)) == ["cursor"]
            assert re.fullmatch(r"[A-Za-z0-9_-]+", parse_qs(next_url.query)["cursor"][0])
        else:
            assert "link" not in response.headers
    assert pages == 13
    assert len(seen) == len(set(seen)) == 1234
    assert seen == sorted(seen) == env.sim.applications.ids


def test_cursor_keeps_filters_and_page_size(env: Env) -> None:
    env.sim.seed_data(jobs=1, applications_per_job=30, stage_name="Phone Screen")
    env.sim.seed_data(jobs=1, applications_per_job=30, stage_name="Offer")
    job_id = env.sim.jobs.ids[0]
    pages = [
        r.json() for r in follow(env.api(), "/v3/applications", {"job_ids": job_id, "per_page": 7})
    ]
    assert [len(page) for page in pages] == [7, 7, 7, 7, 2]
    assert {app["job_id"] for page in pages for app in page} == {job_id}


def _cursor(env: Env, api: httpx.Client, path: str) -> str:
    link = api.get(path, params={"per_page": 1}).links["next"]["url"]
    return parse_qs(urlsplit(link).query)["cursor"][0]


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"per_page": "50"}, "/v3/applications"),
        ({"status": "in_process"}, "/v3/applications"),
        ({"cursor": "!!not-base64!!"}, "/v3/applications"),
        ({"cursor": base64.urlsafe_b64encode(b"{}").decode()}, "/v3/applications"),
        ({}, "/v3/jobs"),  # a cursor of another resource
    ],
)
def test_cursor_with_other_params_or_garbled_is_422(
    env: Env, extra: dict[str, str], path: str
) -> None:
    env.sim.seed_data(jobs=2, applications_per_job=2)
    api = env.api()
    params = {"cursor": _cursor(env, api, "/v3/applications"), **extra}
    response = api.get(path, params=params)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("per_page", "status", "count"),
    [
        (None, 200, 100),
        ("1", 200, 1),
        ("500", 200, 150),
        ("0", 422, None),
        ("501", 422, None),
        ("ten", 422, None),
    ],
)
def test_per_page_bounds(env: Env, per_page: str | None, status: int, count: int | None) -> None:
    env.sim.seed_data(jobs=3, applications_per_job=50)
    params = {} if per_page is None else {"per_page": per_page}
    response = env.api().get("/v3/applications", params=params)
    assert response.status_code == status
    if count is not None:
        assert len(response.json()) == count


def test_updated_at_filters(env: Env) -> None:
    env.sim.seed_data(jobs=40)
    jobs = env.sim.state()["jobs"]
    stamps = sorted(job["updated_at"] for job in jobs)
    low, high = stamps[10], stamps[30]
    as_offset = low.replace("Z", "+00:00")  # another ISO 8601 spelling of the same instant

    def expect(test: Any) -> list[int]:
        return [job["id"] for job in jobs if test(job["updated_at"])]

    cases = [
        (f"gte|{low}", expect(lambda u: u >= low)),
        (f"gt|{as_offset}", expect(lambda u: u > low)),
        (f"lte|{high}", expect(lambda u: u <= high)),
        (f"lt|{high}", expect(lambda u: u < high)),
        (f"gte|{low}|lte|{high}", expect(lambda u: low <= u <= high)),
        (f"gt|{low}|lt|{high}", expect(lambda u: low < u < high)),
    ]
    api = env.api()
    for value, expected in cases:
        response = api.get("/v3/jobs", params={"updated_at": value, "per_page": 500})
        assert response.status_code == 200, value
        assert [job["id"] for job in response.json()] == expected, value
    assert len(cases[4][1]) == 21
    for bad in ("after|2024-01-01T00:00:00Z", "gte", "gte|yesterday", "gte|2024-01-01|lte"):
        assert api.get("/v3/jobs", params={"updated_at": bad}).status_code == 422, bad


def test_ids_status_and_parent_filters(env: Env) -> None:
    env.sim.seed_data(jobs=4, applications_per_job=5, job_status="open")
    sim, api = env.sim, env.api()
    wanted = [sim.applications.ids[i] for i in (7, 2, 11)]
    response = api.get("/v3/applications", params={"ids": ",".join(map(str, wanted))})
    assert [app["id"] for app in response.json()] == sorted(wanted)
    job_id = sim.jobs.ids[1]
    sim.update_job(sim.jobs.ids[0], status="closed")
    assert [j["id"] for j in api.get("/v3/jobs", params={"status": "closed"}).json()] == [
        sim.jobs.ids[0]
    ]
    by_job = api.get("/v3/applications", params={"job_ids": job_id}).json()
    assert len(by_job) == 5 and {a["job_id"] for a in by_job} == {job_id}
    candidate_id = by_job[0]["candidate_id"]
    by_candidate = api.get("/v3/applications", params={"candidate_ids": candidate_id}).json()
    assert [a["id"] for a in by_candidate] == [by_job[0]["id"]]
    stages = api.get("/v3/job_interview_stages", params={"job_ids": job_id}).json()
    assert [s["name"] for s in stages] == [
        "Application Review",
        "Phone Screen",
        "Video Interview",
        "Video Interview Completed",
        "Onsite",
        "Offer",
    ]
    assert [s["sort_order"] for s in stages] == list(range(6))
    candidate = api.get("/v3/candidates", params={"ids": candidate_id}).json()[0]
    assert "application_ids" not in candidate
    assert {"value", "type"} == set(candidate["email_addresses"][0])
    for params in ({"status": "active"}, {"updated_after": "2024-01-01"}, {"ids": "1,x"}):
        assert api.get("/v3/applications", params=params).status_code == 422, params
    assert api.get("/v3/applications?ids=1&ids=2").status_code == 422


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
    sub = sim.users.ids[1]
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
    assert http.post("/_sim/webhooks/drain", json={"timeout": 5}).json()["idle"]

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
    cert, key = _self_signed(tmp_path)
    rec = Receiver()
    with LoopbackServer(rec.app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as server:
        assert server.url.startswith("https://")
        env.sim.register_webhook(server.url + "/hook", "k")
        assert env.sim.wait_for_deliveries(5)
    assert rec.bodies()[0]["action"] == "ping"
    assert env.sim.deliveries()[0]["status"] == "delivered"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


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

    http.post("/_sim/faults", json={"burst_429": {"every": 3, "length": 2, "retry_after": 7}})
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
    assert http.post("/_sim/reset").status_code == 200
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
