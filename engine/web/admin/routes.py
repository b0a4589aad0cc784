"""The admin page's routes: ``GET /admin`` and ``POST /admin/inbox/{id}/retry``.

    routes = admin_routes(runtime, inbox)
    # GET /admin?token=…           -> 303 to /admin, Set-Cookie: connector_admin=…
    # GET /admin (with the cookie)  -> 200, the page
    # POST /admin/inbox/42/retry    -> 303 to /admin?retried=42 (csrf=… in the form)

Every answer, a refusal too, forbids framing, caching and referrers.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.store.inbox import Inbox
from engine.tenants import Runtime
from engine.web.admin.keys import (
    PATH,
    TOKEN_ENV,
    AdminKeys,
    Via,
    admin_token,
    credentials,
    session_cookie,
)
from engine.web.admin.view import LINKS_PER_PAGE, AdminData, when
from engine.web.pages import frame_ancestors, render

log = logging.getLogger("connector.admin")

TEMPLATE = "admin.html"
QUERY_CHARS = 200
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

ENABLE_HINT = (
    f"The admin page is off. To turn it on, set the environment variable {TOKEN_ENV} to a "
    "long random secret where Connector runs (for instance the output of "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), restart "
    f"connector serve, and open {PATH}?token=<the secret> once, or send it as "
    "'Authorization: Bearer <the secret>'."
)
SIGN_IN = (
    f"Open {PATH}?token=<CONNECTOR_ADMIN_TOKEN> once, or send "
    "'Authorization: Bearer <CONNECTOR_ADMIN_TOKEN>'."
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


def _page_number(raw: str | None) -> int:
    return min(int(raw), 1_000_000) if raw and raw.isdigit() and int(raw) > 0 else 1


def _url(q: str = "", page: int = 1, retried: object = None) -> str:
    given = {"q": q, "page": page if page > 1 else "", "retried": retried or ""}
    query = urlencode({name: value for name, value in given.items() if value != ""})
    return f"{PATH}?{query}" if query else PATH


class AdminSite:
    """The two handlers and the sign-in check they share."""

    def __init__(self, runtime: Runtime, box: Inbox) -> None:
        self.runtime = runtime
        self.data = AdminData(runtime, box)

    def guard(self, request: Request, allowed: tuple[str, ...]) -> tuple[AdminKeys, Via] | Response:
        """The keys and how the request signed in, or the answer that refuses it."""
        token = admin_token(self.runtime.env)
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
        via = credentials(request, keys, time.time())
        if not via:
            text = (
                "The admin token given is wrong, or the session has expired."
                if via is False
                else "This page needs the admin token."
            )
            return _message(
                "Not signed in",
                f"{text} {SIGN_IN}",
                401,
                {"WWW-Authenticate": 'Bearer realm="connector admin"'},
            )
        return keys, via

    async def page(self, request: Request) -> Response:
        checked = self.guard(request, ("GET", "HEAD"))
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
            response.headers.append("Set-Cookie", session_cookie(keys, now))
            return _secure(response)
        context = await self._context(request, keys, q, number, now)
        response = HTMLResponse(render(TEMPLATE, context))
        if via == "header":
            response.headers.append("Set-Cookie", session_cookie(keys, now))
        return _secure(response)

    async def _context(
        self, request: Request, keys: AdminKeys, q: str, number: int, now: float
    ) -> dict[str, Any]:
        # the queries run in a thread: a big inbox must not hold up the webhooks meanwhile
        rows, total = await run_in_threadpool(self.data.links, q, number)
        pages = max(1, math.ceil(total / LINKS_PER_PAGE))
        retried = request.query_params.get("retried", "")
        return {
            "generated": when(now),
            "tenants": await run_in_threadpool(self.data.tenants, now),
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

    async def retry(self, request: Request) -> Response:
        checked = self.guard(request, ("POST",))
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
        status, queued = await run_in_threadpool(self.data.retry, event_id)
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
            response.headers.append("Set-Cookie", session_cookie(keys, time.time()))
        return _secure(response)


def admin_routes(runtime: Runtime, box: Inbox) -> list[Route]:
    """``GET /admin`` and ``POST /admin/inbox/{id}/retry``."""
    site = AdminSite(runtime, box)
    # every method reaches the handlers, so that even a 405 says "no framing, no caching"
    return [
        Route(PATH, site.page, methods=METHODS),
        Route(f"{PATH}/inbox/{{id:int}}/retry", site.retry, methods=METHODS),
    ]
