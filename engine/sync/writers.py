"""Writers carry out the changes a sync decides: ``LiveWriter`` writes them, ``PlanWriter``
only lists them. The engine runs the same decisions either way, so a plan shows
exactly what a sync would do.

    SyncEngine(tenant, engine)                     # a LiveWriter: ``connector sync``
    SyncEngine(tenant, engine, writer=PlanWriter)  # ``connector plan``: nothing written

A live write calls the target API, then records the link and its audit entry in one
transaction. It also keeps the run's bookkeeping: the ``sync_runs`` row, the audit
entries of failures (a page at a time), the flows' cursors, and the records whose
create may have happened though its answer was lost ("suspects"), which are looked up
by the flow's ``match`` fields before they are created again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from engine.client.api import ApiClient
from engine.dsl.spec import Flow
from engine.errors import ConnectorError, UpstreamError
from engine.store.journal import AuditEntry, Journal
from engine.store.links import LinkConflict, LinkStore, Side, usable_id
from engine.sync.decisions import Change
from engine.sync.steps import Step

#: Set around each inbox event by the worker that claimed it: whether it still holds the
#: event. A live write is made only while it does, so a worker paused past its lease (and
#: the event claimed again by another) makes no late write when it wakes.
WRITE_GUARD: ContextVar[Callable[[], bool] | None] = ContextVar("write_guard", default=None)


class Fenced(ConnectorError):
    """This worker no longer holds the event it writes for: another one does."""


def guarded() -> None:
    """Raise ``Fenced`` unless the running event (if any) is still this worker's."""
    guard = WRITE_GUARD.get()
    if guard is not None and not guard():
        raise Fenced("the lease on this event ended and another worker holds it: no write")


class Writer:
    """What every writer does; this base writes nothing and remembers nothing."""

    retries = False
    """Whether transient failures are worth another pass in this run."""

    def __init__(self, clients: Mapping[Side, ApiClient], links: LinkStore, journal: Journal):
        self.clients = clients  # the engine's open clients (opened and closed by it)
        self.links = links
        self.journal = journal
        self.run_id: int | None = None

    async def write(self, change: Change) -> Step | None:
        """Carry out ``change``; the step it was, or None when there was nothing to do."""
        raise NotImplementedError

    def planned(self, name: str, sid: str) -> Any | None:
        """The id a plan gave a record it would create, for the refs to it."""
        return None

    def note(self, step: Step, flow: Flow) -> None:
        """A step that wrote nothing (a failure), for the audit trail."""

    def flush(self) -> None:
        """Write what ``note`` gathered."""

    def suspect(self, name: str, sid: str) -> None:
        """A create of this record may have happened: look it up before creating it."""

    def recall(self, name: str, side: Side, sids: list[str]) -> None:
        """Suspect the records of ``sids`` that an earlier run failed on."""

    def start_run(self, flows: list[str], *, full: bool, trigger: str) -> int | None:
        return None

    def finish_run(self, counts: Mapping[str, int], error: str | None) -> None:
        """Close the run ``start_run`` opened."""

    def set_cursor(self, name: str, value: str) -> None:
        """Advance a flow's cursor."""


class PlanWriter(Writer):
    """Lists changes: a create gets a placeholder id (``(new project)``) that refs to
    the record use, so the records that refer to it are planned as well."""

    def __init__(self, clients: Mapping[Side, ApiClient], links: LinkStore, journal: Journal):
        super().__init__(clients, links, journal)
        self._planned: dict[tuple[str, str], str] = {}

    async def write(self, change: Change) -> Step | None:
        if change.kind == "create":
            if (change.name, change.sid) in self._planned:
                return None  # planned already, as a ref of a record synced earlier
            self._planned[(change.name, change.sid)] = f"(new {change.flow.target})"
        return change.step()

    def planned(self, name: str, sid: str) -> Any | None:
        return self._planned.get((name, sid))


