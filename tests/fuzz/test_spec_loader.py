"""Arbitrary text through ``lint_text``: a diagnostic with a line and a rule for anything
wrong, never an exception, and a spec for every text that lints without errors."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dsl.lint import Result, lint_text
from engine.dsl.loader import load_suite
from engine.dsl.schemas import KINDS
from engine.dsl.spec import SuiteSpec
from engine.paths import MAPPINGS_DIR

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
ATS_SPECS = sorted((MAPPINGS_DIR / "ats").glob("*.yaml"))
JUNK = ["", "~", "[", "{", "]", ": :", "- -", "&a", "*nope", "!!python/object:os.system", "\t",
        "'", '"', "{{ secrets.nope }}", "kind: ats", "<<: *a", "? x", "%YAML 1.1", "---",
        "...", "\x85", "\ufeff", "\u2028"]  # fmt: skip


@functools.cache
def suite() -> SuiteSpec:
    return load_suite()


@functools.cache
def shipped(path: Path) -> tuple[str, Any, list[tuple[Any, ...]]]:
    """The spec's text, its data, and the path of every node in it."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return text, data, _node_paths(data)


def check(result: Result) -> None:
    for diagnostic in result.diagnostics:
        assert diagnostic.line >= 1 and diagnostic.col >= 1, diagnostic
        assert diagnostic.rule, diagnostic
        assert diagnostic.severity in ("error", "warning", "info"), diagnostic
    if not result.errors:
        assert result.spec is not None, result.diagnostics


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["ats", "suite", "deployment", "{{ x }}", "5m", "GET", "/jobs", "body.id"]),
)
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["kind", "name", "title", "setups", "secrets", "connection", "resources",
                     "sync", "webhooks", "auth", "type", "endpoints", "fields", "route"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=150)
@given(st.binary(max_size=400), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_random_bytes_decoded_never_crash_lint(raw: bytes, encoding: str) -> None:
    check(lint_text("fuzz.yaml", raw.decode(encoding, "replace")))


@settings(max_examples=150)
@given(values, st.one_of(st.none(), st.sampled_from(sorted(KINDS))))
def test_yaml_documents_never_crash_lint(data: Any, kind: str | None) -> None:
    if kind is not None:
        data = {"kind": kind, **data} if isinstance(data, dict) else {"kind": kind, "x": data}
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True)
    check(lint_text("fuzz.yaml", text))
    check(lint_text("fuzz.yaml", text, suite=suite()))


def _node_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _node_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _node_paths(value, (*path, i))
    return found


def _mutate(data: Any, path: tuple[Any, ...], how: str, junk: Any) -> Any:
    """``data`` with the node at ``path`` deleted, replaced, or given a junk sibling key."""
    if not path:
        return junk if how == "replace" else data
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = junk
    elif isinstance(parent, dict):
        parent[f"junk_{len(parent)}"] = junk
    else:
        parent.insert(last, junk)
    return data


@settings(max_examples=60)
@given(st.sampled_from(ATS_SPECS), st.data())
def test_mutated_shipped_specs_never_crash_lint(path: Path, data: st.DataObject) -> None:
    _, parsed, nodes = shipped(path)
    tree = copy.deepcopy(parsed)
    where = data.draw(st.sampled_from(nodes), label="node")
    how = data.draw(st.sampled_from(["delete", "replace", "insert"]), label="how")
    junk = data.draw(values, label="junk")
    mutated = yaml.dump(
        _mutate(tree, where, how, junk), Dumper=DUMPER, sort_keys=False, allow_unicode=True
    )
    check(lint_text(path.name, mutated, suite=suite()))


@settings(max_examples=60)
@given(st.sampled_from(ATS_SPECS), st.data())
def test_shipped_spec_text_with_junk_never_crashes_lint(path: Path, data: st.DataObject) -> None:
    lines = shipped(path)[0].splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines)), label="line")
    junk = data.draw(st.sampled_from(JUNK) | st.text(max_size=30), label="junk")
    indent = data.draw(st.sampled_from(["", "  ", "    ", "      "]), label="indent")
    if data.draw(st.booleans(), label="replace the line"):
        lines[at : at + 1] = [indent + junk + "\n"]
    else:
        lines.insert(at, indent + junk + "\n")
    check(lint_text(path.name, "".join(lines), suite=suite()))


def test_a_recursive_alias_is_a_diagnostic() -> None:
    """`&a [*a]` once recursed until Python gave up; it is a YAML error at its line."""
    result = lint_text("fuzz.yaml", "kind: ats\nname: x\nloop: &a [1, *a]\n")
    assert result.spec is None
    assert [(d.line, d.rule) for d in result.errors if d.rule == "yaml"] == [(3, "yaml")]
