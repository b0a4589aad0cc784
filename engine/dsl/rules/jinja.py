"""A template that does not parse, or reads a variable its place does not provide."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.built is None:
        return
    for problem in ctx.built.problems:
        if problem.rule == "jinja":
            yield ctx.at(problem.path, problem.message, "jinja")
    for path, template, allowed in ctx.built.templates:
        for name in sorted(template.variables - allowed):
            hint = did_you_mean(name, allowed) or f"; available here: {sorted(allowed)}"
            yield ctx.at(
                path,
                f"template {template.source!r} uses undefined variable {name!r}{hint}",
                "jinja",
            )


RULE = Rule("jinja", "a template that does not parse or uses an undefined variable", check)
