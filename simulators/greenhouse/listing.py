"""Harvest v3 list queries: filter parsing, the opaque cursor and the keyset scan.

The cursor is URL-safe base64 (no padding) of JSON holding the resource, the query
parameters of the first request and the last id served; the page after it starts with
the first matching id above that one. Walking a whole list is O(n): every page bisects
into the id-sorted table and reads forward.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulators.greenhouse.errors import unprocessable
from simulators.greenhouse.times import iso_ms, parse_instant
from simulators.kit.table import Record, Table

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
DATE_OPS = ("gte", "lte", "gt", "lt")
COMMON_PARAMS = frozenset({"per_page", "ids", "created_at", "updated_at", "fields"})


@dataclass(frozen=True)
class ListSpec:
    """What one list endpoint accepts beyond the common parameters."""

    resource: str
    statuses: tuple[str, ...] = ()
    parents: Mapping[str, str] = field(default_factory=dict)  # param -> int field
    flags: Mapping[str, str] = field(default_factory=dict)  # boolean param -> field
    strings: Mapping[str, str] = field(default_factory=dict)  # exact-match param -> field
    ignored: frozenset[str] = frozenset()  # accepted, no effect in the simulator

    def accepts(self, name: str) -> bool:
        return (
            name in COMMON_PARAMS
            or (name == "status" and bool(self.statuses))
            or name in self.parents
            or name in self.flags
            or name in self.strings
            or name in self.ignored
        )


SPECS: dict[str, ListSpec] = {
    spec.resource: spec
    for spec in (
        ListSpec("jobs", statuses=("draft", "open", "closed")),
        ListSpec("candidates"),
        ListSpec(
            "applications",
            statuses=("in_process", "rejected", "hired", "converted"),
            parents={"job_ids": "job_id", "candidate_ids": "candidate_id"},
        ),
        ListSpec(
            "users",
            strings={"primary_email": "primary_email"},
            ignored=frozenset({"show_service_accounts"}),
        ),
        ListSpec(
            "notes",
            parents={
                "candidate_ids": "candidate_id",
                "application_ids": "application_id",
                "user_ids": "user_id",
            },
        ),
        ListSpec("job_interview_stages", parents={"job_ids": "job_id"}, flags={"active": "active"}),
    )
}


Predicate = Callable[[Record], bool]


@dataclass
class Query:
    spec: ListSpec
    params: list[tuple[str, str]]
    per_page: int = DEFAULT_PER_PAGE
    ids: list[int] | None = None
    predicates: list[Predicate] = field(default_factory=list)
    fields: list[str] | None = None
    after: int = 0


def _int_list(name: str, raw: str) -> list[int]:
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError:
        raise unprocessable(f"{name} must be comma-separated integers", name) from None
    return values


def _date_predicates(name: str, raw: str) -> list[Predicate]:
    """`op|instant[|op|instant...]` -> comparisons on the millisecond record strings."""
    parts = raw.split("|")
    if len(parts) < 2 or len(parts) % 2:
        raise unprocessable(f"{name} must look like gte|2024-01-01T00:00:00Z", name)
    out: list[Predicate] = []
    for op, text in zip(parts[::2], parts[1::2], strict=True):
        if op not in DATE_OPS:
            raise unprocessable(f"{name} operator must be one of {', '.join(DATE_OPS)}", name)
        try:
            instant = parse_instant(text) * 1000
        except ValueError as exc:
            raise unprocessable(str(exc), name) from None
        # Records have whole milliseconds: round the bound the way that keeps the
        # comparison exact.
        floor_s, ceil_s = iso_ms(math.floor(instant)), iso_ms(math.ceil(instant))
        out.append(_compare(name, op, ceil_s if op in ("gte", "lt") else floor_s))
    return out


def _compare(key: str, op: str, bound: str) -> Predicate:
    if op == "gte":
        return lambda rec: bool(rec[key] >= bound)
    if op == "gt":
        return lambda rec: bool(rec[key] > bound)
    if op == "lte":
        return lambda rec: bool(rec[key] <= bound)
    return lambda rec: bool(rec[key] < bound)


def _member(key: str, values: Sequence[int]) -> Predicate:
    wanted = frozenset(values)
    return lambda rec: rec[key] in wanted


def _equal(key: str, value: object) -> Predicate:
    return lambda rec: bool(rec[key] == value)


def parse_query(spec: ListSpec, params: list[tuple[str, str]]) -> Query:
    """Validate the query of a first request (no cursor)."""
    query = Query(spec=spec, params=params)
    seen: set[str] = set()
    for name, raw in params:
        if not spec.accepts(name):
            raise unprocessable(f"unknown query parameter {name!r}", name)
        if name in seen:
            raise unprocessable(f"{name} given more than once", name)
        seen.add(name)
        if name == "per_page":
            query.per_page = _per_page(raw)
        elif name == "ids":
            query.ids = sorted(set(_int_list(name, raw)))
        elif name == "fields":
            query.fields = [part for part in raw.split(",") if part]
        else:
            query.predicates.extend(_filter(spec, name, raw))
    return query


def _per_page(raw: str) -> int:
    try:
        per_page = int(raw)
    except ValueError:
        raise unprocessable("per_page must be an integer", "per_page") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise unprocessable(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
    return per_page


def _filter(spec: ListSpec, name: str, raw: str) -> list[Predicate]:
    """The tests of one filter parameter the spec accepts."""
    if name in ("created_at", "updated_at"):
        return _date_predicates(name, raw)
    if name == "status":
        if raw not in spec.statuses:
            raise unprocessable(f"status must be one of {', '.join(spec.statuses)}", name)
        return [_equal("status", raw)]
    if name in spec.parents:
        return [_member(spec.parents[name], _int_list(name, raw))]
    if name in spec.flags:
        if raw not in ("true", "false"):
            raise unprocessable(f"{name} must be true or false", name)
        return [_equal(spec.flags[name], raw == "true")]
    if name in spec.strings:
        return [_equal(spec.strings[name], raw)]
    return []  # accepted and ignored


def encode_cursor(query: Query, after: int) -> str:
    payload = {"r": query.spec.resource, "p": query.params, "a": after}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(spec: ListSpec, cursor: str) -> Query:
    """The query a cursor stands for; anything garbled or foreign is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        resource, params, after = payload["r"], payload["p"], payload["a"]
        pairs = [(str(k), str(v)) for k, v in params]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise unprocessable("invalid cursor", "cursor") from None
    if resource != spec.resource or not isinstance(after, int) or isinstance(after, bool):
        raise unprocessable("invalid cursor", "cursor")
    query = parse_query(spec, pairs)
    query.after = after
    return query


