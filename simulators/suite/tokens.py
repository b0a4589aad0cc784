"""OAuth clients, authorization codes, access and refresh tokens, and who asked for what.

    store.issue(client, grant="client_credentials", user_id=None, scope="projects")
    # {"access_token": "at_…", "token_type": "Bearer", "expires_in": 3600, "scope": "projects"}
    store.bearer("at_…")            # the AccessToken, or None once expired or unknown
    store.rotate("rt_…", client)    # a new token response; the old refresh token is dead

Refresh tokens rotate: each is good for one use. ``requests`` counts token requests per
grant type, failed ones too, so a test can assert that a client refreshed exactly once.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulators.suite.knobs import Settings

SCOPES = ("projects", "candidates", "invitations", "ratings", "users", "webhooks", "offline_access")
DEFAULT_SCOPE = " ".join(SCOPES[:-1])


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    company_id: str
    redirect_uris: tuple[str, ...] = ()
    saml_certificate: str | None = None
    saml_issuer: str | None = None

    def dump(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "saml_issuer": self.saml_issuer,
            "saml_certificate": self.saml_certificate,
        }


@dataclass
class AccessToken:
    token: str
    company_id: str
    client_id: str | None
    user_id: str | None
    scope: str
    grant: str
    expires_at: float


@dataclass
class RefreshToken:
    token: str
    company_id: str
    client_id: str
    user_id: str | None
    scope: str
    used: bool = False


@dataclass
class AuthCode:
    code: str
    client_id: str
    company_id: str
    user_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    expires_at: float
    used: bool = False
    # Tokens issued for this code, revoked if the code is ever presented again (RFC 6749 4.1.2).
    issued: list[str] = field(default_factory=list)


class TokenStore:
    def __init__(self, settings: Settings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.requests: Counter[str] = Counter()
        self.issued: Counter[str] = Counter()

    def reset(self) -> None:
        for table in (self.clients, self.codes, self.access, self.refresh):
            table.clear()
        self.requests.clear()
        self.issued.clear()

    def new_code(
        self, client: Client, *, user_id: str, redirect_uri: str, challenge: str, scope: str
    ) -> str:
        code = secrets.token_urlsafe(24)
        expires_at = self.clock() + self.settings.code_ttl
        self.codes[code] = AuthCode(
            code, client.client_id, client.company_id, user_id, redirect_uri, challenge, scope,
            expires_at,
        )  # fmt: skip
        return code

    def issue(
        self,
        client: Client | None,
        *,
        grant: str,
        company_id: str,
        user_id: str | None,
        scope: str,
        refresh: bool = False,
    ) -> dict[str, Any]:
        """A token response (RFC 6749 5.1); with ``refresh``, a refresh token too."""
        ttl = self.settings.access_token_ttl
        client_id = client.client_id if client else None
        token = AccessToken(
            "at_" + secrets.token_urlsafe(24), company_id, client_id, user_id, scope, grant,
            self.clock() + ttl,
        )  # fmt: skip
        self.access[token.token] = token
        if client is not None:  # tokens minted for tests are nobody's request
            self.issued[grant] += 1
        body: dict[str, Any] = {
            "access_token": token.token,
            "token_type": "Bearer",
            "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
            "scope": scope,
        }
        if refresh and client is not None:
            rt = RefreshToken("rt_" + secrets.token_urlsafe(32), company_id, client.client_id,
                              user_id, scope)  # fmt: skip
            self.refresh[rt.token] = rt
            body["refresh_token"] = rt.token
        return body

    def bearer(self, token: str) -> AccessToken | None:
        found = self.access.get(token)
        if found is None or found.expires_at <= self.clock():
            return None
        return found

    def expire_access_tokens(self) -> int:
        """End every access token now; refresh tokens stay good. Returns how many were live."""
        now = self.clock()
        live = [t for t in self.access.values() if t.expires_at > now]
        for token in live:
            token.expires_at = now
        return len(live)

    def revoke(self, tokens: list[str]) -> None:
        for token in tokens:
            self.access.pop(token, None)
            self.refresh.pop(token, None)

    def counts(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "issued": dict(self.issued)}
