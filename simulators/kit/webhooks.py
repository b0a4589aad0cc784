"""The webhook dispatcher: a timed queue of deliveries, sent with retries by worker threads.

    def sign(delivery: Delivery) -> dict[str, str]:       # the simulator's scheme
        return {"Signature": "sha256 " + hmac.new(delivery.secret.encode(), delivery.body,
                                                  hashlib.sha256).hexdigest()}

    dispatcher = Dispatcher(sign, faults=faults, timeout=lambda: 5.0)
    dispatcher.submit(Delivery("job_created", url, body, secret, retry=Delays([1, 5])))
    dispatcher.wait_idle(10)                              # True once nothing is pending

``sign`` is called on every attempt, so a scheme that signs a timestamp signs a fresh
one. ``retry`` decides per delivery whether an answer is a success and how long to wait
before the next attempt (``Delays``: a list of waits; ``Backoff``: doubling waits that
honour ``Retry-After``). A delivery is dropped, never sent, when the faults say so. With
one worker deliveries leave in the order of the events (retries aside). Receivers with
self-signed HTTPS certificates are accepted, and no connection is kept alive between
attempts, so a receiver never holds an idle connection at its shutdown.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from simulators.kit.faults import FaultModel

Signer = Callable[["Delivery"], dict[str, str]]


class Retry(Protocol):
    def ok(self, status: int) -> bool: ...

    def wait(self, attempt: int, status: int | None, retry_after: float | None) -> float | None:
        """Seconds before the attempt after ``attempt`` (1-based), or None to give up."""


@dataclass(frozen=True)
class Delays:
    """Success is exactly ``success``; then wait each of ``delays`` in turn."""

    delays: tuple[float, ...] = ()
    success: int = 200

    def ok(self, status: int) -> bool:
        return status == self.success

    def wait(self, attempt: int, status: int | None, retry_after: float | None) -> float | None:
        return float(self.delays[attempt - 1]) if attempt <= len(self.delays) else None


@dataclass(frozen=True)
class Backoff:
    """Success is any 2xx; ``attempts`` in all, ``base`` seconds doubling, Retry-After
    honoured up to a minute, and 410 Gone gives up at once."""

    attempts: int
    base: float

    def ok(self, status: int) -> bool:
        return 200 <= status < 300

    def wait(self, attempt: int, status: int | None, retry_after: float | None) -> float | None:
        if status == 410 or attempt >= self.attempts:
            return None
        return max(self.base * 2.0 ** (attempt - 1), min(retry_after or 0.0, 60.0))


@dataclass
class Delivery:
    event: str
    url: str
    body: bytes = field(repr=False)
    secret: str = field(repr=False)
    retry: Retry = field(default_factory=Delays)
    meta: dict[str, Any] = field(default_factory=dict)  # the simulator's own: webhook id, ...
    droppable: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = "pending"  # pending | delivered | failed | dropped | cancelled
    generation: int = 0  # the dispatcher's generation at submit; `clear` starts a new one
    attempts: list[dict[str, Any]] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    @property
    def last_status(self) -> int | None:
        return self.attempts[-1].get("status_code") if self.attempts else None

    @property
    def last_error(self) -> str | None:
        return self.attempts[-1].get("error") if self.attempts else None


class Dispatcher:
    def __init__(
        self,
        sign: Signer,
        *,
        faults: FaultModel,
        timeout: Callable[[], float] = lambda: 5.0,
        workers: int = 1,
        headers: dict[str, str] | None = None,
        on_failed: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.sign = sign
        self.faults = faults
        self.timeout = timeout
        self.workers = workers
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.on_failed = on_failed
        self.log: list[Delivery] = []
        self.generation = 0
        self._heap: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def submit(self, delivery: Delivery) -> Delivery:
        """Queue a delivery, or log it as dropped when the dropped-webhook fault bites."""
        with self._cond:
            delivery.generation = self.generation
            self.log.append(delivery)
            if delivery.droppable and self.faults.drop_webhook():
                delivery.state = "dropped"
                return delivery
            self._push(0.0, delivery)
            self._start()
            return delivery

    def set_workers(self, workers: int) -> None:
        """More workers start at once (if any run); fewer take effect after ``stop``."""
        with self._cond:
            self.workers = workers
            if self._threads:
                self._start()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def drain(self, timeout: float = 10.0) -> None:
        """``wait_idle``, raising TimeoutError when messages are still pending."""
        if not self.wait_idle(timeout):
            raise TimeoutError(f"{self.pending()} webhook messages still pending")

    def clear(self) -> None:
        """Forget the log and cancel everything queued (in-flight attempts finish)."""
        with self._cond:
            for delivery in self.log:
                if delivery.state == "pending":
                    delivery.state = "cancelled"
            self._heap.clear()
            self.log = []
            self.generation += 1
            self._cond.notify_all()

    def snapshot(self) -> list[Delivery]:
        with self._cond:
            return list(self.log)

    def deliveries(self) -> list[dict[str, Any]]:
        """The log as ``GET /_sim/deliveries`` answers it: id, event, URL, state, attempts."""
        return [{"id": d.id, "event": d.event, "url": d.url, "state": d.state,
                 "attempts": d.attempts} for d in self.snapshot()]  # fmt: skip

    def stop(self) -> None:
        """Stop the worker threads; a later submit starts fresh ones."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.timeout() + 1)
        with self._cond:
            self._threads = []
            self._stopping = False

    def _push(self, delay: float, delivery: Delivery) -> None:
        heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), delivery))
        self._cond.notify()

    def _start(self) -> None:
        while len(self._threads) < self.workers and not self._stopping:
            name = f"webhooks-{len(self._threads)}"
            thread = threading.Thread(target=self._work, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next(self) -> Delivery | None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    self._in_flight += 1
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(self._heap[0][0] - now if self._heap else None)
            return None

    def _work(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(verify=False, follow_redirects=False, limits=limits) as client:
            while (delivery := self._next()) is not None:
                failed = self._settle(delivery, *self._attempt(client, delivery))
                if failed and self.on_failed is not None:
                    self.on_failed(delivery)  # before counting it done: wait_idle sees it
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _settle(self, delivery: Delivery, status: int | None, retry_after: float | None) -> bool:
        """Mark the outcome of an attempt or queue the next; True when it finally failed."""
        with self._cond:
            if delivery.state != "pending":  # cancelled by a clear meanwhile
                return False
            if status is not None and delivery.retry.ok(status):
                delivery.state = "delivered"
                return False
            wait = delivery.retry.wait(len(delivery.attempts), status, retry_after)
            if wait is not None:
                self._push(wait, delivery)
                return False
            delivery.state = "failed"
            return True

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> tuple[int | None, float | None]:
        started = time.monotonic()
        record: dict[str, Any] = {"at": time.time()}
        status: int | None = None
        retry_after: float | None = None
        try:
            response = client.post(
                delivery.url,
                content=delivery.body,
                headers={**self.headers, **self.sign(delivery)},
                timeout=httpx.Timeout(self.timeout(), pool=None),
            )
            status = record["status_code"] = response.status_code
            retry_after = _seconds(response.headers.get("retry-after"))
        except Exception as exc:  # any network failure is a failed attempt, retried
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        with self._cond:
            delivery.attempts.append(record)
        return status, retry_after


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
