"""A flow example whose input does not map to its expected output; shows the diff."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.mapping import MappingError, map_record


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    """A spec's frozen mappings and tuples, as JSON shows them."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def diff(expected: Mapping[str, Any] | None, actual: Mapping[str, Any] | None) -> list[str]:
    """Field-level differences, one short phrase each."""
    if expected is None or actual is None:
        if expected is actual:
            return []
        return [f"expected {_show(expected)}, got {_show(actual)}"]
    parts = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            parts.append(f"missing field {name!r} (expected {_show(expected[name])})")
        elif name not in expected:
            parts.append(f"unexpected field {name!r} = {_show(actual[name])}")
        elif expected[name] != actual[name] or type(expected[name]) is not type(actual[name]):
            parts.append(
                f"field {name!r}: expected {_show(expected[name])}, got {_show(actual[name])}"
            )
    return parts


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None or (ctx.built and ctx.built.problems):
        return  # an expression that did not compile cannot run
    for name, flow in spec.sync.items():
        for i, example in enumerate(flow.examples):
            path = ("sync", name, "examples", i)
            label = f"example {example.name!r}" if example.name else f"example {i + 1}"
            try:
                actual = map_record(flow, example.input, example.refs)
            except MappingError as exc:
                hint = ""
                if exc.field in flow.refs and exc.field not in example.refs:
                    hint = f"; give its id in the example's refs: {{{exc.field}: ...}}"
                yield ctx.at(path, f"{label} of flow {name!r} fails: {exc}{hint}", "example")
                continue
            problems = diff(example.output, actual)
            if problems:
                yield ctx.at(
                    (*path, "output"),
                    f"{label} of flow {name!r} does not produce its output: " + "; ".join(problems),
                    "example",
                )


RULE = Rule("example", "a flow example that does not produce its expected output", check)
