"""The admin page's credentials, all derived from the one admin token.

    keys = AdminKeys(admin_token(runtime.env))  # None when CONNECTOR_ADMIN_TOKEN is unset
    cookie = session_cookie(keys, now)          # "connector_admin=…; Max-Age=43200; …"
    credentials(request, keys, now)             # "header", "query", "cookie", False or None

The cookie holds a signed, expiring token (the widgets' kind), never the admin token;
the CSRF token of the Retry form is an HMAC of the admin token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from engine.web.pages import EmbedTokens, TokenError

TOKEN_ENV = "CONNECTOR_ADMIN_TOKEN"
COOKIE = "connector_admin"
PATH = "/admin"
SESSION_TTL = 12 * 3600  # a cookie is good for a working day, then the token is asked again

Via = Literal["header", "query", "cookie"]


def admin_token(env: Mapping[str, str] | None) -> str | None:
    """The configured admin token, read like every setting (the runtime's environment)."""
    source = os.environ if env is None else env
    value = source.get(TOKEN_ENV, "").strip()
    return value or None


@dataclass(frozen=True)
class AdminKeys:
    """Everything derived from the admin token: the session cookie and the CSRF token."""

    token: str

    def _mac(self, label: str) -> str:
        return hmac.new(self.token.encode(), label.encode(), hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def session(self, now: float) -> str:
        """The cookie's value: a signed, expiring token (the widgets' kind), keyed by the
        admin token, so that changing the token ends every session."""
        return self._sessions.issue("admin", "session", "-", ttl=SESSION_TTL, now=now)

    def session_ok(self, value: str, now: float) -> bool:
        try:
            self._sessions.check(value, "admin", "session", "-", now=now)
        except TokenError:
            return False
        return True

    @property
    def _sessions(self) -> EmbedTokens:
        return EmbedTokens.from_secret(f"connector admin session v2|{self.token}")

    @property
    def csrf(self) -> str:
        return self._mac("connector admin csrf v1")

    def csrf_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.csrf.encode())


def credentials(request: Request, keys: AdminKeys, now: float) -> Via | Literal[False] | None:
    """How the request proved it knows the token; None when it did not try, False when
    it gave a wrong one (a wrong explicit token wins over a valid cookie)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":  # another scheme may be a proxy's: it is not ours to judge
        return "header" if keys.token_ok(given.strip()) else False
    in_query = request.query_params.get("token")
    if in_query is not None:
        return "query" if keys.token_ok(in_query) else False
    cookie = request.cookies.get(COOKIE)
    if cookie is not None:
        return "cookie" if keys.session_ok(cookie, now) else False
    return None


def session_cookie(keys: AdminKeys, now: float) -> str:
    """The ``Set-Cookie`` value of a new session, sent over HTTPS only and hidden from
    scripts: ``connector_admin=…; Max-Age=43200; Path=/admin; HttpOnly; Secure; …``."""
    return (
        f"{COOKIE}={keys.session(now)}; Max-Age={SESSION_TTL}; Path={PATH}; "
        "HttpOnly; Secure; SameSite=None; Partitioned"
    )
