"""What the suite simulator tests share: tenants, browsers, assertions signed for SAML, a webhook receiver."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, TypedDict
from urllib.parse import urljoin

import httpx

from simulators.suite import OPENAPI_PATH

SAML_GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
REDIRECT = "https://connector.example.com/oauth/callback"


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


# --- API: CRUD ----------------------------------------------------------------------------


def _project(t: Tenant) -> str:
    return str(t.api.post("/projects", json={"name": "Engineer"}).json()["id"])


def _candidate(t: Tenant, email: str = "cand@example.com") -> str:
    return str(t.api.post("/candidates", json={"email": email}).json()["id"])


def _invitation(t: Tenant) -> str:
    body = {"project_id": _project(t), "candidate_id": _candidate(t)}
    return str(t.api.post("/invitations", json=body).json()["id"])


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


@dataclass(frozen=True)
class Signer:
    key: str
    cert: str


class TlsFiles(TypedDict):
    """LoopbackServer's keyword arguments for serving HTTPS with the signer's certificate."""

    ssl_certfile: str
    ssl_keyfile: str


def _openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))
