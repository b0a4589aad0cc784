"""The Workable simulator answers as the SPI v3 documents: bearer auth refused with
``{"error": "Not authorized"}``, collections paged by the full ``paging.next`` URL,
``updated_after`` in ISO 8601 or Unix time, X-Rate-Limit-* headers and a 429 past the
limit, moves through the pipeline, and the fault knobs."""

from __future__ import annotations

import time

import httpx

from simulators.workable import WorkableSim
from tests.simulators.workable.conftest import TOKEN


def test_a_missing_or_wrong_token_is_refused(api: httpx.Client) -> None:
    for headers in ({"Authorization": "Bearer nope"}, {"Authorization": f"Token {TOKEN}"}):
        answer = httpx.get(f"{api.base_url}jobs", headers=headers)
        assert (answer.status_code, answer.json()) == (401, {"error": "Not authorized"})
    assert httpx.get(f"{api.base_url}jobs").status_code == 401
    assert api.get("/jobs").status_code == 200


def test_pages_follow_the_full_next_url_to_the_end(sim: WorkableSim, api: httpx.Client) -> None:
    made = [sim.create_job(title=f"Job {n}")["shortcode"] for n in range(5)]
    page = api.get("/jobs", params={"limit": 2, "state": "published"}).json()
    seen, pages = [j["shortcode"] for j in page["jobs"]], 1
    while "paging" in page:
        following = page["paging"]["next"]
        assert following.startswith(str(api.base_url)) and "since_id=" in following
        page = api.get(following).json()
        seen += [j["shortcode"] for j in page["jobs"]]
        pages += 1
    assert (seen, pages) == (made, 3)
    assert "description" not in page["jobs"][0]  # only with include_fields=description


def test_updated_after_takes_iso_8601_and_unix_time(sim: WorkableSim, api: httpx.Client) -> None:
    old, new = sim.create_job(title="Old"), sim.create_job(title="New")
    sim.jobs.update(old["id"], {"updated_at": "2026-01-01T00:00:00Z"})
    sim.jobs.update(new["id"], {"updated_at": "2026-06-01T00:00:00Z"})
    for since in ("2026-03-01T00:00:00Z", "20260301T000000Z", "1772323200"):
        listed = api.get("/jobs", params={"updated_after": since}).json()["jobs"]
        assert [j["title"] for j in listed] == ["New"], since
    bad = api.get("/jobs", params={"updated_after": "last week"})
    assert bad.status_code == 422 and "error" in bad.json()


def test_candidates_per_job_and_one_by_id(sim: WorkableSim, api: httpx.Client) -> None:
    first, second = (sim.create_job(title=t)["shortcode"] for t in ("A", "B"))
    ada = sim.create_candidate(first, "Ada", "Lovelace", "ada@example.com")
    sim.create_candidate(second, "Alan", "Turing", "alan@example.com")
    listed = api.get(f"/jobs/{first}/candidates").json()["candidates"]
    assert [c["id"] for c in listed] == [ada["id"]]
    one = api.get(f"/candidates/{ada['id']}").json()["candidate"]
    assert (one["job"]["shortcode"], one["stage"], one["disqualified"]) == (first, "Applied", False)
    missing = api.get("/candidates/nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})


def test_rate_limit_headers_and_a_429_past_the_limit(root: str, api: httpx.Client) -> None:
    assert httpx.post(f"{root}/_sim/config", json={"rate_limit": 3}).status_code == 200
    answers = [api.get("/stages") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-Rate-Limit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    reset = int(answers[0].headers["X-Rate-Limit-Reset"])
    assert time.time() < reset <= time.time() + 11  # the epoch second of the next interval
    assert answers[3].headers["X-Rate-Limit-Limit"] == "3" and "Retry-After" in answers[3].headers


def test_a_move_goes_to_the_next_stage_or_the_one_named(
    sim: WorkableSim, api: httpx.Client
) -> None:
    job = sim.create_job(title="A")["shortcode"]
    ada = sim.create_candidate(job, "Ada", "Lovelace", "ada@example.com")["id"]
    me = sim.add_member("Pat Recruiter", "pat@acme.example", "recruiter")["id"]
    assert api.post(f"/candidates/{ada}/move", json={}).status_code == 422  # who moves it?
    assert api.post(f"/candidates/{ada}/move", json={"member_id": me}).status_code == 200
    assert sim.candidate(ada)["stage"] == "Phone Screen"
    named = api.post(f"/candidates/{ada}/move",
                     json={"member_id": me, "target_stage": "video-interview"})  # fmt: skip
    assert named.status_code == 200 and sim.candidate(ada)["stage"] == "Video Interview"
    nope = {"member_id": me, "target_stage": "nope"}
    assert api.post(f"/candidates/{ada}/move", json=nope).status_code == 422
    comment = {"comment": {"body": "Strong answers"}}
    assert api.post(f"/candidates/{ada}/comments", json=comment).status_code == 422
    made = api.post(f"/candidates/{ada}/comments", json={"member_id": me, **comment})
    assert made.status_code == 201 and made.content == b""  # no documented body
    assert [c["body"] for c in sim.comments.values()] == ["Strong answers"]


def test_fault_knobs_answer_errors_and_429s(root: str, api: httpx.Client) -> None:
    assert httpx.post(f"{root}/_sim/faults", json={"error_rate": 1}).status_code == 200
    assert api.get("/jobs").status_code in (500, 502, 503)
    burst = {"burst_429": {"every": 2, "length": 1, "retry_after": 1}}
    assert httpx.post(f"{root}/_sim/faults", json=burst).status_code == 200
    statuses = [api.get("/jobs").status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    assert httpx.get(f"{root}/_sim/faults").json()["injected"]["throttled"] == 2
