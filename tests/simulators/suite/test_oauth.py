"""The suite simulator's OAuth 2.0 server: authorization code with PKCE, refresh, client credentials."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from simulators.suite.state import SuiteState
from tests.simulators.suite.support import REDIRECT, Browser, Tenant


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
