"""One company's data and the suite's rules for changing it.

    company = sim.company("acme")
    project = company.create("project", {"name": "Engineer"})
    company.create("question", {"text": "Why us?"}, project_id=project["id"])
    company.update("project", project["id"], {"status": "archived"})   # project.updated
    company.delete("project", project["id"])                           # and its questions

The API and the tests call the same methods, so a record seeded from Python is
indistinguishable from one created over HTTP, and both send the same webhooks.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from simulators.kit.table import Record, Table
from simulators.suite.errors import Conflict, NotFound, ValidationFailed
from simulators.suite.records import (
    CANDIDATE,
    EVENT_TYPES,
    INVITATION,
    KINDS,
    PROJECT,
    QUESTION,
    RATING,
    USER,
    Kind,
    check,
    time_from_epoch,
)


class Host(Protocol):
    """What a company needs from the simulator around it."""

    lock: threading.RLock

    def now(self) -> float: ...

    def emit(self, company: Company, event: str, kind: Kind, record: Record) -> None: ...

    def ping(self, company: Company, webhook: Record) -> None: ...


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _table(kind: Kind, stamp: Callable[[], str]) -> Table:
    return Table(kind.plural, new_id=lambda: new_id(kind.prefix), stamp=stamp,
                 indexed=kind.filters, folded=kind.folded)  # fmt: skip


def kind_of(kind: Kind | str) -> Kind:
    return kind if isinstance(kind, Kind) else KINDS[kind]


class Company:
    def __init__(self, company_id: str, name: str, host: Host) -> None:
        self.id = company_id
        self.name = name
        self.host = host
        self.tables = {k.name: _table(k, self._stamp) for k in KINDS.values()}
        self._pairs: dict[tuple[str, str], str] = {}  # (project_id, candidate_id) -> invitation

    @property
    def projects(self) -> Table:
        return self.tables["project"]

    @property
    def questions(self) -> Table:
        return self.tables["question"]

    @property
    def candidates(self) -> Table:
        return self.tables["candidate"]

    @property
    def invitations(self) -> Table:
        return self.tables["invitation"]

    @property
    def responses(self) -> Table:
        return self.tables["response"]

    @property
    def ratings(self) -> Table:
        return self.tables["rating"]

    @property
    def users(self) -> Table:
        return self.tables["user"]

    @property
    def webhooks(self) -> Table:
        return self.tables["webhook"]

    def table(self, kind: Kind | str) -> Table:
        return self.tables[kind_of(kind).name]

    def get(self, kind: Kind | str, record_id: str) -> Record:
        kind = kind_of(kind)
        record = self.tables[kind.name].get(record_id)
        if record is None:
            raise NotFound(kind.name, record_id)
        return record

    def user_by_email(self, email: str) -> Record | None:
        found = self.users.find("email", email)
        return found[0] if found else None

    def create(
        self, kind: Kind | str, body: Mapping[str, Any], *, project_id: str | None = None
    ) -> Record:
        """Validate ``body`` and store a new record; ``project_id`` is a question's parent."""
        kind = kind_of(kind)
        with self.host.lock:
            values = check(kind, body, creating=True)
            now = self._stamp()
            record: Record = {"id": self.tables[kind.name].new_id()}
            record.update({f.name: values.get(f.name) for f in kind.fields})
            record.update(created_at=now, updated_at=now)
            if kind is QUESTION:
                self._new_question(record, project_id)
            elif kind is INVITATION:
                self._new_invitation(record, now)
            elif kind is RATING:
                self._new_rating(record)
            elif kind is USER:
                self._unique_email(record["email"], None)
            self.tables[kind.name].insert(record)
            if kind is RATING:
                self.host.emit(self, "rating.created", kind, record)
            elif kind.events:
                self.host.emit(self, f"{kind.name}.updated", kind, record)
            if kind is INVITATION and record["status"] == "completed":
                self.host.emit(self, "invitation.completed", kind, record)
            return record

    def update(self, kind: Kind | str, record_id: str, body: Mapping[str, Any]) -> Record:
        """Apply the fields in ``body``; a write that changes nothing changes nothing."""
        kind = kind_of(kind)
        with self.host.lock:
            record = self.get(kind, record_id)
            values = check(kind, body, creating=False)
            fixed = {
                f.name: "cannot be changed"
                for f in kind.fields
                if f.writable == "create" and f.name in values and values[f.name] != record[f.name]
            }
            if fixed:
                raise ValidationFailed(fixed)
            changes = {name: v for name, v in values.items() if record[name] != v}
            if not changes:
                return record
            if kind is USER and "email" in changes:
                self._unique_email(changes["email"], record_id)
            if kind is RATING and "evaluator_id" in changes and "evaluator_name" not in body:
                changes["evaluator_name"] = self._evaluator_name(changes["evaluator_id"])
            completing = kind is INVITATION and changes.get("status") == "completed"
            changes["updated_at"] = self._stamp()
            if completing:
                changes["completed_at"] = changes["updated_at"]
            self.tables[kind.name].update(record_id, changes)
            if kind.events:
                event = f"{kind.name}.updated"
                self.host.emit(self, event, kind, record)
            if completing:
                self.host.emit(self, "invitation.completed", kind, record)
            return record

    def delete(self, kind: Kind | str, record_id: str) -> None:
        """Delete a record; a project takes its questions, an invitation its responses."""
        kind = kind_of(kind)
        with self.host.lock:
            record = self.get(kind, record_id)
            self.tables[kind.name].delete(record_id)
            if kind is PROJECT:
                for question in self.questions.find("project_id", record_id):
                    self.questions.delete(question["id"])
            elif kind is INVITATION:
                self._pairs.pop((record["project_id"], record["candidate_id"]), None)
                for response in self.responses.find("invitation_id", record_id):
                    self.responses.delete(response["id"])
            if kind.events:
                self.host.emit(self, f"{kind.name}.deleted", kind, {"id": record_id})

    def complete_invitation(self, invitation_id: str, public: str) -> Record:
        """The candidate records an answer to every question; the invitation is completed."""
        with self.host.lock:
            invitation = self.get(INVITATION, invitation_id)
            if invitation["status"] == "completed":
                raise Conflict(f"invitation {invitation_id!r} is already completed")
            questions = self.questions.find("project_id", invitation["project_id"])
            now = self._stamp()
            for question in sorted(questions, key=lambda q: q["position"]):
                response_id = self.responses.new_id()
                self.responses.insert(
                    {
                        "id": response_id,
                        "invitation_id": invitation_id,
                        "question_id": question["id"],
                        "video_url": f"{public}/media/{response_id}.mp4",
                        "duration_seconds": max(1, question["time_limit_seconds"] // 2),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            return self.update(INVITATION, invitation_id, {"status": "completed"})

    def add_webhook(self, url: Any, events: Any) -> Record:
        """Subscribe ``url`` to ``events``; the answer carries the signing secret, once."""
        problems: dict[str, str] = {}
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            problems["url"] = f"{url!r} is not an absolute http(s) URL"
        if not isinstance(events, list) or not events:
            problems["events"] = "must be a non-empty array of event types"
        else:
            unknown = [e for e in events if e not in EVENT_TYPES]
            if unknown:
                problems["events"] = f"{unknown[0]!r} is not one of {sorted(EVENT_TYPES)}"
        if problems:
            raise ValidationFailed(problems)
        with self.host.lock:
            now = self._stamp()
            key = secrets.token_bytes(24)
            webhook = {
                "id": self.webhooks.new_id(),
                "url": url,
                "events": list(dict.fromkeys(events)),
                "secret": "whsec_" + base64.b64encode(key).decode(),
                "created_at": now,
                "updated_at": now,
            }
            self.webhooks.insert(webhook)
            self.host.ping(self, webhook)
            return webhook

    def dump(self, show: Callable[[Kind, Record], dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        for kind in KINDS.values():
            out[kind.plural] = [show(kind, r) for r in self.tables[kind.name].values()]
        return out

    def _new_question(self, record: Record, project_id: str | None) -> None:
        if project_id is None or project_id not in self.projects:
            raise NotFound("project", str(project_id))
        record["project_id"] = project_id
        if record["position"] is None:
            record["position"] = len(self.questions.find("project_id", project_id)) + 1

    def _new_invitation(self, record: Record, now: str) -> None:
        missing = {
            name: f"no {kind.name} {record[name]!r}"
            for name, kind in (("project_id", PROJECT), ("candidate_id", CANDIDATE))
            if record[name] not in self.tables[kind.name]
        }
        if missing:
            raise ValidationFailed(missing)
        pair = (record["project_id"], record["candidate_id"])
        existing = self._pairs.get(pair)
        if existing is not None:
            raise Conflict(
                f"candidate {pair[1]!r} is already invited to project {pair[0]!r}",
                existing_id=existing,
            )
        self._pairs[pair] = record["id"]
        record["invited_at"] = record["invited_at"] or now
        record["completed_at"] = now if record["status"] == "completed" else None

    def _new_rating(self, record: Record) -> None:
        invitation = self.invitations.get(record["invitation_id"])
        if invitation is None:
            raise ValidationFailed({"invitation_id": f"no invitation {record['invitation_id']!r}"})
        record["candidate_id"] = invitation["candidate_id"]
        record["project_id"] = invitation["project_id"]
        if record["evaluator_name"] is None and record["evaluator_id"] is not None:
            record["evaluator_name"] = self._evaluator_name(record["evaluator_id"])

    def _evaluator_name(self, user_id: str | None) -> str | None:
        user = self.users.get(user_id) if user_id is not None else None
        return user["name"] if user is not None else None

    def _unique_email(self, email: str, own_id: str | None) -> None:
        for user in self.users.find("email", email):
            if user["id"] != own_id:
                raise Conflict(f"a user with email {email!r} exists", existing_id=user["id"])

    def _stamp(self) -> str:
        return time_from_epoch(self.host.now())
