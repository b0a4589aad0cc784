"""Fixtures: the test API on a real uvicorn server, and clients built from real specs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet, MultiFernet

from engine.client.api import ApiClient
from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec
from engine.store.tables import make_engine, metadata
from engine.store.tokens import TokenStore
from simulators.serving import LoopbackServer
from tests.client.testapi import State, create_app


@pytest.fixture
def api() -> Iterator[tuple[str, State]]:
    app = create_app()
    with LoopbackServer(app) as server:
        yield server.url, app.state.api


@pytest.fixture
def token_store(tmp_path: Path) -> TokenStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'connector.db'}")
    metadata.create_all(engine)
    return TokenStore(engine, MultiFernet([Fernet(Fernet.generate_key())]))


def spec_for(connection: dict[str, Any], resources: dict[str, Any]) -> AtsSpec:
    """A real ATS spec around ``connection`` and ``resources``, validated by lint."""
    document = {
        "kind": "ats",
        "name": "testapi",
        "title": "Test API",
        "setups": ["static"],
        "secrets": {name: {"description": name} for name in ("key", "client_id", "client_secret")},
        "connection": connection,
        # the resources under test, and one to give the spec the flow it must have,
        # so that a resource with a single endpoint need not support a whole sync
        "resources": {**resources, "synced": {"endpoints": {"list": {"path": "/synced"}}}},
        "sync": {"things": {"direction": "to_suite", "source": "synced", "target": "project"}},
        "polling": {"interval": "5m", "flows": ["things"]},
    }
    result = lint_text("testapi.yaml", yaml.safe_dump(document, sort_keys=False))
    assert result.errors == [], result.errors
    assert isinstance(result.spec, AtsSpec)
    return result.spec


def client_for(
    base_url: str,
    connection: dict[str, Any],
    resources: dict[str, Any] | None = None,
    *,
    secrets: dict[str, str] | None = None,
    tokens: TokenStore | None = None,
    **kwargs: Any,
) -> ApiClient:
    connection = {"base_url": base_url, **connection}
    resources = resources or {"thing": {"endpoints": {"list": {"path": "/link"}}}}
    spec = spec_for(connection, resources)
    return ApiClient.for_spec(
        spec,
        tenant="acme",
        secrets=secrets
        if secrets is not None
        else {"key": "k-123456", "client_id": "cid", "client_secret": "csecret"},
        tokens=tokens,
        **kwargs,
    )
