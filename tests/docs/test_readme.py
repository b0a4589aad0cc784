"""The README's examples are real: its minimal spec and its connector.yaml lint clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.dsl.lint import lint_paths

ROOT = Path(__file__).resolve().parents[2]
CONNECTOR = Path(sys.executable).with_name("connector")  # the console script a user runs
README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && connector demo\n"
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest -n auto\n"
)


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def _yaml_block(title: str, kind: str) -> str:
    blocks: list[str] = re.findall(r"```yaml\n(.*?)```", _section(title), flags=re.S)
    found = [b for b in blocks if re.search(rf"^kind: {kind}$", b, flags=re.M)]
    assert len(found) == 1, f"README section {title!r} should hold one `kind: {kind}` block"
    return found[0]


def _placeholders(text: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    names = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
    values = {name: f"placeholder-{name.lower()}" for name in names}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _lint(path: Path) -> list[str]:
    return [str(d) for r in lint_paths([path]) for d in r.diagnostics if d.severity == "error"]


def test_minimal_spec_lints_clean(tmp_path: Path) -> None:
    spec = tmp_path / "mappings" / "ats" / "myats.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(_yaml_block("Writing a spec", "ats"), encoding="utf-8")
    assert _lint(spec) == []


def test_minimal_spec_has_what_a_spec_needs() -> None:
    text = _yaml_block("Writing a spec", "ats")
    for key in ("title", "setups", "secrets", "connection", "resources", "sync"):
        assert re.search(rf"^{key}:", text, flags=re.M), key


def test_deployment_example_lints_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _yaml_block("Running it", "deployment")
    assert _placeholders(text, monkeypatch), "the example should show secrets as ${ENV}"
    config = tmp_path / "connector.yaml"
    config.write_text(text, encoding="utf-8")
    assert _lint(config) == []


def test_deployment_example_shows_what_a_real_tenant_needs() -> None:
    text = _yaml_block("Running it", "deployment")
    for pattern in (r"^  public_url: https://", r"^    frame_origins: \[", r"^    setup: "):
        assert re.search(pattern, text, flags=re.M), pattern
    assert re.search(r"^server:$", text, flags=re.M)


def test_connector_lint_accepts_both_examples(tmp_path: Path) -> None:
    spec = tmp_path / "myats.yaml"
    spec.write_text(_yaml_block("Writing a spec", "ats"), encoding="utf-8")
    config = tmp_path / "connector.yaml"
    text = _yaml_block("Running it", "deployment")
    config.write_text(text, encoding="utf-8")
    env = dict(os.environ)
    env.update({n: f"placeholder-{n.lower()}" for n in re.findall(r"\$\{([A-Z0-9_]+)\}", text)})
    out = subprocess.run(
        [str(CONNECTOR), "lint", str(spec), str(config)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 error(s)" in out.stderr


def test_quick_start_commands_are_unchanged() -> None:
    assert f"```bash\n{QUICK_START}```" in _section("Quick start")


def test_readme_links_every_doc() -> None:
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{page.name})" in README, page.name
