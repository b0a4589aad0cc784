"""Lever's list answers: ``{"data": [...], "hasNext": bool, "next": "<token>"}``.

    body = list_body(sim, "opportunities", request.query_params)

Records come oldest first. ``limit`` is 1 to 100 (100 by default); ``next`` is an
opaque token sent back as ``offset`` for the following page, and absent on the last one.
``updated_at_start`` and ``updated_at_end`` bound ``updatedAt`` in epoch milliseconds
(both inclusive); ``created_at_start`` and ``created_at_end`` bound ``createdAt``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams as Query

from simulators.lever import records
from simulators.lever.errors import BadRequest
from simulators.lever.state import LeverSim, decode_offset, encode_offset

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

MAX_LIMIT = 100


def expansions(query: Query) -> set[str]:
    """``expand`` repeated (``expand=stage&expand=applications``), the documented form; a
    comma-separated value names no expandable field, so it is refused."""
    wanted = {value.strip() for value in query.getlist("expand")}
    unknown = wanted - set(records.EXPANDABLE) - {""}
    if unknown:
        raise BadRequest(f"cannot expand {sorted(unknown)}")
    return wanted


def _limit(query: Query) -> int:
    raw = str(query.get("limit", MAX_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _millis(query: Query, name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not str(raw).isdigit():
        raise BadRequest(f"{name} must be a timestamp in milliseconds since the epoch")
    return int(raw)


def _bound(field: str, low: int | None, high: int | None) -> Predicate:
    def test(record: Record) -> bool:
        moment = int(record[field])
        return (low is None or moment >= low) and (high is None or moment <= high)

    return test


def _time_tests(query: Query) -> list[Predicate]:
    return [
        _bound(field, _millis(query, f"{field}_start"), _millis(query, f"{field}_end"))
        for field in ("updated_at", "created_at")
    ]


def _opportunity_filters(query: Query) -> tuple[dict[str, Any], list[Predicate]]:
    filters: dict[str, Any] = {}
    tests: list[Predicate] = []
    for param, field in (("posting_id", "posting"), ("stage_id", "stage"),
                         ("contact_id", "contact")):  # fmt: skip
        if param in query:
            filters[field] = query.get(param)
    if "email" in query:
        email = str(query.get("email")).casefold()
        tests.append(lambda r: email in [e.casefold() for e in r["emails"]])
    if "archived" in query:
        archived = str(query.get("archived")).lower() == "true"
        tests.append(lambda r: (r["archived"] is not None) == archived)
    return filters, tests


def _filters(kind: str, query: Query) -> tuple[dict[str, Any], list[Predicate]]:
    filters: dict[str, Any] = {}
    tests = _time_tests(query)
    if kind == "postings" and "state" in query:
        filters["state"] = query.get("state")
    elif kind == "opportunities":
        more, extra = _opportunity_filters(query)
        filters.update(more)
        tests.extend(extra)
    elif kind == "users":
        if str(query.get("includeDeactivated", "false")).lower() != "true":
            tests.append(lambda r: not r.get("deactivatedAt"))
        if "access_role" in query:
            role = query.get("access_role")
            tests.append(lambda r: r["accessRole"] == role)
    return filters, tests


def _render(kind: str, record: Record, expand: set[str]) -> Record:
    if kind == "postings":
        return records.posting_json(record)
    if kind == "opportunities":
        return records.opportunity_json(record, expand)
    return records.user_json(record)


def list_body(sim: LeverSim, kind: str, query: Query) -> Record:
    """One page of ``kind`` (postings, opportunities or users)."""
    limit, expand = _limit(query), expansions(query)
    after = decode_offset(str(query.get("offset"))) if "offset" in query else -1
    filters, tests = _filters(kind, query)
    table = {"postings": sim.postings, "opportunities": sim.opportunities,
             "users": sim.users}[kind]  # fmt: skip
    with sim.lock:
        found, following = table.page(filters, after=after, limit=limit, where=tests)
        page = [_render(kind, r, expand) for r in found]
    body: Record = {"data": page, "hasNext": following is not None}
    if following is not None:
        body["next"] = encode_offset(following)
    return body
