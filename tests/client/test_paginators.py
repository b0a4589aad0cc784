"""Every pagination strategy against a real loopback API: all records, once, in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.client.paginators import PAGINATORS
from engine.errors import PaginationError, UnsafeRequest
from tests.client.conftest import client_for
from tests.client.testapi import State

CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "link_header": (
        {"type": "link_header", "page_size": {"param": "per_page", "value": 40}},
        {"path": "/link"},
    ),
    "next_url": (
        {"type": "next_url", "next": "paging.next"},
        {"path": "/next_url", "records": "data"},
    ),
    "offset": (
        {"type": "offset", "limit": 30, "has_more": "hasMore"},
        {"path": "/offset", "records": "items"},
    ),
    "page_number": (
        {
            "type": "page_number",
            "has_more": "!paginationComplete",
            "page_size": {"param": "per_page", "value": 60},
        },
        {"path": "/page", "records": "results"},
    ),
    "cursor": (
        {
            "type": "cursor",
            "cursor": "nextCursor",
            "param": "cursor",
            "page_size": {"param": "limit", "value": 70},
        },
        {"path": "/cursor", "records": "data"},
    ),
    "none": (
        {"type": "none"},
        {"path": "/offset_plain", "params": {"offset": "0", "limit": "1000"}},
    ),
}
BODY_CURSOR = (
    {
        "type": "cursor",
        "cursor": "nextCursor",
        "param": "cursor",
        "in": "body",
        "has_more": "moreDataAvailable",
        "page_size": {"param": "limit", "value": 45},
    },
    {"method": "POST", "path": "/cursor_body", "records": "data", "body": "`{}`"},
)


def _list(url: str, pagination: dict[str, Any], endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        resources = {"thing": {"endpoints": {"list": endpoint}}}
        async with client_for(
            url, {"auth": {"type": "none"}, "pagination": pagination}, resources
        ) as client:
            return [record async for record in client.list("thing")]

    return asyncio.run(run())


def test_every_registered_strategy_has_a_case() -> None:
    assert set(PAGINATORS) == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_lists_every_record_once(kind: str, api: tuple[str, State]) -> None:
    url, state = api
    records = _list(url, *CASES[kind])
    assert [r["id"] for r in records] == [r["id"] for r in state.records]


def test_cursor_in_a_post_body(api: tuple[str, State]) -> None:
    url, state = api
    assert len(_list(url, *BODY_CURSOR)) == len(state.records)


def test_link_header_follows_the_next_url_exactly(api: tuple[str, State]) -> None:
    url, state = api
    _list(url, *CASES["link_header"])
    assert list(state.last_request) == ["cursor"]  # the cursor alone, as Harvest v3 demands


def test_offset_stops_on_a_short_page_without_a_flag(api: tuple[str, State]) -> None:
    url, state = api
    records = _list(url, {"type": "offset", "limit": 100}, {"path": "/offset_plain"})
    assert len(records) == len(state.records)


def test_a_looping_server_is_stopped_with_a_clear_error(api: tuple[str, State]) -> None:
    url, state = api
    with pytest.raises(
        PaginationError, match="pagination would loop: page 3 asks for the same page as page 2"
    ):
        _list(url, {"type": "link_header"}, {"path": "/loop"})
    assert state.hits["loop"] == 2


def test_the_hard_page_limit_stops_a_list(api: tuple[str, State]) -> None:
    url, _ = api
    pagination = {
        "type": "link_header",
        "page_size": {"param": "per_page", "value": 10},
        "max_pages": 3,
    }
    with pytest.raises(PaginationError, match="more than 3 pages"):
        _list(url, pagination, {"path": "/link"})


def test_a_next_link_to_another_host_is_refused(api: tuple[str, State]) -> None:
    url, _ = api
    with pytest.raises(UnsafeRequest, match=r"refused a request to http://127\.0\.0\.2"):
        _list(url, {"type": "link_header"}, {"path": "/link-away"})
