"""Authentication strategies, one small class per ``type``, registered in ``AUTH``.

A strategy sets credentials on each request (``apply``) and, after a 401, says whether
one retry makes sense (``refresh``). Token-based strategies keep their token in the
database, encrypted, and share one refresh among concurrent callers::

    auth = make_auth(spec.connection.auth, AuthContext(tenant="acme", provider="suite", ...))
    await auth.apply(request)
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx

from engine.client.redact import Redactor
from engine.dsl import model
from engine.dsl.expressions import Template
from engine.errors import AuthError, ConsentRequired, UpstreamError
from engine.store.tokens import Token, TokenStore


@dataclass
class AuthContext:
    """What a strategy needs besides its spec: who it acts for and how to reach out."""

    tenant: str
    provider: str
    render: Callable[[Template], str]
    http: httpx.AsyncClient
    tokens: TokenStore | None = None
    redactor: Redactor | None = None
    urls: Mapping[str, str] | None = None
    """Overrides for ``token_url`` and ``authorize_url`` (sandboxes, regional hosts)."""
    rebase: Callable[[str], str] = str
    """Moves a URL on the spec's API origin to the overridden one."""

    def url(self, name: str, template: Template) -> str:
        if self.urls and self.urls.get(name):
            return self.urls[name]
        return self.rebase(self.render(template))


class AuthStrategy:
    type: ClassVar[str]

    def __init__(self, spec: Any, ctx: AuthContext) -> None:
        self.spec = spec
        self.ctx = ctx

    @property
    def hosts(self) -> set[str]:
        """Hosts besides the API's that this strategy talks to (token endpoints)."""
        return set()

    async def apply(self, request: httpx.Request) -> None:
        raise NotImplementedError

    async def refresh(self, failed: httpx.Request) -> bool:
        """After a 401 with ``failed``: True when a retry may succeed."""
        return False


AUTH: dict[str, type[AuthStrategy]] = {}


def register(cls: type[AuthStrategy]) -> type[AuthStrategy]:
    AUTH[cls.type] = cls
    return cls


def make_auth(spec: model.Auth, ctx: AuthContext) -> AuthStrategy:
    return AUTH[spec.type](spec, ctx)


@register
class NoAuth(AuthStrategy):
    type = "none"

    async def apply(self, request: httpx.Request) -> None:
        return None


@register
class ApiKeyAuth(AuthStrategy):
    """``X-Api-Key: …`` or ``?api_key=…``."""

    type = "api_key"
    spec: model.ApiKeyAuth

    async def apply(self, request: httpx.Request) -> None:
        value = self.ctx.render(self.spec.value)
        if self.spec.in_ == "query":
            request.url = request.url.copy_merge_params({self.spec.name: value})
        else:
            request.headers[self.spec.name] = value


@register
class BasicAuth(AuthStrategy):
    type = "basic"
    spec: model.BasicAuth

    async def apply(self, request: httpx.Request) -> None:
        user = self.ctx.render(self.spec.username)
        password = self.ctx.render(self.spec.password) if self.spec.password else ""
        request.headers["Authorization"] = _basic(user, password)


@register
class BearerAuth(AuthStrategy):
    type = "bearer"
    spec: model.BearerAuth

    async def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.ctx.render(self.spec.token)}"


@register
class TokenHeaderAuth(AuthStrategy):
    """A header with a custom format, such as ``Authorization: Token token=…``."""

    type = "token_header"
    spec: model.TokenHeaderAuth

    async def apply(self, request: httpx.Request) -> None:
        request.headers[self.spec.header] = self.ctx.render(self.spec.value)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


_REFRESH_LOCKS: dict[tuple[str, str, int], asyncio.Lock] = {}


