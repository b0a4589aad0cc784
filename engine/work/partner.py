"""Partner callbacks: when the suite reports an ordered interview done (or rated), the
ATS is called back at the URL it gave with the order, through the inbox.

    interview = await interview_of(tenant, inbox, suite, "rating", rating_id, rating)
    await partner_followup(tenant, inbox, suite, signing_key, interview)
    # stored as source "partner", type "callback", dedup key "callback:<interview>:<state>"
    await send_callback(tenant, suite, event)   # the worker, for a "partner" event

Each state of an interview (its status and ratings) is called back once: the dedup key
names it, so a suite event delivered twice, or two workers, store one callback. A failed
call (the ATS down, a 5xx) fails the event, which the inbox retries with backoff and
dead-letters after its last attempt: nothing is lost, nothing is sent twice for one state.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import httpx
import jinja2

from engine.client.api import ApiClient
from engine.dsl.mapping import truthy
from engine.errors import ConnectorError, UpstreamError
from engine.signing import EmbedTokens
from engine.store.inbox import Event, Inbox
from engine.store.links import LinkStore
from engine.sync.partner import ENTITY, PartnerDesk
from engine.tenants import TenantRuntime, expand_env

log = logging.getLogger("connector.partner")
PARTNER = "partner"  # the inbox source of callbacks
RESULTS = "partner_results"  # the signed page's name in its tokens
RESULTS_TTL = 30 * 24 * 3600  # an ATS shows the link for weeks after the interview
TIMEOUT = 10.0


def results_link(
    tenant: TenantRuntime, signing_key: bytes, interview_id: str, *, fallback: str = ""
) -> str:
    """The signed results page of an interview, on the public URL when one is set, else
    on ``fallback`` (the address a request came to; none for a callback)."""
    token = EmbedTokens.from_secret(signing_key).issue(
        tenant.id, RESULTS, interview_id, ttl=RESULTS_TTL
    )
    public = tenant.deployment.server.public_url
    base = (expand_env(public, tenant.env) if public else fallback).rstrip("/")
    return f"{base}/partner/{tenant.id}/{tenant.ats.name}/results/{interview_id}?token={token}"


def _state(view: dict[str, Any]) -> str:
    """What a callback tells: the status and each rating's score."""
    ratings = sorted((str(r.get("id")), r.get("score")) for r in view.get("ratings", []))
    text = json.dumps([view.get("status"), ratings], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _desk(tenant: TenantRuntime, inbox: Inbox, signing_key: bytes) -> PartnerDesk:
    return PartnerDesk(tenant, inbox.engine,
                       results_url=lambda i: results_link(tenant, signing_key, i))  # fmt: skip


async def interview_of(
    tenant: TenantRuntime, inbox: Inbox, suite: ApiClient,
    resource: str | None, record_id: Any, record: dict[str, Any] | None,
) -> str | None:  # fmt: skip
    """The ordered interview a suite change is about (an invitation an ATS ordered through
    the partner routes, or a rating of one); None for anything else. Such records belong
    to the partner surface: the sync flows leave them alone."""
    if tenant.ats.partner is None or resource not in ("invitation", "rating"):
        return None
    if resource == "rating":
        rating = record or await suite.get("rating", record_id) or {}
        record_id = rating.get("invitation_id")
    if record_id is None:
        return None
    found = LinkStore(inbox.engine, tenant.id).lookup(ENTITY, "suite", [record_id])
    return str(record_id) if found else None


async def partner_followup(
    tenant: TenantRuntime, inbox: Inbox, suite: ApiClient, signing_key: bytes, interview: str
) -> bool:
    """Store the callback the interview's state makes due; True when one was stored."""
    partner = tenant.ats.partner
    if partner is None or partner.callback is None:
        return False
    view = await _desk(tenant, inbox, signing_key).interview(suite, interview)
    if not truthy(partner.callback.when.search(view)):
        return False
    key = f"callback:{interview}:{_state(view)}"
    payload = {"interview_id": interview}
    return inbox.add(tenant.id, PARTNER, key, "callback", payload, f"partner:{interview}")


async def send_callback(
    tenant: TenantRuntime, inbox: Inbox, suite: ApiClient, signing_key: bytes, event: Event
) -> None:
    """Call the ATS back for one stored callback; raises when it did not take it."""
    partner = tenant.ats.partner
    if partner is None or partner.callback is None:
        return  # the spec no longer calls back: nothing to do
    callback = partner.callback
    desk = _desk(tenant, inbox, signing_key)
    interview = str(event.payload.get("interview_id"))
    url = desk.callback_url(interview)
    if not url:
        log.warning("tenant=%s interview %s: the order gave no callback URL", tenant.id, interview)
        return
    view = await desk.interview(suite, interview)
    body = callback.body.search(view) if callback.body is not None else None
    secrets = tenant.ats_secrets()
    try:
        headers = {k: v.render(secrets=secrets, tenant=tenant.id)
                   for k, v in callback.headers.items()}  # fmt: skip
    except jinja2.UndefinedError as exc:
        raise ConnectorError(
            f"the callback's headers cannot be made: {exc.message}; is every secret configured?",
            tenant=tenant.id,
        ) from None
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
            answer = await http.request(
                callback.method, url, headers=headers, json=body if body is not None else None
            )
    except httpx.HTTPError as exc:
        raise ConnectorError(f"the callback to {url} failed: {type(exc).__name__}") from None
    if not answer.is_success:
        raise UpstreamError(f"the callback to {url} answered {answer.status_code}",
                            status=answer.status_code, tenant=tenant.id)  # fmt: skip
    log.info("tenant=%s interview %s called back: %s", tenant.id, interview, answer.status_code)
