"""The suite simulator over real HTTP: the API, OAuth and SAML, webhooks, SSO pages, knobs.

One uvicorn server runs for the module and is reset before each test; a second one stands
in for Connector's webhook endpoint, and an httpx client with a cookie jar for a browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import methods
from signxml.signer import XMLSigner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.serving import LoopbackServer
from simulators.suite import OPENAPI_PATH, create_app
from simulators.suite_state import SuiteState

SAML_GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
REDIRECT = "https://connector.example.com/oauth/callback"
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


# --- servers and tenants ------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite() -> Iterator[tuple[Starlette, LoopbackServer]]:
    app = create_app()
    with LoopbackServer(app) as server:
        app.state.sim.public_url = server.url
        yield app, server


@pytest.fixture(scope="module")
def transport() -> Iterator[httpx.HTTPTransport]:
    """One connection pool for every client: making an SSL context per client is slow."""
    with httpx.HTTPTransport() as shared:
        yield shared


@pytest.fixture(scope="module")
def http(transport: httpx.HTTPTransport) -> httpx.Client:
    return httpx.Client(transport=transport, timeout=10)


@pytest.fixture
def sim(suite: tuple[Starlette, LoopbackServer]) -> SuiteState:
    state: SuiteState = suite[0].state.sim
    state.reset()
    state.settings.webhook_backoff = 0.02
    return state


@pytest.fixture
def url(suite: tuple[Starlette, LoopbackServer], sim: SuiteState) -> str:
    return suite[1].url


@dataclass
class Tenant:
    id: str
    api: httpx.Client
    client_id: str
    client_secret: str


def company_spec(company_id: str, **client: Any) -> dict[str, Any]:
    return {
        "id": company_id,
        "name": company_id.title(),
        "users": [
            {"email": f"ada@{company_id}.test", "name": "Ada Admin", "role": "admin"},
            {"email": f"eve@{company_id}.test", "name": "Eve Evaluator", "role": "evaluator"},
        ],
        "clients": [
            {
                "client_id": f"connector-{company_id}",
                "client_secret": f"secret-{company_id}",
                "redirect_uris": [REDIRECT],
                **client,
            }
        ],
    }


@pytest.fixture
def tenant(
    url: str, sim: SuiteState, http: httpx.Client, transport: httpx.HTTPTransport
) -> Callable[..., Tenant]:
    """Make a company over the control plane; its API client has a token already."""

    def make(company_id: str = "acme", **client: Any) -> Tenant:
        created = http.post(f"{url}/_sim/companies", json=company_spec(company_id, **client))
        assert created.status_code == 201, created.text
        token = sim.issue_token(company_id)
        api = httpx.Client(
            base_url=f"{url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=10,
        )
        return Tenant(company_id, api, f"connector-{company_id}", f"secret-{company_id}")

    return make


@pytest.fixture
def acme(tenant: Callable[..., Tenant]) -> Tenant:
    return tenant("acme")


# --- API: CRUD ----------------------------------------------------------------------------


def _project(t: Tenant) -> str:
    return str(t.api.post("/projects", json={"name": "Engineer"}).json()["id"])


def _candidate(t: Tenant, email: str = "cand@example.com") -> str:
    return str(t.api.post("/candidates", json={"email": email}).json()["id"])


def _invitation(t: Tenant) -> str:
    body = {"project_id": _project(t), "candidate_id": _candidate(t)}
    return str(t.api.post("/invitations", json=body).json()["id"])


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


# --- OAuth 2.0 ----------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page, with the values a browser would submit."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "fields": {}, "buttons": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1]["buttons"][a.get("value")] = a["name"]


class Browser:
    """Follows redirects on the suite's own origin, stops at any other, and submits forms."""

    def __init__(self, origin: str, transport: httpx.BaseTransport) -> None:
        self.origin = origin
        self.http = httpx.Client(base_url=origin, follow_redirects=False, transport=transport)

    def go(self, response: httpx.Response) -> httpx.Response:
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if not target.startswith(self.origin):
                return response
            response = self.http.get(target)
        return response

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.go(self.http.get(path, params=params))

    def submit(
        self, page: httpx.Response, button: str | None = None, **values: str
    ) -> httpx.Response:
        form = Forms(page.text).forms[0]
        data = {**form["fields"], **values}
        if button is not None:
            data[form["buttons"][button]] = button
        return self.go(self.http.post(urljoin(str(page.url), form["action"]), data=data))


