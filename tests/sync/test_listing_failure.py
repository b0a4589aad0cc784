"""A listing the source will not answer fails its flow, never the run: the other flows
still sync, the failed flow keeps its cursor, and a full run does not take the records it
could not list for deleted ones. The next run, once the source answers, catches up."""

from __future__ import annotations

import asyncio

from engine.store.links import LinkStore
from engine.sync import Summary, SyncEngine
from engine.sync.steps import LISTING
from engine.tenants import Runtime
from simulators.world import TENANT, World


def _run(runtime: Runtime, *, full: bool = False) -> Summary:
    return asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run(full=full))


def test_a_listing_that_fails_fails_its_flow_and_deletes_nothing(world: World) -> None:
    gh = world.greenhouse
    gh.seed_data(jobs=3, applications_per_job=2, job_status="open",
                 stage_name="Video Interview", status="in_process")  # fmt: skip
    runtime = world.runtime()
    assert _run(runtime, full=True).counts["failed"] == 0
    links = LinkStore(runtime.engine, TENANT)
    before = {(link.entity, link.ats_id, link.status) for link in links.all()}
    cursor = links.cursor("flow:jobs_to_projects")
    assert len([e for e, _, _ in before if e == "job"]) == 3 and cursor is not None

    # every Greenhouse request now answers 429, with no wait: each listing spends its retries
    gh.set_faults(burst_429={"every": 1, "length": 1, "retry_after": 0})
    gh.create_job(name="Opened meanwhile", status="open")
    world.company.create("rating", {
        "invitation_id": next(iter(world.company.invitations)), "score": 4,
        "evaluator_name": "Grace Hopper",
    })  # fmt: skip
    summary = _run(runtime, full=True)  # returns: it does not raise

    listings = {s.flow: s for s in summary.failures if s.source_id == LISTING}
    from_greenhouse = {name for name, flow in runtime.tenant(TENANT).ats.sync.items()
                       if flow.source_side == "ats" and not flow.on_demand}  # fmt: skip
    assert set(listings) == from_greenhouse, summary.failures
    for step in listings.values():
        assert "answered 429" in step.detail and step.unavailable, step
    # the flows from the suite still ran: the rating was read, its note refused by Greenhouse
    notes = [s for s in summary.failures if s.flow == "ratings_to_notes"]
    assert len(notes) == 1 and notes[0].source_id != LISTING, summary.failures
    # nothing was deleted or archived for want of a listing, and no cursor moved
    assert summary.counts["deleted"] == 0
    assert {(link.entity, link.ats_id, link.status) for link in links.all()} == before
    assert not any(p["status"] == "archived" for p in world.company.projects.values())
    assert links.cursor("flow:jobs_to_projects") == cursor

    gh.set_faults()  # Greenhouse answers again: the next run lists what was missed
    again = _run(runtime)
    assert again.counts["failed"] == 0, again.failures
    assert "Opened meanwhile" in {p["name"] for p in world.company.projects.values()}
    assert len(gh.notes) == 1
