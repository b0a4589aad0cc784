"""The simulator kit: the record table, the webhook dispatcher against a real receiver on
loopback (signing passed in, retries, the dropped fault) and the faults model."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.control import control_routes
from simulators.kit.errors import HttpError, Invalid, error_handler
from simulators.kit.faults import Burst, Fault, FaultModel, Faults
from simulators.kit.ratelimit import FixedWindow, RollingWindow
from simulators.kit.serving import LoopbackServer
from simulators.kit.table import Table
from simulators.kit.webhooks import Backoff, Delays, Delivery, Dispatcher
from tests.simulators.loopback import receiving


def _table(**kw: object) -> Table:
    stamps = (f"2024-01-01T00:00:{n:02d}Z" for n in itertools.count())
    ids = itertools.count(1)
    return Table("jobs", new_id=ids.__next__, stamp=stamps.__next__, **kw)  # type: ignore[arg-type]


# The table ------------------------------------------------------------------------------------


def test_table_creates_with_ids_and_stamps_and_updates_move_updated_at() -> None:
    jobs = _table(indexed=("status",))
    job = jobs.create({"name": "Engineer", "status": "open"})
    assert job == {"id": 1, "name": "Engineer", "status": "open",
                   "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}  # fmt: skip
    assert jobs.update(1, {"status": "open"})["updated_at"] == "2024-01-01T00:00:00Z"  # no change
    assert jobs.update(1, {"status": "closed"})["updated_at"] == "2024-01-01T00:00:01Z"
    assert jobs.find("status", "closed") == [job] and jobs.find("status", "open") == []
    assert jobs.delete(1) is job and len(jobs) == 0 and jobs.find("status", "closed") == []


def test_table_pages_filter_by_index_since_and_predicates_and_survive_deletes() -> None:
    jobs = _table(indexed=("status",), folded=("status",))
    for n in range(10):
        jobs.create({"n": n, "status": "Open" if n % 2 else "closed"})
    page, after = jobs.page({"status": "open"}, after=-1, limit=2)
    assert [r["n"] for r in page] == [1, 3] and after is not None
    jobs.delete(6)  # n=5, deleted between two pages: the next page starts where the last stopped
    page, after = jobs.page({"status": "OPEN"}, after=after, limit=2)
    assert [r["n"] for r in page] == [7, 9] and after is None
    page, _ = jobs.page({}, after=-1, limit=10, since="2024-01-01T00:00:08Z")
    assert [r["n"] for r in page] == [8, 9]
    page, _ = jobs.page({}, after=jobs.seq_after_id(3), limit=3, where=[lambda r: r["n"] > 5])
    assert [r["n"] for r in page] == [6, 7, 8]


# The faults model and rate windows -------------------------------------------------------------


def test_faults_parse_names_every_bad_knob() -> None:
    with pytest.raises(Invalid) as caught:
        Faults.parse({"error_rate": 2, "latency_ms": -1, "burst_429": {"every": 1}, "nope": 1})
    assert set(caught.value.fields) == {"error_rate", "latency_ms", "burst_429", "nope"}
    assert Faults.parse({"burst_429": {"every": 5, "length": 2, "retry_after": 3}}, 9) == Faults(
        burst_429=Burst(5, 2, 3), seed=9
    )


def test_fault_model_is_seeded_counts_per_key_and_counts_what_it_did() -> None:
    model = FaultModel(error_statuses=(500, 502))
    model.set(Faults(error_rate=0.5, seed=3))
    first = [model.request_fault() for _ in range(40)]
    model.set(Faults(error_rate=0.5, seed=3))
    assert [model.request_fault() for _ in range(40)] == first
    assert {f.status for f in first if f} == {500, 502} and None in first
    model.set(Faults(burst_429=Burst(every=3, length=1, retry_after=2)))
    assert [model.request_fault("a") for _ in range(3)] == [None, None, Fault(429, 2)]
    assert model.request_fault("b") is None  # another caller has its own count
    model.set(Faults(drop_webhooks=1.0, lost_responses=1.0, latency_ms=250))
    assert model.drop_webhook() and model.lose_response() and model.latency() == 0.25
    assert model.dump()["injected"] == {"errors": 0, "throttled": 0, "dropped_webhooks": 1,
                                        "lost_responses": 1, "unavailable": 0}  # fmt: skip


def test_an_outage_answers_every_request_503_for_its_length_then_ends() -> None:
    model = FaultModel()
    with pytest.raises(Invalid) as caught:
        Faults.parse({"unavailable_s": -1})
    assert set(caught.value.fields) == {"unavailable_s"}
    model.set(Faults.parse({"unavailable_s": 0.3}))
    assert [model.request_fault(str(n)) for n in range(5)] == [Fault(503)] * 5
    time.sleep(0.35)
    assert model.request_fault() is None  # over: nothing else was asked for
    assert model.dump()["injected"]["unavailable"] == 5


def test_rate_windows_refuse_over_the_limit_with_retry_after() -> None:
    now = [100.0]
    fixed = FixedWindow(clock=lambda: now[0])
    assert [fixed.hit("a", 2, 10).retry_after for _ in range(3)] == [None, None, 10]
    now[0] += 10
    assert fixed.hit("a", 2, 10).remaining == 1 and fixed.throttled == 1
    rolling = RollingWindow()
    admissions = [rolling.hit("t", 2, 60) for _ in range(3)]
    assert [a.retry_after is None for a in admissions] == [True, True, False]
    assert admissions[2].headers()["X-RateLimit-Remaining"] == "0"


# The dispatcher, against a receiver on loopback -------------------------------------------------


@dataclass
class Receiver:
    """Answers the statuses in ``script`` in turn (then 200) and keeps what it got."""

    script: list[int] = field(default_factory=list)
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.got.append((dict(request.headers), await request.body()))
        status = self.script.pop(0) if self.script else 200
        return Response(status_code=status, headers={"Retry-After": "0"})


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    yield from receiving(Receiver())


def _sign(delivery: Delivery) -> dict[str, str]:
    return {"X-Signature": f"{delivery.secret}:{len(delivery.body)}", "X-Id": delivery.id}


def test_dispatcher_signs_with_the_function_passed_in_and_retries(
    receiver: tuple[Receiver, str],
) -> None:
    rec, url = receiver
    rec.script = [500, 503]
    dispatcher = Dispatcher(_sign, faults=FaultModel(), headers={"User-Agent": "kit-test"})
    try:
        sent = dispatcher.submit(Delivery("job_created", url, b'{"a":1}', "s3", Delays((0, 0, 0))))
        assert dispatcher.wait_idle(10)
        assert sent.state == "delivered" and len(sent.attempts) == 3
        assert [a["status_code"] for a in sent.attempts] == [500, 503, 200]
        headers, body = rec.got[-1]
        assert body == b'{"a":1}' and headers["x-signature"] == "s3:7"
        assert headers["x-id"] == sent.id and headers["user-agent"] == "kit-test"
        assert {h["x-id"] for h, _ in rec.got} == {sent.id}  # a retry keeps its id
    finally:
        dispatcher.stop()


def test_dispatcher_gives_up_and_tells_and_drops_when_the_fault_bites(
    receiver: tuple[Receiver, str],
) -> None:
    rec, url = receiver
    failed: list[Delivery] = []
    faults = FaultModel()
    dispatcher = Dispatcher(_sign, faults=faults, on_failed=failed.append)
    try:
        rec.script = [410]
        gone = dispatcher.submit(Delivery("x", url, b"{}", "s", Backoff(attempts=5, base=0)))
        assert dispatcher.wait_idle(10)
        rec.script = [500, 500]
        tired = dispatcher.submit(Delivery("y", url, b"{}", "s", Delays((0,))))
        assert dispatcher.wait_idle(10)
        assert gone.state == tired.state == "failed" and failed == [gone, tired]
        assert len(gone.attempts) == 1 and len(tired.attempts) == 2  # 410 stops at once
        faults.set(Faults(drop_webhooks=1.0))
        before = len(rec.got)
        dropped = dispatcher.submit(Delivery("z", url, b"{}", "s"))
        kept = dispatcher.submit(Delivery("ping", url, b"{}", "s", droppable=False))
        assert dispatcher.wait_idle(10)
        assert dropped.state == "dropped" and kept.state == "delivered"
        assert len(rec.got) == before + 1 and faults.injected["dropped_webhooks"] == 1
        dispatcher.clear()
        assert dispatcher.snapshot() == [] and dispatcher.generation == 1
    finally:
        dispatcher.stop()


# The control routes ------------------------------------------------------------------------------


class Sim:
    """The least a simulator holds for the kit's control routes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = FaultModel(seed=4)
        self.dispatcher = Dispatcher(_sign, faults=self.faults)
        self.resets: list[dict[str, object]] = []

    def control_reset(self, options: dict[str, object]) -> None:
        self.resets.append(options)

    def control_state(self, root: str) -> dict[str, object]:
        return {"root": root}

    def deliveries(self) -> list[dict[str, object]]:
        return [{"id": d.id} for d in self.dispatcher.snapshot()]


