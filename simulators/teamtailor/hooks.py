"""Teamtailor company webhooks: the receivers, what is sent, and how it is signed.

    hooks.register("https://connector.example/hooks/acme/teamtailor", "signature-key")
    hooks.emit("job.update", job_resource)         # one delivery per receiver

A company webhook (``scheme="company"``) is a POST of ``{"payload": {"event_name",
"data": <resource object>}, "signature": <base64 of the hex HMAC-SHA256 of the resource
id, keyed with the webhook's signature key>}``. A partner webhook setup
(``scheme="partner"``: Teamtailor signs these "in a different format") carries the same
payload without the body signature and a ``TT-Signature`` header, base64 of
``t=<unix seconds>,v2=<hex HMAC-SHA256 of "<t>.<body>">`` [UNCONFIRMED in the public
docs: the integration brief's description], so its whole body and its age are signed.
Teamtailor never retries a delivery: one attempt, and a failed one is lost (the
dropped-webhook fault loses some before they are sent).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.webhooks import Delays, Delivery, Dispatcher

USER_AGENT = "Teamtailor-Webhooks (simulator)"
EVENTS = frozenset(
    f"{kind}.{action}"
    for kind in ("candidate", "job", "job_application")
    for action in ("create", "update", "destroy")
)


def signature(key: str, resource_id: str) -> str:
    """Base64 of the lower-case hex HMAC-SHA256 of the resource id."""
    digest = hmac.new(key.encode(), resource_id.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode()).decode()


SCHEMES = ("company", "partner")


def encode(event: str, data: dict[str, Any], key: str, scheme: str = "company") -> bytes:
    body: dict[str, Any] = {"payload": {"event_name": event, "data": data}}
    if scheme == "company":
        body["signature"] = signature(key, str(data["id"]))
    return json.dumps(body, separators=(",", ":")).encode()


def tt_signature(key: str, body: bytes, sent: int) -> str:
    """The partner setup's ``TT-Signature``: base64 of ``t=…,v2=<hex>``."""
    mac = hmac.new(key.encode(), f"{sent}.".encode() + body, hashlib.sha256).hexdigest()
    return base64.b64encode(f"t={sent},v2={mac}".encode()).decode()


@dataclass
class Receiver:
    id: int
    url: str
    key: str
    events: frozenset[str]
    created_at: float
    scheme: str = "company"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "signature_key": self.key,
            "events": sorted(self.events),
            "created_at": self.created_at,
            "scheme": self.scheme,
        }


def _headers(delivery: Delivery) -> dict[str, str]:
    """A company webhook's signature travels in the body; a partner setup's in a header,
    stamped when it is sent."""
    if delivery.meta.get("scheme") != "partner":
        return {}
    return {"TT-Signature": tt_signature(delivery.secret, delivery.body, int(time.time()))}


class Hooks:
    def __init__(self, faults: FaultModel, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.dispatcher = Dispatcher(
            _headers,
            faults=faults,
            timeout=lambda: self.timeout,
            headers={"User-Agent": USER_AGENT},
        )
        self.receivers: dict[int, Receiver] = {}
        self._next = 1

    def register(
        self, url: str, key: str, events: list[str] | None = None, scheme: str = "company"
    ) -> Receiver:
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {list(SCHEMES)}")
        chosen = EVENTS if events is None else frozenset(events)
        if not chosen <= EVENTS:
            raise ValueError(f"unknown events {sorted(chosen - EVENTS)}")
        receiver = Receiver(self._next, url, key, chosen, time.time(), scheme)
        self.receivers[receiver.id] = receiver
        self._next += 1
        return receiver

    def emit(self, event: str, data: dict[str, Any]) -> None:
        for receiver in self.receivers.values():
            if event in receiver.events:
                body = encode(event, data, receiver.key, receiver.scheme)
                meta = {"receiver_id": receiver.id, "scheme": receiver.scheme}
                delivery = Delivery(event, receiver.url, body, receiver.key, Delays(), meta)
                self.dispatcher.submit(delivery)

    def clear(self) -> None:
        self.receivers.clear()
        self._next = 1
        self.dispatcher.clear()

    def deliveries(self) -> list[dict[str, Any]]:
        return [
            {
                "id": d.id,
                "event": d.event,
                "url": d.url,
                "status": d.state,
                "attempts": d.attempts,
                "body": json.loads(d.body),
            }
            for d in self.dispatcher.snapshot()
        ]
