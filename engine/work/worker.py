"""Workers: claim inbox events and run them through the sync engine.

An event names a resource of one side; every flow whose source it is (or the flows the
event lists) syncs that record, fetching it by id when the event is thin. A thin event
always reads the record as it is now, so a late retry never writes stale data. A failed
event backs off and, after a few attempts, waits in the dead-letter state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections import defaultdict
from typing import Any

from engine.errors import ConnectorError
from engine.metrics import Metrics
from engine.store.inbox import Event, Inbox
from engine.store.links import key
from engine.sync.engine import STEPS, Step, SyncEngine
from engine.tenants import Runtime
from engine.web.webhooks import event_of, sources

log = logging.getLogger("connector.worker")


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        inbox: Inbox,
        *,
        name: str | None = None,
        batch: int = 50,
        metrics: Metrics | None = None,
    ) -> None:
        self.runtime = runtime
        self.inbox = inbox
        self.metrics = metrics or Metrics()
        self.name = name or f"{socket.gethostname()}-{id(self):x}"
        self.batch = batch
        self.processed = 0
        self.failed = 0
        self._held: set[int] = set()  # events of the running batch not finished yet

    async def run(self, stop: asyncio.Event, *, idle: float = 0.2) -> None:
        """Work until ``stop`` is set, pausing ``idle`` seconds when nothing is due.

        Nothing that goes wrong in a batch stops the loop: it is logged, its events
        come back when their lease ends, and the worker carries on.
        """
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:
                log.exception("worker %s: a batch failed", self.name)
                worked = 0
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)

    async def run_once(self, *, now: float | None = None) -> int:
        events = self.inbox.claim(self.name, self.batch, now=now)
        if not events:
            return 0
        self._held = {event.id for event in events}
        by_tenant: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            by_tenant[event.tenant].append(event)
        renewing = asyncio.create_task(self._renew())
        try:
            await asyncio.gather(*(self._tenant(t, evs) for t, evs in by_tenant.items()))
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self._held = set()
        return len(events)

    async def _renew(self) -> None:
        """Extend the batch's leases at a third of their length while it runs: only a
        worker that died (or hangs) lets its events go to another."""
        while True:
            await asyncio.sleep(self.inbox.lease / 3)
            if self._held:
                try:
                    await asyncio.to_thread(self.inbox.extend, sorted(self._held))
                except Exception:  # the database may be back before the lease ends
                    log.exception("worker %s: could not extend its leases", self.name)

    async def _tenant(self, tenant_id: str, events: list[Event]) -> None:
        try:
            tenant = self.runtime.tenant(tenant_id)
        except ConnectorError as exc:
            for event in events:
                self._fail(event, str(exc))
            return
        engine = SyncEngine(tenant, self.runtime.engine)
        by_record: dict[str | None, list[Event]] = defaultdict(list)
        for event in events:  # claim() hands out one event per record at a time
            by_record[event.record_key or f"event:{event.id}"].append(event)
        try:
            async with engine._open():
                await asyncio.gather(
                    *(self._in_order(engine, tenant, evs) for evs in by_record.values())
                )
        except Exception as exc:  # the tenant's clients could not even be made
            log.error("tenant=%s batch failed: %s", tenant_id, exc)
            for event in events:
                self._fail(event, f"{type(exc).__name__}: {exc}")
        finally:
            engine._flush()

    async def _in_order(self, engine: SyncEngine, tenant: Any, events: list[Event]) -> None:
        for event in events:
            steps: list[Step] = []
            mine = STEPS.set(steps)  # this event's steps only, whatever else runs meanwhile
            started = time.perf_counter()
            try:
                await self.handle(engine, tenant, event)
            except Exception as exc:  # one event's crash is that event's failure
                self._fail(event, f"{type(exc).__name__}: {exc}")
                continue
            finally:
                STEPS.reset(mine)
            failures = [s for s in steps if s.action == "fail"]
            if failures:
                self._fail(
                    event, "; ".join(f"{s.flow} {s.source_id}: {s.detail}" for s in failures)
                )
            else:
                self.inbox.done(event)
                self._held.discard(event.id)
                self.processed += 1
                self.metrics.processed.labels(event.tenant).inc()
                self.metrics.latency.labels(event.tenant).observe(time.perf_counter() - started)

    async def handle(self, engine: SyncEngine, tenant: Any, event: Event) -> None:
        source = sources(tenant).get(event.source)
        if source is None:
            raise ConnectorError(f"route {event.source!r} is no longer in the specs")
        described = event_of(source.hook, event.event_type)
        if described is None:
            return  # the spec stopped handling this type: nothing to do
        context = event.payload
        record_id = described.id.search(context) if described.id is not None else None
        record = described.record.search(context) if described.record is not None else None
        if record_id is None and isinstance(record, dict):
            record_id = record.get("id")
        if record_id is None:
            raise ConnectorError(f"event {event.dedup_key} carries no record id")
        retried = event.attempts > 1  # an earlier attempt may have written before it died
        for name, flow in tenant.ats.sync.items():
            if described.flows and name not in described.flows:
                continue
            if flow.source != described.resource or flow.source_side != source.name:
                continue
            if described.action == "delete":
                await engine.delete_source(name, record_id)
                continue
            if flow.on_demand:  # only records another flow made us sync are kept up to date
                linked = engine.links.lookup(flow.link_entity, flow.source_side, [record_id])
                if key(record_id) not in linked:
                    continue
            if retried:
                engine._suspect.add((name, key(record_id)))  # look it up before creating
            fresh = isinstance(record, dict) and not retried  # a retry reads the record anew
            await engine.sync_one(name, record_id, record if fresh else None)

    def _fail(self, event: Event, error: str) -> None:
        status = self.inbox.failed(event, error)
        self._held.discard(event.id)
        self.failed += 1
        self.metrics.failed.labels(event.tenant).inc()
        log.warning(
            "tenant=%s event=%s attempt=%d %s: %s",
            event.tenant,
            event.dedup_key,
            event.attempts,
            status,
            error,
        )
