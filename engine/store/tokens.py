"""OAuth tokens obtained at run time, stored encrypted in the database.

The key comes from ``CONNECTOR_ENCRYPTION_KEY``: one or more Fernet keys separated by
commas, newest first, so a key can be rotated without losing stored tokens::

    CONNECTOR_ENCRYPTION_KEY="$(connector keygen),$OLD_KEY"
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.errors import ConnectorError
from engine.store.tables import tokens

KEY_ENV = "CONNECTOR_ENCRYPTION_KEY"


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float | None = None
    refresh_token: str | None = None
    scope: str | None = None

    def fresh(self, margin: float = 0.0) -> bool:
        return self.expires_at is None or time.time() + margin < self.expires_at


def cipher_from_env(value: str | None = None) -> MultiFernet:
    raw = value if value is not None else os.environ.get(KEY_ENV, "")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ConnectorError(
            f"{KEY_ENV} is not set; tokens are stored encrypted. Generate a key with "
            "`connector keygen` and export it"
        )
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise ConnectorError(f"{KEY_ENV} holds an invalid key: use `connector keygen`") from None


class TokenStore:
    """Tokens per (tenant, provider), encrypted with Fernet at rest."""

    def __init__(
        self, engine: Engine, cipher: MultiFernet | None = None, *, signing_key: bytes | None = None
    ) -> None:
        self.engine = engine
        self.cipher = cipher or cipher_from_env()
        # the newest key also signs short-lived values such as embed tokens
        self.signing_key = signing_key or os.environ.get(KEY_ENV, "").split(",")[0].strip().encode()

    def load(self, tenant: str, provider: str) -> Token | None:
        query = select(tokens.c.ciphertext).where(
            tokens.c.tenant == tenant, tokens.c.provider == provider
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        try:
            data = json.loads(self.cipher.decrypt(row.ciphertext.encode()))
        except InvalidToken:
            raise ConnectorError(
                "a stored token cannot be decrypted: was the encryption key changed?",
                tenant=tenant,
                provider=provider,
            ) from None
        return Token(**data)

    def save(self, tenant: str, provider: str, token: Token) -> None:
        ciphertext = self.cipher.encrypt(json.dumps(asdict(token)).encode()).decode()
        values = {
            "ciphertext": ciphertext,
            "expires_at": token.expires_at,
            "updated_at": time.time(),
        }
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        # one upsert, not update-then-insert: two workers saving a tenant's first token
        # at once would both find nothing to update, and the second insert would fail
        upsert = (
            dialect.insert(tokens)
            .values(tenant=tenant, provider=provider, **values)
            .on_conflict_do_update(index_elements=["tenant", "provider"], set_=values)
        )
        with self.engine.begin() as conn:
            conn.execute(upsert)

    def delete(self, tenant: str, provider: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                tokens.delete().where(tokens.c.tenant == tenant, tokens.c.provider == provider)
            )
