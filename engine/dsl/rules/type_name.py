"""A ``type:`` that names no known strategy; lists the valid ones."""

import typing
from collections.abc import Iterator

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic


def is_type_error(error: object) -> bool:
    path = tuple(getattr(error, "absolute_path", ()))
    return getattr(error, "validator", None) == "enum" and bool(path) and path[-1] == "type"


def check(ctx: Context) -> Iterator[Diagnostic]:
    for error in ctx.schema_errors:
        if not is_type_error(error):
            continue
        path = tuple(error.absolute_path)
        what = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "value")
        valid = sorted(typing.cast(list[str], error.validator_value))
        hint = did_you_mean(str(error.instance), valid)
        yield ctx.at(
            path,
            f"unknown {what} type {error.instance!r}{hint} (valid: {valid})",
            "type",
        )


RULE = Rule("type", "a type: that names no known strategy", check)
