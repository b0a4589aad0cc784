"""The event model: what an inbox event asks the sync engine to do.

Two kinds of events reach the inbox. A webhook event comes from one of a tenant's
``sources`` (its ATS's webhook routes and the suite's) and names a record:

    change = change_of(tenant, event)   # a Greenhouse "job_updated" for job 12
    change.flows, change.record_id, change.delete   # ("jobs_to_projects",), 12, False

A poll comes from the scheduler and names a flow to list from its cursor (or in full):

    poll = Poll("jobs_to_projects", full=False)
    inbox.add(tenant, POLL, poll.dedup_key(slot), poll.event_type, poll.payload, poll.record_key)
    Poll.of(event)                      # Poll("jobs_to_projects", full=False) again
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.dsl.model import POLL_ROUTE, Webhook, WebhookEvent
from engine.errors import ConnectorError
from engine.store.inbox import Event
from engine.tenants import TenantRuntime

POLL = POLL_ROUTE  # the inbox source of the scheduler's polls; lint keeps routes off it


@dataclass(frozen=True)
class Source:
    """One webhook endpoint of one tenant: the ATS's or the suite's."""

    name: str  # "ats" or "suite"
    hook: Webhook
    secrets: Mapping[str, str]


def sources(tenant: TenantRuntime) -> dict[str, Source]:
    """The tenant's webhook endpoints by route."""
    out = {
        tenant.suite.webhooks.route: Source("suite", tenant.suite.webhooks, tenant.suite_secrets())
    }
    for hook in tenant.ats.webhooks:
        out[hook.route] = Source("ats", hook, tenant.ats_secrets())
    return out


def event_of(hook: Webhook, event_type: Any) -> WebhookEvent | None:
    return next((e for e in hook.events if e.event == event_type), None)


@dataclass(frozen=True)
class RecordChange:
    """A record changed (or was deleted) at its source: the flows that sync it."""

    flows: tuple[str, ...]
    record_id: Any
    record: dict[str, Any] | None  # the record itself, when the event carries it
    delete: bool
    resource: str | None = None  # the suite resource, for a suite event (partner callbacks)


def change_of(tenant: TenantRuntime, event: Event) -> RecordChange | None:
    """What a webhook event changed; None when the spec no longer handles its type."""
    source = sources(tenant).get(event.source)
    if source is None:
        raise ConnectorError(f"route {event.source!r} is no longer in the specs")
    described = event_of(source.hook, event.event_type)
    if described is None:
        return None
    context = event.payload
    record_id = described.id.search(context) if described.id is not None else None
    record = described.record.search(context) if described.record is not None else None
    if record_id is None and isinstance(record, dict):
        record_id = record.get("id")
    if record_id is None:
        raise ConnectorError(f"event {event.dedup_key} carries no record id")
    flows = tuple(
        name
        for name, flow in tenant.ats.sync.items()
        if (not described.flows or name in described.flows)
        and flow.source == described.resource
        and flow.source_side == source.name
    )
    return RecordChange(
        flows, record_id, record if isinstance(record, dict) else None,
        described.action == "delete",
        described.resource if source.name == "suite" else None,
    )  # fmt: skip


def hooked(tenant: TenantRuntime, flow: str) -> bool:
    """Whether the ATS's webhooks tell of changes to ``flow``'s source: some event names
    its resource (and the flow, where the event lists flows). A flow no webhook tells of
    (Lever's postings, Workable's jobs) must be polled even on the ideal setup."""
    spec = tenant.ats.sync[flow]
    if spec.source_side != "ats":
        return True  # the suite's webhooks cover every suite resource
    return any(
        event.resource == spec.source and (not event.flows or flow in event.flows)
        for hook in tenant.ats.webhooks
        for event in hook.events
    )


@dataclass(frozen=True)
class Poll:
    """List a flow's source from its cursor, or in ``full`` (the reconcile pass, which
    also finds records deleted at the source)."""

    flow: str
    full: bool

    @property
    def event_type(self) -> str:
        """Also the trigger of the run it makes (``sync_runs.trigger``)."""
        return "reconcile" if self.full else "poll"

    def dedup_key(self, slot: float) -> str:
        """One event per flow and slot: two schedulers that find the same poll due
        store it once. The slot is when the poll was last fired (the stamp both read)."""
        return f"{self.event_type}:{self.flow}:{slot!r}"

    @property
    def record_key(self) -> str:
        """The inbox runs one event per record key at a time: one poll per flow."""
        return f"{POLL}:{self.flow}"

    @property
    def payload(self) -> dict[str, Any]:
        return {"flow": self.flow, "full": self.full}

    @classmethod
    def of(cls, event: Event) -> Poll:
        flow, full = event.payload.get("flow"), event.payload.get("full")
        if not isinstance(flow, str) or not isinstance(full, bool):
            raise ConnectorError(f"poll event {event.dedup_key} names no flow: {event.payload}")
        return cls(flow, full)
