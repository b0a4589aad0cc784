"""Applications and what happens to them: control-plane changes, moves and notes.

| change                          | webhook(s)                                             |
| ------------------------------- | ------------------------------------------------------ |
| application created / deleted   | new_candidate_application / delete_application         |
| application stage changed       | candidate_stage_change (+ application_updated on PATCH)|
| application status changed      | reject_candidate, unreject_candidate, hire_candidate,  |
|                                 | unhire_candidate (+ application_updated)               |
| POST /v3/applications/{id}/move | candidate_stage_change (knob `webhooks_on_api_writes`) |
| POST /v3/notes                  | none                                                   |

    applications.create_application(job_id=job["id"], candidate={"first_name": "Ada",
                                    "last_name": "Lovelace"})
    applications.move_application(app_id, {})     # to the next active stage
"""

from __future__ import annotations

import threading
from typing import Any

from simulators.greenhouse.auth import Token
from simulators.greenhouse.checks import (
    c_enum,
    c_int,
    c_opt_int,
    c_str,
    checked,
    is_int,
)
from simulators.greenhouse.config import SimConfig
from simulators.greenhouse.data import Data
from simulators.greenhouse.errors import unprocessable
from simulators.greenhouse.hooks import Hooks
from simulators.greenhouse.payloads import deleted_application_payload
from simulators.greenhouse.records import (
    APP_CHECKS,
    APP_CREATE_CHECKS,
    CANDIDATE_CHECKS,
    STATUS_EVENTS,
    Records,
)
from simulators.kit.table import Record

VISIBILITY = {
    "public": "publicly_visible",
    "private": "privately_visible",
    "admin_only": "admin_only_visible",
}
NOTE_CHECKS = {
    "candidate_id": c_int,
    "application_id": c_opt_int,
    "user_id": c_opt_int,
    "body": c_str,
    "visibility": c_enum(*VISIBILITY),
    "note_type": c_enum("NOTE", "ACTIVITY"),
}
MOVE_KEYS = ("from_stage_id", "to_stage_id", "to_job_id")


