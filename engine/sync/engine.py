"""The sync engine: runs a spec's flows between the ATS and the suite.

Per page of source records: ``when`` and echo suppression (``pages.py``), then refs,
syncing what they point to first (``refs.py``), then ``fields``, then one batched link
lookup; each record is then created and linked, updated when its owned fields changed,
or skipped (``decisions.py``), and the writer carries that out (``writers.py``: the live
writer writes, the plan writer only lists). A failure on one record is recorded with its reason and
never stops the others; a listing that fails, its retries spent, fails its flow (a step
whose source id is ``(listing)``) and never the run.

Every kind of sync work comes in through this class's public methods:

    summary = await SyncEngine(tenant, engine).run(full=True)          # CLI, worker's polls
    summary = await SyncEngine(tenant, engine, writer=PlanWriter).run()  # connector plan
    summary = await SyncEngine(tenant, engine).run_one(                 # a widget's button
        "applications_to_invitations", 3001, trigger="widget:invite")
    async with SyncEngine(tenant, engine) as sync:                       # webhook events
        await sync.sync_record("jobs_to_projects", 12)
        await sync.delete_record("jobs_to_projects", 13)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine

from engine.client.api import ApiClient
from engine.dsl.mapping import MappingError, map_record
from engine.dsl.spec import AtsSpec, Flow
from engine.errors import ConnectorError, UpstreamError
from engine.store.journal import Journal
from engine.store.links import Link, LinkStore, Side, key
from engine.sync.cursor import next_since, record_time
from engine.sync.decisions import Change, decide, decide_delete
from engine.sync.flows import run_order
from engine.sync.inflight import InFlight
from engine.sync.pages import echoes, sort_page
from engine.sync.refs import resolve_refs
from engine.sync.steps import Step, Summary, collect, failure, listing_failed
from engine.sync.writers import LiveWriter, Writer
from engine.tenants import TenantRuntime

CONCURRENCY = 8
RETRY_PASSES = 4  # passes over transiently failed records before a run gives up on them
RETRY_DELAY = 0.5


class SyncEngine:
    """One session of sync work for one tenant: its clients, its summary, and the
    records in flight. Make one per run (or per batch of events), not one per process."""

    def __init__(
        self,
        tenant: TenantRuntime,
        engine: Engine,
        *,
        writer: type[Writer] = LiveWriter,
        spec: AtsSpec | None = None,
        on_step: Callable[[Step], None] | None = None,
        clients: Mapping[Side, ApiClient] | None = None,
    ) -> None:
        self.tenant = tenant
        self.spec = spec or tenant.ats  # another spec: the same flows, some of them adjusted
        self.links = LinkStore(engine, tenant.id)
        self.summary = Summary()
        # clients given are the caller's to close; ``async with`` opens only the others
        self.clients: dict[Side, ApiClient] = dict(clients or {})
        self.writer = writer(self.clients, self.links, Journal(engine, tenant.id))
        self.on_step = on_step  # a progress callback, called with each Step
        self._opened: list[list[Side]] = []  # per ``async with``: the clients it opened
        self._cursors: dict[str, str] = {}  # committed at the end of a run, see _commit_cursors
        self._inflight = InFlight()
        self._slots = asyncio.Semaphore(CONCURRENCY)

    # --- sessions ---------------------------------------------------------------------

    async def __aenter__(self) -> SyncEngine:
        """Open the ATS and suite clients (unless an outer ``async with`` did)."""
        opened: list[Side] = []
        try:
            sides: tuple[tuple[Side, Callable[[], ApiClient]], ...] = (
                ("ats", self.tenant.ats_client),
                ("suite", self.tenant.suite_client),
            )
            for side, make in sides:
                if side not in self.clients:
                    self.clients[side] = make()
                    opened.append(side)
        except BaseException:
            for side in opened:
                await self.clients.pop(side).aclose()
            raise
        self._opened.append(opened)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Write the audit entries still gathered, and close the clients opened here."""
        try:
            self.writer.flush()
        finally:
            for side in self._opened.pop():
                await self.clients.pop(side).aclose()

    async def run(
        self, flows: Iterable[str] | None = None, *, full: bool = False, trigger: str = "sync"
    ) -> Summary:
        """Sync flows (all but the on-demand ones by default), recorded as a run."""
        names = run_order(self.spec, flows)
        async with self._recorded(names, full, trigger):
            for name in names:
                await self._sync_flow(name, full=full)
            await self._retry_failures()
            self._commit_cursors()
        return self.summary

    async def run_one(self, name: str, source_id: Any, *, trigger: str) -> Summary:
        """Sync one record now, recorded as a run of its own. A person waits on it (a
        widget's button), so a failure is reported at once, not retried for seconds."""
        async with self._recorded([name], False, trigger):
            await self.sync_record(name, source_id)
        return self.summary

    @asynccontextmanager
    async def _recorded(self, names: list[str], full: bool, trigger: str) -> AsyncIterator[None]:
        """A run with its clients open, written to ``sync_runs`` (by a live writer)."""
        self.summary.run_id = self.writer.start_run(names, full=full, trigger=trigger)
        error = None
        try:
            async with self:
                yield
        except Exception as exc:  # any crash marks the run failed, then propagates
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.writer.finish_run(self.summary.counts, error)

    # --- records ----------------------------------------------------------------------

    async def sync_record(
        self,
        name: str,
        source_id: Any,
        record: Mapping[str, Any] | None = None,
        *,
        suspect: bool = False,
    ) -> None:
        """Sync one source record (fetched by id unless given); one at a time per record.

        ``suspect``: an earlier attempt may have created it already (its answer lost),
        so it is looked up by the flow's ``match`` fields before it is created.
        """
        if suspect:
            self.writer.suspect(name, key(source_id))
        claim = self._inflight.claim(name, [source_id])
        with claim:
            if claim.mine:
                await self._fetch_one(name, source_id, record)
        await claim.settled()

    async def _fetch_one(self, name: str, source_id: Any, record: Mapping[str, Any] | None) -> None:
        flow = self.spec.sync[name]
        try:
            if record is None:
                record = await self.clients[flow.source_side].get(flow.source, source_id)
            if record is None:
                detail = "the source record does not exist"
                self._step(Step("skip", name, key(source_id), detail=detail), flow)
            else:
                await self._process(name, [dict(record)])
        except ConnectorError as exc:  # fetching it failed: the record fails, not the run
            self._step(failure(name, key(source_id), None, exc, source_id), flow)

    async def sync_records(self, name: str, ids: list[Any]) -> None:
        """Sync records by id, fetched a batch per request where the resource has a
        ``lookup``, else one by one; each record is claimed once, as in ``sync_record``."""
        flow = self.spec.sync[name]
        client = self.clients[flow.source_side]
        lookup = client.resources[flow.source].lookup
        if lookup is None or len(ids) == 1:
            await asyncio.gather(*(self.sync_record(name, i) for i in ids))
            return
        claim = self._inflight.claim(name, ids)
        with claim:
            for start in range(0, len(claim.mine), lookup.max):
                chunk = claim.mine[start : start + lookup.max]
                params = {lookup.param: lookup.separator.join(str(i) for i in chunk)}
                try:
                    records = [r async for r in client.list(flow.source, params=params)]
                except ConnectorError as exc:  # these records fail; the run goes on
                    for source_id in chunk:
                        self._step(failure(name, key(source_id), None, exc, source_id), flow)
                    continue
                await self._process(name, records)
        await claim.settled()

    async def delete_record(self, name: str, source_id: Any) -> None:
        """Apply the flow's delete policy for a source record deleted at its origin."""
        flow = self.spec.sync[name]
        found = self.links.lookup(flow.link_entity, flow.source_side, [source_id])
        link = found.get(key(source_id))
        if link is None:
            detail = "deleted before it was ever synced"
            self._step(Step("skip", name, key(source_id), detail=detail), flow)
            return
        await self._delete(name, flow, link)

    def is_linked(self, name: str, source_id: Any) -> bool:
        """Whether flow ``name`` has synced this source record before."""
        flow = self.spec.sync[name]
        found = self.links.lookup(flow.link_entity, flow.source_side, [source_id])
        return key(source_id) in found

    # --- flows ------------------------------------------------------------------------

    async def _sync_flow(self, name: str, *, full: bool = False) -> None:
        flow = self.spec.sync[name]
        source = self.clients[flow.source_side]
        resource = source.resources[flow.source]
        since = None if full else self.links.cursor(f"flow:{name}")
        overlap = float(self.spec.polling.overlap) if self.spec.polling else 0.0
        seen: set[str] = set()
        newest: str | None = None
        query_since = next_since(since, overlap, resource.incremental) if since else None
        pages = source.pages(flow.source, since=query_since)
        while True:
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                break
            except ConnectorError as exc:  # its cursor stays; nothing unseen is deleted
                self._step(listing_failed(name, exc), flow)
                return
            await self._process(name, page)
            for record in page:
                seen.add(key(resource.id.search(record)))
                if resource.updated is not None:
                    newest = max(
                        filter(None, (newest, record_time(resource.updated.search(record)))),
                        default=None,
                    )
        if full:
            await self._reconcile(name, seen)
        if newest:
            self._cursors[name] = newest

    def _commit_cursors(self) -> None:
        """Advance a flow's cursor only when none of its records still fails: a cursor
        past a failed record would hide it from every later incremental run."""
        failing = {s.flow for s in self.summary.failures}
        for name, newest in self._cursors.items():
            if name not in failing:
                self.writer.set_cursor(name, newest)

    async def _reconcile(self, name: str, seen: set[str]) -> None:
        """After a full listing: links whose source record is gone were deleted."""
        flow = self.spec.sync[name]
        if flow.delete.policy == "ignore":
            return
        for link in list(self.links.all(flow.link_entity)):
            source_key = link.ats_id if flow.source_side == "ats" else link.suite_id
            if source_key not in seen and link.status == "active":
                await self._delete(name, flow, link)

    async def _retry_failures(self) -> None:
        """Try transiently failed records again, a few passes with a growing pause.

        A create that failed may still have happened (the answer was lost), so retried
        creates first look for the record by the flow's ``match`` fields.
        """
        for attempt in range(RETRY_PASSES):
            failed = [s for s in self.summary.failures if s.transient]
            if not failed or not self.writer.retries:
                return
            await asyncio.sleep(RETRY_DELAY * 2**attempt)
            retried = {id(s) for s in failed}
            self.summary.steps = [s for s in self.summary.steps if id(s) not in retried]
            for step in failed:
                self.writer.suspect(step.flow, step.source_id)
            await asyncio.gather(*(self._retry(step) for step in failed))
            self.writer.flush()

    async def _retry(self, step: Step) -> None:
        try:
            if step.detail.startswith("delete:"):
                await self.delete_record(step.flow, step.source)
            elif step.source is not None:
                await self.sync_record(step.flow, step.source)
        except ConnectorError as exc:
            flow = self.spec.sync[step.flow]
            self._step(failure(step.flow, step.source_id, step.target_id, exc, step.source), flow)

    # --- one page ---------------------------------------------------------------------

    async def _process(self, name: str, records: list[dict[str, Any]]) -> None:
        flow = self.spec.sync[name]
        id_of = self.clients[flow.source_side].resources[flow.source].id
        page = sort_page(
            name, flow, id_of, records, echoes(self.spec, self.links, flow, id_of, records)
        )
        for step in page.steps:
            self._step(step, flow)
        await self._filtered(name, flow, page.filtered)
        if not page.chosen:
            return
        sids = [key(i) for i, _ in page.chosen]
        if flow.match:
            self.writer.recall(name, flow.source_side, sids)
        refs = await resolve_refs(
            flow, [r for _, r in page.chosen], spec=self.spec, links=self.links, id_of=id_of,
            planned=self.writer.planned, sync_many=self.sync_records,
        )  # fmt: skip
        found = self.links.lookup(flow.link_entity, flow.source_side, [i for i, _ in page.chosen])
        try:
            await asyncio.gather(
                *(
                    self._one(name, flow, i, r, refs.get(key(i), {}), found.get(key(i)))
                    for i, r in page.chosen
                )
            )
        finally:
            self.writer.flush()

    async def _filtered(self, name: str, flow: Flow, ids: list[Any]) -> None:
        """Records ``when`` leaves out are skipped; with ``delete.when_filtered``, one
        synced before (a job since closed) gets the flow's delete policy."""
        linked = (
            self.links.lookup(flow.link_entity, flow.source_side, ids)
            if ids and flow.delete.when_filtered
            else {}
        )
        for source_id in ids:
            link = linked.get(key(source_id))
            if link is not None and link.status == "active":
                await self._delete(name, flow, link)
            else:
                self._step(Step("skip", name, key(source_id), detail="'when' is false"), flow)

    async def _one(
        self,
        name: str,
        flow: Flow,
        source_id: Any,
        record: dict[str, Any],
        refs: dict[str, Any],
        link: Link | None,
    ) -> None:
        sid = key(source_id)
        try:
            payload = map_record(flow, record, refs)
        except MappingError as exc:
            # a ref not synced yet may be one whose own sync failed for a moment
            transient = exc.field in flow.refs
            self._step(Step("fail", name, sid, None, str(exc), source_id, transient), flow)
            return
        if payload is None:  # pragma: no cover - 'when' was checked before
            return
        decision = decide(name, flow, source_id, payload, link)
        if isinstance(decision, Step):
            self._step(decision, flow)
            return
        async with self._slots:
            await self._write(decision)

    async def _delete(self, name: str, flow: Flow, link: Link) -> None:
        decision = decide_delete(name, flow, link)
        if isinstance(decision, Step):
            self._step(decision, flow)
        else:
            await self._write(decision)

    async def _write(self, change: Change) -> None:
        """Hand a change to the writer; a refusal fails this record only."""
        try:
            step = await self.writer.write(change)
        except (UpstreamError, ConnectorError) as exc:
            fail = failure(change.name, change.sid, change.target_id, exc, change.source_id)
            if change.kind in ("delete", "archive"):  # a retry applies the policy again
                fail.detail = f"delete: {fail.detail}"
            self._step(fail, change.flow)
            return
        if step is not None:
            self._step(step, change.flow)

    def _step(self, step: Step, flow: Flow) -> None:
        self.summary.steps.append(step)
        collect(step)
        if step.action == "fail":
            if step.transient:
                self.writer.suspect(step.flow, step.source_id)
            self.writer.note(step, flow)
        if self.on_step is not None:
            self.on_step(step)
