"""``connector lint`` as a user runs it: shipped mappings, formats, folders, ignores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import MAPPINGS_DIR, PROJECT_ROOT


def test_shipped_mappings_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(MAPPINGS_DIR)]) == 0
    assert capsys.readouterr().out == ""


def test_every_shipped_file_lints_clean_alone() -> None:
    for path in sorted(MAPPINGS_DIR.rglob("*.yaml")):
        assert main(["lint", str(path)]) == 0, path


def test_console_script_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ats\nname: x\n")
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", "lint", str(bad)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout.startswith(f"{bad}:1:1: missing required key 'connection' at the top level")
    assert "error(s)" in run.stderr


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: suitee\n")
    assert main(["lint", "--format", "json", str(bad)]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item == {
        "path": str(bad),
        "line": 1,
        "col": 7,
        "rule": "kind",
        "severity": "error",
        "message": "unknown kind 'suitee'; did you mean 'suite'? (valid: ['ats', 'deployment', 'suite'])",
    }


def test_folders_are_walked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text("kind: nope\n")
    (tmp_path / "two.yml").write_text("kind: nope\n")
    (tmp_path / "notes.txt").write_text("kind: nope\n")
    assert main(["lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "one.yaml:1:7" in out and "two.yml:1:7" in out and "notes.txt" not in out


def test_ignore_comment_silences_one_rule_on_one_line(tmp_path: Path) -> None:
    text = (MAPPINGS_DIR / "ats" / "greenhouse.yaml").read_text()
    noisy = text.replace("interval: 15m", "interval: 30s")
    quiet = text.replace("interval: 15m", "interval: 30s  # lint: ignore=polling-interval")
    other = text.replace("interval: 15m", "interval: 30s  # lint: ignore=schema")
    for name, body, code in (("noisy", noisy, 1), ("quiet", quiet, 0), ("other", other, 1)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(body)
        assert main(["lint", str(path)]) == code, name


def test_unreadable_file_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read file" in capsys.readouterr().out


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--rules"]) == 0
    assert "unknown-key" in capsys.readouterr().out
