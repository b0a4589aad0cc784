"""The polling scheduler: puts polls in the inbox when they are due; workers run them.

Each (tenant, flow) of a static-setup tenant is polled at its spec's interval (or the
tenant's ``poll_interval`` in connector.yaml) from the stored cursor, as is a flow of an
ideal-setup tenant that no webhook of its ATS tells of (``events.hooked``), and every tenant
gets a full reconciliation pass at the spec's reconcile period (which finds records
deleted at the source). A due poll becomes an inbox event:

    source "poll", type "poll" (or "reconcile"), dedup key "poll:jobs_to_projects:<slot>",
    record key "poll:jobs_to_projects", payload {"flow": "jobs_to_projects", "full": false}

so a poll is what any event is: stored once however many schedulers find it due (the
dedup key names the slot, the stamp they all read), run one at a time per flow (the
inbox claims one event per record key at a time), retried with backoff when it fails,
and dead-lettered, never lost. Once stored, the poll is stamped, so it is not due again
before its interval.

    scheduler = Scheduler(runtime, inbox)
    await scheduler.tick()  # how many polls it stored
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.store.inbox import Inbox
from engine.store.schedule import Stamps
from engine.tenants import Runtime
from engine.work.events import POLL, Poll, hooked

log = logging.getLogger("connector.scheduler")


@dataclass(frozen=True)
class Due:
    """A poll to fire now; ``slot`` is its stamp as read, the same for every scheduler."""

    tenant: str
    poll: Poll
    slot: float


class Scheduler:
    def __init__(
        self,
        runtime: Runtime,
        inbox: Inbox | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runtime = runtime
        self.inbox = inbox or Inbox(runtime.engine)
        self.stamps = Stamps(runtime.engine)
        self.clock = clock
        self.fired: list[tuple[str, str, bool]] = []  # (tenant, flow, full), for status and tests

    def due(self, now: float) -> list[Due]:
        """What should be polled now."""
        out = []
        for tenant_id in self.runtime.tenant_ids:
            tenant = self.runtime.tenant(tenant_id)
            polling = tenant.ats.polling
            if polling is None:
                continue
            interval = tenant.config.poll_interval or polling.interval
            for flow in polling.flows:
                reconciled = self.stamps.last(tenant_id, f"reconcile:{flow}")
                polled = self.stamps.last(tenant_id, f"poll:{flow}")
                if now - reconciled >= polling.reconcile:
                    out.append(Due(tenant_id, Poll(flow, full=True), reconciled))
                elif now - polled >= interval and (
                    tenant.config.setup == "static" or not hooked(tenant, flow)
                ):
                    out.append(Due(tenant_id, Poll(flow, full=False), polled))
        return out

    def fire(self, due: Due, now: float) -> bool:
        """Store the poll in the inbox, then stamp it; False when another scheduler
        stored it first. A crash between the two stores nothing twice: the next tick
        reads the same stamp, so the same dedup key."""
        poll = due.poll
        stored = self.inbox.add(
            due.tenant, POLL, poll.dedup_key(due.slot), poll.event_type, poll.payload,
            poll.record_key,
        )  # fmt: skip
        self.stamps.stamp(due.tenant, f"{poll.event_type}:{poll.flow}", now)
        if poll.full:  # a full pass is also the latest poll
            self.stamps.stamp(due.tenant, f"poll:{poll.flow}", now)
        if stored:
            self.fired.append((due.tenant, poll.flow, poll.full))
            log.info("tenant=%s %s %s queued", due.tenant, poll.event_type, poll.flow)
        return stored

    async def tick(self) -> int:
        """Store what is due; returns how many polls this scheduler stored."""
        now = self.clock()
        return sum(self.fire(due, now) for due in self.due(now))

    async def run(self, stop: asyncio.Event, *, every: float = 5.0) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end polling for good
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
