"""A webhook's ``register`` body may be a list: one registration call per item, built from
``each_event``, for senders that take one event per subscription. A 409 answer means the
subscription exists already, so registering twice is harmless."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.client.api import ApiClient
from engine.dsl.expressions import Expr, Template
from engine.dsl.loader import load_ats, load_suite
from engine.dsl.model import Webhook
from engine.dsl.model.resources import Endpoint
from engine.dsl.model.webhooks import WebhookEvent
from engine.dsl.spec import AtsSpec
from engine.paths import MAPPINGS_DIR
from engine.web.registration import register_calls, registration_bodies
from simulators.kit.serving import LoopbackServer

URL = "https://connector.example/hooks/acme/sender"


def _spec() -> AtsSpec:
    """A shipped spec with a static bearer token and a webhook route to start from."""
    return load_ats(MAPPINGS_DIR / "ats" / "workable.yaml", load_suite())


def _hook(body: str | None) -> Webhook:
    """A hook of two events, its registration POSTed to /subscriptions."""
    (template, *_) = _spec().webhooks
    register = Endpoint(
        path=Template.compile("/subscriptions"),
        method="POST",
        body=Expr.compile(body) if body else None,
    )
    events = (WebhookEvent("created", "job"), WebhookEvent("moved", "job"))
    return dataclasses.replace(template, route="sender", events=events, register=register)


def test_a_list_body_is_one_call_per_event_and_sees_the_secrets() -> None:
    hook = _hook(
        "each_event[*].{target: join('', [url, '?event=', event]), event: event,"
        " account: secrets.account, tenant: tenant}"
    )
    bodies = registration_bodies(hook, URL, "s3cret", {"account": "acme"}, "t1")
    assert bodies == [
        {"target": f"{URL}?event=created", "event": "created", "account": "acme", "tenant": "t1"},
        {"target": f"{URL}?event=moved", "event": "moved", "account": "acme", "tenant": "t1"},
    ]


def test_an_object_body_or_none_is_one_call() -> None:
    one = registration_bodies(_hook("{url: url, events: events}"), URL, None, {}, "t1")
    assert one == [{"url": URL, "events": ["created", "moved"]}]
    default = registration_bodies(_hook(None), URL, "s", {}, "t1")
    assert default == [{"url": URL, "events": ["created", "moved"], "secret": "s"}]


@pytest.fixture
def sender() -> Iterator[tuple[list[dict[str, Any]], str]]:
    """A sender that takes one subscription per target, and refuses a taken one (409)."""
    seen: list[dict[str, Any]] = []

    async def subscribe(request: Request) -> JSONResponse:
        body = await request.json()
        if any(s["target"] == body["target"] for s in seen):
            return JSONResponse({"error": "Target already registered"}, status_code=409)
        seen.append(body)
        return JSONResponse({"id": len(seen)}, status_code=201)

    app = Starlette(routes=[Route("/subscriptions", subscribe, methods=["POST"])])
    with LoopbackServer(app) as server:
        yield seen, server.url


def test_each_item_is_posted_and_a_second_registration_is_harmless(
    sender: tuple[list[dict[str, Any]], str],
) -> None:
    seen, url = sender
    spec = _spec()
    hook = _hook("each_event[*].{target: join('', [url, '?event=', event]), event: event}")

    async def register() -> list[dict[str, Any]]:
        secrets = {"subdomain": "acme", "api_token": "tok"}
        async with ApiClient.for_spec(spec, tenant="t1", secrets=secrets,
                                      urls={"base_url": url}) as client:  # fmt: skip
            return await register_calls(client, hook, URL, None)

    assert asyncio.run(register()) == [{"id": 1}, {"id": 2}]
    assert [s["event"] for s in seen] == ["created", "moved"]
    assert asyncio.run(register()) == [{}, {}]  # both 409: subscribed already
    assert len(seen) == 2
