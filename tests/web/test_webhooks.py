"""Webhook endpoints on a real server: verify, deduplicate, store, then process."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from engine.store.tables import inbox as inbox_table
from engine.store.tokens import Token
from engine.web.app import create_app
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str, Any]]:
    with World(tmp_path) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        with LoopbackServer(app) as server:
            yield world, server.url, app


def greenhouse_post(
    url: str, secret: str, body: dict[str, Any], event_id: str, **kwargs: Any
) -> httpx.Response:
    raw = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {
        "Signature": f"sha256 {signature}",
        "Greenhouse-Event-ID": event_id,
        "Content-Type": "application/json",
    }
    return httpx.post(f"{url}/hooks/{TENANT}/greenhouse", content=raw, headers=headers, **kwargs)


def rows(app: Any) -> int:
    with app.state.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox_table)).scalar())


def test_a_signed_event_is_stored_then_synced(served: tuple[World, str, Any]) -> None:
    world, url, app = served
    job = world.greenhouse.create_job(name="Webhook Engineer", status="open")
    answer = greenhouse_post(
        url,
        world.hook_secret,
        {"action": "job_created", "payload": {"job": {"id": job["id"]}}},
        "e-1",
    )
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    assert rows(app) == 1 and len(world.company.projects) == 0  # stored, not yet applied
    assert asyncio.run(app.state.worker.run_once()) == 1
    assert [p["name"] for p in world.company.projects.values()] == ["Webhook Engineer"]
    assert app.state.inbox.depth() == {"done": 1}


def test_the_same_event_500_times_at_once_is_one_row_and_one_write(
    served: tuple[World, str, Any],
) -> None:
    world, url, app = served
    job = world.greenhouse.create_job(name="Once", status="open")
    body = {"action": "job_updated", "payload": {"job": {"id": job["id"]}}}
    raw = json.dumps(body).encode()
    signature = hmac.new(world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {
        "Signature": f"sha256 {signature}",
        "Greenhouse-Event-ID": "same",
        "Content-Type": "application/json",
    }

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(limits=limits, timeout=120) as client:
            responses = await asyncio.gather(
                *(
                    client.post(f"{url}/hooks/{TENANT}/greenhouse", content=raw, headers=headers)
                    for _ in range(500)
                )
            )
        return [r.status_code for r in responses]

    statuses = asyncio.run(burst())
    assert set(statuses) == {200}
    assert rows(app) == 1
    asyncio.run(app.state.worker.run_once())
    assert len(world.company.projects) == 1


@pytest.mark.parametrize(
    ("case", "status"),
    [("bad signature", 401), ("not json", 400), ("too large", 413), ("unknown tenant", 404),
     ("unknown route", 404), ("no event id", 400)],
)  # fmt: skip
def test_refusals_write_nothing(case: str, status: int, served: tuple[World, str, Any]) -> None:
    world, url, app = served
    secret = world.hook_secret
    if case == "bad signature":
        answer = greenhouse_post(
            url, "wrong-secret", {"action": "job_created", "payload": {}}, "e-2"
        )
    elif case == "not json":
        raw = b"{not json"
        signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        answer = httpx.post(f"{url}/hooks/{TENANT}/greenhouse", content=raw,
                            headers={"Signature": f"sha256 {signature}", "Greenhouse-Event-ID": "e-3"})  # fmt: skip
    elif case == "too large":
        answer = greenhouse_post(
            url, secret, {"action": "job_created", "pad": "x" * 2_000_000}, "e-4"
        )
    elif case == "unknown tenant":
        answer = httpx.post(f"{url}/hooks/nobody/greenhouse", content=b"{}")
    elif case == "unknown route":
        answer = httpx.post(f"{url}/hooks/{TENANT}/lever", content=b"{}")
    else:
        raw = json.dumps({"action": "job_created"}).encode()
        signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        answer = httpx.post(
            f"{url}/hooks/{TENANT}/greenhouse",
            content=raw,
            headers={"Signature": f"sha256 {signature}"},
        )
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()
    assert rows(app) == 0


def test_the_ping_is_answered_and_not_stored(served: tuple[World, str, Any]) -> None:
    world, url, app = served
    answer = greenhouse_post(url, world.hook_secret, {"action": "ping", "payload": {}}, "ping-1")
    assert answer.status_code == 200 and rows(app) == 0


def test_unhandled_event_types_are_acknowledged_and_dropped(served: tuple[World, str, Any]) -> None:
    world, url, app = served
    answer = greenhouse_post(
        url, world.hook_secret, {"action": "offer_created", "payload": {}}, "e-9"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "ignored" and rows(app) == 0


def test_a_suite_rating_comes_back_to_greenhouse_as_a_note(served: tuple[World, str, Any]) -> None:
    world, url, app = served
    runtime = app.state.runtime
    world.greenhouse.create_job(name="Rated", status="open")
    job_id = next(iter(world.greenhouse.jobs.values()))["id"]
    application = world.greenhouse.create_application(
        job_id=job_id, candidate={"first_name": "Ada", "last_name": "L",
                                  "email_addresses": [{"value": "ada@x.example", "type": "personal"}]},
    )  # fmt: skip
    world.greenhouse.set_stage(application["id"], stage_name="Video Interview")
    from engine.sync.engine import SyncEngine

    asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run())
    invitation = next(iter(world.company.invitations.values()))
    rating = world.company.create(
        "rating", {"invitation_id": invitation["id"], "score": 5, "evaluator_name": "Eve"}
    )
    body = json.dumps(
        {"type": "rating.created", "timestamp": "2026-11-28T00:00:00Z", "data": rating}
    ).encode()
    message_id, stamp = "msg_1", str(int(time.time()))
    key = base64.b64decode("A" * 32)
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {"webhook-id": message_id, "webhook-timestamp": stamp,
               "webhook-signature": "v1," + base64.b64encode(digest).decode(), "Content-Type": "application/json"}  # fmt: skip
    answer = httpx.post(f"{url}/hooks/{TENANT}/suite", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    asyncio.run(app.state.worker.run_once())
    notes = list(world.greenhouse.notes.values())
    assert len(notes) == 1 and "rated 5/5 by Eve" in notes[0]["body"]


def test_metrics_count_events_and_show_the_inbox(served: tuple[World, str, Any]) -> None:
    world, url, app = served
    job = world.greenhouse.create_job(name="Measured", status="open")
    body = {"action": "job_created", "payload": {"job": {"id": job["id"]}}}
    greenhouse_post(url, world.hook_secret, body, "m-1")
    greenhouse_post(url, world.hook_secret, body, "m-1")
    greenhouse_post(url, "wrong", body, "m-2")
    asyncio.run(app.state.worker.run_once())
    text = httpx.get(f"{url}/metrics").text
    for line in (
        'connector_webhooks_received_total{outcome="accepted",route="greenhouse",tenant="acme"} 1.0',
        'connector_webhooks_received_total{outcome="duplicate",route="greenhouse",tenant="acme"} 1.0',
        'connector_webhooks_received_total{outcome="refused",route="greenhouse",tenant="acme"} 1.0',
        'connector_events_processed_total{tenant="acme"} 1.0',
        'connector_inbox_events{status="done"} 1.0',
        'connector_sync_seconds_count{tenant="acme"} 1.0',
    ):
        assert line in text, line


def test_no_answer_tells_the_sender_connector_s_inner_outcome(
    served: tuple[World, str, Any],
) -> None:
    """The outcome (accepted, duplicate, ignored, handshake, refused) is counted in the
    metrics only; a sender sees the status and the body, no X-Connector-* header."""
    world, url, _ = served
    job = world.greenhouse.create_job(name="Quiet", status="open")
    body = {"action": "job_created", "payload": {"job": {"id": job["id"]}}}
    answers = {
        "accepted": greenhouse_post(url, world.hook_secret, body, "q-1"),
        "duplicate": greenhouse_post(url, world.hook_secret, body, "q-1"),
        "ignored": greenhouse_post(
            url, world.hook_secret, {"action": "offer_created", "payload": {}}, "q-2"
        ),
        "handshake": greenhouse_post(
            url, world.hook_secret, {"action": "ping", "payload": {}}, "q-3"
        ),
        "refused": greenhouse_post(url, "wrong", body, "q-4"),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "accepted": 200, "duplicate": 200, "ignored": 200, "handshake": 200, "refused": 401,
    }  # fmt: skip
    for name, answer in answers.items():
        leaked = [h for h in answer.headers if h.lower().startswith("x-connector")]
        assert leaked == [], f"{name}: {leaked}"
    text = httpx.get(f"{url}/metrics").text
    for outcome in answers:
        line = (
            f'connector_webhooks_received_total{{outcome="{outcome}",route="greenhouse",'
            'tenant="acme"} 1.0'
        )
        assert line in text, line


def test_a_secret_stored_after_the_first_event_is_used_at_once(
    served: tuple[World, str, Any],
) -> None:
    """A subscription made (or a secret rotated) while a verifier is cached: events signed
    with the new secret are taken within a second, not refused for the cache's 30 s."""
    world, url, app = served
    job = world.greenhouse.create_job(name="Rotated", status="open")
    body = {"action": "job_created", "payload": {"job": {"id": job["id"]}}}
    assert greenhouse_post(url, world.hook_secret, body, "before").status_code == 200
    tenant = app.state.runtime.tenant(TENANT)
    new_secret = "rotated-" + "1" * 24
    tenant.tokens.save(TENANT, "webhook-secret:greenhouse", Token(new_secret))
    time.sleep(1.1)  # the cached verifier is older than a re-read's limit
    assert greenhouse_post(url, new_secret, body, "after").status_code == 200
    assert greenhouse_post(url, world.hook_secret, body, "old").status_code == 401
    assert sorted(e.dedup_key for e in app.state.inbox.list(status="pending")) == [
        "after",
        "before",
    ]
