"""Every auth strategy against a real loopback API, and token handling end to end."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from sqlalchemy import select

from engine.client.auth import AUTH
from engine.errors import AuthError, ConsentRequired
from engine.store.tables import tokens as tokens_table
from engine.store.tokens import Token, TokenStore
from tests.client.conftest import client_for
from tests.client.testapi import State

ECHO = {"thing": {"endpoints": {"get": {"path": "/echo"}}}}
BASIC = "Basic " + base64.b64encode(b"k-123456:x").decode()
STATIC: list[tuple[dict[str, Any], str, str, str]] = [
    (
        {"type": "api_key", "name": "X-Api-Key", "value": "{{ secrets.key }}"},
        "headers",
        "x-api-key",
        "k-123456",
    ),
    (
        {"type": "api_key", "in": "query", "name": "api_key", "value": "{{ secrets.key }}"},
        "query",
        "api_key",
        "k-123456",
    ),
    (
        {"type": "basic", "username": "{{ secrets.key }}", "password": "x"},
        "headers",
        "authorization",
        BASIC,
    ),
    (
        {"type": "bearer", "token": "{{ secrets.key }}"},
        "headers",
        "authorization",
        "Bearer k-123456",
    ),
    (
        {"type": "token_header", "value": "Token token={{ secrets.key }}"},
        "headers",
        "authorization",
        "Token token=k-123456",
    ),
]


@pytest.mark.parametrize(("auth", "where", "name", "expected"), STATIC, ids=lambda v: str(v)[:40])
def test_static_credentials_reach_the_server(
    auth: dict[str, Any], where: str, name: str, expected: str, api: tuple[str, State]
) -> None:
    url, _ = api

    async def run() -> dict[str, Any] | None:
        async with client_for(url, {"auth": auth}, ECHO) as client:
            return await client.get("thing", 1)

    seen = asyncio.run(run())
    assert seen is not None and seen[where][name] == expected


def test_every_strategy_is_covered() -> None:
    covered = {a["type"] for a, *_ in STATIC} | {
        "none",
        "oauth2_client_credentials",
        "oauth2_authorization_code",
        "saml2_bearer",
    }
    assert set(AUTH) == covered  # saml2_bearer runs against the suite simulator's tests


def _cc(url: str, client_auth: str = "basic") -> dict[str, Any]:
    return {
        "auth": {
            "type": "oauth2_client_credentials",
            "token_url": f"{url}/auth/token",
            "client_id": "{{ secrets.client_id }}",
            "client_secret": "{{ secrets.client_secret }}",
            "client_auth": client_auth,
        }
    }


PROTECTED = {"thing": {"endpoints": {"get": {"path": "/protected"}}}}


def _found(record: dict[str, Any] | None) -> dict[str, Any]:
    """A record the API returned; ``get`` gives None only when it does not exist."""
    assert record is not None
    return record


@pytest.mark.parametrize("client_auth", ["basic", "body"])
def test_client_credentials(
    client_auth: str, api: tuple[str, State], token_store: TokenStore
) -> None:
    url, state = api

    async def run() -> Any:
        async with client_for(url, _cc(url, client_auth), PROTECTED, tokens=token_store) as client:
            return [await client.get("thing", 1) for _ in range(3)]

    results = asyncio.run(run())
    assert all(r == {"ok": True, "token": "access-1"} for r in results)
    assert state.grants["client_credentials"] == 1


def test_an_expired_token_is_refreshed_once_for_fifty_concurrent_calls(
    api: tuple[str, State], token_store: TokenStore
) -> None:
    url, state = api
    state.valid_tokens.add("old")
    state.refresh_tokens.add("refresh-old")
    token_store.save("acme", "testapi", Token("old", expires_at=1.0, refresh_token="refresh-old"))
    auth = {
        "auth": {
            "type": "oauth2_authorization_code",
            "authorize_url": f"{url}/authorize",
            "token_url": f"{url}/auth/token",
            "client_id": "{{ secrets.client_id }}",
            "client_secret": "{{ secrets.client_secret }}",
        }
    }

    async def run() -> list[dict[str, Any]]:
        async with client_for(url, auth, PROTECTED, tokens=token_store) as client:
            records = await asyncio.gather(*(client.get("thing", i) for i in range(50)))
            return [_found(r) for r in records]

    results = asyncio.run(run())
    assert state.grants["refresh_token"] == 1
    assert {r["token"] for r in results} == {"access-1"}
    stored = token_store.load("acme", "testapi")
    assert stored is not None and stored.refresh_token == "refresh-1"  # rotated and kept


def test_a_401_refreshes_once_and_retries(api: tuple[str, State], token_store: TokenStore) -> None:
    url, state = api

    async def run() -> list[Any]:
        async with client_for(url, _cc(url), PROTECTED, tokens=token_store) as client:
            first = await client.get("thing", 1)
            state.valid_tokens.clear()  # the server revokes: our cached token is now refused
            rest = await asyncio.gather(*(client.get("thing", i) for i in range(20)))
            return [first, *rest]

    results = asyncio.run(run())
    assert results[0]["token"] == "access-1"
    assert {r["token"] for r in results[1:]} == {"access-2"}
    assert state.grants["client_credentials"] == 2


def test_tokens_are_encrypted_at_rest(api: tuple[str, State], token_store: TokenStore) -> None:
    url, _ = api

    async def run() -> None:
        async with client_for(url, _cc(url), PROTECTED, tokens=token_store) as client:
            await client.get("thing", 1)

    asyncio.run(run())
    with token_store.engine.connect() as conn:
        [ciphertext] = conn.execute(select(tokens_table.c.ciphertext)).scalars().all()
    assert "access-1" not in ciphertext and "refresh-1" not in ciphertext
    stored = token_store.load("acme", "testapi")
    assert stored is not None
    assert stored == Token("access-1", stored.expires_at, "refresh-1")


def test_a_stored_token_survives_a_restart(api: tuple[str, State], token_store: TokenStore) -> None:
    url, state = api

    async def once() -> None:
        async with client_for(url, _cc(url), PROTECTED, tokens=token_store) as client:
            await client.get("thing", 1)

    asyncio.run(once())
    asyncio.run(once())
    assert state.grants["client_credentials"] == 1


def test_refused_credentials_are_a_clear_error_without_the_secret(
    api: tuple[str, State], token_store: TokenStore
) -> None:
    url, _ = api
    secrets = {"key": "k", "client_id": "cid", "client_secret": "wrong-secret-value"}

    async def run() -> None:
        async with client_for(
            url, _cc(url), PROTECTED, secrets=secrets, tokens=token_store
        ) as client:
            await client.get("thing", 1)

    with pytest.raises(AuthError) as caught:
        asyncio.run(run())
    assert "invalid_client" in str(caught.value) and "wrong-secret-value" not in str(caught.value)
    assert caught.value.status == 401


def test_authorization_code_without_consent_says_what_to_do(
    api: tuple[str, State], token_store: TokenStore
) -> None:
    url, _ = api
    auth = {
        "auth": {
            "type": "oauth2_authorization_code",
            "authorize_url": f"{url}/authorize",
            "token_url": f"{url}/auth/token",
            "client_id": "{{ secrets.client_id }}",
        }
    }

    async def run() -> None:
        async with client_for(url, auth, PROTECTED, tokens=token_store) as client:
            await client.get("thing", 1)

    with pytest.raises(ConsentRequired, match="/oauth/acme/start"):
        asyncio.run(run())


def test_two_clients_of_one_tenant_share_a_refresh(
    api: tuple[str, State], token_store: TokenStore
) -> None:
    url, state = api
    state.refresh_tokens.add("refresh-old")
    token_store.save("acme", "testapi", Token("old", expires_at=1.0, refresh_token="refresh-old"))
    auth = {"auth": {"type": "oauth2_authorization_code", "authorize_url": f"{url}/authorize",
                     "token_url": f"{url}/auth/token", "client_id": "{{ secrets.client_id }}",
                     "client_secret": "{{ secrets.client_secret }}"}}  # fmt: skip

    async def run() -> list[dict[str, Any]]:
        async with (
            client_for(url, auth, PROTECTED, tokens=token_store) as first,
            client_for(url, auth, PROTECTED, tokens=token_store) as second,
        ):
            records = await asyncio.gather(first.get("thing", 1), second.get("thing", 2))
            return [_found(r) for r in records]

    results = asyncio.run(run())
    assert state.grants["refresh_token"] == 1  # a rotating refresh token is spent once
    assert {r["token"] for r in results} == {"access-1"}
