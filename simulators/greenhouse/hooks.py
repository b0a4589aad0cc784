"""Greenhouse webhooks: the receivers registered, and what is sent to them.

    hooks.register("https://connector.example/hooks/acme/greenhouse", "s3cret")  # pinged
    hooks.emit("job_created", lambda: {"job": job_payload(job)})                  # queued

A delivery is a POST of `{"action": ..., "payload": {...}}` signed with
`Signature: sha256 <hex HMAC-SHA256 of the raw body keyed with the secret>` and a unique
`Greenhouse-Event-ID`. Only HTTP 200 counts as delivered [official wording: "non HTTP
200" is a failure]. A failed delivery is retried after each of `webhook_retry_delays`
(Greenhouse waits 1, 15, 60, 120, 240 and 480 minutes [official]; the simulator uses
seconds); a retry keeps its `Greenhouse-Event-ID` [UNCONFIRMED]. The ping sent when a
receiver is saved is never retried nor dropped, and a failed ping disables the receiver.
The kit's dispatcher sends them all on worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.greenhouse.config import SimConfig
from simulators.greenhouse.errors import SimError, not_found
from simulators.greenhouse.payloads import encode_body, sign
from simulators.greenhouse.times import iso
from simulators.kit.faults import FaultModel
from simulators.kit.webhooks import Delays, Delivery, Dispatcher

USER_AGENT = "Greenhouse-Webhooks (simulator)"


@dataclass
class Webhook:
    id: int
    url: str
    secret: str
    events: frozenset[str] | None  # None: every event
    active: bool = True
    created_at: str = ""

    def wants(self, action: str) -> bool:
        return self.active and (self.events is None or action in self.events)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "secret": self.secret,
            "events": None if self.events is None else sorted(self.events),
            "active": self.active,
            "created_at": self.created_at,
        }


def headers(delivery: Delivery) -> dict[str, str]:
    return {"Greenhouse-Event-ID": delivery.id, "Signature": sign(delivery.secret, delivery.body)}


def dump(delivery: Delivery) -> dict[str, Any]:
    attempts = [{**a, "at": iso(a["at"])} for a in delivery.attempts]
    return {
        "event_id": delivery.id,
        "webhook_id": delivery.meta["webhook_id"],
        "action": delivery.event,
        "url": delivery.url,
        "status": delivery.state,
        "attempts": attempts,
        "created_at": iso(delivery.created_at),
        "body": delivery.body.decode(),
    }


class Hooks:
    def __init__(self, lock: threading.RLock, config: SimConfig, faults: FaultModel) -> None:
        self.lock = lock
        self.config = config
        self.dispatcher = Dispatcher(
            headers,
            faults=faults,
            timeout=lambda: config.webhook_timeout_seconds,
            workers=config.webhook_workers,
            headers={"User-Agent": USER_AGENT},
            on_failed=self._failed,
        )
        self.webhooks: dict[int, Webhook] = {}
        self._next_id = 1

    def clear(self) -> None:
        self.webhooks.clear()
        self._next_id = 1
        self.dispatcher.clear()

    def emit(self, action: str, build: Callable[[], dict[str, Any]]) -> None:
        """Queue `action` to every active webhook that wants it; payload built once."""
        hooks = [hook for hook in self.webhooks.values() if hook.wants(action)]
        if not hooks:
            return
        body = encode_body(action, build())
        retry = Delays(tuple(self.config.webhook_retry_delays))
        for hook in hooks:
            self.dispatcher.submit(
                Delivery(action, hook.url, body, hook.secret, retry, {"webhook_id": hook.id})
            )

    def ping(self, hook: Webhook) -> None:
        events = "all" if hook.events is None else sorted(hook.events)
        payload = {"web_hook": {"id": hook.id, "url": hook.url, "events": events,
                                "active": hook.active}}  # fmt: skip
        body = encode_body("ping", payload)
        # A failed ping disables the webhook at once [official]: no retries, never dropped.
        self.dispatcher.submit(
            Delivery(
                "ping",
                hook.url,
                body,
                hook.secret,
                Delays(),
                {"webhook_id": hook.id},
                droppable=False,
            )
        )

    def _failed(self, delivery: Delivery) -> None:
        if delivery.event != "ping":
            return
        with self.lock:
            if delivery.generation != self.dispatcher.generation:  # a reset came in between
                return
            hook = self.webhooks.get(delivery.meta["webhook_id"])
            if hook is not None:
                hook.active = False

    def register(self, url: str, secret: str, events: list[str] | None = None) -> dict[str, Any]:
        """Add a receiver; it is pinged at once, and disabled if the ping fails."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SimError(422, "url must be an http(s) URL", field="url")
        if not isinstance(secret, str):
            raise SimError(422, "secret must be a string", field="secret")
        if events is not None and (
            not isinstance(events, list) or not all(isinstance(e, str) for e in events)
        ):
            raise SimError(422, "events must be a list of action names", field="events")
        with self.lock:
            hook = Webhook(
                id=self._next_id,
                url=url,
                secret=secret,
                events=None if events is None else frozenset(events),
                created_at=iso(time.time()),
            )
            self._next_id += 1
            self.webhooks[hook.id] = hook
            self.ping(hook)
            return hook.to_json()

    def update(self, webhook_id: int, /, **fields: Any) -> dict[str, Any]:
        """Change url, secret, events or active; saving pings again (as Greenhouse does)."""
        with self.lock:
            hook = self.webhooks.get(webhook_id)
            if hook is None:
                raise not_found("webhook", webhook_id)
            for key, value in fields.items():
                if key == "active" and isinstance(value, bool):
                    hook.active = value
                elif key in ("url", "secret") and isinstance(value, str):
                    setattr(hook, key, value)
                elif key == "events" and (value is None or isinstance(value, list)):
                    hook.events = None if value is None else frozenset(map(str, value))
                else:
                    raise SimError(422, f"bad webhook field {key!r}", field=key)
            self.ping(hook)
            return hook.to_json()

    def delete(self, webhook_id: int) -> None:
        with self.lock:
            if self.webhooks.pop(webhook_id, None) is None:
                raise not_found("webhook", webhook_id)

    def deliveries(self) -> list[dict[str, Any]]:
        return [dump(d) for d in self.dispatcher.snapshot()]
