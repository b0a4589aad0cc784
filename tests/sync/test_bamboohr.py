"""BambooHR through Connector's real scheduler and worker, on loopback (static setup).

BambooHR sends no applicant tracking webhooks, and its one change filter, ``newSince``,
covers an application's submission time only. A status change after the first sync is
therefore invisible to the incremental poll; the reconciliation rescan finds it. Back the
other way, a completed interview moves the application to the completed status.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.store.inbox import Inbox
from engine.sync import LiveWriter, SyncEngine
from engine.web.app import create_app
from engine.web.pages import EmbedTokens
from engine.work.scheduler import Scheduler
from simulators.bamboohr.simulator import BambooHR
from simulators.bamboohr.state import BambooSim, stamp
from simulators.kit.faults import Burst, Faults
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.sync.live import Live as Shared

BHR = BambooHR()
MINUTE = 60.0


class Live(Shared):
    @property
    def sim(self) -> BambooSim:
        sim: BambooSim = self.world.ats_apps["bamboohr"].state.sim
        return sim


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with World(tmp_path, ats=[BHR]) as world:
        runtime = world.runtime()
        yield Live(world, runtime, Inbox(runtime.engine))


def _application_lists(sim: BambooSim) -> list[str]:
    return [r for r in sim.requests if r.startswith("GET /api/v1/applicant_tracking/applications?")]


def test_a_status_change_is_missed_by_the_poll_and_found_by_the_reconcile(live: Live) -> None:
    sim, company = live.sim, live.world.company
    job = sim.create_job(title="Engineer")
    earlier = stamp(time.time() - 3600)  # submitted an hour ago
    old = sim.create_application(job["id"], first_name="Ada", last_name="Lovelace",
                                 email="ada@example.com", applied=earlier)  # fmt: skip
    sim.create_application(job["id"], first_name="New", last_name="Comer", email="n@example.com")

    clock = [1_000_000_000.0]
    scheduler = Scheduler(live.runtime, live.inbox, clock=lambda: clock[0])
    assert asyncio.run(scheduler.tick()) == 3  # the first reconcile of each polled flow
    live.work()
    assert [p["external_id"] for p in company.projects.values()] == [str(job["id"])]
    assert not company.invitations

    BHR.move(live.world.ats_apps["bamboohr"], old["id"], BHR.interview_stage)  # no new submission
    sim.requests.clear()
    clock[0] += 16 * MINUTE  # the poll interval, not yet the reconcile period
    assert asyncio.run(scheduler.tick()) == 3
    live.work()
    (listed,) = _application_lists(sim)
    assert "newSince=" in listed  # the incremental poll asked for new submissions only
    assert not company.invitations  # and so it did not see the status change

    sim.requests.clear()
    clock[0] += 45 * MINUTE  # past the spec's reconcile period
    assert asyncio.run(scheduler.tick()) == 3
    live.work()
    (listed,) = _application_lists(sim)
    assert "newSince=" not in listed  # the rescan lists every application
    (invitation,) = company.invitations.values()
    assert invitation["external_id"] == str(old["id"])
    assert company.candidates[invitation["candidate_id"]]["email"] == "ada@example.com"


def test_a_completed_interview_changes_the_application_status(live: Live) -> None:
    app, company = live.world.ats_apps["bamboohr"], live.world.company
    job = BHR.open_job(app, "Designer", "")
    application = BHR.apply(app, job, "Grace", "Hopper", "grace@example.com")
    BHR.move(app, application, BHR.interview_stage)
    engine = SyncEngine(live.runtime.tenant(TENANT), live.runtime.engine, writer=LiveWriter)
    assert asyncio.run(engine.run(None, full=True)).counts["failed"] == 0
    (invitation,) = company.invitations.values()

    company.complete_invitation(invitation["id"], live.world.suite_server.url)
    summary = asyncio.run(engine.run(None))
    assert summary.counts["failed"] == 0
    assert summary.count("action") == 1
    assert BHR.stage_of(app, application) == BHR.completed_stage
    (change,) = live.sim.status_changes[-1:]
    assert change["status"] == live.sim.status_id(BHR.completed_stage)
    assert asyncio.run(engine.run(None)).counts["failed"] == 0
    assert len(live.sim.status_changes) == 2  # to Video Interview, then once to Done


def test_a_sync_waits_out_bamboohrs_503_throttling(live: Live) -> None:
    app, company = live.world.ats_apps["bamboohr"], live.world.company
    for n in range(4):
        job = BHR.open_job(app, f"Engineer {n}", "")
        BHR.move(app, BHR.apply(app, job, f"C{n}", "Doe", f"c{n}@example.com"), BHR.interview_stage)
    # every third request is refused as BambooHR throttles: 503 and Retry-After
    live.sim.faults.set(Faults(burst_429=Burst(every=3, length=1, retry_after=0)))
    engine = SyncEngine(live.runtime.tenant(TENANT), live.runtime.engine, writer=LiveWriter)
    assert asyncio.run(engine.run(None, full=True)).counts["failed"] == 0
    assert live.sim.faults.injected["throttled"] >= 3
    assert len(company.invitations) == 4 and len(company.projects) == 4


def test_the_invite_widget_shows_the_applicant_the_job_and_the_status(live: Live) -> None:
    app, company = live.world.ats_apps["bamboohr"], live.world.company
    job = BHR.open_job(app, "Data Engineer", "")
    application = BHR.apply(app, job, "Ada", "<b>Lovelace</b>", "ada@example.com")
    token = EmbedTokens.from_secret(live.world.key.encode()).issue(
        TENANT, "candidate_invite", str(application)
    )
    with LoopbackServer(create_app(live.runtime, worker=False)) as server:
        url = f"{server.url}/embed/{TENANT}/candidate_invite/{application}"
        page = httpx.get(url, params={"token": token}, timeout=10)
        assert page.status_code == 200
        # the application's detail, reshaped: the applicant, the job and the status
        assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in page.text and "Data Engineer" in page.text
        assert "<dd>New</dd>" in page.text
        assert "has not been invited" in page.text and not company.invitations
