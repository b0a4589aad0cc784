"""The suite's record kinds: their fields, how a write is validated, how a record is shown.

    >>> check(PROJECT, {"name": "Engineer", "colour": "red"}, creating=True)
    {'name': 'Engineer', 'description': None, 'reference': None, 'external_id': None, 'status': 'active'}
    >>> check(PROJECT, {"name": 7}, creating=True)
    Traceback (most recent call last):
    simulators.suite.errors.ValidationFailed: ...

Unknown fields are ignored; a field of the wrong type, a missing required field or a value
outside its range makes the whole write fail with every bad field named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from simulators.suite.errors import ValidationFailed

FieldType = Literal["str", "text", "email", "int", "enum", "datetime", "ref"]
# "always": writable on create and update; "create": set once, an update may only repeat it;
# "never": the server sets it.
Writable = Literal["always", "create", "never"]

MAX_STRING = 10_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "str"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    writable: Writable = "always"
    # Whether an explicit null is accepted; fields with a server default are never null.
    nullable: bool = True

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None if it is."""
        if value is None:
            if self.required:
                return "is required"
            return None if self.nullable else "must not be null"
        if self.type == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                return f"must be an integer, got {json_type(value)}"
            if self.minimum is not None and value < self.minimum:
                return f"must be at least {self.minimum}, got {value}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum}, got {value}"
            return None
        if not isinstance(value, str):
            return f"must be a string, got {json_type(value)}"
        if self.required and not value.strip():
            return "must not be empty"
        if len(value) > MAX_STRING:
            return f"must be at most {MAX_STRING} characters"
        if self.type == "email" and not EMAIL.match(value):
            return f"{value!r} is not an email address"
        if self.type == "enum" and value not in self.choices:
            return f"{value!r} is not one of {sorted(self.choices)}"
        if self.type == "datetime" and parse_time(value) is None:
            return f"{value!r} is not an ISO 8601 date-time with a time zone"
        return None


@dataclass(frozen=True)
class Kind:
    """A record kind: ``name`` is singular, ``plural`` names its table and collection path."""

    name: str
    plural: str
    prefix: str
    fields: tuple[Field, ...]
    filters: tuple[str, ...] = ()
    # Filters compared case-insensitively.
    folded: tuple[str, ...] = ()
    # Whether creates, updates and deletes send `{name}.updated` / `{name}.deleted` webhooks.
    events: bool = False
    field_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", frozenset(f.name for f in self.fields))


def _s(name: str, **kw: Any) -> Field:
    return Field(name, "str", **kw)


PROJECT = Kind(
    "project",
    "projects",
    "prj",
    (
        _s("name", required=True),
        Field("description", "text"),
        _s("reference"),
        _s("external_id"),
        Field("status", "enum", default="active", choices=("active", "archived"), nullable=False),
    ),
    filters=("external_id",),
    events=True,
)
QUESTION = Kind(
    "question",
    "questions",
    "q",
    (
        _s("project_id", writable="never"),
        Field("text", "text", required=True),
        Field("time_limit_seconds", "int", default=120, minimum=1, maximum=3600, nullable=False),
        Field("thinking_time_seconds", "int", default=30, minimum=0, maximum=3600, nullable=False),
        # None on create means "after the last question of the project".
        Field("position", "int", minimum=1, nullable=False),
    ),
    filters=("project_id",),
)
CANDIDATE = Kind(
    "candidate",
    "candidates",
    "cnd",
    (
        _s("first_name"),
        _s("last_name"),
        Field("email", "email", required=True),
        _s("phone"),
        _s("external_id"),
    ),
    filters=("external_id", "email"),
    folded=("email",),
    events=True,
)
STAGES = ("invited", "started", "completed", "expired")
INVITATION = Kind(
    "invitation",
    "invitations",
    "inv",
    (
        Field("project_id", "ref", required=True, writable="create"),
        Field("candidate_id", "ref", required=True, writable="create"),
        Field("status", "enum", default="invited", choices=STAGES, nullable=False),
        _s("external_id"),
        # None on create means "now".
        Field("invited_at", "datetime", nullable=False),
        Field("completed_at", "datetime", writable="never"),
    ),
    filters=("external_id", "project_id", "candidate_id", "status"),
    events=True,
)
RESPONSE = Kind(
    "response",
    "responses",
    "rsp",
    (
        _s("invitation_id", writable="never"),
        _s("question_id", writable="never"),
        _s("video_url", writable="never"),
        Field("duration_seconds", "int", writable="never"),
    ),
    filters=("invitation_id",),
)
RATING = Kind(
    "rating",
    "ratings",
    "rat",
    (
        Field("invitation_id", "ref", required=True, writable="create"),
        _s("candidate_id", writable="never"),
        _s("project_id", writable="never"),
        _s("evaluator_id"),
        _s("evaluator_name"),
        Field("score", "int", required=True, minimum=1, maximum=5),
        Field("comment", "text"),
    ),
    filters=("invitation_id",),
    events=True,
)
ROLES = ("admin", "recruiter", "evaluator", "viewer")
USER = Kind(
    "user",
    "users",
    "usr",
    (
        _s("name"),
        Field("email", "email", required=True),
        Field("role", "enum", default="viewer", choices=ROLES, nullable=False),
        _s("external_id"),
    ),
    filters=("external_id", "email"),
    folded=("email",),
)
WEBHOOK = Kind(
    "webhook",
    "webhooks",
    "wh",
    (_s("url", writable="never"), _s("events", writable="never"), _s("secret", writable="never")),
)

KINDS: Mapping[str, Kind] = {
    k.name: k for k in (PROJECT, QUESTION, CANDIDATE, INVITATION, RESPONSE, RATING, USER, WEBHOOK)
}
EVENT_TYPES = (
    "project.updated",
    "project.deleted",
    "candidate.updated",
    "candidate.deleted",
    "invitation.updated",
    "invitation.completed",
    "rating.created",
    "rating.updated",
    "rating.deleted",
)


def check(kind: Kind, body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The writable fields of ``body``, validated; on create, missing fields get defaults."""
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in kind.fields:
        if f.writable == "never":
            continue
        if f.name not in body:
            if creating:
                if f.required:
                    problems[f.name] = "is required"
                else:
                    out[f.name] = f.default
            continue
        value = body[f.name]
        problem = f.problem(value)
        if problem is not None:
            problems[f.name] = problem
        elif f.type == "datetime" and value is not None:
            out[f.name] = format_time(parse_time(value))
        else:
            out[f.name] = value
    if problems:
        raise ValidationFailed(problems)
    return out


def show(kind: Kind, record: Mapping[str, Any], public: str) -> dict[str, Any]:
    """The record as the API returns it: a copy, with the links computed for ``public``."""
    out = dict(record)
    if kind is PROJECT:
        out["deep_link"] = f"{public}/app/projects/{record['id']}"
    elif kind is INVITATION:
        completed = record["status"] == "completed"
        out["answers_url"] = f"{public}/app/invitations/{record['id']}" if completed else None
    elif kind is WEBHOOK:
        out.pop("secret", None)
    return out


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def parse_time(text: str) -> datetime | None:
    """An aware datetime from ISO 8601 text, or None; a time without a zone is refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def format_time(value: datetime | None) -> str:
    """UTC with microseconds and ``Z``, so text order is time order."""
    if value is None:
        raise ValueError("no time to format")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_from_epoch(seconds: float) -> str:
    return format_time(datetime.fromtimestamp(seconds, UTC))