@pytest.fixture
def browsers(url: str, transport: httpx.HTTPTransport) -> Callable[[], Browser]:
    """New browsers, each with its own cookie jar."""
    return lambda: Browser(url, transport)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize(
    browser: Browser, t: Tenant, challenge: str, email: str, **extra: str
) -> httpx.Response:
    """Run the browser from the authorize URL to the redirect back to the client."""
    first = browser.get(
        "/oauth/authorize",
        response_type="code",
        client_id=t.client_id,
        redirect_uri=REDIRECT,
        state="xyz",
        scope="projects offline_access",
        code_challenge=challenge,
        code_challenge_method="S256",
        **extra,
    )
    consent = browser.submit(first, email=email) if "/sso/login" in str(first.url) else first
    assert "Authorize access" in consent.text, consent.text
    return browser.submit(consent, button="allow")


def _code(back: httpx.Response) -> str:
    assert back.status_code == 302, back.text
    return parse_qs(urlsplit(back.headers["location"]).query)["code"][0]


def test_authorization_code_flow_with_pkce(
    http: httpx.Client, url: str, acme: Tenant, browsers: Callable[[], Browser]
) -> None:
    verifier, challenge = pkce()
    browser = browsers()
    back = authorize(browser, acme, challenge, "ada@acme.test")
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert parse_qs(location.query)["state"] == ["xyz"]
    code = _code(back)

    token_url, auth = f"{url}/oauth/token", (acme.client_id, acme.client_secret)
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    for bad in ({"code_verifier": pkce()[0]}, {"redirect_uri": REDIRECT + "/other"}):
        refused = http.post(token_url, data={**exchange, **bad}, auth=auth)
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    wrong_client = http.post(token_url, data=exchange, auth=(acme.client_id, "wrong"))
    assert (wrong_client.status_code, wrong_client.json()["error"]) == (401, "invalid_client")

    tokens = http.post(token_url, data=exchange, auth=auth)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == "projects offline_access"
    assert body["refresh_token"]
    assert tokens.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get(f"{url}/api/v1/projects", headers=bearer).status_code == 200

    # A code is single use, and presenting it again revokes what it gave.
    again = http.post(token_url, data=exchange, auth=auth)
    assert again.json()["error"] == "invalid_grant"
    assert http.get(f"{url}/api/v1/projects", headers=bearer).status_code == 401

    # The browser's session is remembered: the next authorization goes straight to consent.
    consent = browser.get(
        "/oauth/authorize",
        response_type="code",
        client_id=acme.client_id,
        redirect_uri=REDIRECT,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    denied = browser.submit(consent, button="deny")
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {"error": ["access_denied"]}


def test_codes_expire_after_a_minute(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState, browsers: Callable[[], Browser]
) -> None:
    verifier, challenge = pkce()
    code = _code(authorize(browsers(), acme, challenge, "ada@acme.test"))
    sim.clock_offset += 61
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    expired = http.post(
        f"{url}/oauth/token", data=exchange, auth=(acme.client_id, acme.client_secret)
    )
    assert expired.json() == {
        "error": "invalid_grant",
        "error_description": "the authorization code has expired",
    }


# (query changes, what happens): a bad client or redirect_uri is a page, never a redirect.
AUTHORIZE_ERRORS: list[tuple[dict[str, str], int, str]] = [
    ({"client_id": "nobody"}, 400, "Unknown application"),
    ({"redirect_uri": "https://evil.example/cb"}, 400, "Bad redirect"),
    ({"response_type": "token"}, 302, "error=unsupported_response_type"),
    ({"code_challenge": ""}, 302, "error=invalid_request"),
    ({"code_challenge_method": "plain"}, 302, "error=invalid_request"),
    ({"scope": "projects admin"}, 302, "error=invalid_scope"),
]


@pytest.mark.parametrize(("change", "status", "expected"), AUTHORIZE_ERRORS)
def test_authorize_errors(
    http: httpx.Client, url: str, acme: Tenant, change: dict[str, str], status: int, expected: str
) -> None:
    params = {
        "response_type": "code",
        "client_id": acme.client_id,
        "redirect_uri": REDIRECT,
        "state": "s1",
        "code_challenge": pkce()[1],
        "code_challenge_method": "S256",
        **change,
    }
    response = http.get(f"{url}/oauth/authorize", params=params)
    assert response.status_code == status
    if status == 302:
        assert response.headers["location"].startswith(REDIRECT + "?")
        assert expected in response.headers["location"]
        assert "state=s1" in response.headers["location"]
    else:
        assert "location" not in response.headers
        assert expected in response.text


def test_refresh_tokens_rotate(
    http: httpx.Client, url: str, acme: Tenant, browsers: Callable[[], Browser]
) -> None:
    verifier, challenge = pkce()
    code = _code(authorize(browsers(), acme, challenge, "ada@acme.test"))
    token_url, auth = f"{url}/oauth/token", (acme.client_id, acme.client_secret)
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    first = http.post(token_url, data=exchange, auth=auth).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = http.post(token_url, data=refresh, auth=auth).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = http.post(token_url, data=refresh, auth=auth)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # Client credentials in the body work as well as HTTP Basic.
    in_body = {"client_id": acme.client_id, "client_secret": acme.client_secret}
    third = http.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"], **in_body},
    )
    assert third.status_code == 200, third.text
    state = http.get(f"{url}/_sim/state").json()
    assert state["token_requests"] == {"authorization_code": 1, "refresh_token": 3}
    assert state["tokens_issued"] == {"authorization_code": 1, "refresh_token": 2}


