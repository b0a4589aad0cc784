"""``connector demo`` as a user runs it: headless in CI, staying up with every widget and
the lines that point the CLI at its folder, and stopped by SIGINT or SIGTERM.

Every demo runs in a process group of its own that the test kills in a ``finally``, so
a failing or timed-out test never leaves a demo (or anything it started) behind; and on
Linux it gets a parent-death signal, so that even a killed pytest takes it along.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from engine.dsl.loader import load_catalog
from simulators.registry import SIMULATORS

# PR_SET_PDEATHSIG (1) is kept across exec: the demo is SIGKILLed when pytest dies
ORPHAN_GUARD = (
    [sys.executable, "-c", "import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, "
     "signal.SIGKILL); os.execvp(sys.argv[1], sys.argv[1:])"]
    if sys.platform == "linux" else []
)  # fmt: skip
DEMO = [*ORPHAN_GUARD, sys.executable, "-m", "engine.cli", "demo"]
CLI = [sys.executable, "-m", "engine.cli"]
READY = "Press Ctrl-C to stop."
STARTUP_TIMEOUT = 120.0


def _group_members(group: int) -> list[int]:
    """The live processes of a process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


def _kill_group(process: subprocess.Popen[str], grace: float = 15.0) -> None:
    """Stop the demo as a user would (SIGTERM: it removes its folder), then SIGKILL its
    whole group, whatever is left of it; a no-op once all is gone. Reaps the demo."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


def _drain(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@dataclass
class RunningDemo:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]
    printed: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.printed)

    def read_until(self, marker: str | None, timeout: float) -> str:
        """What the demo printed until a line holding ``marker`` (None: until it closes)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {marker!r} within {timeout}s; printed:\n{self.text}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                if marker is None:
                    return self.text
                raise AssertionError(f"the demo ended before {marker!r}:\n{self.text}")
            self.printed.append(line)
            if marker is not None and marker in line:
                return self.text

    def urls(self) -> dict[str, str]:
        return dict(re.findall(r"^  ([^:]+): (http://\S+)", self.text, re.M))

    def exports(self) -> dict[str, str]:
        found = re.findall(r"^  export (\w+)=(.+)$", self.text, re.M)
        return {name: shlex.split(value)[0] for name, value in found}

    def folder(self) -> Path:
        match = re.search(r"\(data in (.+)\)$", self.text, re.M)
        assert match, self.text
        return Path(match.group(1))


@contextlib.contextmanager
def running_demo(*, ignore_sigint: bool = False) -> Iterator[RunningDemo]:
    """``connector demo`` up and showing its URLs; with ``ignore_sigint`` started as a
    non-interactive shell starts a background job, with SIGINT ignored."""
    shell = ["sh", "-c", 'trap "" INT; exec "$@"', "sh"] if ignore_sigint else []
    command = [*ORPHAN_GUARD, *shell, *DEMO[len(ORPHAN_GUARD) :]]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True)
    try:
        reader.start()
        demo = RunningDemo(process, lines)
        demo.read_until(READY, STARTUP_TIMEOUT)
        yield demo
    finally:
        _kill_group(process)
        reader.join(timeout=10)  # at the end of the output, once the group is gone
        process.stdout.close()


