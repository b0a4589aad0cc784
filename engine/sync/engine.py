"""The sync engine: runs a spec's flows between the ATS and the suite.

Per page of source records: ``when``, then refs (syncing what they point to first),
then ``fields``, then one batched link lookup; each record is then created and linked,
updated when the fingerprint of its owned fields changed, or skipped. A failure on one
record is recorded with its reason and never stops the others. ``dry_run`` plans the
same decisions without writing anything.

    summary = await SyncEngine(tenant_runtime, engine).run(full=True)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jmespath.exceptions import JMESPathError
from sqlalchemy import Engine, insert, update

from engine.client.api import ApiClient
from engine.dsl.spec import AtsSpec, Flow
from engine.errors import ConnectorError, UpstreamError
from engine.store.links import Link, LinkConflict, LinkStore, Side, fingerprint, key
from engine.store.tables import sync_runs
from engine.sync.cursor import next_since, record_time
from engine.sync.mapping import MappingError, map_record, truthy
from engine.tenants import TenantRuntime

# Steps of the work in progress: a worker reads what one event did, even while other
# events run on the same engine; CHAIN holds the records being synced, so that a
# record referring to itself (or a cycle) is noticed instead of waiting forever.
STEPS: ContextVar[list[Step] | None] = ContextVar("steps", default=None)
CHAIN: ContextVar[frozenset[tuple[str, str]]] = ContextVar("chain", default=frozenset())

CONCURRENCY = 8
RETRY_PASSES = 4  # passes over transiently failed records before a run gives up on them
RETRY_DELAY = 0.5


@dataclass
class Step:
    """One decision: what a sync does (or, in a plan, would do) to one record."""

    action: str  # create, update, delete, archive, action, skip, fail
    flow: str
    source_id: str
    target_id: str | None = None
    detail: str = ""
    source: Any = field(default=None, repr=False, compare=False)
    """The id as the source API gave it, to try again."""
    transient: bool = field(default=False, repr=False, compare=False)
    """A failure worth another try: a timeout, a 429 or a 5xx."""


@dataclass
class Summary:
    steps: list[Step] = field(default_factory=list)
    run_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for s in self.steps if s.action == action)

    @property
    def counts(self) -> dict[str, int]:
        names = ("created", "updated", "deleted", "skipped", "failed")
        actions = ("create", "update", "delete", "skip", "fail")
        counts = {n: self.count(a) for n, a in zip(names, actions, strict=True)}
        counts["updated"] += self.count("action")
        counts["deleted"] += self.count("archive")
        return counts


class SyncEngine:
    def __init__(
        self,
        tenant: TenantRuntime,
        engine: Engine,
        *,
        dry_run: bool = False,
        spec: AtsSpec | None = None,
    ) -> None:
        self.tenant = tenant
        self.spec = spec or tenant.ats  # another spec: the same flows, some of them adjusted
        self.links = LinkStore(engine, tenant.id)
        self.engine = engine
        self.dry_run = dry_run
        self.summary = Summary()
        self.clients: dict[Side, ApiClient] = {}
        self._planned: dict[tuple[str, str], str] = {}
        self._suspect: set[tuple[str, str]] = set()  # creates that may have happened
        self._cursors: dict[str, str] = {}  # committed at the end of a run, see _commit
        self._audit: list[dict[str, Any]] = []
        self._inflight: dict[tuple[str, str], asyncio.Future[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self.on_step: Any = None  # a progress callback, called with each Step

    # --- entry points -----------------------------------------------------------------

    async def run(
        self, flows: Iterable[str] | None = None, *, full: bool = False, trigger: str = "sync"
    ) -> Summary:
        names = self.order(flows)
        async with self._recorded(names, full, trigger):
            for name in names:
                await self.sync_flow(name, full=full)
            await self.retry_failures()
            self._commit_cursors()
        return self.summary

    async def run_one(self, name: str, source_id: Any, *, trigger: str) -> Summary:
        """Sync one record now, recorded as a run of its own. A person waits on it (a
        widget's button), so a failure is reported at once, not retried for seconds."""
        async with self._recorded([name], False, trigger):
            await self.sync_one(name, source_id)
        return self.summary

    @asynccontextmanager
    async def _recorded(self, names: list[str], full: bool, trigger: str) -> AsyncIterator[None]:
        """A run with its clients open, written to ``sync_runs`` unless it is a plan."""
        run_id = None if self.dry_run else self._start_run(names, full, trigger)
        self.summary.run_id = run_id
        error = None
        try:
            async with self._open():
                yield
        except Exception as exc:  # any crash marks the run failed, then propagates
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._flush()
            if run_id is not None:
                self._finish_run(run_id, error)

    def order(self, flows: Iterable[str] | None) -> list[str]:
        """Flows in dependency order: a flow after the flows its refs point to."""
        wanted = (
            list(flows)
            if flows is not None
            else [name for name, flow in self.spec.sync.items() if not flow.on_demand]
        )
        unknown = [f for f in wanted if f not in self.spec.sync]
        if unknown:
            raise ConnectorError(f"unknown flow {unknown[0]!r}; flows: {sorted(self.spec.sync)}")
        ordered: list[str] = []

        def visit(name: str, trail: tuple[str, ...]) -> None:
            if name in ordered or name in trail:
                return
            for ref in self.spec.sync[name].refs.values():
                if ref.flow in wanted:
                    visit(ref.flow, (*trail, name))
            ordered.append(name)

        for name in wanted:
            visit(name, ())
        return ordered

    async def retry_failures(self) -> None:
        """Try transiently failed records again, a few passes with a growing pause.

        A create that failed may still have happened (the answer was lost), so retried
        creates first look for the record by the flow's ``match`` fields.
        """
        for attempt in range(RETRY_PASSES):
            failed = [s for s in self.summary.steps if s.action == "fail" and s.transient]
            if not failed or self.dry_run:
                return
            await asyncio.sleep(RETRY_DELAY * 2**attempt)
            retried = {id(s) for s in failed}
            self.summary.steps = [s for s in self.summary.steps if id(s) not in retried]
            for step in failed:
                self._suspect.add((step.flow, step.source_id))
            await asyncio.gather(*(self._retry(step) for step in failed))
            self._flush()

    async def _retry(self, step: Step) -> None:
        try:
            if step.detail.startswith("delete:"):
                await self.delete_source(step.flow, step.source)
            elif step.source is not None:
                await self.sync_one(step.flow, step.source)
        except ConnectorError as exc:
            flow = self.spec.sync[step.flow]
            self._step(_failure(step.flow, step.source_id, step.target_id, exc, step.source), flow)

    async def sync_flow(self, name: str, *, full: bool = False) -> None:
        flow = self.spec.sync[name]
        source = self.clients[flow.source_side]
        resource = source.resources[flow.source]
        cursor_key = f"flow:{name}"
        since = None if full else self.links.cursor(cursor_key)
        overlap = float(self.spec.polling.overlap) if self.spec.polling else 0.0
        seen: set[str] = set()
        newest: str | None = None
        query_since = next_since(since, overlap, resource.incremental) if since else None
        async for page in source.pages(flow.source, since=query_since):
            await self.process(name, page)
            for record in page:
                seen.add(key(resource.id.search(record)))
                if resource.updated is not None:
                    newest = max(
                        filter(None, (newest, record_time(resource.updated.search(record)))),
                        default=None,
                    )
        if full:
            await self.reconcile(name, seen)
        if newest:
            self._cursors[name] = newest

    def _commit_cursors(self) -> None:
        """Advance a flow's cursor only when none of its records still fails: a cursor
        past a failed record would hide it from every later incremental run."""
        failing = {s.flow for s in self.summary.steps if s.action == "fail"}
        for name, newest in self._cursors.items():
            if name not in failing and not self.dry_run:
                self.links.set_cursor(f"flow:{name}", newest)

    async def sync_one(
        self, name: str, source_id: Any, record: Mapping[str, Any] | None = None
    ) -> None:
        """Sync one source record (fetched by id unless given); one at a time per record."""
        flight = (name, key(source_id))
        if flight in CHAIN.get():
            return  # it refers to itself, directly or in a cycle: it is being synced already
        if flight in self._inflight:
            await asyncio.shield(self._inflight[flight])
            return
        chained = CHAIN.set(CHAIN.get() | {flight})
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight[flight] = future
        try:
            flow = self.spec.sync[name]
            if record is None:
                record = await self.clients[flow.source_side].get(flow.source, source_id)
            if record is None:
                self._step(
                    Step("skip", name, key(source_id), detail="the source record does not exist"),
                    flow,
                )
            else:
                await self.process(name, [dict(record)])
        except ConnectorError as exc:  # fetching it failed: the record fails, not the run
            flow = self.spec.sync[name]
            self._step(_failure(name, key(source_id), None, exc, source_id), flow)
        finally:
            if not future.done():
                future.set_result(None)
            self._inflight.pop(flight, None)
            CHAIN.reset(chained)

    async def sync_many(self, name: str, ids: list[Any]) -> None:
        """Sync records by id, fetched a batch per request where the resource has a
        ``lookup``, else one by one; each record is claimed once, as in ``sync_one``."""
        flow = self.spec.sync[name]
        client = self.clients[flow.source_side]
        lookup = client.resources[flow.source].lookup
        if lookup is None or len(ids) == 1:
            await asyncio.gather(*(self.sync_one(name, i) for i in ids))
            return
        loop = asyncio.get_running_loop()
        mine, others = [], []
        for source_id in ids:
            flight = (name, key(source_id))
            if flight in CHAIN.get():
                continue  # a cycle: it is being synced further up already
            if flight in self._inflight:
                others.append(self._inflight[flight])
            else:
                self._inflight[flight] = loop.create_future()
                mine.append(source_id)
        chained = CHAIN.set(CHAIN.get() | {(name, key(i)) for i in mine})
        try:
            for start in range(0, len(mine), lookup.max):
                chunk = mine[start : start + lookup.max]
                params = {lookup.param: lookup.separator.join(str(i) for i in chunk)}
                try:
                    records = [r async for r in client.list(flow.source, params=params)]
                except ConnectorError as exc:  # these records fail; the run goes on
                    for source_id in chunk:
                        self._step(_failure(name, key(source_id), None, exc, source_id), flow)
                    continue
                await self.process(name, records)
        finally:
            for source_id in mine:
                pending = self._inflight.pop((name, key(source_id)))
                if not pending.done():
                    pending.set_result(None)
            CHAIN.reset(chained)
        await asyncio.gather(*(asyncio.shield(f) for f in others))

    async def delete_source(self, name: str, source_id: Any) -> None:
        """Apply the flow's delete policy for a source record deleted at its origin."""
        flow = self.spec.sync[name]
        found = self.links.lookup(flow.link_entity, flow.source_side, [source_id])
        link = found.get(key(source_id))
        if link is None:
            self._step(
                Step("skip", name, key(source_id), detail="deleted before it was ever synced"), flow
            )
            return
        await self._apply_delete(flow, name, link)

    # --- one page ---------------------------------------------------------------------

    async def process(self, name: str, records: list[dict[str, Any]]) -> None:
        flow = self.spec.sync[name]
        resource = self.clients[flow.source_side].resources[flow.source]
        chosen, filtered = [], []
        echoes = self._echoes(flow, resource.id, records)
        for record in records:
            try:
                source_id = resource.id.search(record)
                wanted = flow.when is None or truthy(flow.when.search(record))
            except JMESPathError as exc:  # an expression that fails on this record's data
                self._step(Step("fail", name, "?", detail=f"'when' or 'id' failed: {exc}"), flow)
                continue
            if source_id is None:
                self._step(Step("fail", name, "?", detail="the record has no id"), flow)
            elif key(source_id) in echoes:
                detail = "echo: the record is as this engine last wrote it"
                self._step(Step("skip", name, key(source_id), detail=detail), flow)
            elif not wanted:
                filtered.append(source_id)
            else:
                chosen.append((source_id, record))
        await self._filtered(name, flow, filtered)
        if not chosen:
            return
        if flow.match and not self.dry_run:
            earlier = self.links.failed_before(name, flow.source_side, [key(i) for i, _ in chosen])
            self._suspect.update((name, sid) for sid in earlier)
        refs = await self._resolve_refs(flow, [r for _, r in chosen])
        found = self.links.lookup(flow.link_entity, flow.source_side, [i for i, _ in chosen])
        try:
            await asyncio.gather(
                *(
                    self._one(name, flow, i, r, refs.get(key(i), {}), found.get(key(i)))
                    for i, r in chosen
                )
            )
        finally:
            self._flush()

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
                await self._apply_delete(flow, name, link)
            else:
                self._step(Step("skip", name, key(source_id), detail="'when' is false"), flow)

    def _echoes(self, flow: Flow, id_of: Any, records: list[dict[str, Any]]) -> set[str]:
        """Source records that are exactly as another flow of ours last wrote them.

        Such a record changed because we changed it; syncing it back would bounce our
        own write to where it came from. Any field changed since, by anyone else, makes
        it a real change again.
        """
        writers = [
            other
            for other in self.spec.sync.values()
            if other.target_side == flow.source_side
            and other.target == flow.source
            and other is not flow
        ]
        if not writers or not records:
            return set()
        by_id = {key(id_of.search(r)): r for r in records}
        echoes: set[str] = set()
        for writer in writers:
            for source_id, link in self.links.lookup(
                writer.link_entity, flow.source_side, list(by_id)
            ).items():
                written = link.payload(flow.source_side)
                record = by_id.get(source_id)
                if written and record and all(record.get(k) == v for k, v in written.items()):
                    echoes.add(source_id)
        return echoes

    async def _resolve_refs(
        self, flow: Flow, records: list[dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """Per source id, the target-side id of every ref; unsynced targets sync first."""
        resource = self.clients[flow.source_side].resources[flow.source]
        out: dict[str, dict[str, Any]] = {key(resource.id.search(r)): {} for r in records}
        for field_name, ref in flow.refs.items():
            other = self.spec.sync[ref.flow]
            wanted = {key(resource.id.search(r)): ref.id.search(r) for r in records}
            ids = [v for v in wanted.values() if v is not None]
            found = self.links.lookup(other.link_entity, flow.source_side, ids)
            missing = {key(i): i for i in ids if key(i) not in found}
            if missing:
                await self.sync_many(ref.flow, list(missing.values()))
            if len(found) < len(set(map(key, ids))):
                found = self.links.lookup(other.link_entity, flow.source_side, ids)
            for source_id, ref_id in wanted.items():
                if ref_id is None:
                    continue
                link = found.get(key(ref_id))
                if link is not None:
                    out[source_id][field_name] = link.id_on(flow.target_side)
                elif (ref.flow, key(ref_id)) in self._planned:
                    out[source_id][field_name] = self._planned[(ref.flow, key(ref_id))]
        return out

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
        async with self._slots:
            try:
                if flow.action:
                    await self._act(name, flow, sid, payload, link)
                elif link is None:
                    await self._create(name, flow, source_id, payload)
                else:
                    await self._update(name, flow, sid, payload, link)
            except (UpstreamError, ConnectorError) as exc:
                target = link.id_on(flow.target_side) if link else None
                self._step(_failure(name, sid, target, exc, source_id), flow)

    async def _create(self, name: str, flow: Flow, source_id: Any, payload: dict[str, Any]) -> None:
        sid = key(source_id)
        if (name, sid) in self._planned:
            return
        if self.dry_run:
            self._planned[(name, sid)] = f"(new {flow.target})"
            self._step(Step("create", name, sid, None, _fields(payload)), flow)
            return
        client = self.clients[flow.target_side]
        existing = None
        if flow.match and (name, sid) in self._suspect:
            existing = await self._find(flow, payload)
        try:
            written = existing or await client.create(flow.target, payload)
        except UpstreamError as exc:
            if exc.status != 409 or not flow.match:
                raise
            existing = await self._find(flow, payload)  # it exists already: adopt it
            if existing is None:
                raise
            written = existing
        target_id = client.resources[flow.target].id.search(written)
        if target_id is None:
            raise UpstreamError(f"the created {flow.target} came back without an id")
        ats_id, suite_id = (
            (source_id, target_id) if flow.direction == "to_suite" else (target_id, source_id)
        )
        try:
            self.links.add(
                flow.link_entity, ats_id, suite_id, written=flow.target_side, payload=payload
            )
        except LinkConflict as exc:
            raise ConnectorError(str(exc)) from None
        self._step(Step("create", name, sid, key(target_id), _fields(payload)), flow)

    async def _find(self, flow: Flow, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The target record whose ``match`` fields equal the payload's, if any."""
        if any(payload.get(f) is None for f in flow.match):
            return None
        if flow.match_query:  # the target filters by other names than its fields
            params = {p: expr.search(payload) for p, expr in flow.match_query.items()}
        else:
            params = {f: payload[f] for f in flow.match}
        async for record in self.clients[flow.target_side].list(flow.target, params=params):
            if all(record.get(f) == payload[f] for f in flow.match):
                return record
        return None

    async def _update(
        self, name: str, flow: Flow, sid: str, payload: dict[str, Any], link: Link
    ) -> None:
        owned = {k: v for k, v in payload.items() if flow.owner(k) == flow.source_side}
        before = link.payload(flow.target_side) or {}
        changed = {k: v for k, v in owned.items() if k not in before or before[k] != v}
        target_id = link.id_on(flow.target_side)
        if not changed and link.status == "active":
            self._step(Step("skip", name, sid, key(target_id), "unchanged"), flow)
            return
        values = changed or owned
        if link.status == "archived":  # its source matches again (a job reopened)
            values = {**values, **flow.delete.restore}
        if not self.dry_run:
            await self.clients[flow.target_side].update(flow.target, target_id, values)
            self.links.written(link, flow.target_side, values, status="active")
        self._step(Step("update", name, sid, key(target_id), _fields(values)), flow)

    async def _act(
        self, name: str, flow: Flow, sid: str, payload: dict[str, Any], link: Link | None
    ) -> None:
        if link is None:
            self._step(
                Step("skip", name, sid, detail=f"no linked {flow.target} to {flow.action}"), flow
            )
            return
        marker = {f"action:{flow.action}": fingerprint(payload)}
        before = link.payload(flow.target_side) or {}
        target_id = link.id_on(flow.target_side)
        if before.get(f"action:{flow.action}") == marker[f"action:{flow.action}"]:
            self._step(Step("skip", name, sid, key(target_id), f"{flow.action} already done"), flow)
            return
        if not self.dry_run:
            await self.clients[flow.target_side].action(
                flow.target, str(flow.action), target_id, payload
            )
            self.links.written(link, flow.target_side, marker)
        self._step(Step("action", name, sid, key(target_id), flow.action or ""), flow)

    async def reconcile(self, name: str, seen: set[str]) -> None:
        """After a full listing: links whose source record is gone were deleted."""
        flow = self.spec.sync[name]
        if flow.delete.policy == "ignore":
            return
        side: Side = flow.source_side
        for link in list(self.links.all(flow.link_entity)):
            source_key = link.ats_id if side == "ats" else link.suite_id
            if source_key not in seen and link.status == "active":
                await self._apply_delete(flow, name, link)

    async def _apply_delete(self, flow: Flow, name: str, link: Link) -> None:
        sid = link.ats_id if flow.source_side == "ats" else link.suite_id
        target_id = link.id_on(flow.target_side)
        policy = flow.delete.policy
        if policy == "ignore" or (policy == "archive" and link.status == "archived"):
            self._step(Step("skip", name, sid, key(target_id), f"delete policy {policy}"), flow)
            return
        try:
            if policy == "delete":
                if not self.dry_run:
                    await self.clients[flow.target_side].delete(flow.target, target_id)
                    self.links.remove(link)
                self._step(Step("delete", name, sid, key(target_id)), flow)
            else:
                values = dict(flow.delete.set)
                if not self.dry_run:
                    await self.clients[flow.target_side].update(flow.target, target_id, values)
                    self.links.written(link, flow.target_side, values, status="archived")
                self._step(Step("archive", name, sid, key(target_id), _fields(values)), flow)
        except (UpstreamError, ConnectorError) as exc:
            failure = _failure(name, sid, target_id, exc, link.id_on(flow.source_side))
            failure.detail = f"delete: {failure.detail}"
            self._step(failure, flow)

    # --- bookkeeping ------------------------------------------------------------------

    def _step(self, step: Step, flow: Flow) -> None:
        self.summary.steps.append(step)
        mine = STEPS.get()
        if mine is not None:
            mine.append(step)
        if step.action == "fail" and step.transient:
            self._suspect.add((step.flow, step.source_id))
        if self.on_step is not None:
            self.on_step(step)
        if self.dry_run or step.action == "skip":
            return
        ats_id: str | None = step.source_id
        suite_id = step.target_id
        if flow.direction == "to_ats":
            ats_id, suite_id = suite_id, ats_id
        self._audit.append(
            {
                "run_id": self.summary.run_id,
                "at": time.time(),
                "flow": step.flow,
                "action": step.action,
                "side": flow.target_side,
                "resource": flow.target,
                "ats_id": ats_id,
                "suite_id": suite_id,
                "detail": step.detail[:2000],
            }
        )

    def _flush(self) -> None:
        """Write the audit entries gathered so far: one statement per page, not per record."""
        entries, self._audit = self._audit, []
        self.links.audit(entries)

    def _open(self) -> _Clients:
        return _Clients(self)

    def _start_run(self, names: list[str], full: bool, trigger: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(sync_runs).values(
                    tenant=self.tenant.id, trigger=trigger, flows=json.dumps(names), full=full,
                    status="running", started_at=time.time(), created=0, updated=0, deleted=0,
                    skipped=0, failed=0,
                )
            )  # fmt: skip
            inserted = result.inserted_primary_key
            return int(inserted[0]) if inserted else 0

    def _finish_run(self, run_id: int, error: str | None) -> None:
        counts = self.summary.counts
        status = "failed" if error else ("partial" if counts["failed"] else "ok")
        with self.engine.begin() as conn:
            conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == run_id)
                .values(status=status, finished_at=time.time(), error=error, **counts)
            )


class _Clients:
    """Opens the ATS and suite clients for a run (unless the caller already did)."""

    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync
        self.opened: list[ApiClient] = []

    async def __aenter__(self) -> None:
        if "ats" not in self.sync.clients:
            self.sync.clients["ats"] = self.sync.tenant.ats_client()
            self.opened.append(self.sync.clients["ats"])
        if "suite" not in self.sync.clients:
            self.sync.clients["suite"] = self.sync.tenant.suite_client()
            self.opened.append(self.sync.clients["suite"])

    async def __aexit__(self, *exc: object) -> None:
        for client in self.opened:
            await client.aclose()
            self.sync.clients = {k: v for k, v in self.sync.clients.items() if v is not client}


def _failure(name: str, sid: str, target: Any, exc: ConnectorError, source: Any) -> Step:
    status = exc.status if isinstance(exc, UpstreamError) else 0
    transient = isinstance(exc, UpstreamError) and (
        status is None or status in (408, 429) or status >= 500
    )
    return Step(
        "fail",
        name,
        sid,
        key(target) if target is not None else None,
        exc.message,
        source,
        transient,
    )


def _fields(payload: Mapping[str, Any]) -> str:
    return ", ".join(sorted(payload))
