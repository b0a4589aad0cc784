"""Turn validated spec data into the frozen runtime objects of ``model`` and ``spec``.

One generic builder driven by the dataclasses' type hints, rather than a factory
method per class: adding a field to the schema and its dataclass is the whole change.
Expressions and templates are compiled here, once; what does not compile is collected
as a positioned problem for lint instead of raising at the first one.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from engine.dsl.document import Path
from engine.dsl.expressions import Duration, Expr, ExpressionError, Template
from engine.dsl.model import CONNECTION_VARS
from engine.dsl.spec import ROOTS, Spec


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    rule: str


@dataclass
class Built:
    """The outcome of a build: the spec (when nothing failed) and what it contains."""

    spec: Spec | None = None
    problems: list[Problem] = field(default_factory=list)
    templates: list[tuple[Path, Template, frozenset[str]]] = field(default_factory=list)
    exprs: list[tuple[Path, Expr]] = field(default_factory=list)


class _Broken(Exception):
    """A value the schema already reported; the build stops without a spec."""


def build(kind: str, data: Mapping[str, Any]) -> Built:
    out = Built()
    builder = _Builder(out)
    try:
        spec = builder.instance(ROOTS[kind], data, ())
    except _Broken:
        return out
    # With problems the spec is partial (broken expressions are None): lint rules still
    # check it so one typo does not hide the rest, but it never reaches the runtime.
    out.spec = typing.cast(Spec, spec)
    return out


@cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def spec_key(f: dataclasses.Field[Any]) -> str:
    return typing.cast(str, f.metadata.get("key", f.name))


def variant_type(cls: type) -> str | None:
    """The ``type`` a union member answers to, from its ``Literal`` annotation."""
    hint = hints(cls).get("type")
    return typing.cast(str, get_args(hint)[0]) if get_origin(hint) is Literal else None


class _Builder:
    def __init__(self, out: Built) -> None:
        self.out = out
        self.earlier: frozenset[str] = frozenset()  # names a chained item's templates may read

    def instance(self, cls: type, data: Mapping[str, Any], path: Path) -> Any:
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = spec_key(f)
            if name in data:
                allowed = f.metadata.get("vars", CONNECTION_VARS)
                if "vars" in f.metadata:
                    allowed = allowed | self.earlier
                kwargs[f.name] = self.value(hints(cls)[f.name], data[name], (*path, name), allowed)
        return cls(**kwargs)

    def value(self, hint: Any, value: Any, path: Path, allowed: frozenset[str]) -> Any:
        origin = get_origin(hint)
        if hint is Any:
            return copy.deepcopy(value)
        if origin in (Union, types.UnionType):
            return self.union(get_args(hint), value, path, allowed)
        if origin is Literal or hint in (str, int, bool):
            return value
        if hint is float:
            return float(value)
        if hint is Expr:
            return self.expr(value, path)
        if hint is Template:
            return self.template(value, path, allowed)
        if hint is Duration:
            return Duration.parse(value)
        if dataclasses.is_dataclass(hint):
            return self.instance(typing.cast(type, hint), value, path)
        if origin is tuple:
            item = get_args(hint)[0]
            return tuple(self.value(item, v, (*path, i), allowed) for i, v in enumerate(value))
        if origin is Mapping:
            item = get_args(hint)[1]
            if getattr(item, "SEES_EARLIER", False):
                return self.chained(item, value, path)
            return types.MappingProxyType(
                {k: self.value(item, v, (*path, k), allowed) for k, v in value.items()}
            )
        raise TypeError(f"no builder for {hint!r} at {path}")  # a model bug, not user input

    def chained(self, item: type, value: Mapping[str, Any], path: Path) -> Any:
        """Items built in order, each free to read the values of the ones before it."""
        out: dict[str, Any] = {}
        outer = self.earlier
        try:
            for k, v in value.items():
                self.earlier = outer | frozenset(out)
                out[k] = self.instance(item, v, (*path, k))
        finally:
            self.earlier = outer
        return types.MappingProxyType(out)

    def union(
        self, members: tuple[Any, ...], value: Any, path: Path, allowed: frozenset[str]
    ) -> Any:
        if value is None and type(None) in members:
            return None
        members = tuple(m for m in members if m is not type(None))
        if len(members) == 1:
            return self.value(members[0], value, path, allowed)
        if isinstance(value, list):  # a value or a list of them: the list's member
            listed = next((m for m in members if get_origin(m) is tuple), None)
            if listed is not None:
                return self.value(listed, value, path, allowed)
        if isinstance(value, str) and Template in members:
            return self.template(value, path, allowed)
        if isinstance(value, Mapping):
            for member in members:
                if variant_type(member) == value.get("type"):
                    return self.instance(member, value, path)
        if all(get_origin(m) is Literal or m in (str, int, bool, float) for m in members):
            return value
        raise _Broken  # the schema already reported this

    def expr(self, source: str, path: Path) -> Expr | None:
        try:
            compiled = Expr.compile(source)
        except ExpressionError as exc:
            self.out.problems.append(Problem(path, str(exc), exc.rule))
            return None
        self.out.exprs.append((path, compiled))
        return compiled

    def template(self, source: str, path: Path, allowed: frozenset[str]) -> Template | None:
        try:
            compiled = Template.compile(source)
        except ExpressionError as exc:
            self.out.problems.append(Problem(path, str(exc), exc.rule))
            return None
        self.out.templates.append((path, compiled, allowed))
        return compiled
