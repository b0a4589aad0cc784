"""Webhook routes from the specs: ``POST /hooks/{tenant}/{route}``.

A request is answered 2xx only once its event is in the inbox, in the transaction that
deduplicates it. Before that: the tenant must exist (404), the body must fit (413),
the signature must verify over the raw bytes (401), and the body must be JSON with an
event id (400). None of these writes anything. A registration handshake is answered
directly; event types the spec does not handle are acknowledged and dropped.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.errors import ConnectorError
from engine.metrics import Metrics
from engine.store.inbox import Inbox
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


def webhook_routes(runtime: Runtime, inbox: Inbox, metrics: Metrics | None = None) -> list[Route]:
    metrics = metrics or Metrics()
    verifiers: dict[tuple[str, str], tuple[float, Source, Verifier]] = {}

    def endpoint(tenant: TenantRuntime, route: str) -> tuple[Source, Verifier] | None:
        """The route's source and verifier, built once per ``SECRET_TTL`` (a secret
        read from the database, the environment and templates is not per request)."""
        cached = verifiers.get((tenant.id, route))
        if cached is not None and time.monotonic() - cached[0] < SECRET_TTL:
            return cached[1], cached[2]
        source = sources(tenant).get(route)
        if source is None:
            return None
        template = getattr(source.hook.signature, "secret", None)
        secret = stored_secret(tenant, route) or (
            template.render(secrets=source.secrets, tenant=tenant.id) if template else ""
        )
        verifier = make_verifier(source.hook.signature, secret)
        verifiers[(tenant.id, route)] = (time.monotonic(), source, verifier)
        return source, verifier

    async def receive(request: Request) -> Response:
        response = await _receive(request)
        outcome = response.headers.get("x-connector-outcome", "refused")
        metrics.received.labels(
            request.path_params["tenant"], request.path_params["route"], outcome
        ).inc()
        return response

    async def _receive(request: Request) -> Response:
        tenant_id, route = request.path_params["tenant"], request.path_params["route"]
        if tenant_id not in runtime.deployment.tenants:
            return _error(404, f"unknown tenant {tenant_id!r}")
        tenant = runtime.tenant(tenant_id)
        try:
            found = endpoint(tenant, route)
        except ConnectorError as exc:
            log.error("tenant %s cannot receive webhooks: %s", tenant_id, exc)
            return _error(503, "this tenant's webhook secrets are not configured")
        if found is None:
            return _error(404, f"no webhook route {route!r} for tenant {tenant_id!r}")
        source, verifier = found
        hook = source.hook
        try:
            body = await _body(request, hook.max_body_bytes)
        except ClientDisconnect:
            return _error(400, "the request ended early")
        if body is None:
            return _error(413, f"body larger than {hook.max_body_bytes} bytes")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            verifier.verify(body, headers, now=time.time())
        except SignatureError as exc:
            log.warning("tenant %s route %s: signature refused: %s", tenant_id, route, exc.message)
            return _error(401, "signature verification failed")
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body is not JSON")
        context = {"headers": headers, "body": parsed}
        if hook.handshake is not None and hook.handshake.when.search(context):
            shake = hook.handshake
            answer = shake.body.search(context) if shake.body is not None else {"ok": True}
            extra = {name: str(expr.search(context)) for name, expr in shake.headers.items()}
            extra["X-Connector-Outcome"] = "handshake"
            return JSONResponse(answer, status_code=shake.status, headers=extra)
        event_id, event_type = hook.event_id.search(context), hook.event_type.search(context)
        if event_id in (None, "") or not isinstance(event_id, str | int):
            return _error(400, "the event has no id")
        event = event_of(hook, event_type)
        if event is None:
            return JSONResponse(
                {"status": "ignored", "event": str(event_type)},
                headers={"X-Connector-Outcome": "ignored"},
            )
        record_id = event.id.search(context) if event.id is not None else None
        record_key = (
            f"{source.name}:{event.resource}:{record_id}" if record_id is not None else None
        )
        stored = inbox.add(tenant_id, route, str(event_id), str(event_type), context, record_key)
        log.info(
            "tenant=%s route=%s event=%s id=%s stored=%s",
            tenant_id,
            route,
            event_type,
            event_id,
            stored,
        )
        outcome = "accepted" if stored else "duplicate"
        return JSONResponse({"status": outcome}, headers={"X-Connector-Outcome": outcome})

    return [Route("/hooks/{tenant}/{route}", receive, methods=["POST"])]
