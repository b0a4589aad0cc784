"""Shared pieces of the Greenhouse simulator: errors, timestamps, id-ordered tables, checks."""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]


class SimError(Exception):
    """An HTTP error the simulator answers with (also raised by the Python API).

    OAuth errors (`error` set) are answered in the RFC 6749 shape; the rest as
    `{"message": ..., "errors": [{"field": ..., "message": ...}]}` (the v1 validation
    shape; the v3 error body is [UNCONFIRMED]).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.error = error
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error, "error_description": self.message}
        body: dict[str, Any] = {"message": self.message}
        if self.field is not None:
            body["errors"] = [{"field": self.field, "message": self.message}]
        return body


def unprocessable(message: str, field: str | None = None) -> SimError:
    return SimError(422, message, field=field)


def not_found(what: str, rid: object) -> SimError:
    return SimError(404, f"{what} {rid} not found")


# Timestamps: records carry fixed-width UTC strings with milliseconds, so that comparing
# the strings compares the instants ("2024-01-02T03:04:05.678Z").


def iso_ms(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def iso(ts: float) -> str:
    return iso_ms(math.floor(ts * 1000))


def iso_seconds(stamp: str | None) -> str | None:
    """The v1 webhook form of a timestamp: whole seconds, `Z`."""
    return None if stamp is None else stamp[:19] + "Z"


def parse_instant(text: str) -> float:
    """An ISO 8601 instant as epoch seconds; a value without offset is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def canonical(text: str, field: str) -> str:
    """Normalise a timestamp given to the control plane to the record form."""
    try:
        return iso(parse_instant(text))
    except ValueError as exc:
        raise unprocessable(str(exc), field) from None


class Table:
    """Records of one resource by id, iterated in ascending id order."""

    __slots__ = ("ids", "rows")

    def __init__(self) -> None:
        self.rows: dict[int, Record] = {}
        self.ids: list[int] = []

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, rid: object) -> bool:
        return rid in self.rows

    def get(self, rid: int) -> Record | None:
        return self.rows.get(rid)

    def insert(self, record: Record) -> Record:
        rid: int = record["id"]
        if self.ids and rid <= self.ids[-1]:
            bisect.insort(self.ids, rid)
        else:
            self.ids.append(rid)
        self.rows[rid] = record
        return record

    def remove(self, rid: int) -> Record:
        record = self.rows.pop(rid)
        del self.ids[bisect.bisect_left(self.ids, rid)]
        return record

    def values(self) -> Iterator[Record]:
        rows = self.rows
        return (rows[rid] for rid in self.ids)


# Checks of control-plane and write bodies. Each returns the checked value or raises 422.

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
