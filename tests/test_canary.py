"""Canary secrets never leak: a whole integration runs through ``connector serve`` with
every secret set to a distinctive value, and none of them shows in what Connector
prints (at DEBUG), answers over HTTP or keeps in its database.

The canaries are the Greenhouse client and webhook secrets, the suite's client and
webhook secrets, the encryption key (which also signs embed tokens), the admin token,
their Basic-auth forms, and what the simulators issued during the run: access and
refresh tokens, and the secret of the suite's webhook subscription.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, select

import simulators.greenhouse.simulator as greenhouse_simulator
import simulators.world as world_module
from engine.store.tables import metadata
from engine.store.tokens import KEY_ENV
from engine.web.admin import TOKEN_ENV
from engine.web.pages import EmbedTokens
from simulators.demo import Scenario
from simulators.world import TENANT, World

# the CLI with every logger at DEBUG: Connector configures no logging of its own, and
# `serve` keeps uvicorn at warning, so this is the most any deployment could print
VERBOSE = (
    "import logging, sys; "
    "logging.basicConfig(level=logging.DEBUG, format='%(levelname)s %(name)s %(message)s'); "
    "from engine.cli import main; sys.exit(main(sys.argv[1:]))"
)
WAIT = 10.0


def _canary(label: str) -> str:
    return f"canary-{label}-{secrets.token_hex(8)}"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(check: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def leaks(where: str, text: str, canaries: Mapping[str, str]) -> list[str]:
    """Which canaries ``text`` (seen in ``where``) holds, as ``"label in where"``."""
    return [f"{label} in {where}" for label, value in canaries.items() if value in text]


@dataclasses.dataclass
class Canaries:
    """The secret values of the run, and the fernet key made from one of them."""

    gh_client: str = dataclasses.field(default_factory=lambda: _canary("gh-client"))
    gh_hook: str = dataclasses.field(default_factory=lambda: _canary("gh-hook"))
    suite_client: str = dataclasses.field(default_factory=lambda: _canary("suite-client"))
    suite_hook_key: str = dataclasses.field(default_factory=lambda: _canary("suite-hook"))
    key_text: str = dataclasses.field(
        default_factory=lambda: f"canary-key-{secrets.token_hex(11)}"[:32]
    )
    admin: str = dataclasses.field(default_factory=lambda: _canary("admin"))

    @property
    def suite_hook(self) -> str:  # standard webhooks: whsec_ and the base64 of the key
        return "whsec_" + base64.b64encode(self.suite_hook_key.encode()).decode()

    @property
    def key(self) -> str:  # 32 bytes that read "canary-key-…", as a Fernet key
        return base64.urlsafe_b64encode(self.key_text.encode()).decode()

    def values(self) -> dict[str, str]:
        basic = {
            "gh basic auth": f"{greenhouse_simulator.CLIENT[0]}:{self.gh_client}",
            "suite basic auth": f"{world_module.SUITE_CLIENT[0]}:{self.suite_client}",
        }
        return {
            "gh client_secret": self.gh_client,
            "gh webhook_secret": self.gh_hook,
            "suite client_secret": self.suite_client,
            "suite webhook_secret": self.suite_hook,
            "suite webhook key": self.suite_hook_key,
            "encryption key": self.key,
            "encryption key bytes": self.key_text,
            "admin token": self.admin,
            **{label: base64.b64encode(v.encode()).decode() for label, v in basic.items()},
        }


class Recorder:
    """Every response the test got from Connector, body and headers."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []  # (where, text)

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
        self.seen.append((where, headers + "\n\n" + response.text))


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch) -> Canaries:
    made = Canaries()
    # World and the Greenhouse simulator read these when the world starts: both the
    # simulators and connector.yaml then hold the canaries
    monkeypatch.setattr(world_module, "SUITE_CLIENT", ("connector", made.suite_client))
    monkeypatch.setattr(greenhouse_simulator, "CLIENT", ("gh-connector", made.gh_client))
    return made


