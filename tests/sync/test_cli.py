"""``connector db upgrade``, ``plan``, ``sync`` and ``links`` as a user runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from engine.commands.sync import Progress
from engine.store.migrate import head
from engine.sync import Step
from simulators.world import TENANT, World


def connector(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
    command = [sys.executable, "-m", "engine.cli", *args, "--config", str(world.config_path)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_the_commands_against_the_simulators(world: World) -> None:
    for i in range(3):
        world.greenhouse.create_job(name=f"Engineer {i}", status="open")

    upgraded = connector(world, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"empty -> {head()}" in upgraded.stdout
    assert f"at {head()}" in connector(world, "db", "upgrade").stdout

    plan = connector(world, "plan", TENANT)
    assert plan.returncode == 0, plan.stderr
    assert "(a plan: nothing was written)" in plan.stdout
    assert plan.stdout.count("create   jobs_to_projects") == 3
    assert len(world.company.projects) == 0

    synced = connector(world, "sync", TENANT, "--entity", "job")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith(f"{TENANT}: created 3, updated 0, deleted 0")
    assert len(world.company.projects) == 3

    links = connector(world, "links", TENANT, "--entity", "job")
    assert links.returncode == 0
    assert len([line for line in links.stdout.splitlines() if line.startswith("job ")]) == 3


def test_clear_errors_for_a_bad_tenant_or_entity_or_config(world: World) -> None:
    unknown = connector(world, "sync", "nobody")
    assert unknown.returncode == 2 and "unknown tenant 'nobody'" in unknown.stderr
    assert connector(world, "db", "upgrade").returncode == 0
    entity = connector(world, "sync", TENANT, "--entity", "invoice")
    assert entity.returncode == 2 and "no flow syncs 'invoice'" in entity.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "engine.cli", "sync", TENANT, "--config", "/nonexistent/connector.yaml"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "no deployment file" in missing.stderr


def counts(output: str) -> str:
    """``acme: created 9, updated 0, deleted 0, skipped 4, failed 0``: the counts line."""
    line = next(line for line in output.splitlines() if line.startswith(f"{TENANT}: "))
    return line.split(" (")[0]


def test_plan_and_the_sync_after_it_count_alike(world: World) -> None:
    gh = world.greenhouse
    jobs = [gh.create_job(name=f"Engineer {i}", status="open") for i in range(2)]
    gh.create_job(name="Closed role", status="closed")  # skipped: 'when' is false
    for i in range(6):
        app = gh.create_application(
            job_id=jobs[i % 2]["id"],
            candidate={"first_name": f"Cand{i}", "last_name": "Doe",
                       "email_addresses": [{"value": f"c{i}@example.com", "type": "personal"}]},
        )  # fmt: skip
        if i % 2:  # invited; the others stay in review and are skipped
            gh.set_stage(app["id"], stage_name="Video Interview")
    assert connector(world, "db", "upgrade").returncode == 0
    for _ in range(2):  # a first run (everything new), then one where all is in step
        plan = connector(world, "plan", TENANT)
        synced = connector(world, "sync", TENANT)
        assert plan.returncode == 0 and synced.returncode == 0, (plan.stderr, synced.stderr)
        assert counts(plan.stdout) == counts(synced.stdout), (plan.stdout, synced.stdout)
    assert counts(plan.stdout) == f"{TENANT}: created 0, updated 0, deleted 0, skipped 13, failed 0"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_live_on_a_terminal_and_silent_otherwise() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream)
        progress(Step("create", "jobs_to_projects", "1"))
        progress.close()
    assert "jobs_to_projects: 1 records (1 create)" in terminal.getvalue()
    assert pipe.getvalue() == ""
