"""Two equal keys in one mapping; YAML loaders would silently keep only the last."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    yield from (d for d in ctx.doc.errors if d.rule == "duplicate-key")


RULE = Rule("duplicate-key", "a key defined twice in one mapping", check)
