"""A polling interval so short it would hammer the ATS and its rate limit."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule
from engine.dsl.diagnostics import Diagnostic

FLOOR_SECONDS = 60.0


def check(ctx: Context) -> Iterator[Diagnostic]:
    spec = ctx.ats
    if spec is None or spec.polling is None:
        return
    polling = spec.polling
    if polling.interval < FLOOR_SECONDS:
        yield ctx.at(
            ("polling", "interval"),
            f"polling interval {ctx.data['polling']['interval']!r} is below the floor of "
            f"{FLOOR_SECONDS:.0f}s; use webhooks for fresher data",
            "polling-interval",
        )
    if polling.reconcile < polling.interval:
        written = ctx.data["polling"].get("reconcile")
        reconcile = repr(written) if written else "the default '24h'"
        yield ctx.at(
            ("polling", "reconcile") if written else ("polling", "interval"),
            f"reconciliation every {reconcile} runs more often than polling every "
            f"{ctx.data['polling']['interval']!r}; make 'reconcile' longer than 'interval'",
            "polling-interval",
        )


RULE = Rule("polling-interval", "a polling interval below the floor of one minute", check)
