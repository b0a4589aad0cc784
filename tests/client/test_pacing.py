"""Rate limits, retries and timeouts against a real loopback API."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from engine.client.pacing import backoff, retry_after
from engine.errors import UpstreamError
from tests.client.conftest import client_for
from tests.client.testapi import State

NONE = {"type": "none"}


def _resources(path: str, method: str | None = None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"path": path}
    if method:
        endpoint["method"] = method
    return {"thing": {"endpoints": {"get": endpoint}}}


def _get(url: str, path: str, connection: dict[str, Any] | None = None, times: int = 1) -> float:
    async def run() -> None:
        async with client_for(
            url, {"auth": NONE, **(connection or {})}, _resources(path)
        ) as client:
            for _ in range(times):
                await client.get("thing", 1)

    start = time.monotonic()
    asyncio.run(run())
    return time.monotonic() - start


def test_a_429_with_retry_after_seconds_waits_at_least_that_long(api: tuple[str, State]) -> None:
    url, state = api
    elapsed = _get(url, "/ratelimited?form=seconds")
    assert state.hits["ratelimited:seconds"] == 2
    assert elapsed >= 2.0


def test_a_429_with_an_http_date_waits_until_then(api: tuple[str, State]) -> None:
    url, state = api
    elapsed = _get(url, "/ratelimited?form=date")
    assert state.hits["ratelimited:date"] == 2
    assert elapsed >= 1.0  # HTTP-dates have whole seconds: between 1 and 2 s from now


def test_rate_limit_headers_pace_before_a_429(api: tuple[str, State]) -> None:
    url, state = api
    limits = {
        "rate_limit": {
            "remaining_header": "X-RateLimit-Remaining",
            "reset_header": "X-RateLimit-Reset",
        }
    }
    elapsed = _get(url, "/remaining", limits, times=2)
    assert state.hits["remaining"] == 2
    assert elapsed >= 1.0  # the second request waited for the window to reset


@pytest.mark.parametrize("status", [400, 403, 409, 422])
def test_client_errors_are_never_retried(status: int, api: tuple[str, State]) -> None:
    url, state = api
    with pytest.raises(UpstreamError) as caught:
        _get(url, f"/status/{status}")
    assert state.hits[f"status:{status}"] == 1
    assert caught.value.status == status and f"answered {status}" in str(caught.value)


@pytest.mark.parametrize("status", [408, 500, 502, 504])
def test_transient_errors_are_retried_up_to_max_attempts(
    status: int, api: tuple[str, State]
) -> None:
    url, state = api
    retry = {"retry": {"max_attempts": 3, "backoff": "1ms", "max_backoff": "5ms"}}
    with pytest.raises(UpstreamError):
        _get(url, f"/status/{status}", retry)
    assert state.hits[f"status:{status}"] == 3


def test_a_503_burst_converges(api: tuple[str, State]) -> None:
    url, state = api
    _get(url, "/flaky", {"retry": {"backoff": "1ms"}})
    assert state.hits["flaky"] == 3


def test_concurrent_requests_spend_the_window_the_headers_tell_without_a_429(
    api: tuple[str, State],
) -> None:
    """Remaining counts down with each request in flight, not only as answers come back."""
    url, state = api
    limits = {"remaining_header": "X-RateLimit-Remaining", "reset_header": "X-RateLimit-Reset",
              "reset_format": "epoch_seconds", "max_concurrency": 4}  # fmt: skip

    async def run() -> None:
        connection = {"auth": NONE, "rate_limit": limits, "retry": {"max_attempts": 1}}
        async with client_for(url, connection, _resources("/window")) as client:
            await client.get("thing", 0)  # the first answer tells the window
            await asyncio.gather(*(client.get("thing", i) for i in range(1, 8)))

    asyncio.run(run())
    assert state.hits["window"] == 8 and state.hits["window_429"] == 0


def test_the_concurrency_limit_holds(api: tuple[str, State]) -> None:
    url, state = api

    async def run() -> None:
        connection = {"auth": NONE, "rate_limit": {"max_concurrency": 3}}
        async with client_for(url, connection, _resources("/concurrency")) as client:
            await asyncio.gather(*(client.get("thing", i) for i in range(20)))

    asyncio.run(run())
    assert state.max_in_flight == 3


def test_a_steady_rate_is_never_exceeded(api: tuple[str, State]) -> None:
    url, _ = api
    elapsed = _get(url, "/echo", {"rate_limit": {"requests_per_second": 20}}, times=11)
    assert elapsed >= 0.5  # 11 requests at 20/s: the last starts 0.5 s after the first


def test_every_request_has_a_timeout(api: tuple[str, State]) -> None:
    url, _ = api
    connection = {
        "timeouts": {"read": "300ms", "total": "1s"},
        "retry": {"max_attempts": 2, "backoff": "1ms"},
    }
    start = time.monotonic()
    with pytest.raises(UpstreamError, match="unreachable after 2 attempts"):
        _get(url, "/slow?seconds=5", connection)
    assert time.monotonic() - start < 3


def test_backoff_is_full_jitter_and_capped() -> None:
    samples = [backoff(10, 0.5, 30.0) for _ in range(500)]
    assert all(0 <= s <= 30.0 for s in samples) and max(samples) > 20
    assert all(backoff(0, 0.5, 30.0) <= 0.5 for _ in range(100))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2", 2.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("1445412500", 20.0),
        ("inf", None),
        ("nan", None),
        ("86400", 3600.0),
    ],
)
def test_retry_after_forms(header: str, expected: float | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header})
    assert retry_after(response, now=1445412480.0) == expected


def _post(url: str, path: str) -> None:
    async def run() -> None:
        connection = {"auth": NONE, "retry": {"backoff": "1ms"}}
        resources = {"thing": {"endpoints": {"create": {"path": path}}}}
        async with client_for(url, connection, resources) as client:
            await client.create("thing", {"name": "x"})

    asyncio.run(run())


def test_a_post_is_not_retried_after_an_ambiguous_error(api: tuple[str, State]) -> None:
    url, state = api
    with pytest.raises(UpstreamError, match="answered 500"):
        _post(url, "/status/500")
    assert state.hits["status:500"] == 1  # it may have been processed: no second create


def test_a_post_is_retried_when_the_server_says_it_did_not_process_it(
    api: tuple[str, State],
) -> None:
    url, state = api
    _post(url, "/flaky")  # 503 twice, then 200
    assert state.hits["flaky"] == 3
