"""Workable, end to end on loopback: Connector subscribes itself through
``POST /subscriptions`` (one subscription per event, each at its own target) and the
simulator's signed deliveries land through the real route; a wrong signature is
refused; and under Workable's real 10 requests per 10 s a sync waits for the next
interval, told by X-Rate-Limit-*, instead of failing on a 429."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from engine.store.inbox import Inbox
from engine.sync import LiveWriter, SyncEngine
from engine.web.app import create_app
from engine.web.registration import register_ats
from engine.work.worker import Worker
from simulators.kit.serving import LoopbackServer
from simulators.workable.simulator import Workable
from simulators.workable.state import WorkableSim
from simulators.world import TENANT, World


def _sim(world: World) -> WorkableSim:
    sim: WorkableSim = world.ats_apps["workable"].state.sim
    return sim


def _drain(worker: Worker, sim: WorkableSim) -> int:
    """Wait for the simulator's deliveries, then claim until the inbox is empty."""
    assert sim.dispatcher.wait_idle(10)
    return sum(asyncio.run(worker.run_once()) for _ in range(3))


def test_registering_subscribes_each_event_and_deliveries_land(tmp_path: Path) -> None:
    ats = Workable()
    with World(tmp_path, ats=[ats]) as world:
        runtime, sim, ats_app = world.runtime(), _sim(world), world.ats_apps["workable"]
        app = create_app(runtime, worker=False)
        inbox = Inbox(runtime.engine)
        worker = Worker(runtime, inbox, name="one")
        with LoopbackServer(app) as server:
            tenant = runtime.tenant(TENANT)
            (url,) = asyncio.run(register_ats(tenant, server.url))
            assert url == f"{server.url}/hooks/{TENANT}/workable"
            asyncio.run(register_ats(tenant, server.url))  # again: subscribed already
            subscribed = {s.event: s.target for s in sim.subscriptions.values()}
            events = ("candidate_created", "candidate_moved", "candidate_deleted")
            assert subscribed == {e: f"{url}?event={e}" for e in events}
            job = ats.open_job(ats_app, "Engineer", "<p>Team</p>")
            ada = ats.apply(ats_app, job, "Ada", "Lovelace", "ada@example.com")
            ats.move(ats_app, ada, ats.interview_stage)
            assert _drain(worker, sim) == 2  # the record's two events, one after the other
            (invitation,) = world.company.invitations.values()
            assert invitation["external_id"] == ada and invitation["status"] == "invited"
            (project,) = world.company.projects.values()
            assert project["external_id"] == job
            sim.delete_candidate(ada)
            assert _drain(worker, sim) == 1
        assert [d.state for d in sim.dispatcher.snapshot()] == ["delivered"] * 3
        assert inbox.depth() == {"done": 3}
        assert world.company.invitations == {}  # deleted with its candidate


def test_a_wrong_signature_is_refused(tmp_path: Path) -> None:
    with World(tmp_path, ats=[Workable()]) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=False)
        body = json.dumps({"id": "e-1", "event_type": "candidate_created",
                           "data": {"id": "ce4da000"}}).encode()  # fmt: skip
        good = hmac.new(world.hook_secret.encode(), body, hashlib.sha256).hexdigest()
        with LoopbackServer(app) as server:
            route = f"{server.url}/hooks/{TENANT}/workable"
            for signature in ("0" * 64, hmac.new(b"other", body, hashlib.sha256).hexdigest()):
                refused = httpx.post(route, content=body, headers={
                    "X-Workable-Signature": signature, "Content-Type": "application/json"})  # fmt: skip
                assert refused.status_code == 401
            assert Inbox(runtime.engine).depth() == {}
            accepted = httpx.post(route, content=body, headers={
                "X-Workable-Signature": good, "Content-Type": "application/json"})  # fmt: skip
            assert accepted.status_code == 200
        assert Inbox(runtime.engine).depth() == {"pending": 1}


def test_a_sync_waits_for_the_next_interval_instead_of_failing(tmp_path: Path) -> None:
    ats = Workable(rate_limit=10)  # Workable's limit for account tokens, per 10 s
    with World(tmp_path, ats=[ats]) as world:
        app, sim = world.ats_apps["workable"], _sim(world)
        job = ats.open_job(app, "Engineer", "<p>Team</p>")
        for n in range(10):
            ats.move(app, ats.apply(app, job, f"Cand{n}", "Doe", f"c{n}@example.com"),
                     ats.interview_stage)  # fmt: skip
        runtime = world.runtime()
        started = time.monotonic()
        engine = SyncEngine(runtime.tenant(TENANT), runtime.engine, writer=LiveWriter)
        summary = asyncio.run(engine.run(None, full=True))
        elapsed = time.monotonic() - started
        assert summary.counts["failed"] == 0, summary.failures
        assert len(world.company.invitations) == 10
        assert sim.served > 10 and sim.window.throttled == 0  # no 429: it waited
        assert elapsed > 5.0  # the next interval began 10 s after the first request


def test_connector_register_subscribes_the_ats_where_its_api_can(tmp_path: Path) -> None:
    """``connector register`` on the ideal setup also makes the ATS's subscriptions, so a
    company need not make them by hand; it says where each side now sends its events."""
    with World(tmp_path, ats=[Workable()]) as world:
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
        cli = [sys.executable, "-m", "engine.cli"]
        config = ["--config", str(world.config_path)]
        subprocess.run([*cli, "db", "upgrade", *config], env=env, check=True, capture_output=True)
        public = "https://connector.example.com"
        done = subprocess.run([*cli, "register", TENANT, "--url", public, *config], env=env,
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            f"{TENANT}: the suite now sends its events to {public}/hooks/{TENANT}/suite",
            f"{TENANT}: Workable SPI v3 now sends its events to {public}/hooks/{TENANT}/workable",
        ]
        targets = sorted(s.target for s in _sim(world).subscriptions.values())
        assert targets == sorted(
            f"{public}/hooks/{TENANT}/workable?event={e}"
            for e in ("candidate_created", "candidate_moved", "candidate_deleted")
        )
