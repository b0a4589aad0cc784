"""Teamtailor through Connector's real webhook route, worker and scheduler, on loopback.

Teamtailor sends each company webhook once and never again, so a lost delivery is only
found by polling: the spec's reconcile pass brings the change in. A company webhook's
signature is a field of the body (base64 of the hex HMAC-SHA256 of the record id), checked
by the hmac verifier: a wrong key, or a signature lifted from another record, is refused.
A partner webhook setup's TT-Signature header signs the whole body and its send time.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from engine.store.inbox import Inbox
from engine.sync import LiveWriter, SyncEngine
from engine.work.scheduler import Scheduler
from simulators.kit.faults import Faults
from simulators.teamtailor.hooks import tt_signature
from simulators.teamtailor.simulator import Teamtailor
from simulators.teamtailor.state import TeamtailorSim
from simulators.world import TENANT, World
from tests.sync.live import Live as Shared
from tests.sync.live import post_json, subscribed

TT = Teamtailor()
DAY = 24 * 3600


@dataclass
class Live(Shared):
    hook_url: str

    @property
    def sim(self) -> TeamtailorSim:
        sim: TeamtailorSim = self.world.ats_apps["teamtailor"].state.sim
        return sim


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with World(tmp_path, ats=[TT]) as world, subscribed(world, TT) as served:
        runtime, _, url = served
        yield Live(world, runtime, Inbox(runtime.engine), url)


def _signed(key: str, resource_id: str) -> str:
    digest = hmac.new(key.encode(), resource_id.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def test_a_dropped_delivery_is_brought_in_by_the_reconcile_poll(live: Live) -> None:
    app = live.world.ats_apps["teamtailor"]
    company = live.world.company
    job = TT.open_job(app, "Engineer", "<p>Platform</p>")
    assert live.sim.dispatcher.wait_idle(10)
    assert [d["status"] for d in live.sim.deliveries()] == ["delivered"]
    assert live.work() == 1  # the signed job.create, accepted by the real route
    assert [p["external_id"] for p in company.projects.values()] == [job]

    clock = [1_000_000_000.0]
    scheduler = Scheduler(live.runtime, live.inbox, clock=lambda: clock[0])
    assert asyncio.run(scheduler.tick()) == 3  # the first reconcile of each polled flow
    live.work()

    live.sim.faults.set(Faults(drop_webhooks=1.0))
    application = TT.apply(app, job, "Ada", "Lovelace", "ada@example.com")
    TT.move(app, application, TT.interview_stage)
    assert live.sim.dispatcher.wait_idle(10)
    dropped = [d for d in live.sim.deliveries() if d["status"] == "dropped"]
    assert {d["event"] for d in dropped} == {
        "candidate.create",
        "job_application.create",
        "job_application.update",
    }
    assert live.work() == 0  # nothing arrived
    assert not company.invitations

    clock[0] += DAY / 2  # not due before the reconcile period
    assert asyncio.run(scheduler.tick()) == 1  # only the users: no webhook tells of them
    clock[0] += DAY / 2
    assert asyncio.run(scheduler.tick()) == 3
    live.work()
    (invitation,) = company.invitations.values()
    assert invitation["external_id"] == application
    assert company.candidates[invitation["candidate_id"]]["email"] == "ada@example.com"


def test_a_signed_delivery_is_accepted_and_a_wrong_signature_refused(live: Live) -> None:
    job = live.sim.create_job(title="Signed", body="")
    data = {"id": job["id"], "type": "jobs", "attributes": {"updated-at": job["updated_at"]}}
    payload = {"event_name": "job.update", "data": data}
    right = _signed(live.world.hook_secret, job["id"])

    wrong_key = post_json(
        live.hook_url, {"payload": payload, "signature": _signed("nope", job["id"])}
    )
    assert wrong_key.status_code == 401
    other = live.sim.create_job(title="Other", body="")
    lifted = {"payload": {**payload, "data": {**data, "id": other["id"]}}, "signature": right}
    assert post_json(live.hook_url, lifted).status_code == 401  # a signature names one record
    assert post_json(live.hook_url, {"payload": payload}).status_code == 401  # none at all

    accepted = post_json(live.hook_url, {"payload": payload, "signature": right})
    assert accepted.status_code == 200 and accepted.json() == {"status": "accepted"}
    again = post_json(live.hook_url, {"payload": payload, "signature": right})
    assert again.json() == {"status": "duplicate"}  # the same change, delivered twice


def test_a_stage_change_webhook_invites_the_candidate(live: Live) -> None:
    app = live.world.ats_apps["teamtailor"]
    job = TT.open_job(app, "Designer", "")
    application = TT.apply(app, job, "Grace", "Hopper", "grace@example.com")
    TT.move(app, application, TT.interview_stage)
    assert live.sim.dispatcher.wait_idle(10)
    assert {d["status"] for d in live.sim.deliveries()} == {"delivered"}
    live.work()  # thin events: each record is fetched by id, the stage name with it
    (invitation,) = live.world.company.invitations.values()
    assert invitation["external_id"] == application and invitation["status"] == "invited"


def test_a_sync_paces_itself_by_the_rate_limit_headers(live: Live) -> None:
    app = live.world.ats_apps["teamtailor"]
    live.sim.configure(rate_limit=5, rate_window_seconds=1.0)
    job = TT.open_job(app, "Engineer", "")
    for n in range(6):
        TT.move(app, TT.apply(app, job, f"Cand{n}", "Doe", f"c{n}@example.com"), TT.interview_stage)
    engine = SyncEngine(live.runtime.tenant(TENANT), live.runtime.engine, writer=LiveWriter)
    summary = asyncio.run(
        engine.run(["jobs_to_projects", "applications_to_invitations"], full=True)
    )
    assert summary.counts["failed"] == 0
    assert len(live.world.company.invitations) == 6  # full pages, each stage sideloaded
    assert live.sim.window.throttled == 0  # X-Rate-Limit-Remaining and -Reset were heeded


def test_a_note_whose_answer_was_lost_is_found_on_the_candidate_not_written_twice(
    live: Live,
) -> None:
    app = live.world.ats_apps["teamtailor"]
    job = TT.open_job(app, "Engineer", "")
    for n in range(6):
        TT.move(app, TT.apply(app, job, f"Cand{n}", "Doe", f"c{n}@example.com"), TT.interview_stage)
    live.rate_every_invitation()
    live.sim.faults.set(Faults(lost_responses=0.5, seed=1))  # applied, answered 502
    runs = live.sync_until_clean(["ratings_to_notes"])
    assert runs[-1]["failed"] == 0, runs
    assert live.sim.faults.injected["lost_responses"] > 0, (runs, len(live.sim.tables["notes"]))
    notes = [n["candidate_id"] for n in live.sim.tables["notes"].values()]
    assert len(notes) == len(set(notes)) == 6, runs  # one note per rated candidate


def test_a_partner_setup_delivery_is_signed_whole_and_a_stale_one_refused(live: Live) -> None:
    """The partner webhook setup's TT-Signature (base64 of ``t=…,v2=…``) covers the whole
    body and its send time: the simulator's own delivery lands, a changed body, a wrong
    key or an old timestamp are refused."""
    url = live.hook_url + "-partner"
    live.sim.hooks.register(url, live.world.hook_secret, ["job.create"], scheme="partner")
    job = TT.open_job(live.world.ats_apps["teamtailor"], "Partner role", "")
    assert live.sim.dispatcher.wait_idle(10)
    by_url = {d["url"]: d["status"] for d in live.sim.deliveries()}
    assert by_url[url] == "delivered"
    live.work()
    assert [p["external_id"] for p in live.world.company.projects.values()] == [job]

    body = json.dumps({"payload": {"event_name": "job.create", "data": {"id": job}}}).encode()
    now, key = int(time.time()), live.world.hook_secret

    def send(content: bytes, signature: str) -> int:
        headers = {"Content-Type": "application/json", "TT-Signature": signature}
        return httpx.post(url, content=content, headers=headers, timeout=10).status_code

    assert send(body, tt_signature("wrong-key", body, now)) == 401
    assert send(body + b" ", tt_signature(key, body, now)) == 401  # the body is signed
    assert send(body, tt_signature(key, body, now - 600)) == 401  # older than 5 minutes
    assert send(body, "not base64 at all") == 401
    assert send(body, tt_signature(key, body, now)) == 200
