"""Greenhouse and the suite, end to end on loopback, checked against both simulators."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.store.links import LinkStore
from engine.sync import LiveWriter, PlanWriter, Summary, SyncEngine
from engine.tenants import Runtime
from simulators.world import TENANT, World

JOBS = 50


def sync(
    runtime: Runtime, *, full: bool = False, flows: list[str] | None = None, dry_run: bool = False
) -> Summary:
    writer = PlanWriter if dry_run else LiveWriter
    engine = SyncEngine(runtime.tenant(TENANT), runtime.engine, writer=writer)
    return asyncio.run(engine.run(flows, full=full))


def seed(world: World) -> dict[str, Any]:
    gh = world.greenhouse
    jobs = [
        gh.create_job(name=f"Engineer {i}", status="open", notes=f"<p>Team {i}</p>")
        for i in range(JOBS)
    ]
    gh.create_job(name="Draft role", status="draft")
    invited, others = [], []
    for i in range(12):
        app = gh.create_application(
            job_id=jobs[i % 5]["id"],
            candidate={
                "first_name": f"Cand{i}",
                "last_name": "Doe",
                "email_addresses": [{"value": f"cand{i}@example.com", "type": "personal"}],
            },
        )
        if i % 3 == 0:
            others.append(app)  # stays in Application Review
        else:
            gh.set_stage(app["id"], stage_name="Video Interview")
            invited.append(app)
    admin = gh.create_user(
        first_name="Grace", last_name="Hopper", email="grace@acme.example", site_admin=True
    )
    staff = gh.create_user(
        first_name="Alan", last_name="Turing", email="alan@acme.example", site_admin=False
    )
    return {"jobs": jobs, "invited": invited, "others": others, "admin": admin, "staff": staff}


def test_greenhouse_end_to_end(any_world: World) -> None:
    world = any_world
    data = seed(world)
    runtime = world.runtime()
    company = world.company

    first = sync(runtime, full=True)
    assert first.counts["failed"] == 0, [s for s in first.steps if s.action == "fail"]

    # 50 open jobs became 50 projects (the draft did not)
    projects = {p["external_id"]: p for p in company.projects.values()}
    assert len(projects) == JOBS
    assert {str(j["id"]) for j in data["jobs"]} == set(projects)
    assert projects[str(data["jobs"][0]["id"])]["description"] == "Team 0"

    # only applications at the Video Interview stage became invitations
    invitations = {i["external_id"]: i for i in company.invitations.values()}
    assert set(invitations) == {str(a["id"]) for a in data["invited"]}
    assert all(i["status"] == "invited" for i in invitations.values())
    for app in data["invited"]:
        invitation = invitations[str(app["id"])]
        project = company.projects.get(invitation["project_id"])
        assert project is not None and project["external_id"] == str(app["job_id"])
        candidate = company.candidates.get(invitation["candidate_id"])
        assert candidate is not None and candidate["external_id"] == str(app["candidate_id"])
    assert len(company.candidates) == len(
        data["invited"]
    )  # candidates came with their applications

    # users arrived with converted roles
    roles = {u["email"]: u["role"] for u in company.users.values()}
    assert roles["grace@acme.example"] == "admin" and roles["alan@acme.example"] == "recruiter"

    # a second run creates and updates nothing
    second = sync(runtime)
    assert (second.counts["created"], second.counts["updated"]) == (0, 0), second.counts

    # completed and rated interviews come back to Greenhouse as notes, and advance
    done = data["invited"][:3]
    for app in done:
        invitation = invitations[str(app["id"])]
        company.complete_invitation(invitation["id"], world.suite_server.url)
        company.create(
            "rating",
            {
                "invitation_id": invitation["id"],
                "score": 4,
                "evaluator_name": "Eve Evaluator",
                "comment": "Clear answers",
            },
        )
    third = sync(runtime)
    assert third.counts["failed"] == 0, [s for s in third.steps if s.action == "fail"]
    notes = [n for n in world.greenhouse.notes.values()]
    assert len(notes) == 3
    assert {n["application_id"] for n in notes} == {a["id"] for a in done}
    assert all("rated 4/5 by Eve Evaluator: Clear answers" in n["body"] for n in notes)
    for app in done:
        application = world.greenhouse.applications.get(app["id"])
        assert application is not None
        assert application["stage_name"] == "Video Interview Completed"
    assert sync(runtime).counts["created"] == 0  # notes are not written twice

    # one changed title: one update
    job = data["jobs"][7]
    world.greenhouse.update_job(job["id"], name="Staff Engineer 7")
    fourth = sync(runtime)
    assert fourth.counts["updated"] == 1 and fourth.counts["created"] == 0
    assert projects[str(job["id"])]["id"] in company.projects
    renamed = company.projects.get(projects[str(job["id"])]["id"])
    assert renamed is not None and renamed["name"] == "Staff Engineer 7"

    # a deleted job: its project is archived, as the policy says
    gone = data["jobs"][9]
    world.greenhouse.delete_job(gone["id"])
    fifth = sync(runtime, full=True, flows=["jobs_to_projects"])
    assert fifth.count("archive") == 1
    archived = company.projects.get(projects[str(gone["id"])]["id"])
    assert archived is not None and archived["status"] == "archived"
    link = LinkStore(runtime.engine, TENANT).lookup("job", "ats", [gone["id"]])[str(gone["id"])]
    assert link.status == "archived"


def test_plan_lists_exactly_what_the_first_sync_does(world: World) -> None:
    seed(world)
    runtime = world.runtime()
    plan = sync(runtime, full=True, dry_run=True)
    assert (
        len(world.company.projects) == 0 and len(world.company.invitations) == 0
    )  # nothing written
    assert not list(LinkStore(runtime.engine, TENANT).all())
    done = sync(runtime, full=True)

    def decisions(summary: Summary) -> list[tuple[str, str, str]]:
        return sorted((s.action, s.flow, s.source_id) for s in summary.steps if s.action != "skip")

    assert decisions(plan) == decisions(done)
    assert plan.counts["created"] == done.counts["created"] > 0


def test_a_closed_job_archives_its_project_and_reopening_restores_it(any_world: World) -> None:
    gh, company = any_world.greenhouse, any_world.company
    job = gh.create_job(name="Seasonal role", status="open")
    runtime = any_world.runtime()
    sync(runtime, flows=["jobs_to_projects"])
    (project,) = company.projects.values()
    assert project["status"] == "active"

    gh.update_job(job["id"], status="closed")
    closing = sync(runtime, flows=["jobs_to_projects"])
    assert company.projects[project["id"]]["status"] == "archived"
    assert [s.action for s in closing.steps] == ["archive"]
    again = sync(runtime, flows=["jobs_to_projects"], full=True)  # nothing more to do
    assert [s.action for s in again.steps] == ["skip"]

    gh.update_job(job["id"], status="open", name="Seasonal role 2027")
    reopening = sync(runtime, flows=["jobs_to_projects"])
    restored = company.projects[project["id"]]
    assert (restored["status"], restored["name"]) == ("active", "Seasonal role 2027")
    assert [s.action for s in reopening.steps] == ["update"]
    assert len(company.projects) == 1  # the same project throughout, never a second one
