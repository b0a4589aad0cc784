"""Open jobs in the Greenhouse simulator and store their ``job_created`` webhooks in
the inbox through Connector's real route, for the worker tests to claim."""

from __future__ import annotations

from starlette.applications import Starlette

from simulators.serving import LoopbackServer
from simulators.world import World
from tests.web.test_webhooks import greenhouse_post


def stored_job_events(world: World, app: Starlette, names: list[str]) -> None:
    """One open job per name, its signed webhook accepted (2xx) by ``app``."""
    jobs = [world.greenhouse.create_job(name=name, status="open") for name in names]
    with LoopbackServer(app) as server:
        for job in jobs:
            body = {"action": "job_created", "payload": {"job": {"id": job["id"]}}}
            answer = greenhouse_post(server.url, world.hook_secret, body, f"job-{job['id']}")
            assert answer.is_success, answer.text
