"""The spec reference, generated from the JSON Schemas in ``schemas/``.

``python -m engine.dsl.reference > docs/spec-reference.md`` regenerates the committed
page; a test fails when it drifts from the schemas. Each root (``kind: ats``, ``suite``,
``deployment``) lists its properties by path; each definition it uses gets a section of
its own with the paths where it appears, and a ``type:``-keyed union (auth, pagination,
signature) lists its variants, one section each::

    - **`connection.auth`**: [auth](#common-auth), required. How every request authenticates.
      Example: `{"type": "bearer", "token": "{{ secrets.token }}"}`
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.dsl.schemas import load_schema

ROOTS = ("ats", "suite", "deployment")
MAX_USES = 8  # paths listed under a definition before "and N more"

Node = Mapping[str, Any]
DefKey = tuple[str, str]  # (schema file, definition name)


def _resolve(ref: str, file: str) -> DefKey:
    """``#/$defs/x`` in ``file``, or ``common.schema.json#/$defs/x``."""
    target, _, pointer = ref.partition("#")
    name = target.removesuffix(".schema.json") if target else file
    return name, pointer.removeprefix("/$defs/")


def _anchor(key: DefKey) -> str:
    return f"{key[0]}-{key[1]}".replace("_", "-")


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    ticks = "``" if "`" in text else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _variants(node: Node, file: str) -> Iterator[tuple[str, DefKey]]:
    """The ``type:`` variants of a discriminated union: (type value, definition)."""
    for branch in node.get("allOf", ()):
        const = branch.get("if", {}).get("properties", {}).get("type", {}).get("const")
        ref = branch.get("then", {}).get("$ref")
        if const is not None and ref:
            yield str(const), _resolve(ref, file)


def _type(node: Node, file: str) -> str:
    if "$ref" in node:
        key = _resolve(node["$ref"], file)
        return f"[{key[1]}](#{_anchor(key)})"
    if "const" in node:
        return f"constant {_code(node['const'])}"
    if isinstance(node.get("anyOf"), list):
        return " or ".join(_type(branch, file) for branch in node["anyOf"])
    kind = node.get("type")
    if kind == "array" and isinstance(node.get("items"), Mapping):
        return f"list of {_type(node['items'], file)}"
    values = node.get("additionalProperties")
    if kind == "object" and isinstance(values, Mapping) and values:
        return f"map of {_type(values, file)}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if "enum" in node:
        return "string" if all(isinstance(v, str) for v in node["enum"]) else "value"
    return str(kind or "any")


def _allowed(node: Node) -> list[Any]:
    """The values allowed: of the node, or of each item or map value it holds."""
    if "enum" in node:
        return list(node["enum"])
    for inner in (node.get("items"), node.get("additionalProperties")):
        if isinstance(inner, Mapping) and "enum" in inner:
            return list(inner["enum"])
    return []


def _limits(node: Node) -> list[str]:
    words = {
        "minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
        "minLength": "length at least", "maxLength": "length at most",
        "minItems": "items at least", "minProperties": "entries at least",
        "pattern": "matches",
    }  # fmt: skip
    return [f"{word} {_code(node[key])}" for key, word in words.items() if key in node]


def _entry(path: str, node: Node, file: str, required: bool) -> list[str]:
    head = f"- **{_code(path)}**: {_type(node, file)}"
    notes = ["required"] if required else []
    if "default" in node:
        notes.append(f"default {_code(node['default'])}")
    notes += _limits(node)
    lines = [head + (", " + ", ".join(notes) if notes else "") + f". {node.get('description', '')}"]
    allowed = _allowed(node)
    if allowed:
        lines.append("  Allowed: " + ", ".join(_code(v) for v in allowed) + ".")
    for example in node.get("examples", ())[:2]:
        lines.append(f"  Example: {_code(example)}")
    return [line.rstrip() for line in lines]


