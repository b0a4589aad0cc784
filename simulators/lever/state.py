"""``LeverSim``: one Lever account's data, API keys, rate limit, faults and webhooks,
behind one lock so the routes and the test helpers may use it from any thread.

    sim = LeverSim(seed=1)
    sim.add_key("api-key")
    posting = sim.create_posting(text="Engineer", description="<p>x</p>")
    opportunity = sim.apply(posting["id"], "Ada Lovelace", "ada@example.com")
    sim.change_stage(opportunity["id"], records.STAGE_IDS["Video Interview"])
"""

from __future__ import annotations

import base64
import binascii
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.ratelimit import Admission, RollingWindow
from simulators.kit.table import Table
from simulators.kit.webhooks import Backoff, Delivery, Dispatcher
from simulators.lever import records
from simulators.lever.errors import BadRequest, NotFound, Unauthorized
from simulators.lever.hooks import EVENTS, Webhook, envelope

Record = dict[str, Any]


@dataclass
class Settings:
    """Knobs, changed with ``POST /_sim/config``."""

    rate_limit: int = 10_000  # requests per second per key; Lever's steady rate is 10
    webhook_attempts: int = 4
    webhook_backoff_seconds: float = 0.2
    webhook_timeout_seconds: float = 5.0

    def update(self, body: Mapping[str, Any]) -> None:
        for key, value in body.items():
            if key not in asdict(self):
                raise BadRequest(f"unknown setting {key!r}")
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise BadRequest(f"{key} must be a number > 0")
            setattr(self, key, float(value) if key.endswith("seconds") else int(value))


def encode_offset(after: int) -> str:
    return base64.urlsafe_b64encode(f"[{after}]".encode()).decode().rstrip("=")


