"""A key the schema does not define, usually a typo: suggest the closest valid key."""

from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic


def check(ctx: Context) -> Iterator[Diagnostic]:
    for error in ctx.schema_errors:
        if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
            continue
        allowed = sorted(
            error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        )
        path = tuple(error.absolute_path)
        for key in sorted(set(error.instance) - set(allowed), key=str):
            hint = did_you_mean(key, allowed) or f"; valid keys are {allowed}"
            yield ctx.at((*path, key), f"unknown key {key!r}{hint}", "unknown-key", key=True)


RULE = Rule("unknown-key", "a key the schema does not define", check)
