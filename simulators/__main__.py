"""Run the World (both simulators and a tenant) in a process of its own.

    python -m simulators DIR [--ats NAME] [--jobs N] [--applications-per-job N]

Writes DIR/connector.yaml and DIR/key (the token encryption key), prints one JSON line
with the URLs once ready, and runs until its standard input closes. Benchmarks use it
so that the engine does not share a Python process (and its lock) with the servers; a
spec under development uses it as its sandbox (``--ats`` picks the simulator, default
Greenhouse). Applications are seeded at the interview stage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulators.kit.protocol import AtsSimulator
from simulators.registry import simulator
from simulators.world import World


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--applications-per-job", type=int, default=0)
    parser.add_argument("--ats", default="greenhouse", help="the ATS simulator")
    args = parser.parse_args()
    try:
        ats = simulator(args.ats)
    except KeyError as exc:
        parser.error(exc.args[0])
    with World(args.directory, ats=[ats]) as world:
        if args.jobs:
            _seed(world, ats, args.jobs, args.applications_per_job)
        (args.directory / "key").write_text(world.key, encoding="utf-8")
        ready = {"suite": world.suite_server.url, ats.name: world.ats_servers[ats.name].url}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # until the parent closes our input or goes away


def _seed(world: World, ats: AtsSimulator, jobs: int, per_job: int) -> None:
    if ats.name == "greenhouse":  # in bulk: the benchmarks seed thousands
        world.greenhouse.seed_data(
            jobs=jobs, applications_per_job=per_job,
            job_status="open", stage_name="Video Interview", status="in_process",
        )  # fmt: skip
        return
    app = world.ats_apps[ats.name]
    for j in range(jobs):
        job = ats.open_job(app, f"Job {j}", f"<p>Team {j}</p>")
        for a in range(per_job):
            application = ats.apply(app, job, f"Cand{j}x{a}", "Doe", f"c{j}x{a}@example.com")
            ats.move(app, application, ats.interview_stage)


if __name__ == "__main__":
    main()
