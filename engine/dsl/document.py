"""Read a YAML spec into plain data while keeping the source position of every value.

``yaml.safe_load`` loses positions and silently keeps the last of two equal keys, so
a spec is composed into a node tree first and built from that by hand::

    doc = parse_document("mappings/ats/x.yaml", text)
    doc.data["connection"]["base_url"]          # 'https://api.example.com'
    doc.position(("connection", "base_url"))    # Mark(line=4, col=13)

Scalars are constructed by PyYAML's safe constructor, so only plain data comes out
(no Python objects, ever). One deliberate difference from ``safe_load``: timestamps
stay strings. Specs are JSON-shaped data checked by JSON Schema, and a date in an
example record must compare equal to the string an API would send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.dsl.diagnostics import Diagnostic, Mark

Path = tuple[str | int, ...]

_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_IGNORE = re.compile(r"#\s*lint:\s*ignore=([\w,\- ]+)")


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml if built


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader without the timestamp resolver (see module docstring)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Document:
    """A parsed spec file: its data, where each value sits, and its inline ignores."""

    path: str
    text: str
    data: Any = None
    marks: dict[Path, Mark] = field(default_factory=dict)
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    ignores: dict[int, frozenset[str]] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)

    def position(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of the value at ``path`` (or of its key), else of the nearest parent."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        probe = path
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), Mark(1, 1))

    def diagnostic(
        self, path: Path, message: str, rule: str, *, key: bool = False, severity: str = "error"
    ) -> Diagnostic:
        mark = self.position(path, key=key)
        return Diagnostic(self.path, mark.line, mark.col, message, rule, severity)

    def ignored(self, diag: Diagnostic) -> bool:
        return diag.rule in self.ignores.get(diag.line, frozenset())


def parse_document(path: str, text: str) -> Document:
    """Parse ``text``; YAML syntax errors and duplicate keys land in ``doc.errors``."""
    doc = Document(path=path, text=text, ignores=_scan_ignores(text))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        doc.errors.append(_syntax_error(path, text, exc))
        return doc
    if node is None:
        doc.data = None
        return doc
    builder = _Builder(doc)
    doc.data = builder.build(node, ())
    return doc


def _syntax_error(path: str, text: str, exc: yaml.YAMLError) -> Diagnostic:
    """Point at what the writer must fix: an unclosed construct's start, a tab."""
    problem = str(getattr(exc, "problem", None) or exc)
    context = getattr(exc, "context", None)
    if context:
        context = context.removeprefix("while scanning ").removeprefix("while parsing ")
    mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    if "end of stream" in problem and context_mark is not None:
        mark = context_mark  # the unclosed quote or bracket, not the end of the file
        problem = f"{context} that is never closed"
    elif mark is not None and "cannot start any token" in problem:
        lines = text.splitlines()
        if mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
            problem = "a tab character; YAML indents with spaces only"
    elif context:
        problem = f"{problem} in {context}"
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Diagnostic(path, line, col, f"invalid YAML: {problem}", "yaml")


def _scan_ignores(text: str) -> dict[int, frozenset[str]]:
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE.search(line)
        if match:
            found[number] = frozenset(r.strip() for r in match.group(1).split(",") if r.strip())
    return found


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.constructor = _Loader("")
        self.open: set[int] = set()  # the collections being built, to catch `&a [*a]`

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.doc.marks.setdefault(path, _mark(node))
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag not in _PLAIN_TAGS:
                self._tag_error(node, path)
                return None
            if id(node) in self.open:
                message = "an alias inside the node it names; specs hold no cycles"
                self.doc.errors.append(self.doc.diagnostic(path, message, "yaml"))
                return None
            self.open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self.open.discard(id(node))
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._tag_error(node, path)
            return None

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: Path) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]

    def _tag_error(self, node: yaml.Node, path: Path) -> None:
        self.doc.errors.append(
            self.doc.diagnostic(
                path, f"unsupported YAML tag {node.tag!r}; specs hold plain data", "yaml"
            )
        )

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        try:
            self.constructor.flatten_mapping(node)  # resolves `<<` merge keys like safe_load
        except yaml.constructor.ConstructorError as exc:
            self.doc.errors.append(
                self.doc.diagnostic(path, f"invalid merge: {exc.problem}", "yaml")
            )
            return {}
        # flatten_mapping puts merged pairs first; explicit keys override them.
        merged = node.value[: len(node.value) - explicit]
        out: dict[Any, Any] = {}
        first_seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value[len(merged) :]:
            if not isinstance(key_node, yaml.ScalarNode):
                self.doc.errors.append(
                    self.doc.diagnostic(path, "mapping keys must be plain scalars", "yaml")
                )
                continue
            key = self.constructor.construct_object(key_node)
            key_mark = _mark(key_node)
            if key in first_seen:
                first = first_seen[key]
                self.doc.errors.append(
                    Diagnostic(
                        self.doc.path,
                        key_mark.line,
                        key_mark.col,
                        f"duplicate key {key!r}, first defined at line {first.line}, "
                        f"col {first.col}",
                        "duplicate-key",
                    )
                )
                continue
            first_seen[key] = key_mark
            child = (*path, key)
            self.doc.key_marks[child] = key_mark
            out[key] = self.build(value_node, child)
        for key_node, value_node in merged:
            key = self.constructor.construct_object(key_node)
            if key not in out:
                out[key] = self.build(value_node, (*path, key))
        return out


def walk(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) pair in plain data, depth first, parents before children."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))
