"""Webhooks out, signed as Standard Webhooks and delivered in the background with retries.

A message is POSTed as::

    webhook-id: msg_2b7f…                      (same on every attempt)
    webhook-timestamp: 1717000000              (this attempt, unix seconds)
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

    {"type": "project.updated", "timestamp": "2024-05-29T16:26:40.000000Z", "data": {...}}

where ``key`` is the base64-decoded part of the subscription's ``whsec_…`` secret. A
non-2xx answer or a connection error is retried after ``webhook_backoff`` seconds, then
twice that, and so on, ``webhook_attempts`` times in all (a ``Retry-After`` is honoured,
410 Gone stops at once). Self-signed HTTPS receivers are accepted. Delivery never holds
up the API call that caused it: messages are tasks in the server's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulators.suite_knobs import Settings, Traffic
from simulators.suite_records import time_from_epoch

MAX_IN_FLIGHT = 32
USER_AGENT = "suite-simulator-webhooks/1"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of one attempt."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass
class Delivery:
    message_id: str
    type: str
    url: str
    webhook_id: str
    company_id: str
    secret: str = field(repr=False)
    body: bytes = field(repr=False)
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    state: str = "pending"  # pending, delivered, failed or dropped

    def dump(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "type": self.type,
            "url": self.url,
            "webhook_id": self.webhook_id,
            "company_id": self.company_id,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "state": self.state,
        }


class Dispatcher:
    def __init__(self, settings: Settings, traffic: Traffic, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.traffic = traffic
        self.clock = clock
        self.log: list[Delivery] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._gate: asyncio.Semaphore | None = None
        self._waiting: list[Delivery] = []  # published before the server started
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()

    def publish(
        self, company_id: str, webhooks: Iterable[dict[str, Any]], event: str, data: Any
    ) -> list[Delivery]:
        """Queue ``event`` for every subscription that wants it; returns the new messages."""
        stamp = time_from_epoch(self.clock())
        out = []
        for webhook in webhooks:
            if event != "webhook.ping" and event not in webhook["events"]:
                continue
            body = {"type": event, "timestamp": stamp, "data": data}
            delivery = Delivery(
                "msg_" + secrets.token_hex(12), event, webhook["url"], webhook["id"], company_id,
                webhook["secret"], json.dumps(body, separators=(",", ":")).encode(),
            )  # fmt: skip
            with self._lock:
                self.log.append(delivery)
            out.append(delivery)
            if self.traffic.drop_message():
                delivery.state = "dropped"
            else:
                self._schedule(delivery)
        return out

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        timeout = httpx.Timeout(self.settings.webhook_timeout, pool=None)
        self._client = httpx.AsyncClient(verify=False, follow_redirects=False, timeout=timeout)
        waiting, self._waiting = self._waiting, []
        for delivery in waiting:
            self._spawn(delivery)

    async def stop(self) -> None:
        self._cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        self._loop = self._client = None

    def reset(self) -> None:
        """Forget the log and abandon messages still being retried."""
        with self._lock:
            self.log.clear()
            self._waiting.clear()
        if self._loop is not None and not self._loop.is_closed():
            self._in_loop(self._cancel)

    def pending(self) -> int:
        with self._lock:
            return sum(d.state == "pending" for d in self.log)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block (in a test thread) until no message is pending; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.pending()} webhook messages still pending")
            time.sleep(0.01)

    def dump(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.dump() for d in self.log]

    def _schedule(self, delivery: Delivery) -> None:
        if self._loop is None or self._loop.is_closed():
            self._waiting.append(delivery)
        else:
            self._in_loop(lambda: self._spawn(delivery))

    def _in_loop(self, call: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            call()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(call)

    def _spawn(self, delivery: Delivery) -> None:
        if self._loop is None:
            self._waiting.append(delivery)
            return
        task = self._loop.create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _deliver(self, delivery: Delivery) -> None:
        attempts = self.settings.webhook_attempts
        try:
            for attempt in range(1, attempts + 1):
                wait = self.settings.webhook_backoff * 2 ** (attempt - 1)
                status, retry_after = await self._attempt(delivery)
                delivery.attempts = attempt
                if status is not None and 200 <= status < 300:
                    delivery.state = "delivered"
                    return
                if status == 410 or attempt == attempts:
                    break
                await asyncio.sleep(max(wait, min(retry_after or 0.0, 60.0)))
            delivery.state = "failed"
        except asyncio.CancelledError:
            delivery.state = "failed"
            delivery.last_error = delivery.last_error or "cancelled"
            raise

    async def _attempt(self, delivery: Delivery) -> tuple[int | None, float | None]:
        if self._client is None or self._gate is None:
            raise RuntimeError("the dispatcher is not running")
        # Wall time, not the simulator's clock: receivers check it against theirs (±5 min).
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(delivery.secret, delivery.message_id, stamp, delivery.body),
        }
        try:
            async with self._gate:
                response = await self._client.post(
                    delivery.url,
                    content=delivery.body,
                    headers=headers,
                    timeout=httpx.Timeout(self.settings.webhook_timeout, pool=None),
                )
        except httpx.HTTPError as exc:
            delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"
            return None, None
        delivery.last_status, delivery.last_error = response.status_code, None
        return response.status_code, _seconds(response.headers.get("retry-after"))


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
