"""The ``pagination`` strategies of a list endpoint, one dataclass per ``type``, and their union.

    pagination:
      type: link_header
      page_size: {param: per_page, value: 500}

builds ``LinkHeaderPagination(type="link_header", page_size=PageSize("per_page", 500))``.
The runtime paginator of each type is registered in ``engine.client.paginators.PAGINATORS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from engine.dsl.expressions import Expr
from engine.dsl.model.fields import key


@dataclass(frozen=True)
class PageSize:
    SCHEMA_DEF: ClassVar[str] = "common:page_size"
    param: str
    value: int


@dataclass(frozen=True)
class NoPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_none"
    type: Literal["none"] = "none"


@dataclass(frozen=True)
class LinkHeaderPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_link_header"
    type: Literal["link_header"]
    rel: str = "next"
    page_size: PageSize | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class NextUrlPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_next_url"
    type: Literal["next_url"]
    next: Expr
    page_size: PageSize | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class OffsetPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_offset"
    type: Literal["offset"]
    limit: int
    offset_param: str = "offset"
    limit_param: str = "limit"
    has_more: Expr | None = None
    total: Expr | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class PageNumberPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_page_number"
    type: Literal["page_number"]
    param: str = "page"
    start: int = 1
    page_size: PageSize | None = None
    has_more: Expr | None = None
    total_pages: Expr | None = None
    max_pages: int = 10000


@dataclass(frozen=True)
class CursorPagination:
    SCHEMA_DEF: ClassVar[str] = "common:pagination_cursor"
    type: Literal["cursor"]
    cursor: Expr
    param: str
    in_: Literal["query", "body"] = key("in", "query")
    has_more: Expr | None = None
    page_size: PageSize | None = None
    max_pages: int = 10000


Pagination = (
    NoPagination
    | LinkHeaderPagination
    | NextUrlPagination
    | OffsetPagination
    | PageNumberPagination
    | CursorPagination
)
