"""The polling scheduler: each (tenant, flow) of a static-setup tenant is polled at its
spec's interval from the stored cursor, and every tenant gets a full reconciliation
pass at the spec's reconcile period (which finds records deleted at the source).

A poll never runs twice at once for the same key, across processes too: a run first
takes a lease row in ``cursors`` with a compare-and-set update that only one
transaction can win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.store.tables import cursors
from engine.sync.engine import SyncEngine
from engine.tenants import Runtime

log = logging.getLogger("connector.scheduler")
LEASE = 900.0  # a poll taking longer than this is assumed dead and may be taken over


class Scheduler:
    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.time) -> None:
        self.runtime = runtime
        self.clock = clock
        self.runs: list[tuple[str, str, bool]] = []  # (tenant, flow, full), for status and tests

    def due(self, now: float) -> list[tuple[str, str, bool]]:
        """What should run now: (tenant, flow, full)."""
        out = []
        for tenant_id in self.runtime.tenant_ids:
            tenant = self.runtime.tenant(tenant_id)
            polling = tenant.ats.polling
            if polling is None:
                continue
            for flow in polling.flows:
                if now - self._last(tenant_id, f"reconcile:{flow}") >= polling.reconcile:
                    out.append((tenant_id, flow, True))
                elif (
                    tenant.config.setup == "static"
                    and now - self._last(tenant_id, f"poll:{flow}") >= polling.interval
                ):
                    out.append((tenant_id, flow, False))
        return out

    async def tick(self) -> int:
        """Start what is due and wait for it; returns how many polls ran."""
        now = self.clock()
        ran = 0
        for tenant_id, flow, full in self.due(now):
            if not self._take(tenant_id, f"lock:{flow}", now):
                continue  # another process is polling this flow right now
            try:
                engine = SyncEngine(self.runtime.tenant(tenant_id), self.runtime.engine)
                summary = await engine.run(
                    [flow], full=full, trigger="reconcile" if full else "poll"
                )
                log.info("tenant=%s flow=%s full=%s %s", tenant_id, flow, full, summary.counts)
                self._stamp(tenant_id, f"{'reconcile' if full else 'poll'}:{flow}", now)
                if full:
                    self._stamp(tenant_id, f"poll:{flow}", now)
                self.runs.append((tenant_id, flow, full))
                ran += 1
            except Exception:
                log.exception("tenant=%s flow=%s poll failed", tenant_id, flow)
            finally:
                self._release(tenant_id, f"lock:{flow}")
        return ran

    async def run(self, stop: asyncio.Event, *, every: float = 5.0) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end polling for good
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    # --- state in the cursors table -----------------------------------------------------

    def _last(self, tenant: str, name: str) -> float:
        query = select(cursors.c.value).where(
            cursors.c.tenant == tenant, cursors.c.key == f"schedule:{name}"
        )
        with self.runtime.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return float(value) if value else 0.0

    def _stamp(self, tenant: str, name: str, now: float) -> None:
        self._set(tenant, f"schedule:{name}", str(now), None)

    def _take(self, tenant: str, name: str, now: float) -> bool:
        """Compare-and-set: only one transaction moves a free (or expired) lease to now."""
        return self._set(tenant, f"schedule:{name}", str(now + LEASE), now)

    def _release(self, tenant: str, name: str) -> None:
        self._set(tenant, f"schedule:{name}", "0", None)

    def _set(self, tenant: str, key: str, value: str, free_before: float | None) -> bool:
        with self.runtime.engine.begin() as conn:
            query = update(cursors).where(cursors.c.tenant == tenant, cursors.c.key == key)
            if free_before is not None:
                # the value is a lease end; compare numbers, not strings
                rows = conn.execute(
                    select(cursors.c.value).where(cursors.c.tenant == tenant, cursors.c.key == key)
                ).all()
                if rows and float(rows[0].value) > free_before:
                    return False
                if rows:
                    query = query.where(cursors.c.value == rows[0].value)
            changed = conn.execute(query.values(value=value, updated_at=time.time())).rowcount
            if changed:
                return True
        try:
            with self.runtime.engine.begin() as conn:
                conn.execute(
                    insert(cursors).values(
                        tenant=tenant, key=key, value=value, updated_at=time.time()
                    )
                )
            return True
        except IntegrityError:
            return False
