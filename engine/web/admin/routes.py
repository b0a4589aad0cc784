"""The admin page, ``/admin``: each tenant's health at a glance, for an operator.

Per tenant it shows the stored tokens, the last sync run, the inbox depth, dead
letters (each with a Retry button), the newest errors, and the events of the last
24 hours as server-drawn SVG bars; below, the equivalence table with a search box.
Everything is rendered on the server (no JavaScript, no external assets).

It is off unless ``CONNECTOR_ADMIN_TOKEN`` is set (404 otherwise). The token is given
as ``Authorization: Bearer …`` or, once, as ``?token=…``; either sets the cookie
``connector_admin``, which holds an expiring HMAC of the token, never the token. A
Retry is a POST that also needs a CSRF token derived from the admin token by HMAC.
Every answer forbids framing and caching.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy import Integer, case, cast, func, or_, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.store.inbox import Inbox
from engine.store.tables import audit, inbox, links, sync_runs, tokens
from engine.tenants import Runtime
from engine.web.pages import EmbedTokens, TokenError, frame_ancestors, render

log = logging.getLogger("connector.admin")

TOKEN_ENV = "CONNECTOR_ADMIN_TOKEN"
COOKIE = "connector_admin"
PATH = "/admin"
SESSION_TTL = 12 * 3600  # a cookie is good for a working day, then the token is asked again
TEMPLATE = "admin.html"
LINKS_PER_PAGE = 100
DEAD_SHOWN = 50
ERRORS_SHOWN = 20
MESSAGE_CHARS = 500
HOURS = 24
EVENT_COLUMNS = ("id", "event_type", "status", "attempts", "last_error", "received_at")
QUERY_CHARS = 200
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

ENABLE_HINT = (
    f"The admin page is off. To turn it on, set the environment variable {TOKEN_ENV} to a "
    "long random secret where Connector runs (for instance the output of "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), restart "
    f"connector serve, and open {PATH}?token=<the secret> once, or send it as "
    "'Authorization: Bearer <the secret>'."
)


def admin_token(env: Mapping[str, str] | None) -> str | None:
    """The configured admin token, read like every setting (the runtime's environment)."""
    source = os.environ if env is None else env
    value = source.get(TOKEN_ENV, "").strip()
    return value or None


# --- credentials ------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminKeys:
    """Everything derived from the admin token: the session cookie and the CSRF token."""

    token: str

    def _mac(self, label: str) -> str:
        return hmac.new(self.token.encode(), label.encode(), hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def session(self, now: float) -> str:
        """The cookie's value: a signed, expiring token (the widgets' kind), keyed by the
        admin token, so that changing the token ends every session."""
        return self._sessions.issue("admin", "session", "-", ttl=SESSION_TTL, now=now)

    def session_ok(self, value: str, now: float) -> bool:
        try:
            self._sessions.check(value, "admin", "session", "-", now=now)
        except TokenError:
            return False
        return True

    @property
    def _sessions(self) -> EmbedTokens:
        return EmbedTokens.from_secret(f"connector admin session v2|{self.token}")

    @property
    def csrf(self) -> str:
        return self._mac("connector admin csrf v1")

    def csrf_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.csrf.encode())


Via = Literal["header", "query", "cookie"]


def _credentials(request: Request, keys: AdminKeys, now: float) -> Via | Literal[False] | None:
    """How the request proved it knows the token; None when it did not try, False when
    it gave a wrong one (a wrong explicit token wins over a valid cookie)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":  # another scheme may be a proxy's: it is not ours to judge
        return "header" if keys.token_ok(given.strip()) else False
    in_query = request.query_params.get("token")
    if in_query is not None:
        return "query" if keys.token_ok(in_query) else False
    cookie = request.cookies.get(COOKIE)
    if cookie is not None:
        return "cookie" if keys.session_ok(cookie, now) else False
    return None


def _cookie(keys: AdminKeys, now: float) -> str:
    return (
        f"{COOKIE}={keys.session(now)}; Max-Age={SESSION_TTL}; Path={PATH}; "
        "HttpOnly; Secure; SameSite=None; Partitioned"
    )


def _secure(response: Response) -> Response:
    """What every admin answer carries: never framed, never cached, no referrer."""
    response.headers["Content-Security-Policy"] = frame_ancestors(())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _message(
    title: str, text: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    body = render(TEMPLATE, {"message": {"title": title, "text": text}})
    return _secure(HTMLResponse(body, status_code=status, headers=dict(headers or {})))


# --- what the page shows ------------------------------------------------------------------


def _when(ts: float | None) -> str:
    if ts is None:
        return ""
    moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _clip(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


@dataclass(frozen=True)
class Bar:
    kind: str  # "received" or "failed"
    hour: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Hour:
    label: str
    received: int
    failed: int


@dataclass(frozen=True)
class Chart:
    """Events per hour, drawn as bars with their coordinates computed here."""

    hours: list[Hour]
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    labels: list[tuple[float, str]]  # (x, "HH:00") under every third hour
    received: int
    failed: int
    width: int = 0
    height: int = 0
    top: int = 0
    bottom: int = 0
    left: int = 0


PLOT_HEIGHT, SLOT, BAR, LEFT, TOP, BELOW = 120, 28, 11, 40, 10, 22


def _chart(start: float, received: list[int], failed: list[int]) -> Chart:
    peak = max(received + failed + [1])
    step = max(1, math.ceil(peak / 4))
    top_value = step * math.ceil(peak / step)
    scale = PLOT_HEIGHT / top_value
    bottom = TOP + PLOT_HEIGHT
    hours: list[Hour] = []
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, (got, bad) in enumerate(zip(received, failed, strict=True)):
        begins = datetime.datetime.fromtimestamp(start + i * 3600, datetime.UTC)
        label = f"{begins:%Y-%m-%d %H}:00 to {(begins + datetime.timedelta(hours=1)):%H}:00 UTC"
        hours.append(Hour(label, got, bad))
        x = LEFT + i * SLOT + 2
        for offset, kind, count in ((0, "received", got), (BAR + 1, "failed", bad)):
            if count:
                height = max(1.0, count * scale)
                bars.append(
                    Bar(
                        kind,
                        label,
                        count,
                        x + offset,
                        round(bottom - height, 1),
                        BAR,
                        round(height, 1),
                    )
                )
        if i % 3 == 0:
            labels.append((x + BAR, f"{begins:%H}:00"))
    ticks = [(round(bottom - v * scale, 1), v) for v in range(0, top_value + 1, step)]
    return Chart(
        hours,
        bars,
        ticks,
        labels,
        sum(received),
        sum(failed),
        width=LEFT + HOURS * SLOT + 4,
        height=bottom + BELOW,
        top=TOP,
        bottom=bottom,
        left=LEFT,
    )


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


class AdminData:
    """The queries behind the page: a handful per tenant, each bounded."""

    def __init__(self, runtime: Runtime, box: Inbox) -> None:
        self.runtime = runtime
        self.box = box
        self.engine = runtime.engine

    def tenants(self, now: float) -> list[TenantView]:
        configured = set(self.runtime.tenant_ids)
        with self.engine.connect() as conn:
            depth_rows = conn.execute(
                select(inbox.c.tenant, inbox.c.status, func.count())
                .where(inbox.c.status.in_(("pending", "processing", "dead")))
                .group_by(inbox.c.tenant, inbox.c.status)
            ).all()
            token_rows = conn.execute(
                select(tokens.c.tenant, tokens.c.provider, tokens.c.expires_at).order_by(
                    tokens.c.tenant, tokens.c.provider
                )
            ).all()
        depth: dict[str, dict[str, int]] = {}
        for tenant, status, count in depth_rows:
            depth.setdefault(tenant, {})[status] = int(count)
        # events of a tenant no longer in connector.yaml still need someone to see them
        names = sorted(configured) + sorted(set(depth) - configured)
        charts = self._charts(now)
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
                    "provider": row.provider,
                    "expires": _when(row.expires_at) if row.expires_at else "no expiry",
                    "expired": row.expires_at is not None and row.expires_at < now,
                }
                for row in token_rows
                if row.tenant == name
            ]
            view.depth = {
                s: depth.get(name, {}).get(s, 0) for s in ("pending", "processing", "dead")
            }
            view.last_run = self._last_run(name)
            view.dead = [
                {
                    "id": e.id,
                    "source": e.source,
                    "event_type": e.event_type,
                    "attempts": e.attempts,
                    "error": _clip(e.last_error),
                }
                for e in self.box.list(name, "dead", DEAD_SHOWN)
            ]
            view.errors = self._errors(name)
            view.chart = charts.get(name) or _chart(
                self._chart_start(now), [0] * HOURS, [0] * HOURS
            )
            views.append(view)
        return views

    def _last_run(self, tenant: str) -> dict[str, Any] | None:
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
        if row is None:
            return None
        return {
            "id": row.id,
            "trigger": row.trigger,
            "status": row.status,
            "full": bool(row.full),
            "started": _when(row.started_at),
            "finished": _when(row.finished_at) or "still running",
            "counts": {
                "created": row.created,
                "updated": row.updated,
                "deleted": row.deleted,
                "skipped": row.skipped,
                "failed": row.failed,
            },
            "error": _clip(row.error),
        }

    def _errors(self, tenant: str) -> list[dict[str, Any]]:
        """The newest failures of runs, records and events, merged by time."""
        found: list[tuple[float, dict[str, str]]] = []

        def add(at: float, kind: str, what: str, error: str | None) -> None:
            found.append((at, {"when": _when(at), "kind": kind, "what": what,
                               "error": _clip(error)}))  # fmt: skip

        with self.engine.connect() as conn:
            runs = conn.execute(
                select(sync_runs)
                .where(sync_runs.c.tenant == tenant, sync_runs.c.status.in_(("failed", "partial")))
                .order_by(sync_runs.c.started_at.desc())
                .limit(ERRORS_SHOWN)
            )
            for row in runs:
                add(row.finished_at or row.started_at, "sync run",
                    f"sync run {row.id} ({row.trigger}, {row.status})",
                    row.error or f"{row.failed} record(s) failed")  # fmt: skip
            records = conn.execute(
                select(audit)
                .where(audit.c.tenant == tenant, audit.c.action == "fail")
                .order_by(audit.c.at.desc())
                .limit(ERRORS_SHOWN)
            )
            for row in records:
                ids = [
                    f"{side} {v}" for side, v in (("ATS", row.ats_id), ("suite", row.suite_id)) if v
                ]
                what = f"{row.flow}: {row.resource}" + (f" ({', '.join(ids)})" if ids else "")
                add(row.at, "record", what, row.detail)
            events = conn.execute(
                select(*(inbox.c[name] for name in EVENT_COLUMNS))  # not the payload
                .where(inbox.c.tenant == tenant, inbox.c.last_error.is_not(None))
                .order_by(inbox.c.id.desc())
                .limit(ERRORS_SHOWN)
            )
            for row in events:  # an event keeps no failure time: its receipt time it is
                add(row.received_at, "event",
                    f"event {row.id} {row.event_type} ({row.status}, {row.attempts} attempt(s))",
                    row.last_error)  # fmt: skip
        found.sort(key=lambda item: item[0], reverse=True)
        return [entry for _, entry in found[:ERRORS_SHOWN]]

    @staticmethod
    def _chart_start(now: float) -> float:
        return (math.floor(now / 3600) + 1 - HOURS) * 3600.0

    def _charts(self, now: float) -> dict[str, Chart]:
        """Inbox events per tenant and hour over the last 24 hours, in one grouped query."""
        start = self._chart_start(now)
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
                if 0 <= slot < HOURS:
                    got, bad_ = counts.setdefault(tenant, ([0] * HOURS, [0] * HOURS))
                    got[slot] += int(received)
                    bad_[slot] += int(failed or 0)
        return {tenant: _chart(start, got, bad_) for tenant, (got, bad_) in counts.items()}

    def retry(self, event_id: int) -> tuple[str | None, bool]:
        """The event's status, and whether it was dead and is now queued again (the very
        retry of ``connector inbox retry --id``)."""
        with self.engine.connect() as conn:
            status = conn.execute(select(inbox.c.status).where(inbox.c.id == event_id)).scalar()
        return status, status == "dead" and self.box.retry(ids=[event_id]) == 1

    def links(self, q: str, page: int) -> tuple[list[dict[str, Any]], int]:
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
            select(
                links.c.tenant,
                links.c.entity,
                links.c.ats_id,
                links.c.suite_id,
                links.c.status,
                links.c.updated_at,
            )
            .where(*where)
            .order_by(links.c.tenant, links.c.entity, links.c.id)
            .limit(LINKS_PER_PAGE)
            .offset((page - 1) * LINKS_PER_PAGE)
        )
        with self.engine.connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(links).where(*where)).scalar_one()
            )
            rows = [
                {
                    "tenant": r.tenant,
                    "entity": r.entity,
                    "ats_id": r.ats_id,
                    "suite_id": r.suite_id,
                    "status": r.status,
                    "updated": _when(r.updated_at),
                }
                for r in conn.execute(rows_query)
            ]
        return rows, total


def _page_number(raw: str | None) -> int:
    return min(int(raw), 1_000_000) if raw and raw.isdigit() and int(raw) > 0 else 1


def _url(q: str = "", page: int = 1, retried: object = None) -> str:
    given = {"q": q, "page": page if page > 1 else "", "retried": retried or ""}
    query = urlencode({name: value for name, value in given.items() if value != ""})
    return f"{PATH}?{query}" if query else PATH


# --- routes -------------------------------------------------------------------------------


def admin_routes(runtime: Runtime, box: Inbox) -> list[Route]:
    """``GET /admin`` and ``POST /admin/inbox/{id}/retry``."""
    data = AdminData(runtime, box)

    def guard(request: Request, allowed: tuple[str, ...]) -> tuple[AdminKeys, Via] | Response:
        token = admin_token(runtime.env)
        if token is None:
            return _message("Admin page not enabled", ENABLE_HINT, 404)
        if request.method not in allowed:
            return _message(
                "Method not allowed",
                f"This address answers {' and '.join(allowed)} only.",
                405,
                {"Allow": ", ".join(allowed)},
            )
        keys = AdminKeys(token)
        via = _credentials(request, keys, time.time())
        if not via:
            text = (
                "The admin token given is wrong, or the session has expired."
                if via is False
                else "This page needs the admin token."
            )
            return _message(
                "Not signed in",
                f"{text} Open {PATH}?token=<CONNECTOR_ADMIN_TOKEN> once, or send "
                "'Authorization: Bearer <CONNECTOR_ADMIN_TOKEN>'.",
                401,
                {"WWW-Authenticate": 'Bearer realm="connector admin"'},
            )
        return keys, via

    async def page(request: Request) -> Response:
        checked = guard(request, ("GET", "HEAD"))
        if isinstance(checked, Response):
            return checked
        keys, via = checked
        now = time.time()
        q = request.query_params.get("q", "").strip()[:QUERY_CHARS]
        number = _page_number(request.query_params.get("page"))
        if via == "query":  # take the token out of the address bar and history at once
            response: Response = RedirectResponse(
                _url(q=q, page=number, retried=request.query_params.get("retried")),
                status_code=303,
            )
            response.headers.append("Set-Cookie", _cookie(keys, now))
            return _secure(response)
        # the queries run in a thread: a big inbox must not hold up the webhooks meanwhile
        rows, total = await run_in_threadpool(data.links, q, number)
        pages = max(1, math.ceil(total / LINKS_PER_PAGE))
        retried = request.query_params.get("retried", "")
        context = {
            "generated": _when(now),
            "tenants": await run_in_threadpool(data.tenants, now),
            "csrf": keys.csrf,
            "q": q,
            "links": rows,
            "total": total,
            "first": (number - 1) * LINKS_PER_PAGE + 1 if rows else 0,
            "last": (number - 1) * LINKS_PER_PAGE + len(rows),
            "previous": _url(q=q, page=number - 1) if number > 1 else None,
            "next": _url(q=q, page=number + 1) if number < pages else None,
            "notice": f"Event {retried} is queued again." if retried.isdigit() else None,
        }
        response = HTMLResponse(render(TEMPLATE, context))
        if via == "header":
            response.headers.append("Set-Cookie", _cookie(keys, now))
        return _secure(response)

    async def retry(request: Request) -> Response:
        checked = guard(request, ("POST",))
        if isinstance(checked, Response):
            return checked
        keys, via = checked
        try:
            async with request.form(max_files=0, max_fields=10) as form:
                given = form.get("csrf")
        except HTTPException:  # not a form Starlette can read: no CSRF token either
            given = None
        if not isinstance(given, str) or not keys.csrf_ok(given):
            return _message(
                "Form expired",
                "This form is missing its security token or carries a wrong one. "
                f"Reload {PATH} and try again.",
                403,
            )
        event_id = int(request.path_params["id"])
        status, queued = await run_in_threadpool(data.retry, event_id)
        if status is None:
            return _message("Not found", f"There is no event {event_id} in the inbox.", 404)
        if not queued:
            return _message(
                "Nothing to retry",
                f"Event {event_id} is {status}, not a dead letter: it may have been retried "
                "already.",
                409,
            )
        log.info("admin: dead event %s queued again", event_id)
        response = RedirectResponse(_url(retried=event_id), status_code=303)
        if via != "cookie":
            response.headers.append("Set-Cookie", _cookie(keys, time.time()))
        return _secure(response)

    # every method reaches the handlers, so that even a 405 says "no framing, no caching"
    return [
        Route(PATH, page, methods=METHODS),
        Route(f"{PATH}/inbox/{{id:int}}/retry", retry, methods=METHODS),
    ]
