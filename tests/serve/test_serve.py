"""``connector serve --https`` as a process: self-signed HTTPS, registration, webhooks
processed by the embedded worker; and ``connector inbox``."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.cli import main
from engine.store.inbox import Inbox
from simulators.world import TENANT, World


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[World, str, dict[str, str]]]:
    with World(tmp_path) as world:
        world.runtime()  # creates the database
        port = _port()
        env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
        command = [sys.executable, "-m", "engine.cli", "serve", "--https", "--port", str(port),
                   "--config", str(world.config_path)]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stderr=subprocess.DEVNULL, start_new_session=True
        )
        url = f"https://127.0.0.1:{port}"
        cert = world.directory / "certs" / "connector-selfsigned.pem"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:  # verified against the certificate serve wrote
                    trusted = ssl.create_default_context(cafile=str(cert))
                    if httpx.get(f"{url}/healthz", verify=trusted).status_code == 200:
                        break
                except (httpx.TransportError, FileNotFoundError, ssl.SSLError):
                    time.sleep(0.1)
            yield world, url, env
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)


def test_serve_registers_and_processes_webhooks_over_https(
    serving: tuple[World, str, dict[str, str]],
) -> None:
    world, url, env = serving
    cert = world.directory / "certs" / "connector-selfsigned.pem"
    trusted = ssl.create_default_context(cafile=str(cert))
    registered = subprocess.run(
        [sys.executable, "-m", "engine.cli", "register", TENANT, "--url", url, "--config", str(world.config_path)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    assert [w["url"] for w in world.company.webhooks.values()] == [f"{url}/hooks/{TENANT}/suite"]

    job = world.greenhouse.create_job(name="Served", status="open")
    raw = json.dumps({"action": "job_created", "payload": {"job": {"id": job["id"]}}}).encode()
    signature = hmac.new(world.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
    answer = httpx.post(f"{url}/hooks/{TENANT}/greenhouse", content=raw, verify=trusted,
                        headers={"Signature": f"sha256 {signature}", "Greenhouse-Event-ID": "s-1"})  # fmt: skip
    assert answer.status_code == 200
    deadline = time.monotonic() + 20
    while not world.company.projects and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p["name"] for p in world.company.projects.values()] == ["Served"]
    # the suite's own project.updated comes back too, and is done as an echo
    deadline = time.monotonic() + 20
    while (
        set(httpx.get(f"{url}/readyz", verify=trusted).json()["inbox"]) != {"done"}
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert set(httpx.get(f"{url}/readyz", verify=trusted).json()["inbox"]) == {"done"}


def test_inbox_lists_and_retries_dead_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with World(tmp_path) as world:
        runtime = world.runtime()
        inbox = Inbox(runtime.engine)
        inbox.add(TENANT, "greenhouse", "e-1", "job_created", {"body": {}}, "ats:job:1")
        [event] = inbox.claim("w")
        for _ in range(8):
            event = (
                next(iter(inbox.claim("w", now=time.time() + 10**6)))
                if event.status == "pending"
                else event
            )
            inbox.failed(event, "the suite was down")
            event = next(inbox.list())
        assert event.status == "dead"
        monkeypatch.setenv("CONNECTOR_ENCRYPTION_KEY", world.key)
        config = ["--config", str(world.config_path)]
        assert main(["inbox", "list", "--status", "dead", *config]) == 0
        assert "the suite was down" in capsys.readouterr().out
        assert main(["inbox", "retry", *config]) == 0
        assert "1 dead event(s) queued again" in capsys.readouterr().out
        assert inbox.depth() == {"pending": 1}


def test_start_up_registers_the_suite_webhooks_when_a_public_url_is_set(tmp_path: Path) -> None:
    from engine.web.app import create_app
    from simulators.serving import LoopbackServer

    with World(tmp_path) as world:
        port = _port()
        text = world.config_path.read_text().replace(
            "tenants:\n", f"server:\n  public_url: http://127.0.0.1:{port}\ntenants:\n", 1
        )
        world.config_path.write_text(text)
        runtime = world.runtime()
        with LoopbackServer(create_app(runtime, worker=False), port=port):
            pass
        assert [w["url"] for w in world.company.webhooks.values()] == [
            f"http://127.0.0.1:{port}/hooks/{TENANT}/suite"
        ]