@contextlib.contextmanager
def _world(tmp_path: Path, canaries: Canaries) -> Iterator[World]:
    world = World(tmp_path)
    world.hook_secret = canaries.gh_hook
    world.key = canaries.key
    with world:
        text = world.config_path.read_text(encoding="utf-8")
        default_hook = "whsec_" + "A" * 32
        assert text.count(default_hook) == 1, "World writes the suite webhook secret elsewhere"
        text = text.replace(default_hook, canaries.suite_hook)
        world.config_path.write_text(text, encoding="utf-8")
        for value in (canaries.gh_client, canaries.gh_hook, canaries.suite_client):
            assert value in text, "a canary did not reach connector.yaml"
        yield world


def _cli(tmp_path: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", VERBOSE, *args], env=dict(env), capture_output=True, text=True,
        timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip


def _database_dump(world: World) -> list[tuple[str, str]]:
    """Every text of the database: each table of the schema, row by row, and the file's
    own ``.dump`` (which covers tables the schema does not name)."""
    url = world.database_url()
    engine = create_engine(url)
    seen: list[tuple[str, str]] = []
    try:
        present = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= present, set(metadata.tables) - present
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = conn.execute(select(table)).all()
                text = "\n".join(" | ".join(str(v) for v in row) for row in rows)
                seen.append((f"table {table.name}", text))
    finally:
        engine.dispose()
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as raw:
        seen.append(("sqlite .dump", "\n".join(raw.iterdump())))
    return seen


def test_no_canary_secret_leaks_from_a_whole_integration(
    tmp_path: Path, canaries: Canaries
) -> None:
    started = time.monotonic()
    outputs: list[tuple[str, str]] = []
    recorder = Recorder()
    with _world(tmp_path / "world", canaries) as world:
        port = _port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, KEY_ENV: canaries.key, TOKEN_ENV: canaries.admin}
        config = ["--config", str(world.config_path)]
        out, err = tmp_path / "serve.out", tmp_path / "serve.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            serve = subprocess.Popen(
                [sys.executable, "-c", VERBOSE, "serve", "--port", str(port), *config],
                env=env, stdout=stdout, stderr=stderr, start_new_session=True, cwd=tmp_path,
            )  # fmt: skip
        http = httpx.Client(base_url=url, event_hooks={"response": [recorder]}, timeout=10)

        def served() -> str:
            return err.read_text(encoding="utf-8", errors="replace")

        def up() -> bool:
            try:
                return http.get("/healthz").status_code == 200
            except httpx.TransportError:
                return False

        try:
            _until(up, "connector serve to answer", timeout=20)

            def cli(name: str, *args: str) -> subprocess.CompletedProcess[str]:
                run = _cli(tmp_path, env, *args, *config)
                outputs.append((f"{name} stdout", run.stdout))
                outputs.append((f"{name} stderr", run.stderr))
                return run

            registered = cli("register", "register", TENANT, "--url", url)
            assert registered.returncode == 0, registered.stderr
            world.greenhouse.register_webhook(f"{url}/hooks/{TENANT}/greenhouse", world.hook_secret)

            # the integration: a job opened, a candidate moved and invited, the interview
            # recorded and rated, the note back in Greenhouse, the widget shown
            scenario = Scenario(world, url)
            for step in (scenario.job, scenario.invitation, scenario.completed, scenario.rated):
                assert step(), step.__name__
            application = scenario.found["application"]
            widget = http.get(scenario.widget_url("candidate_interview", application))
            assert widget.status_code == 200, widget.text

            synced = cli("sync", "sync", TENANT, "--full")
            assert synced.returncode == 0, synced.stdout + synced.stderr

            # Greenhouse fails: 500s while the worker fetches a changed job ...
            job = scenario.found["job"]
            world.greenhouse.set_faults(error_rate=1.0)
            world.greenhouse.update_job(job, name="Product Designer (faulty)")
            _until(lambda: "-> 50" in served(), "a 5xx from Greenhouse in the serve log")
            world.greenhouse.set_faults()
            # ... then 401s: its tokens expired and Connector's credential no longer taken
            world.greenhouse.add_client(greenhouse_simulator.CLIENT[0], "rotated-elsewhere")
            world.greenhouse.expire_tokens()
            refused = cli("sync refused", "sync", TENANT)
            assert refused.returncode != 0, refused.stdout + refused.stderr
            world.greenhouse.update_job(job, name="Product Designer (refused)")
            _until(lambda: "WARNING connector.worker" in served(), "the worker's failure logged")

            # requests Connector refuses, and the pages around it
            body = json.dumps({"action": "job_created", "payload": {"job": {"id": job}}}).encode()
            forged = hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
            hook = http.post(f"/hooks/{TENANT}/greenhouse", content=body,
                             headers={"Signature": f"sha256 {forged}", "Greenhouse-Event-ID": "x-1"})  # fmt: skip
            assert hook.status_code == 401, hook.text
            suite_hook = http.post(f"/hooks/{TENANT}/suite", content=b'{"type": "x"}', headers={
                "webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1," + base64.b64encode(b"0" * 32).decode()})  # fmt: skip
            assert suite_hook.status_code == 401, suite_hook.text
            embed = f"/embed/{TENANT}/candidate_interview/{application}"
            assert http.get(embed, params={"token": "not-a-token"}).status_code >= 400
            stranger = EmbedTokens.from_secret(b"another key").issue(
                TENANT, "candidate_interview", str(application)
            )
            assert http.get(embed, params={"token": stranger}).status_code >= 400
            assert http.get("/admin").status_code in (401, 403)
            assert http.get("/admin", params={"token": "wrong"}).status_code in (401, 403)
            admin = http.get("/admin", headers={"Authorization": f"Bearer {canaries.admin}"})
            assert admin.status_code == 200, admin.text
            assert http.get("/metrics").status_code == 200
            assert http.get("/readyz").status_code == 200
        finally:
            http.close()
            serve.terminate()
            try:
                serve.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
                serve.wait(timeout=15)
        outputs.append(("serve stdout", out.read_text(encoding="utf-8", errors="replace")))
        outputs.append(("serve stderr", served()))
        # the logging really was verbose, and the run really got tokens
        assert "DEBUG connector.http" in served(), served()[-2000:]
        issued = {
            **{f"gh access token {n}": t for n, t in enumerate(world.greenhouse.auth.tokens)},
            **{f"suite access token {n}": t for n, t in enumerate(world.suite.tokens.access)},
            **{f"suite refresh token {n}": t for n, t in enumerate(world.suite.tokens.refresh)},
            # the suite makes the secret of a subscription and Connector keeps it
            **{f"suite subscription secret {n}": str(subscription["secret"])
               for n, subscription in enumerate(world.company.webhooks.values())},
        }  # fmt: skip
        assert any(label.startswith("gh") for label in issued), issued
        assert any(label.startswith("suite access") for label in issued), issued
        assert any(label.startswith("suite subscription") for label in issued), issued
        stored = _database_dump(world)

    assert any("tokens" in where and text for where, text in stored), "no stored tokens"
    watched = {**canaries.values(), **issued}
    found = [
        leak
        for where, text in [*outputs, *recorder.seen, *stored]
        for leak in leaks(where, text, watched)
    ]
    assert found == [], found
    # and the scan bites: a canary a child process prints is found
    planted = subprocess.run(
        [sys.executable, "-c", "import sys; print('secret:', sys.argv[1], file=sys.stderr)",
         canaries.gh_client],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert leaks("child stderr", planted.stderr, watched) == ["gh client_secret in child stderr"]
    assert len(recorder.seen) >= 10
    assert time.monotonic() - started < 30
