"""Key rotation as docs/deploy.md tells it: the new key first, the old one after."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import ConnectorError
from engine.store.migrate import upgrade
from engine.store.tables import make_engine
from engine.store.tokens import Token, TokenStore, cipher_from_env

CONNECTOR = Path(sys.executable).with_name("connector")
PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _keygen() -> str:
    made = subprocess.run(
        [str(CONNECTOR), "keygen"], capture_output=True, text=True, timeout=60, check=True
    )
    return made.stdout.strip()


def test_the_page_puts_the_new_key_first() -> None:
    assert 'export CONNECTOR_ENCRYPTION_KEY="$NEW,$OLD"' in PAGE.read_text(encoding="utf-8")


def test_rotation_keeps_stored_tokens(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'connector.db'}")
    upgrade(engine)
    old, new = _keygen(), _keygen()
    token = Token("access-1", refresh_token="refresh-1")
    TokenStore(engine, cipher_from_env(old)).save("acme", "suite", token)

    rotated = TokenStore(engine, cipher_from_env(f"{new},{old}"))
    assert rotated.load("acme", "suite") == token  # read with the old key
    with pytest.raises(ConnectorError, match="was the encryption key changed"):
        TokenStore(engine, cipher_from_env(new)).load("acme", "suite")  # old key dropped too soon

    rotated.save("acme", "suite", token)  # a refresh writes it again, under the new key
    assert TokenStore(engine, cipher_from_env(new)).load("acme", "suite") == token
    engine.dispose()
