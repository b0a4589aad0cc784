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
        self.window_start = 0.0
        self.window_used = 0


def _page(state: State, start: int, size: int) -> list[dict[str, Any]]:
    return state.records[start : start + size]


class Endpoints:
    """The API's endpoints, one method each, over one ``State``: ``Endpoints(State()).link``
    answers ``GET /link`` with a page of records and a ``Link: <…>; rel="next"`` header."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def echo(self, request: Request) -> JSONResponse:
        self.state.hits["echo"] += 1
        body = (await request.body()).decode()
        return JSONResponse(
            {
                "headers": dict(request.headers),
                "query": dict(request.query_params),
                "body": body,
                "query_items": request.query_params.multi_items(),
            }
        )

    async def link(self, request: Request) -> JSONResponse:
        self.state.hits["link"] += 1
        q = request.query_params
        self.state.last_request = dict(q)
        if "cursor" in q:
            if len(q) > 1:
                return JSONResponse({"error": "cursor must be alone"}, status_code=422)
            start, size = (int(x) for x in base64.b64decode(q["cursor"]).decode().split(":"))
        else:
            start, size = 0, int(q.get("per_page", "100"))
        page = _page(self.state, start, size)
        headers = {}
        if start + size < len(self.state.records):
            cursor = base64.b64encode(f"{start + size}:{size}".encode()).decode()
            headers["Link"] = f'<{request.url_for("link")}?cursor={cursor}>; rel="next"'
        return JSONResponse(page, headers=headers)

    async def next_url(self, request: Request) -> JSONResponse:
        offset = int(request.query_params.get("offset", "0"))
        size = int(request.query_params.get("limit", "100"))
        nxt = f"/next_url?offset={offset + size}&limit={size}"
        more = offset + size < len(self.state.records)
        return JSONResponse(
            {"data": _page(self.state, offset, size), "paging": {"next": nxt if more else None}}
        )

    async def offset(self, request: Request) -> JSONResponse:
        start = int(request.query_params["offset"])
        size = int(request.query_params["limit"])
        page = _page(self.state, start, size)
        return JSONResponse({"items": page, "hasMore": start + size < len(self.state.records)})

    async def offset_plain(self, request: Request) -> JSONResponse:
        start = int(request.query_params["offset"])
        return JSONResponse(_page(self.state, start, int(request.query_params["limit"])))

    async def page_number(self, request: Request) -> JSONResponse:
        page = int(request.query_params["page"])
        size = int(request.query_params.get("per_page", "100"))
        rows = _page(self.state, (page - 1) * size, size)
        done = page * size >= len(self.state.records)
        return JSONResponse({"results": rows, "paginationComplete": done})

    async def cursor(self, request: Request) -> JSONResponse:
        start = int(request.query_params.get("cursor", "0"))
        size = int(request.query_params.get("limit", "100"))
        more = start + size < len(self.state.records)
        return JSONResponse(
            {
                "data": _page(self.state, start, size),
                "nextCursor": str(start + size) if more else None,
            }
        )

    async def cursor_body(self, request: Request) -> JSONResponse:
        body = await request.json()
        start = int(body.get("cursor") or 0)
        size = int(body.get("limit", 100))
        more = start + size < len(self.state.records)
        return JSONResponse(
            {
                "data": _page(self.state, start, size),
                "nextCursor": str(start + size),
                "moreDataAvailable": more,
            }
        )

    async def loop(self, request: Request) -> JSONResponse:
        self.state.hits["loop"] += 1
        return JSONResponse(
            [{"id": 1}], headers={"Link": f'<{request.url_for("loop")}?cursor=same>; rel="next"'}
        )

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        grant = str(form.get("grant_type"))
        self.state.grants[grant] += 1
        auth = request.headers.get("Authorization", "")
        basic = base64.b64encode(b"cid:csecret").decode()
        body_ok = form.get("client_id") == "cid" and form.get("client_secret") == "csecret"
        if auth != f"Basic {basic}" and not body_ok:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if grant == "refresh_token":
            old = str(form.get("refresh_token"))
            if old not in self.state.refresh_tokens:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "refresh token reused"},
                    status_code=400,
                )
            self.state.refresh_tokens.discard(old)
        elif grant != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        await asyncio.sleep(0.05)  # so that concurrent callers really overlap
        n = next(self.state.token_ids)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.state.valid_tokens.add(access)
        self.state.refresh_tokens.add(refresh)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.state.expires_in,
                "refresh_token": refresh,
            }
        )

    async def protected(self, request: Request) -> JSONResponse:
        self.state.hits["protected"] += 1
        token_value = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token_value not in self.state.valid_tokens:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"ok": True, "token": token_value})

    async def revoke_all(self, request: Request) -> JSONResponse:
        self.state.valid_tokens.clear()
        return JSONResponse({})

    async def ratelimited(self, request: Request) -> Response:
        key = "ratelimited:" + request.query_params.get("form", "seconds")
        self.state.hits[key] += 1
        if self.state.hits[key] == 1:
            wait = "2" if "seconds" in key else formatdate(time.time() + 2, usegmt=True)
            return JSONResponse(
                {"error": "slow down"}, status_code=429, headers={"Retry-After": wait}
            )
        return JSONResponse({"ok": True})

    async def remaining(self, request: Request) -> JSONResponse:
        self.state.hits["remaining"] += 1
        first = self.state.hits["remaining"] == 1
        headers = {"X-RateLimit-Remaining": "0" if first else "5", "X-RateLimit-Reset": "1"}
        return JSONResponse({"at": time.monotonic()}, headers=headers)

    async def window(self, request: Request) -> JSONResponse:
        """A fixed window of 3 requests a second, told by the headers; a 429 past it."""
        now = time.time()
        start = self.state.window_start
        if now - start >= 1.0:
            self.state.window_start, self.state.window_used = now, 0
        self.state.window_used += 1
        left = 3 - self.state.window_used
        headers = {"X-RateLimit-Remaining": str(max(left, 0)),
                   "X-RateLimit-Reset": f"{self.state.window_start + 1.0:.3f}"}  # fmt: skip
        await asyncio.sleep(0.05)  # long enough for concurrent requests to overlap
        if left < 0:
            self.state.hits["window_429"] += 1
            return JSONResponse({"error": "rate limited"}, status_code=429, headers=headers)
        self.state.hits["window"] += 1
        return JSONResponse({"ok": True}, headers=headers)

    async def status(self, request: Request) -> JSONResponse:
        code = int(request.path_params["code"])
        self.state.hits[f"status:{code}"] += 1
        return JSONResponse(
            {"error": f"status {code}", "detail": request.url.path}, status_code=code
        )

    async def flaky(self, request: Request) -> JSONResponse:
        self.state.hits["flaky"] += 1
        if self.state.hits["flaky"] <= 2:
            return JSONResponse({"error": "unavailable"}, status_code=503)
        return JSONResponse({"ok": True})

    async def redirect_away(self, request: Request) -> Response:
        return Response(status_code=302, headers={"Location": f"{self.state.other_origin}/echo"})

    async def redirect_home(self, request: Request) -> Response:
        return Response(status_code=302, headers={"Location": "/echo?redirected=1"})

    async def link_away(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [{"id": 1}], headers={"Link": f'<{self.state.other_origin}/link>; rel="next"'}
        )

    async def link_other_port(self, request: Request) -> JSONResponse:
        other = f"http://127.0.0.1:{(request.url.port or 80) + 1}/link"
        return JSONResponse([{"id": 1}], headers={"Link": f'<{other}>; rel="next"'})

    async def slow(self, request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("seconds", "3")))
        return JSONResponse({"ok": True})

    async def concurrency(self, request: Request) -> JSONResponse:
        self.state.in_flight += 1
        self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        await asyncio.sleep(0.05)
        self.state.in_flight -= 1
        return JSONResponse({"ok": True})

    async def not_json(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("<html>maintenance</html>")

    async def empty(self, request: Request) -> Response:
        """An answer with no body at all, as some APIs give to a create."""
        self.state.hits["empty"] += 1
        return Response(status_code=int(request.path_params["code"]))

    async def item(self, request: Request) -> JSONResponse:
        self.state.last_request = {
            "path": request.url.path,
            "raw": request.scope.get("raw_path", b"").decode(),
        }
        return JSONResponse({"id": request.path_params["item_id"]})


def create_app(records: int = 250) -> Starlette:
    api = Endpoints(State(records))
    routes = [
        Route("/echo", api.echo, methods=["GET", "POST", "PATCH"]),
        Route("/link", api.link, name="link"),
        Route("/next_url", api.next_url),
        Route("/offset", api.offset),
        Route("/offset_plain", api.offset_plain),
        Route("/page", api.page_number),
        Route("/cursor", api.cursor),
        Route("/cursor_body", api.cursor_body, methods=["POST"]),
        Route("/loop", api.loop, name="loop"),
        Route("/auth/token", api.token, methods=["POST"]),
        Route("/protected", api.protected),
        Route("/revoke", api.revoke_all, methods=["POST"]),
        Route("/ratelimited", api.ratelimited),
        Route("/remaining", api.remaining),
        Route("/window", api.window),
        Route("/status/{code:int}", api.status, methods=["GET", "POST"]),
        Route("/flaky", api.flaky, methods=["GET", "POST"]),
        Route("/redirect-away", api.redirect_away),
        Route("/redirect-home", api.redirect_home, methods=["GET", "PATCH", "DELETE"]),
        Route("/link-away", api.link_away),
        Route("/link-other-port", api.link_other_port),
        Route("/slow", api.slow),
        Route("/concurrency", api.concurrency),
        Route("/not-json", api.not_json),
        Route("/items/{item_id:path}", api.item, methods=["GET", "POST"]),
        Route("/empty/{code:int}", api.empty, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.api = api.state
    return app
