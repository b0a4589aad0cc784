"""Lever's webhooks: one per event type, each delivery a body of ``triggeredAt``,
``event``, a fresh ``token``, ``signature`` (the hex HMAC-SHA256 of token + triggeredAt
keyed with the webhook's signature token) and an unsigned ``data``; a failed delivery is
sent again, the same body."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from simulators.kit.faults import Faults
from simulators.lever import LeverSim, records
from tests.simulators.loopback import Receiver

SIGNATURE_TOKEN = "lever-signature-token"


def test_a_delivery_signs_token_and_triggered_at(
    sim: LeverSim, receiver: tuple[Receiver, str], root: str
) -> None:
    rec, url = receiver
    made = httpx.post(f"{root}/_sim/webhooks",
                      json={"url": url, "event": "candidateStageChange",
                            "signatureToken": SIGNATURE_TOKEN})  # fmt: skip
    assert made.status_code == 201
    posting = sim.create_posting(text="Engineer")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")  # not subscribed
    sim.change_stage(opportunity["id"], records.STAGE_IDS["Video Interview"])
    sim.change_stage(opportunity["id"], records.STAGE_IDS["Video Interview Done"])
    assert sim.dispatcher.wait_idle(5)
    first, second = rec.bodies()
    for delivery in (first, second):
        signed = f"{delivery['token']}{delivery['triggeredAt']}".encode()
        expected = hmac.new(SIGNATURE_TOKEN.encode(), signed, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(delivery["signature"], expected)
        assert delivery["event"] == "candidateStageChange"
        assert delivery["data"]["opportunityId"] == opportunity["id"]
        assert isinstance(delivery["triggeredAt"], int) and delivery["triggeredAt"] > 10**12
    assert first["token"] != second["token"]  # a token is new for every delivery
    assert first["data"]["toStageId"] == records.STAGE_IDS["Video Interview"]
    bad = httpx.post(f"{root}/_sim/webhooks",
                     json={"url": url, "event": "postingCreated", "signatureToken": "x"})  # fmt: skip
    assert bad.status_code == 400


def test_a_failed_delivery_is_sent_again_and_a_dropped_one_never(
    sim: LeverSim, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    sim.add_webhook(url, "applicationCreated", SIGNATURE_TOKEN)
    posting = sim.create_posting(text="Engineer")
    rec.status = 503
    sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    assert sim.dispatcher.wait_idle(5)
    assert len(rec.requests) == sim.settings.webhook_attempts
    assert len({body for _, body in rec.requests}) == 1  # the same body each time
    (failed,) = sim.deliveries()
    assert failed["state"] == "failed"

    rec.requests.clear()
    rec.status = 200
    sim.faults.set(Faults(drop_webhooks=1.0))
    sim.apply(posting["id"], "Grace Hopper", "grace@example.com")
    assert sim.dispatcher.wait_idle(5)
    assert rec.requests == [] and sim.deliveries()[-1]["state"] == "dropped"


def test_archiving_as_hired_also_sends_candidate_hired(
    sim: LeverSim, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    for event in ("candidateArchiveChange", "candidateHired"):
        sim.add_webhook(url, event, SIGNATURE_TOKEN)
    posting = sim.create_posting(text="Engineer")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    sim.archive(opportunity["id"], records.HIRED_REASON)
    assert sim.dispatcher.wait_idle(5)
    changed, hired = rec.bodies()
    assert (changed["event"], hired["event"]) == ("candidateArchiveChange", "candidateHired")
    assert changed["data"]["fromArchived"] is None
    assert changed["data"]["toArchived"]["reason"] == records.HIRED_REASON
    assert hired["data"]["opportunityId"] == opportunity["id"]
