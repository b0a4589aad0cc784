"""Golden lint tests: every ``cases/err/X.yaml`` prints exactly ``X.out`` and exits 1;
every ``cases/ok/X.yaml`` lints clean. ``UPDATE_GOLDEN=1 pytest`` rewrites the .out
files; review the diff before committing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.cli import main
from engine.dsl.lint import lint_paths

CASES = Path(__file__).parent / "cases"
ERR = sorted((CASES / "err").glob("*.yaml"))
OK = sorted((CASES / "ok").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _variables_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cases lint as deployments whose ${ENV} variables are set (an unset one warns)."""
    for case in (*ERR, *OK):
        for name in re.findall(r"\$\{(\w+)\}", case.read_text(encoding="utf-8")):
            monkeypatch.setenv(name, "set")


def rendered(path: Path) -> str:
    lines = [str(d) for r in lint_paths([path]) for d in r.diagnostics]
    return "".join(line.replace(str(path), path.name) + "\n" for line in lines)


@pytest.mark.parametrize("case", ERR, ids=lambda p: p.stem)
def test_error_case_prints_its_golden_output(case: Path) -> None:
    expected_file = case.with_suffix(".out")
    actual = rendered(case)
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.is_file(), f"{case.name} has no .out file"
    assert actual == expected_file.read_text(encoding="utf-8")
    assert main(["lint", str(case)]) == 1


@pytest.mark.parametrize("case", OK, ids=lambda p: p.stem)
def test_ok_case_lints_clean(case: Path) -> None:
    assert rendered(case) == ""
    assert main(["lint", str(case)]) == 0


def test_there_are_at_least_thirty_distinct_error_cases() -> None:
    assert len(ERR) >= 30
    outputs = {case.with_suffix(".out").read_text(encoding="utf-8") for case in ERR}
    assert len(outputs) == len(ERR), "two error cases print the same thing"


def test_every_rule_has_an_error_case() -> None:
    from engine.dsl.rules import RULES

    seen = {
        line.rsplit("[", 1)[1].split("]")[0].split(",")[0]
        for case in ERR
        for line in case.with_suffix(".out").read_text(encoding="utf-8").splitlines()
    }
    assert {rule.name for rule in RULES} - seen == set()
