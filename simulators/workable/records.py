"""Workable's records as the SPI v3 renders them, and the stage pipeline.

    job_json(job, subdomain)        # {"id", "shortcode", "title", "state", "description", ...}
    candidate_json(candidate, sim)  # {"id", "firstname", "job": {"shortcode", "title"}, "stage"}

Timestamps are ISO 8601 in UTC with a ``Z`` ("2015-06-08T00:00:00Z") and empty strings
are ``null``, as the v3 notes say.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]

# name, slug, kind: the default pipeline plus the two video interview stages
STAGES: tuple[tuple[str, str, str], ...] = (
    ("Sourced", "sourced", "sourced"),
    ("Applied", "applied", "applied"),
    ("Phone Screen", "phone-screen", "phone-screen"),
    ("Video Interview", "video-interview", "assessment"),
    ("Video Interview Completed", "video-interview-completed", "assessment"),
    ("Interview", "interview", "interview"),
    ("Offer", "offer", "offer"),
    ("Hired", "hired", "hired"),
)
STAGE_NAMES = {slug: name for name, slug, _ in STAGES}
STAGE_SLUGS = {name: slug for name, slug, _ in STAGES}
JOB_STATES = ("draft", "published", "closed", "archived")
ROLES = ("admin", "simple", "recruiter", "reviewer")


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime | None:
    """``updated_after``: ISO 8601, basic (20150708T115616Z) or extended, or Unix time."""
    text = value.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), UTC)
    basic = re.fullmatch(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z?", text)
    if basic:
        year, month, day, hour, minute, second = map(int, basic.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_stage(name: str) -> str | None:
    names = [n for n, _, _ in STAGES]
    at = names.index(name) if name in names else -1
    return names[at + 1] if 0 <= at < len(names) - 1 else None


def job_json(job: Record, subdomain: str, *, description: bool = True) -> Record:
    shortcode = job["shortcode"]
    out: Record = {
        "id": job["id"],
        "title": job["title"],
        "full_title": f"{job['title']} - {job['code']}" if job.get("code") else job["title"],
        "shortcode": shortcode,
        "code": job.get("code"),
        "state": job["state"],
        "department": job.get("department"),
        "url": f"https://{subdomain}.workable.com/jobs/{shortcode}",
        "application_url": f"https://{subdomain}.workable.com/jobs/{shortcode}/candidates/new",
        "shortlink": f"https://{subdomain}.workable.com/j/{shortcode}",
        "created_at": job["created_at"],
        "updated_at": job["updated_at"],
    }
    if description:
        out["description"] = job.get("description")
    return out


def candidate_json(candidate: Record, job: Record | None, subdomain: str) -> Record:
    name = f"{candidate['firstname']} {candidate['lastname']}".strip()
    return {
        "id": candidate["id"],
        "name": name,
        "firstname": candidate["firstname"],
        "lastname": candidate["lastname"],
        "headline": candidate.get("headline"),
        "account": {"subdomain": subdomain, "name": subdomain.title()},
        "job": {
            "shortcode": candidate["shortcode"],
            "title": job["title"] if job else None,
        },
        "stage": candidate["stage"],
        "disqualified": candidate["disqualified"],
        "disqualification_reason": None,
        "sourced": False,
        "profile_url": f"https://{subdomain}.workable.com/backend/candidates/{candidate['id']}",
        "email": candidate.get("email"),
        "phone": candidate.get("phone"),
        "domain": None,
        "created_at": candidate["created_at"],
        "updated_at": candidate["updated_at"],
    }


def member_json(member: Record) -> Record:
    return {key: member.get(key) for key in ("id", "name", "headline", "email", "role")}
