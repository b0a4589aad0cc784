"""The SPI v3 collections: filters, ``limit`` and the ``paging.next`` URL.

    body = list_body(sim, "candidates", {"shortcode": "ACME001", "limit": "50"}, url)
    # {"candidates": [...], "paging": {"next": "http://.../spi/v3/candidates?...&since_id=..."}}

Records come oldest first. ``limit`` is 50 by default and at most 100. ``since_id`` and
``max_id`` bound the ids (both inclusive); ``created_after`` and ``updated_after`` take
ISO 8601 (basic or extended) or Unix time. The next page's URL is the same query with
``since_id`` set to the first record of the next page, absent on the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from simulators.workable import records
from simulators.workable.errors import Unprocessable
from simulators.workable.state import WorkableSim

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

DEFAULT_LIMIT, MAX_LIMIT = 50, 100


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or int(raw) < 1:
        raise Unprocessable(f"limit must be a positive integer, got {raw!r}")
    return min(int(raw), MAX_LIMIT)


def _time_tests(query: Mapping[str, str]) -> list[Predicate]:
    tests: list[Predicate] = []
    for param, field in (("created_after", "created_at"), ("updated_after", "updated_at")):
        if param not in query:
            continue
        bound = records.parse_time(query[param])
        if bound is None:
            raise Unprocessable(f"{param} must be an ISO 8601 timestamp or a Unix time")

        def after(record: Record, field: str = field, bound: Any = bound) -> bool:
            moment = records.parse_time(record[field])
            return moment is not None and moment > bound

        tests.append(after)
    return tests


def _id_tests(query: Mapping[str, str]) -> list[Predicate]:
    tests: list[Predicate] = []
    if "since_id" in query:
        low = query["since_id"]
        tests.append(lambda r: str(r["id"]) >= low)
    if "max_id" in query:
        high = query["max_id"]
        tests.append(lambda r: str(r["id"]) <= high)
    return tests


def _filters(kind: str, query: Mapping[str, str]) -> tuple[dict[str, Any], list[Predicate]]:
    filters: dict[str, Any] = {}
    tests = _time_tests(query) + _id_tests(query)
    if kind == "jobs" and "state" in query:
        filters["state"] = query["state"]
    if kind == "candidates":
        if "shortcode" in query:
            filters["shortcode"] = query["shortcode"]
        if "stage" in query:
            filters["stage"] = records.STAGE_NAMES.get(query["stage"], query["stage"])
        if "email" in query:
            email = query["email"].casefold()
            tests.append(lambda r: str(r.get("email") or "").casefold() == email)
    if kind == "members" and "role" in query:
        role = query["role"]
        tests.append(lambda r: r["role"] == role)
    return filters, tests


def _render(sim: WorkableSim, kind: str, record: Record, query: Mapping[str, str]) -> Record:
    if kind == "jobs":
        return sim.job_json(record, description="description" in query.get("include_fields", ""))
    if kind == "candidates":
        return sim.candidate_json(record)
    return records.member_json(record)


def list_body(sim: WorkableSim, kind: str, query: Mapping[str, str], url: str) -> Record:
    """The JSON of one page of ``kind`` (jobs, candidates or members) at ``url``."""
    limit = _limit(query)
    filters, tests = _filters(kind, query)
    table = {"jobs": sim.jobs, "candidates": sim.candidates, "members": sim.members}[kind]
    with sim.lock:
        found, _ = table.page(filters, after=-1, limit=limit + 1, where=tests)
        page = [_render(sim, kind, r, query) for r in found[:limit]]
    body: Record = {kind: page}
    if len(found) > limit:
        following = {**query, "limit": str(limit), "since_id": str(found[limit]["id"])}
        body["paging"] = {"next": f"{url}?{urlencode(following)}"}
    return body