def _demo_check(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*DEMO, "--check", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def _passed_every_step(process: subprocess.Popen[str]) -> None:
    try:
        out, err = process.communicate(timeout=180)
    finally:
        _kill_group(process)
    lines = out.strip().splitlines()
    assert process.returncode == 0, out + err
    assert lines[-1] == "demo: 6/6 steps passed"
    assert sum(line.strip().startswith("ok ") for line in lines) == 6


def test_demo_check_passes_every_step() -> None:
    _passed_every_step(_demo_check())


def test_the_demo_plays_against_every_other_shipped_ats() -> None:
    """``connector demo --ats NAME``; the demos run side by side, as they share nothing."""
    others = [ats.name for ats in SIMULATORS[1:]]
    processes = {name: _demo_check("--ats", name) for name in others}
    try:
        for process in processes.values():
            _passed_every_step(process)
    finally:
        for process in processes.values():
            _kill_group(process)


def test_an_unknown_ats_is_refused_with_the_shipped_ones() -> None:
    run = subprocess.run([*DEMO, "--check", "--ats", "nope"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert run.returncode == 2
    assert "no ATS simulator 'nope'" in run.stderr and "greenhouse" in run.stderr


def test_demo_prints_every_widget_of_the_spec_and_every_url_answers() -> None:
    widgets = load_catalog().ats["greenhouse"].embeds
    with running_demo() as demo:
        urls = demo.urls()
        labels = {f"the {embed.entity}'s {name} widget" for name, embed in widgets.items()}
        assert labels | {"the job's quick-setup link", "the admin page"} <= set(urls), demo.text
        assert len(labels) == 3
        for name, url in urls.items():
            answer = httpx.get(url)
            assert answer.status_code in (200, 302, 303), (name, answer.status_code)
        assert "Video interview" in httpx.get(urls["the job's job_questions widget"]).text
        invite = httpx.get(urls["the application's candidate_invite widget"]).text
        assert "Ada" in invite, invite
        page, token = urls["the admin page"].split("?token=")
        admin = httpx.get(page, headers={"Authorization": f"Bearer {token}"})
        assert admin.status_code == 200 and "Tenant acme" in admin.text


def test_the_cli_works_on_a_running_demo_with_the_lines_it_prints() -> None:
    with running_demo() as demo:
        exports = demo.exports()
        assert set(exports) == {"CONNECTOR_CONFIG", "CONNECTOR_ENCRYPTION_KEY"}, demo.text
        assert Path(exports["CONNECTOR_CONFIG"]).parent == demo.folder()
        # from an empty folder, as a user in another shell: only the printed lines count
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
        env.update(exports)
        cwd = demo.folder().parent

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env,
                                  cwd=cwd, timeout=60, check=False)  # fmt: skip

        links = cli("links", "acme")
        assert links.returncode == 0, links.stderr
        job_id = re.search(r"/embed/acme/job_questions/(\d+)\?", demo.text)
        assert job_id and re.search(rf"^job\s+{job_id.group(1)}\s+prj_", links.stdout, re.M)
        assert re.search(r"^application\s+\d+\s+inv_", links.stdout, re.M), links.stdout
        inbox = cli("inbox", "list")
        assert inbox.returncode == 0 and " done " in inbox.stdout, inbox.stdout + inbox.stderr
        # the key is the demo's: a URL signed by the CLI opens in the demo's server
        engine_url = demo.urls()["the admin page"].split("/admin")[0]
        signed = cli("embed-url", "acme", "job_questions", job_id.group(1), "--base", engine_url)
        assert signed.returncode == 0, signed.stderr
        assert "Video interview" in httpx.get(signed.stdout.strip()).text


@pytest.mark.parametrize(
    ("signum", "ignore_sigint"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True),
     (signal.SIGTERM, True)],
    ids=["sigint", "sigterm", "sigint-while-ignored-at-start", "sigterm-while-sigint-ignored"],
)  # fmt: skip
def test_a_signal_stops_the_demo_and_removes_its_folder(
    signum: signal.Signals, ignore_sigint: bool
) -> None:
    with running_demo(ignore_sigint=ignore_sigint) as demo:
        folder = demo.folder()
        assert folder.is_dir()
        demo.process.send_signal(signum)
        demo.process.wait(timeout=30)
        text = demo.read_until(None, 10)
        assert demo.process.returncode == 0, text
        assert text.rstrip().endswith("demo: 6/6 steps passed"), text
        assert f"demo: stopping ({signum.name})" in text
        assert not folder.exists(), f"{folder} left behind"
        assert _group_members(demo.process.pid) == []


def test_a_signal_during_the_scenario_still_removes_the_folder() -> None:
    process = subprocess.Popen(
        DEMO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        _kill_group(process)
    match = re.search(r"\(data in (.+)\)$", first)
    assert match, first + rest
    assert process.returncode == 128 + signal.SIGTERM, first + rest
    assert "demo: stopped by SIGTERM" in rest
    assert not Path(match.group(1)).exists()


def test_the_engine_finds_the_demo_through_its_entry_point() -> None:
    from engine.commands.demo import load_demo
    from simulators.demo import run

    assert load_demo() is run
