"""``connector demo [--check]``: the whole product on loopback, in one command.

It starts the suite and Greenhouse simulators and Connector (webhooks, worker,
scheduler) with an embedded SQLite database, subscribes Connector to both sides'
webhooks, and plays the scenario below, checking each step in the simulators' own
state. Without ``--check`` it then stays up and prints the URLs to open.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from engine.web.app import create_app
from engine.web.pages import DEFAULT_TTL, EmbedTokens
from engine.web.registration import register_suite
from simulators.serving import LoopbackServer
from simulators.world import TENANT, World

STEP_TIMEOUT = 20.0


def _wait(check: Callable[[], Any], timeout: float = STEP_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    return None


class Scenario:
    """Each step acts on one simulator, then waits until the other one shows its effect."""

    def __init__(self, world: World, engine_url: str = "") -> None:
        self.world = world
        self.gh = world.greenhouse
        self.company = world.company
        self.found: dict[str, Any] = {}
        self.engine_url = engine_url
        self.tokens = EmbedTokens.from_secret(world.key.encode())

    def widget_url(self, widget: str, ats_id: Any, ttl: int = DEFAULT_TTL) -> str:
        token = self.tokens.issue(TENANT, widget, str(ats_id), ttl=ttl)
        return f"{self.engine_url}/embed/{TENANT}/{widget}/{ats_id}?token={token}&mode=link"

    def job(self) -> bool:
        self.found["job"] = self.gh.create_job(
            name="Product Designer", status="open", notes="<p>Design team</p>"
        )
        external = str(self.found["job"]["id"])
        self.found["project"] = _wait(
            lambda: next(
                (p for p in self.company.projects.values() if p["external_id"] == external), None
            )
        )
        if self.found["project"]:
            self.company.create("question", {"text": "Tell us about a design you are proud of."},
                                project_id=self.found["project"]["id"])  # fmt: skip
        return self.found["project"] is not None

    def invitation(self) -> bool:
        application = self.gh.create_application(
            job_id=self.found["job"]["id"],
            candidate={"first_name": "Ada", "last_name": "Lovelace",
                       "email_addresses": [{"value": "ada@example.com", "type": "personal"}]},
        )  # fmt: skip
        self.gh.set_stage(application["id"], stage_name="Video Interview")
        self.found["application"] = application
        external = str(application["id"])
        self.found["invitation"] = _wait(
            lambda: next(
                (i for i in self.company.invitations.values() if i["external_id"] == external), None
            )
        )
        return self.found["invitation"] is not None

    def completed(self) -> bool:
        self.company.complete_invitation(
            self.found["invitation"]["id"], self.world.suite_server.url
        )
        application_id = self.found["application"]["id"]

        def advanced() -> bool:
            application = self.gh.applications.get(application_id) or {}
            return application.get("stage_name") == "Video Interview Completed"

        return bool(_wait(advanced))

    def rated(self) -> bool:
        self.company.create("rating", {"invitation_id": self.found["invitation"]["id"], "score": 5,
                                       "evaluator_name": "Grace Hopper", "comment": "Thoughtful answers"})  # fmt: skip
        application_id = self.found["application"]["id"]
        self.found["note"] = _wait(
            lambda: next(
                (n for n in self.gh.notes.values() if n["application_id"] == application_id), None
            )
        )
        return self.found["note"] is not None

    def note_text(self) -> bool:
        note = self.found.get("note") or {}
        return "rated 5/5 by Grace Hopper: Thoughtful answers" in str(note.get("body", ""))

    def widget(self) -> bool:
        page = httpx.get(self.widget_url("candidate_interview", self.found["application"]["id"]))
        return page.status_code == 200 and all(
            text in page.text for text in ("completed", "5/5", "Grace Hopper", "recorded answers")
        )

    @property
    def steps(self) -> list[tuple[str, Callable[[], bool]]]:
        return [
            ("a job opened in Greenhouse becomes a project in the suite", self.job),
            ("a candidate moved to Video Interview is invited", self.invitation),
            ("the recorded interview advances the application in Greenhouse", self.completed),
            ("the evaluator's rating comes back to Greenhouse as a note", self.rated),
            ("the note tells the score, the evaluator and the comment", self.note_text),
            ("the candidate's widget shows the interview and the rating", self.widget),
        ]


def run_demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="connector-demo-") as tmp, World(Path(tmp)) as world:
        runtime = world.runtime()
        app = create_app(runtime, worker=True, scheduler=True)
        with LoopbackServer(app) as engine_server:
            world.greenhouse.register_webhook(
                f"{engine_server.url}/hooks/{TENANT}/greenhouse", world.hook_secret
            )
            asyncio.run(register_suite(runtime.tenant(TENANT), engine_server.url))
            print(f"connector  {engine_server.url}  (data in {tmp})")
            print(f"suite      {world.suite_server.url}")
            print(f"greenhouse {world.greenhouse_server.url}")
            scenario = Scenario(world, engine_server.url)
            passed = 0
            for number, (title, step) in enumerate(scenario.steps, start=1):
                ok = False
                try:
                    ok = step()
                except Exception as exc:  # a broken step is reported, the demo goes on
                    title = f"{title} ({type(exc).__name__}: {exc})"
                passed += ok
                print(f"  {'ok ' if ok else 'FAIL'} {number}. {title}", flush=True)
                if not ok:
                    break
            total = len(scenario.steps)
            if not args.check:
                _show(world, scenario)
                _stay()
            print(f"demo: {passed}/{total} steps passed")
            return 0 if passed == total else 1


def _show(world: World, scenario: Scenario) -> None:
    found, engine_url, hour = scenario.found, scenario.engine_url, 3600
    admin = secrets.token_urlsafe(24)  # the demo's own: never print a real one
    os.environ["CONNECTOR_ADMIN_TOKEN"] = admin
    print("\nOpen:")
    if found.get("project"):
        print(
            f"  the project in the suite (sign in with admin@acme.example): {world.suite_server.url}/app/projects/{found['project']['id']}"
        )
    if found.get("job"):
        print(
            f"  the job's questions widget: {scenario.widget_url('job_questions', found['job']['id'], hour)}"
        )
        print(f"  the job's quick-setup link: {engine_url}/links/{TENANT}/job/{found['job']['id']}")
    if found.get("application"):
        app_id = found["application"]["id"]
        print(
            f"  the candidate's interview widget: {scenario.widget_url('candidate_interview', app_id, hour)}"
        )
    print(f"  the admin page: {engine_url}/admin?token={admin}")
    print(f"  Connector's health: {engine_url}/healthz and readiness: {engine_url}/readyz")
    print(f"  the suite's API description: {world.suite_server.url}/openapi.json")
    print("Widget links last an hour. Press Ctrl-C to stop.", flush=True)


def _stay() -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print(file=sys.stderr)


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="run the simulators and Connector on loopback and play a scenario end to end"
    )
    demo.add_argument(
        "--check", action="store_true", help="run headless; exit 0 only if every step passed"
    )
    demo.set_defaults(run=run_demo)
