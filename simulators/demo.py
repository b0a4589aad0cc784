"""The demo ``connector demo [--check]`` runs: the whole product on loopback.

It starts the suite, the ATS simulators (``simulators.registry``) and Connector
(webhooks, worker, scheduler) with an embedded SQLite database, subscribes Connector to
every side's webhooks, and plays the scenario below on the first ATS through its
``AtsSimulator`` seed helpers, checking each step in the simulators' own state. Without
``check`` it then stays up and prints the URLs to open. The engine finds ``run`` through
the ``connector.simulators`` entry point named ``demo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from engine.store.tokens import KEY_ENV
from engine.tenants import Runtime
from engine.web.app import create_app
from engine.web.pages import DEFAULT_TTL, EmbedTokens
from engine.web.registration import register_suite
from simulators.kit.protocol import AtsSimulator
from simulators.kit.serving import LoopbackServer
from simulators.registry import SIMULATORS, simulator
from simulators.world import TENANT, World

STEP_TIMEOUT = 20.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """A stop signal arrived. A BaseException, as KeyboardInterrupt is, so that no step's
    ``except Exception`` swallows it and every ``with`` unwinds: servers, world, folder."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    """SIGINT and SIGTERM alike: the first raises ``Stopped``, unless the clean-up has begun
    (``hold``), which then runs to its end; later ones are only noted.

    Setting the handler explicitly also catches SIGINT when the demo was started with it
    ignored, where Python would otherwise leave it ignored."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.held = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        self.received = self.received or signum
        if first and not self.held:
            raise Stopped(signum)

    def hold(self) -> None:
        self.held = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSignals]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signal handlers can only be set in the main thread
            return
        previous = {number: signal.signal(number, self) for number in STOP_SIGNALS}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


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
        self.ats = world.simulators[0]
        self.ats_app = world.ats_apps[self.ats.name]
        self.company = world.company
        self.found: dict[str, Any] = {}
        self.engine_url = engine_url
        self.tokens = EmbedTokens.from_secret(world.key.encode())

    def widget_url(self, widget: str, ats_id: Any, ttl: int = DEFAULT_TTL) -> str:
        token = self.tokens.issue(TENANT, widget, str(ats_id), ttl=ttl)
        return f"{self.engine_url}/embed/{TENANT}/{widget}/{ats_id}?token={token}&mode=link"

    def job(self) -> bool:
        self.found["job"] = self.ats.open_job(
            self.ats_app, "Product Designer", "<p>Design team</p>"
        )
        external = str(self.found["job"])
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
        application = self.ats.apply(
            self.ats_app, self.found["job"], "Ada", "Lovelace", "ada@example.com"
        )
        self.ats.move(self.ats_app, application, self.ats.interview_stage)
        self.found["application"] = application
        external = str(application)
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
        application = self.found["application"]

        def advanced() -> bool:
            return self.ats.stage_of(self.ats_app, application) == self.ats.completed_stage

        return bool(_wait(advanced))

    def rated(self) -> bool:
        self.company.create("rating", {"invitation_id": self.found["invitation"]["id"], "score": 5,
                                       "evaluator_name": "Grace Hopper", "comment": "Thoughtful answers"})  # fmt: skip
        application = self.found["application"]
        self.found["note"] = _wait(
            lambda: next(iter(self.ats.notes(self.ats_app, application)), None)
        )
        return self.found["note"] is not None

    def note_text(self) -> bool:
        note = str(self.found.get("note") or "")
        return all(part in note for part in ("5/5", "Grace Hopper", "Thoughtful answers"))

    def widget(self) -> bool:
        page = httpx.get(self.widget_url("candidate_interview", self.found["application"]))
        return page.status_code == 200 and all(
            text in page.text for text in ("completed", "5/5", "Grace Hopper", "recorded answers")
        )

    @property
    def steps(self) -> list[tuple[str, Callable[[], bool]]]:
        ats = self.ats.name.capitalize()
        return [
            (f"a job opened in {ats} becomes a project in the suite", self.job),
            (f"a candidate moved to {self.ats.interview_stage} is invited", self.invitation),
            (f"the recorded interview advances the application in {ats}", self.completed),
            (f"the evaluator's rating comes back to {ats} as a note", self.rated),
            ("the note tells the score, the evaluator and the comment", self.note_text),
            ("the candidate's widget shows the interview and the rating", self.widget),
        ]


DEMO_POLL_INTERVAL = "2s"  # what webhooks do not tell of is polled this often in the demo


