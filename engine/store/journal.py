"""The journal: what sync runs did, in ``sync_runs`` (one row per run) and ``audit`` (one
row per decision that wrote, or failed).

    journal = Journal(engine, "acme")
    run_id = journal.start_run(["jobs_to_projects"], full=False, trigger="sync")
    journal.record([AuditEntry(run_id, "jobs_to_projects", "fail", "suite", "project",
                               ats_id="12", suite_id=None, detail="HTTP 422: name is required")])
    journal.finish_run(run_id, {"created": 0, "updated": 0, "deleted": 0, "skipped": 0,
                                "failed": 1}, error=None)

An entry that goes with a change of a link (a create, an update, a delete) is written by
``LinkStore`` in the link's own transaction, so the trail never says "created" for a link
that is not there, nor misses one that is. The others (failures) are gathered and
written a page at a time with ``record``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from engine.store.tables import audit, sync_runs

CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit
DETAIL = 2000  # characters of detail kept per entry
_INSERT = insert(audit)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: what a flow did to one record, on which side."""

    run_id: int | None
    flow: str
    action: str  # create, update, delete, archive, action, fail
    side: str  # the side written to
    resource: str
    ats_id: str | None
    suite_id: str | None
    detail: str = ""
    at: float = field(default_factory=time.time)

    def row(self, tenant: str) -> dict[str, Any]:
        return {
            "tenant": tenant, "run_id": self.run_id, "at": self.at, "flow": self.flow,
            "action": self.action, "side": self.side, "resource": self.resource,
            "ats_id": self.ats_id, "suite_id": self.suite_id, "detail": self.detail[:DETAIL],
        }  # fmt: skip


def write_entries(conn: Connection, tenant: str, entries: Iterable[AuditEntry]) -> None:
    """Insert entries on ``conn``, inside the caller's transaction: one statement for all."""
    rows = [entry.row(tenant) for entry in entries]
    if rows:  # one row is a plain execute, cheaper than the executemany path
        conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)


class Journal:
    """Runs and audit entries of one tenant."""

    def __init__(self, engine: Engine, tenant: str) -> None:
        self.engine = engine
        self.tenant = tenant

    def start_run(self, flows: list[str], *, full: bool, trigger: str) -> int:
        """A new run in the ``running`` state; returns its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(sync_runs).values(
                    tenant=self.tenant, trigger=trigger, flows=json.dumps(flows), full=full,
                    status="running", started_at=time.time(), created=0, updated=0, deleted=0,
                    skipped=0, failed=0,
                )
            )  # fmt: skip
            inserted = result.inserted_primary_key
            return int(inserted[0]) if inserted else 0

    def finish_run(self, run_id: int, counts: Mapping[str, int], *, error: str | None) -> str:
        """Close a run with its counts: ``failed`` when it crashed, ``partial`` when some
        records failed, else ``ok``; returns that status."""
        status = "failed" if error else ("partial" if counts.get("failed") else "ok")
        with self.engine.begin() as conn:
            conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == run_id)
                .values(status=status, finished_at=time.time(), error=error, **counts)
            )
        return status

    def record(self, entries: list[AuditEntry]) -> None:
        """Write entries that go with no link change, in one statement."""
        if entries:
            with self.engine.begin() as conn:
                write_entries(conn, self.tenant, entries)

    def failed_before(self, flow: str, side: str, ids: list[str]) -> set[str]:
        """Of ``ids`` (source ids on ``side``), those with a failure in the audit trail."""
        column = audit.c.ats_id if side == "ats" else audit.c.suite_id
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                query = select(column).where(
                    audit.c.tenant == self.tenant,
                    audit.c.flow == flow,
                    audit.c.action == "fail",
                    column.in_(ids[start : start + CHUNK]),
                )
                found.update(conn.execute(query).scalars())
        return found
