"""Webhook routes from the specs: ``POST /hooks/{tenant}/{route}``.

A request is answered 2xx only once its event is in the inbox, in the transaction that
deduplicates it. Before that: the tenant must exist (404), the body must fit (413),
the signature must verify over the raw bytes (401), and the body must be JSON with an
event id (400). None of these writes anything. A registration handshake is answered
directly; event types the spec does not handle are acknowledged and dropped.

Concurrent requests share their commits (``engine.store.group_commit``). When the
database cannot store an event the answer is 503 with ``Retry-After``: the sender keeps
the event and delivers it again, so nothing acknowledged is ever lost.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.dsl import model
from engine.errors import ConnectorError
from engine.metrics import Metrics
from engine.store.group_commit import GroupCommit
from engine.store.inbox import Inbox, NewEvent
from engine.tenants import Runtime, TenantRuntime
from engine.web.registration import stored_secret
from engine.web.signatures import SignatureError, Verifier, make_verifier
from engine.work.events import Source, event_of, sources

log = logging.getLogger("connector.webhooks")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None as soon as it grows past ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


SECRET_TTL = 30.0  # how long a verifier is reused before its secret is read again
REREAD = 1.0  # a refused signature reads the secret again at most this often per route


@dataclass(frozen=True)
class Answer:
    """A response and its outcome, which only the metrics see: a sender learns nothing
    of Connector's inner workings from the headers (``accepted``, ``duplicate``,
    ``ignored``, ``handshake``, or ``refused`` for every error answer).

        Answer(JSONResponse({"status": "duplicate"}), "duplicate")
    """

    response: Response
    outcome: str = "refused"


def _refused(status: int, message: str) -> Answer:
    return Answer(_error(status, message))


class WebhookReceiver:
    """``POST /hooks/{tenant}/{route}``: verify, then store in the inbox, then answer."""

    def __init__(self, runtime: Runtime, inbox: Inbox, metrics: Metrics) -> None:
        self.runtime = runtime
        self.inbox = inbox
        self.commits = GroupCommit(inbox)
        self.metrics = metrics
        self.verifiers: dict[tuple[str, str], tuple[float, Source, Verifier]] = {}

    def endpoint(self, tenant: TenantRuntime, route: str) -> tuple[Source, Verifier] | None:
        """The route's source and verifier, built once per ``SECRET_TTL`` (a secret
        read from the database, the environment and templates is not per request)."""
        cached = self.verifiers.get((tenant.id, route))
        if cached is not None and time.monotonic() - cached[0] < SECRET_TTL:
            return cached[1], cached[2]
        return self._build(tenant, route)

    def reread(self, tenant: TenantRuntime, route: str) -> Verifier | None:
        """A verifier built from the secret as stored now, when the cached one is older
        than ``REREAD``; else None. A subscription made a moment ago (or a rotated
        secret) signs with a secret the cached verifier does not know yet, and its first
        events would be refused for up to ``SECRET_TTL``. Bad signatures cost at most
        one re-read a second per route."""
        cached = self.verifiers.get((tenant.id, route))
        if cached is not None and time.monotonic() - cached[0] < REREAD:
            return None
        found = self._build(tenant, route)
        return found[1] if found else None

    def _build(self, tenant: TenantRuntime, route: str) -> tuple[Source, Verifier] | None:
        source = sources(tenant).get(route)
        if source is None:
            return None
        template = getattr(source.hook.signature, "secret", None)
        secret = stored_secret(tenant, route) or (
            template.render(secrets=source.secrets, tenant=tenant.id) if template else ""
        )
        verifier = make_verifier(source.hook.signature, secret)
        self.verifiers[(tenant.id, route)] = (time.monotonic(), source, verifier)
        return source, verifier

    async def handle(self, request: Request) -> Response:
        """The route's endpoint: the answer, its outcome counted."""
        answer = await self.receive(request)
        self.metrics.received.labels(
            request.path_params["tenant"], request.path_params["route"], answer.outcome
        ).inc()
        return answer.response

    async def receive(self, request: Request) -> Answer:
        tenant_id, route = request.path_params["tenant"], request.path_params["route"]
        if tenant_id not in self.runtime.deployment.tenants:
            return _refused(404, f"unknown tenant {tenant_id!r}")
        tenant = self.runtime.tenant(tenant_id)
        try:
            found = self.endpoint(tenant, route)
        except ConnectorError as exc:
            log.error("tenant %s cannot receive webhooks: %s", tenant_id, exc)
            return _refused(503, "this tenant's webhook secrets are not configured")
        if found is None:
            return _refused(404, f"no webhook route {route!r} for tenant {tenant_id!r}")
        source, verifier = found
        context = await self._verified(request, tenant, source.hook, verifier)
        if isinstance(context, Answer):
            return context
        return await self._accept(tenant_id, route, source, context)

    async def _verified(
        self, request: Request, tenant: TenantRuntime, hook: model.Webhook, verifier: Verifier
    ) -> dict[str, Any] | Answer:
        """What the spec's expressions read (``headers`` and ``body``) of a request whose
        body fits, is signed and is JSON; or the answer that refuses it."""
        try:
            body = await _body(request, hook.max_body_bytes)
        except ClientDisconnect:
            return _refused(400, "the request ended early")
        if body is None:
            return _refused(413, f"body larger than {hook.max_body_bytes} bytes")
        headers = {k.lower(): v for k, v in request.headers.items()}
        route = request.path_params["route"]
        try:
            self._verify(tenant, route, verifier, body, headers)
        except SignatureError as exc:
            log.warning("tenant %s route %s: signature refused: %s", tenant.id, route, exc.message)
            return _refused(401, "signature verification failed")
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # `[[[[…` past the stack
            return _refused(400, "the body is not JSON")
        return {"headers": headers, "body": parsed}

    def _verify(
        self,
        tenant: TenantRuntime,
        route: str,
        verifier: Verifier,
        body: bytes,
        headers: dict[str, str],
    ) -> None:
        """Verify with the cached secret, then once with the secret as stored now."""
        try:
            verifier.verify(body, headers, now=time.time())
        except SignatureError:
            fresh = self.reread(tenant, route)
            if fresh is None:
                raise
            fresh.verify(body, headers, now=time.time())

    async def _accept(
        self, tenant_id: str, route: str, source: Source, context: dict[str, Any]
    ) -> Answer:
        """A verified request: a handshake answered, an event stored, or one ignored."""
        hook = source.hook
        if hook.handshake is not None and hook.handshake.when.search(context):
            shake = hook.handshake
            answer = shake.body.search(context) if shake.body is not None else {"ok": True}
            extra = {name: str(expr.search(context)) for name, expr in shake.headers.items()}
            return Answer(
                JSONResponse(answer, status_code=shake.status, headers=extra), "handshake"
            )
        event_id, event_type = hook.event_id.search(context), hook.event_type.search(context)
        if event_id in (None, "") or not isinstance(event_id, str | int):
            return _refused(400, "the event has no id")
        event = event_of(hook, event_type)
        if event is None:
            return Answer(JSONResponse({"status": "ignored", "event": str(event_type)}), "ignored")
        record_id = event.id.search(context) if event.id is not None else None
        record_key = (
            f"{source.name}:{event.resource}:{record_id}" if record_id is not None else None
        )
        new = NewEvent(tenant_id, route, str(event_id), str(event_type), context, record_key)
        try:
            stored = await self.commits.add(new)
        except SQLAlchemyError as exc:  # not stored: the sender must keep it and retry
            log.error("tenant=%s route=%s event %s not stored: %s", tenant_id, route, event_id,
                      type(exc).__name__)  # fmt: skip
            answer = _error(503, "the event could not be stored; deliver it again")
            answer.headers["Retry-After"] = "5"
            return Answer(answer)
        log.info(
            "tenant=%s route=%s event=%s id=%s stored=%s",
            tenant_id,
            route,
            event_type,
            event_id,
            stored,
        )
        outcome = "accepted" if stored else "duplicate"
        return Answer(JSONResponse({"status": outcome}), outcome)


def webhook_routes(runtime: Runtime, inbox: Inbox, metrics: Metrics | None = None) -> list[Route]:
    receiver = WebhookReceiver(runtime, inbox, metrics or Metrics())
    return [Route("/hooks/{tenant}/{route}", receiver.handle, methods=["POST"])]
