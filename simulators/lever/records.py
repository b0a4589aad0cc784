"""Lever's records as the API renders them, its stages and its clock.

    opportunity_json(opportunity, posting, expand={"stage"})
    # {"id", "name", "contact", "emails": [...], "stage": {"id", "text"}, "applications": [...]}

Times are epoch milliseconds (``createdAt``, ``updatedAt``). The tables keep them as
13-digit strings, so the newest of two is the larger string.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from typing import Any

Record = dict[str, Any]

# id, text: Lever's default pipeline (fixed ids for the lead and applicant stages and the
# offer; the others are the account's own, with UUID ids) plus the video interview stages
STAGES: tuple[tuple[str, str], ...] = (
    ("lead-new", "New lead"),
    ("lead-reached-out", "Reached out"),
    ("lead-responded", "Responded"),
    ("applicant-new", "New applicant"),
    ("2a5b7c70-1f4e-4d35-9b0e-6b1f0c2d3e41", "Recruiter screen"),
    ("7e1c9a52-8d3b-4f60-a2c4-5d6e7f809a12", "Video Interview"),
    ("c3d4e5f6-0a1b-4c2d-8e3f-4a5b6c7d8e93", "Video Interview Done"),
    ("9f8e7d6c-5b4a-4392-8e1d-0c9b8a7f6e54", "On-site interview"),
    ("offer", "Offer"),
)
STAGE_TEXT = dict(STAGES)
STAGE_IDS = {text: stage_id for stage_id, text in STAGES}
# the archive reason Lever keeps for hires; archiving with it also sends candidateHired
HIRED_REASON = "63dd55b2-a99f-4e7b-985f-22c7bf80ab42"
POSTING_STATES = ("published", "internal", "closed", "draft", "pending", "rejected")
ACCESS_ROLES = ("super admin", "admin", "team member", "limited team member", "interviewer")
EXPANDABLE = ("applications", "stage", "owner", "followers", "sourcedBy", "contact")


def now_ms() -> int:
    return int(time.time() * 1000)


def stamp() -> str:
    return f"{now_ms():013d}"


def new_uuid(rng: Any) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def posting_json(posting: Record) -> Record:
    return {
        "id": posting["id"],
        "text": posting["text"],
        "state": posting["state"],
        "distributionChannels": ["public", "internal"] if posting["state"] == "published" else [],
        "confidentiality": "non-confidential",
        "content": {
            "description": posting.get("plain", ""),
            "descriptionHtml": posting.get("description", ""),
            "lists": [],
            "closing": "",
            "closingHtml": "",
        },
        "categories": {
            "team": posting.get("team"),
            "location": None,
            "commitment": None,
            "department": None,
            "level": None,
            "allLocations": [],
        },
        "tags": [],
        "requisitionCodes": list(posting.get("requisitionCodes", [])),
        "user": posting.get("user"),
        "owner": posting.get("user"),
        "hiringManager": None,
        "createdAt": int(posting["created_at"]),
        "updatedAt": int(posting["updated_at"]),
        "urls": {
            "list": "https://jobs.lever.co/acme",
            "show": f"https://jobs.lever.co/acme/{posting['id']}",
            "apply": f"https://jobs.lever.co/acme/{posting['id']}/apply",
        },
    }


def application_json(opportunity: Record) -> Record:
    return {
        "id": opportunity["application"],
        "type": "posting",
        "opportunityId": opportunity["id"],
        "candidateId": opportunity["id"],
        "posting": opportunity["posting"],
        "name": opportunity["name"],
        "email": opportunity["emails"][0] if opportunity["emails"] else None,
        "createdAt": int(opportunity["created_at"]),
        "archived": opportunity["archived"],
    }


def opportunity_json(opportunity: Record, expand: Collection[str] = ()) -> Record:
    stage_id = opportunity["stage"]
    stage: Any = {"id": stage_id, "text": STAGE_TEXT[stage_id]} if "stage" in expand else stage_id
    applications: list[Any] = (
        [application_json(opportunity)]
        if "applications" in expand
        else [opportunity["application"]]
    )
    archived = opportunity["archived"]
    return {
        "id": opportunity["id"],
        "name": opportunity["name"],
        "headline": opportunity.get("headline", ""),
        "contact": opportunity["contact"],
        "emails": list(opportunity["emails"]),
        "phones": list(opportunity["phones"]),
        "confidentiality": "non-confidential",
        "location": None,
        "links": [],
        "stage": stage,
        "stageChanges": list(opportunity["stageChanges"]),
        "archived": archived,
        "archivedAt": archived["archivedAt"] if archived else None,
        "archiveReason": archived["reason"] if archived else None,
        "tags": [],
        "sources": ["Job site"],
        "origin": "applied",
        "owner": None,
        "followers": [],
        "applications": applications,
        "createdAt": int(opportunity["created_at"]),
        "updatedAt": int(opportunity["updated_at"]),
        "lastInteractionAt": int(opportunity["updated_at"]),
        "lastAdvancedAt": int(opportunity["advanced_at"]),
        "isAnonymized": False,
        "urls": {
            "list": "https://hire.lever.co/candidates",
            "show": f"https://hire.lever.co/candidates/{opportunity['id']}",
        },
    }


def user_json(user: Record) -> Record:
    return {
        "id": user["id"],
        "name": user["name"],
        "username": user["email"].split("@")[0],
        "email": user["email"],
        "accessRole": user["accessRole"],
        "photo": None,
        "createdAt": int(user["created_at"]),
        "deactivatedAt": user.get("deactivatedAt"),
        "externalDirectoryId": None,
        "linkedContactIds": [],
        "jobTitle": None,
        "managerId": None,
    }


def note_json(note: Record) -> Record:
    return {
        "id": note["id"],
        "text": note["value"],
        "fields": [{"type": "note", "text": "Note", "value": note["value"]}],
        "user": note.get("user"),
        "secret": bool(note.get("secret")),
        "score": note.get("score"),
        "createdAt": int(note["created_at"]),
        "completedAt": int(note["created_at"]),
        "deletedAt": None,
    }
