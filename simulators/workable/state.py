"""``WorkableSim``: one Workable account's data, tokens, rate limit, faults and webhooks,
behind one lock so the routes and the test helpers may use it from any thread.

    sim = WorkableSim(seed=1)
    sim.add_token("tok")                                   # an account token
    job = sim.create_job(title="Engineer", description="<p>x</p>")
    candidate = sim.create_candidate(job["shortcode"], "Ada", "Lovelace", "ada@example.com")
    sim.move(candidate["id"], "video-interview")           # candidate_moved is sent
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.ratelimit import FixedWindow
from simulators.kit.table import Table
from simulators.kit.webhooks import Delays, Delivery, Dispatcher
from simulators.workable import records
from simulators.workable.errors import NotFound, Unauthorized, Unprocessable, WorkableError
from simulators.workable.hooks import Subscription, encode, headers
from simulators.workable.partner import Partner

Record = dict[str, Any]


@dataclass
class Settings:
    """Knobs, changed with ``POST /_sim/config``."""

    rate_limit: int = 10_000  # requests per interval per token; Workable's is 10
    rate_window_seconds: float = 10.0
    webhook_retry_delays: list[float] = field(default_factory=lambda: [0.2, 0.5, 1.0])
    webhook_timeout_seconds: float = 5.0

    def update(self, body: Mapping[str, Any]) -> None:
        for key, value in body.items():
            if key not in asdict(self):
                raise Unprocessable(f"unknown setting {key!r}")
            if key == "webhook_retry_delays":
                if not isinstance(value, list) or not all(_number(v) and v >= 0 for v in value):
                    raise Unprocessable("webhook_retry_delays must be a list of seconds")
                self.webhook_retry_delays = [float(v) for v in value]
            elif key == "rate_limit" and (not _number(value) or int(value) != value or value < 1):
                raise Unprocessable("rate_limit must be an integer >= 1")
            elif not _number(value) or value <= 0:
                raise Unprocessable(f"{key} must be a number > 0")
            else:
                setattr(self, key, int(value) if key == "rate_limit" else float(value))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hex_ids(start: int) -> Any:
    counter = itertools.count(start)
    return lambda: f"{next(counter):08x}"


class WorkableSim:
    def __init__(self, *, seed: int = 0, subdomain: str = "acme", rate_limit: int = 10_000):
        self.lock = threading.RLock()
        self.subdomain = subdomain
        self.settings = Settings(rate_limit=rate_limit)
        self._default_limit = rate_limit
        self.faults = FaultModel(seed=seed, error_statuses=(500, 502, 503))
        self.window = FixedWindow()
        self.dispatcher = Dispatcher(
            lambda d: headers(d), faults=self.faults,
            timeout=lambda: self.settings.webhook_timeout_seconds,
            headers={"User-Agent": "Workable-Webhooks (simulator)"},
        )  # fmt: skip
        self.tokens: dict[str, str] = {}  # token -> the member it acts as
        self.served = 0  # authenticated API requests
        self.partner = Partner(self.lock)  # an assessment provider and the orders
        self._new_tables()

    def _new_tables(self) -> None:
        stamp = records.stamp
        self.jobs = Table("jobs", new_id=_hex_ids(0x6188_4E00), stamp=stamp, indexed=("state",))
        self.candidates = Table("candidates", new_id=_hex_ids(0xCE4D_A000), stamp=stamp,
                                indexed=("shortcode", "stage"), folded=("email",))  # fmt: skip
        self.members = Table("members", new_id=_hex_ids(0x13E0_EB00), stamp=stamp)
        self.comments = Table("comments", new_id=_hex_ids(0x0C00_0000), stamp=stamp)
        self.subscriptions: dict[int, Subscription] = {}
        self._subscription_ids = itertools.count(772_571_818)
        self._shortcodes = itertools.count(1)

    # --- auth, rate limit -----------------------------------------------------------------

    def add_token(self, token: str, member_id: str | None = None) -> None:
        with self.lock:
            if member_id is None:
                member_id = self.add_member("Connector Service", "connector@acme.example",
                                            "admin")["id"]  # fmt: skip
            self.tokens[token] = member_id

    def authenticate(self, authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        with self.lock:
            if scheme.lower() != "bearer" or token.strip() not in self.tokens:
                raise Unauthorized()
        return token.strip()

    def admit(self, token: str) -> tuple[dict[str, str], int | None]:
        """The X-Rate-Limit-* headers of this request, and Retry-After when over the limit."""
        with self.lock:
            self.served += 1
            admission = self.window.hit(token, self.settings.rate_limit,
                                        self.settings.rate_window_seconds)  # fmt: skip
        reset = math.ceil(time.time() + admission.reset)  # the epoch second of the next interval
        out = {"X-Rate-Limit-Limit": str(admission.limit),
               "X-Rate-Limit-Remaining": str(admission.remaining),
               "X-Rate-Limit-Reset": str(reset)}  # fmt: skip
        return out, admission.retry_after

    # --- data -----------------------------------------------------------------------------

    def create_job(self, *, title: str, description: str = "", state: str = "published",
                   code: str | None = None) -> Record:  # fmt: skip
        with self.lock:
            shortcode = f"{self.subdomain[:5].upper()}{next(self._shortcodes):03d}"
            return self.jobs.create({"shortcode": shortcode, "title": title, "state": state,
                                     "description": description, "code": code})  # fmt: skip

    def job(self, shortcode: str) -> Record:
        with self.lock:
            for job in self.jobs.values():
                if job["shortcode"] == shortcode:
                    return job
        raise NotFound()

    def update_job(self, shortcode: str, **changes: Any) -> Record:
        with self.lock:
            return self.jobs.update(self.job(shortcode)["id"], changes)

    def add_member(self, name: str, email: str, role: str) -> Record:
        if role not in records.ROLES:
            raise Unprocessable(f"role must be one of {list(records.ROLES)}")
        with self.lock:
            return self.members.create({"name": name, "email": email, "role": role,
                                        "headline": None})  # fmt: skip

    def create_candidate(self, shortcode: str, first: str, last: str, email: str,
                         stage: str = "Applied") -> Record:  # fmt: skip
        with self.lock:
            self.job(shortcode)
            candidate = self.candidates.create({
                "shortcode": shortcode, "firstname": first, "lastname": last, "email": email,
                "phone": None, "headline": None, "stage": stage, "disqualified": False,
            })  # fmt: skip
            self.emit("candidate_created", candidate)
            return candidate

    def candidate(self, candidate_id: str) -> Record:
        with self.lock:
            found = self.candidates.get(candidate_id)
        if found is None:
            raise NotFound()
        return found

    def move(self, candidate_id: str, target_stage: str | None) -> Record:
        """To the stage of slug ``target_stage``, or the next one when None."""
        with self.lock:
            candidate = self.candidate(candidate_id)
            if target_stage is None:
                name = records.next_stage(candidate["stage"])
                if name is None:
                    raise Unprocessable("the candidate is in the last stage")
            elif target_stage in records.STAGE_NAMES:
                name = records.STAGE_NAMES[target_stage]
            else:
                raise Unprocessable(f"unknown target_stage {target_stage!r}")
            moved = self.candidates.update(candidate_id, {"stage": name})
            self.emit("candidate_moved", moved)
            return moved

    def delete_candidate(self, candidate_id: str) -> None:
        """As a recruiter deletes a candidate: candidate_deleted carries its last state."""
        with self.lock:
            candidate = self.candidate(candidate_id)
            self.emit("candidate_deleted", candidate)
            self.candidates.delete(candidate_id)

    def add_comment(self, candidate_id: str, member_id: str, body: str) -> Record:
        with self.lock:
            self.candidate(candidate_id)
            return self.comments.create({"candidate_id": candidate_id, "member_id": member_id,
                                         "body": body})  # fmt: skip

    # --- rendering ------------------------------------------------------------------------

    def job_json(self, job: Record, *, description: bool = True) -> Record:
        return records.job_json(job, self.subdomain, description=description)

    def candidate_json(self, candidate: Record) -> Record:
        with self.lock:
            jobs = [j for j in self.jobs.values() if j["shortcode"] == candidate["shortcode"]]
        return records.candidate_json(candidate, jobs[0] if jobs else None, self.subdomain)

    # --- webhooks -------------------------------------------------------------------------

    def subscribe(self, token: str, body: Mapping[str, Any]) -> Subscription:
        """``POST /subscriptions``: one event at one target; a target taken is a 409."""
        subscription = Subscription.parse(body, token, self.subdomain)
        with self.lock:
            if any(s.target == subscription.target for s in self.subscriptions.values()):
                raise WorkableError(409, "Target already registered")
            subscription.id = next(self._subscription_ids)
            self.subscriptions[subscription.id] = subscription
            return subscription

    def unsubscribe(self, subscription_id: int) -> None:
        with self.lock:
            if self.subscriptions.pop(subscription_id, None) is None:
                raise NotFound()

    def emit(self, event: str, candidate: Record) -> None:
        with self.lock:
            wanted = [s for s in self.subscriptions.values() if s.wants(event, candidate)]
            if not wanted:
                return
            data = self.candidate_json(candidate)
            delays = tuple(self.settings.webhook_retry_delays)
        for subscription in wanted:
            payload = {"id": str(uuid.uuid4()), "event_type": event, "resource_type": "candidate",
                       "firing_date": records.stamp(), "data": data}  # fmt: skip
            self.dispatcher.submit(Delivery(event, subscription.target, encode(payload),
                                            subscription.token, retry=Delays(delays)))  # fmt: skip

    # --- control --------------------------------------------------------------------------

    def control_reset(self, options: Mapping[str, Any]) -> None:
        if options:
            raise Unprocessable(f"reset takes no options, got {sorted(options)}")
        self.dispatcher.clear()
        with self.lock:
            tokens = dict(self.tokens)
            self._new_tables()
            self.tokens = {}
            self.window.clear()
            self.partner.clear()
            self.faults.reset()
            self.settings = Settings(rate_limit=self._default_limit)
        for token in tokens:
            self.add_token(token)

    def control_state(self, root: str) -> dict[str, Any]:
        with self.lock:
            return {
                "jobs": [self.job_json(j) for j in self.jobs.values()],
                "candidates": [self.candidate_json(c) for c in self.candidates.values()],
                "members": [records.member_json(m) for m in self.members.values()],
                "comments": list(self.comments.values()),
                "subscriptions": [s.to_json() for s in self.subscriptions.values()],
                "settings": asdict(self.settings),
                "served": self.served,
                "throttled": self.window.throttled,
                "partner": self.partner.dump(),
            }

    def deliveries(self) -> list[dict[str, Any]]:
        return self.dispatcher.deliveries()

    def close(self) -> None:
        self.dispatcher.stop()
