"""The schema is the source of truth: the runtime classes must have exactly its keys,
and agree on which values are JMESPath, templates and durations."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest

from engine.dsl import model, spec
from engine.dsl.build import hints, spec_key
from engine.dsl.expressions import Duration, Expr, Template
from engine.dsl.schemas import load_schema, schema_def

CLASSES = [
    cls
    for module in (model, spec)
    for cls in vars(module).values()
    if dataclasses.is_dataclass(cls) and hasattr(cls, "SCHEMA_DEF")
]
KIND_OF_REF = {"jmespath": Expr, "template": Template, "duration": Duration}


def _ref_kind(prop: dict[str, Any]) -> type | None:
    """The expression kind of a property: its $ref, or the one kind all of its anyOf
    branches agree on (a template, or a list of templates)."""
    if "anyOf" in prop:
        kinds = {_ref_kind(b.get("items", b)) for b in prop["anyOf"] if isinstance(b, dict)}
        return kinds.pop() if len(kinds) == 1 else None
    ref = prop.get("$ref", "")
    return KIND_OF_REF.get(ref.rsplit("/", 1)[-1]) if "#/$defs/" in ref else None


def _leaf_types(hint: Any) -> set[Any]:
    args = typing.get_args(hint)
    if not args or typing.get_origin(hint) is typing.Literal:
        return {hint}
    return {leaf for arg in args for leaf in _leaf_types(arg)}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_class_fields_equal_schema_properties(cls: type) -> None:
    definition = schema_def(cls.SCHEMA_DEF)  # type: ignore[attr-defined]
    fields = {spec_key(f) for f in dataclasses.fields(cls)}
    assert fields == set(definition["properties"])


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_expression_kinds_agree(cls: type) -> None:
    definition = schema_def(cls.SCHEMA_DEF)  # type: ignore[attr-defined]
    for f in dataclasses.fields(cls):
        prop = definition["properties"][spec_key(f)]
        items = prop.get("additionalProperties") or prop.get("items")
        kind = _ref_kind(prop) or (_ref_kind(items) if isinstance(items, dict) else None)
        leaves = _leaf_types(hints(cls)[f.name])
        for candidate in KIND_OF_REF.values():
            assert (candidate in leaves) == (kind is candidate), (
                f"{cls.__name__}.{f.name}: schema says {kind}, class says {leaves}"
            )


def test_every_object_definition_has_a_class() -> None:
    covered = {cls.SCHEMA_DEF for cls in CLASSES}
    for file in ("common", "ats", "suite", "deployment"):
        for name, definition in load_schema(file).get("$defs", {}).items():
            if "properties" in definition and "allOf" not in definition:
                assert f"{file}:{name}" in covered, f"{file}:{name} has no runtime class"