def resolve_query(spec: ListSpec, params: list[tuple[str, str]]) -> Query:
    """A first request, or a follow-up whose only parameter is `cursor`."""
    names = [name for name, _ in params]
    if "cursor" in names:
        if len(params) != 1:
            raise unprocessable("cursor must be the only query parameter", "cursor")
        return decode_cursor(spec, params[0][1])
    return parse_query(spec, params)


def scan(table: Table, query: Query) -> tuple[list[Record], int | None]:
    """One page of matches after `query.after`, and the id to continue after (or None)."""
    if query.ids is None:
        start = table.seq_after_id(query.after)
        page, last = table.page({}, after=start, limit=query.per_page, where=query.predicates)
        return page, None if last is None else page[-1]["id"]
    source = query.ids
    out: list[Record] = []
    for index in range(bisect.bisect_right(source, query.after), len(source)):
        record = table.get(source[index])
        if record is None or not all(test(record) for test in query.predicates):
            continue
        if len(out) == query.per_page:
            return out, out[-1]["id"]
        out.append(record)
    return out, None


def project(records: list[Record], fields: list[str] | None) -> list[Any]:
    if fields is None:
        return records
    keep = ["id", *[name for name in fields if name != "id"]]
    return [{name: rec[name] for name in keep if name in rec} for rec in records]
