"""The engine's BambooHR traffic checked against BambooHR's own OpenAPI contract.

A Prism proxy in ``--errors`` mode stands between the engine and the simulator: it
checks every request against the contract (a violation is answered 422 or 401 without
reaching the simulator) and every answer of the simulator (a violation becomes a 500
with an ``sl-violations`` header). Either way the request fails, and Prism logs
``Request terminated with error``. The scenario runs through Prism end to end: a full
sync across pages, a rerun, a status change found by the reconcile rescan, a completed
interview's status written back, and a rating written back as a comment; then no request failed
and Prism logged no error. A deliberately wrong request shows that the check bites.

Prism comes from ``$CONNECTOR_PRISM`` or ``prism`` on PATH; without it the module skips
loudly, or fails when ``CONNECTOR_REQUIRE_PRISM=1``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from engine.sync import LiveWriter, Summary, SyncEngine
from engine.tenants import Runtime
from simulators.bamboohr.simulator import API_KEY, BambooHR
from simulators.bamboohr.state import BambooSim, stamp
from simulators.kit.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.conftest import skip_loudly

# the vendor's own contract, kept with the tests (see tests/contracts/README.md)
CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "bamboohr-public.yaml"
REFUSED = "Request terminated with error"


def _prism_binary() -> str | None:
    found = os.environ.get("CONNECTOR_PRISM") or shutil.which("prism")
    if found and CONTRACT.is_file():
        return found
    reason = "Prism is not installed: set CONNECTOR_PRISM, or put prism on PATH"
    if found:
        reason = f"BambooHR's contract is missing: {CONTRACT}"
    if os.environ.get("CONNECTOR_REQUIRE_PRISM") == "1":
        pytest.fail(reason + " (CONNECTOR_REQUIRE_PRISM=1)")
    skip_loudly(f"tests/sync/test_bamboohr_contract.py: {reason}")
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Prism:
    url: str
    app: Starlette
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def sim(self) -> BambooSim:
        sim: BambooSim = self.app.state.sim
        return sim

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def log_since(self, mark: int) -> list[str]:
        time.sleep(0.2)  # the last lines of the log reach the reader thread
        return self.lines[mark:]


@pytest.fixture(scope="module")
def prism() -> Iterator[Prism]:
    binary = _prism_binary()
    assert binary is not None
    app = BambooHR().create_app(seed=1)
    with LoopbackServer(app) as upstream:
        url = f"http://127.0.0.1:{_free_port()}"
        command = [binary, "proxy", "--errors", str(CONTRACT), upstream.url,
                   "--port", url.rsplit(":", 1)[1], "--host", "127.0.0.1"]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        proxy = Prism(url, app, process)
        reader = threading.Thread(target=proxy.read, daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while not any("Prism is listening" in line for line in proxy.lines):
                assert process.poll() is None, "\n".join(proxy.lines[-20:])
                assert time.monotonic() < deadline, "Prism did not start"
                time.sleep(0.05)
            yield proxy
        finally:
            process.terminate()
            process.wait(timeout=10)
            reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()


class ThroughPrism(BambooHR):
    """The simulator behind Prism: the tenant's base URL is the proxy's."""

    def __init__(self, proxy: Prism) -> None:
        super().__init__()
        self.proxy = proxy

    def create_app(self, *, seed: int = 0) -> Starlette:
        self.proxy.sim.reset()
        return self.proxy.app

    def tenant(self, app: Starlette, base_url: str, hook_secret: str) -> str:
        return super().tenant(app, self.proxy.url, hook_secret)


def _sync(runtime: Runtime, *, full: bool = False) -> Summary:
    engine = SyncEngine(runtime.tenant(TENANT), runtime.engine, writer=LiveWriter)
    summary = asyncio.run(engine.run(None, full=full))
    assert summary.counts["failed"] == 0, [s for s in summary.steps if s.action == "fail"]
    return summary


def test_the_engine_speaks_bamboohr_as_its_contract_says(prism: Prism, tmp_path: Path) -> None:
    ats = ThroughPrism(prism)
    sim = prism.sim
    mark = len(prism.lines)
    with World(tmp_path, ats=[ats]) as world:
        sim.page_size, sim.public_base_url = 2, prism.url  # nextPageUrl leads through Prism
        app, company = prism.app, world.company
        jobs = [ats.open_job(app, f"Engineer {n}", "") for n in range(3)]
        earlier = stamp(time.time() - 3600)  # submitted an hour ago, before the cursor
        applications = [
            sim.create_application(jobs[n % 3], first_name=f"Cand{n}", last_name="Doe",
                                   email=f"cand{n}@example.com", applied=earlier)["id"]
            for n in range(4)
        ]  # fmt: skip
        applications.append(ats.apply(app, jobs[0], "Cand4", "Doe", "cand4@example.com"))
        for application in applications[:3]:
            ats.move(app, application, ats.interview_stage)
        for n, role in enumerate(ats.roles):
            ats.add_user(app, "Pat", f"User{n}", f"user{n}@acme.example", role)
        runtime = world.runtime()

        _sync(runtime, full=True)
        assert len(company.invitations) == 3 and len(company.projects) == 3
        assert {u["role"] for u in company.users.values()} >= set(ats.roles.values())
        again = _sync(runtime)
        assert (again.counts["created"], again.counts["updated"]) == (0, 0)

        ats.move(app, applications[3], ats.interview_stage)  # no new submission
        _sync(runtime)
        assert len(company.invitations) == 3  # newSince cannot see it
        _sync(runtime, full=True)
        assert len(company.invitations) == 4  # the rescan does

        invitation = next(
            i for i in company.invitations.values() if i["external_id"] == str(applications[0])
        )
        company.complete_invitation(invitation["id"], world.suite_server.url)
        _sync(runtime)
        assert ats.stage_of(app, applications[0]) == ats.completed_stage
        rating = {"invitation_id": invitation["id"], "score": 4,
                  "evaluator_name": "Eve Evaluator", "comment": "Clear answers"}  # fmt: skip
        company.create("rating", rating)
        assert _sync(runtime).counts["created"] == 1  # the rating, as a comment
        text = "Video interview rated 4/5 by Eve Evaluator: Clear answers"
        assert ats.notes(app, applications[0]) == [text]
        assert _sync(runtime).counts["created"] == 0  # written once

    log = prism.log_since(mark)
    forwarded = [line for line in log if "Forwarding" in line]
    operations = {
        re.sub(r"/\d+", "/{id}", match.group(1))
        for line in forwarded
        if (match := re.search(r"request to http://[^/]+(/[^?.]*)", line))
    }
    assert operations == {
        "/api/v1/applicant_tracking/jobs",
        "/api/v1/applicant_tracking/applications",
        "/api/v1/applicant_tracking/applications/{id}",  # an applicant, read from the detail
        "/api/v1/applicant_tracking/applications/{id}/status",
        "/api/v1/applicant_tracking/applications/{id}/comments",
        "/api/v1/meta/users",
    }, forwarded
    assert any("page=2" in line for line in forwarded)  # nextPageUrl led through Prism
    assert [line for line in log if REFUSED in line or "VIOLATION" in line.upper()] == []


def test_prism_reports_a_request_that_breaks_the_contract(prism: Prism) -> None:
    prism.sim.add_key(API_KEY)
    job = prism.sim.create_job(title="Checked")
    application = prism.sim.create_application(
        job["id"], first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    mark, changes = len(prism.lines), len(prism.sim.status_changes)
    url = f"{prism.url}/api/v1/applicant_tracking/applications/{application['id']}/status"
    wrong = httpx.post(url, json={"status": "Video Interview"}, auth=(API_KEY, "x"), timeout=10)
    assert wrong.status_code == 422
    (problem,) = wrong.json()["validation"]
    assert problem["location"] == ["body", "status"] and problem["code"] == "type"
    assert any(REFUSED in line for line in prism.log_since(mark))
    assert len(prism.sim.status_changes) == changes  # the simulator never saw it

    right = httpx.post(url, json={"status": 21}, auth=(API_KEY, "x"), timeout=10)
    assert right.status_code == 200 and "sl-violations" not in right.headers
    assert right.json()["type"] == "positionApplicantStatus"