def test_control_routes_are_one_shape_over_http() -> None:
    async def boom(request: Request) -> Response:
        raise HttpError("nope")

    app = Starlette(routes=[*control_routes(), Route("/boom", boom)],
                    exception_handlers={HttpError: error_handler})  # fmt: skip
    sim = app.state.sim = Sim()
    with LoopbackServer(app) as server, httpx.Client(base_url=server.url) as http:
        set_ = http.post("/_sim/faults", json={"error_rate": 0.5})
        assert set_.status_code == 200 and set_.json()["seed"] == 4  # the simulator's seed
        assert http.get("/_sim/faults").json()["error_rate"] == 0.5
        bad = http.post("/_sim/faults", json={"error_rate": "high"})
        assert bad.status_code == 422
        assert bad.json()["error"]["fields"]["error_rate"].startswith("must be a number")
        assert http.post("/_sim/reset", json={"config": True}).status_code == 204
        assert sim.resets == [{"config": True}]
        assert http.get("/_sim/state").json() == {"root": server.url}
        assert http.get("/_sim/deliveries").json() == []
        assert http.post("/_sim/deliveries/drain").json() == {"idle": True, "pending": 0}
        assert http.post("/_sim/deliveries/drain", json={"timeout": -1}).status_code == 422
        assert http.get("/boom").json() == {"error": {"code": "bad_request", "message": "nope"}}
