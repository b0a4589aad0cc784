"""The transport on its own, against the real loopback test API: retries, what a POST
may not retry, the host check before anything is sent, and redirects."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from engine.client.auth import AuthContext, NoAuth
from engine.client.pacing import Pacer
from engine.client.redact import Redactor
from engine.client.transport import Transport, excerpt
from engine.dsl import model
from engine.dsl.expressions import Duration
from engine.errors import UnsafeRequest, UpstreamError
from tests.client.testapi import State

FAST = model.Retry(max_attempts=3, backoff=Duration(0.01), max_backoff=Duration(0.02))


def _run(base_url: str, call: Callable[[Transport], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            ctx = AuthContext("acme", "testapi", lambda template: "", http)
            transport = Transport(
                name="testapi", tenant="acme", base_url=base_url, http=http,
                auth=NoAuth(model.NoAuth(), ctx), pacer=Pacer(model.RateLimit()), retry=FAST,
                timeout=5.0, headers={"X-Client": "connector"}, redactor=Redactor(["s3cr3t"]),
            )  # fmt: skip
            return await call(transport)

    return asyncio.run(run())


def test_a_transient_failure_is_retried_until_it_answers(api: tuple[str, State]) -> None:
    url, state = api
    response = _run(url, lambda t: t.request("GET", f"{url}/flaky"))
    assert response.json() == {"ok": True} and state.hits["flaky"] == 3


def test_a_post_is_not_retried_after_an_ambiguous_error(api: tuple[str, State]) -> None:
    url, state = api
    with pytest.raises(UpstreamError, match="answered 500") as caught:
        _run(url, lambda t: t.request("POST", f"{url}/status/500", resource="job", id=7))
    assert state.hits["status:500"] == 1
    assert (caught.value.status, caught.value.context["id"]) == (500, 7)


def test_an_allowed_status_is_returned_not_raised(api: tuple[str, State]) -> None:
    url, state = api
    response = _run(url, lambda t: t.request("GET", f"{url}/status/404", allow=(404,)))
    assert response.status_code == 404 and state.hits["status:404"] == 1


def test_another_host_is_refused_before_anything_is_sent(api: tuple[str, State]) -> None:
    url, state = api
    other = url.replace("127.0.0.1", "localhost")
    with pytest.raises(UnsafeRequest, match="testapi may only be called at"):
        _run(url, lambda t: t.request("GET", f"{other}/echo"))
    assert state.hits["echo"] == 0


def test_a_redirect_home_is_followed_with_the_headers(api: tuple[str, State]) -> None:
    url, _ = api
    response = _run(url, lambda t: t.request("GET", f"{url}/redirect-home"))
    seen = response.json()
    assert seen["query"] == {"redirected": "1"} and seen["headers"]["x-client"] == "connector"


def test_an_excerpt_is_one_short_line() -> None:
    long = httpx.Response(500, text="line one\nline two " + "x" * 400)
    assert excerpt(long).startswith("line one line two ") and excerpt(long).endswith("…")
    assert len(excerpt(long)) == 301
    assert excerpt(httpx.Response(502, text="  ")) == "(empty body)"
