"""Read-only reports over the store, for the admin page: each query bounded, none of
them reading an event's payload.

    reports = Reports(engine)
    reports.inbox_depth()           # {"acme": {"pending": 3, "dead": 1}}
    reports.last_run("acme")        # Run(id=7, trigger="sync", status="ok", ...) or None
    reports.hourly_events(start, 24)  # {"acme": ([0, 2, ...], [0, 1, ...])}: received, failed
    reports.links("ada", limit=100, offset=0)  # ([LinkRow(...), ...], total)

Times are epoch seconds, as stored; turning them into words is the page's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Integer, case, cast, func, or_, select

from engine.store.tables import audit, inbox, links, sync_runs, tokens

DEPTH_STATUSES = ("pending", "processing", "dead")
# the columns each row type is read from, in its fields' order
FAILED_RECORD = (audit.c.at, audit.c.flow, audit.c.resource, audit.c.ats_id, audit.c.suite_id,
                 audit.c.detail)  # fmt: skip
FAILING_EVENT = (inbox.c.id, inbox.c.event_type, inbox.c.status, inbox.c.attempts,
                 inbox.c.last_error, inbox.c.received_at)  # fmt: skip
LINK_ROW = (links.c.tenant, links.c.entity, links.c.ats_id, links.c.suite_id, links.c.status,
            links.c.updated_at)  # fmt: skip


@dataclass(frozen=True)
class StoredToken:
    """That a tenant holds a token for a provider, and until when (never the token)."""

    tenant: str
    provider: str
    expires_at: float | None


@dataclass(frozen=True)
class Run:
    """One row of ``sync_runs``: ``Run(7, "sync", "partial", False, 1717.0, 1718.0, ...)``."""

    id: int
    trigger: str
    status: str
    full: bool
    started_at: float
    finished_at: float | None
    created: int
    updated: int
    deleted: int
    skipped: int
    failed: int
    error: str | None

    @classmethod
    def of(cls, row: Any) -> Run:
        return cls(
            row.id, row.trigger, row.status, bool(row.full), row.started_at, row.finished_at,
            row.created, row.updated, row.deleted, row.skipped, row.failed, row.error,
        )  # fmt: skip


@dataclass(frozen=True)
class FailedRecord:
    """An audit entry of a record a flow could not write."""

    at: float
    flow: str
    resource: str
    ats_id: str | None
    suite_id: str | None
    detail: str | None


@dataclass(frozen=True)
class FailingEvent:
    """An inbox event whose last attempt failed (it may be retried still, or dead)."""

    id: int
    event_type: str
    status: str
    attempts: int
    last_error: str | None
    received_at: float


@dataclass(frozen=True)
class LinkRow:
    """One line of the equivalence table, as the admin page lists it."""

    tenant: str
    entity: str
    ats_id: str
    suite_id: str
    status: str
    updated_at: float


class Reports:
    """The admin page's queries, across every tenant in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def inbox_depth(self) -> dict[str, dict[str, int]]:
        """Events per tenant and status, for the statuses still to see to."""
        query = (
            select(inbox.c.tenant, inbox.c.status, func.count())
            .where(inbox.c.status.in_(DEPTH_STATUSES))
            .group_by(inbox.c.tenant, inbox.c.status)
        )
        depth: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for tenant, status, count in conn.execute(query):
                depth.setdefault(tenant, {})[status] = int(count)
        return depth

    def tokens(self) -> list[StoredToken]:
        query = select(tokens.c.tenant, tokens.c.provider, tokens.c.expires_at).order_by(
            tokens.c.tenant, tokens.c.provider
        )
        with self.engine.connect() as conn:
            return [StoredToken(*row) for row in conn.execute(query)]

    def last_run(self, tenant: str) -> Run | None:
        """The last sync of the tenant's data: a widget's button syncs one record as a run
        of its own, which says nothing of how the tenant's syncs go."""
        query = (
            select(sync_runs)
            .where(sync_runs.c.tenant == tenant, sync_runs.c.trigger.not_like("widget:%"))
            .order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Run.of(row)

    def failed_runs(self, tenant: str, limit: int) -> list[Run]:
        """The newest runs that failed, whole or in part."""
        query = (
            select(sync_runs)
            .where(sync_runs.c.tenant == tenant, sync_runs.c.status.in_(("failed", "partial")))
            .order_by(sync_runs.c.started_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Run.of(row) for row in conn.execute(query)]

    def failed_records(self, tenant: str, limit: int) -> list[FailedRecord]:
        query = (
            select(*FAILED_RECORD)
            .where(audit.c.tenant == tenant, audit.c.action == "fail")
            .order_by(audit.c.at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [FailedRecord(*row) for row in conn.execute(query)]

    def failing_events(self, tenant: str, limit: int) -> list[FailingEvent]:
        query = (
            select(*FAILING_EVENT)  # not the payload
            .where(inbox.c.tenant == tenant, inbox.c.last_error.is_not(None))
            .order_by(inbox.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [FailingEvent(*row) for row in conn.execute(query)]

    def hourly_events(self, start: float, hours: int) -> dict[str, tuple[list[int], list[int]]]:
        """Inbox events per tenant and hour since ``start``, in one grouped query: for each
        tenant with any, the received and the failed counts of each of ``hours`` hours."""
        offset = (inbox.c.received_at - start) / 3600.0
        # CAST truncates on SQLite (offsets are never negative here); PostgreSQL rounds
        bucket = (
            func.floor(offset)
            if self.engine.dialect.name == "postgresql"
            else cast(offset, Integer)
        )
        bad = case((or_(inbox.c.status == "dead", inbox.c.last_error.is_not(None)), 1), else_=0)
        query = (
            select(inbox.c.tenant, bucket.label("hour"), func.count(), func.sum(bad))
            .where(inbox.c.received_at >= start)
            .group_by(inbox.c.tenant, bucket)
        )
        counts: dict[str, tuple[list[int], list[int]]] = {}
        with self.engine.connect() as conn:
            for tenant, hour, received, failed in conn.execute(query):
                slot = int(hour)
                if 0 <= slot < hours:
                    got, lost = counts.setdefault(tenant, ([0] * hours, [0] * hours))
                    got[slot] += int(received)
                    lost[slot] += int(failed or 0)
        return counts

    def event_status(self, event_id: int) -> str | None:
        """The inbox event's status, or None when there is no such event."""
        with self.engine.connect() as conn:
            status = conn.execute(select(inbox.c.status).where(inbox.c.id == event_id)).scalar()
        return None if status is None else str(status)

    def links(self, q: str, *, limit: int, offset: int) -> tuple[list[LinkRow], int]:
        """A page of links whose ids or entity contain ``q`` (any case; ``%`` and ``_`` are
        literal), in a stable order, and how many match in all."""
        where = []
        if q:
            where.append(
                or_(
                    links.c.ats_id.icontains(q, autoescape=True),
                    links.c.suite_id.icontains(q, autoescape=True),
                    links.c.entity.icontains(q, autoescape=True),
                )
            )
        rows_query = (
            select(*LINK_ROW)
            .where(*where)
            .order_by(links.c.tenant, links.c.entity, links.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(links).where(*where)).scalar_one()
            )
            rows = [LinkRow(*row) for row in conn.execute(rows_query)]
        return rows, total
