"""The JSON shapes of BambooHR's applicant tracking answers, from its OpenAPI contract.

    job_summary(job, lead)      # an item of GET /applicant_tracking/jobs
    application_item(app, ...)  # an item of GET /applicant_tracking/applications
    application_detail(...)     # GET /applicant_tracking/applications/{id}

Ids are integers everywhere but in the status list, whose ids are strings.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

# (id, code, name): BambooHR's system statuses, then two custom ones a company adds for
# the video interview (custom statuses have no code).
STATUSES: tuple[tuple[int, str | None, str], ...] = (
    (1, "NEW", "New"),
    (2, "REVIEWED", "Reviewed"),
    (3, "SCHEDULE_PHONE_SCREEN", "Schedule Phone Screen"),
    (4, "PHONE_SCREENED", "Phone Screened"),
    (5, "SCHEDULE_INTERVIEW", "Schedule Interview"),
    (6, "INTERVIEWED", "Interviewed"),
    (7, "PUT_ON_HOLD", "Put on Hold"),
    (8, "CHECKING_REFERENCES", "Checking References"),
    (9, "HIRED", "Hired"),
    (10, "NOT_A_FIT", "Not a Fit"),
    (21, None, "Video Interview"),
    (22, None, "Video Interview Done"),
)
STATUS_NAMES = {sid: name for sid, _, name in STATUSES}
JOB_STATUSES = {"Draft": 1, "Open": 2, "On Hold": 3, "Filled": 4, "Canceled": 5, "Deleted": 6}


def status_list() -> list[Record]:
    return [
        {"id": str(sid), "code": code, "name": name, "translatedName": name,
         "description": None, "enabled": True, "manageable": code is None}
        for sid, code, name in STATUSES
    ]  # fmt: skip


def _lead(lead: Record | None) -> Record | None:
    if lead is None:
        return None
    return {"employeeId": lead["employeeId"], "firstName": lead["firstName"],
            "lastName": lead["lastName"], "avatar": None, "jobTitle": None}  # fmt: skip


def _title(job: Record) -> Record:
    return {"id": None, "label": job["title"]}


def job_summary(job: Record, lead: Record | None, counts: tuple[int, int, int]) -> Record:
    new, active, total = counts
    return {
        "id": job["id"],
        "title": _title(job),
        "postedDate": job["postedDate"],
        "location": None,
        "department": None,
        "status": {"id": JOB_STATUSES[job["status"]], "label": job["status"]},
        "hiringLead": _lead(lead),
        "newApplicantsCount": new,
        "activeApplicantsCount": active,
        "totalApplicantsCount": total,
        "postingUrl": None,
    }


def _status(application: Record) -> Record:
    sid = application["status_id"]
    return {"id": sid, "label": STATUS_NAMES[sid]}


def application_item(application: Record, job: Record) -> Record:
    person = application["applicant"]
    return {
        "id": application["id"],
        "appliedDate": application["appliedDate"],
        "status": _status(application),
        "rating": None,
        "applicant": {
            "id": person["id"],
            "firstName": person["firstName"],
            "lastName": person["lastName"],
            "avatar": None,
            "email": person["email"],
            "source": person["source"],
        },
        "job": {"id": job["id"], "title": _title(job)},
    }


def application_detail(
    application: Record, job: Record, lead: Record | None, comments: int
) -> Record:
    person = application["applicant"]
    status = {**_status(application), "dateChanged": application["statusChanged"],
              "changedByUser": None}  # fmt: skip
    applicant = {
        "id": person["id"], "firstName": person["firstName"], "lastName": person["lastName"],
        "email": person["email"], "phoneNumber": person["phoneNumber"], "avatar": None,
        "source": person["source"], "twitterUsername": None, "address": None,
        "linkedinUrl": None, "websiteUrl": None, "availableStartDate": None,
        "education": None,
    }  # fmt: skip
    return {
        "id": application["id"], "appliedDate": application["appliedDate"],
        "status": status, "rating": None, "resumeFileId": None, "coverLetterFileId": None,
        "attachmentCount": None, "attachments": None, "movedTo": None, "movedFrom": None,
        "alsoConsideredForCount": 0, "duplicateApplicationCount": 0, "referredBy": None,
        "desiredSalary": None, "commentCount": comments, "emailCount": 0, "eventCount": 0,
        "questionsAndAnswers": [], "applicationReferences": None, "applicant": applicant,
        "job": {"id": job["id"], "title": _title(job), "hiringLead": _lead(lead)},
    }  # fmt: skip


def user(record: Record) -> Record:
    out = {key: record[key] for key in ("id", "employeeId", "firstName", "lastName", "email")}
    out["status"] = record["status"]
    if record.get("lastLogin"):
        out["lastLogin"] = record["lastLogin"]
    return out


def users_xml(users: list[Record]) -> str:
    """The XML form of the user list, for a caller that does not ask for JSON."""
    from xml.sax.saxutils import escape

    rows = []
    for u in users:
        attrs = f' id="{u["id"]}"' + (f' employeeId="{u["employeeId"]}"' if u["employeeId"] else "")
        rows.append(
            f"<user{attrs}><firstName>{escape(u['firstName'])}</firstName>"
            f"<lastName>{escape(u['lastName'])}</lastName><email>{escape(u['email'])}</email>"
            f"<status>{u['status']}</status></user>"
        )
    return '<?xml version="1.0"?>\n<users>' + "".join(rows) + "</users>"