def run(check: bool, ats: str | None = None) -> int:
    """The demo against the ATS simulator ``ats`` (default the first shipped); with
    ``check`` headless. The exit status: 0 only if every step passed; 2 for an unknown
    ATS; 128 + the signal's number when a signal stops it before the scenario ends."""
    try:
        chosen = SIMULATORS[0] if ats is None else simulator(ats)
    except KeyError as exc:
        print(f"demo: {exc.args[0]}", file=sys.stderr)
        return 2
    signals = StopSignals()
    try:
        with signals.installed():
            return _run(check, signals, chosen)
    except Stopped as stopped:
        print(f"demo: stopped by {stopped}", file=sys.stderr, flush=True)
        return 128 + stopped.signum


def _run(check: bool, signals: StopSignals, ats: AtsSimulator) -> int:
    poll = DEMO_POLL_INTERVAL  # the static setup, and the flows no webhook tells of
    with (
        tempfile.TemporaryDirectory(prefix="connector-demo-") as tmp,
        World(Path(tmp), ats=[ats], poll_interval=poll) as world,
    ):
        runtime = world.runtime()
        app = create_app(runtime, worker=True, scheduler=True)
        with LoopbackServer(app) as engine_server:
            try:
                return _serve(check, world, runtime, engine_server.url)
            finally:
                signals.hold()  # from here on the servers stop and the folder goes, whatever comes


def _serve(check: bool, world: World, runtime: Runtime, engine_url: str) -> int:
    for ats in world.simulators:  # a static-setup ATS is polled instead
        hooks = f"{engine_url}/hooks/{world.tenant_of(ats.name)}/{ats.name}"
        ats.subscribe(world.ats_apps[ats.name], hooks, world.hook_secret)
    asyncio.run(register_suite(runtime.tenant(TENANT), engine_url))
    print(f"connector  {engine_url}  (data in {world.directory})")
    print(f"suite      {world.suite_server.url}")
    for name, server in world.ats_servers.items():
        print(f"{name:<10} {server.url}")
    scenario = Scenario(world, engine_url)
    passed = _play(scenario)
    total = len(scenario.steps)
    if not check:
        _stay(lambda: _show(world, runtime, scenario))
    print(f"demo: {passed}/{total} steps passed", flush=True)
    return 0 if passed == total else 1


def _play(scenario: Scenario) -> int:
    """Run the steps in order, up to the first that fails; the number that passed."""
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
    return passed


def _show(world: World, runtime: Runtime, scenario: Scenario) -> None:
    found, engine_url, hour = scenario.found, scenario.engine_url, 3600
    admin = secrets.token_urlsafe(24)  # the demo's own: never print a real one
    os.environ["CONNECTOR_ADMIN_TOKEN"] = admin
    print(
        "\nPoint the CLI at this demo's data (in another shell), then try `connector links acme`:"
    )
    print(f"  export CONNECTOR_CONFIG={shlex.quote(str(world.config_path))}")
    print(f"  export {KEY_ENV}={shlex.quote(world.key)}")
    print("\nOpen:")
    if found.get("project"):
        print(
            f"  the project in the suite (sign in with admin@acme.example): {world.suite_server.url}/app/projects/{found['project']['id']}"
        )
    for name, embed in runtime.tenant(TENANT).ats.embeds.items():
        record = found.get(embed.entity)
        if record is None:
            print(f"  the {embed.entity}'s {name} widget: no {embed.entity} in the scenario")
        else:
            print(
                f"  the {embed.entity}'s {name} widget: {scenario.widget_url(name, record, hour)}"
            )
    if found.get("job"):
        print(f"  the job's quick-setup link: {engine_url}/links/{TENANT}/job/{found['job']}")
    print(f"  the admin page: {engine_url}/admin?token={admin}")
    print(f"  Connector's health: {engine_url}/healthz and readiness: {engine_url}/readyz")
    print(f"  the suite's API description: {world.suite_server.url}/openapi.json")
    print("Widget links last an hour. Press Ctrl-C to stop.", flush=True)


def _stay(show: Callable[[], None]) -> None:
    """Show what to open, then wait for SIGINT or SIGTERM: the way a staying demo ends.
    The wait starts before the showing, so a signal sent on reading the last line counts."""
    try:
        show()
        while True:
            time.sleep(3600)
    except Stopped as stopped:
        print(f"\ndemo: stopping ({stopped})", file=sys.stderr, flush=True)