class Applications:
    def __init__(
        self, lock: threading.RLock, data: Data, hooks: Hooks, records: Records, config: SimConfig
    ) -> None:
        self.lock = lock
        self.data = data
        self.hooks = hooks
        self.records = records
        self.config = config

    def create_application(self, /, **fields: Any) -> Record:
        """An application of `candidate_id` (or of a new `candidate: {...}`) to `job_id`,
        at `stage_name`/`stage_id` (default: the first stage); fires
        new_candidate_application."""
        f = checked(fields, APP_CREATE_CHECKS, required=("job_id",))
        if ("candidate_id" in f) == ("candidate" in f):
            raise unprocessable("give exactly one of candidate_id and candidate", "candidate_id")
        with self.lock:
            job = self.data.get(self.data.jobs, f.pop("job_id"), "job")
            if "candidate" in f:
                body = checked(
                    f.pop("candidate"), CANDIDATE_CHECKS, required=("first_name", "last_name")
                )
                candidate = self.records.insert_candidate(body)
            else:
                candidate = self.data.get(self.data.candidates, f.pop("candidate_id"), "candidate")
            app = self.insert_application(candidate, job, f)
            self.hooks.emit("new_candidate_application", lambda: self.data.app_payload(app))
            return dict(app)

    def _resolve_stage(self, job_id: int, f: dict[str, Any]) -> Record | None:
        if "stage_name" in f and "stage_id" in f:
            raise unprocessable("give stage_name or stage_id, not both", "stage_id")
        if "stage_name" in f:
            return self.data.stage_by_name(job_id, f.pop("stage_name"))
        if "stage_id" in f:
            stage = self.data.stages.get(f.pop("stage_id"))
            if stage is None or stage["job_id"] != job_id:
                raise unprocessable(f"stage is not a stage of job {job_id}", "stage_id")
            return stage
        return None

    def insert_application(self, candidate: Record, job: Record, f: dict[str, Any]) -> Record:
        if self.data.has_application(candidate["id"], job["id"]):
            raise unprocessable(
                f"candidate {candidate['id']} already applied to job {job['id']}", "job_id"
            )
        stage = self._resolve_stage(job["id"], f) or self.data.job_stages(job["id"])[0]
        created = f.get("created_at") or self.data.stamp()
        status = f.get("status", "in_process")
        app = {
            "id": self.data.tables["applications"].new_id(),
            "candidate_id": candidate["id"],
            "job_id": job["id"],
            "prospective_job_ids": [],
            "prospect": False,
            "status": status,
            "stage_id": stage["id"],
            "stage_name": stage["name"],
            "job_interview_stage_id": stage["id"],
            "job_post_id": None,
            "source_id": f.get("source_id"),
            "referrer_id": f.get("referrer_id"),
            "recruiter_id": f.get("recruiter_id"),
            "coordinator_id": f.get("coordinator_id"),
            "rejection_reason_id": f.get("rejection_reason_id"),
            "rejected_at": created if status == "rejected" else None,
            "last_activity_at": created,
            "needs_decision": False,
            "location_address": None,
            "answers": [],
            "agency_note_id": None,
            "custom_fields": f.get("custom_fields", {}),
            "created_at": created,
            "updated_at": f.get("updated_at", created),
        }
        self.data.applications.insert(app)
        self.data.index_app(app)
        return app

    def _place(self, app: Record, stage: Record, now: str) -> None:
        app["stage_id"] = app["job_interview_stage_id"] = stage["id"]
        app["stage_name"] = stage["name"]
        app["updated_at"] = app["last_activity_at"] = now

    def update_application(self, application_id: int, /, **fields: Any) -> Record:
        f = checked(fields, APP_CHECKS)
        with self.lock:
            app = self.data.get(self.data.applications, application_id, "application")
            stage = self._resolve_stage(app["job_id"], f)
            now = f.pop("updated_at", None) or self.data.stamp()
            old_status, old_stage = app["status"], app["stage_id"]
            app.update(f)
            if stage is not None:
                self._place(app, stage, now)
            if app["status"] != old_status:
                app["rejected_at"] = now if app["status"] == "rejected" else None
            app["updated_at"] = app["last_activity_at"] = now
            if app["stage_id"] != old_stage:
                self.hooks.emit("candidate_stage_change", lambda: self.data.app_payload(app))
            status_event = STATUS_EVENTS.get((old_status, app["status"]))
            if status_event:
                self.hooks.emit(status_event, lambda: self.data.app_payload(app))
            self.hooks.emit("application_updated", lambda: self.data.app_payload(app))
            return dict(app)

    def set_stage(
        self, application_id: int, *, stage_name: str | None = None, stage_id: int | None = None
    ) -> Record:
        """Move an application to a stage of its job; fires candidate_stage_change only."""
        f = {"stage_name": stage_name} if stage_id is None else {"stage_id": stage_id}
        with self.lock:
            app = self.data.get(self.data.applications, application_id, "application")
            stage = self._resolve_stage(app["job_id"], checked(f, APP_CHECKS))
            if stage is None:  # neither given: the control route lets no such body through
                raise unprocessable("give stage_name or stage_id", "stage_name")
            if stage["id"] != app["stage_id"]:
                self._place(app, stage, self.data.stamp())
                self.hooks.emit("candidate_stage_change", lambda: self.data.app_payload(app))
            return dict(app)

    def delete_application(self, application_id: int) -> None:
        with self.lock:
            app = self.data.get(self.data.applications, application_id, "application")
            self.data.applications.delete(application_id)
            self.data.unindex_app(app)
            self.hooks.emit(
                "delete_application", lambda: {"application": deleted_application_payload(app)}
            )

    def move_application(
        self, application_id: int, body: Any, token: Token | None = None
    ) -> Record:
        """POST /v3/applications/{id}/move: no `to_stage_id` advances to the next active
        stage of the job; `to_stage_id` (with `to_job_id` for another job) moves there."""
        body = _move_body(body)
        with self.lock:
            app = self.data.get(self.data.applications, application_id, "application")
            if app["status"] != "in_process":
                raise unprocessable(f"an application with status {app['status']} cannot be moved")
            current = app["job_interview_stage_id"]
            if body.get("from_stage_id") not in (None, current):
                raise unprocessable("from_stage_id is not the current stage", "from_stage_id")
            job_id = self._target_job(app, body)
            if body.get("to_stage_id") is None:
                stage = self._next_stage(job_id, current)
            else:
                stage = self._chosen_stage(job_id, body["to_stage_id"], current)
            if job_id != app["job_id"]:
                self.data.unindex_app(app)
                app["job_id"] = job_id
                self.data.index_app(app)
            self._place(app, stage, self.data.stamp())
            if self.config.webhooks_on_api_writes:
                self.hooks.emit("candidate_stage_change", lambda: self.data.app_payload(app))
            return dict(app)

    def _target_job(self, app: Record, body: dict[str, Any]) -> int:
        job_id: int = app["job_id"] if body.get("to_job_id") is None else body["to_job_id"]
        if job_id not in self.data.jobs:
            raise unprocessable(f"job {job_id} does not exist", "to_job_id")
        if job_id != app["job_id"] and body.get("to_stage_id") is None:
            raise unprocessable("to_stage_id is required with to_job_id", "to_stage_id")
        if job_id != app["job_id"] and self.data.has_application(app["candidate_id"], job_id):
            raise unprocessable(f"the candidate already applied to job {job_id}", "to_job_id")
        return job_id

    def _next_stage(self, job_id: int, current: int) -> Record:
        position = self.data.stages[current]["sort_order"]
        later = [
            s for s in self.data.job_stages(job_id) if s["active"] and s["sort_order"] > position
        ]
        if not later:
            raise unprocessable("the application is in the last stage of its job")
        return later[0]

    def _chosen_stage(self, job_id: int, stage_id: int, current: int) -> Record:
        found = self.data.stages.get(stage_id)
        if found is None or found["job_id"] != job_id or not found["active"]:
            raise unprocessable(
                f"to_stage_id is not an active stage of job {job_id}", "to_stage_id"
            )
        if found["id"] == current:
            raise unprocessable("the application is already in that stage", "to_stage_id")
        return found

    def create_note(self, body: Any, token: Token | None = None) -> Record:
        """POST /v3/notes. Short visibility in (public|private|admin_only, default
        admin_only), long form stored; no user_id means the token's user."""
        if not isinstance(body, dict):
            raise unprocessable("the body must be a JSON object")
        f = checked(body, NOTE_CHECKS, required=("candidate_id", "body"))
        with self.lock:
            candidate = self.data.candidates.get(f["candidate_id"])
            if candidate is None:
                raise unprocessable(f"candidate {f['candidate_id']} does not exist", "candidate_id")
            app = None
            if f.get("application_id") is not None:
                app = self.data.applications.get(f["application_id"])
                if app is None or app["candidate_id"] != candidate["id"]:
                    raise unprocessable(
                        "application_id must be an application of the candidate", "application_id"
                    )
            user_id = f.get("user_id")
            if user_id is None:
                if token is None:
                    raise unprocessable("user_id is required without a token", "user_id")
                user_id = token.user_id
            elif user_id not in self.data.users:
                raise unprocessable(f"user {user_id} does not exist", "user_id")
            now = self.data.stamp()
            note = {
                "id": self.data.tables["notes"].new_id(),
                "candidate_id": candidate["id"],
                "application_id": None if app is None else app["id"],
                "user_id": user_id,
                "body": f["body"],
                "body_with_tags": f["body"],
                "type": f.get("note_type", "NOTE"),
                "visibility": VISIBILITY[f.get("visibility", "admin_only")],
                "subject": None,
                "created_at": now,
                "updated_at": now,
            }
            self.data.notes.insert(note)
            candidate["last_activity_at"] = now
            if app is not None:
                app["last_activity_at"] = now
            return dict(note)


def _move_body(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise unprocessable("the body must be a JSON object")
    for key, value in body.items():
        if key not in MOVE_KEYS:
            raise unprocessable(f"unknown field {key!r}", key)
        if value is not None and not is_int(value):
            raise unprocessable(f"{key} must be an integer", key)
    return body
