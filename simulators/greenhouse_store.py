"""The Greenhouse simulator's data: id-ordered tables, indexes, timestamps and webhooks.

`Store` is the base of `GreenhouseSim`; `Records` (greenhouse_records.py) adds the
control-plane changes and `GreenhouseSim` (greenhouse_state.py) the API behaviour. One
re-entrant lock guards everything, so the Python API is safe from any thread.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from simulators.greenhouse_common import Record, SimError, Table, iso, iso_ms, not_found
from simulators.greenhouse_gate import FaultInjector, RateLimiter, SimConfig, Token
from simulators.greenhouse_seed import NameMaker
from simulators.greenhouse_webhooks import (
    Delivery,
    Dispatcher,
    Webhook,
    application_payload,
    encode_body,
)

# Disjoint id ranges, so that an id of one resource used as another's is a 404, not a
# silent hit.
FIRST_IDS = {
    "users": 100_001,
    "jobs": 4_000_001,
    "job_interview_stages": 7_000_001,
    "candidates": 20_000_001,
    "applications": 50_000_001,
    "notes": 90_000_001,
}


class Store:
    def __init__(self, *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.config = SimConfig()
        self.clients: dict[str, str] = {}
        self.faults = FaultInjector()
        self.dispatcher = Dispatcher(on_ping_failed=self._ping_failed)
        self._clear()

    def _clear(self) -> None:
        self.tables: dict[str, Table] = {name: Table() for name in FIRST_IDS}
        self.users = self.tables["users"]
        self.jobs = self.tables["jobs"]
        self.stages = self.tables["job_interview_stages"]
        self.candidates = self.tables["candidates"]
        self.applications = self.tables["applications"]
        self.notes = self.tables["notes"]
        self._next_ids = dict(FIRST_IDS)
        self.stages_by_job: dict[int, list[int]] = {}  # in sort_order
        self.apps_by_job: dict[int, set[int]] = {}
        self.apps_by_candidate: dict[int, set[int]] = {}
        self.tokens: dict[str, Token] = {}
        self.rate = RateLimiter()
        self.counters: dict[str, int] = {
            "token_requests": 0,
            "tokens_issued": 0,
            "token_failures": 0,
            "api_requests": 0,
        }
        self.token_requests_by_client: dict[str, int] = {}
        self.responses_by_status: dict[str, int] = {}
        self.webhooks: dict[int, Webhook] = {}
        self._next_webhook = 1
        self.data_rng = random.Random(self.seed)
        self.names = NameMaker(self.data_rng)
        self._last_ms = 0
        self.dispatcher.clear()

    # ids and time -------------------------------------------------------------------------

    def _new_id(self, resource: str) -> int:
        rid = self._next_ids[resource]
        self._next_ids[resource] = rid + 1
        return rid

    def _stamp(self) -> str:
        """Now, strictly after every earlier stamp (so updated_at never ties)."""
        ms = max(math.floor(time.time() * 1000), self._last_ms + 1)
        self._last_ms = ms
        return iso_ms(ms)

    # lookups ------------------------------------------------------------------------------

    def _get(self, table: Table, rid: int, what: str) -> Record:
        record = table.get(rid)
        if record is None:
            raise not_found(what, rid)
        return record

    def _job_stages(self, job_id: int) -> list[Record]:
        rows = self.stages.rows
        return [rows[sid] for sid in self.stages_by_job.get(job_id, ())]

    def _stage_by_name(self, job_id: int, name: str) -> Record:
        for stage in self._job_stages(job_id):
            if stage["name"] == name:
                return stage
        raise SimError(422, f"job {job_id} has no stage named {name!r}", field="stage_name")

    def _index_app(self, app: Record) -> None:
        self.apps_by_job.setdefault(app["job_id"], set()).add(app["id"])
        self.apps_by_candidate.setdefault(app["candidate_id"], set()).add(app["id"])

    def _unindex_app(self, app: Record) -> None:
        self.apps_by_job.get(app["job_id"], set()).discard(app["id"])
        self.apps_by_candidate.get(app["candidate_id"], set()).discard(app["id"])

    def _has_application(self, candidate_id: int, job_id: int) -> bool:
        return not self.apps_by_candidate.get(candidate_id, set()).isdisjoint(
            self.apps_by_job.get(job_id, set())
        )

    # webhooks -----------------------------------------------------------------------------

    def _emit(self, action: str, build: Callable[[], dict[str, Any]]) -> None:
        """Queue `action` to every active webhook that wants it; payload built once."""
        hooks = [hook for hook in self.webhooks.values() if hook.wants(action)]
        if not hooks:
            return
        body = encode_body(action, build())
        for hook in hooks:
            delivery = Delivery(
                webhook_id=hook.id,
                action=action,
                url=hook.url,
                body=body,
                secret=hook.secret,
                retry_delays=list(self.config.webhook_retry_delays),
            )
            self.dispatcher.submit(delivery, dropped=self.faults.drop_webhook())

    def _app_payload(self, app: Record) -> dict[str, Any]:
        return {
            "application": application_payload(
                app,
                self.candidates.rows[app["candidate_id"]],
                self.jobs.get(app["job_id"]),
                self.users.rows,
            )
        }

    def _ping(self, hook: Webhook) -> None:
        payload = {
            "web_hook": {
                "id": hook.id,
                "url": hook.url,
                "events": "all" if hook.events is None else sorted(hook.events),
                "active": hook.active,
            }
        }
        delivery = Delivery(
            webhook_id=hook.id,
            action="ping",
            url=hook.url,
            body=encode_body("ping", payload),
            secret=hook.secret,
            retry_delays=[],  # a failed ping disables the webhook [official]
        )
        self.dispatcher.submit(delivery)

    def _ping_failed(self, delivery: Delivery) -> None:
        with self.lock:
            if delivery.generation != self.dispatcher.generation:  # a reset came in between
                return
            hook = self.webhooks.get(delivery.webhook_id)
            if hook is not None:
                hook.active = False

    def register_webhook(
        self, url: str, secret: str, events: list[str] | None = None
    ) -> dict[str, Any]:
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
                id=self._next_webhook,
                url=url,
                secret=secret,
                events=None if events is None else frozenset(events),
                created_at=iso(time.time()),
            )
            self._next_webhook += 1
            self.webhooks[hook.id] = hook
            self._ping(hook)
            return hook.to_json()

    def update_webhook(self, webhook_id: int, /, **fields: Any) -> dict[str, Any]:
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
            self._ping(hook)
            return hook.to_json()

    def delete_webhook(self, webhook_id: int) -> None:
        with self.lock:
            if self.webhooks.pop(webhook_id, None) is None:
                raise not_found("webhook", webhook_id)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is queued, retrying or in flight (False on timeout)."""
        return self.dispatcher.wait_idle(timeout)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.dispatcher.snapshot()

    def close(self) -> None:
        """Stop the delivery threads (they start again on the next delivery)."""
        self.dispatcher.stop()
