"""A webhook endpoint that verifies nothing: anyone who learns the URL can post events."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Path


def check(ctx: Context) -> Iterator[Diagnostic]:
    hooks = list(ctx.ats.webhooks) if ctx.ats else []
    paths: list[Path] = [("webhooks", i, "signature", "type") for i in range(len(hooks))]
    if ctx.suite_spec:
        hooks, paths = [ctx.suite_spec.webhooks], [("webhooks", "signature", "type")]
    for hook, path in zip(hooks, paths, strict=True):
        if hook.signature.type == "none":
            yield ctx.at(
                path,
                f"route {hook.route!r} accepts unsigned requests; prefer a signature scheme",
                "insecure-webhook",
                severity="warning",
            )


RULE = Rule("insecure-webhook", "a webhook without signature verification", check)
