"""A small real API for the runtime tests: every pagination style, a token endpoint,
rate limits, redirects, slowness and failures, with counters to assert on."""

from __future__ import annotations

import asyncio
import base64
import itertools
import time
from collections import Counter
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


class State:
    def __init__(self, records: int = 250) -> None:
        self.records = [{"id": i, "name": f"record {i}"} for i in range(1, records + 1)]
        self.hits: Counter[str] = Counter()
        self.grants: Counter[str] = Counter()
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.token_ids = itertools.count(1)
        self.expires_in = 3600
        self.in_flight = 0
        self.max_in_flight = 0
        self.last_request: dict[str, Any] = {}
        self.other_origin = "http://127.0.0.2:9"


def _page(state: State, start: int, size: int) -> list[dict[str, Any]]:
    return state.records[start : start + size]


def create_app(records: int = 250) -> Starlette:
    state = State(records)

    async def echo(request: Request) -> JSONResponse:
        state.hits["echo"] += 1
        body = (await request.body()).decode()
        return JSONResponse(
            {"headers": dict(request.headers), "query": dict(request.query_params), "body": body}
        )

    async def link(request: Request) -> JSONResponse:
        state.hits["link"] += 1
        q = request.query_params
        state.last_request = dict(q)
        if "cursor" in q:
            if len(q) > 1:
                return JSONResponse({"error": "cursor must be alone"}, status_code=422)
            start, size = (int(x) for x in base64.b64decode(q["cursor"]).decode().split(":"))
        else:
            start, size = 0, int(q.get("per_page", "100"))
        page = _page(state, start, size)
        headers = {}
        if start + size < len(state.records):
            cursor = base64.b64encode(f"{start + size}:{size}".encode()).decode()
            headers["Link"] = f'<{request.url_for("link")}?cursor={cursor}>; rel="next"'
        return JSONResponse(page, headers=headers)

    async def next_url(request: Request) -> JSONResponse:
        offset = int(request.query_params.get("offset", "0"))
        size = int(request.query_params.get("limit", "100"))
        nxt = f"/next_url?offset={offset + size}&limit={size}"
        more = offset + size < len(state.records)
        return JSONResponse(
            {"data": _page(state, offset, size), "paging": {"next": nxt if more else None}}
        )

    async def offset(request: Request) -> JSONResponse:
        start = int(request.query_params["offset"])
        size = int(request.query_params["limit"])
        page = _page(state, start, size)
        return JSONResponse({"items": page, "hasMore": start + size < len(state.records)})

    async def offset_plain(request: Request) -> JSONResponse:
        start = int(request.query_params["offset"])
        return JSONResponse(_page(state, start, int(request.query_params["limit"])))

    async def page_number(request: Request) -> JSONResponse:
        page = int(request.query_params["page"])
        size = int(request.query_params.get("per_page", "100"))
        rows = _page(state, (page - 1) * size, size)
        done = page * size >= len(state.records)
        return JSONResponse({"results": rows, "paginationComplete": done})

    async def cursor(request: Request) -> JSONResponse:
        start = int(request.query_params.get("cursor", "0"))
        size = int(request.query_params.get("limit", "100"))
        more = start + size < len(state.records)
        return JSONResponse(
            {"data": _page(state, start, size), "nextCursor": str(start + size) if more else None}
        )

    async def cursor_body(request: Request) -> JSONResponse:
        body = await request.json()
        start = int(body.get("cursor") or 0)
        size = int(body.get("limit", 100))
        more = start + size < len(state.records)
        return JSONResponse(
            {
                "data": _page(state, start, size),
                "nextCursor": str(start + size),
                "moreDataAvailable": more,
            }
        )

    async def loop(request: Request) -> JSONResponse:
        state.hits["loop"] += 1
        return JSONResponse(
            [{"id": 1}], headers={"Link": f'<{request.url_for("loop")}?cursor=same>; rel="next"'}
        )

    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        grant = str(form.get("grant_type"))
        state.grants[grant] += 1
        auth = request.headers.get("Authorization", "")
        basic = base64.b64encode(b"cid:csecret").decode()
        body_ok = form.get("client_id") == "cid" and form.get("client_secret") == "csecret"
        if auth != f"Basic {basic}" and not body_ok:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if grant == "refresh_token":
            old = str(form.get("refresh_token"))
            if old not in state.refresh_tokens:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "refresh token reused"},
                    status_code=400,
                )
            state.refresh_tokens.discard(old)
        elif grant != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        await asyncio.sleep(0.05)  # so that concurrent callers really overlap
        n = next(state.token_ids)
        access, refresh = f"access-{n}", f"refresh-{n}"
        state.valid_tokens.add(access)
        state.refresh_tokens.add(refresh)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": state.expires_in,
                "refresh_token": refresh,
            }
        )

    async def protected(request: Request) -> JSONResponse:
        state.hits["protected"] += 1
        token_value = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token_value not in state.valid_tokens:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"ok": True, "token": token_value})

    async def revoke_all(request: Request) -> JSONResponse:
        state.valid_tokens.clear()
        return JSONResponse({})

    async def ratelimited(request: Request) -> Response:
        key = "ratelimited:" + request.query_params.get("form", "seconds")
        state.hits[key] += 1
        if state.hits[key] == 1:
            wait = "2" if "seconds" in key else formatdate(time.time() + 2, usegmt=True)
            return JSONResponse(
                {"error": "slow down"}, status_code=429, headers={"Retry-After": wait}
            )
        return JSONResponse({"ok": True})

    async def remaining(request: Request) -> JSONResponse:
        state.hits["remaining"] += 1
        first = state.hits["remaining"] == 1
        headers = {"X-RateLimit-Remaining": "0" if first else "5", "X-RateLimit-Reset": "1"}
        return JSONResponse({"at": time.monotonic()}, headers=headers)

    async def status(request: Request) -> JSONResponse:
        code = int(request.path_params["code"])
        state.hits[f"status:{code}"] += 1
        return JSONResponse(
            {"error": f"status {code}", "detail": request.url.path}, status_code=code
        )

    async def flaky(request: Request) -> JSONResponse:
        state.hits["flaky"] += 1
        if state.hits["flaky"] <= 2:
            return JSONResponse({"error": "unavailable"}, status_code=503)
        return JSONResponse({"ok": True})

    async def redirect_away(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": f"{state.other_origin}/echo"})

    async def redirect_home(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "/echo?redirected=1"})

    async def link_away(request: Request) -> JSONResponse:
        return JSONResponse(
            [{"id": 1}], headers={"Link": f'<{state.other_origin}/link>; rel="next"'}
        )

    async def link_other_port(request: Request) -> JSONResponse:
        other = f"http://127.0.0.1:{(request.url.port or 80) + 1}/link"
        return JSONResponse([{"id": 1}], headers={"Link": f'<{other}>; rel="next"'})

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("seconds", "3")))
        return JSONResponse({"ok": True})

    async def concurrency(request: Request) -> JSONResponse:
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        await asyncio.sleep(0.05)
        state.in_flight -= 1
        return JSONResponse({"ok": True})

    async def not_json(request: Request) -> PlainTextResponse:
        return PlainTextResponse("<html>maintenance</html>")

    async def item(request: Request) -> JSONResponse:
        state.last_request = {
            "path": request.url.path,
            "raw": request.scope.get("raw_path", b"").decode(),
        }
        return JSONResponse({"id": request.path_params["item_id"]})

    routes = [
        Route("/echo", echo, methods=["GET", "POST", "PATCH"]),
        Route("/link", link, name="link"),
        Route("/next_url", next_url),
        Route("/offset", offset),
        Route("/offset_plain", offset_plain),
        Route("/page", page_number),
        Route("/cursor", cursor),
        Route("/cursor_body", cursor_body, methods=["POST"]),
        Route("/loop", loop, name="loop"),
        Route("/auth/token", token, methods=["POST"]),
        Route("/protected", protected),
        Route("/revoke", revoke_all, methods=["POST"]),
        Route("/ratelimited", ratelimited),
        Route("/remaining", remaining),
        Route("/status/{code:int}", status, methods=["GET", "POST"]),
        Route("/flaky", flaky, methods=["GET", "POST"]),
        Route("/redirect-away", redirect_away),
        Route("/redirect-home", redirect_home, methods=["GET", "PATCH", "DELETE"]),
        Route("/link-away", link_away),
        Route("/link-other-port", link_other_port),
        Route("/slow", slow),
        Route("/concurrency", concurrency),
        Route("/not-json", not_json),
        Route("/items/{item_id:path}", item),
    ]
    app = Starlette(routes=routes)
    app.state.api = state
    return app
