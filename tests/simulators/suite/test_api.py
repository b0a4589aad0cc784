"""The suite simulator's REST API over real HTTP: CRUD, lists and pages, errors and rate limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulators.suite.state import SuiteState
from tests.simulators.suite.support import Tenant, _candidate, _invitation, _openapi, _project

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


# (collection, item path prefix, schema name, make the create body, update, checked defaults)
CRUD: list[tuple[str, str, str, Callable[[Tenant], dict[str, Any]], dict[str, Any], dict[str, Any]]]
CRUD = [
    ("/projects", "/projects", "Project", lambda t: {"name": "Engineer", "colour": "red"},
     {"status": "archived"}, {"status": "active", "description": None}),
    ("/candidates", "/candidates", "Candidate", lambda t: {"email": "ada@example.com"},
     {"phone": "+442071838750"}, {"first_name": None}),
    ("/invitations", "/invitations", "Invitation",
     lambda t: {"project_id": _project(t), "candidate_id": _candidate(t)},
     {"status": "started"}, {"status": "invited", "completed_at": None, "answers_url": None}),
    ("/ratings", "/ratings", "Rating", lambda t: {"invitation_id": _invitation(t), "score": 4},
     {"score": 5, "comment": "great"}, {"comment": None}),
    ("/users", "/users", "User", lambda t: {"email": "new@acme.test", "name": "New"},
     {"role": "recruiter"}, {"role": "viewer"}),
    ("/projects/{project}/questions", "/questions", "Question", lambda t: {"text": "Why us?"},
     {"time_limit_seconds": 60}, {"time_limit_seconds": 120, "thinking_time_seconds": 30,
                                   "position": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("collection", "items", "schema", "body", "change", "defaults"), CRUD)
def test_crud(
    acme: Tenant,
    collection: str,
    items: str,
    schema: str,
    body: Callable[[Tenant], dict[str, Any]],
    change: dict[str, Any],
    defaults: dict[str, Any],
) -> None:
    if "{project}" in collection:
        collection = collection.format(project=_project(acme))
    created = acme.api.post(collection, json=body(acme))
    assert created.status_code == 201, created.text
    record = created.json()
    assert record.items() >= defaults.items()
    assert "colour" not in record  # unknown fields are ignored
    assert record["created_at"] == record["updated_at"]
    assert record["created_at"].endswith("Z")
    assert set(record) == set(_openapi()["components"]["schemas"][schema]["properties"])
    path = f"{items}/{record['id']}"
    assert acme.api.get(path).json() == record
    listed = acme.api.get(collection).json()
    assert record["id"] in [r["id"] for r in listed["data"]]

    patched = acme.api.patch(path, json=change)
    assert patched.status_code == 200, patched.text
    assert patched.json().items() >= change.items()
    assert patched.json()["updated_at"] > record["updated_at"]
    assert acme.api.get(path).json() == patched.json()

    deleted = acme.api.delete(path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert acme.api.get(path).status_code == 404
    assert acme.api.delete(path).status_code == 404


def test_responses_are_read_only_and_listed_under_their_invitation(
    http: httpx.Client, acme: Tenant, url: str
) -> None:
    project = _project(acme)
    for text in ("First?", "Second?"):
        acme.api.post(f"/projects/{project}/questions", json={"text": text})
    invitation = acme.api.post(
        "/invitations", json={"project_id": project, "candidate_id": _candidate(acme)}
    ).json()["id"]
    assert http.post(f"{url}/_sim/invitations/{invitation}/complete").status_code == 200
    responses = acme.api.get(f"/invitations/{invitation}/responses").json()["data"]
    assert len(responses) == 2
    assert set(responses[0]) == set(_openapi()["components"]["schemas"]["Response"]["properties"])
    assert acme.api.get(f"/responses/{responses[0]['id']}").json() == responses[0]
    assert acme.api.post(f"/invitations/{invitation}/responses", json={}).status_code == 405
    assert acme.api.delete(f"/responses/{responses[0]['id']}").status_code == 405
    done = acme.api.get(f"/invitations/{invitation}").json()
    assert done["status"] == "completed"
    assert done["answers_url"] == f"{url}/app/invitations/{invitation}"
    assert acme.api.get("/invitations/inv_nope/responses").status_code == 404


def test_deleting_a_project_deletes_its_questions(acme: Tenant, sim: SuiteState) -> None:
    project = _project(acme)
    question = acme.api.post(f"/projects/{project}/questions", json={"text": "Why?"}).json()
    assert acme.api.get(f"/questions/{question['id']}").status_code == 200
    acme.api.delete(f"/projects/{project}")
    assert acme.api.get(f"/questions/{question['id']}").status_code == 404
    assert len(sim.company("acme").questions) == 0


def test_project_deep_link_and_question_positions(acme: Tenant, url: str) -> None:
    project = acme.api.post("/projects", json={"name": "Engineer"}).json()
    assert project["deep_link"] == f"{url}/app/projects/{project['id']}"
    positions = [
        acme.api.post(f"/projects/{project['id']}/questions", json={"text": t}).json()["position"]
        for t in ("a", "b", "c")
    ]
    assert positions == [1, 2, 3]


def test_companies_are_isolated(acme: Tenant, tenant: Callable[..., Tenant]) -> None:
    other = tenant("globex")
    project = _project(acme)
    assert other.api.get(f"/projects/{project}").status_code == 404
    assert other.api.get("/projects").json()["data"] == []
    assert other.api.patch(f"/projects/{project}", json={"name": "x"}).status_code == 404


# --- API: lists ---------------------------------------------------------------------------


def _walk(api: httpx.Client, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        pages.append(response.json()["data"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


def test_pagination_walks_every_record_once_in_creation_order(
    acme: Tenant, sim: SuiteState
) -> None:
    company = sim.company("acme")
    ids = [company.create("project", {"name": f"P{i}"})["id"] for i in range(1050)]
    pages = _walk(acme.api, "/projects", limit=100)
    assert [len(p) for p in pages] == [100] * 10 + [50]
    assert [r["id"] for page in pages for r in page] == ids


def test_pagination_survives_writes_between_pages(acme: Tenant, sim: SuiteState) -> None:
    company = sim.company("acme")
    ids = [company.create("candidate", {"email": f"c{i}@example.com"})["id"] for i in range(30)]
    first = acme.api.get("/candidates", params={"limit": 10}).json()
    company.delete("candidate", ids[15])
    late = company.create("candidate", {"email": "late@example.com"})["id"]
    rest = _walk(acme.api, "/candidates", limit=10, cursor=first["next_cursor"])
    seen = [r["id"] for r in first["data"]] + [r["id"] for page in rest for r in page]
    assert seen == [*ids[:15], *ids[16:], late]


def test_ten_thousand_records_page_quickly(acme: Tenant, sim: SuiteState) -> None:
    company = sim.company("acme")
    for i in range(10_000):
        company.create("candidate", {"email": f"c{i}@example.com", "external_id": str(i % 2)})
    started = time.perf_counter()
    assert sum(len(p) for p in _walk(acme.api, "/candidates", limit=500)) == 10_000
    assert sum(len(p) for p in _walk(acme.api, "/candidates", limit=500, external_id="1")) == 5000
    # Quadratic paging (rescanning from the start for each page) would take seconds here.
    assert time.perf_counter() - started < 2.0


def test_filters(acme: Tenant, sim: SuiteState) -> None:
    p1, p2 = _project(acme), _project(acme)
    acme.api.patch(f"/projects/{p2}", json={"external_id": "job-2"})
    c1, c2 = _candidate(acme, "One@Example.com"), _candidate(acme, "two@example.com")
    inv = {
        (p, c): acme.api.post("/invitations", json={"project_id": p, "candidate_id": c}).json()
        for p in (p1, p2)
        for c in (c1, c2)
    }
    acme.api.patch(f"/invitations/{inv[p2, c2]['id']}", json={"status": "expired"})
    rating = acme.api.post("/ratings", json={"invitation_id": inv[p1, c1]["id"], "score": 3}).json()
    eve = sim.company("acme").users.find("email", "eve@acme.test")[0]["id"]
    cases: list[tuple[str, dict[str, str], list[str]]] = [
        ("/projects", {"external_id": "job-2"}, [p2]),
        ("/candidates", {"email": "one@example.COM"}, [c1]),
        ("/invitations", {"project_id": p1}, [inv[p1, c1]["id"], inv[p1, c2]["id"]]),
        ("/invitations", {"candidate_id": c2}, [inv[p1, c2]["id"], inv[p2, c2]["id"]]),
        ("/invitations", {"status": "expired"}, [inv[p2, c2]["id"]]),
        ("/invitations", {"project_id": p2, "status": "invited"}, [inv[p2, c1]["id"]]),
        ("/ratings", {"invitation_id": inv[p1, c1]["id"]}, [rating["id"]]),
        ("/ratings", {"invitation_id": inv[p2, c2]["id"]}, []),
        ("/users", {"email": "EVE@acme.test"}, [eve]),
    ]  # fmt: skip
    for path, params, expected in cases:
        got = [r["id"] for r in acme.api.get(path, params=params).json()["data"]]
        assert got == expected, (path, params)
    # Rating carries the ids of its invitation.
    assert (rating["project_id"], rating["candidate_id"]) == (p1, c1)


def test_updated_since(acme: Tenant) -> None:
    ids = [_candidate(acme, f"c{i}@example.com") for i in range(4)]
    since = acme.api.get(f"/candidates/{ids[2]}").json()["updated_at"]
    acme.api.patch(f"/candidates/{ids[0]}", json={"first_name": "Changed"})
    got = acme.api.get("/candidates", params={"updated_since": since}).json()["data"]
    assert [r["id"] for r in got] == [ids[0], ids[2], ids[3]]
    offset = since.replace("Z", "+00:00")  # any zone; httpx percent-encodes the +
    assert len(acme.api.get("/candidates", params={"updated_since": offset}).json()["data"]) == 3


# --- API: errors --------------------------------------------------------------------------

# (method, path, request kwargs, status, error code, fields named in a 422)
ERRORS: list[tuple[str, str, dict[str, Any], int, str, set[str]]] = [
    ("POST", "/projects", {"json": {"name": 7}}, 422, "validation_error", {"name"}),
    ("POST", "/projects", {"json": {}}, 422, "validation_error", {"name"}),
    ("POST", "/projects", {"json": {"name": " "}}, 422, "validation_error", {"name"}),
    ("POST", "/projects", {"json": {"name": "x", "status": "open"}}, 422, "validation_error", {"status"}),
    ("POST", "/users", {"json": {"email": "x@y.io", "role": "superuser"}}, 422, "validation_error", {"role"}),
    ("POST", "/users", {"json": {"email": "not-an-email"}}, 422, "validation_error", {"email"}),
    ("POST", "/candidates", {"json": {"email": "a@b.io", "phone": 5}}, 422, "validation_error", {"phone"}),
    ("POST", "/invitations", {"json": {"project_id": "prj_0", "candidate_id": "cnd_0"}}, 422, "validation_error", {"project_id", "candidate_id"}),
    ("POST", "/ratings", {"json": {"invitation_id": "inv_0", "score": 9}}, 422, "validation_error", {"score"}),
    ("POST", "/ratings", {"json": {"invitation_id": "inv_0", "score": True}}, 422, "validation_error", {"score"}),
    ("POST", "/ratings", {"json": {"invitation_id": "inv_0", "score": 3}}, 422, "validation_error", {"invitation_id"}),
    ("POST", "/webhooks", {"json": {"url": "ftp://x", "events": ["nope"]}}, 422, "validation_error", {"url", "events"}),
    ("GET", "/projects", {"params": {"limit": 0}}, 422, "validation_error", {"limit"}),
    ("GET", "/projects", {"params": {"limit": 501}}, 422, "validation_error", {"limit"}),
    ("GET", "/projects", {"params": {"limit": "ten"}}, 422, "validation_error", {"limit"}),
    ("GET", "/projects", {"params": {"colour": "red"}}, 422, "validation_error", {"colour"}),
    ("GET", "/projects", {"params": {"updated_since": "yesterday"}}, 422, "validation_error", {"updated_since"}),
    ("GET", "/projects", {"params": {"updated_since": "2024-01-01T00:00:00"}}, 422, "validation_error", {"updated_since"}),
    ("GET", "/invitations", {"params": {"status": "done"}}, 422, "validation_error", {"status"}),
    ("GET", "/projects", {"params": {"cursor": "garbage!"}}, 400, "bad_request", set()),
    ("GET", "/projects", {"params": {"cursor": "Y2FuZGlkYXRlczow"}}, 400, "bad_request", set()),
    ("POST", "/projects", {"content": b"{nope", "headers": {"content-type": "application/json"}}, 400, "bad_request", set()),
    ("POST", "/projects", {"json": ["a list"]}, 400, "bad_request", set()),
    ("POST", "/projects", {"data": {"name": "x"}}, 415, "unsupported_media_type", set()),
    ("GET", "/projects/prj_nope", {}, 404, "not_found", set()),
    ("PATCH", "/questions/q_nope", {"json": {}}, 404, "not_found", set()),
    ("GET", "/projects/prj_nope/questions", {}, 404, "not_found", set()),
    ("GET", "/nothing-here", {}, 404, "not_found", set()),
    ("PUT", "/projects", {"json": {}}, 405, "method_not_allowed", set()),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code", "fields"), ERRORS)
def test_errors(
    acme: Tenant,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
    fields: set[str],
) -> None:
    response = acme.api.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if status == 422:
        assert set(error["fields"]) == fields
    assert all(h in response.headers for h in RATE_HEADERS)


def test_cursor_of_another_collection_is_refused(acme: Tenant, sim: SuiteState) -> None:
    for i in range(3):
        sim.company("acme").create("candidate", {"email": f"c{i}@example.com"})
    cursor = acme.api.get("/candidates", params={"limit": 1}).json()["next_cursor"]
    assert acme.api.get("/candidates", params={"cursor": cursor}).status_code == 200
    assert acme.api.get("/projects", params={"cursor": cursor}).status_code == 400


def test_conflicts_name_the_existing_record(acme: Tenant) -> None:
    body = {"project_id": _project(acme), "candidate_id": _candidate(acme)}
    first = acme.api.post("/invitations", json=body).json()
    again = acme.api.post("/invitations", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert again.json()["error"]["existing_id"] == first["id"]
    user = acme.api.post("/users", json={"email": "ADA@acme.test"})
    assert user.status_code == 409
    assert user.json()["error"]["existing_id"].startswith("usr_")
    # Once deleted, the pair is free again.
    acme.api.delete(f"/invitations/{first['id']}")
    assert acme.api.post("/invitations", json=body).status_code == 201


def test_create_only_fields_and_nulls(acme: Tenant) -> None:
    invitation = acme.api.get(f"/invitations/{_invitation(acme)}").json()
    same = acme.api.patch(
        f"/invitations/{invitation['id']}", json={"project_id": invitation["project_id"]}
    )
    assert same.status_code == 200
    assert same.json()["updated_at"] == invitation["updated_at"]  # nothing changed
    moved = acme.api.patch(f"/invitations/{invitation['id']}", json={"project_id": _project(acme)})
    assert moved.status_code == 422
    assert moved.json()["error"]["fields"] == {"project_id": "cannot be changed"}
    nulled = acme.api.patch(f"/invitations/{invitation['id']}", json={"status": None})
    assert nulled.json()["error"]["fields"] == {"status": "must not be null"}


def test_unauthorized(http: httpx.Client, url: str, acme: Tenant, sim: SuiteState) -> None:
    missing = http.get(f"{url}/api/v1/projects")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    unknown = http.get(f"{url}/api/v1/projects", headers={"Authorization": "Bearer at_nope"})
    assert unknown.status_code == 401
    assert 'error="invalid_token"' in unknown.headers["www-authenticate"]
    assert unknown.json()["error"]["code"] == "invalid_token"
    assert all(h in unknown.headers for h in RATE_HEADERS)


def test_rate_limit_headers_and_window(http: httpx.Client, url: str, acme: Tenant) -> None:
    http.post(f"{url}/_sim/settings", json={"rate_limit": 3, "rate_window": 60})
    responses = [acme.api.get("/projects") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-limit"] for r in responses] == ["3"] * 4
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert 0 < int(responses[0].headers["x-ratelimit-reset"]) <= 60
    assert 0 < int(responses[3].headers["retry-after"]) <= 60
    assert responses[3].json()["error"]["code"] == "rate_limited"
