"""Harvest v3 lists over real HTTP: Link-header cursors, filters and page sizes."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.simulators.greenhouse.support import Env, follow

# Lists ----------------------------------------------------------------------------------------


def test_pagination_follows_link_headers_through_1234_applications(env: Env) -> None:
    env.sim.seed_data(jobs=2, applications_per_job=617)
    api = env.api()
    seen: list[int] = []
    pages = 0
    for response in follow(api, "/v3/applications", {"per_page": 100}):
        pages += 1
        page = response.json()
        assert isinstance(page, list)
        seen.extend(record["id"] for record in page)
        if "next" in response.links:
            assert len(page) == 100
            next_url = urlsplit(response.links["next"]["url"])
            assert next_url.path == "/v3/applications"
            assert next_url.netloc == urlsplit(env.url).netloc
            assert list(parse_qs(next_url.query)) == ["cursor"]
            assert re.fullmatch(r"[A-Za-z0-9_-]+", parse_qs(next_url.query)["cursor"][0])
        else:
            assert "link" not in response.headers
    assert pages == 13
    assert len(seen) == len(set(seen)) == 1234
    assert seen == sorted(seen) == list(env.sim.applications)


def test_cursor_keeps_filters_and_page_size(env: Env) -> None:
    env.sim.seed_data(jobs=1, applications_per_job=30, stage_name="Phone Screen")
    env.sim.seed_data(jobs=1, applications_per_job=30, stage_name="Offer")
    job_id = next(iter(env.sim.jobs))
    pages = [
        r.json() for r in follow(env.api(), "/v3/applications", {"job_ids": job_id, "per_page": 7})
    ]
    assert [len(page) for page in pages] == [7, 7, 7, 7, 2]
    assert {app["job_id"] for page in pages for app in page} == {job_id}


def _cursor(env: Env, api: httpx.Client, path: str) -> str:
    link = api.get(path, params={"per_page": 1}).links["next"]["url"]
    return parse_qs(urlsplit(link).query)["cursor"][0]


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"per_page": "50"}, "/v3/applications"),
        ({"status": "in_process"}, "/v3/applications"),
        ({"cursor": "!!not-base64!!"}, "/v3/applications"),
        ({"cursor": base64.urlsafe_b64encode(b"{}").decode()}, "/v3/applications"),
        ({}, "/v3/jobs"),  # a cursor of another resource
    ],
)
def test_cursor_with_other_params_or_garbled_is_422(
    env: Env, extra: dict[str, str], path: str
) -> None:
    env.sim.seed_data(jobs=2, applications_per_job=2)
    api = env.api()
    params = {"cursor": _cursor(env, api, "/v3/applications"), **extra}
    response = api.get(path, params=params)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("per_page", "status", "count"),
    [
        (None, 200, 100),
        ("1", 200, 1),
        ("500", 200, 150),
        ("0", 422, None),
        ("501", 422, None),
        ("ten", 422, None),
    ],
)
def test_per_page_bounds(env: Env, per_page: str | None, status: int, count: int | None) -> None:
    env.sim.seed_data(jobs=3, applications_per_job=50)
    params = {} if per_page is None else {"per_page": per_page}
    response = env.api().get("/v3/applications", params=params)
    assert response.status_code == status
    if count is not None:
        assert len(response.json()) == count


def test_updated_at_filters(env: Env) -> None:
    env.sim.seed_data(jobs=40)
    jobs = env.sim.state()["jobs"]
    stamps = sorted(job["updated_at"] for job in jobs)
    low, high = stamps[10], stamps[30]
    as_offset = low.replace("Z", "+00:00")  # another ISO 8601 spelling of the same instant

    def expect(test: Any) -> list[int]:
        return [job["id"] for job in jobs if test(job["updated_at"])]

    cases = [
        (f"gte|{low}", expect(lambda u: u >= low)),
        (f"gt|{as_offset}", expect(lambda u: u > low)),
        (f"lte|{high}", expect(lambda u: u <= high)),
        (f"lt|{high}", expect(lambda u: u < high)),
        (f"gte|{low}|lte|{high}", expect(lambda u: low <= u <= high)),
        (f"gt|{low}|lt|{high}", expect(lambda u: low < u < high)),
    ]
    api = env.api()
    for value, expected in cases:
        response = api.get("/v3/jobs", params={"updated_at": value, "per_page": 500})
        assert response.status_code == 200, value
        assert [job["id"] for job in response.json()] == expected, value
    assert len(cases[4][1]) == 21
    for bad in ("after|2024-01-01T00:00:00Z", "gte", "gte|yesterday", "gte|2024-01-01|lte"):
        assert api.get("/v3/jobs", params={"updated_at": bad}).status_code == 422, bad


def test_ids_status_and_parent_filters(env: Env) -> None:
    env.sim.seed_data(jobs=4, applications_per_job=5, job_status="open")
    sim, api = env.sim, env.api()
    wanted = [list(sim.applications)[i] for i in (7, 2, 11)]
    response = api.get("/v3/applications", params={"ids": ",".join(map(str, wanted))})
    assert [app["id"] for app in response.json()] == sorted(wanted)
    job_id = list(sim.jobs)[1]
    sim.update_job(next(iter(sim.jobs)), status="closed")
    assert [j["id"] for j in api.get("/v3/jobs", params={"status": "closed"}).json()] == [
        next(iter(sim.jobs))
    ]
    by_job = api.get("/v3/applications", params={"job_ids": job_id}).json()
    assert len(by_job) == 5 and {a["job_id"] for a in by_job} == {job_id}
    candidate_id = by_job[0]["candidate_id"]
    by_candidate = api.get("/v3/applications", params={"candidate_ids": candidate_id}).json()
    assert [a["id"] for a in by_candidate] == [by_job[0]["id"]]
    stages = api.get("/v3/job_interview_stages", params={"job_ids": job_id}).json()
    assert [s["name"] for s in stages] == [
        "Application Review",
        "Phone Screen",
        "Video Interview",
        "Video Interview Completed",
        "Onsite",
        "Offer",
    ]
    assert [s["sort_order"] for s in stages] == list(range(6))
    candidate = api.get("/v3/candidates", params={"ids": candidate_id}).json()[0]
    assert "application_ids" not in candidate
    assert {"value", "type"} == set(candidate["email_addresses"][0])
    for params in ({"status": "active"}, {"updated_after": "2024-01-01"}, {"ids": "1,x"}):
        assert api.get("/v3/applications", params=params).status_code == 422, params
    assert api.get("/v3/applications?ids=1&ids=2").status_code == 422
