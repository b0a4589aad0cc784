"""``TeamtailorSim``: the simulator's data and API behaviour, usable without HTTP.

    sim = TeamtailorSim(seed=7)
    sim.add_api_key("key")
    job = sim.create_job(title="Engineer", body="<p>Team</p>")   # fires job.create
    app = sim.create_application(job["id"], first_name="Ada", last_name="L", email="a@x")
    sim.move(app["id"], sim.stage_named("Video Interview")["id"])

One re-entrant lock guards everything; public methods take it and return stored records
(snake_case; ``jsonapi.resource`` writes them as the API does). Ids are strings of digits.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from simulators.kit.faults import FaultModel
from simulators.kit.ratelimit import FixedWindow
from simulators.kit.table import Record, Table
from simulators.teamtailor.hooks import Hooks
from simulators.teamtailor.jsonapi import (
    RELATIONSHIPS,
    ApiError,
    invalid,
    not_found,
    page_links,
    resource,
)
from simulators.teamtailor.listing import Query, page_of, select

KINDS = ("jobs", "candidates", "job-applications", "stages", "users", "notes")
JOB_STATUSES = ("open", "draft", "archived", "unlisted")
ROLES = ("admin", "recruitment_admin", "user", "hiring_manager", "no_access")
PIPELINE = (
    ("Inbox", "inbox"),
    ("Video Interview", "in_process"),
    ("Video Interview Completed", "in_process"),
    ("Interview", "interview"),
    ("Offer", "offer"),
    ("Hired", "hired"),
)


@dataclass
class Settings:
    rate_limit: int = 10_000  # requests per window per API key (Teamtailor: 50)
    rate_window_seconds: float = 10.0
    api_version: str = "20240404"
    public_base_url: str | None = None
    webhook_timeout_seconds: float = 5.0


class Clock:
    """ISO 8601 stamps with milliseconds and an offset, strictly increasing."""

    def __init__(self) -> None:
        self.last = 0

    def stamp(self) -> str:
        now = max(int(time.time() * 1000), self.last + 1)
        self.last = now
        moment = datetime.fromtimestamp(now / 1000, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now % 1000:03d}+00:00"


class TeamtailorSim:
    def __init__(self, *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.settings = Settings()
        self.faults = FaultModel(seed=seed, error_statuses=(500, 502, 503))
        self.window = FixedWindow()
        self.hooks = Hooks(self.faults)
        self.dispatcher = self.hooks.dispatcher
        self.clock = Clock()
        self.api_keys: set[str] = set()
        self._ids = itertools.count(1)
        self.tables = {kind: self._table(kind) for kind in KINDS}
        self._pipeline()

    def _table(self, kind: str) -> Table:
        return Table(kind, new_id=lambda: str(next(self._ids)), stamp=self.clock.stamp)

    def _pipeline(self) -> None:
        for order, (name, stage_type) in enumerate(PIPELINE):
            self.tables["stages"].create(
                {"name": name, "stage_type": stage_type, "row_order": order}
            )

    # --- auth and pacing ---------------------------------------------------------------

    def add_api_key(self, key: str) -> None:
        with self.lock:
            self.api_keys.add(key)

    def authenticate(self, authorization: str | None, version: str | None) -> str:
        """The API key of ``Authorization: Token token=<key>``; 401 otherwise."""
        scheme, _, rest = (authorization or "").partition(" ")
        key = rest.strip().removeprefix("token=").strip('"')
        with self.lock:
            if (
                scheme != "Token"
                or not rest.strip().startswith("token=")
                or key not in self.api_keys
            ):
                raise ApiError(401, "Unauthorized", "the API key is missing or not valid")
        if version is None or not (version.isdigit() and len(version) == 8):
            raise ApiError(406, "Not Acceptable", "X-Api-Version must be a version date (YYYYMMDD)")
        return key

    def admit(self, key: str) -> dict[str, str]:
        """Rate-limit headers; a 429 when the key's window is spent."""
        with self.lock:
            hit = self.window.hit(key, self.settings.rate_limit, self.settings.rate_window_seconds)
        headers = {
            "X-Rate-Limit-Limit": str(hit.limit),
            "X-Rate-Limit-Remaining": str(hit.remaining),
            "X-Rate-Limit-Reset": str(hit.reset),
        }
        if hit.retry_after is not None:
            raise ApiError(
                429,
                "Too Many Requests",
                "rate limit exceeded",
                headers={**headers, "Retry-After": str(hit.retry_after)},
            )
        return headers

    # --- reading ----------------------------------------------------------------------

    def find(self, kind: str, rid: str) -> Record:
        record = self.tables[kind].get(rid)
        if record is None:
            raise not_found(kind, rid)
        return record

    def list_document(
        self, kind: str, query: Query, base: str, raw: list[tuple[str, str]], root: str
    ) -> dict[str, Any]:
        with self.lock:
            matching = select(self.tables[kind].values(), query)
            records, count = page_of(matching, query)
            doc: dict[str, Any] = {
                "data": [resource(kind, r, root) for r in records],
                "links": page_links(base, raw, query.number, count),
                "meta": {"record-count": len(matching), "page-count": count},
            }
            if query.include:
                doc["included"] = self._included(kind, records, query.include, root)
            return doc

    def one_document(
        self, kind: str, rid: str, include: tuple[str, ...], root: str
    ) -> dict[str, Any]:
        with self.lock:
            record = self.find(kind, rid)
            doc: dict[str, Any] = {"data": resource(kind, record, root)}
            if include:
                doc["included"] = self._included(kind, [record], include, root)
            return doc

    def _included(
        self, kind: str, records: list[Record], include: tuple[str, ...], root: str
    ) -> list[dict[str, Any]]:
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for name in include:
            other, field = RELATIONSHIPS[kind][name]
            for record in records:
                related = self.tables[other].get(record.get(field))
                if related is not None:
                    out[(other, related["id"])] = resource(other, related, root)
        return list(out.values())

    def stage_named(self, name: str) -> Record:
        with self.lock:
            for stage in self.tables["stages"].values():
                if stage["name"] == name:
                    return stage
        raise not_found("stages", name)

    # --- changes ----------------------------------------------------------------------

    def _emit(self, event: str, kind: str, record: Record) -> None:
        self.hooks.emit(event, resource(kind, record, self.settings.public_base_url or ""))

    def create_job(self, title: str, body: str = "", status: str = "open") -> Record:
        if status not in JOB_STATUSES:
            raise invalid(f"status must be one of {JOB_STATUSES}", "/data/attributes/status")
        with self.lock:
            job = self.tables["jobs"].create({"title": title, "body": body, "status": status})
            self._emit("job.create", "jobs", job)
            return job

    def update_job(self, job_id: str, **changes: Any) -> Record:
        unknown = set(changes) - {"title", "body", "status"}
        if unknown or changes.get("status", "open") not in JOB_STATUSES:
            raise invalid(f"cannot set {sorted(changes)}", "/data/attributes")
        with self.lock:
            self.find("jobs", job_id)
            job = self.tables["jobs"].update(job_id, changes)
            self._emit("job.update", "jobs", job)
            return job

    def delete_job(self, job_id: str) -> None:
        with self.lock:
            job = self.tables["jobs"].delete(self.find("jobs", job_id)["id"])
            self._emit("job.destroy", "jobs", job)

    def create_candidate(
        self, first_name: str, last_name: str, email: str, phone: str | None = None
    ) -> Record:
        with self.lock:
            candidate = self.tables["candidates"].create(
                {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}
            )
            self._emit("candidate.create", "candidates", candidate)
            return candidate

    def create_application(
        self, job_id: str, candidate_id: str | None = None, **person: Any
    ) -> Record:
        with self.lock:
            self.find("jobs", job_id)
            if candidate_id is None:
                candidate_id = self.create_candidate(**person)["id"]
            self.find("candidates", candidate_id)
            stage = self.stage_named(PIPELINE[0][0])
            application = self.tables["job-applications"].create(
                {
                    "job_id": job_id,
                    "candidate_id": candidate_id,
                    "stage_id": stage["id"],
                    "changed_stage_at": self.clock.stamp(),
                    "rejected_at": None,
                    "sourced": False,
                }
            )
            self._emit("job_application.create", "job-applications", application)
            return application

    def move(self, application_id: str, stage_id: str) -> Record:
        """Put the application in the stage (its webhook sent, its update time moved)."""
        with self.lock:
            self.find("job-applications", application_id)
            if stage_id not in self.tables["stages"]:
                raise invalid(f"no stage with id {stage_id}", "/data/relationships/stage")
            application = self.tables["job-applications"].update(
                application_id, {"stage_id": stage_id, "changed_stage_at": self.clock.stamp()}
            )
            self._emit("job_application.update", "job-applications", application)
            return application

    def delete_application(self, application_id: str) -> None:
        with self.lock:
            gone = self.tables["job-applications"].delete(
                self.find("job-applications", application_id)["id"]
            )
            self._emit("job_application.destroy", "job-applications", gone)

    def create_user(self, name: str, email: str, role: str = "user") -> Record:
        if role not in ROLES:
            raise invalid(f"role must be one of {ROLES}", "/data/attributes/role")
        with self.lock:
            return self.tables["users"].create({"name": name, "email": email, "role": role})

    def create_note(self, candidate_id: str, note: Any, user_id: str | None = None) -> Record:
        if not isinstance(note, str) or not note.strip():
            raise invalid("note can't be blank", "/data/attributes/note")
        with self.lock:
            self.find("candidates", candidate_id)
            if user_id is not None:
                self.find("users", user_id)
            return self.tables["notes"].create(
                {"note": note, "candidate_id": candidate_id, "user_id": user_id}
            )

    # --- control ----------------------------------------------------------------------

    def configure(self, **changes: Any) -> dict[str, Any]:
        with self.lock:
            for name, value in changes.items():
                if name not in Settings.__dataclass_fields__:
                    raise invalid(f"unknown setting {name!r}", f"/{name}")
                setattr(self.settings, name, value)
            self.hooks.timeout = self.settings.webhook_timeout_seconds
            return asdict(self.settings)

    def control_reset(self, options: Mapping[str, Any]) -> None:
        with self.lock:
            for table in self.tables.values():
                table.clear()
            self._pipeline()
            self.hooks.clear()
            self.window.clear()
            self.faults.reset()

    def control_state(self, root: str) -> dict[str, Any]:
        with self.lock:
            return {
                "data": {
                    kind: [resource(kind, r, root) for r in table.values()]
                    for kind, table in self.tables.items()
                },
                "webhooks": [r.to_json() for r in self.hooks.receivers.values()],
                "settings": asdict(self.settings),
                "faults": self.faults.dump(),
            }

    def deliveries(self) -> list[dict[str, Any]]:
        return self.hooks.deliveries()

    def close(self) -> None:
        self.dispatcher.stop()
