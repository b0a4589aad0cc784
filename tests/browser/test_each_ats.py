"""Every shipped ATS's widgets in a real Chromium, framed by an ATS page: the job's
questions, the candidate's interview and rating, and the invite button, which invites.

The records are made through the ``AtsSimulator`` protocol and synced by the engine, so
the same test covers each spec's own embeds, entities and ids.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.sync.engine import SyncEngine
from engine.web.app import create_app
from engine.web.pages import EmbedTokens
from simulators.kit.protocol import AtsSimulator
from simulators.registry import SIMULATORS
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World
from tests.browser.conftest import HostSite, chromium_path

QUESTIONS = ("Walk us through a system you designed.", "How do you review code?")


@dataclass
class Scene:
    ats: AtsSimulator
    world: World
    engine_url: str
    host_url: str
    hosts: HostSite
    tokens: EmbedTokens
    ids: dict[str, Any]  # the ATS ids each embed entity is shown for

    def embed(self, widget: str, ats_id: Any) -> str:
        token = self.tokens.issue(TENANT, widget, str(ats_id))
        return f"{self.engine_url}/embed/{TENANT}/{widget}/{ats_id}?token={token}&mode=iframe"


def _entities(world: World) -> tuple[str, str]:
    """The ATS entities whose records become projects and invitations."""
    flows = world.runtime().tenant(TENANT).ats.sync.values()
    to_suite = {f.target: f.source for f in flows if f.direction == "to_suite"}
    return to_suite["project"], to_suite["invitation"]


def _prepare(ats: AtsSimulator, world: World) -> dict[str, Any]:
    app, company = world.ats_apps[ats.name], world.company
    job = ats.open_job(app, "Platform Engineer", "<p>Platform team</p>")
    interviewed = ats.apply(app, job, "Eve", "Evans", "eve@example.com")
    ats.move(app, interviewed, ats.interview_stage)
    waiting = ats.apply(app, job, "Grace", "Hopper", "grace@example.com")
    runtime = world.runtime()
    sync = SyncEngine(runtime.tenant(TENANT), runtime.engine).run()
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop may already run in this thread
        pool.submit(asyncio.run, sync).result()
    (project,) = company.projects.values()
    for text in QUESTIONS:
        company.create("question", {"text": text, "time_limit_seconds": 60},
                       project_id=project["id"])  # fmt: skip
    (invitation,) = company.invitations.values()
    company.complete_invitation(invitation["id"], world.suite_server.url)
    company.create("rating", {"invitation_id": invitation["id"], "score": 4,
                              "evaluator_name": "Ada Reviewer", "comment": "Well reasoned"})  # fmt: skip
    job_entity, application_entity = _entities(world)
    return {job_entity: job, application_entity: interviewed, "waiting": waiting}


@pytest.fixture(params=SIMULATORS, ids=lambda s: s.name)
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scene]:
    chromium_path()
    ats: AtsSimulator = request.param
    hosts = HostSite()
    with LoopbackServer(hosts.app()) as host, World(tmp_path, ats=[ats]) as world:
        config = world.config_path.read_text(encoding="utf-8")
        world.config_path.write_text(
            config.replace("frame_origins: [http://127.0.0.1]", f"frame_origins: [{host.url}]"),
            encoding="utf-8",
        )
        ids = _prepare(ats, world)
        tokens = EmbedTokens.from_secret(world.key.encode())
        with LoopbackServer(create_app(world.runtime(), worker=False)) as engine:
            yield Scene(ats, world, engine.url, host.url, hosts, tokens, ids)


def _frames(scene: Scene, frames: dict[str, str]) -> str:
    return "<!doctype html><title>ATS</title>" + "".join(
        f'<iframe id="{name}" title="{name}" src="{html.escape(src)}" '
        'style="width:100%;height:300px"></iframe>'
        for name, src in frames.items()
    )


def test_each_widget_of_the_spec_renders_and_the_invite_button_invites(
    scene: Scene, browser: Any, artifacts: Path
) -> None:
    spec = scene.world.runtime().tenant(TENANT).ats
    by_template = {embed.template: name for name, embed in spec.embeds.items()}
    assert {"job_questions.html", "candidate_interview.html", "candidate_invite.html"} <= set(
        by_template
    ), "each spec ships the three widgets"
    frames = {
        name: scene.embed(name, scene.ids[embed.entity])
        for name, embed in spec.embeds.items()
        if embed.template != "candidate_invite.html"
    }
    invite_widget = by_template["candidate_invite.html"]
    frames[invite_widget] = scene.embed(invite_widget, scene.ids["waiting"])
    scene.hosts.pages["page"] = _frames(scene, frames)
    context = browser.new_context(viewport={"width": 900, "height": 1400})
    page = context.new_page()
    try:
        page.goto(f"{scene.host_url}/page")

        def frame(name: str) -> Any:
            located = page.frame_locator(f"iframe#{name}")
            located.locator("main").wait_for(timeout=10_000)
            return located

        questions = frame(by_template["job_questions.html"])
        assert questions.locator("ol li").all_inner_texts()[0].startswith(QUESTIONS[0])
        assert "Platform Engineer" in questions.locator("h1").inner_text()

        interview = frame(by_template["candidate_interview.html"])
        assert interview.locator(".badge").inner_text() == "completed"
        rating = interview.locator("ul[aria-label='Ratings'] li").inner_text()
        assert rating == "4/5 by Ada Reviewer: Well reasoned"

        shot = artifacts / f"{scene.ats.name}-widgets.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000

        invite, action = frame(invite_widget), spec.embeds[invite_widget].action
        assert action is not None
        assert "Grace Hopper" in invite.locator("dl").inner_text()  # the ATS's own names,
        assert "Platform Engineer" in invite.locator("h1").inner_text()  # as the template reads
        invite.get_by_role("button", name=action.label).click()
        invite.get_by_role("button", name=f"Yes, {action.label.lower()}").click()
        invite.get_by_role("status").wait_for(timeout=15_000)
        assert invite.locator(".badge").inner_text() == "invited"
    finally:
        context.close()
    sent = [i for i in scene.world.company.invitations.values()
            if i["external_id"] == str(scene.ids["waiting"])]  # fmt: skip
    assert len(sent) == 1 and sent[0]["status"] == "invited"
