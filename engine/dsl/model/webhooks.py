"""A ``webhooks`` entry: its route, signature, event id and type, and the events it carries.

    webhooks:
      - route: greenhouse
        signature: {type: hmac, header: Signature, secret: "{{ secrets.webhook_secret }}"}
        event_id: headers."greenhouse-event-id"
        event_type: body.action
        handshake: {when: "body.action == 'ping'"}
        events:
          - {event: job_created, resource: job, id: body.payload.job.id}

builds ``Webhook(route="greenhouse", signature=HmacSignature(...), events=(WebhookEvent(...),))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.dsl.expressions import Expr
from engine.dsl.model.fields import empty
from engine.dsl.model.resources import Endpoint
from engine.dsl.model.signatures import Signature


@dataclass(frozen=True)
class Handshake:
    SCHEMA_DEF: ClassVar[str] = "common:handshake"
    when: Expr
    status: int = 200
    headers: Mapping[str, Expr] = empty()
    body: Expr | None = None


@dataclass(frozen=True)
class WebhookEvent:
    SCHEMA_DEF: ClassVar[str] = "common:webhook_event"
    event: str
    resource: str
    action: Literal["upsert", "delete"] = "upsert"
    id: Expr | None = None
    record: Expr | None = None
    flows: tuple[str, ...] = ()


# The inbox source of the scheduler's polls: a webhook route of this name would have
# its events taken for polls, so lint refuses it (rule reserved-name).
POLL_ROUTE = "poll"


@dataclass(frozen=True)
class Webhook:
    SCHEMA_DEF: ClassVar[str] = "common:webhook"
    route: str
    signature: Signature
    event_id: Expr
    event_type: Expr
    events: tuple[WebhookEvent, ...]
    max_body_bytes: int = 1048576
    handshake: Handshake | None = None
    register: Endpoint | None = None
