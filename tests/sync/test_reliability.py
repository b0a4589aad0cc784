"""A sync converges through a faulty suite: nothing duplicated, nothing lost.

Judged on the suite simulator's own records, not on the engine's counters.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from engine.sync import SyncEngine
from simulators.kit.faults import Burst, Faults
from simulators.world import TENANT, World

JOBS, PER_JOB = 40, 50  # 2,000 applications


def test_two_thousand_applications_converge_through_faults(world: World) -> None:
    world.greenhouse.seed_data(
        jobs=JOBS, applications_per_job=PER_JOB, job_status="open",
        stage_name="Video Interview", status="in_process",
    )  # fmt: skip
    expected = {str(a["id"]) for a in world.greenhouse.applications.values()}
    assert len(expected) == JOBS * PER_JOB
    world.suite.faults.set(
        Faults(error_rate=0.2, burst_429=Burst(every=400, length=3, retry_after=1), seed=7,
               lost_responses=0.05)
    )  # fmt: skip
    runtime = world.runtime()

    runs = []
    for _ in range(4):  # a few runs at most, as a scheduler would make
        summary = asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run())
        runs.append(summary.counts)
        if summary.counts["failed"] == 0:
            break
    assert runs[-1]["failed"] == 0, runs

    company = world.company
    invitations = Counter(i["external_id"] for i in company.invitations.values())
    assert set(invitations) == expected, "lost records"
    assert max(invitations.values()) == 1, "duplicate invitations"
    projects = Counter(p["external_id"] for p in company.projects.values())
    assert len(projects) == JOBS and max(projects.values()) == 1, "duplicate projects"
    candidates = Counter(c["external_id"] for c in company.candidates.values())
    assert len(candidates) == JOBS * PER_JOB and max(candidates.values()) == 1
    faults = world.suite.faults
    assert faults.settings.error_rate == 0.2  # the faults were on throughout


RATED = 20


def test_ratings_become_one_note_each_though_greenhouse_loses_answers(world: World) -> None:
    world.greenhouse.seed_data(
        jobs=2, applications_per_job=RATED // 2, job_status="open",
        stage_name="Video Interview", status="in_process",
    )  # fmt: skip
    runtime = world.runtime()
    asyncio.run(SyncEngine(runtime.tenant(TENANT), runtime.engine).run())
    company = world.company
    for invitation in list(company.invitations.values()):
        company.create("rating", {"invitation_id": invitation["id"], "score": 3,
                                  "evaluator_name": "Grace Hopper"})  # fmt: skip
    # half of Greenhouse's answers to writes are lost after the write was applied
    world.greenhouse.set_faults(lost_responses=0.5, seed=3)

    runs = []
    for _ in range(4):
        summary = asyncio.run(
            SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["ratings_to_notes"])
        )
        runs.append(summary.counts)
        if summary.counts["failed"] == 0:
            break
    assert runs[-1]["failed"] == 0, runs
    assert world.greenhouse.faults.injected["lost_responses"] > 0  # the faults did bite
    notes = Counter(n["application_id"] for n in world.greenhouse.notes.values())
    rated = {int(i["external_id"]) for i in company.invitations.values()}
    assert set(notes) == rated, "lost notes"
    assert max(notes.values()) == 1, f"duplicate notes: {runs}"
