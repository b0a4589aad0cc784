"""The keys an ATS's marketplace presents to Connector's partner routes.

    keys = PartnerKeys(engine)
    key = keys.issue("acme", label="the ATS")       # shown once; only its digest is stored
    keys.tenant_of(key)                            # "acme"; None for a wrong or revoked key

A key is 32 random bytes (URL-safe base64, ``cpk_`` first so that it is recognisable in
a leak scan); it is stored as its SHA-256 digest, which is enough for a random key (a
slow hash protects guessable passwords, not 256 random bits) and lets a request be
checked with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import Engine, insert, select, update

from engine.store.tables import partner_keys

PREFIX = "cpk_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class PartnerKeys:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(self, tenant: str, *, label: str = "") -> str:
        key = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(partner_keys).values(
                tenant=tenant, digest=digest(key), label=label, created_at=time.time()
            ))  # fmt: skip
        return key

    def tenant_of(self, key: str) -> str | None:
        """The tenant a key belongs to; None when it is unknown or revoked."""
        if not key:
            return None
        query = select(partner_keys.c.tenant).where(
            partner_keys.c.digest == digest(key), partner_keys.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def revoke(self, tenant: str) -> int:
        """Revoke every key of the tenant; how many."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(partner_keys)
                .where(partner_keys.c.tenant == tenant, partner_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
        return int(done.rowcount or 0)
