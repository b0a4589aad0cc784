"""A spec's ``connection`` (base URL, auth, pagination, pacing) and its declared secrets.

    connection:
      base_url: https://harvest.greenhouse.io/v3
      auth: {type: basic, username: "{{ secrets.api_key }}"}
      pagination: {type: link_header, page_size: {param: per_page, value: 500}}
      rate_limit: {max_concurrency: 4, remaining_header: X-RateLimit-Remaining}
      retry: {max_attempts: 6, backoff: 1s}

builds ``Connection(base_url=Template(...), auth=BasicAuth(...), pagination=..., ...)``;
what it leaves out keeps its default (``Timeouts()``: 5 s to connect, 30 s to read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.dsl.expressions import Duration, Template
from engine.dsl.model.auth import Auth
from engine.dsl.model.fields import empty
from engine.dsl.model.pagination import NoPagination, Pagination


@dataclass(frozen=True)
class SecretDecl:
    SCHEMA_DEF: ClassVar[str] = "common:secret_decl"
    description: str = ""
    required: bool = True


@dataclass(frozen=True)
class RateLimit:
    SCHEMA_DEF: ClassVar[str] = "common:rate_limit"
    max_concurrency: int = 4
    requests_per_second: float | None = None
    remaining_header: str | None = None
    reset_header: str | None = None
    reset_format: Literal["epoch_seconds", "seconds", "http_date"] = "seconds"


@dataclass(frozen=True)
class Retry:
    SCHEMA_DEF: ClassVar[str] = "common:retry"
    max_attempts: int = 5
    backoff: Duration = Duration(0.5)
    max_backoff: Duration = Duration(30)
    statuses: tuple[int, ...] = (408, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Timeouts:
    SCHEMA_DEF: ClassVar[str] = "common:timeouts"
    connect: Duration = Duration(5)
    read: Duration = Duration(30)
    total: Duration = Duration(60)


@dataclass(frozen=True)
class Connection:
    SCHEMA_DEF: ClassVar[str] = "common:connection"
    base_url: Template
    auth: Auth
    pagination: Pagination = NoPagination()
    rate_limit: RateLimit = RateLimit()
    retry: Retry = Retry()
    timeouts: Timeouts = Timeouts()
    headers: Mapping[str, Template] = empty()
