"""The suite simulator's SSO sign-in and deep-link pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from simulators.serving import LoopbackServer
from simulators.suite import create_app
from tests.simulators.suite.support import (
    Browser,
    Signer,
    Tenant,
    TlsFiles,
    _invitation,
    _project,
    company_spec,
)

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
