"""Run the World (both simulators and a tenant) in a process of its own.

    python -m simulators DIR [--jobs N] [--applications-per-job N]

Writes DIR/connector.yaml and DIR/key (the token encryption key), prints one JSON line
with the URLs once ready, and runs until its standard input closes. Benchmarks use it
so that the engine does not share a Python process (and its lock) with the servers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulators.world import World


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--applications-per-job", type=int, default=0)
    args = parser.parse_args()
    with World(args.directory) as world:
        if args.jobs:
            world.greenhouse.seed_data(
                jobs=args.jobs, applications_per_job=args.applications_per_job,
                job_status="open", stage_name="Video Interview", status="in_process",
            )  # fmt: skip
        (args.directory / "key").write_text(world.key, encoding="utf-8")
        ready = {"suite": world.suite_server.url, "greenhouse": world.greenhouse_server.url}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # until the parent closes our input or goes away


if __name__ == "__main__":
    main()
