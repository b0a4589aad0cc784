"""The two little languages inside a spec, each compiled once when the spec loads.

* ``Expr``: JMESPath over data, with Connector's conversion functions::

      Expr.compile("join_name(first_name, last_name)").search({"first_name": "Ada", ...})

* ``Template``: a Jinja string, rendered in an immutable sandbox with strict
  undefined variables, so a typo fails loudly instead of sending an empty value::

      Template.compile("Bearer {{ secrets.token }}").render(secrets={"token": "t"})
"""

from __future__ import annotations

import base64
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2
import jmespath
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.dsl.functions import FUNCTION_NAMES, OPTIONS


class ExpressionError(ValueError):
    """An expression or template that does not compile. ``rule`` names the lint rule."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Expr:
    source: str
    parsed: Any = field(repr=False, compare=False)

    @classmethod
    def compile(cls, source: str) -> Expr:
        try:
            parsed = jmespath.compile(source)
        except jmespath.exceptions.JMESPathError as exc:
            raise ExpressionError(_parse_message(source, exc), "jmespath") from None
        unknown = sorted(_called_functions(parsed.parsed) - FUNCTION_NAMES)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(FUNCTION_NAMES), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "see the README for the functions"
            raise ExpressionError(
                f"unknown function {unknown[0]!r} in {source!r}; {hint}", "jmespath"
            )
        return cls(source, parsed)

    def search(self, data: Any) -> Any:
        return self.parsed.search(data, options=OPTIONS)


def _parse_message(source: str, exc: Exception) -> str:
    position = getattr(exc, "lex_position", None)
    where = f" at column {position + 1}" if isinstance(position, int) else ""
    if isinstance(exc, jmespath.exceptions.LexerError):
        reason = exc.message[0].lower() + exc.message[1:]
    elif isinstance(exc, jmespath.exceptions.IncompleteExpressionError):
        reason = "the expression is incomplete"
    elif str(getattr(exc, "token_type", "")).lower() == "eof":
        reason = "the expression ends too early"
    elif getattr(exc, "token_value", None) is not None:
        reason = f"unexpected {exc.token_value!r}"  # type: ignore[attr-defined]
    else:
        reason = str(exc)
    hint = ""
    if "-" in source and "unknown token '-'" in reason:
        hint = '; quote names with dashes, as in headers."x-request-id"'
    return f"invalid JMESPath {source!r}{where}: {reason}{hint}"


def _called_functions(ast: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    stack = [ast]
    while stack:
        node = stack.pop()
        if node.get("type") == "function_expression":
            found.add(node["value"])
        stack.extend(c for c in node.get("children", ()) if isinstance(c, dict))
    return found


_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)
# a credential some APIs want base64-wrapped in a header: "Basic {{ (key ~ ':') | b64encode }}"
_ENV.filters["b64encode"] = lambda value: base64.b64encode(str(value).encode()).decode()
_MARKUP = re.compile(r"{{|{%|{#")


@dataclass(frozen=True)
class Template:
    """A parsed template. ``variables`` and ``secrets`` are what it reads.

    Parsing happens at load time, so syntax errors surface there. Turning the parse
    tree into Python code waits for the first render and is shared by every template
    with the same source, which keeps loading many specs fast.
    """

    source: str
    ast: nodes.Template | None = field(repr=False, compare=False)
    variables: frozenset[str] = frozenset()
    secrets: frozenset[str] = frozenset()

    @classmethod
    def compile(cls, source: str) -> Template:
        if not _MARKUP.search(source):
            return cls(source, None)  # a plain string renders to itself, for free
        try:
            ast = _ENV.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ExpressionError(f"invalid template {source!r}: {exc.message}", "jinja") from None
        if any(ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
            raise ExpressionError(
                f"invalid template {source!r}: a spec's templates cannot include, import or "
                "extend other templates",
                "jinja",
            )
        variables = frozenset(meta.find_undeclared_variables(ast))
        return cls(source, ast, variables, _secret_names(ast))

    @property
    def is_literal(self) -> bool:
        return self.ast is None

    def render(self, **context: Any) -> str:
        if self.ast is None:
            return self.source
        return _code(self.source).render(**context)


@lru_cache(maxsize=4096)
def _code(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def _secret_names(ast: nodes.Template) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        base = getattr(node, "node", None)
        if not (isinstance(base, nodes.Name) and base.name == "secrets"):
            continue
        if isinstance(node, nodes.Getattr):
            names.add(node.attr)
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                names.add(arg.value)
    return frozenset(names)


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^([0-9]+)(ms|s|m|h|d)$")


class Duration(float):
    """Seconds, written in a spec as ``500ms``, ``30s``, ``15m``, ``1h`` or ``7d``."""

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text)
        if not match:
            raise ValueError(f"invalid duration {text!r}; write e.g. '30s', '15m' or '1h'")
        return cls(int(match.group(1)) * _UNITS[match.group(2)])
