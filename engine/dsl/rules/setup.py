"""A spec with no way to learn of changes (neither webhooks nor polling), or one that
claims a setup it cannot run."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None:
        return
    if not spec.webhooks and spec.polling is None:
        yield ctx.at(
            (),
            "the spec declares neither 'webhooks' nor 'polling', so no change would ever sync",
            "setup",
        )
        return
    needs = {"ideal": ("webhooks", bool(spec.webhooks)), "static": ("polling", bool(spec.polling))}
    for i, setup in enumerate(spec.setups):
        if setup in needs and not needs[setup][1]:
            yield ctx.at(
                ("setups", i),
                f"setup {setup!r} needs '{needs[setup][0]}', which the spec does not declare",
                "setup",
            )


RULE = Rule("setup", "a spec with neither webhooks nor polling", check)
