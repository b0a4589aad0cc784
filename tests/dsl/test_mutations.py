"""Lint mutation: each shipped ATS spec, broken in one place at a time, is reported at
the line of the break, by the rule that owns it.

The four breaks an integrator makes most: an unknown key, a value of the wrong type, a
JMESPath that does not parse, and a role the suite does not declare. Each is made in the
spec's own text (found through the YAML node positions), so every new spec is covered
by shipping it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from engine.dsl.diagnostics import Diagnostic
from engine.dsl.lint import lint_text
from engine.dsl.loader import load_catalog
from engine.paths import MAPPINGS_DIR

SPECS = sorted((MAPPINGS_DIR / "ats").glob("*.yaml"))


@dataclass(frozen=True)
class Break:
    text: str
    line: int  # 1-based, where lint must point
    rule: str
    says: str


def _node(root: yaml.Node, *path: str | int) -> tuple[yaml.Node, yaml.Node]:
    """The (key, value) nodes at ``path`` in a composed mapping; int steps pick the n-th
    entry of a mapping."""
    key: yaml.Node = root
    node = root
    for step in path:
        assert isinstance(node, yaml.MappingNode), (path, step)
        entries = node.value
        if isinstance(step, int):
            key, node = entries[step]
        else:
            key, node = next((k, v) for k, v in entries if k.value == step)
    return key, node


def _replace_line(lines: list[str], index: int, old: str, new: str) -> str:
    assert old in lines[index], (lines[index], old)
    lines[index] = lines[index].replace(old, new, 1)
    return "".join(lines)


def unknown_key(text: str, root: yaml.Node) -> Break:
    """A key the schema does not know, inside the first resource."""
    _, resource = _node(root, "resources", 0)
    first_key, _ = resource.value[0]
    line, indent = first_key.start_mark.line, first_key.start_mark.column
    lines = text.splitlines(keepends=True)
    lines.insert(line, " " * indent + "colour: blue\n")
    return Break("".join(lines), line + 1, "unknown-key", "colour")


def wrong_type(text: str, root: yaml.Node) -> Break:
    """``setups`` as a string, where a list is wanted."""
    key, value = _node(root, "setups")
    lines = text.splitlines(keepends=True)
    start, end = value.start_mark, value.end_mark
    assert start.line == end.line, "setups on one line"
    row = lines[start.line]
    lines[start.line] = row[: start.column] + "ideal" + row[end.column :]
    return Break("".join(lines), key.start_mark.line + 1, "schema", "array")


def broken_jmespath(text: str, root: yaml.Node) -> Break:
    """The first mapped field of the first flow, with its closing parenthesis lost."""
    _, fields = _node(root, "sync", 0, "fields")
    _, value = fields.value[0]
    broken = "trim(name"
    lines = text.splitlines(keepends=True)
    row = lines[value.start_mark.line]
    cut = row[: value.start_mark.column] + f'"{broken}"'
    lines[value.start_mark.line] = cut + row[value.end_mark.column :]
    return Break("".join(lines), value.start_mark.line + 1, "jmespath", "JMESPath")


def undeclared_role(text: str, root: yaml.Node) -> Break:
    """A role map that converts to a suite role the suite does not declare."""
    suite_roles = set(load_catalog().suite.roles)
    for _, flow in _node(root, "sync")[1].value:
        roles = next((v for k, v in flow.value if k.value == "roles"), None)
        if roles is None:
            continue
        _, mapping = next((k, v) for k, v in roles.value if k.value == "map")
        _, target = next((k, v) for k, v in mapping.value if v.value in suite_roles)
        lines = text.splitlines(keepends=True)
        row = lines[target.start_mark.line]
        new = row[: target.start_mark.column] + "wizard" + row[target.end_mark.column :]
        lines[target.start_mark.line] = new
        return Break("".join(lines), target.start_mark.line + 1, "suite-value", "'wizard'")
    raise AssertionError("the spec converts no roles")


BREAKS: dict[str, Callable[[str, yaml.Node], Break]] = {
    "unknown-key": unknown_key,
    "wrong-type": wrong_type,
    "broken-jmespath": broken_jmespath,
    "undeclared-role": undeclared_role,
}


def _lint(path: Path, text: str) -> list[Diagnostic]:
    catalog = load_catalog()
    result = lint_text(str(path), text, suite=catalog.suite, mappings_dir=MAPPINGS_DIR)
    return result.errors


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_the_shipped_spec_lints_clean(spec: Path) -> None:
    assert _lint(spec, spec.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("make", BREAKS.values(), ids=list(BREAKS))
@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_a_break_is_reported_at_its_line(
    spec: Path, make: Callable[[str, yaml.Node], Break]
) -> None:
    text = spec.read_text(encoding="utf-8")
    root = yaml.compose(text)
    assert root is not None
    broken = make(text, root)
    errors = _lint(spec, broken.text)
    assert errors, f"{spec.name}: the break went unreported"
    hits = [e for e in errors if e.line == broken.line and e.rule == broken.rule]
    assert hits, f"{spec.name}: wanted [{broken.rule}] at line {broken.line}, got {errors}"
    assert any(broken.says in e.message for e in hits), hits
