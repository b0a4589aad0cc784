"""The equivalence table: which ATS id matches which suite id, per tenant and entity.

Lookups take a whole page of ids at once, so syncing a page costs one query, not one
per record. Ids are stored as strings (an ATS may send ``9001`` in one place and
``"9001"`` in another); ``ats_numeric`` remembers to give a number back to the ATS.

A change of a link and the audit entry that says why are one transaction:

    store = LinkStore(engine, "acme")
    link = store.add("job", 12, "prj_1", written="suite", payload={"name": "Engineer"},
                     audit=AuditEntry(run_id, "jobs_to_projects", "create", "suite",
                                      "project", "12", "prj_1", "name"))
    store.lookup("job", "ats", [12])["12"].id_on("suite")  # "prj_1"
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.store.journal import AuditEntry, write_entries
from engine.store.tables import cursors, links

Side = Literal["ats", "suite"]
CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit

# Built once, values passed at execution: ``insert(...).values(**row)`` makes a new
# statement per call, whose cache key costs several times the insert itself.
_INSERT = insert(links)
_UPDATE = update(links).where(links.c.id == bindparam("link_id"))


def fingerprint(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def key(value: Any) -> str:
    """The stored form of an id."""
    return value if isinstance(value, str) else json.dumps(value)


def usable_id(value: Any) -> bool:
    """Whether an API's id for a record can name it: a non-empty string or an integer.
    A list, an object, a float or a boolean in the id's place is a broken answer, and a
    record linked under it could never be found again."""
    if isinstance(value, str):
        return value != ""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Link:
    id: int
    entity: str
    ats_id: str
    suite_id: str
    ats_numeric: bool
    fingerprint: str | None
    suite_payload: dict[str, Any] | None
    ats_payload: dict[str, Any] | None
    status: str

    def id_on(self, side: Side) -> Any:
        """The id as the API on ``side`` wants it (a number where the ATS used one)."""
        if side == "suite":
            return self.suite_id
        return int(self.ats_id) if self.ats_numeric else self.ats_id

    def payload(self, side: Side) -> dict[str, Any] | None:
        return self.suite_payload if side == "suite" else self.ats_payload


def _row(row: Any) -> Link:
    return Link(
        row.id,
        row.entity,
        row.ats_id,
        row.suite_id,
        bool(row.ats_numeric),
        row.fingerprint,
        json.loads(row.suite_payload) if row.suite_payload else None,
        json.loads(row.ats_payload) if row.ats_payload else None,
        row.status,
    )


class LinkConflict(Exception):
    """Another link already holds one of the two ids."""


class LinkStore:
    def __init__(self, engine: Engine, tenant: str) -> None:
        self.engine = engine
        self.tenant = tenant

    def lookup(self, entity: str, side: Side, ids: Iterable[Any]) -> dict[str, Link]:
        """Links by the stored id on ``side``, for every id that has one."""
        wanted = list(dict.fromkeys(key(i) for i in ids))
        column = links.c.ats_id if side == "ats" else links.c.suite_id
        found: dict[str, Link] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                query = select(links).where(
                    links.c.tenant == self.tenant,
                    links.c.entity == entity,
                    column.in_(wanted[start : start + CHUNK]),
                )
                for row in conn.execute(query):
                    link = _row(row)
                    found[link.ats_id if side == "ats" else link.suite_id] = link
        return found

    def add(
        self,
        entity: str,
        ats_id: Any,
        suite_id: Any,
        *,
        written: Side,
        payload: Mapping[str, Any],
        audit: AuditEntry | None = None,
    ) -> Link:
        """Link two ids after a create on ``written``; ``audit`` goes in the same transaction."""
        now = time.time()
        values: dict[str, Any] = {
            "tenant": self.tenant,
            "entity": entity,
            "ats_id": key(ats_id),
            "suite_id": key(suite_id),
            "ats_numeric": isinstance(ats_id, int) and not isinstance(ats_id, bool),
            "fingerprint": fingerprint(payload) if written == "suite" else None,
            f"{written}_payload": json.dumps(payload, default=str),
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                inserted = conn.execute(_INSERT, values).inserted_primary_key
                new_id = inserted[0] if inserted else 0
                write_entries(conn, self.tenant, [audit] if audit else [])
        except IntegrityError:
            raise LinkConflict(f"{entity} {ats_id!r} or {suite_id!r} is already linked") from None
        return Link(
            int(new_id),
            entity,
            values["ats_id"],
            values["suite_id"],
            values["ats_numeric"],
            values["fingerprint"],
            dict(payload) if written == "suite" else None,
            dict(payload) if written == "ats" else None,
            "active",
        )

    def get(self, link_id: int) -> Link:
        with self.engine.connect() as conn:
            return _row(conn.execute(select(links).where(links.c.id == link_id)).one())

    def written(
        self,
        link: Link,
        side: Side,
        payload: Mapping[str, Any],
        *,
        status: str | None = None,
        audit: AuditEntry | None = None,
    ) -> None:
        """Record what was just written to ``side`` through this link (and its new
        ``status``, when given); ``audit`` goes in the same transaction."""
        merged = {**(link.payload(side) or {}), **payload}
        values: dict[str, Any] = {
            "link_id": link.id,
            f"{side}_payload": json.dumps(merged, default=str),
            "updated_at": time.time(),
        }
        if side == "suite":
            values["fingerprint"] = fingerprint(merged)
        if status is not None:
            values["status"] = status
        with self.engine.begin() as conn:
            conn.execute(_UPDATE, values)
            write_entries(conn, self.tenant, [audit] if audit else [])

    def remove(self, link: Link, *, audit: AuditEntry | None = None) -> None:
        """Forget a link whose target was deleted; ``audit`` goes in the same transaction."""
        with self.engine.begin() as conn:
            conn.execute(delete(links).where(links.c.id == link.id))
            write_entries(conn, self.tenant, [audit] if audit else [])

    def all(self, entity: str | None = None, *, search: str | None = None) -> Iterator[Link]:
        query = select(links).where(links.c.tenant == self.tenant)
        if entity:
            query = query.where(links.c.entity == entity)
        if search:
            query = query.where(links.c.ats_id.contains(search) | links.c.suite_id.contains(search))
        with self.engine.connect() as conn:
            for row in conn.execute(query.order_by(links.c.entity, links.c.id)):
                yield _row(row)

    # --- cursors ----------------------------------------------------------------------

    def cursor(self, name: str) -> str | None:
        query = select(cursors.c.value).where(
            and_(cursors.c.tenant == self.tenant, cursors.c.key == name)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def set_cursor(self, name: str, value: str) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(cursors)
                .where(cursors.c.tenant == self.tenant, cursors.c.key == name)
                .values(value=value, updated_at=now)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(cursors).values(
                        tenant=self.tenant, key=name, value=value, updated_at=now
                    )
                )
