"""How model fields are declared: keyword keys, template variables, shared empty maps.

    @dataclass(frozen=True)
    class ApiKeyAuth:
        in_: Literal["header", "query"] = key("in", "header")  # spec key ``in``
        value: Template = variables(CONNECTION_VARS)  # may read ``secrets``, ``tenant``
        params: Mapping[str, Template] = empty()  # ``{}`` unless the spec says otherwise

The ``*_VARS`` sets name what each kind of template may read; lint reports any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, field
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})

CONNECTION_VARS = frozenset({"secrets", "tenant"})
ENDPOINT_VARS = CONNECTION_VARS | {"id", "parent_id", "since", "params", "record"}
INCREMENTAL_VARS = CONNECTION_VARS | {"since"}
SIGNED_VARS = frozenset({"body", "timestamp", "headers", "json"})
EMBED_VARS = frozenset({"suite_id", "ats_id", "tenant", "secrets"})
DEEP_LINK_VARS = frozenset({"suite_id", "ats_id", "public_url", "tenant"})


def key(name: str, default: Any = None) -> Any:
    """A field whose spec key is a Python keyword, such as ``in``."""
    return field(default=default, metadata={"key": name})


def variables(allowed: frozenset[str], default: Any = MISSING) -> Any:
    """A template field that may read only ``allowed`` variables."""
    if default is EMPTY:
        return field(default_factory=_empty, metadata={"vars": allowed})
    return field(default=default, metadata={"vars": allowed})


def _empty() -> Mapping[str, Any]:
    return EMPTY


def empty() -> Any:
    """The default of a mapping field: one shared, read-only empty mapping."""
    return field(default_factory=_empty)


class NoDefault:
    """The default of an enum map that has none: unmapped values fail the record."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT = NoDefault()
