"""``connector demo --check``: the README's first command, headless, in CI."""

from __future__ import annotations

import subprocess
import sys


def test_demo_check_passes_every_step() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", "demo", "--check"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stdout + run.stderr
    assert lines[-1] == "demo: 6/6 steps passed"
    assert sum(line.strip().startswith("ok ") for line in lines) == 6


def test_demo_stays_up_and_every_url_it_prints_answers() -> None:
    import re
    import signal

    import httpx

    demo = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        printed = []
        for line in demo.stdout:
            printed.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(printed)
        urls = dict(re.findall(r"^  ([^:]+): (http://\S+)", text, re.M))
        assert {"the job's questions widget", "the candidate's interview widget",
                "the job's quick-setup link", "the admin page"} <= set(urls), text  # fmt: skip
        for name, url in urls.items():
            answer = httpx.get(url)
            assert answer.status_code in (200, 302, 303), (name, answer.status_code)
        assert "Video interview" in httpx.get(urls["the job's questions widget"]).text
        page, token = urls["the admin page"].split("?token=")
        admin = httpx.get(page, headers={"Authorization": f"Bearer {token}"})
        assert admin.status_code == 200 and "Tenant acme" in admin.text
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)  # reads the rest and closes the pipe


def test_the_engine_finds_the_demo_through_its_entry_point() -> None:
    from engine.commands.demo import load_demo
    from simulators.demo import run

    assert load_demo() is run
