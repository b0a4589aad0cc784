"""What the admin page shows, in words and numbers: the store's reports made readable.

    data = AdminData(runtime, inbox)
    [view] = data.tenants(now)
    view.depth      # {"pending": 2, "processing": 0, "dead": 1}
    view.last_run   # {"id": 7, "status": "partial", "started": "2024-05-31 16:08:37 UTC", ...}
    data.links("ada", page=1)  # ([{"tenant": "acme", "entity": "job", ...}], 1)

Times read as UTC, and error messages are clipped, so one huge message cannot swamp
the page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from engine.store.inbox import Inbox
from engine.store.reports import DEPTH_STATUSES, Reports, Run
from engine.tenants import Runtime
from engine.web.admin.chart import HOURS, Chart, chart_start, empty_chart, hourly_chart

LINKS_PER_PAGE = 100
DEAD_SHOWN = 50
ERRORS_SHOWN = 20
MESSAGE_CHARS = 500


def when(ts: float | None) -> str:
    """``1717171717`` reads ``2024-05-31 16:08:37 UTC``; no time reads as nothing."""
    if ts is None:
        return ""
    moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def clip(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


@dataclass
class TenantView:
    id: str
    anchor: str
    configured: bool
    ats: str = ""
    setup: str = ""
    suite_company: str = ""
    tokens: list[dict[str, Any]] = field(default_factory=list)
    last_run: dict[str, Any] | None = None
    depth: dict[str, int] = field(default_factory=dict)
    dead: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    chart: Chart | None = None


def _run(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "trigger": run.trigger,
        "status": run.status,
        "full": run.full,
        "started": when(run.started_at),
        "finished": when(run.finished_at) or "still running",
        "counts": {
            "created": run.created,
            "updated": run.updated,
            "deleted": run.deleted,
            "skipped": run.skipped,
            "failed": run.failed,
        },
        "error": clip(run.error),
    }


class AdminData:
    """The page's data: a handful of bounded queries per tenant (``Reports``)."""

    def __init__(self, runtime: Runtime, box: Inbox) -> None:
        self.runtime = runtime
        self.box = box
        self.reports = Reports(runtime.engine)

    def tenants(self, now: float) -> list[TenantView]:
        configured = set(self.runtime.tenant_ids)
        depth = self.reports.inbox_depth()
        stored = self.reports.tokens()
        start = chart_start(now)
        charts = {
            tenant: hourly_chart(start, received, failed)
            for tenant, (received, failed) in self.reports.hourly_events(start, HOURS).items()
        }
        # events of a tenant no longer in connector.yaml still need someone to see them
        names = sorted(configured) + sorted(set(depth) - configured)
        views = []
        for index, name in enumerate(names):
            view = TenantView(name, f"tenant-{index + 1}", name in configured)
            if view.configured:
                config = self.runtime.deployment.tenants[name]
                view.ats, view.setup, view.suite_company = (
                    config.ats,
                    config.setup,
                    config.suite_company,
                )
            view.tokens = [
                {
                    "provider": token.provider,
                    "expires": when(token.expires_at) if token.expires_at else "no expiry",
                    "expired": token.expires_at is not None and token.expires_at < now,
                }
                for token in stored
                if token.tenant == name
            ]
            view.depth = {s: depth.get(name, {}).get(s, 0) for s in DEPTH_STATUSES}
            run = self.reports.last_run(name)
            view.last_run = None if run is None else _run(run)
            view.dead = self._dead(name)
            view.errors = self._errors(name)
            view.chart = charts.get(name) or empty_chart(now)
            views.append(view)
        return views

    def _dead(self, tenant: str) -> list[dict[str, Any]]:
        return [
            {
                "id": e.id,
                "source": e.source,
                "event_type": e.event_type,
                "attempts": e.attempts,
                "error": clip(e.last_error),
            }
            for e in self.box.list(tenant, "dead", DEAD_SHOWN)
        ]

    def _errors(self, tenant: str) -> list[dict[str, Any]]:
        """The newest failures of runs, records and events, merged by time."""
        found: list[tuple[float, dict[str, str]]] = []

        def add(at: float, kind: str, what: str, error: str | None) -> None:
            found.append((at, {"when": when(at), "kind": kind, "what": what,
                               "error": clip(error)}))  # fmt: skip

        for run in self.reports.failed_runs(tenant, ERRORS_SHOWN):
            add(run.finished_at or run.started_at, "sync run",
                f"sync run {run.id} ({run.trigger}, {run.status})",
                run.error or f"{run.failed} record(s) failed")  # fmt: skip
        for record in self.reports.failed_records(tenant, ERRORS_SHOWN):
            sides = (("ATS", record.ats_id), ("suite", record.suite_id))
            ids = [f"{side} {value}" for side, value in sides if value]
            what = f"{record.flow}: {record.resource}" + (f" ({', '.join(ids)})" if ids else "")
            add(record.at, "record", what, record.detail)
        for event in self.reports.failing_events(tenant, ERRORS_SHOWN):
            # an event keeps no failure time: its receipt time it is
            add(event.received_at, "event",
                f"event {event.id} {event.event_type} ({event.status}, "
                f"{event.attempts} attempt(s))",
                event.last_error)  # fmt: skip
        found.sort(key=lambda item: item[0], reverse=True)
        return [entry for _, entry in found[:ERRORS_SHOWN]]

    def retry(self, event_id: int) -> tuple[str | None, bool]:
        """The event's status, and whether it was dead and is now queued again (the very
        retry of ``connector inbox retry --id``)."""
        status = self.reports.event_status(event_id)
        return status, status == "dead" and self.box.retry(ids=[event_id]) == 1

    def links(self, q: str, page: int) -> tuple[list[dict[str, Any]], int]:
        """Page ``page`` (from 1) of the links matching ``q``, and how many match in all."""
        rows, total = self.reports.links(
            q, limit=LINKS_PER_PAGE, offset=(page - 1) * LINKS_PER_PAGE
        )
        shown = [
            {
                "tenant": r.tenant,
                "entity": r.entity,
                "ats_id": r.ats_id,
                "suite_id": r.suite_id,
                "status": r.status,
                "updated": when(r.updated_at),
            }
            for r in rows
        ]
        return shown, total
