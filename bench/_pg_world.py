"""The simulators of ``bench.scaleout`` in a process of their own, over PostgreSQL.

    python -m bench._pg_world DIR DATABASE_URL JOBS LATENCY_MS

Like ``python -m simulators``, but the connector.yaml it writes names ``DATABASE_URL``,
the Greenhouse simulator holds ``JOBS`` open jobs, and the suite simulator answers each
call ``LATENCY_MS`` late. Prints one JSON line (the URLs, the job ids) once ready, and
runs until its standard input closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from simulators.world import World


def main(directory: Path, database_url: str, jobs: int, latency_ms: int) -> None:
    with World(directory, database_url=database_url) as world:
        world.greenhouse.seed_data(jobs=jobs, job_status="open")
        faults = f"{world.suite_server.url}/_sim/faults"
        httpx.post(faults, json={"latency_ms": latency_ms}).raise_for_status()
        (directory / "key").write_text(world.key, encoding="utf-8")
        ready = {"suite": world.suite_server.url, "jobs": list(world.greenhouse.jobs)}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # until the parent closes our input or goes away


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
