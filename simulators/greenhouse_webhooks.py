"""Webhooks the Greenhouse simulator sends: v1-shaped payloads, signing, and delivery.

A delivery is a POST of `{"action": ..., "payload": {...}}`. The body is compact JSON with
non-ASCII and `<`, `>`, `&` escaped as `\\uXXXX` (Greenhouse escapes before signing), and
`Signature: sha256 <hex HMAC-SHA256 of the raw body keyed with the secret>`.
Only HTTP 200 counts as delivered [official wording: "non HTTP 200" is a failure]. A
failed delivery is retried after each of `retry_delays` (Greenhouse waits 1, 15, 60, 120,
240 and 480 minutes [official]; the simulator uses seconds). A retry keeps the same
`Greenhouse-Event-ID` [UNCONFIRMED]. Deliveries run on worker threads with their own
httpx clients (verify=False: self-signed HTTPS receivers are fine), so nothing here ever
blocks a control-plane or API response.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulators.greenhouse_common import Record, iso, iso_seconds
from simulators.greenhouse_seed import DEPARTMENTS, OFFICES

V1_STATUS = {"in_process": "active"}  # v3 in_process is v1 active; the rest are the same


# Payloads (v1 shapes, abridged to what the simulator knows) ---------------------------------


def job_payload(job: Record) -> dict[str, Any]:
    department = job["department_id"]
    return {
        "id": job["id"],
        "name": job["name"],
        "requisition_id": job["requisition_id"],
        "notes": job["notes"],
        "confidential": job["confidential"],
        "job_post_id": None,
        "status": job["status"],
        "created_at": iso_seconds(job["created_at"]),
        "opened_at": iso_seconds(job["opened_at"]),
        "closed_at": iso_seconds(job["closed_at"]),
        "url": f"https://app.greenhouse.io/sdash/{job['id']}",
        "departments": []
        if department is None
        else [{"id": department, "name": DEPARTMENTS.get(department), "external_id": None}],
        "offices": [
            {
                "id": office,
                "name": OFFICES.get(office, ("", ""))[0],
                "location": OFFICES.get(office, ("", ""))[1],
                "external_id": None,
            }
            for office in job["office_ids"]
        ],
        "hiring_team": {
            "hiring_managers": [],
            "recruiters": [],
            "coordinators": [],
            "sourcers": [],
        },
        "openings": [],
        "custom_fields": job["custom_fields"],
    }


def _user_ref(user: Record | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user["id"], "email": user["primary_email"], "name": user["name"]}


def candidate_payload(
    candidate: Record, recruiter: Record | None = None, coordinator: Record | None = None
) -> dict[str, Any]:
    return {
        "id": candidate["id"],
        "first_name": candidate["first_name"],
        "last_name": candidate["last_name"],
        "title": candidate["title"],
        "company": candidate["company"],
        "created_at": iso_seconds(candidate["created_at"]),
        "external_id": None,
        "photo_url": None,
        "url": f"https://app.greenhouse.io/people/{candidate['id']}",
        "is_private": candidate["private"],
        "can_email": candidate["can_email"],
        "phone_numbers": candidate["phone_numbers"],
        "email_addresses": candidate["email_addresses"],
        "addresses": candidate["addresses"],
        "website_addresses": candidate["website_addresses"],
        "social_media_addresses": candidate["social_media_addresses"],
        "educations": [],
        "employments": [],
        "recruiter": _user_ref(recruiter),
        "coordinator": _user_ref(coordinator),
        "attachments": [],
        "tags": candidate["tags"],
        "custom_fields": candidate["custom_fields"],
    }


def application_payload(
    app: Record,
    candidate: Record,
    job: Record | None,
    users: Mapping[int, Record],
) -> dict[str, Any]:
    recruiter = users.get(app["recruiter_id"]) if app["recruiter_id"] else None
    coordinator = users.get(app["coordinator_id"]) if app["coordinator_id"] else None
    return {
        "id": app["id"],
        "rejected_at": iso_seconds(app["rejected_at"]),
        "prospect": app["prospect"],
        "status": V1_STATUS.get(app["status"], app["status"]),
        "applied_at": iso_seconds(app["created_at"]),
        "last_activity_at": iso_seconds(app["last_activity_at"]),
        "url": f"https://app.greenhouse.io/people/{candidate['id']}?application_id={app['id']}",
        "source": None,
        "credited_to": None,
        "rejection_reason": None,
        "rejection_details": None,
        "current_stage": None
        if app["stage_id"] is None
        else {"id": app["stage_id"], "name": app["stage_name"], "interviews": []},
        "prospect_detail": {"prospect_pool": None, "prospect_stage": None, "prospect_owner": None},
        "custom_fields": app["custom_fields"],
        "candidate": candidate_payload(candidate, recruiter, coordinator),
        "jobs": [] if job is None else [job_payload(job)],
    }


def deleted_application_payload(app: Record) -> dict[str, Any]:
    return {
        "id": app["id"],
        "candidate_id": app["candidate_id"],
        "job_id": app["job_id"],
        "created_at": iso_seconds(app["created_at"]),
        "source_id": app["source_id"],
        "candidate_rejection_reason_id": app["rejection_reason_id"],
        "rejection_note_id": None,
        "rejected_at": iso_seconds(app["rejected_at"]),
        "referrer_id": app["referrer_id"],
        "prospect": app["prospect"],
        "rejected_by_user_id": None,
    }


def person_payload(candidate: Record, recruiter_id: int | None, deleted: list[int]) -> Record:
    return {
        "id": candidate["id"],
        "first_name": candidate["first_name"],
        "last_name": candidate["last_name"],
        "company": candidate["company"],
        "title": candidate["title"],
        "created_at": iso_seconds(candidate["created_at"]),
        "headline": None,
        "is_private": candidate["private"],
        "recruiter_user_id": recruiter_id,
        "coordinator_user_id": None,
        "can_email": candidate["can_email"],
        "deleted_application_ids": deleted,
    }


def encode_body(action: str, payload: Mapping[str, Any]) -> bytes:
    text = json.dumps({"action": action, "payload": payload}, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Delivery --------------------------------------------------------------------------------


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


@dataclass
class Delivery:
    webhook_id: int
    action: str
    url: str
    body: bytes
    secret: str
    retry_delays: list[float]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "pending"  # pending | delivered | failed | dropped | cancelled
    generation: int = 0  # the dispatcher's generation at submit; `clear` starts a new one
    attempts: list[dict[str, Any]] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: iso(time.time()))

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Greenhouse-Webhooks (simulator)",
            "Greenhouse-Event-ID": self.event_id,
            "Signature": sign(self.secret, self.body),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "webhook_id": self.webhook_id,
            "action": self.action,
            "url": self.url,
            "status": self.status,
            "attempts": list(self.attempts),
            "created_at": self.created_at,
            "body": self.body.decode(),
        }


class Dispatcher:
    """A timed queue of deliveries drained by worker threads started on first use.

    With one worker (the default) deliveries leave in the order of the events, retries
    aside; more workers let a slow receiver not hold up the rest, in any order.
    """

    def __init__(self, *, on_ping_failed: Callable[[Delivery], None], workers: int = 1) -> None:
        self.on_ping_failed = on_ping_failed
        self.workers = workers
        self.timeout = 5.0
        self.log: list[Delivery] = []
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.generation = 0

    def submit(self, delivery: Delivery, *, dropped: bool = False) -> None:
        with self._cond:
            delivery.generation = self.generation
            self.log.append(delivery)
            if dropped:
                delivery.status = "dropped"
                return
            self._push(0.0, delivery)
            self._start()

    def _push(self, delay: float, delivery: Delivery) -> None:
        heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), delivery))
        self._cond.notify()

    def _start(self) -> None:
        while len(self._threads) < self.workers and not self._stopping:
            name = f"gh-webhooks-{len(self._threads)}"
            thread = threading.Thread(target=self._work, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def set_workers(self, workers: int) -> None:
        """More workers start at once (if any run); fewer take effect after `stop`."""
        with self._cond:
            self.workers = workers
            if self._threads:
                self._start()

    def _next(self) -> Delivery | None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    delivery = heapq.heappop(self._heap)[2]
                    self._in_flight += 1
                    return delivery
                self._cond.wait(self._heap[0][0] - now if self._heap else None)
            return None

    def _work(self) -> None:
        # No keep-alive: a receiver never sees an idle connection it must close on shutdown.
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(verify=False, timeout=self.timeout, limits=limits) as client:
            while (delivery := self._next()) is not None:
                ok = self._attempt(client, delivery)
                ping_failed = False
                with self._cond:
                    if delivery.status == "cancelled":
                        pass
                    elif ok:
                        delivery.status = "delivered"
                    elif len(delivery.attempts) <= len(delivery.retry_delays):
                        self._push(delivery.retry_delays[len(delivery.attempts) - 1], delivery)
                    else:
                        delivery.status = "failed"
                        ping_failed = delivery.action == "ping"
                if ping_failed:  # before counting it done, so wait_idle sees the outcome
                    self.on_ping_failed(delivery)
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> bool:
        started = time.monotonic()
        record: dict[str, Any] = {"at": iso(time.time())}
        try:
            response = client.post(
                delivery.url,
                content=delivery.body,
                headers=delivery.headers(),
                timeout=self.timeout,
            )
            record["status_code"] = response.status_code
            ok = response.status_code == 200
        except Exception as exc:  # any network failure is a failed attempt, retried
            record["error"] = f"{type(exc).__name__}: {exc}"
            ok = False
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        with self._cond:
            delivery.attempts.append(record)
        return ok

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def clear(self) -> None:
        """Forget the log and cancel everything queued (in-flight attempts finish)."""
        with self._cond:
            for _, _, delivery in self._heap:
                delivery.status = "cancelled"
            for delivery in self.log:
                if delivery.status == "pending":
                    delivery.status = "cancelled"
            self._heap.clear()
            self.log = []
            self.generation += 1
            self._cond.notify_all()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._cond:
            return [delivery.to_json() for delivery in self.log]

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 1)
        with self._cond:
            self._threads = []
            self._stopping = False  # a later submit starts fresh workers
