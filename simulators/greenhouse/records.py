"""Control-plane changes of the Greenhouse simulator, each with the webhook it fires.

| change                          | webhook(s)                                             |
| ------------------------------- | ------------------------------------------------------ |
| job created / updated / deleted | job_created / job_updated / job_deleted                |
| candidate updated / deleted     | update_candidate / delete_candidate (person, with the  |
|                                 | deleted application ids; no per-application event)    |
| application created / deleted   | new_candidate_application / delete_application         |
| application stage changed       | candidate_stage_change (+ application_updated on PATCH)|
| application status changed      | reject_candidate, unreject_candidate, hire_candidate,  |
|                                 | unhire_candidate (+ application_updated)               |
| candidate created, user changes | none: Greenhouse has no such events                    |

Every change bumps `updated_at`. Deleting a job removes its stages and applications
silently, like a candidate delete [the cascade is a simulator choice].
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from simulators.greenhouse.checks import (
    Check,
    c_bool,
    c_contacts,
    c_dict,
    c_enum,
    c_int,
    c_int_list,
    c_opt_int,
    c_opt_stamp,
    c_opt_str,
    c_stamp,
    c_str,
    c_str_list,
    checked,
)
from simulators.greenhouse.data import Data
from simulators.greenhouse.errors import unprocessable
from simulators.greenhouse.hooks import Hooks
from simulators.greenhouse.payloads import (
    candidate_payload,
    job_payload,
    person_payload,
)
from simulators.greenhouse.seed import (
    DEFAULT_STAGES,
    DEPARTMENTS,
    OFFICES,
)
from simulators.kit.table import Record

JOB_STATUSES = ("draft", "open", "closed")
APP_STATUSES = ("in_process", "rejected", "hired", "converted")
EMAIL_TYPES = ("personal", "work", "other")
PHONE_TYPES = ("mobile", "home", "work", "skype", "other")
STAMPS: dict[str, Check] = {"created_at": c_stamp, "updated_at": c_stamp}

USER_CHECKS: dict[str, Check] = {
    "first_name": c_str,
    "last_name": c_str,
    "email": c_str,
    "site_admin": c_bool,
    "deactivated": c_bool,
    "employee_id": c_opt_str,
    "job_title": c_opt_str,
    "department_ids": c_int_list,
    "office_ids": c_int_list,
    **STAMPS,
}
JOB_CHECKS: dict[str, Check] = {
    "name": c_str,
    "status": c_enum(*JOB_STATUSES),
    "requisition_id": c_opt_str,
    "notes": c_opt_str,
    "department_id": c_opt_int,
    "office_ids": c_int_list,
    "confidential": c_bool,
    "custom_fields": c_dict,
    "opened_at": c_opt_stamp,
    "closed_at": c_opt_stamp,
    **STAMPS,
}
CANDIDATE_CHECKS: dict[str, Check] = {
    "first_name": c_str,
    "last_name": c_str,
    "company": c_opt_str,
    "title": c_opt_str,
    "email_addresses": c_contacts(EMAIL_TYPES),
    "phone_numbers": c_contacts(PHONE_TYPES),
    "email": c_str,  # shorthand for [{value, type: personal}]
    "phone": c_str,  # shorthand for [{value, type: mobile}]
    "tags": c_str_list,
    "private": c_bool,
    "can_email": c_bool,
    "custom_fields": c_dict,
    **STAMPS,
}
APP_CHECKS: dict[str, Check] = {
    "stage_name": c_str,
    "stage_id": c_int,
    "status": c_enum(*APP_STATUSES),
    "recruiter_id": c_opt_int,
    "coordinator_id": c_opt_int,
    "source_id": c_opt_int,
    "referrer_id": c_opt_int,
    "rejection_reason_id": c_opt_int,
    "custom_fields": c_dict,
    **STAMPS,
}
APP_CREATE_CHECKS: dict[str, Check] = {
    **APP_CHECKS,
    "candidate_id": c_int,
    "candidate": c_dict,
    "job_id": c_int,
}
STATUS_EVENTS = {
    ("in_process", "rejected"): "reject_candidate",
    ("rejected", "in_process"): "unreject_candidate",
    ("in_process", "hired"): "hire_candidate",
    ("hired", "in_process"): "unhire_candidate",
}


class Records:
    """Control-plane changes of users, jobs and candidates; the caller holds no lock."""

    def __init__(self, lock: threading.RLock, data: Data, hooks: Hooks) -> None:
        self.lock = lock
        self.data = data
        self.hooks = hooks

    # users ------------------------------------------------------------------------------

    def create_user(self, /, **fields: Any) -> Record:
        f = checked(fields, USER_CHECKS, required=("first_name", "last_name", "email"))
        with self.lock:
            return dict(self.insert_user(f))

    def insert_user(self, f: dict[str, Any]) -> Record:
        email = f["email"]
        if any(user["primary_email"] == email for user in self.data.users.values()):
            raise unprocessable(f"a user with email {email} exists", "email")
        created = f.get("created_at") or self.data.stamp()
        user = {
            "id": self.data.tables["users"].new_id(),
            "name": f"{f['first_name']} {f['last_name']}",
            "first_name": f["first_name"],
            "last_name": f["last_name"],
            "primary_email": email,
            "emails": [email],
            "employee_id": f.get("employee_id"),
            "site_admin": f.get("site_admin", False),
            "deactivated": f.get("deactivated", False),
            "department_ids": f.get("department_ids", []),
            "office_ids": f.get("office_ids", []),
            "job_title": f.get("job_title"),
            "linked_candidate_ids": [],
            "agency_id": None,
            "interviewer_tags": [],
            "custom_fields": {},
            "created_at": created,
            "updated_at": f.get("updated_at", created),
        }
        return self.data.users.insert(user)

    def update_user(self, user_id: int, /, **fields: Any) -> Record:
        f = checked(fields, USER_CHECKS)
        with self.lock:
            user = self.data.get(self.data.users, user_id, "user")
            if "email" in f:
                user["primary_email"] = f.pop("email")
                user["emails"] = [user["primary_email"], *user["emails"][1:]]
            user.update(f)
            user["name"] = f"{user['first_name']} {user['last_name']}"
            user["updated_at"] = f.get("updated_at") or self.data.stamp()
            return dict(user)

    def delete_user(self, user_id: int) -> None:
        with self.lock:
            self.data.get(self.data.users, user_id, "user")
            self.data.users.delete(user_id)

    # jobs -------------------------------------------------------------------------------

    def create_job(self, /, *, stages: list[str] | None = None, **fields: Any) -> Record:
        """A job with its interview stages (default: DEFAULT_STAGES); fires job_created."""
        f = checked(fields, JOB_CHECKS, required=("name",))
        names = list(DEFAULT_STAGES) if stages is None else c_str_list("stages", stages)
        if not names or len(set(names)) != len(names):
            raise unprocessable("stages must be distinct names, at least one", "stages")
        with self.lock:
            job = self.insert_job(f, names)
            self.hooks.emit("job_created", lambda: {"job": job_payload(job)})
            return dict(job)

    def _check_org(self, f: dict[str, Any]) -> None:
        if f.get("department_id") is not None and f["department_id"] not in DEPARTMENTS:
            raise unprocessable(
                f"department_id must be one of {sorted(DEPARTMENTS)}", "department_id"
            )
        if not set(f.get("office_ids", [])) <= set(OFFICES):
            raise unprocessable(f"office_ids must be among {sorted(OFFICES)}", "office_ids")

    def insert_job(self, f: dict[str, Any], stage_names: Iterable[str]) -> Record:
        self._check_org(f)
        created = f.get("created_at") or self.data.stamp()
        status = f.get("status", "open")
        job = {
            "id": self.data.tables["jobs"].new_id(),
            "name": f["name"],
            "requisition_id": f.get("requisition_id"),
            "notes": f.get("notes"),
            "confidential": f.get("confidential", False),
            "is_template": False,
            "copied_from_id": None,
            "status": status,
            "department_id": f.get("department_id"),
            "office_ids": f.get("office_ids", []),
            "opened_at": f.get("opened_at", None if status == "draft" else created),
            "closed_at": f.get("closed_at", created if status == "closed" else None),
            "custom_fields": f.get("custom_fields", {}),
            "created_at": created,
            "updated_at": f.get("updated_at", created),
        }
        self.data.jobs.insert(job)
        order = self.data.stages_by_job[job["id"]] = []
        for position, name in enumerate(stage_names):
            stage = {
                "id": self.data.tables["job_interview_stages"].new_id(),
                "job_id": job["id"],
                "name": name,
                "active": True,
                "sort_order": position,
                "created_at": created,
                "updated_at": created,
            }
            self.data.stages.insert(stage)
            order.append(stage["id"])
        return job

    def update_job(self, job_id: int, /, **fields: Any) -> Record:
        f = checked(fields, JOB_CHECKS)
        with self.lock:
            job = self.data.get(self.data.jobs, job_id, "job")
            self._check_org(f)
            now = f.get("updated_at") or self.data.stamp()
            old_status = job["status"]
            job.update(f)
            if job["status"] != old_status:
                if job["status"] != "draft" and job["opened_at"] is None:
                    job["opened_at"] = now
                if job["status"] == "closed" and "closed_at" not in f:
                    job["closed_at"] = now
                if job["status"] == "open":
                    job["closed_at"] = None
            job["updated_at"] = now
            self.hooks.emit("job_updated", lambda: {"job": job_payload(job)})
            return dict(job)

    def delete_job(self, job_id: int) -> None:
        with self.lock:
            job = self.data.get(self.data.jobs, job_id, "job")
            for stage_id in self.data.stages_by_job.pop(job_id, []):
                self.data.stages.delete(stage_id)
            for app_id in sorted(self.data.apps_by_job.get(job_id, set())):
                self.data.unindex_app(self.data.applications.delete(app_id))
            self.data.apps_by_job.pop(job_id, None)
            self.data.jobs.delete(job_id)
            self.hooks.emit("job_deleted", lambda: {"job": {"id": job["id"], "name": job["name"]}})

    # candidates -------------------------------------------------------------------------

    def create_candidate(self, /, **fields: Any) -> Record:
        """A candidate; Greenhouse fires no webhook until an application is made."""
        f = checked(fields, CANDIDATE_CHECKS, required=("first_name", "last_name"))
        with self.lock:
            return dict(self.insert_candidate(f))

    def _contacts(self, f: dict[str, Any]) -> None:
        if "email" in f:
            f.setdefault("email_addresses", []).insert(
                0, {"value": f.pop("email"), "type": "personal"}
            )
        if "phone" in f:
            f.setdefault("phone_numbers", []).insert(0, {"value": f.pop("phone"), "type": "mobile"})

    def insert_candidate(self, f: dict[str, Any]) -> Record:
        self._contacts(f)
        created = f.get("created_at") or self.data.stamp()
        candidate = {
            "id": self.data.tables["candidates"].new_id(),
            "first_name": f["first_name"],
            "last_name": f["last_name"],
            "preferred_name": None,
            "company": f.get("company"),
            "title": f.get("title"),
            "email_addresses": f.get("email_addresses", []),
            "phone_numbers": f.get("phone_numbers", []),
            "addresses": [],
            "website_addresses": [],
            "social_media_addresses": [],
            "tags": f.get("tags", []),
            "linked_user_ids": [],
            "can_email": f.get("can_email", True),
            "private": f.get("private", False),
            "time_zone": None,
            "last_activity_at": created,
            "custom_fields": f.get("custom_fields", {}),
            "created_at": created,
            "updated_at": f.get("updated_at", created),
        }
        return self.data.candidates.insert(candidate)

    def update_candidate(self, candidate_id: int, /, **fields: Any) -> Record:
        f = checked(fields, CANDIDATE_CHECKS)
        with self.lock:
            candidate = self.data.get(self.data.candidates, candidate_id, "candidate")
            self._contacts(f)
            candidate.update(f)
            candidate["updated_at"] = f.get("updated_at") or self.data.stamp()
            self.hooks.emit("update_candidate", lambda: {"candidate": candidate_payload(candidate)})
            return dict(candidate)

    def delete_candidate(self, candidate_id: int) -> None:
        """Delete a candidate with its applications and notes; fires delete_candidate."""
        with self.lock:
            candidate = self.data.get(self.data.candidates, candidate_id, "candidate")
            app_ids = sorted(self.data.apps_by_candidate.pop(candidate_id, set()))
            recruiter = None
            for app_id in app_ids:
                app = self.data.applications.delete(app_id)
                recruiter = recruiter or app["recruiter_id"]
                self.data.apps_by_job.get(app["job_id"], set()).discard(app_id)
            for note in [n for n in self.data.notes.values() if n["candidate_id"] == candidate_id]:
                self.data.notes.delete(note["id"])
            self.data.candidates.delete(candidate_id)
            self.hooks.emit(
                "delete_candidate",
                lambda: {"person": person_payload(candidate, recruiter, app_ids)},
            )
