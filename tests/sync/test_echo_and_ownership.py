"""Echo suppression and field ownership, with a flow that reads back what we write."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from engine.paths import MAPPINGS_DIR
from engine.sync import Summary, SyncEngine
from engine.tenants import Runtime
from simulators.world import TENANT, World

READ_BACK = """
  projects_as_notes:
    description: Test only. Reads back the projects jobs_to_projects writes.
    direction: to_ats
    source: project
    target: note
    fields:
      body: "concat('project ', name)"
      candidate_id: "`{candidate}`"
      visibility: "'private'"
      note_type: "'NOTE'"
"""


def _mappings(tmp_path: Path, candidate: int) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder)
    spec = folder / "ats" / "greenhouse.yaml"
    text = spec.read_text()
    spec.write_text(
        text.replace("\nwebhooks:\n", READ_BACK.format(candidate=candidate) + "\nwebhooks:\n", 1)
    )
    return folder


def _sync(runtime: Runtime) -> Summary:
    return asyncio.run(
        SyncEngine(runtime.tenant(TENANT), runtime.engine).run(
            ["jobs_to_projects", "projects_as_notes"]
        )
    )


def test_our_own_writes_do_not_bounce_back_but_real_changes_do(
    world: World, tmp_path: Path
) -> None:
    candidate = world.greenhouse.create_candidate(first_name="Ada", last_name="Lovelace")
    jobs = [world.greenhouse.create_job(name=f"Engineer {i}", status="open") for i in range(3)]
    folder = _mappings(tmp_path, candidate["id"])
    world.config_path.write_text(
        world.config_path.read_text().replace(
            "kind: deployment\n", f"kind: deployment\nmappings: {folder}\n"
        )
    )
    runtime = world.runtime()

    first = _sync(runtime)
    assert first.count("create") == 3  # the projects
    echoes = [
        s for s in first.steps if s.flow == "projects_as_notes" and s.detail.startswith("echo")
    ]
    assert len(echoes) == 3 and len(world.greenhouse.notes) == 0

    project = next(
        p for p in world.company.projects.values() if p["external_id"] == str(jobs[0]["id"])
    )
    world.company.update("project", project["id"], {"name": "Renamed in the suite"})
    second = _sync(runtime)
    notes = list(world.greenhouse.notes.values())
    assert [n["body"] for n in notes] == ["project Renamed in the suite"]
    assert second.count("create") == 1


def test_fields_owned_by_the_suite_are_not_overwritten(world: World) -> None:
    job = world.greenhouse.create_job(name="Engineer", status="open", notes="<p>From the ATS</p>")
    runtime = world.runtime()

    def _sync_jobs() -> Summary:
        return asyncio.run(
            SyncEngine(runtime.tenant(TENANT), runtime.engine).run(["jobs_to_projects"])
        )

    _sync_jobs()
    project = next(iter(world.company.projects.values()))
    assert project["description"] == "From the ATS"  # written once, on create
    world.company.update(
        "project", project["id"], {"description": "Edited by a recruiter in the suite"}
    )

    world.greenhouse.update_job(job["id"], notes="<p>Changed in the ATS</p>")
    unchanged = _sync_jobs()
    assert unchanged.counts["updated"] == 0  # the description belongs to the suite
    kept = world.company.projects.get(project["id"])
    assert kept is not None and kept["description"] == "Edited by a recruiter in the suite"

    world.greenhouse.update_job(job["id"], name="Staff Engineer")
    renamed = _sync_jobs()
    assert renamed.counts["updated"] == 1
    after = world.company.projects.get(project["id"])
    assert after is not None
    assert (
        after["name"] == "Staff Engineer"
        and after["description"] == "Edited by a recruiter in the suite"
    )
