"""Webhook payloads of the Greenhouse simulator: v1 shapes, the body encoding and signature.

    encode_body("job_created", {"job": job_payload(job)})
    # b'{"action":"job_created","payload":{"job":{"id":4000001,...}}}'
    sign(secret, body)      # "sha256 <hex HMAC-SHA256 of the raw body>"

The body is compact JSON with non-ASCII and `<`, `>`, `&` escaped as `\\uXXXX`
(Greenhouse escapes before signing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from simulators.greenhouse.seed import DEPARTMENTS, OFFICES
from simulators.greenhouse.times import iso_seconds
from simulators.kit.table import Record

V1_STATUS = {"in_process": "active"}  # v3 in_process is v1 active; the rest are the same


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
