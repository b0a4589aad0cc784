"""The suite simulator's faults, control plane, state and OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from simulators.serving import LoopbackServer
from simulators.suite.state import SuiteState
from tests.simulators.suite.support import Tenant, _openapi, _project, company_spec

# --- faults -------------------------------------------------------------------------------


def _statuses(api: httpx.Client, count: int) -> list[int]:
    return [api.get("/projects").status_code for _ in range(count)]


def test_error_rate_is_seeded_and_roughly_respected(
    http: httpx.Client, url: str, acme: Tenant
) -> None:
    runs = []
    for _ in range(2):
        http.post(f"{url}/_sim/faults", json={"error_rate": 0.3, "seed": 42})
        runs.append(_statuses(acme.api, 120))
    assert runs[0] == runs[1]
    failures = [s for s in runs[0] if s != 200]
    assert set(failures) <= {500, 503}
    assert 20 <= len(failures) <= 52
    http.post(f"{url}/_sim/faults", json={})
    assert set(_statuses(acme.api, 20)) == {200}


def test_burst_of_429_with_retry_after(http: httpx.Client, url: str, acme: Tenant) -> None:
    burst = {"every": 4, "length": 2, "retry_after": 3}
    assert http.post(f"{url}/_sim/faults", json={"burst_429": burst}).status_code == 200
    responses = [acme.api.get("/projects") for _ in range(8)]
    assert [r.status_code for r in responses] == [200, 200, 429, 429] * 2
    assert responses[2].headers["retry-after"] == "3"
    assert responses[2].headers["x-ratelimit-remaining"] == "0"
    bad = http.post(f"{url}/_sim/faults", json={"burst_429": {"every": 2, "length": 3}})
    assert bad.status_code == 422


def test_latency(http: httpx.Client, url: str, acme: Tenant) -> None:
    http.post(f"{url}/_sim/faults", json={"latency_ms": 150})
    started = time.perf_counter()
    assert acme.api.get("/projects").status_code == 200
    assert time.perf_counter() - started >= 0.15


# --- control plane, state and the OpenAPI document ----------------------------------------


def test_control_plane_and_state(
    http: httpx.Client, url: str, acme: Tenant, sim: SuiteState
) -> None:
    again = http.post(f"{url}/_sim/companies", json=company_spec("acme"))
    assert again.status_code == 409
    bad = http.post(f"{url}/_sim/companies", json={"name": "", "users": [{"email": "x"}]})
    assert set(bad.json()["error"]["fields"]) == {"name", "users[0].email"}
    project = _project(acme)
    state = http.get(f"{url}/_sim/state").json()
    company = state["companies"]["acme"]
    assert [p["id"] for p in company["projects"]] == [project]
    assert [u["email"] for u in company["users"]] == ["ada@acme.test", "eve@acme.test"]
    assert company["clients"][0]["client_id"] == "connector-acme"
    assert set(state) >= {"token_requests", "deliveries", "faults", "settings"}
    assert sim.company("acme").projects[project]["name"] == "Engineer"
    assert http.post(f"{url}/_sim/reset").status_code == 204
    assert http.get(f"{url}/_sim/state").json()["companies"] == {}


def test_openapi_is_served_and_matches_the_routes(
    http: httpx.Client, url: str, suite: tuple[Starlette, LoopbackServer]
) -> None:
    doc = _openapi()
    assert http.get(f"{url}/openapi.json").json() == doc
    assert doc["openapi"].startswith("3.1")
    served = {
        (route.path, method.lower())
        for route in suite[0].routes
        if isinstance(route, Route) and route.path.startswith("/api/v1")
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {
        (path, method)
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert served == documented
    assert "/oauth/token" in doc["paths"]


def test_openapi_references_resolve() -> None:
    doc = _openapi()

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(doc)):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref
