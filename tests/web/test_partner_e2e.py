"""The assessment-partner surface end to end, on SQLite and PostgreSQL: the Greenhouse
and Workable simulators play their ATS (list the tests, place an order, take the
callback; Greenhouse then asks test_status), Connector hosts each spec's routes, and the
suite simulator records the interview.

An order becomes an invitation in the suite; the same order again answers the same
partner_interview_id; the interview recorded and rated comes back as "complete" with a
score and a signed results page; wrong or missing keys get 401 and write nothing.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.store.inbox import MAX_ATTEMPTS, Inbox
from engine.store.partner_keys import PartnerKeys
from engine.web.app import create_app
from engine.web.registration import register_suite
from engine.work.worker import Worker
from simulators.greenhouse.simulator import Greenhouse
from simulators.kit.protocol import AtsSimulator
from simulators.kit.serving import LoopbackServer
from simulators.workable.simulator import Workable
from simulators.world import TENANT, World
from tests.conftest import clean_postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@dataclass(frozen=True)
class Play:
    """How one ATS simulator plays its marketplace's side."""

    ats: AtsSimulator
    secret: str  # the tenant secret the callback needs: {key} is the partner key
    auth: Callable[[str], str]  # the Authorization header the ATS sends with a key
    interview: str  # the order's field naming the interview
    configure: Callable[[str, str], dict[str, str]]  # (base URL, key) -> simulator config
    order: Callable[[Any, str], dict[str, Any]]  # (application, test) -> the order
    score: Callable[[dict[str, Any]], Any]  # the score the ATS was told
    profile: Callable[[dict[str, Any]], str]  # the results link the ATS was given
    invite: str  # the invite route, and a valid body for it
    invite_body: Callable[[str], dict[str, Any]]


CALLBACK_TOKEN = "wk-callback-" + "0" * 8
PLAYS = {
    "greenhouse": Play(
        Greenhouse(), "partner_key: {key}", _basic, "partner_interview_id",
        lambda base, key: {"list_tests_url": f"{base}/list_tests",
                           "send_test_url": f"{base}/send_test",
                           "test_status_url": f"{base}/test_status",
                           "response_error_url": f"{base}/response_error", "api_key": key},
        lambda app, test: {"application_id": app, "partner_test_id": test},
        lambda r: r.get("partner_score"), lambda r: str(r.get("partner_profile_url")),
        "send_test",
        lambda test: {"partner_test_id": test, "url": "https://example.com/cb",
                      "candidate": {"first_name": "Alan", "last_name": "Turing",
                                    "email": "alan@example.com"}},
    ),
    "workable": Play(
        Workable(), f"partner_callback_token: {CALLBACK_TOKEN}", lambda key: f"Bearer {key}",
        "assessment_id",
        lambda base, key: {"base_url": base, "api_key": key, "callback_token": CALLBACK_TOKEN},
        lambda app, test: {"candidate_id": app, "test_id": test},
        lambda r: (r.get("assessment") or {}).get("score"), lambda r: str(r.get("results_url")),
        "assessments",
        lambda test: {"test_id": test, "callback_url": "https://example.com/cb",
                      "candidate": {"first_name": "Alan", "last_name": "Turing",
                                    "email": "alan@example.com"}},
    ),
}  # fmt: skip


@dataclass
class Stage:
    world: World
    engine_url: str
    key: str
    gh: httpx.Client  # the ATS simulator's control routes
    inbox: Inbox
    play: Play

    @property
    def base(self) -> str:
        return f"{self.engine_url}/partner/{TENANT}/{self.play.ats.name}"

    def order(self, application_id: Any, test_id: str) -> httpx.Response:
        return self.gh.post("/_sim/partner/orders", json=self.play.order(application_id, test_id))

    def wait_result(self, order_id: int, check: Any, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.gh.get(f"/_sim/partner/orders/{order_id}").json()["result"] or {}
            if check(result):
                return dict(result)
            time.sleep(0.05)
        raise AssertionError(f"order {order_id}'s result never matched: {result}")

    def idle(self, timeout: float = 20.0) -> dict[str, int]:
        """The inbox once nothing in it is left to do."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            depth = self.inbox.depth()
            if not depth.get("pending") and not depth.get("processing"):
                return depth
            time.sleep(0.05)
        return self.inbox.depth()

    def wait_order(self, order_id: int, state: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            order: dict[str, Any] = self.gh.get(f"/_sim/partner/orders/{order_id}").json()
            if order["state"] == state:
                return order
            time.sleep(0.05)
        raise AssertionError(f"order {order_id} never reached {state}: {order}")


@pytest.fixture(
    params=[(ats, db) for ats in PLAYS for db in ("sqlite", "postgres")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    name, database = request.param
    play = PLAYS[name]
    url = request.getfixturevalue("postgres_url") if database == "postgres" else None
    if url is not None:
        clean_postgres(url)
    port = _free_port()
    engine_url = f"http://127.0.0.1:{port}"
    with World(tmp_path, database_url=url, ats=[play.ats]) as world:
        world.suite.settings.webhook_backoff = 0.02
        key = PartnerKeys(world.runtime().engine).issue(TENANT, label=name)
        config = world.config_path.read_text(encoding="utf-8")
        secret = "    secrets:\n      " + play.secret.format(key=key) + "\n"
        config = config.replace("    secrets:\n", secret, 1)
        world.config_path.write_text(config + f"server:\n  public_url: {engine_url}\n")
        runtime = world.runtime()
        app = create_app(runtime, worker=True)
        sim_url = world.ats_servers[name].url
        with LoopbackServer(app, port=port), httpx.Client(base_url=sim_url, timeout=20) as gh:
            asyncio.run(register_suite(runtime.tenant(TENANT), engine_url))
            base = f"{engine_url}/partner/{TENANT}/{name}"
            configured = gh.post("/_sim/partner", json=play.configure(base, key))
            assert configured.status_code in (200, 201), configured.text
            yield Stage(world, engine_url, key, gh, Inbox(runtime.engine), play)


def _project(stage: Stage, name: str) -> dict[str, Any]:
    return stage.world.company.create("project", {"name": name})


def test_an_order_becomes_an_invitation_and_comes_back_completed_with_a_score(
    stage: Stage,
) -> None:
    company, play, app = stage.world.company, stage.play, stage.world.ats_apps[stage.play.ats.name]
    test = _project(stage, "Backend Engineer interview")
    listed = stage.gh.post("/_sim/partner/tests").json()
    assert test["id"] in str(listed) and test["name"] in str(listed)

    job = play.ats.open_job(app, "Backend Engineer", "<p>Platform</p>")
    application = play.ats.apply(app, job, "Ada", "Lovelace", "ada@example.com")
    placed = stage.order(application, test["id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    (invitation,) = company.invitations.values()
    assert order[play.interview] == invitation["id"]
    assert invitation["project_id"] == test["id"] and invitation["status"] == "invited"
    assert company.candidates[invitation["candidate_id"]]["email"] == "ada@example.com"

    again = stage.order(application, test["id"]).json()  # the same order, again
    assert again[play.interview] == order[play.interview]
    assert len(company.invitations) == 1

    company.complete_invitation(invitation["id"], stage.world.suite_server.url)
    done = stage.wait_order(order["id"], "completed")  # the call back came
    assert play.score(done["result"]) is None  # not rated yet
    company.create("rating", {"invitation_id": invitation["id"], "score": 4,
                              "evaluator_name": "Grace Hopper", "comment": "Clear"})  # fmt: skip
    result = stage.wait_result(order["id"], lambda r: play.score(r) in (80, "80"))
    profile = play.profile(result)
    assert profile.startswith(f"{stage.base}/results/{invitation['id']}?token=")
    page = httpx.get(profile)
    assert page.status_code == 200 and "Grace Hopper" in page.text and "4/5" in page.text
    assert httpx.get(profile.split("?")[0] + "?token=forged").status_code == 401
    depth = stage.idle()  # every suite event and the callbacks themselves: done, none failed
    assert depth.get("done", 0) >= 3 and set(depth) == {"done"}, depth
    callbacks = [e for e in stage.inbox.list(status="done") if e.source == "partner"]
    assert len(callbacks) == 2  # completed, then rated: one per state, each once


def test_wrong_or_missing_partner_keys_get_401_and_write_nothing(stage: Stage) -> None:
    play = stage.play
    test = _project(stage, "Designer interview")
    body = play.invite_body(test["id"])
    wrong = play.auth("cpk_not-a-key")
    other_scheme = f"Bearer {stage.key}" if wrong.startswith("Basic") else _basic(stage.key)
    for headers in ({}, {"Authorization": wrong}, {"Authorization": other_scheme}):
        answer = httpx.post(f"{stage.base}/{play.invite}", json=body, headers=headers)
        assert answer.status_code == 401, answer.text
        assert "WWW-Authenticate" in answer.headers
    assert stage.world.company.invitations == {}
    right = {"Authorization": play.auth(stage.key)}
    bad = httpx.post(f"{stage.base}/{play.invite}", json={"test_id": test["id"],
                     "partner_test_id": test["id"]}, headers=right)  # fmt: skip
    assert bad.status_code == 422 and "email" in bad.json()["error"]
    assert stage.world.company.invitations == {}
    made = httpx.post(f"{stage.base}/{play.invite}", json=body, headers=right)
    assert made.status_code in (200, 201) and len(stage.world.company.invitations) == 1


def test_a_callback_the_ats_refuses_is_retried_then_dead_lettered_then_sent(
    tmp_path: Path,
) -> None:
    """The ATS down for the callback: the inbox backs off, dead-letters after its last
    attempt (nothing lost), and `inbox retry` sends it once the ATS is back."""
    play, port = PLAYS["greenhouse"], _free_port()
    engine_url = f"http://127.0.0.1:{port}"
    with World(tmp_path, ats=[play.ats]) as world:
        key = PartnerKeys(world.runtime().engine).issue(TENANT)
        config = world.config_path.read_text(encoding="utf-8")
        config = config.replace("    secrets:\n", f"    secrets:\n      partner_key: {key}\n", 1)
        world.config_path.write_text(config + f"server:\n  public_url: {engine_url}\n")
        runtime = world.runtime()
        inbox, worker = Inbox(runtime.engine), Worker(runtime, Inbox(runtime.engine), name="w")
        sim_url = world.ats_servers["greenhouse"].url
        with (LoopbackServer(create_app(runtime, worker=False), port=port),
              httpx.Client(base_url=sim_url, timeout=20) as gh):  # fmt: skip
            asyncio.run(register_suite(runtime.tenant(TENANT), engine_url))
            base = f"{engine_url}/partner/{TENANT}/greenhouse"
            gh.post("/_sim/partner", json=play.configure(base, key)).raise_for_status()
            test = world.company.create("project", {"name": "Interview"})
            job = play.ats.open_job(world.ats_apps["greenhouse"], "Engineer", "")
            app_id = play.ats.apply(
                world.ats_apps["greenhouse"], job, "Ada", "L", "ada@example.com"
            )
            order = gh.post("/_sim/partner/orders", json=play.order(app_id, test["id"])).json()
            gh.post("/_sim/faults", json={"error_rate": 1.0}).raise_for_status()  # the ATS is down
            (invitation,) = world.company.invitations.values()
            world.company.complete_invitation(invitation["id"], world.suite_server.url)
            deadline = time.monotonic() + 10
            while not inbox.depth().get("pending") and time.monotonic() < deadline:
                time.sleep(0.05)  # the suite's webhook arrives
            now = time.time()
            for _ in range(4 * MAX_ATTEMPTS):  # a 503 defers (it does not count): more tries
                asyncio.run(worker.run_once(now=now))
                now += 4000  # past any backoff
                if inbox.depth().get("dead"):
                    break
            (dead,) = inbox.list(status="dead")
            assert dead.source == "partner" and dead.failures == MAX_ATTEMPTS
            assert "answered 5" in (dead.last_error or "")
            assert gh.get(f"/_sim/partner/orders/{order['id']}").json()["state"] == "sent"

            gh.post("/_sim/faults", json={}).raise_for_status()  # the ATS is back
            assert inbox.retry(TENANT) == 1
            asyncio.run(worker.run_once())
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                state = gh.get(f"/_sim/partner/orders/{order['id']}").json()["state"]
                if state == "completed":
                    break
                time.sleep(0.05)
            assert state == "completed"
            for _ in range(10):  # the suite's later webhooks, and any deferred on the way
                if set(inbox.depth()) == {"done"}:
                    break
                asyncio.run(worker.run_once(now=time.time() + 60))
            assert set(inbox.depth()) == {"done"}
