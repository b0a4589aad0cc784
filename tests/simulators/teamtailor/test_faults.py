"""The Teamtailor simulator's rate limit, fault knobs and webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac

from simulators.kit.faults import Faults
from tests.simulators.loopback import Receiver
from tests.simulators.teamtailor.conftest import Env


def test_the_rate_limit_answers_its_headers_then_429(env: Env) -> None:
    env.sim.configure(rate_limit=3)
    answers = [env.api.get("/v1/jobs") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-rate-limit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["x-rate-limit-limit"] == "3"
    assert int(answers[3].headers["retry-after"]) >= 1
    assert answers[3].json()["errors"][0]["status"] == "429"


def test_fault_knobs_inject_errors_and_bursts_of_429(env: Env) -> None:
    knobs = env.http.post("/_sim/faults", json={"error_rate": 1.0})
    assert knobs.status_code == 200
    assert env.api.get("/v1/jobs").status_code in (500, 502, 503)
    env.http.post("/_sim/faults", json={"burst_429": {"every": 2, "length": 1, "retry_after": 1}})
    statuses = [env.api.get("/v1/jobs").status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    env.http.post("/_sim/faults", json={})
    assert env.api.get("/v1/jobs").status_code == 200


def test_a_webhook_is_signed_in_its_body_and_never_retried(
    env: Env, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    answer = env.http.post("/_sim/webhooks", json={"url": url, "signature_key": "k3y"})
    assert answer.status_code == 201
    job = env.sim.create_job(title="Engineer", body="<p>x</p>")
    assert env.sim.dispatcher.wait_idle(10)
    (body,) = rec.bodies()
    assert body["payload"]["event_name"] == "job.create"
    assert body["payload"]["data"]["attributes"]["title"] == "Engineer"
    hexdigest = hmac.new(b"k3y", job["id"].encode(), hashlib.sha256).hexdigest()
    assert base64.b64decode(body["signature"]).decode() == hexdigest

    env.sim.faults.set(Faults(drop_webhooks=1.0))
    env.sim.update_job(job["id"], title="Renamed")
    assert env.sim.dispatcher.wait_idle(10)
    assert len(rec.requests) == 1  # dropped: never sent, never retried
    assert env.sim.deliveries()[-1]["status"] == "dropped"


def test_a_failed_delivery_is_not_retried(env: Env) -> None:
    with env.sim.lock:  # nothing listens on port 9 of loopback
        env.sim.hooks.register("http://127.0.0.1:9/hook", "k")
    env.sim.create_job(title="Engineer", body="")
    assert env.sim.dispatcher.wait_idle(10)
    (delivery,) = env.sim.deliveries()
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 1
