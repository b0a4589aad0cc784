"""Every strategy family names the same set of ``type``s in each of the places that declare one.

A family (auth, pagination, signature) is chosen by ``type:`` in a spec, and a type is
declared in five places: the schema's ``type`` enum, one ``if``/``then`` branch of the
family's ``allOf``, the branch's own definition (``$defs/<family>_<type>``), a dataclass
in the model union, and a class in the runtime registry. Adding a strategy is one
runtime module plus its test; this test then says what else is missing, e.g.::

    auth type 'hawk' is missing from: the schema's type enum (add 'hawk' to
    $defs/auth/properties/type/enum in schemas/common.schema.json); ...; the model
    union (add a dataclass with `type: Literal['hawk']` to engine.dsl.model.auth.Auth
    and export it from engine.dsl.model)
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from engine.client.auth import AUTH
from engine.client.paginators import PAGINATORS
from engine.dsl import model
from engine.dsl.build import variant_type
from engine.dsl.schemas import schema_def
from engine.web.signatures import VERIFIERS

SCHEMA_FILE = "common"


@dataclass(frozen=True)
class Family:
    """One strategy family: its schema definition, model union and runtime registry."""

    name: str  # the $defs entry, also the prefix of each variant's definition
    union: Any
    union_name: str
    registry: Mapping[str, type]
    registry_name: str


FAMILIES = [
    Family("auth", model.Auth, "engine.dsl.model.auth.Auth", AUTH, "engine.client.auth.AUTH"),
    Family(
        "pagination",
        model.Pagination,
        "engine.dsl.model.pagination.Pagination",
        PAGINATORS,
        "engine.client.paginators.PAGINATORS",
    ),
    Family(
        "signature",
        model.Signature,
        "engine.dsl.model.signatures.Signature",
        VERIFIERS,
        "engine.web.signatures.VERIFIERS",
    ),
]


def _const(definition: Mapping[str, Any]) -> str | None:
    value = definition.get("properties", {}).get("type", {}).get("const")
    return value if isinstance(value, str) else None


def _branch(branch: Mapping[str, Any]) -> tuple[str | None, str]:
    """An ``allOf`` item -> (the ``type`` its ``if`` tests, the ``$defs`` name its ``then`` uses)."""
    tested = _const(branch.get("if", {}))
    ref = str(branch.get("then", {}).get("$ref", ""))
    return tested, ref.rsplit("/", 1)[-1] if ref.startswith("#/$defs/") else ""


def _model_types(union: Any) -> dict[str, type]:
    members = (m for m in typing.get_args(union) if m is not type(None))
    return {t: m for m in members if (t := variant_type(m)) is not None}


def places(family: Family) -> dict[str, tuple[set[str], str]]:
    """Where a type is declared -> (the types declared there, how to add one there)."""
    where = f"schemas/{SCHEMA_FILE}.schema.json"
    definition = schema_def(f"{SCHEMA_FILE}:{family.name}")
    defs = {
        name: body
        for name, body in schema_def(f"{SCHEMA_FILE}:").get("$defs", {}).items()
        if name.startswith(f"{family.name}_") and _const(body) is not None
    }
    enum = set(definition.get("properties", {}).get("type", {}).get("enum", []))
    tested = {t for t, _ in map(_branch, definition.get("allOf", [])) if t is not None}
    return {
        "the schema's type enum": (
            enum,
            f"add {{t!r}} to $defs/{family.name}/properties/type/enum in {where}",
        ),
        "the schema's if/then branches": (
            tested,
            f"add an if/then item for {{t!r}} to $defs/{family.name}/allOf in {where}",
        ),
        "the schema's variant definitions": (
            {str(_const(body)) for body in defs.values()},
            f"add $defs/{family.name}_{{t}} with properties.type.const {{t!r}} in {where}",
        ),
        "the model union": (
            set(_model_types(family.union)),
            f"add a dataclass with `type: Literal[{{t!r}}]` to {family.union_name} "
            "and export it from engine.dsl.model",
        ),
        "the runtime registry": (
            set(family.registry),
            f"register a class with `type = {{t!r}}` in {family.registry_name}",
        ),
    }


def missing(family: str, declared: Mapping[str, tuple[set[str], str]]) -> list[str]:
    """One line per type that some place lacks: which places, and what to add in each."""
    every = set().union(*(types for types, _ in declared.values()))
    lines = []
    for t in sorted(every):
        gaps = [
            f"{place} ({hint.format(t=t)})"
            for place, (types, hint) in declared.items()
            if t not in types
        ]
        if gaps:
            lines.append(f"{family} type {t!r} is missing from: " + "; ".join(gaps))
    return lines


def mismatched(family: Family) -> list[str]:
    """Each branch's ``then`` must use the definition its model class names (``SCHEMA_DEF``),
    and that definition's ``type`` must be the one the branch tests."""
    definition = schema_def(f"{SCHEMA_FILE}:{family.name}")
    classes = _model_types(family.union)
    lines = []
    for tested, target in map(_branch, definition.get("allOf", [])):
        if tested is None:
            lines.append(f"{family.name}: an allOf item whose if tests no type const")
            continue
        body = schema_def(f"{SCHEMA_FILE}:").get("$defs", {}).get(target)
        if body is None or _const(body) != tested:
            lines.append(
                f"{family.name} type {tested!r}: its branch uses $defs/{target or '?'}, "
                f"which does not declare type const {tested!r}"
            )
        cls = classes.get(tested)
        named = getattr(cls, "SCHEMA_DEF", None)
        if cls is not None and named != f"{SCHEMA_FILE}:{target}":
            lines.append(
                f"{family.name} type {tested!r}: the schema branch uses {SCHEMA_FILE}:{target} "
                f"but {cls.__qualname__}.SCHEMA_DEF is {named!r}"
            )
    return lines


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_every_place_names_the_same_types(family: Family) -> None:
    declared = places(family)
    assert all(types for types, _ in declared.values()), f"{family.name}: a place declares none"
    gaps = missing(family.name, declared)
    assert not gaps, "\n".join(gaps)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_each_branch_uses_its_model_class_definition(family: Family) -> None:
    problems = mismatched(family)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_each_registered_class_answers_to_its_key(family: Family) -> None:
    wrong = {
        key: cls.__qualname__
        for key, cls in family.registry.items()
        if getattr(cls, "type", None) != key
    }
    assert not wrong, f"{family.registry_name}: classes registered under another type: {wrong}"


def test_a_gap_says_what_is_missing_where() -> None:
    declared = {
        "the schema's type enum": ({"basic", "hawk"}, "add {t!r} to the enum"),
        "the model union": ({"basic"}, "add a dataclass for {t!r}"),
        "the runtime registry": ({"basic"}, "register {t!r}"),
    }
    assert missing("auth", declared) == [
        "auth type 'hawk' is missing from: the model union (add a dataclass for 'hawk'); "
        "the runtime registry (register 'hawk')"
    ]
