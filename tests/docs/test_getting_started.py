"""The road of docs/getting-started.md, its commands run as written, against the simulators.

`python -m simulators DIR` stands in for a real ATS and suite: it writes a connector.yaml
joining them (the part `connector init` and the secrets would make); this test gives
it a `server.public_url` and then runs each documented `connector` line that ends
(not `init`, which has tests of its own, nor the long-running `serve`).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.sandbox import sandbox

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
CONNECTOR = Path(sys.executable).with_name("connector")
PUBLIC = "https://connector.example.com"
NOT_RUN = ("init", "serve")


def _steps() -> list[list[str]]:
    lines = re.findall(r"^\$ connector (.+)$", PAGE.read_text(encoding="utf-8"), flags=re.M)
    return [shlex.split(line) for line in lines if line.split()[0] not in NOT_RUN]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    """The simulators with a few open jobs, until the test ends; never left running."""
    with sandbox(tmp_path, "--jobs", "2", "--applications-per-job", "2"):
        config = tmp_path / "connector.yaml"
        config.write_text(config.read_text() + f"server:\n  public_url: {PUBLIC}\n")
        yield tmp_path


def test_the_page_has_the_steps() -> None:
    names = [step[0] for step in _steps()]
    for name in ("lint", "db", "plan", "sync", "register", "embed-url", "links-url"):
        assert name in names, name


def test_each_documented_command_runs(world: Path) -> None:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": (world / "key").read_text().strip()}
    outputs = {}
    for step in _steps():
        done = subprocess.run(
            [str(CONNECTOR), *step], cwd=world, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"connector {shlex.join(step)}:\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        outputs[step[0]] = done.stdout
    assert outputs["register"].startswith(f"acme: the suite now sends its events to {PUBLIC}/")
    assert outputs["embed-url"].startswith(f"{PUBLIC}/embed/acme/candidate_interview/4012?token=")
    assert outputs["links-url"] == f"{PUBLIC}/links/acme/job/{{id}}\n"
