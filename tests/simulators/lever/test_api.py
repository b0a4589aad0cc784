"""The Lever simulator answers as API v1 documents: basic auth with the API key as the
username, refused with ``{"code": "UnauthorizedError", ...}``; lists of ``{data,
hasNext, next}`` paged by sending ``next`` back as ``offset``; ``updated_at_start`` in
epoch milliseconds; ``expand``; stage moves and notes; a 429 past the rate limit and the
fault knobs."""

from __future__ import annotations

import httpx

from simulators.lever import LeverSim, records
from tests.simulators.lever.conftest import KEY

UNAUTHORIZED = {"code": "UnauthorizedError", "message": "The request requires authentication."}
VIDEO = records.STAGE_IDS["Video Interview"]


def test_a_missing_or_wrong_key_is_refused(api: httpx.Client) -> None:
    url = f"{api.base_url}postings"
    for auth in (("nope", ""), ("", KEY)):
        answer = httpx.get(url, auth=auth)
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    bearer = httpx.get(url, headers={"Authorization": f"Bearer {KEY}"})
    assert (bearer.status_code, bearer.json()) == (401, UNAUTHORIZED)
    assert httpx.get(url).status_code == 401
    assert api.get("/postings").status_code == 200


def test_pages_send_the_next_token_back_as_offset(sim: LeverSim, api: httpx.Client) -> None:
    made = [sim.create_posting(text=f"Job {n}")["id"] for n in range(5)]
    page = api.get("/postings", params={"limit": 2}).json()
    seen, pages = [p["id"] for p in page["data"]], 1
    while page["hasNext"]:
        page = api.get("/postings", params={"limit": 2, "offset": page["next"]}).json()
        seen += [p["id"] for p in page["data"]]
        pages += 1
    assert (seen, pages) == (made, 3)
    assert "next" not in page
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": "not-a-token"}):
        answer = api.get("/postings", params=bad)
        assert answer.status_code == 400 and answer.json()["code"] == "BadRequestError"


def test_updated_at_start_is_epoch_milliseconds(sim: LeverSim, api: httpx.Client) -> None:
    old, new = sim.create_posting(text="Old"), sim.create_posting(text="New")
    sim.postings.update(old["id"], {"updated_at": "1700000000000"})
    since = int(new["updated_at"]) - 1
    found = api.get("/postings", params={"updated_at_start": since}).json()["data"]
    assert [p["id"] for p in found] == [new["id"]]
    assert isinstance(found[0]["updatedAt"], int) and found[0]["updatedAt"] > since
    until = api.get("/postings", params={"updated_at_end": 1700000000000}).json()["data"]
    assert [p["id"] for p in until] == [old["id"]]
    iso = api.get("/postings", params={"updated_at_start": "2026-01-01T00:00:00Z"})
    assert iso.status_code == 400


def test_expand_gives_the_stage_and_the_applications(sim: LeverSim, api: httpx.Client) -> None:
    posting = sim.create_posting(text="Engineer")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    bare = api.get(f"/opportunities/{opportunity['id']}").json()["data"]
    assert bare["stage"] == "applicant-new" and bare["applications"] == [opportunity["application"]]
    repeated = api.get(f"/opportunities/{opportunity['id']}?expand=applications&expand=stage")
    data = repeated.json()["data"]
    assert data["stage"] == {"id": "applicant-new", "text": "New applicant"}
    assert [a["posting"] for a in data["applications"]] == [posting["id"]]
    joined = api.get(f"/opportunities/{opportunity['id']}", params={"expand": "applications,stage"})
    assert joined.status_code == 400  # only the documented repeated form expands
    assert api.get("/opportunities", params={"expand": "nope"}).status_code == 400
    listed = api.get("/opportunities", params={"posting_id": posting["id"]}).json()["data"]
    assert [o["contact"] for o in listed] == [opportunity["contact"]]


def test_a_stage_move_and_a_note(sim: LeverSim, api: httpx.Client) -> None:
    posting = sim.create_posting(text="Engineer")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    path = f"/opportunities/{opportunity['id']}"
    moved = api.put(f"{path}/stage", json={"stage": VIDEO})
    assert moved.status_code == 200 and moved.json()["data"]["stage"] == VIDEO
    unknown = api.put(f"{path}/stage", json={"stage": "no-such-stage"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ResourceNotFound")
    texts = [s["text"] for s in api.get("/stages").json()["data"]]
    assert {"Video Interview", "Video Interview Done"} <= set(texts)

    made = api.post(f"{path}/notes", json={"value": "Rated 4/5"})
    assert made.status_code == 201 and set(made.json()["data"]) == {"noteId"}
    assert api.post(f"{path}/notes", json={}).status_code == 400
    (note,) = api.get(f"{path}/notes").json()["data"]
    assert (note["id"], note["text"]) == (made.json()["data"]["noteId"], "Rated 4/5")
    missing = api.get("/opportunities/no-such-one")
    assert (missing.status_code, missing.json()["code"]) == (404, "ResourceNotFound")


def test_users_hide_the_deactivated_unless_asked(sim: LeverSim, api: httpx.Client) -> None:
    active = sim.add_user("Pat Admin", "pat@example.com", "admin")
    gone = sim.add_user("Old User", "old@example.com", "interviewer")
    sim.users.update(gone["id"], {"deactivatedAt": records.now_ms()})
    listed = {u["id"] for u in api.get("/users").json()["data"]}
    assert active["id"] in listed and gone["id"] not in listed
    every = api.get("/users", params={"includeDeactivated": "true"}).json()["data"]
    assert gone["id"] in {u["id"] for u in every}
    assert {u["accessRole"] for u in every} >= {"admin", "interviewer"}


def test_the_rate_limit_and_the_fault_knobs(sim: LeverSim, api: httpx.Client, root: str) -> None:
    sim.settings.rate_limit = 2
    statuses = [api.get("/postings").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = api.get("/postings")
    assert throttled.json()["code"] == "TooManyRequests"
    assert not {h for h in throttled.headers if h.lower().startswith("x-ratelimit")}
    sim.settings.rate_limit = 10_000

    assert httpx.post(f"{root}/_sim/faults", json={"error_rate": 1.0}).status_code == 200
    failed = api.get("/postings")
    assert failed.status_code in (500, 503) and set(failed.json()) == {"code", "message"}
    burst = {"every": 2, "length": 1, "retry_after": 1}
    assert httpx.post(f"{root}/_sim/faults", json={"burst_429": burst}).status_code == 200
    assert [api.get("/postings").status_code for _ in range(2)] == [200, 429]
    assert httpx.post(f"{root}/_sim/faults", json={"lost_responses": 1.0}).status_code == 200
    posting = sim.create_posting(text="Engineer")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    lost = api.post(f"/opportunities/{opportunity['id']}/notes", json={"value": "x"})
    assert lost.status_code == 502 and len(sim.notes) == 1  # applied, the answer lost
    httpx.post(f"{root}/_sim/faults", json={})
    assert api.get("/postings").status_code == 200
