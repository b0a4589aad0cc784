"""Workers: claim inbox events and run them through the sync engine's public methods.

A webhook event names a resource of one side; every flow whose source it is (or the
flows the event lists) syncs that record, fetching it by id when the event is thin. A
thin event always reads the record as it is now, so a late retry never writes stale
data. A poll (from the scheduler) runs its flow as a recorded run, as ``connector sync``
does. A failed event backs off and, after a few attempts, waits in the dead-letter state.
An event stopped only because the other side was unavailable (no answer, a 503, a 429)
is deferred: it comes back soon, and no number of deferrals dead-letters it.

    worker = Worker(runtime, Inbox(runtime.engine))
    await worker.run_once()  # claims a batch, works it, returns how many events it took
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections import defaultdict
from collections.abc import Callable

from engine.errors import ConnectorError, unavailable
from engine.metrics import Metrics
from engine.store.inbox import Event, Inbox
from engine.store.notify import Listener
from engine.sync import Step, SyncEngine, collecting
from engine.sync.writers import WRITE_GUARD
from engine.tenants import Runtime, TenantRuntime
from engine.work.clients import KeptClients
from engine.work.events import POLL, Poll, change_of
from engine.work.partner import PARTNER, interview_of, partner_followup, send_callback

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
        self.deferred = 0
        self._held: dict[int, int] = {}  # events of the running batch not finished: their epoch
        self.clients = KeptClients()  # each tenant's, open from batch to batch
        self._woken: asyncio.Event | None = None  # set by wake(), while run() runs
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Look for work now instead of at the end of the idle pause; safe from any
        thread (``Inbox.listen(worker.wake)`` calls it from the one that stored)."""
        loop, woken = self._loop, self._woken
        if loop is None or woken is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: nothing to wake
            loop.call_soon_threadsafe(woken.set)

    async def run(self, stop: asyncio.Event, *, idle: float = 0.2) -> None:
        """Work until ``stop`` is set, pausing ``idle`` seconds when nothing is due.

        Nothing that goes wrong in a batch stops the loop: it is logged, its events
        come back when their lease ends, and the worker carries on. ``wake()`` ends a
        pause early: an event stored in this process calls it (``Inbox.listen``), and on
        PostgreSQL so does one stored by any other (``engine.store.notify``).
        """
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        listener = Listener(self.inbox.engine, self.wake).start()  # other processes' stores
        try:
            while not stop.is_set():
                self._woken.clear()  # before the claim: an event stored after it wakes us
                try:
                    worked = await self.run_once(keep_clients=True)
                except Exception:
                    log.exception("worker %s: a batch failed", self.name)
                    worked = 0
                if not worked:
                    await _first(stop, self._woken, timeout=idle)
        finally:
            self._loop = self._woken = None
            await asyncio.to_thread(listener.close)
            await self.clients.close()

    async def run_once(self, *, now: float | None = None, keep_clients: bool = False) -> int:
        """Claim a batch and work it; how many events it took. With ``keep_clients``
        (``run`` does) the tenants' clients stay open for the next batch on this loop,
        to be closed by ``self.clients.close()``; otherwise the batch's own are closed."""
        events = self.inbox.claim(self.name, self.batch, now=now)
        if not events:
            return 0
        self._held = {event.id: event.attempts for event in events}
        by_tenant: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            by_tenant[event.tenant].append(event)
        renewing = asyncio.create_task(self._renew())
        try:
            await asyncio.gather(
                *(self._tenant(t, evs, keep_clients) for t, evs in by_tenant.items())
            )
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self._held = {}
        return len(events)

    async def _renew(self) -> None:
        """Extend the batch's leases at a third of their length while it runs: only a
        worker that died (or hangs) lets its events go to another."""
        while True:
            await asyncio.sleep(self.inbox.lease / 3)
            if self._held:
                try:
                    await asyncio.to_thread(self.inbox.extend, dict(self._held))
                except Exception:  # the database may be back before the lease ends
                    log.exception("worker %s: could not extend its leases", self.name)

    async def _tenant(self, tenant_id: str, events: list[Event], keep_clients: bool) -> None:
        try:
            tenant = self.runtime.tenant(tenant_id)
        except ConnectorError as exc:
            for event in events:
                self._fail(event, str(exc))
            return
        lanes: dict[str, list[Event]] = defaultdict(list)
        for event in events:  # claim() hands out one event per record at a time
            lanes[_lane(event)].append(event)
        try:
            clients = await self.clients.of(tenant) if keep_clients else None
            sync = SyncEngine(tenant, self.runtime.engine, clients=clients)
            async with sync:  # opens (and then closes) only the clients not given
                polls = lanes.pop(POLL, [])
                await asyncio.gather(*(self._in_order(sync, tenant, evs) for evs in lanes.values()))
                # then the polls: a poll listing a record an event of this batch is about
                # would find it unlinked too, and both would create it
                await self._in_order(sync, tenant, polls)
        except Exception as exc:  # the tenant's clients could not even be made
            log.error("tenant=%s batch failed: %s", tenant_id, exc)
            for event in events:
                if event.id in self._held:  # not settled by its own lane already
                    self._fail(event, f"{type(exc).__name__}: {exc}", deferred=unavailable(exc))

    async def _in_order(self, sync: SyncEngine, tenant: TenantRuntime, events: list[Event]) -> None:
        for event in events:
            started = time.perf_counter()
            fence = WRITE_GUARD.set(lambda event=event: self.inbox.holds(event))  # type: ignore[misc]
            try:
                failures = await self.handle(sync, tenant, event)
            except Exception as exc:  # one event's crash is that event's failure
                self._fail(event, f"{type(exc).__name__}: {exc}", deferred=unavailable(exc))
                continue
            finally:
                WRITE_GUARD.reset(fence)
            if failures:
                said = "; ".join(f"{s.flow} {s.source_id}: {s.detail}" for s in failures)
                self._fail(event, said, deferred=all(s.unavailable for s in failures))
            else:
                self._done(event, time.perf_counter() - started)

    async def handle(self, sync: SyncEngine, tenant: TenantRuntime, event: Event) -> list[Step]:
        """Work one event; returns the records that failed (none: the event is done)."""
        if event.source == POLL:
            poll = Poll.of(event)
            # a run of its own: its retries and counts are the poll's, not the batch's
            run = SyncEngine(tenant, self.runtime.engine, clients=sync.clients)
            summary = await run.run([poll.flow], full=poll.full, trigger=poll.event_type)
            log.info("tenant=%s %s %s %s", tenant.id, poll.event_type, poll.flow, summary.counts)
            return summary.failures
        if event.source == PARTNER:
            await send_callback(tenant, self.inbox, sync.clients["suite"], self._key, event)
            return []
        change = change_of(tenant, event)
        if change is None:
            return []  # the spec stopped handling this type: nothing to do
        suite = sync.clients["suite"]
        ordered = await interview_of(tenant, self.inbox, suite, change.resource,
                                     change.record_id, change.record)  # fmt: skip
        if ordered is not None:  # the partner surface's own interview, not the flows'
            if not change.delete:
                await partner_followup(tenant, self.inbox, suite, self._key, ordered)
            return []
        retried = event.attempts > 1  # an earlier attempt may have written before it died
        with collecting() as steps:  # this event's steps only, whatever else runs meanwhile
            for name in change.flows:
                if change.delete:
                    await sync.delete_record(name, change.record_id)
                    continue
                if tenant.ats.sync[name].on_demand and not sync.is_linked(name, change.record_id):
                    continue  # only records another flow made us sync are kept up to date
                record = None if retried else change.record  # a retry reads the record anew
                await sync.sync_record(name, change.record_id, record, suspect=retried)
        return [s for s in steps if s.action == "fail"]

    @property
    def _key(self) -> bytes:
        """The key signed links (a partner's results page) are made with."""
        return self.runtime.tokens.signing_key

    def _done(self, event: Event, seconds: float) -> None:
        status = self._settle(event, lambda: "done" if self.inbox.done(event) else "fenced")
        if status == "fenced":
            log.warning("worker %s: event %s was claimed by another worker after this one's "
                        "lease ended; its outcome is left to that one",
                        self.name, event.dedup_key)  # fmt: skip
        if status in ("done", "fenced"):  # either way, its work was done here
            self.processed += 1
            self.metrics.processed.labels(event.tenant).inc()
            self.metrics.latency.labels(event.tenant).observe(seconds)

    def _settle(self, event: Event, settle: Callable[[], str]) -> str | None:
        """Record an event's outcome in the inbox: its new status, or None when the
        database could not be written (the event then returns when its lease ends, and
        its retry, a suspect one, finds what this attempt wrote)."""
        self._held.pop(event.id, None)
        try:
            return settle()
        except Exception as exc:
            log.error("worker %s: the outcome of event %s could not be recorded (%s); it "
                      "returns after its lease", self.name, event.dedup_key,
                      type(exc).__name__)  # fmt: skip
            return None

    def _fail(self, event: Event, error: str, *, deferred: bool = False) -> None:
        """End the event's claim as failed, or as ``deferred`` (to wait for a side
        that is unavailable, the claim not counted against the event)."""
        settle = self.inbox.defer if deferred else self.inbox.failed
        status = self._settle(event, lambda: settle(event, error))
        if status is None:
            return
        if status == "fenced":  # another worker holds it now: its outcome counts, not ours
            log.warning("worker %s: event %s was claimed by another worker after this one's "
                        "lease ended; this attempt's failure is dropped", self.name,
                        event.dedup_key)  # fmt: skip
            return
        if status == "deferred":
            self.deferred += 1
            self.metrics.deferred.labels(event.tenant).inc()
            log.info("tenant=%s event=%s deferred (%d so far): %s", event.tenant,
                     event.dedup_key, event.deferrals + 1, error)  # fmt: skip
            return
        self.failed += 1
        self.metrics.failed.labels(event.tenant).inc()
        log.warning(
            "tenant=%s event=%s attempt=%d %s: %s",
            event.tenant,
            event.dedup_key,
            event.failures,
            status,
            error,
        )


async def _first(*events: asyncio.Event, timeout: float) -> None:
    """Wait until one of ``events`` is set, or ``timeout`` seconds."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def _lane(event: Event) -> str:
    """Events of one lane run one after another. A record's events are claimed one at a
    time already; a tenant's polls share a lane, so that they run in the scheduler's
    order, as one scheduler ran them: flows that refer to each other (applications to
    jobs) would otherwise race to create the same record."""
    if event.source == POLL:
        return POLL
    return event.record_key or f"event:{event.id}"
