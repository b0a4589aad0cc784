"""The front door of ``/api/v1``: bearer tokens, rate limits and injected faults.

A pure ASGI middleware. Every response under the prefix, errors included, carries
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds until
the company's window resets). A request without a live token gets::

    401 WWW-Authenticate: Bearer error="invalid_token"
    {"error": {"code": "invalid_token", "message": "the access token is expired or unknown"}}

Handlers find the caller's token in ``scope["suite.token"]``.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.suite.errors import ApiError, ServerFault, Unauthorized
from simulators.suite.state import SuiteState
from simulators.suite.tokens import AccessToken

PREFIX = "/api/v1"
ANONYMOUS = ""


class Gateway:
    def __init__(self, app: ASGIApp, sim: SuiteState) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        token = self._token(scope)
        with self.sim.lock:
            verdict = self.sim.traffic.admit(
                token.company_id if token else ANONYMOUS,
                faults=token is not None,
                write=scope.get("method") in ("POST", "PATCH", "PUT", "DELETE"),
            )
        extra = verdict.headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        error: ApiError | None = verdict.error
        if token is None:
            error = self._unauthorized(scope)
        if error is not None:
            await error.response()(scope, receive, send_with_headers)
            return
        scope["suite.token"] = token
        if verdict.lose:  # the write happens, its answer is lost on the way back

            async def discard(message: Message) -> None:
                return None

            with self.sim.webhooks.holding():
                await self.app(scope, receive, discard)
                await ServerFault(502).response()(scope, receive, send_with_headers)
            return
        with self.sim.webhooks.holding():
            await self.app(scope, receive, send_with_headers)

    def _token(self, scope: Scope) -> AccessToken | None:
        value = _header(scope, b"authorization")
        scheme, _, credentials = value.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return None
        token = self.sim.tokens.bearer(credentials.strip())
        if token is None or token.company_id not in self.sim.companies:
            return None
        return token

    def _unauthorized(self, scope: Scope) -> ApiError:
        if not _header(scope, b"authorization"):
            missing = Unauthorized(
                "an access token is required",
                headers={"WWW-Authenticate": 'Bearer realm="suite"'},
            )
            missing.code = "unauthorized"
            return missing
        return Unauthorized(
            "the access token is expired or unknown",
            headers={
                "WWW-Authenticate": 'Bearer realm="suite", error="invalid_token", '
                'error_description="the access token is expired or unknown"'
            },
        )


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def token_of(scope: Scope) -> AccessToken:
    token = scope.get("suite.token")
    if not isinstance(token, AccessToken):
        raise Unauthorized("an access token is required")
    return token