class TokenAuth(AuthStrategy):
    """Bearer tokens from a token endpoint, cached, stored encrypted, refreshed once.

    A token is refreshed ``margin`` seconds before it expires. Concurrent callers wait
    on one lock, so 50 calls with an expired token make exactly one token request; a
    401 refreshes only if no one has replaced the failing token meanwhile.
    """

    margin = 60.0

    def __init__(self, spec: Any, ctx: AuthContext) -> None:
        super().__init__(spec, ctx)
        self._token: Token | None = None
        self._lock_key = (ctx.tenant, ctx.provider)

    @property
    def hosts(self) -> set[str]:
        return {httpx.URL(self.ctx.url("token_url", self.spec.token_url)).host}

    @property
    def _lock(self) -> asyncio.Lock:
        """One lock per tenant and provider in this event loop, shared by every client:
        refresh tokens rotate, so two clients refreshing at once would spend the same
        one twice and the second would be refused."""
        loop = asyncio.get_running_loop()
        key = (*self._lock_key, id(loop))
        lock = _REFRESH_LOCKS.get(key)
        if lock is None:
            lock = _REFRESH_LOCKS[key] = asyncio.Lock()
        return lock

    async def apply(self, request: httpx.Request) -> None:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token.access_token}"

    async def token(self) -> Token:
        if self._token is not None and self._token.fresh(self.margin):
            return self._token
        async with self._lock:
            if self._token is None or not self._token.fresh(self.margin):
                stored = self._load()
                if stored is not None and stored.fresh(self.margin):
                    self._token = stored
                else:
                    self._token = self._save(await self.obtain(stored or self._token))
            return self._token

    async def refresh(self, failed: httpx.Request) -> bool:
        used = failed.headers.get("Authorization", "").removeprefix("Bearer ")
        async with self._lock:
            stored = self._load()  # another client may have refreshed (and rotated) already
            current = stored if stored is not None else self._token
            if current is not None and current.access_token != used:
                self._token = current
                return True  # someone else refreshed already
            stale = Token(
                used, expires_at=0, refresh_token=current.refresh_token if current else None
            )
            self._token = self._save(await self.obtain(stale))
            return True

    async def obtain(self, previous: Token | None) -> Token:
        raise NotImplementedError

    def _load(self) -> Token | None:
        store = self.ctx.tokens
        return store.load(self.ctx.tenant, self.ctx.provider) if store else None

    def _save(self, token: Token) -> Token:
        if self.ctx.redactor:
            self.ctx.redactor.add(token.access_token, token.refresh_token)
        if self.ctx.tokens:
            self.ctx.tokens.save(self.ctx.tenant, self.ctx.provider, token)
        return token

    async def token_request(self, form: dict[str, str], *, client_auth: str | None) -> Token:
        """POST ``form`` to the token endpoint and parse an RFC 6749 answer."""
        url = self.ctx.url("token_url", self.spec.token_url)
        headers = {"Accept": "application/json"}
        client_id = self.ctx.render(self.spec.client_id) if self.spec.client_id else None
        secret_t = getattr(self.spec, "client_secret", None)
        secret = self.ctx.render(secret_t) if secret_t is not None else None
        if client_id and client_auth == "basic" and secret is not None:
            headers["Authorization"] = _basic(client_id, secret)
        elif client_id:
            form["client_id"] = client_id
            if secret is not None:
                form["client_secret"] = secret
        for name, value in getattr(self.spec, "token_params", {}).items():
            form[name] = self.ctx.render(value)
        if self.ctx.redactor:
            self.ctx.redactor.add(secret, form.get("refresh_token"), form.get("code"))
        response = await self._post(url, form, headers)
        return parse_token_response(
            response, previous_refresh=form.get("refresh_token"), ctx=self.ctx
        )

    async def _post(
        self, url: str, form: dict[str, str], headers: dict[str, str]
    ) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(3):
            try:
                response = await self.ctx.http.post(url, data=form, headers=headers)
            except httpx.TransportError as exc:
                last = exc
            else:
                if response.status_code not in (429, 500, 502, 503, 504):
                    return response
                last = UpstreamError("token endpoint busy", status=response.status_code)
            await asyncio.sleep(0.2 * 2**attempt)
        # the URL without its query, which a token endpoint never needs to show
        shown = str(httpx.URL(url).copy_with(query=None))
        if self.ctx.redactor:
            shown = self.ctx.redactor(shown)
        raise AuthError(
            f"token endpoint {shown} unreachable: {type(last).__name__}",
            tenant=self.ctx.tenant,
            provider=self.ctx.provider,
        )