class LiveWriter(Writer):
    retries = True

    def __init__(self, clients: Mapping[Side, ApiClient], links: LinkStore, journal: Journal):
        super().__init__(clients, links, journal)
        self._suspects: set[tuple[str, str]] = set()
        self._notes: list[AuditEntry] = []

    async def write(self, change: Change) -> Step | None:
        guarded()
        if change.kind == "create":
            return await self._create(change)
        flow, link = change.flow, change.link
        if link is None:  # pragma: no cover - only a create has no link
            raise ConnectorError(f"{change.kind} of {flow.target} {change.sid} has no link")
        client = self.clients[flow.target_side]
        step = change.step()
        if change.kind == "delete":
            await client.delete(flow.target, change.target_id)
            self.links.remove(link, audit=self._entry(step, flow))
        elif change.kind == "action":
            await client.action(flow.target, str(flow.action), change.target_id, change.values)
            remember = change.remember if change.remember is not None else change.values
            self.links.written(link, flow.target_side, remember, audit=self._entry(step, flow))
        else:  # an update, or an archive by the delete policy
            await client.update(flow.target, change.target_id, change.values)
            self.links.written(
                link, flow.target_side, change.values, status=change.status,
                audit=self._entry(step, flow),
            )  # fmt: skip
        return step

    async def _create(self, change: Change) -> Step:
        flow, payload = change.flow, change.values
        client = self.clients[flow.target_side]
        existing = None
        if flow.match and (change.name, change.sid) in self._suspects:
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
        if target_id is None and not written and _write_once(client.resources[flow.target]):
            # an empty answer (a 201 with no body, as some APIs give for a comment): the
            # record cannot be changed later anyway, so a stand-in id links it and it is
            # never written twice
            target_id = f"unanswered:{change.sid}"
        if not usable_id(target_id):
            # it may exist now: a retry looks it up by the flow's match fields first
            raise UpstreamError(f"the created {flow.target} came back without a usable id")
        ats_id, suite_id = (
            (change.source_id, target_id)
            if flow.direction == "to_suite"
            else (target_id, change.source_id)
        )
        step = change.step(target_id)
        try:
            self.links.add(
                flow.link_entity, ats_id, suite_id, written=flow.target_side, payload=payload,
                audit=self._entry(step, flow),
            )  # fmt: skip
        except LinkConflict as exc:
            raise ConnectorError(str(exc)) from None
        return step

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

    def _entry(self, step: Step, flow: Flow) -> AuditEntry:
        ats_id: str | None = step.source_id
        suite_id = step.target_id
        if flow.direction == "to_ats":
            ats_id, suite_id = suite_id, ats_id
        return AuditEntry(
            self.run_id, step.flow, step.action, flow.target_side, flow.target, ats_id, suite_id,
            step.detail,
        )  # fmt: skip

    def note(self, step: Step, flow: Flow) -> None:
        self._notes.append(self._entry(step, flow))

    def flush(self) -> None:
        """One statement per page, not per record."""
        notes, self._notes = self._notes, []
        self.journal.record(notes)

    def suspect(self, name: str, sid: str) -> None:
        self._suspects.add((name, sid))

    def recall(self, name: str, side: Side, sids: list[str]) -> None:
        self._suspects.update((name, sid) for sid in self.journal.failed_before(name, side, sids))

    def start_run(self, flows: list[str], *, full: bool, trigger: str) -> int | None:
        self.run_id = self.journal.start_run(flows, full=full, trigger=trigger)
        return self.run_id

    def finish_run(self, counts: Mapping[str, int], error: str | None) -> None:
        if self.run_id is not None:
            self.journal.finish_run(self.run_id, counts, error=error)

    def set_cursor(self, name: str, value: str) -> None:
        self.links.set_cursor(f"flow:{name}", value)


def _write_once(resource: Any) -> bool:
    """A resource that is only ever created (no update, no delete endpoint)."""
    return resource.endpoints.update is None and resource.endpoints.delete is None
