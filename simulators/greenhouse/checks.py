"""Checks of control-plane and write bodies: each returns the checked value or raises 422.

checked({"name": "Engineer"}, {"name": c_str}, required=("name",))  # {"name": "Engineer"}
checked({"nme": "x"}, {"name": c_str})   # SimError 422: unknown field 'nme'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulators.greenhouse.errors import SimError, unprocessable
from simulators.greenhouse.times import canonical

Check = Callable[[str, Any], Any]


def _fail(field: str, expected: str) -> SimError:
    return unprocessable(f"{field} must be {expected}", field)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def c_str(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(field, "a non-empty string")
    return value


def c_opt_str(field: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _fail(field, "a string or null")
    return value


def c_int(field: str, value: Any) -> int:
    if not is_int(value):
        raise _fail(field, "an integer")
    return int(value)


def c_opt_int(field: str, value: Any) -> int | None:
    return None if value is None else c_int(field, value)


def c_bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(field, "a boolean")
    return value


def c_int_list(field: str, value: Any) -> list[int]:
    if not isinstance(value, list) or not all(is_int(v) for v in value):
        raise _fail(field, "a list of integers")
    return list(value)


def c_str_list(field: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(field, "a list of strings")
    return list(value)


def c_dict(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(field, "an object")
    return dict(value)


def c_stamp(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(field, "an ISO 8601 timestamp")
    return canonical(value, field)


def c_opt_stamp(field: str, value: Any) -> str | None:
    return None if value is None else c_stamp(field, value)


def c_enum(*allowed: str) -> Check:
    def check(field: str, value: Any) -> str:
        if value not in allowed:
            raise _fail(field, "one of " + ", ".join(allowed))
        return str(value)

    return check


def c_contacts(types: tuple[str, ...]) -> Check:
    def check(field: str, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, list):
            raise _fail(field, "a list of {value, type}")
        out: list[dict[str, str]] = []
        for item in value:
            if (
                not isinstance(item, dict)
                or set(item) != {"value", "type"}
                or not isinstance(item["value"], str)
                or item["type"] not in types
            ):
                raise _fail(field, "a list of {value, type} with type one of " + ", ".join(types))
            out.append({"value": item["value"], "type": item["type"]})
        return out

    return check


def checked(
    body: Mapping[str, Any], checks: Mapping[str, Check], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Check every field of `body` against `checks`; unknown fields are a 422."""
    for key in body:
        if key not in checks:
            raise unprocessable(f"unknown field {key!r}", key)
    for key in required:
        if key not in body:
            raise unprocessable(f"{key} is required", key)
    return {key: checks[key](key, value) for key, value in body.items()}
