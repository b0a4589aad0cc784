"""The OAuth 2.0 server: ``/oauth/authorize`` (code + PKCE) and ``/oauth/token``.

    GET  /oauth/authorize?response_type=code&client_id=c&redirect_uri=…&state=s
         &code_challenge=…&code_challenge_method=S256
         -> /sso/login without a session; a consent form with one
    POST /oauth/authorize (the form, decision=allow) -> 302 redirect_uri?code=…&state=s
    POST /oauth/token grant_type=authorization_code&code=…&redirect_uri=…&code_verifier=…
         -> {"access_token": …, "token_type": "Bearer", "expires_in": 3600,
             "refresh_token": …, "scope": …}

Grants, one function each in ``GRANTS``: ``authorization_code``, ``refresh_token`` (rotating),
``client_credentials`` and the SAML 2.0 bearer assertion (RFC 7522), where client
authentication is optional and the assertion's Issuer picks the client. A client
authenticates with HTTP Basic or with ``client_id``/``client_secret`` in the body, not both.
Errors follow RFC 6749 5.2: ``{"error": "invalid_grant", "error_description": …}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulators.suite.http import FormError, read_form, request_root
from simulators.suite.pages import csrf_token, hidden, login_redirect, page, session_of
from simulators.suite.saml import AssertionRejected, decode_assertion, peek_issuer
from simulators.suite.saml import verify_assertion as verify_saml
from simulators.suite.state import SuiteState
from simulators.suite.tokens import DEFAULT_SCOPE, SCOPES, Client

SAML_GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
PKCE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, **headers: str):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.headers = {**NO_STORE, **headers}

    def response(self) -> Response:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def invalid_client(description: str) -> OAuthError:
    return OAuthError(
        "invalid_client", description, 401, **{"WWW-Authenticate": 'Basic realm="suite"'}
    )


def parse_scope(requested: str | None) -> str | None:
    """The granted scope string, or None if any requested scope is unknown."""
    if not requested:
        return DEFAULT_SCOPE
    names = list(dict.fromkeys(requested.split()))
    return " ".join(names) if all(n in SCOPES for n in names) else None


# --- /oauth/authorize ---------------------------------------------------------------------

AUTHORIZE_PARAMS = (
    "response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge",
    "code_challenge_method",
)  # fmt: skip


async def authorize(request: Request) -> Response:
    sim: SuiteState = request.app.state.sim
    if request.method == "POST":
        try:
            params = await read_form(request)
        except FormError as exc:
            return page("Bad request", f"<p>{escape(str(exc))}</p>", 400)
    else:
        params = dict(request.query_params)
    client = sim.tokens.clients.get(params.get("client_id", ""))
    if client is None:
        return page("Unknown application", "<p>The client_id is not registered.</p>", 400)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        return page("Bad redirect", "<p>The redirect_uri is not registered.</p>", 400)
    state = params.get("state")

    def back(**result: str) -> Response:
        return RedirectResponse(_with_query(redirect_uri, result, state), status_code=302)

    scope = parse_scope(params.get("scope"))
    problem = _authorize_problem(params)
    if params.get("response_type") != "code":
        return back(error="unsupported_response_type")
    if scope is None:
        return back(error="invalid_scope", error_description="unknown scope")
    if problem is not None:
        return back(error="invalid_request", error_description=problem)
    session = session_of(request)
    user = sim.memberships(session).get(client.company_id)
    if session is None or user is None:
        if not sim.memberships(session):
            return login_redirect(_as_get(request, params))
        return page("Wrong account", "<p>You are not a user of this company.</p>", 403)
    if request.method == "GET":
        return _consent(sim, client, user, params, session)
    if not hmac.compare_digest(params.get("csrf", ""), csrf_token(sim, session)):
        return page("Bad request", "<p>The form has expired; start again.</p>", 400)
    if params.get("decision") != "allow":
        return back(error="access_denied")
    with sim.lock:
        code = sim.tokens.new_code(
            client,
            user_id=user["id"],
            redirect_uri=redirect_uri,
            challenge=params["code_challenge"],
            scope=scope,
        )
    return back(code=code)


def _authorize_problem(params: Mapping[str, str]) -> str | None:
    challenge = params.get("code_challenge")
    if not challenge:
        return "code_challenge is required (PKCE)"
    if params.get("code_challenge_method") != "S256":
        return "code_challenge_method must be S256"
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
        return "code_challenge is not a base64url SHA-256 digest"
    return None


def _consent(
    sim: SuiteState,
    client: Client,
    user: Mapping[str, Any],
    params: Mapping[str, str],
    session: str,
) -> Response:
    fields = "".join(hidden(n, params[n]) for n in AUTHORIZE_PARAMS if n in params)
    scope = parse_scope(params.get("scope")) or ""
    body = (
        f"<p>{escape(user['email'])}: allow <b>{escape(client.client_id)}</b>"
        f" to use {escape(scope)}?</p>"
        f'<form method="post" action="/oauth/authorize">{fields}{hidden("csrf", csrf_token(sim, session))}'
        '<button name="decision" value="allow">Allow</button> '
        '<button name="decision" value="deny">Deny</button></form>'
    )
    return page("Authorize access", body)


def _with_query(url: str, params: Mapping[str, str], state: str | None) -> str:
    parts = urlsplit(url)
    extra = {**params, **({"state": state} if state is not None else {})}
    query = "&".join(filter(None, (parts.query, urlencode(extra))))
    return urlunsplit(parts._replace(query=query))


def _as_get(request: Request, params: Mapping[str, str]) -> Request:
    if request.method == "GET":
        return request
    kept = {n: params[n] for n in AUTHORIZE_PARAMS if n in params}
    scope = {**request.scope, "method": "GET", "query_string": urlencode(kept).encode()}
    return Request(scope)


# --- /oauth/token -------------------------------------------------------------------------

Grant = Callable[[SuiteState, Request, dict[str, str], Client | None], dict[str, Any]]


async def token(request: Request) -> Response:
    sim: SuiteState = request.app.state.sim
    try:
        form = await read_form(request)
    except FormError as exc:
        return OAuthError("invalid_request", str(exc)).response()
    grant_type = form.get("grant_type", "")
    try:
        with sim.lock:
            sim.tokens.requests[grant_type or "(missing)"] += 1
            grant = GRANTS.get(grant_type)
            if grant is None:
                raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}")
            client = _authenticate(sim, request, form, required=grant_type != SAML_GRANT)
            body = grant(sim, request, form, client)
    except OAuthError as exc:
        return exc.response()
    return JSONResponse(body, headers=NO_STORE)


def _authenticate(
    sim: SuiteState, request: Request, form: dict[str, str], *, required: bool
) -> Client | None:
    basic = _basic(request)
    secret: str | None
    body_id, body_secret = form.get("client_id"), form.get("client_secret")
    if basic is not None:
        if body_secret is not None:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        if body_id is not None and body_id != basic[0]:
            raise invalid_client("client_id differs from the Basic credentials")
        client_id, secret = basic
    elif body_id is not None:
        client_id, secret = body_id, body_secret
    elif required:
        raise invalid_client("client authentication is required")
    else:
        return None
    client = sim.tokens.clients.get(client_id)
    if client is None:
        raise invalid_client(f"unknown client {client_id!r}")
    if secret is None:
        if required:
            raise invalid_client("client_secret is required")
        return client
    if not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
        raise invalid_client("wrong client secret")
    return client


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_client("malformed Basic credentials") from None
    if not sep:
        raise invalid_client("malformed Basic credentials")
    # RFC 6749 2.3.1: both halves are form-urlencoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


def grant_authorization_code(
    sim: SuiteState, request: Request, form: dict[str, str], client: Client | None
) -> dict[str, Any]:
    if client is None:
        raise invalid_client("client authentication is required")
    code = sim.tokens.codes.get(_required(form, "code"))
    if code is None or code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if code.used:
        sim.tokens.revoke(code.issued)
        raise OAuthError("invalid_grant", "the authorization code was already used")
    if code.expires_at <= sim.now():
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    verifier = _required(form, "code_verifier")
    digest = hashlib.sha256(verifier.encode()).digest()
    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    if not PKCE.match(verifier) or not hmac.compare_digest(computed, code.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    code.used = True
    body = sim.tokens.issue(
        client,
        grant="authorization_code",
        company_id=code.company_id,
        user_id=code.user_id,
        scope=code.scope,
        refresh=True,
    )
    code.issued += [body["access_token"], body["refresh_token"]]
    return body


def grant_refresh_token(
    sim: SuiteState, request: Request, form: dict[str, str], client: Client | None
) -> dict[str, Any]:
    if client is None:
        raise invalid_client("client authentication is required")
    old = sim.tokens.refresh.get(_required(form, "refresh_token"))
    if old is None or old.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if old.used:
        raise OAuthError("invalid_grant", "the refresh token was already used (they rotate)")
    scope = old.scope
    if form.get("scope"):
        asked = parse_scope(form["scope"])
        if asked is None or not set(asked.split()) <= set(old.scope.split()):
            raise OAuthError("invalid_scope", "a refresh cannot widen the scope")
        scope = asked
    old.used = True
    return sim.tokens.issue(
        client,
        grant="refresh_token",
        company_id=old.company_id,
        user_id=old.user_id,
        scope=scope,
        refresh=True,
    )


def grant_client_credentials(
    sim: SuiteState, request: Request, form: dict[str, str], client: Client | None
) -> dict[str, Any]:
    if client is None:
        raise invalid_client("client authentication is required")
    scope = parse_scope(form.get("scope"))
    if scope is None:
        raise OAuthError("invalid_scope", f"unknown scope in {form.get('scope')!r}")
    return sim.tokens.issue(
        client, grant="client_credentials", company_id=client.company_id, user_id=None, scope=scope
    )


def grant_saml_bearer(
    sim: SuiteState, request: Request, form: dict[str, str], client: Client | None
) -> dict[str, Any]:
    scope = parse_scope(form.get("scope"))
    if scope is None:
        raise OAuthError("invalid_scope", f"unknown scope in {form.get('scope')!r}")
    try:
        xml = decode_assertion(_required(form, "assertion"))
    except AssertionRejected as exc:
        raise OAuthError("invalid_grant", str(exc)) from None
    if client is None:
        issuer = peek_issuer(xml)
        trusting = [c for c in sim.tokens.clients.values() if c.saml_issuer == issuer]
        if not trusting:
            raise OAuthError("invalid_grant", f"no client trusts the issuer {issuer!r}")
        client = trusting[0]
    if client.saml_certificate is None:
        raise OAuthError("invalid_grant", f"client {client.client_id!r} has no SAML certificate")
    # The token endpoint's public name, and the name it was reached by.
    roots = {sim.root(request_root(request)), request_root(request)}
    try:
        email = verify_saml(
            xml,
            certificate=client.saml_certificate,
            issuer=client.saml_issuer or client.client_id,
            audiences={root + "/oauth/token" for root in roots},
            now=sim.now(),
            skew=sim.settings.saml_skew,
        )
    except AssertionRejected as exc:
        raise OAuthError("invalid_grant", str(exc)) from None
    user = sim.company(client.company_id).user_by_email(email)
    if user is None:
        raise OAuthError("invalid_grant", f"{email!r} is not a user of the company")
    return sim.tokens.issue(
        client, grant=SAML_GRANT, company_id=client.company_id, user_id=user["id"], scope=scope
    )


GRANTS: dict[str, Grant] = {
    "authorization_code": grant_authorization_code,
    "refresh_token": grant_refresh_token,
    "client_credentials": grant_client_credentials,
    SAML_GRANT: grant_saml_bearer,
}


def routes() -> list[Route]:
    return [
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
    ]
