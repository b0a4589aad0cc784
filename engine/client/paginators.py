"""Pagination strategies, one small class per ``type``, registered in ``PAGINATORS``.

Each takes the request for a page and the answer to it, and returns the request for
the next page, or ``None`` when the list is done. Stop conditions are explicit; the
client adds the hard page limit and the loop check on top.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import httpx

from engine.dsl import model


@dataclass(frozen=True)
class PageRequest:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None

    def key(self) -> str:
        """Identifies the request, to notice a server sending us in circles."""
        return f"{self.method} {self.url} {sorted(self.params.items())} {self.json!r}"


class Paginator:
    type: ClassVar[str]

    def __init__(self, spec: Any) -> None:
        self.spec = spec

    @property
    def max_pages(self) -> int:
        return int(getattr(self.spec, "max_pages", 1))

    def first(self, request: PageRequest) -> PageRequest:
        size = getattr(self.spec, "page_size", None)
        if size is None:
            return request
        return replace(request, params={**request.params, size.param: str(size.value)})

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        raise NotImplementedError


PAGINATORS: dict[str, type[Paginator]] = {}


def register(cls: type[Paginator]) -> type[Paginator]:
    PAGINATORS[cls.type] = cls
    return cls


def make_paginator(spec: model.Pagination) -> Paginator:
    return PAGINATORS[spec.type](spec)


def _flag(expr: Any, body: Any) -> bool | None:
    """A has-more style flag from the body, or None when the spec has none."""
    return None if expr is None else bool(expr.search(body))


@register
class NoPagination(Paginator):
    """One answer holds every record."""

    type = "none"

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        return None


@register
class LinkHeaderPagination(Paginator):
    """``Link: <https://api/jobs?cursor=abc>; rel="next"``; no such link on the last page.

    The next URL is followed exactly as given: some APIs (Greenhouse Harvest v3) reject
    a cursor request that repeats the original filters::

        pagination: {type: link_header, page_size: {param: per_page, value: 500}}
    """

    type = "link_header"
    spec: model.LinkHeaderPagination

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        link = response.links.get(self.spec.rel)
        url = link.get("url") if link else None
        if not url:
            return None
        return replace(request, url=str(response.url.join(url)), params={})


@register
class NextUrlPagination(Paginator):
    """``{"data": [...], "paging": {"next": "https://api/x?offset=100"}}``::

    pagination: {type: next_url, next: paging.next}
    """

    type = "next_url"
    spec: model.NextUrlPagination

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        url = self.spec.next.search(body)
        if not url or not isinstance(url, str):
            return None
        return replace(request, url=str(response.url.join(url)), params={})


@register
class OffsetPagination(Paginator):
    """``?offset=200&limit=100``; stops on a false has-more flag, the total, or a short page::

    pagination: {type: offset, limit: 100, has_more: hasMore}
    """

    type = "offset"
    spec: model.OffsetPagination

    def first(self, request: PageRequest) -> PageRequest:
        params = {**request.params, self.spec.offset_param: "0"}
        params[self.spec.limit_param] = str(self.spec.limit)
        return replace(request, params=params)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        offset = int(request.params.get(self.spec.offset_param, "0")) + count
        more = _flag(self.spec.has_more, body)
        total = self.spec.total.search(body) if self.spec.total else None
        if more is False or count == 0:
            return None
        if more is None and (count < self.spec.limit or (total is not None and offset >= total)):
            return None
        return replace(request, params={**request.params, self.spec.offset_param: str(offset)})


@register
class PageNumberPagination(Paginator):
    """``?page=3``; stops on a false has-more flag, the last page number, or an empty page::

    pagination: {type: page_number, has_more: "!paginationComplete"}
    """

    type = "page_number"
    spec: model.PageNumberPagination

    def first(self, request: PageRequest) -> PageRequest:
        request = super().first(request)
        return replace(request, params={**request.params, self.spec.param: str(self.spec.start)})

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        page = int(request.params.get(self.spec.param, str(self.spec.start)))
        more = _flag(self.spec.has_more, body)
        last = self.spec.total_pages.search(body) if self.spec.total_pages else None
        if more is False or (more is None and count == 0):
            return None
        if isinstance(last, int) and page - self.spec.start + 1 >= last:
            return None
        return replace(request, params={**request.params, self.spec.param: str(page + 1)})


@register
class CursorPagination(Paginator):
    """An opaque cursor from each answer, sent back in the query or in a POST body::

    {"data": [...], "nextCursor": "b2Zmc2V0PTEwMA"}
    pagination: {type: cursor, cursor: nextCursor, param: cursor, in: body}
    """

    type = "cursor"
    spec: model.CursorPagination

    def first(self, request: PageRequest) -> PageRequest:
        size = self.spec.page_size
        if size is None or self.spec.in_ == "query":
            return super().first(request)
        return replace(request, json={**(request.json or {}), size.param: size.value})

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, count: int
    ) -> PageRequest | None:
        cursor = self.spec.cursor.search(body)
        if cursor in (None, "") or _flag(self.spec.has_more, body) is False:
            return None
        if self.spec.in_ == "body":
            payload = copy.deepcopy(request.json) if isinstance(request.json, dict) else {}
            payload[self.spec.param] = cursor
            return replace(request, json=payload)
        return replace(request, params={**request.params, self.spec.param: str(cursor)})
