"""Lever through Connector's real webhook route and worker, on loopback.

Lever signs only ``token + triggeredAt`` (a field of the body, hex HMAC-SHA256 keyed with
the webhook's signature token): the ``data`` of a delivery is not signed. The spec
handles every event as a thin one, so the opportunity is fetched by id and a delivery
whose ``data`` was tampered with invites no one, while the real stage change does, and
a deleted opportunity deletes its invitation. A wrong, missing or lifted signature is
refused. A note whose answer was lost is found on the opportunity, not written twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.store.inbox import Inbox
from engine.sync import LiveWriter, SyncEngine
from engine.web.pages import EmbedTokens
from simulators.kit.faults import Faults
from simulators.lever import LeverSim, records
from simulators.lever.simulator import Lever, event_token, event_url
from simulators.world import TENANT, World
from tests.sync.live import Live as Shared
from tests.sync.live import post_json, subscribed

LEVER = Lever()
VIDEO = records.STAGE_IDS[LEVER.interview_stage]


@dataclass
class Live(Shared):
    hook_url: str
    engine_url: str

    @property
    def app(self) -> Any:
        return self.world.ats_apps["lever"]

    @property
    def sim(self) -> LeverSim:
        sim: LeverSim = self.app.state.sim
        return sim

    def sync_postings(self) -> None:
        """Postings have no webhooks: they are polled."""
        engine = SyncEngine(self.runtime.tenant(TENANT), self.runtime.engine, writer=LiveWriter)
        summary = asyncio.run(engine.run(["jobs_to_projects"], full=True))
        assert summary.counts["failed"] == 0 and summary.counts["created"] >= 1

    def delivered(self) -> None:
        assert self.sim.dispatcher.wait_idle(10)
        assert {d["state"] for d in self.sim.deliveries()} == {"delivered"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with World(tmp_path, ats=[LEVER]) as world, subscribed(world, LEVER) as served:
        runtime, engine_url, url = served
        stage_route = event_url(url, "candidateStageChange")
        yield Live(world, runtime, Inbox(runtime.engine), stage_route, engine_url)


def _stage_token(live: Live) -> str:
    """The stage-change webhook's own signature token."""
    return event_token(live.world.hook_secret, "candidateStageChange")


def _delivery(key: str, event: str, data: dict[str, Any], **override: Any) -> dict[str, Any]:
    token, triggered_at = secrets.token_hex(24), records.now_ms()
    signed = f"{token}{triggered_at}".encode()
    signature = hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()
    body = {"triggeredAt": triggered_at, "event": event, "token": token,
            "signature": signature, "data": data}  # fmt: skip
    return {**body, **override}


def test_tampered_data_invites_no_one_and_the_real_stage_change_does(live: Live) -> None:
    posting = LEVER.open_job(live.app, "Engineer", "<p>Platform</p>")
    live.sync_postings()
    opportunity = LEVER.apply(live.app, posting, "Ada", "Lovelace", "ada@example.com")
    live.delivered()
    assert live.work() == 1  # applicationCreated: fetched, in New applicant, not invited
    company = live.world.company
    assert not company.invitations

    # data that would invite, were it trusted: the opportunity as if in Video Interview
    contact = live.sim.opportunity(opportunity)["contact"]
    data = {"opportunityId": opportunity, "fromStageId": "applicant-new", "toStageId": VIDEO,
            "id": opportunity, "contact": contact, "archived": None,
            "stage": {"id": VIDEO, "text": LEVER.interview_stage},
            "applications": [{"posting": posting}]}  # fmt: skip
    forged = _delivery(_stage_token(live), "candidateStageChange", data)
    answer = post_json(live.hook_url, forged)
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    assert live.work() == 1  # the signature holds, but data is not trusted: fetched by id
    assert not company.invitations
    assert LEVER.stage_of(live.app, opportunity) == "New applicant"

    LEVER.move(live.app, opportunity, LEVER.interview_stage)
    live.delivered()
    assert live.work() == 1
    (invitation,) = company.invitations.values()
    assert (invitation["external_id"], invitation["status"]) == (opportunity, "invited")
    assert company.projects[invitation["project_id"]]["external_id"] == posting
    assert company.candidates[invitation["candidate_id"]]["email"] == "ada@example.com"

    live.sim.delete_opportunity(opportunity)  # candidateDeleted: nothing left to fetch
    live.delivered()
    assert live.work() == 1
    assert not company.invitations


def test_a_wrong_missing_or_lifted_signature_is_refused(live: Live) -> None:
    """Each webhook is checked with its own token: one event's token opens no other."""
    posting = LEVER.open_job(live.app, "Designer", "")
    opportunity = LEVER.apply(live.app, posting, "Grace", "Hopper", "grace@example.com")
    live.delivered()
    live.work()
    data = {"opportunityId": opportunity, "toStageId": VIDEO}
    right = _delivery(_stage_token(live), "candidateStageChange", data)

    assert post_json(live.hook_url, _delivery("not-the-token", "candidateStageChange", data)
                 ).status_code == 401  # fmt: skip
    unsigned = {k: v for k, v in right.items() if k != "signature"}
    assert post_json(live.hook_url, unsigned).status_code == 401
    lifted = {**right, "token": secrets.token_hex(24)}  # another request's token
    assert post_json(live.hook_url, lifted).status_code == 401
    later = {**right, "triggeredAt": right["triggeredAt"] + 1}
    assert post_json(live.hook_url, later).status_code == 401
    hired = event_token(live.world.hook_secret, "candidateHired")  # another webhook's token
    assert (
        post_json(live.hook_url, _delivery(hired, "candidateStageChange", data)).status_code == 401
    )

    accepted = post_json(live.hook_url, right)
    assert accepted.status_code == 200 and accepted.json() == {"status": "accepted"}
    again = post_json(live.hook_url, right)
    assert again.json() == {"status": "duplicate"}  # the same token, delivered twice


def test_the_invite_widget_reads_the_opportunity_under_the_template_names(live: Live) -> None:
    posting = LEVER.open_job(live.app, "Platform Engineer", "")
    opportunity = LEVER.apply(live.app, posting, "Grace", "Hopper", "grace@example.com")
    token = EmbedTokens.from_secret(live.world.key.encode()).issue(
        TENANT, "candidate_invite", opportunity
    )
    url = f"{live.engine_url}/embed/{TENANT}/candidate_invite/{opportunity}?token={token}"
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200, page.text
    for shown in ("Grace Hopper", "Platform Engineer", "New applicant"):
        assert shown in page.text, shown


def test_a_note_whose_answer_was_lost_is_found_on_the_opportunity_not_written_twice(
    live: Live,
) -> None:
    posting = LEVER.open_job(live.app, "Engineer", "")
    for n in range(6):
        opportunity = LEVER.apply(live.app, posting, f"Cand{n}", "Doe", f"c{n}@example.com")
        LEVER.move(live.app, opportunity, LEVER.interview_stage)
    live.rate_every_invitation()
    live.sim.faults.set(Faults(lost_responses=0.5, seed=1))  # applied, answered 502
    runs = live.sync_until_clean(["ratings_to_notes"])
    assert runs[-1]["failed"] == 0, runs
    assert live.sim.faults.injected["lost_responses"] > 0, runs
    notes = [n["opportunity"] for n in live.sim.notes.values()]
    assert len(notes) == len(set(notes)) == 6, runs  # one note per rated opportunity
