"""Parsing YAML with positions: duplicate keys, safe semantics, inline ignores."""

from __future__ import annotations

from engine.dsl.diagnostics import Mark
from engine.dsl.document import parse_document


def test_every_value_keeps_its_position() -> None:
    doc = parse_document("x.yaml", "a:\n  b:\n    - 1\n    - {c: two}\n")
    assert doc.data == {"a": {"b": [1, {"c": "two"}]}}
    assert doc.position(("a", "b", 1, "c")) == Mark(4, 11)
    assert doc.position(("a", "b", 1, "c"), key=True) == Mark(4, 8)
    assert doc.position(("a", "missing")) == Mark(2, 3)  # nearest parent


def test_duplicate_keys_are_reported_with_the_first_definition() -> None:
    doc = parse_document("x.yaml", "name: a\ntitle: t\nname: b\n")
    [error] = doc.errors
    assert (error.line, error.col, error.rule) == (3, 1, "duplicate-key")
    assert "first defined at line 1, col 1" in error.message
    assert doc.data["name"] == "a"


def test_duplicate_keys_inside_flow_mappings_too() -> None:
    doc = parse_document("x.yaml", "a: {x: 1, x: 2}\n")
    assert [e.rule for e in doc.errors] == ["duplicate-key"]


def test_python_tags_are_refused() -> None:
    doc = parse_document("x.yaml", "a: !!python/object/apply:os.system ['true']\n")
    assert [e.rule for e in doc.errors] == ["yaml"]
    assert doc.errors[0].line == 1


def test_timestamps_stay_strings_and_scalars_follow_safe_load() -> None:
    doc = parse_document("x.yaml", "d: 2024-03-01\nt: 2024-03-01T10:00:00Z\nn: 3\nb: true\nz: ~\n")
    assert doc.data == {
        "d": "2024-03-01",
        "t": "2024-03-01T10:00:00Z",
        "n": 3,
        "b": True,
        "z": None,
    }


def test_merge_keys_and_anchors_work_like_safe_load() -> None:
    doc = parse_document("x.yaml", "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert doc.data["other"] == {"x": 1, "y": 3}


def test_syntax_errors_have_a_position() -> None:
    doc = parse_document("x.yaml", "a: 1\n b: 2\n")
    [error] = doc.errors
    assert error.rule == "yaml" and error.line == 2


def test_inline_ignores_are_read_per_line() -> None:
    doc = parse_document("x.yaml", "a: 1  # lint: ignore=schema, jinja\nb: 2\n")
    assert doc.ignores == {1: frozenset({"schema", "jinja"})}


def test_an_empty_file_has_no_data() -> None:
    assert parse_document("x.yaml", "").data is None
