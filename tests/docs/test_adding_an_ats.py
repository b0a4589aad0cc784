"""docs/adding-an-ats.md, followed as written: its sandbox, its spec blocks in order
(a new file, then each ``add to`` merged in), its edit of connector.yaml, and each
``$ connector`` line run where the page runs it, its shown output checked.

An output line of the page is checked as a prefix of an output line of the command, up
to a ``…``; lines after a ``$`` line without a ``…`` must appear as they are.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs.sandbox import sandbox

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "adding-an-ats.md"
CONNECTOR = Path(sys.executable).with_name("connector")
BLOCK = re.compile(r"^```(yaml|console)\n(.*?)^```", flags=re.M | re.S)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _steps() -> list[tuple[str, str]]:
    """The page's blocks in order: ("yaml", text) and ("console", text)."""
    return [(kind, text) for kind, text in BLOCK.findall(PAGE.read_text(encoding="utf-8"))]


def _commands(console: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ connector`` line of a console block and the output lines shown after it."""
    out: list[tuple[list[str], list[str]]] = []
    for line in console.splitlines():
        if line.startswith("$ "):
            words = shlex.split(line[2:])
            out.append((words[1:], []) if words[0] == "connector" else ([], []))
        elif out and out[-1][0]:
            out[-1][1].append(line)
    return [(args, shown) for args, shown in out if args]


def _shown_in(shown: list[str], printed: str) -> None:
    lines = printed.splitlines()
    for expected in shown:
        head = expected.split("…")[0].rstrip() if "…" in expected else expected
        assert any(line.startswith(head) for line in lines), (expected, printed)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """The page's step 0: the simulators as the sandbox, until the test ends."""
    with sandbox(tmp_path / "sandbox", "--ats", "greenhouse", "--jobs", "2",
                 "--applications-per-job", "2"):  # fmt: skip
        yield tmp_path / "sandbox"


def test_the_page_uses_each_tool_it_promises() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for tool in ("connector lint", "examples:", "connector plan", "connector record",
                 "connector replay", "spec-reference.md", "simulators/registry.py"):  # fmt: skip
        assert tool in text, tool


def test_following_the_page_builds_a_working_spec(folder: Path) -> None:
    spec_path = folder / "mappings" / "ats" / "harvest.yaml"
    spec_path.parent.mkdir(parents=True)
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": (folder / "key").read_text().strip()}
    spec: dict[str, Any] = {}
    ran: list[str] = []
    for kind, text in _steps():
        if kind == "yaml":
            first = text.splitlines()[0]
            if first == "# mappings/ats/harvest.yaml":
                spec = yaml.safe_load(text)
            elif first == "# add to mappings/ats/harvest.yaml":
                spec = _merge(spec, yaml.safe_load(text))
            spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
            continue
        for args, shown in _commands(text):
            if args[:2] == ["lint", "connector.yaml"]:  # step 2 has the tenant use the spec
                config = folder / "connector.yaml"
                text = config.read_text().replace("ats: greenhouse", "ats: harvest")
                config.write_text(text.replace("setup: ideal", "setup: static"))
            done = subprocess.run(
                [str(CONNECTOR), *args], cwd=folder, env=env,
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, (
                f"connector {shlex.join(args)}:\n{done.stdout}{done.stderr}"
            )
            assert "Traceback" not in done.stderr, done.stderr
            _shown_in(shown, done.stdout + done.stderr)
            ran.append(args[0])
    assert {"lint", "db", "plan", "record", "replay"} <= set(ran), ran
    assert {"webhooks", "polling", "embeds"} <= set(spec)
    assert len([f for f in spec["sync"].values() if f.get("examples")]) >= 4