def test_client_credentials(http: httpx.Client, url: str, acme: Tenant) -> None:
    token_url = f"{url}/oauth/token"
    auth = (acme.client_id, acme.client_secret)
    ok = http.post(
        token_url, data={"grant_type": "client_credentials", "scope": "projects"}, auth=auth
    )
    assert ok.status_code == 200
    assert "refresh_token" not in ok.json()
    assert ok.json()["scope"] == "projects"
    bearer = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    assert http.get(f"{url}/api/v1/users", headers=bearer).status_code == 200
    # httpx.Auth() is no authentication at all, what httpx does for auth=None.
    cases: list[tuple[dict[str, str], tuple[str, str] | httpx.Auth, int, str]] = [
        ({"grant_type": "client_credentials"}, (acme.client_id, "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, httpx.Auth(), 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_secret": "x"}, auth, 400, "invalid_request"),
        ({"grant_type": "password"}, auth, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "root"}, auth, 400, "invalid_scope"),
    ]  # fmt: skip
    for data, credentials, status, error in cases:
        refused = http.post(token_url, data=data, auth=credentials)
        assert (refused.status_code, refused.json()["error"]) == (status, error), data


def test_access_tokens_expire(http: httpx.Client, url: str, acme: Tenant) -> None:
    http.post(f"{url}/_sim/settings", json={"access_token_ttl": 5})
    auth = (acme.client_id, acme.client_secret)
    body = http.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    body = body.json()
    assert body["expires_in"] == 5
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert http.get(f"{url}/api/v1/projects", headers=bearer).status_code == 200
    http.post(f"{url}/_sim/clock", json={"advance": 5})
    expired = http.get(f"{url}/api/v1/projects", headers=bearer)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    # And the knob that ends every live token at once.
    assert acme.api.get("/projects").status_code == 200
    assert http.post(f"{url}/_sim/tokens/expire").json() == {"expired": 1}
    assert acme.api.get("/projects").status_code == 401


# --- SAML 2.0 bearer assertions -----------------------------------------------------------

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


@dataclass(frozen=True)
class Signer:
    key: str
    cert: str


class TlsFiles(TypedDict):
    """LoopbackServer's keyword arguments for serving HTTPS with the signer's certificate."""

    ssl_certfile: str
    ssl_keyfile: str


