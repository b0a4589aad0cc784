"""Webhooks out, signed as Standard Webhooks and sent by the kit's dispatcher with retries.

A message is POSTed as::

    webhook-id: msg_2b7f…                      (same on every attempt)
    webhook-timestamp: 1717000000              (this attempt, unix seconds)
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

    {"type": "project.updated", "timestamp": "2024-05-29T16:26:40.000000Z", "data": {...}}

where ``key`` is the base64-decoded part of the subscription's ``whsec_…`` secret. A
non-2xx answer or a connection error is retried after ``webhook_backoff`` seconds, then
twice that, and so on, ``webhook_attempts`` times in all (a ``Retry-After`` is honoured,
410 Gone stops at once). Delivery never holds up the API call that caused it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.webhooks import Backoff, Delivery, Dispatcher
from simulators.suite.knobs import Settings
from simulators.suite.records import time_from_epoch

WORKERS = 8  # receivers answer in any order; a slow one does not hold up the rest
USER_AGENT = "suite-simulator-webhooks/1"
# Messages an API call caused, held until its answer is sent (see Outbox.holding).
_held: ContextVar[list[Delivery] | None] = ContextVar("suite_held_webhooks", default=None)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of one attempt."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(delivery: Delivery) -> dict[str, str]:
    # Wall time, not the simulator's clock: receivers check it against theirs (±5 min).
    stamp = int(time.time())
    return {
        "webhook-id": delivery.id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(delivery.secret, delivery.id, stamp, delivery.body),
    }


def dump(delivery: Delivery) -> dict[str, Any]:
    return {
        "message_id": delivery.id,
        "type": delivery.event,
        "url": delivery.url,
        "webhook_id": delivery.meta["webhook_id"],
        "company_id": delivery.meta["company_id"],
        "attempts": len(delivery.attempts),
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "state": delivery.state,
    }


class Outbox:
    """The suite's webhook messages: built from events, handed to the dispatcher."""

    def __init__(self, settings: Settings, faults: FaultModel, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._held = 0
        self.dispatcher = Dispatcher(
            headers,
            faults=faults,
            timeout=lambda: settings.webhook_timeout,
            workers=WORKERS,
            headers={"User-Agent": USER_AGENT},
        )

    def publish(
        self, company_id: str, webhooks: Iterable[dict[str, Any]], event: str, data: Any
    ) -> list[Delivery]:
        """Queue ``event`` for every subscription that wants it; returns the new messages."""
        stamp = time_from_epoch(self.clock())
        body = json.dumps({"type": event, "timestamp": stamp, "data": data},
                          separators=(",", ":")).encode()  # fmt: skip
        out = []
        for webhook in webhooks:
            if event != "webhook.ping" and event not in webhook["events"]:
                continue
            retry = Backoff(self.settings.webhook_attempts, self.settings.webhook_backoff)
            delivery = Delivery(
                event, webhook["url"], body, webhook["secret"], retry,
                meta={"webhook_id": webhook["id"], "company_id": company_id},
                id="msg_" + secrets.token_hex(12),
            )  # fmt: skip
            out.append(delivery)
        held = _held.get()
        if held is not None:
            held.extend(out)
            with self._lock:
                self._held += len(out)
        else:
            for delivery in out:
                self.dispatcher.submit(delivery)
        return out

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Send the messages published inside only when it ends: the gateway wraps each
        API call in it, so a receiver never hears of a change before the caller has the
        answer (a subscriber learns its signing secret from the answer)."""
        token = _held.set([])
        try:
            yield
        finally:
            held = _held.get() or []
            _held.reset(token)
            for delivery in held:
                self.dispatcher.submit(delivery)
            with self._lock:
                self._held -= len(held)

    def pending(self) -> int:
        """Messages not settled yet, those held for an answer being sent included."""
        with self._lock:
            held = self._held
        return held + self.dispatcher.pending()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no message is pending; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.pending()} webhook messages still pending")
            time.sleep(0.01)

    def reset(self) -> None:
        """Forget the log and abandon messages still being retried."""
        self.dispatcher.clear()

    def stop(self) -> None:
        self.dispatcher.stop()

    def dump(self) -> list[dict[str, Any]]:
        return [dump(d) for d in self.dispatcher.snapshot()]
