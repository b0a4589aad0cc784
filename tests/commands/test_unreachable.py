"""An API that does not answer is named in the error, by its URL and never its secrets:
the token endpoint through ``connector register``, and a resource request in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.errors import UpstreamError
from tests.client.conftest import client_for
from tests.commands.starter import Starter, closed_port


def test_register_names_the_token_endpoint_it_cannot_reach(tmp_path: Path) -> None:
    starter = Starter.init(tmp_path)
    assert starter.run("db", "upgrade").returncode == 0
    port = closed_port()
    env = {**starter.env, "SUITE_BASE_URL": f"http://127.0.0.1:{port}/api/v1"}
    env["ACME_SUITE_CLIENT_SECRET"] = "s3cret-value-0000"
    ran = starter.run("register", "acme", env=env)
    assert ran.returncode == 2
    assert ran.stderr.startswith(
        f"connector: token endpoint http://127.0.0.1:{port}/oauth/token unreachable: ConnectError"
    ), ran.stderr
    assert ran.stderr.count("\n") == 1 and "s3cret" not in ran.stderr


def test_a_resource_request_names_its_url_without_the_query() -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    connection = {
        "auth": {"type": "api_key", "in": "query", "name": "key", "value": "{{ secrets.key }}"},
        "retry": {"max_attempts": 2, "backoff": "1ms"},
    }
    resources = {"thing": {"endpoints": {"get": {"path": "/things/{{ id }}"}}}}

    async def run() -> None:
        async with client_for(url, connection, resources) as client:
            await client.get("thing", 7)

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(run())
    message = str(caught.value)
    assert f"unreachable after 2 attempts: ConnectError on GET {url}/things/7" in message
    assert "k-123456" not in message
