"""The container: the image builds and runs where a container engine answers.

Without one (only a client installed, no daemon) the build test skips loudly and the
run ends with a banner saying so. The build context, the Dockerfile and compose.yaml
are checked against each other and the project everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import skip_loudly

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
BUILD_TIMEOUT = 1200  # seconds: a cold build downloads the base image and every wheel
PASSED_ON = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")  # the Dockerfile's build arguments
NEEDED = ("pyproject.toml", "README.md", "engine", "simulators", "schemas", "mappings",
          "ui_templates")  # fmt: skip


def _engine() -> tuple[str, str]:
    """The container engine that answers (docker, else podman), or why none does."""
    reasons = []
    for name in ("docker", "podman"):
        if shutil.which(name) is None:
            reasons.append(f"no {name} client")
            continue
        try:
            info = subprocess.run(
                [name, "info"], capture_output=True, text=True, timeout=30, check=False
            )
        except subprocess.TimeoutExpired:
            reasons.append(f"`{name} info` did not answer in 30 s")
            continue
        if info.returncode == 0:
            return name, ""
        said = (info.stderr.strip() or info.stdout.strip()).splitlines()
        reasons.append(f"`{name} info` failed: {said[-1] if said else info.returncode}")
    return "", "; ".join(reasons)


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def test_image_builds_and_runs_connector() -> None:
    engine, why = _engine()
    if not engine:
        skip_loudly(f"container image NOT built: no container engine answers ({why})")
    tag = f"connector-test:{uuid.uuid4().hex[:8]}"
    build_args = [a for n in PASSED_ON if os.environ.get(n) for a in ("--build-arg", n)]
    try:
        built = _run([engine, "build", "--tag", tag, *build_args, str(ROOT)], BUILD_TIMEOUT)
        assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
        ran = _run([engine, "run", "--rm", tag, "--version"], 120)
        assert ran.returncode == 0, ran.stderr
        assert re.fullmatch(r"connector \d+\.\d+\.\d+\S*\n", ran.stdout), ran.stdout
        user = _run([engine, "run", "--rm", "--entrypoint", "id", tag, "-u"], 120)
        assert user.returncode == 0 and user.stdout.strip() != "0", user.stdout + user.stderr
    finally:
        _run([engine, "image", "rm", "--force", tag], 120)


def _compose() -> tuple[list[str], str]:
    """A compose client (it needs no engine to check a file), or why none answers."""
    reasons = []
    for argv in (["docker", "compose"], ["docker-compose"], ["podman", "compose"]):
        if shutil.which(argv[0]) is None:
            reasons.append(f"no {argv[0]} client")
            continue
        version = _run([*argv, "version"], 30)
        if version.returncode == 0:
            return argv, ""
        said = (version.stderr.strip() or version.stdout.strip()).splitlines()
        reasons.append(f"`{' '.join(argv)} version` failed: {said[0] if said else '?'}")
    return [], "; ".join(reasons)


def test_compose_file_is_valid_where_compose_runs(tmp_path: Path) -> None:
    compose, why = _compose()
    if not compose:
        skip_loudly(f"compose.yaml NOT checked by compose: no compose client answers ({why})")
    env = {**os.environ, "POSTGRES_PASSWORD": "placeholder", "CONNECTOR_ENCRYPTION_KEY": "k"}
    (tmp_path / ".env").write_text("", encoding="utf-8")
    (tmp_path / "connector.yaml").write_text("kind: deployment\n", encoding="utf-8")
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    checked = subprocess.run(
        [*compose, "config", "--quiet"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves ``path`` (or a folder above it) out of the context."""
    parts = path.split("/")
    for pattern in patterns:
        regex = re.escape(pattern.strip("/")).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            return True
    return False


def test_build_context_holds_what_the_wheel_needs() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p.strip() for p in lines if p.strip() and not p.startswith("#")]
    assert not [p for p in patterns if p.startswith("!")], "keep .dockerignore to exclusions"
    tracked = subprocess.run(
        ["git", "ls-files", *NEEDED], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    needed = [p for p in tracked if not p.endswith((".pyc", ".pyo"))]
    assert len(needed) > 50, "git ls-files found too few of the project's files"
    left_out = [p for p in needed if _ignored(p, patterns)]
    assert left_out == [], f".dockerignore leaves out files the wheel needs: {left_out[:10]}"
    for noise in (
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "connector.db",
        "engine/x.pyc",
        ".env",
    ):
        assert _ignored(noise, patterns), noise


def _instruction(name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", DOCKERFILE, re.M)]


def test_dockerfile_serves_as_an_unprivileged_user_with_a_healthcheck() -> None:
    assert _instruction("FROM")[-1] == "python:3.11-slim"
    assert _instruction("USER")[-1] not in ("root", "0")
    assert _instruction("ENTRYPOINT") == ['["connector"]']
    command = _instruction("CMD")[-1]
    assert command.startswith('["serve"'), command
    port = re.search(r'"--port", "(\d+)"', command)
    assert port is not None
    health = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (.+)$", DOCKERFILE, re.M)
    assert health is not None
    assert f"http://127.0.0.1:{port.group(1)}/healthz" in health.group(1)
    assert _instruction("EXPOSE") == [port.group(1)]
    for name in PASSED_ON:
        assert f"ARG {name}" in DOCKERFILE, name


def test_compose_runs_connector_on_postgresql_15() -> None:
    services = COMPOSE["services"]
    assert services["db"]["image"] == "postgres:15"
    connector = services["connector"]
    assert connector["build"] == "."
    assert connector["depends_on"]["db"]["condition"] == "service_healthy"
    env = connector["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://connector:")
    assert env["DATABASE_URL"].endswith("@db:5432/connector")
    assert "CONNECTOR_ENCRYPTION_KEY" in env
    config = env["CONNECTOR_CONFIG"]
    assert f"./connector.yaml:{config}:ro" in connector["volumes"]
    assert f"CONNECTOR_CONFIG={config}" in DOCKERFILE
    port = _instruction("EXPOSE")[0]
    assert any(p.endswith(f":{port}:{port}") for p in connector["ports"])
