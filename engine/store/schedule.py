"""The scheduler's stamps: when each poll of a (tenant, flow) was last fired.

A stamp is a row in ``cursors`` keyed ``schedule:<name>``, e.g. ``schedule:poll:jobs``
holding ``"1767225600.0"``; a flow never polled has none and reads as 0.

    stamps = Stamps(engine)
    stamps.last("acme", "poll:jobs_to_projects")       # 0.0
    stamps.stamp("acme", "poll:jobs_to_projects", 1767225600.0)
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.store.tables import cursors

PREFIX = "schedule:"


class Stamps:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def last(self, tenant: str, name: str) -> float:
        query = select(cursors.c.value).where(
            cursors.c.tenant == tenant, cursors.c.key == PREFIX + name
        )
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return float(value) if value else 0.0

    def stamp(self, tenant: str, name: str, at: float) -> None:
        """Set the stamp; of two schedulers stamping at once, either value is right."""
        now = time.time()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(cursors)
                .where(cursors.c.tenant == tenant, cursors.c.key == PREFIX + name)
                .values(value=str(at), updated_at=now)
            ).rowcount
        if changed:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(cursors).values(
                        tenant=tenant, key=PREFIX + name, value=str(at), updated_at=now
                    )
                )
        except IntegrityError:  # another scheduler inserted it first: its stamp stands
            return
