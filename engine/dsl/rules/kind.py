"""A file without a known ``kind``, so no schema can check it."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.schemas import KINDS


def check(ctx: Context) -> Iterator[Diagnostic]:
    if not isinstance(ctx.data, dict) or ctx.kind is not None:
        return
    kind = ctx.data.get("kind")
    if kind is None:
        yield ctx.at((), f"missing 'kind'; expected one of {list(KINDS)}", "kind")
    else:
        hint = did_you_mean(str(kind), KINDS)
        yield ctx.at(("kind",), f"unknown kind {kind!r}{hint} (valid: {list(KINDS)})", "kind")


RULE = Rule("kind", "a missing or unknown kind", check)
