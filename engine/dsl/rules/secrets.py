"""A template that reads ``secrets.X`` where the spec declares no secret X."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats or ctx.suite_spec
    if spec is None or ctx.built is None:
        return
    declared = spec.secrets
    for path, template, _ in ctx.built.templates:
        for name in sorted(template.secrets - set(declared)):
            hint = did_you_mean(name, declared) or (
                f"; declared: {sorted(declared)}" if declared else "; declare it under 'secrets:'"
            )
            yield ctx.at(
                path, f"secret {name!r} is used but not declared{hint}", "undeclared-secret"
            )


RULE = Rule("undeclared-secret", "a secret used but never declared", check)
