"""Every other schema violation, at the value's position, in words that say how to fix it.

jsonschema's message is kept where it is already clear; a few common cases (missing
keys, bad names, durations, enums) get a message of their own.
"""

import re
import typing
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError

from engine.dsl.context import Context, Rule, did_you_mean
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.rules.type_name import is_type_error

_REQUIRED = re.compile(r"^(.+) is a required property$")
_PATTERN_HINTS = {
    "^[0-9]+(ms|s|m|h|d)$": "a duration is a whole number and a unit: 500ms, 30s, 15m, 1h or 7d",
    "^[a-z][a-z0-9_]*$": "use lower-case letters, digits and underscores, starting with a letter",
    "^[a-z0-9][a-z0-9_-]*$": "use lower-case letters, digits, '-' and '_'",
}


def _where(path: tuple[Any, ...]) -> str:
    name = next((p for p in reversed(path) if isinstance(p, str)), None)
    return f" in {name!r}" if name else " at the top level"


def _message(error: ValidationError) -> tuple[str, bool]:
    """The message, and whether it belongs at the key rather than the value."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        key = match.group(1) if match else error.message
        return f"missing required key {key}{_where(path)}", False
    if error.validator == "pattern":
        hint = _PATTERN_HINTS.get(
            str(error.validator_value), f"it must match {error.validator_value!r}"
        )
        if "propertyNames" in error.relative_schema_path:
            return f"invalid name {error.instance!r}: {hint}", True
        return f"invalid value {error.instance!r}: {hint}", False
    if error.validator == "enum":
        valid = sorted(str(v) for v in typing.cast(list[Any], error.validator_value))
        hint = did_you_mean(str(error.instance), valid)
        return f"{error.instance!r} is not one of {valid}{hint}", False
    if error.validator == "additionalProperties" and "propertyNames" in error.relative_schema_path:
        return error.message, True
    if error.validator == "dependentRequired":
        needs = typing.cast(dict[str, list[str]], error.validator_value)
        have = error.instance if isinstance(error.instance, dict) else {}
        wanted = [
            f"{k!r} needs {', '.join(repr(r) for r in needs[k] if r not in have)}"
            for k in needs
            if k in have and any(r not in have for r in needs[k])
        ]
        return f"{'; '.join(wanted)}{_where(path)}", False
    return error.message, False


def check(ctx: Context) -> Iterator[Diagnostic]:
    for error in ctx.schema_errors:
        if error.validator == "additionalProperties" or is_type_error(error):
            continue
        message, at_key = _message(error)
        path = tuple(error.absolute_path)
        if at_key:
            yield ctx.at((*path, str(error.instance)), message, "schema", key=True)
        else:
            yield ctx.at(path, message, "schema")


RULE = Rule("schema", "a value the schema rejects", check)
