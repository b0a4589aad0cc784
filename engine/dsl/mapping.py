"""Apply a flow to one source record: ``when``, then ``fields``, enum maps and refs.

    >>> map_record(flow, {"name": "Engineer", "status": "open"})
    {'name': 'Engineer'}

``None`` means ``when`` filtered the record out. A value that cannot be mapped (an
unmapped role with no default, a required ref that was not resolved) raises
``MappingError`` naming the field, so one bad record fails alone and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jmespath.exceptions import JMESPathError

from engine.dsl.model import NO_DEFAULT
from engine.dsl.spec import EnumMap, Flow


class MappingError(ValueError):
    """A record the flow cannot map; ``field`` is the target field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")
        self.field = field


def truthy(value: Any) -> bool:
    """JMESPath truth: false, null, and empty strings, lists and objects are false."""
    return value not in (None, False, "", [], {})


def map_record(
    flow: Flow, record: Mapping[str, Any], refs: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    if flow.when is not None and not truthy(_search(flow.when.search, record, "when")):
        return None
    out = {name: _search(expr.search, record, name) for name, expr in flow.fields.items()}
    for enum in (flow.roles, flow.stages, *flow.enums):
        if enum is not None:
            out[enum.target] = apply_enum(enum, record)
    refs = refs or {}
    for name, ref in flow.refs.items():
        value = refs.get(name)
        if value is None and ref.required:
            raise MappingError(name, f"the record this refers to (flow {ref.flow!r}) is not synced")
        out[name] = value
    return out


def apply_enum(enum: EnumMap, record: Mapping[str, Any]) -> Any:
    value = _search(enum.source.search, record, enum.target)
    key = (
        value
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    if key in enum.map:
        return enum.map[key]
    if enum.default is not NO_DEFAULT:
        return enum.default
    raise MappingError(
        enum.target, f"{value!r} is not in the map {sorted(enum.map)} and there is no default"
    )


def _search(search: Any, record: Mapping[str, Any], name: str) -> Any:
    try:
        return search(record)
    except JMESPathError as exc:
        raise MappingError(name, str(exc)) from None
