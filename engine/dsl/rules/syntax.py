"""A file that is not valid YAML, or whose root is not a mapping."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    yield from (d for d in ctx.doc.errors if d.rule == "yaml")
    if not ctx.doc.errors and not isinstance(ctx.data, dict):
        yield ctx.at((), "a spec must be a YAML mapping of keys to values", "yaml")


RULE = Rule("yaml", "invalid YAML syntax", check)
