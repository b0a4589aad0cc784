"""A ``resources`` entry: an entity's endpoints, id and update time, incremental filter.

    resources:
      candidate:
        endpoints:
          list: {path: /candidates}
          get: {path: /candidates, params: {ids: "{{ id }}"}, record: "[0]"}
        incremental: {param: updated_at, value: "gte|{{ since }}"}
        lookup: {param: ids, max: 100}

builds ``Resource(endpoints=Endpoints(list=Endpoint(...), get=Endpoint(...)), ...)``:
a poll lists ``/candidates?updated_at=gte|<cursor>``, a thin webhook gets one by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from engine.dsl.expressions import Expr, Template
from engine.dsl.model.fields import EMPTY, ENDPOINT_VARS, INCREMENTAL_VARS, empty, variables
from engine.dsl.model.pagination import Pagination


@dataclass(frozen=True)
class Endpoint:
    SCHEMA_DEF: ClassVar[str] = "common:endpoint"
    path: Template = variables(ENDPOINT_VARS)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    params: Mapping[str, Template | tuple[Template, ...]] = variables(ENDPOINT_VARS, EMPTY)
    body: Expr | None = None
    records: Expr | None = None
    record: Expr | None = None
    pagination: Pagination | None = None


@dataclass(frozen=True)
class Endpoints:
    SCHEMA_DEF: ClassVar[str] = "common:endpoints"
    list: Endpoint | None = None
    get: Endpoint | None = None
    create: Endpoint | None = None
    update: Endpoint | None = None
    delete: Endpoint | None = None


@dataclass(frozen=True)
class Incremental:
    SCHEMA_DEF: ClassVar[str] = "common:incremental"
    param: str
    value: Template = variables(INCREMENTAL_VARS)
    format: Literal["iso8601", "epoch_ms", "epoch_seconds", "date"] = "iso8601"


@dataclass(frozen=True)
class Lookup:
    SCHEMA_DEF: ClassVar[str] = "common:lookup"
    param: str
    separator: str = ","
    max: int = 100


@dataclass(frozen=True)
class Resource:
    SCHEMA_DEF: ClassVar[str] = "common:resource"
    endpoints: Endpoints
    description: str = ""
    id: Expr = field(default_factory=lambda: Expr.compile("id"))
    updated: Expr | None = None
    parent: str | None = None
    actions: Mapping[str, Endpoint] = empty()
    incremental: Incremental | None = None
    lookup: Lookup | None = None
