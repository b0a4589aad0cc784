"""A real headless Chromium (the system's, driven by Playwright), ATS host pages on
loopback origins of their own, and the engine serving widgets on another.

Chromium is found as ``$CONNECTOR_CHROMIUM`` or ``chromium`` on the PATH. Without it
the browser tests skip, loudly; with ``CONNECTOR_REQUIRE_BROWSER=1`` (as ``.ci/run``
sets) they fail instead. Screenshots go to ``artifacts/browser/`` (``$CONNECTOR_ARTIFACTS``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from engine.sync.engine import SyncEngine
from engine.web.app import create_app
from engine.web.pages import EmbedTokens
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.conftest import skip_loudly

XSS = "<img src=x onerror=alert(1)>"
FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: this machine has no network
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("CONNECTOR_CHROMIUM") or shutil.which("chromium")
    reason = ""
    if not found:
        reason = "no Chromium: install Debian's chromium package or set CONNECTOR_CHROMIUM"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed: pip install -e '.[test]'"
    if reason:
        if os.environ.get("CONNECTOR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here, but {reason}")
        skip_loudly(f"BROWSER TESTS: {reason}")
    return str(found)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("CONNECTOR_ARTIFACTS", "artifacts")) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API runs an event loop in this thread while it is
    started, and tests after these call asyncio.run, which refuses to nest."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class HostSite:
    """An ATS's pages: whatever HTML a test puts in ``pages``, served at ``/{name}``."""

    pages: dict[str, str] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def serve(request: Request) -> Response:
            body = self.pages.get(request.path_params["name"])
            return HTMLResponse(body or "no such page", status_code=200 if body else 404)

        return Starlette(routes=[Route("/{name}", serve)])


@dataclass
class Stage:
    """Everything running: simulators, engine, an allowed and a disallowed ATS origin."""

    world: World
    engine_url: str
    host_url: str
    other_url: str
    hosts: HostSite
    tokens: EmbedTokens
    records: dict[str, Any]

    def new_application(self, first: str, last: str) -> dict[str, Any]:
        """An application to the job, not yet invited: each test that invites has its own."""
        email = f"{first}.{last}@example.com".lower().replace(" ", "")
        return self.world.greenhouse.create_application(
            job_id=self.records["job"]["id"],
            candidate={"first_name": first, "last_name": last, "email": email},
        )

    def embed(self, widget: str, ats_id: Any, mode: str = "iframe") -> str:
        token = self.tokens.issue(TENANT, widget, str(ats_id))
        return f"{self.engine_url}/embed/{TENANT}/{widget}/{ats_id}?token={token}&mode={mode}"


def _records(world: World) -> dict[str, Any]:
    gh, company = world.greenhouse, world.company
    job = gh.create_job(name="Product Designer", status="open")
    interviewed = gh.create_application(
        job_id=job["id"],
        stage_name="Video Interview",
        candidate={"first_name": "Eve", "last_name": XSS, "email": "eve@example.com"},
    )
    waiting = gh.create_application(
        job_id=job["id"],
        candidate={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
    )
    runtime = world.runtime()
    flows = ["jobs_to_projects", "applications_to_invitations"]
    sync = SyncEngine(runtime.tenant(TENANT), runtime.engine).run(flows)
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop already runs in this thread
        pool.submit(asyncio.run, sync).result()
    project = next(iter(company.projects.values()))
    questions = [
        company.create("question", q, project_id=project["id"])
        for q in (
            {"text": "Tell us about a design you are proud of.", "time_limit_seconds": 120},
            {"text": "How do you test an idea?", "time_limit_seconds": 90},
        )
    ]
    invitation = next(iter(company.invitations.values()))
    company.complete_invitation(invitation["id"], world.suite_server.url)
    rating = company.create(
        "rating",
        {"invitation_id": invitation["id"], "score": 4, "evaluator_name": "Grace Hopper",
         "comment": "Clear and concrete"},
    )  # fmt: skip
    return {
        "job": job, "interviewed": interviewed, "waiting": waiting, "project": project,
        "questions": questions, "invitation": company.invitations[invitation["id"]],
        "rating": rating,
    }  # fmt: skip


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    chromium_path()  # skip before starting anything when there is no browser
    hosts = HostSite()
    with (
        LoopbackServer(hosts.app()) as host,
        LoopbackServer(hosts.app()) as other,
        World(tmp_path_factory.mktemp("browser")) as world,
    ):
        config = world.config_path.read_text(encoding="utf-8")
        world.config_path.write_text(
            config.replace("frame_origins: [http://127.0.0.1]", f"frame_origins: [{host.url}]"),
            encoding="utf-8",
        )
        records = _records(world)
        tokens = EmbedTokens.from_secret(world.key.encode())
        with LoopbackServer(create_app(world.runtime(), worker=False)) as engine:
            yield Stage(world, engine.url, host.url, other.url, hosts, tokens, records)
