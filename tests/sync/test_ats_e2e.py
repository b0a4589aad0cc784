"""Every shipped ATS and the suite, end to end on loopback: the same scenario for each
spec, driven only through the ``AtsSimulator`` protocol and checked in both simulators.

A full sync creates projects, invitations and users (roles converted); a rerun writes
nothing; completed and rated interviews come back as notes and advance the
application; a renamed job updates one project; a closed job archives its project.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.store.links import LinkStore
from engine.sync import LiveWriter, Summary, SyncEngine
from engine.tenants import Runtime
from simulators.kit.protocol import AtsSimulator
from simulators.registry import SIMULATORS
from simulators.world import TENANT, World
from tests.conftest import clean_postgres

JOBS = 8
APPLICANTS = 9


def sync(runtime: Runtime, *, full: bool = False, flows: list[str] | None = None) -> Summary:
    engine = SyncEngine(runtime.tenant(TENANT), runtime.engine, writer=LiveWriter)
    summary = asyncio.run(engine.run(flows, full=full))
    assert summary.counts["failed"] == 0, [s for s in summary.steps if s.action == "fail"]
    return summary


def _cases() -> Iterator[Any]:
    for ats in SIMULATORS:
        yield pytest.param((ats, "sqlite"), id=f"{ats.name}-sqlite")
    # PostgreSQL once, on the first spec: the store is the same for every ATS
    yield pytest.param((SIMULATORS[0], "postgres"), id=f"{SIMULATORS[0].name}-postgres")


@pytest.fixture(params=list(_cases()))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AtsSimulator, World]]:
    ats, database = request.param
    url = request.getfixturevalue("postgres_url") if database == "postgres" else None
    if url is not None:
        clean_postgres(url)
    with World(tmp_path, ats=[ats], database_url=url) as world:
        yield ats, world


def _by_external(records: Any) -> dict[str, dict[str, Any]]:
    return {str(r["external_id"]): r for r in records.values()}


def _job_flow(runtime: Runtime) -> tuple[str, str]:
    """The name and source resource of the flow that makes projects."""
    flows = runtime.tenant(TENANT).ats.sync.items()
    ((name, flow),) = [
        (n, f) for n, f in flows if f.direction == "to_suite" and f.target == "project"
    ]
    return name, flow.source


def test_the_same_scenario_passes_for_every_ats(case: tuple[AtsSimulator, World]) -> None:
    ats, world = case
    app, company = world.ats_apps[ats.name], world.company
    jobs = [ats.open_job(app, f"Engineer {i}", f"<p>Team {i}</p>") for i in range(JOBS)]
    invited, waiting = [], []
    for i in range(APPLICANTS):
        application = ats.apply(app, jobs[i % 3], f"Cand{i}", "Doe", f"cand{i}@example.com")
        if i % 3 == 0:
            waiting.append(application)
        else:
            ats.move(app, application, ats.interview_stage)
            invited.append(application)
    users = {
        f"user{n}@acme.example": (role, suite_role)
        for n, (role, suite_role) in enumerate(ats.roles.items())
    }
    for email, (role, _) in users.items():
        ats.add_user(app, "Pat", email.split("@")[0].title(), email, role)
    runtime = world.runtime()

    sync(runtime, full=True)
    projects = _by_external(company.projects)
    assert set(projects) == {str(j) for j in jobs}
    assert projects[str(jobs[0])]["name"] == "Engineer 0"
    invitations = _by_external(company.invitations)
    assert set(invitations) == {str(a) for a in invited}
    assert {i["status"] for i in invitations.values()} == {"invited"}
    for invitation in invitations.values():
        assert company.projects[invitation["project_id"]]["external_id"] in projects
        assert invitation["candidate_id"] in company.candidates
    assert len(company.candidates) == len(invited)
    roles = {u["email"]: u["role"] for u in company.users.values()}
    assert {e: roles.get(e) for e in users} == {e: r for e, (_, r) in users.items()}

    again = sync(runtime)
    assert (again.counts["created"], again.counts["updated"]) == (0, 0), again.counts

    done = invited[:2]
    for application in done:
        invitation = invitations[str(application)]
        company.complete_invitation(invitation["id"], world.suite_server.url)
        company.create("rating", {"invitation_id": invitation["id"], "score": 4,
                                  "evaluator_name": "Eve Evaluator", "comment": "Clear answers"})  # fmt: skip
    sync(runtime)
    for application in done:
        (note,) = ats.notes(app, application)
        assert all(part in note for part in ("4/5", "Eve Evaluator", "Clear answers")), note
        assert ats.stage_of(app, application) == ats.completed_stage
    assert ats.notes(app, invited[2]) == []
    assert sync(runtime).counts["created"] == 0  # a note is written once

    renamed = jobs[1]
    ats.update_job(app, renamed, "Staff Engineer 1")
    update = sync(runtime)
    assert (update.counts["updated"], update.counts["created"]) == (1, 0), update.counts
    assert company.projects[projects[str(renamed)]["id"]]["name"] == "Staff Engineer 1"

    closed = jobs[5]
    ats.close_job(app, closed)
    flow, entity = _job_flow(runtime)
    closing = sync(runtime, full=True, flows=[flow])
    assert closing.count("archive") == 1
    assert company.projects[projects[str(closed)]["id"]]["status"] == "archived"
    link = LinkStore(runtime.engine, TENANT).lookup(entity, "ats", [closed])[str(closed)]
    assert link.status == "archived"
