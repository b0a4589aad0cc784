"""``connector record`` against each shipped ATS's simulator, then ``connector replay``
with the simulators gone: the spec's flows run offline on the real answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.paths import MAPPINGS_DIR
from simulators.kit.protocol import AtsSimulator
from simulators.registry import SIMULATORS
from simulators.world import TENANT, World

CLI = [sys.executable, "-m", "engine.cli"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, check=False)  # fmt: skip


def _record(world: World, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"CONNECTOR_ENCRYPTION_KEY": world.key}
    config = ("--config", str(world.config_path))
    upgraded = _run("db", "upgrade", *config, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    return _run("record", TENANT, "--out", str(out), *args, *config, env=env)


@pytest.mark.parametrize("ats", SIMULATORS, ids=lambda s: s.name)
def test_a_recording_replays_offline(ats: AtsSimulator, tmp_path: Path) -> None:
    cassette = tmp_path / "fixtures" / f"{ats.name}.json"
    with World(tmp_path / "world", ats=[ats]) as world:
        app = world.ats_apps[ats.name]
        jobs = [ats.open_job(app, f"Engineer {i}", "<p>Platform</p>") for i in range(2)]
        invited = ats.apply(app, jobs[0], "Ada", "Lovelace", "ada@example.com")
        ats.move(app, invited, ats.interview_stage)
        ats.apply(app, jobs[1], "Alan", "Turing", "alan@example.com")
        recorded = _record(world, cassette)
        secrets = yaml.safe_load(world.config_path.read_text())["tenants"][TENANT]["secrets"]
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout.startswith("recorded "), recorded.stdout

    text = cassette.read_text(encoding="utf-8")
    credentials = {n: str(v) for n, v in secrets.items() if not str(v).isdigit()}
    assert credentials
    for name, value in credentials.items():  # no credential, no webhook secret is kept
        assert value not in text, name
    assert "authorization" not in text.lower()
    assert {e["status"] for e in json.loads(text)["exchanges"]} <= {200, 201}

    # the simulators are gone: replay answers from the file alone
    replay = _run("replay", ats.name, "--fixtures", str(cassette))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    lines = replay.stdout.splitlines()
    job_flow = next(
        n for n, f in _spec(ats.name)["sync"].items()
        if f["direction"] == "to_suite" and f["target"] == "project"
    )  # fmt: skip
    for job in jobs:
        (line,) = [x for x in lines if x.startswith(f"  map  {job_flow} {job}:")]
        assert '"Engineer' in line
    invitations = [x for x in lines if x.startswith("  map ") and str(invited) in x]
    assert any("invited" in x for x in invitations), replay.stdout
    assert lines[-1].endswith(" 0 failed")


def _spec(name: str) -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
        (MAPPINGS_DIR / "ats" / f"{name}.yaml").read_text(encoding="utf-8")
    )
    return data


def test_replay_names_a_request_the_recording_lacks(tmp_path: Path) -> None:
    cassette = tmp_path / "gh.json"
    with World(tmp_path / "world") as world:
        world.greenhouse.create_job(name="Engineer", status="open")
        assert _record(world, cassette, "--flow", "jobs_to_projects").returncode == 0
    data = json.loads(cassette.read_text())
    listing = next(e for e in data["exchanges"] if "/jobs" in e["url"] and "ids=" not in e["url"])
    data["exchanges"].remove(listing)
    cassette.write_text(json.dumps(data))
    replay = _run("replay", "greenhouse", "--fixtures", str(cassette))
    assert replay.returncode == 2
    assert "no recording of GET " in replay.stderr and "/jobs" in replay.stderr


def test_replay_refuses_what_is_not_a_recording(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    replay = _run("replay", "greenhouse", "--fixtures", str(bad))
    assert replay.returncode == 2 and "is not a recording" in replay.stderr
    missing = _run("replay", "greenhouse", "--fixtures", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "cannot read the recording" in missing.stderr