def parse_token_response(
    response: httpx.Response, *, previous_refresh: str | None, ctx: AuthContext
) -> Token:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict) or not body.get("access_token"):
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        detail = ": ".join(str(p) for p in (error, description) if p) or "no access_token"
        if ctx.redactor:
            detail = ctx.redactor(detail)
        raise AuthError(
            f"token request refused: {detail}",
            status=response.status_code,
            tenant=ctx.tenant,
            provider=ctx.provider,
        )
    return Token(
        access_token=str(body["access_token"]),
        expires_at=_expiry(body),
        refresh_token=body.get("refresh_token") or previous_refresh,
        scope=body.get("scope"),
    )


def _expiry(body: Mapping[str, Any]) -> float | None:
    """``expires_in`` seconds (RFC 6749), or an absolute ``expires_at`` (Greenhouse)."""
    if isinstance(body.get("expires_in"), int | float):
        return time.time() + float(body["expires_in"])
    expires_at = body.get("expires_at")
    if isinstance(expires_at, int | float):
        return float(expires_at)
    if isinstance(expires_at, str):
        try:
            return datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


@register
class OAuth2ClientCredentials(TokenAuth):
    type = "oauth2_client_credentials"
    spec: model.OAuth2ClientCredentials

    async def obtain(self, previous: Token | None) -> Token:
        form = {"grant_type": "client_credentials"}
        if self.spec.scopes:
            form["scope"] = " ".join(self.spec.scopes)
        if self.spec.audience is not None:
            form["audience"] = self.ctx.render(self.spec.audience)
        return await self.token_request(form, client_auth=self.spec.client_auth)


@register
class OAuth2AuthorizationCode(TokenAuth):
    """Tokens from a user's consent (see ``consent.py``), refreshed with rotation."""

    type = "oauth2_authorization_code"
    spec: model.OAuth2AuthorizationCode

    def __init__(self, spec: Any, ctx: AuthContext) -> None:
        super().__init__(spec, ctx)
        self.margin = float(spec.refresh_margin)

    @property
    def hosts(self) -> set[str]:
        authorize = httpx.URL(self.ctx.url("authorize_url", self.spec.authorize_url)).host
        return super().hosts | {authorize}

    async def obtain(self, previous: Token | None) -> Token:
        if previous is None or not previous.refresh_token:
            raise ConsentRequired(
                f"no token yet: an admin must connect the account at /oauth/{self.ctx.tenant}/start",
                tenant=self.ctx.tenant,
                provider=self.ctx.provider,
            )
        form = {"grant_type": "refresh_token", "refresh_token": previous.refresh_token}
        return await self.token_request(form, client_auth=self.spec.client_auth)

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str | None) -> Token:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier:
            form["code_verifier"] = verifier
        async with self._lock:
            self._token = self._save(
                await self.token_request(form, client_auth=self.spec.client_auth)
            )
            return self._token


@register
class Saml2Bearer(TokenAuth):
    """RFC 7522: a SAML 2.0 assertion signed here, exchanged for an access token."""

    type = "saml2_bearer"
    spec: model.Saml2Bearer

    async def obtain(self, previous: Token | None) -> Token:
        from engine.client.saml import signed_assertion

        token_url = self.ctx.url("token_url", self.spec.token_url)
        audience = self.ctx.render(self.spec.audience)
        assertion = signed_assertion(
            issuer=self.ctx.render(self.spec.issuer),
            audience=token_url if audience == self.ctx.render(self.spec.token_url) else audience,
            recipient=token_url,
            subject=self.ctx.render(self.spec.subject),
            private_key=self.ctx.render(self.spec.private_key),
            certificate=self.ctx.render(self.spec.certificate),
            lifetime=float(self.spec.lifetime),
        )
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer",
            "assertion": base64.urlsafe_b64encode(assertion).decode().rstrip("="),
        }
        if self.spec.scopes:
            form["scope"] = " ".join(self.spec.scopes)
        return await self.token_request(form, client_auth="body")