def _properties(node: Node, file: str, prefix: str) -> Iterator[str]:
    """Every property of an object, inline sub-objects walked by path."""
    required = set(node.get("required", ()))
    for name, prop in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield from _entry(path, prop, file, name in required)
        yield from _properties(prop, file, f"{path}.")
        values = prop.get("additionalProperties")
        if isinstance(values, Mapping) and "properties" in values:
            yield from _properties(values, file, f"{path}.<name>.")
        items = prop.get("items")
        if isinstance(items, Mapping) and "properties" in items:
            yield from _properties(items, file, f"{path}[].")


@dataclass
class _Uses:
    """Where each definition appears, walking from the roots."""

    paths: dict[DefKey, list[str]] = field(default_factory=dict)

    def walk(self, node: Any, file: str, path: str, stack: tuple[DefKey, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        if "$ref" in node:
            self._enter(_resolve(node["$ref"], file), path, stack)
        for value, key in _variants(node, file):
            self._enter(key, f"{path} (type: {value})", stack)
        for name, prop in node.get("properties", {}).items():
            self.walk(prop, file, f"{path}.{name}" if path else name, stack)
        self.walk(node.get("additionalProperties"), file, f"{path}.<name>", stack)
        self.walk(node.get("items"), file, f"{path}[]", stack)
        for branch in node.get("anyOf", ()):
            self.walk(branch, file, path, stack)

    def _enter(self, key: DefKey, path: str, stack: tuple[DefKey, ...]) -> None:
        uses = self.paths.setdefault(key, [])
        if path not in uses:
            uses.append(path)
        if key not in stack:
            self.walk(load_schema(key[0])["$defs"][key[1]], key[0], path, (*stack, key))


def _definition(key: DefKey, uses: list[str]) -> Iterator[str]:
    file, name = key
    node = load_schema(file)["$defs"][name]
    yield f'<a id="{_anchor(key)}"></a>'
    yield ""
    yield f"### {name} ({file})"
    yield ""
    yield f"{node.get('description', '')} Type: {_type(node, file)}."
    yield ""
    shown = ", ".join(_code(p) for p in uses[:MAX_USES])
    more = f" and {len(uses) - MAX_USES} more" if len(uses) > MAX_USES else ""
    yield f"Appears at: {shown}{more}."
    yield ""
    variants = list(_variants(node, file))
    if variants:
        yield "Variants, chosen by `type`:"
        yield ""
        for value, target in variants:
            yield f"- `type: {value}`: [{target[1]}](#{_anchor(target)})"
        yield ""
    extra = [*_limits(node), *(f"allowed {_code(v)}" for v in _allowed(node))]
    if extra:
        yield "Constraints: " + ", ".join(extra) + "."
        yield ""
    lines = list(_properties(node, file, ""))
    values = node.get("additionalProperties")
    if isinstance(values, Mapping) and "properties" in values:
        lines += _properties(values, file, "<name>.")
    if lines:
        yield from lines
        yield ""
    for example in node.get("examples", ())[:1]:
        yield f"Example: {_code(example)}"
        yield ""


def reference() -> str:
    """The whole reference page as Markdown."""
    out = [
        "# Spec reference",
        "",
        "<!-- Generated from schemas/*.schema.json by engine/dsl/reference.py; do not edit.",
        "     Regenerate: python -m engine.dsl.reference > docs/spec-reference.md -->",
        "",
        "Every property of the spec language, by path: its type, whether it is required,",
        "its default, what it means, an example and its allowed values. `<name>` stands",
        "for a key you choose (a resource, a flow, a tenant); `[]` for an item of a list.",
        "Editors read the same schemas through `# yaml-language-server: $schema=…`.",
        "",
    ]
    uses = _Uses()
    for kind in ROOTS:
        root = load_schema(kind)
        uses.walk(root, kind, "", ())
        out += [
            f"## {root.get('title', kind)} (`kind: {kind}`)",
            "",
            root.get("description", ""),
            "",
        ]
        out += [*_properties(root, kind, ""), ""]
    out += ["## Definitions", "", "Shared parts, in the order of their schema file and name.", ""]
    for key in sorted(uses.paths):
        out += _definition(key, uses.paths[key])
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