def decode_offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.strip("[]"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("Invalid offset token") from None


class LeverSim:
    def __init__(self, *, seed: int = 0, rate_limit: int = 10_000) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.settings = Settings(rate_limit=rate_limit)
        self._default_limit = rate_limit
        self.faults = FaultModel(seed=seed, error_statuses=(500, 503))
        self.window = RollingWindow()
        self.dispatcher = Dispatcher(
            lambda d: {}, faults=self.faults,
            timeout=lambda: self.settings.webhook_timeout_seconds,
            headers={"User-Agent": "Lever-Webhooks (simulator)"},
        )  # fmt: skip
        self.keys: dict[str, str] = {}  # API key -> the user it acts as
        self._new_tables()

    def _new_tables(self) -> None:
        def ids() -> str:
            return records.new_uuid(self.rng)

        stamp = records.stamp
        self.postings = Table("postings", new_id=ids, stamp=stamp, indexed=("state",))
        self.opportunities = Table("opportunities", new_id=ids, stamp=stamp,
                                   indexed=("posting", "stage", "contact"))  # fmt: skip
        self.users = Table("users", new_id=ids, stamp=stamp, folded=("email",))
        self.notes = Table("notes", new_id=ids, stamp=stamp, indexed=("opportunity",))
        self.webhooks: dict[str, Webhook] = {}

    # --- auth, rate limit -----------------------------------------------------------------

    def add_key(self, key: str) -> None:
        with self.lock:
            user = self.add_user("Connector Service", "connector@acme.example", "super admin")
            self.keys[key] = user["id"]

    def authenticate(self, authorization: str | None) -> str:
        """The API key: the username of HTTP basic auth (the password is empty)."""
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized() from None
        key = decoded.partition(":")[0]
        with self.lock:
            if scheme.lower() != "basic" or key not in self.keys:
                raise Unauthorized()
        return key

    def admit(self, key: str) -> Admission:
        with self.lock:
            return self.window.hit(key, self.settings.rate_limit, 1.0)

    # --- data -----------------------------------------------------------------------------

    def create_posting(self, *, text: str, description: str = "", state: str = "published",
                       requisition_codes: tuple[str, ...] = ()) -> Record:  # fmt: skip
        if state not in records.POSTING_STATES:
            raise BadRequest(f"state must be one of {list(records.POSTING_STATES)}")
        with self.lock:
            return self.postings.create({"text": text, "description": description,
                                         "state": state,
                                         "requisitionCodes": list(requisition_codes)})  # fmt: skip

    def posting(self, posting_id: str) -> Record:
        with self.lock:
            found = self.postings.get(posting_id)
        if found is None:
            raise NotFound(f"posting {posting_id}")
        return found

    def update_posting(self, posting_id: str, **changes: Any) -> Record:
        with self.lock:
            return self.postings.update(self.posting(posting_id)["id"], changes)

    def add_user(self, name: str, email: str, role: str) -> Record:
        if role not in records.ACCESS_ROLES:
            raise BadRequest(f"accessRole must be one of {list(records.ACCESS_ROLES)}")
        with self.lock:
            return self.users.create({"name": name, "email": email, "accessRole": role})

    def apply(self, posting_id: str, name: str, email: str, phone: str | None = None) -> Record:
        """A new candidate's opportunity with one application to the posting."""
        with self.lock:
            self.posting(posting_id)
            now = records.stamp()
            opportunity = self.opportunities.create({
                "name": name, "contact": records.new_uuid(self.rng), "emails": [email],
                "phones": [{"type": "mobile", "value": phone}] if phone else [],
                "stage": "applicant-new", "posting": posting_id, "archived": None,
                "application": records.new_uuid(self.rng), "advanced_at": now,
                "stageChanges": [{"toStageId": "applicant-new", "toStageIndex": 3,
                                  "updatedAt": int(now), "userId": None}],
            })  # fmt: skip
            self.emit("applicationCreated", opportunity,
                      applicationId=opportunity["application"], postingId=posting_id)  # fmt: skip
            return opportunity

    def opportunity(self, opportunity_id: str) -> Record:
        with self.lock:
            found = self.opportunities.get(opportunity_id)
        if found is None:
            raise NotFound(f"opportunity {opportunity_id}")
        return found

    def change_stage(self, opportunity_id: str, stage_id: Any) -> Record:
        if not isinstance(stage_id, str) or stage_id not in records.STAGE_TEXT:
            raise NotFound(f"stages {stage_id}")
        with self.lock:
            opportunity = self.opportunity(opportunity_id)
            before, now = opportunity["stage"], records.stamp()
            index = [s for s, _ in records.STAGES].index(stage_id)
            changes = [*opportunity["stageChanges"], {"toStageId": stage_id,
                       "toStageIndex": index, "updatedAt": int(now), "userId": None}]  # fmt: skip
            moved = self.opportunities.update(opportunity_id, {
                "stage": stage_id, "stageChanges": changes, "advanced_at": now})  # fmt: skip
            self.emit("candidateStageChange", moved, fromStageId=before, toStageId=stage_id)
            return moved

    def archive(self, opportunity_id: str, reason: str | None) -> Record:
        """Archive with a reason, or unarchive with None."""
        with self.lock:
            before = self.opportunity(opportunity_id)["archived"]
            after = {"reason": reason, "archivedAt": records.now_ms()} if reason else None
            changed = self.opportunities.update(opportunity_id, {"archived": after})
            self.emit("candidateArchiveChange", changed, fromArchived=before, toArchived=after)
            if reason == records.HIRED_REASON:
                self.emit("candidateHired", changed)
            return changed

    def delete_opportunity(self, opportunity_id: str) -> None:
        with self.lock:
            gone = self.opportunities.delete(self.opportunity(opportunity_id)["id"])
            self.emit("candidateDeleted", gone, deletedBy=None)

    def add_note(self, opportunity_id: str, value: Any, user: str | None) -> Record:
        if not isinstance(value, str) or not value.strip():
            raise BadRequest("value is required")
        with self.lock:
            self.opportunity(opportunity_id)
            return self.notes.create({"opportunity": opportunity_id, "value": value,
                                      "user": user})  # fmt: skip

    # --- webhooks -------------------------------------------------------------------------

    def add_webhook(self, url: str, event: str, signature_token: str) -> Webhook:
        if event not in EVENTS:
            raise BadRequest(f"event must be one of {list(EVENTS)}")
        with self.lock:
            hook = Webhook(records.new_uuid(self.rng), event, url, signature_token)
            self.webhooks[hook.id] = hook
            return hook

    def emit(self, event: str, opportunity: Record, **extra: Any) -> None:
        with self.lock:
            wanted = [h for h in self.webhooks.values() if h.enabled and h.event == event]
            retry = Backoff(self.settings.webhook_attempts, self.settings.webhook_backoff_seconds)
        data = {"opportunityId": opportunity["id"], "candidateId": opportunity["id"],
                "contactId": opportunity["contact"], **extra}  # fmt: skip
        for hook in wanted:
            body = envelope(event, data, hook.signature_token)
            self.dispatcher.submit(Delivery(event, hook.url, body, hook.signature_token,
                                            retry=retry, meta={"webhook": hook.id}))  # fmt: skip

    # --- control --------------------------------------------------------------------------

    def control_reset(self, options: Mapping[str, Any]) -> None:
        if options:
            raise BadRequest(f"reset takes no options, got {sorted(options)}")
        self.dispatcher.clear()
        with self.lock:
            keys = list(self.keys)
            self._new_tables()
            self.keys = {}
            self.window.clear()
            self.faults.reset()
            self.settings = Settings(rate_limit=self._default_limit)
        for key in keys:
            self.add_key(key)

    def control_state(self, root: str) -> dict[str, Any]:
        with self.lock:
            return {
                "postings": [records.posting_json(p) for p in self.postings.values()],
                "opportunities": [
                    records.opportunity_json(o, ("stage", "applications"))
                    for o in self.opportunities.values()
                ],
                "users": [records.user_json(u) for u in self.users.values()],
                "notes": [
                    {**records.note_json(n), "opportunityId": n["opportunity"]}
                    for n in self.notes.values()
                ],
                "webhooks": [h.to_json() for h in self.webhooks.values()],
                "settings": asdict(self.settings),
                "throttled": self.window.throttled,
            }

    def deliveries(self) -> list[dict[str, Any]]:
        return self.dispatcher.deliveries()

    def close(self) -> None:
        self.dispatcher.stop()
