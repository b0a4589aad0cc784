"""List queries of the Teamtailor simulator: filters, page[size]/page[number], include.

    query = parse_query("jobs", request.query_params.multi_items())
    Query(filters={"status": "open"}, since=None, size=10, number=1, include=())

Every list takes ``page[size]`` (1..30, default 10) and ``page[number]`` (from 1),
``filter[updated-at][from]`` and ``[to]`` (ISO 8601), and the filters of its type; an
unknown parameter or filter is a 400, a bad value a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulators.kit.table import Record
from simulators.teamtailor.jsonapi import bad_request

MAX_PAGE_SIZE = 30
DEFAULT_PAGE_SIZE = 10

# type -> filter name -> stored field it equals
FILTERS: dict[str, dict[str, str]] = {
    "jobs": {"status": "status"},
    "candidates": {"email": "email"},
    "users": {"role": "role"},
    "stages": {"job": "job_id"},
    "job-applications": {"candidate": "candidate_id", "job": "job_id", "stage": "stage_id"},
    "notes": {"candidate": "candidate_id"},
}
INCLUDES: dict[str, frozenset[str]] = {
    "job-applications": frozenset({"candidate", "job", "stage"}),
    "notes": frozenset({"candidate", "user"}),
}


def parse_time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} must be an ISO 8601 time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Query:
    filters: dict[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    size: int = DEFAULT_PAGE_SIZE
    number: int = 1
    include: tuple[str, ...] = ()

    def where(self) -> list[Any]:
        tests = []
        if self.since is not None:
            since = self.since
            tests.append(lambda r: parse_time(r["updated_at"], "updated_at") >= since)
        if self.until is not None:
            until = self.until
            tests.append(lambda r: parse_time(r["updated_at"], "updated_at") <= until)
        return tests


def _integer(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise bad_request(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def _apply(kind: str, query: Query, name: str, value: str) -> None:
    if name == "page[size]":
        query.size = _integer(value, name, 1, MAX_PAGE_SIZE)
    elif name == "page[number]":
        query.number = _integer(value, name, 1, 10**6)
    elif name == "filter[updated-at][from]":
        query.since = parse_time(value, name)
    elif name == "filter[updated-at][to]":
        query.until = parse_time(value, name)
    elif name == "include":
        wanted = tuple(part for part in value.split(",") if part)
        unknown = [w for w in wanted if w not in INCLUDES.get(kind, ())]
        if unknown:
            raise bad_request(f"{unknown[0]!r} is not an includable relationship of {kind}")
        query.include = wanted
    elif name.startswith("filter[") and name.endswith("]") and name[7:-1] in FILTERS[kind]:
        query.filters[FILTERS[kind][name[7:-1]]] = value
    else:
        raise bad_request(f"unknown query parameter {name!r}")


def parse_query(kind: str, items: Iterable[tuple[str, str]]) -> Query:
    query = Query()
    seen: set[str] = set()
    for name, value in items:
        if name in seen:
            raise bad_request(f"{name} is given more than once")
        seen.add(name)
        _apply(kind, query, name, value)
    return query


def select(records: Iterable[Record], query: Query) -> list[Record]:
    """The records the filters keep, in creation order."""
    tests = query.where()
    return [
        r
        for r in records
        if all(str(r.get(f)) == v for f, v in query.filters.items()) and all(t(r) for t in tests)
    ]


def page_of(records: list[Record], query: Query) -> tuple[list[Record], int]:
    """The page ``query.number`` and the page count."""
    count = max(1, -(-len(records) // query.size))
    start = (query.number - 1) * query.size
    return records[start : start + query.size], count
