"""Harvest v3 OAuth: client credentials in, bearer tokens out, checked on every /v3 call.

POST /token  Authorization: Basic <id:secret>
             grant_type=client_credentials&sub=<user id>
{"access_token": "ghv3_…", "token_type": "bearer", "expires_at": "2024-05-29T17:26:40+0000"}
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from simulators.greenhouse.config import SimConfig
from simulators.greenhouse.errors import SimError, unprocessable
from simulators.kit.table import Table


@dataclass
class Token:
    value: str
    client_id: str
    user_id: int
    expires_at: int  # epoch seconds

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def expires_at_text(epoch: int) -> str:
    """The `expires_at` of the token response: ISO 8601 with a `+0000` offset."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def oauth_error(status: int, error: str, description: str) -> SimError:
    headers = {"WWW-Authenticate": 'Basic realm="greenhouse"'} if status == 401 else {}
    headers["Cache-Control"] = "no-store"
    return SimError(status, description, error=error, headers=headers)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def parse_form(content_type: str | None, body: bytes) -> dict[str, str]:
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise oauth_error(400, "invalid_request", "the body must be form-urlencoded")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise oauth_error(400, "invalid_request", "malformed form body") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise oauth_error(400, "invalid_request", f"{key} given more than once")
        form[key] = value
    return form


def new_token_value() -> str:
    return "ghv3_" + secrets.token_urlsafe(32)


def bearer(header: str | None) -> str | None:
    if not header or not header.lower().startswith("bearer "):
        return None
    return header[7:].strip() or None


class Auth:
    """Clients (they survive a reset), issued tokens and the token counters."""

    def __init__(self, lock: threading.RLock, config: SimConfig, users: Table) -> None:
        self.lock = lock
        self.config = config
        self.users = users
        self.clients: dict[str, str] = {}
        self.clear()

    def clear(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.counters = {"token_requests": 0, "tokens_issued": 0, "token_failures": 0}
        self.token_requests_by_client: dict[str, int] = {}

    def add_client(self, client_id: str, client_secret: str) -> None:
        """Allow a Harvest V3 (OAuth) credential. Clients survive `reset`."""
        if not client_id or not client_secret or ":" in client_id:
            raise unprocessable("client_id (no ':') and client_secret are required", "client_id")
        with self.lock:
            self.clients[client_id] = client_secret

    def issue_token(
        self, authorization: str | None, content_type: str | None, body: bytes
    ) -> dict[str, Any]:
        """POST /token: client credentials in HTTP Basic, `grant_type` and `sub` in a form."""
        with self.lock:
            self.counters["token_requests"] += 1
            try:
                return self._issue_token(authorization, content_type, body)
            except SimError:
                self.counters["token_failures"] += 1
                raise

    def _issue_token(
        self, authorization: str | None, content_type: str | None, body: bytes
    ) -> dict[str, Any]:
        form = parse_form(content_type, body)
        if "client_id" in form or "client_secret" in form:
            raise oauth_error(401, "invalid_client", "send client credentials with HTTP Basic")
        credentials = basic_credentials(authorization)
        if credentials is None:
            raise oauth_error(401, "invalid_client", "HTTP Basic client authentication required")
        client_id, secret = credentials
        self.token_requests_by_client[client_id] = (
            self.token_requests_by_client.get(client_id, 0) + 1
        )
        expected = self.clients.get(client_id)
        if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
            raise oauth_error(401, "invalid_client", "unknown client or wrong secret")
        grant = form.get("grant_type")
        if grant is None:
            raise oauth_error(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise oauth_error(
                400, "unsupported_grant_type", f"grant_type {grant!r} is not supported"
            )
        sub = form.get("sub", "")
        user = self.users.get(int(sub)) if sub.isdigit() else None
        if user is None or user["deactivated"]:
            raise oauth_error(400, "invalid_request", "sub must be the id of an active user")
        expires = int(time.time() + self.config.token_ttl_seconds)
        token = Token(new_token_value(), client_id, user["id"], expires)
        self.tokens[token.value] = token
        self.counters["tokens_issued"] += 1
        return {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_at": expires_at_text(expires),
        }

    def authenticate(self, authorization: str | None) -> Token:
        value = bearer(authorization)
        with self.lock:
            token = None if value is None else self.tokens.get(value)
            if token is None:
                raise SimError(
                    401,
                    "a valid bearer token is required",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            if token.expired(time.time()):
                raise SimError(
                    401,
                    "the access token expired",
                    headers={
                        "WWW-Authenticate": 'Bearer error="invalid_token", '
                        'error_description="The access token expired"'
                    },
                )
            return token

    def expire_tokens(self) -> int:
        """Make every issued token expired now (clients must fetch a new one)."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = 0
            return len(self.tokens)

    def dump(self) -> dict[str, Any]:
        now = time.time()
        return {
            "requests": self.counters["token_requests"],
            "issued": self.counters["tokens_issued"],
            "failures": self.counters["token_failures"],
            "requests_by_client": dict(self.token_requests_by_client),
            "active": sum(not t.expired(now) for t in self.tokens.values()),
        }
