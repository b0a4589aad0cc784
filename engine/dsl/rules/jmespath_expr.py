"""A JMESPath expression that does not compile or calls an unknown function."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.built is None:
        return
    for problem in ctx.built.problems:
        if problem.rule == "jmespath":
            yield ctx.at(problem.path, problem.message, "jmespath")


RULE = Rule("jmespath", "a JMESPath expression that does not compile", check)