@pytest.fixture(scope="module")
def signer() -> Signer:
    """An RSA key and a self-signed certificate for it, as PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return Signer(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode())


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def saml_assertion(
    signer: Signer,
    *,
    subject: str,
    audience: str,
    issuer: str = "connector",
    lifetime: timedelta = timedelta(minutes=5),
    start: datetime | None = None,
) -> bytes:
    """A SAML 2.0 Assertion, signed enveloped with exclusive c14n."""
    start = start or datetime.now(UTC)
    end = _iso(start + lifetime)

    def el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{SAML_NS}}}{tag}", attrs)
        node.text = text
        return node

    root = etree.Element(
        f"{{{SAML_NS}}}Assertion",
        {"ID": "_" + secrets.token_hex(16), "Version": "2.0", "IssueInstant": _iso(start)},
        nsmap={"saml": SAML_NS},
    )
    el(root, "Issuer", issuer)
    subject_el = el(root, "Subject")
    email_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    el(subject_el, "NameID", subject, Format=email_format)
    bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    confirmation = el(subject_el, "SubjectConfirmation", Method=bearer)
    el(confirmation, "SubjectConfirmationData", NotOnOrAfter=end, Recipient=audience)
    not_before = _iso(start - timedelta(seconds=5))
    conditions = el(root, "Conditions", NotBefore=not_before, NotOnOrAfter=end)
    el(el(conditions, "AudienceRestriction"), "Audience", audience)
    signed = XMLSigner(method=methods.enveloped, c14n_algorithm=EXC_C14N).sign(
        root, key=signer.key, cert=signer.cert
    )
    return bytes(etree.tostring(signed))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_saml_bearer_grant(
    http: httpx.Client, url: str, tenant: Callable[..., Tenant], signer: Signer
) -> None:
    t = tenant("acme", saml_certificate=signer.cert, saml_issuer="connector")
    token_url = f"{url}/oauth/token"
    good = saml_assertion(signer, subject="ada@acme.test", audience=token_url)

    # With client_id only (as suite.yaml's `saml` method sends it), and with no client at all.
    for extra in ({"client_id": t.client_id}, {}):
        data = {"grant_type": SAML_GRANT, "assertion": _b64url(good), **extra}
        ok = http.post(token_url, data=data)
        assert ok.status_code == 200, ok.text
        assert "refresh_token" not in ok.json()
    bearer = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    assert http.get(f"{url}/api/v1/projects", headers=bearer).status_code == 200

    tampered = good.replace(b"ada@acme.test", b"eve@acme.test")
    past = datetime.now(UTC) - timedelta(minutes=10)
    ada = "ada@acme.test"
    bad: list[tuple[bytes, str]] = [
        (tampered, "Digest mismatch"),
        (saml_assertion(signer, subject=ada, audience=token_url, start=past), "expired"),
        (saml_assertion(signer, subject=ada, audience="https://x/token"), "Audience"),
        (saml_assertion(signer, subject="zed@acme.test", audience=token_url), "not a user"),
        (saml_assertion(signer, subject=ada, audience=token_url, issuer="other"), "Issuer 'other'"),
        (good.replace(b"ds:Signature", b"ds:Nothing"), "Signature"),
    ]
    for assertion, why in bad:
        data = {"grant_type": SAML_GRANT, "assertion": _b64url(assertion), "client_id": t.client_id}
        refused = http.post(token_url, data=data)
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
        assert why in refused.json()["error_description"]
    # Another company trusting the same certificate under another issuer does not take it.
    other = tenant("globex", saml_certificate=signer.cert, saml_issuer="globex-idp")
    data = {"grant_type": SAML_GRANT, "assertion": _b64url(good), "client_id": other.client_id}
    assert http.post(token_url, data=data).json()["error"] == "invalid_grant"


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


# --- SSO and deep links -------------------------------------------------------------------


def test_deep_link_signs_in_through_sso(
    acme: Tenant, tenant: Callable[..., Tenant], browsers: Callable[[], Browser]
) -> None:
    project = acme.api.post("/projects", json={"name": "Staff <Engineer>"}).json()
    acme.api.post(f"/projects/{project['id']}/questions", json={"text": "Tell us a story."})
    browser = browsers()
    first = browser.http.get(project["deep_link"])
    assert first.status_code == 302
    assert first.headers["location"] == f"/sso/login?next=%2Fapp%2Fprojects%2F{project['id']}"
    login = browser.go(first)
    assert 'type="email"' in login.text
    unknown = browser.submit(login, email="nobody@acme.test")
    assert unknown.status_code == 401
    form = {"email": "eve@acme.test", "next": f"/app/projects/{project['id']}"}
    signed_in = browser.http.post("/sso/login", data=form)
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()  # plain http; https gets SameSite=None; Secure
    shown = browser.go(signed_in)
    assert shown.status_code == 200
    assert "Staff &lt;Engineer&gt;" in shown.text
    assert "Tell us a story." in shown.text

    invitation = _invitation(acme)
    candidate = acme.api.get(f"/invitations/{invitation}").json()["candidate_id"]
    for path in (f"/app/invitations/{invitation}", f"/app/candidates/{candidate}"):
        assert browser.get(path).status_code == 200
    other = tenant("globex")
    foreign = _project(other)
    assert browser.get(f"/app/projects/{foreign}").status_code == 404
    assert browser.get("/app/projects/prj_nope").status_code == 404


def test_sso_cookie_over_https_is_secure_and_cross_site(signer: Signer, tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text(signer.cert)
    (tmp_path / "key.pem").write_text(signer.key)
    app = create_app()
    app.state.sim.add_company(company_spec("acme"))
    tls: TlsFiles = {
        "ssl_certfile": str(tmp_path / "cert.pem"),
        "ssl_keyfile": str(tmp_path / "key.pem"),
    }
    with LoopbackServer(app, **tls) as server, httpx.Client(verify=False) as client:
        form = {"email": "ada@acme.test", "next": "/"}
        cookie = client.post(f"{server.url}/sso/login", data=form).headers["set-cookie"]
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=none"} <= attributes


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/app/projects/prj_1?tab=questions", "/app/projects/prj_1?tab=questions"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_sso_login_never_redirects_off_site(
    http: httpx.Client, url: str, acme: Tenant, target: str, location: str
) -> None:
    response = http.post(f"{url}/sso/login", data={"email": "ada@acme.test", "next": target})
    assert (response.status_code, response.headers["location"]) == (302, location)


# --- faults -------------------------------------------------------------------------------


def _statuses(api: httpx.Client, count: int) -> list[int]:
    return [api.get("/projects").status_code for _ in range(count)]


def test_error_rate_is_seeded_and_roughly_respected(
    http: httpx.Client, url: str, acme: Tenant
) -> None:
    runs = []
    for _ in range(2):
        http.post(f"{url}/_sim/faults", json={"error_rate": 0.3, "seed": 42})
        runs.append(_statuses(acme.api, 120))
    assert runs[0] == runs[1]
    failures = [s for s in runs[0] if s != 200]
    assert set(failures) <= {500, 503}
    assert 20 <= len(failures) <= 52
    http.post(f"{url}/_sim/faults", json={})
    assert set(_statuses(acme.api, 20)) == {200}


def test_burst_of_429_with_retry_after(http: httpx.Client, url: str, acme: Tenant) -> None:
    burst = {"every": 4, "length": 2, "retry_after": 3}
    assert http.post(f"{url}/_sim/faults", json={"burst_429": burst}).status_code == 200
    responses = [acme.api.get("/projects") for _ in range(8)]
    assert [r.status_code for r in responses] == [200, 200, 429, 429] * 2
    assert responses[2].headers["retry-after"] == "3"
    assert responses[2].headers["x-ratelimit-remaining"] == "0"
    bad = http.post(f"{url}/_sim/faults", json={"burst_429": {"every": 2, "length": 3}})
    assert bad.status_code == 422


def test_latency(http: httpx.Client, url: str, acme: Tenant) -> None:
    http.post(f"{url}/_sim/faults", json={"latency_ms": 150})
    started = time.perf_counter()
    assert acme.api.get("/projects").status_code == 200
    assert time.perf_counter() - started >= 0.15


# --- control plane, state and the OpenAPI document ----------------------------------------


def test_control_plane_and_state(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState
) -> None:
    again = http.post(f"{url}/_sim/companies", json=company_spec("acme"))
    assert again.status_code == 409
    bad = http.post(f"{url}/_sim/companies", json={"name": "", "users": [{"email": "x"}]})
    assert set(bad.json()["error"]["fields"]) == {"name", "users[0].email"}
    project = _project(acme)
    state = http.get(f"{url}/_sim/state").json()
    company = state["companies"]["acme"]
    assert [p["id"] for p in company["projects"]] == [project]
    assert [u["email"] for u in company["users"]] == ["ada@acme.test", "eve@acme.test"]
    assert company["clients"][0]["client_id"] == "connector-acme"
    assert set(state) >= {"token_requests", "deliveries", "faults", "settings"}
    assert sim.company("acme").projects[project]["name"] == "Engineer"
    assert http.post(f"{url}/_sim/reset").status_code == 204
    assert http.get(f"{url}/_sim/state").json()["companies"] == {}


def _openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))


def test_openapi_is_served_and_matches_the_routes(
    http: httpx.Client, url: str, suite: tuple[Starlette, LoopbackServer]
) -> None:
    doc = _openapi()
    assert http.get(f"{url}/openapi.json").json() == doc
    assert doc["openapi"].startswith("3.1")
    served = {
        (route.path, method.lower())
        for route in suite[0].routes
        if isinstance(route, Route) and route.path.startswith("/api/v1")
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {
        (path, method)
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert served == documented
    assert "/oauth/token" in doc["paths"]


def test_openapi_references_resolve() -> None:
    doc = _openapi()

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(doc)):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref
