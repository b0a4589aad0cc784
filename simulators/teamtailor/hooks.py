"""Teamtailor company webhooks: the receivers, what is sent, and how it is signed.

    hooks.register("https://connector.example/hooks/acme/teamtailor", "signature-key")
    hooks.emit("job.update", job_resource)         # one delivery per receiver

A delivery is a POST of ``{"payload": {"event_name", "data": <resource object>},
"signature": <base64 of the hex HMAC-SHA256 of the resource id, keyed with the
webhook's signature key>}``. Teamtailor never retries a delivery: one attempt, and a
failed one is lost (the dropped-webhook fault loses some before they are sent).
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


def encode(event: str, data: dict[str, Any], key: str) -> bytes:
    body = {
        "payload": {"event_name": event, "data": data},
        "signature": signature(key, str(data["id"])),
    }
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass
class Receiver:
    id: int
    url: str
    key: str
    events: frozenset[str]
    created_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "signature_key": self.key,
            "events": sorted(self.events),
            "created_at": self.created_at,
        }


def _headers(delivery: Delivery) -> dict[str, str]:
    return {}  # the signature travels in the body


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

    def register(self, url: str, key: str, events: list[str] | None = None) -> Receiver:
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        chosen = EVENTS if events is None else frozenset(events)
        if not chosen <= EVENTS:
            raise ValueError(f"unknown events {sorted(chosen - EVENTS)}")
        receiver = Receiver(self._next, url, key, chosen, time.time())
        self.receivers[receiver.id] = receiver
        self._next += 1
        return receiver

    def emit(self, event: str, data: dict[str, Any]) -> None:
        for receiver in self.receivers.values():
            if event in receiver.events:
                body = encode(event, data, receiver.key)
                delivery = Delivery(
                    event, receiver.url, body, receiver.key, Delays(), {"receiver_id": receiver.id}
                )
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
