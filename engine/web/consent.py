"""The OAuth 2.0 consent flow for authorization-code connections (RFC 6749 + PKCE S256).

``GET /oauth/{tenant}/start`` sends an admin's browser to the provider's consent page;
``GET /oauth/{tenant}/callback`` exchanges the code and stores the tokens, encrypted.

``state`` is sealed with the encryption key (tenant, PKCE verifier, a nonce, expiry),
so no server-side session is needed; the nonce is also set in a cookie scoped to the
tenant's /oauth path, which binds the callback to the browser that started the flow
(a forged callback link cannot connect someone else's account).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken, MultiFernet
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine.client.api import ApiClient
from engine.client.auth import OAuth2AuthorizationCode
from engine.errors import ConnectorError
from engine.web.pages import message_page

STATE_TTL = 600
COOKIE = "connector_oauth"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class ConsentFlow:
    """The two steps of the flow. ``suite_client(tenant)`` is None for unknown tenants;
    ``allowed(request, tenant)`` returns why a start is refused, or None: only an admin
    with a start link (``connector consent-url``) may connect a tenant's account."""

    def __init__(
        self,
        suite_client: Callable[[str], ApiClient | None],
        cipher: MultiFernet,
        public_url: Callable[[Request], str],
        allowed: Callable[[Request, str], str | None],
    ) -> None:
        self.suite_client = suite_client
        self.cipher = cipher
        self.public_url = public_url
        self.allowed = allowed

    @staticmethod
    def strategy(client: ApiClient) -> OAuth2AuthorizationCode | None:
        auth = client.auth
        return auth if isinstance(auth, OAuth2AuthorizationCode) else None

    def redirect_uri(self, request: Request, tenant: str) -> str:
        return f"{self.public_url(request).rstrip('/')}/oauth/{tenant}/callback"

    async def start(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        client = self.suite_client(tenant)
        if client is None:
            return message_page("Unknown tenant", f"No tenant named {tenant!r} is configured.", 404)
        refused = self.allowed(request, tenant)
        if refused is not None:
            await client.aclose()
            return message_page("Not allowed", refused, 403)
        async with client:
            auth = self.strategy(client)
            if auth is None:
                return message_page(
                    "Nothing to connect", "This tenant does not sign in with OAuth.", 400
                )
            nonce = secrets.token_urlsafe(16)
            target = self._consent_url(request, tenant, client, auth, nonce)
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=STATE_TTL,
            path=f"/oauth/{tenant}",
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="lax",
        )
        return response

    def _consent_url(
        self,
        request: Request,
        tenant: str,
        client: ApiClient,
        auth: OAuth2AuthorizationCode,
        nonce: str,
    ) -> str:
        """The provider's consent page, with the sealed state and the PKCE challenge."""
        verifier, challenge = pkce_pair()
        sealed = {"tenant": tenant, "verifier": verifier, "nonce": nonce}
        state = self.cipher.encrypt(json.dumps(sealed).encode()).decode()
        query = {
            "response_type": "code",
            "client_id": client.render(auth.spec.client_id),
            "redirect_uri": self.redirect_uri(request, tenant),
            "state": state,
        }
        if auth.spec.scopes:
            query["scope"] = " ".join(auth.spec.scopes)
        if auth.spec.pkce:
            query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        target = auth.ctx.url("authorize_url", auth.spec.authorize_url)
        return f"{target}?{urlencode(query)}"

    def _sealed(self, request: Request, tenant: str) -> dict[str, Any] | Response:
        """The state the start sealed, checked against this tenant and browser; or the
        page that refuses the callback."""
        params = request.query_params
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            return message_page(
                "Not connected", f"The suite refused the connection: {reason}.", 400
            )
        try:
            sealed = json.loads(
                self.cipher.decrypt(params.get("state", "").encode(), ttl=STATE_TTL)
            )
        except (InvalidToken, ValueError):
            return message_page(
                "Not connected", "The sign-in link expired or was altered; start again.", 400
            )
        if sealed.get("tenant") != tenant or sealed.get("nonce") != request.cookies.get(COOKIE):
            return message_page(
                "Not connected", "This sign-in was started in another browser; start again.", 403
            )
        return dict(sealed)

    async def callback(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        params = request.query_params
        sealed = self._sealed(request, tenant)
        if isinstance(sealed, Response):
            return sealed
        client = self.suite_client(tenant)
        if client is None:
            return message_page("Unknown tenant", f"No tenant named {tenant!r} is configured.", 404)
        async with client:
            auth = self.strategy(client)
            if auth is None or not params.get("code"):
                return message_page(
                    "Not connected", "The callback carried no authorization code.", 400
                )
            try:
                await auth.exchange_code(
                    params["code"],
                    self.redirect_uri(request, tenant),
                    sealed["verifier"] if auth.spec.pkce else None,
                )
            except ConnectorError as exc:
                return message_page("Not connected", exc.message, 502)
        response = message_page("Connected", f"Tenant {tenant!r} is connected to the suite.", 200)
        response.delete_cookie(COOKIE, path=f"/oauth/{tenant}")
        return response


def consent_routes(
    suite_client: Callable[[str], ApiClient | None],
    cipher: MultiFernet,
    public_url: Callable[[Request], str],
    allowed: Callable[[Request, str], str | None],
) -> list[Route]:
    """``GET /oauth/{tenant}/start`` and ``GET /oauth/{tenant}/callback`` (``ConsentFlow``)."""
    flow = ConsentFlow(suite_client, cipher, public_url, allowed)
    return [
        Route("/oauth/{tenant}/start", flow.start, methods=["GET"]),
        Route("/oauth/{tenant}/callback", flow.callback, methods=["GET"]),
    ]
