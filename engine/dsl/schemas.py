"""The JSON Schemas in ``schemas/``: the single source of truth of the spec language."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from engine.dsl.document import Document
from engine.paths import SCHEMA_DIR

KINDS = ("ats", "deployment", "suite")


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """``name`` is ``ats``, ``suite``, ``deployment`` or ``common``."""
    path: Path = SCHEMA_DIR / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _registry() -> Registry:
    resources = [
        (load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in (*KINDS, "common")
    ]
    return Registry().with_resources(resources)


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(kind), registry=_registry())


def schema_def(ref: str) -> Mapping[str, Any]:
    """``'common:endpoint'`` is the ``endpoint`` definition; ``'ats:'`` the root."""
    file, _, name = ref.partition(":")
    schema = load_schema(file)
    return schema if not name else schema["$defs"][name]


def schema_errors(doc: Document, kind: str) -> Iterator[ValidationError]:
    """Every schema error, outermost first, so the first error on a line is the cause."""
    errors = validator(kind).iter_errors(doc.data)
    yield from sorted(errors, key=lambda e: (doc.position(tuple(e.absolute_path)), e.message))
