"""The engine as a client of the suite, through mappings/suite.yaml only: every resource
read and written, the SAML bearer grant, and the OAuth consent flow end to end with a
browser stand-in."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from engine.client.api import ApiClient
from engine.web.app import create_app
from engine.web.pages import EmbedTokens
from simulators.serving import LoopbackServer
from simulators.world import SUITE_CLIENT, TENANT, World


@pytest.fixture
def client_world(tmp_path: Path) -> Iterator[World]:
    with World(tmp_path) as world:
        yield world


def _run(world: World, work: Any) -> Any:
    runtime = world.runtime()

    async def go() -> Any:
        async with runtime.tenant(TENANT).suite_client() as suite:
            return await work(suite)

    return asyncio.run(go())


def test_every_suite_resource_round_trips(client_world: World) -> None:
    world = client_world

    async def work(suite: ApiClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        project = await suite.create("project", {"name": "Engineer", "external_id": "101"})
        question = await suite.create("question", {"text": "Why us?", "time_limit_seconds": 90},
                                      parent_id=project["id"])  # fmt: skip
        candidate = await suite.create(
            "candidate", {"first_name": "Ada", "last_name": "L", "email": "ada@x.example"}
        )
        invitation = await suite.create(
            "invitation", {"project_id": project["id"], "candidate_id": candidate["id"]}
        )
        user = await suite.create(
            "user", {"name": "Eve", "email": "eve@x.example", "role": "evaluator"}
        )
        world.company.complete_invitation(invitation["id"], world.suite_server.url)
        rating = await suite.create(
            "rating", {"invitation_id": invitation["id"], "score": 5, "comment": "Great"}
        )
        for name, record in (("project", project), ("question", question), ("candidate", candidate),
                             ("invitation", invitation), ("user", user), ("rating", rating)):  # fmt: skip
            fetched = await suite.get(name, record["id"])
            assert fetched is not None and fetched["id"] == record["id"]
        out["questions"] = [q async for q in suite.list("question", parent_id=project["id"])]
        out["responses"] = [r async for r in suite.list("response", parent_id=invitation["id"])]
        assert (await suite.get("response", out["responses"][0]["id"])) is not None
        out["ratings"] = [
            r async for r in suite.list("rating", params={"invitation_id": invitation["id"]})
        ]
        updated = await suite.update("project", project["id"], {"name": "Staff Engineer"})
        out["renamed"] = updated["name"]
        await suite.update("question", question["id"], {"text": "Why this role?"})
        await suite.update("candidate", candidate["id"], {"phone": "+14155550132"})
        await suite.update("user", user["id"], {"role": "viewer"})
        await suite.update("rating", rating["id"], {"score": 4})
        await suite.update("invitation", invitation["id"], {"external_id": "9001"})
        out["deleted"] = [
            await suite.delete(name, record["id"])
            for name, record in (("rating", rating), ("invitation", invitation), ("question", question),
                                 ("candidate", candidate), ("user", user), ("project", project))
        ]  # fmt: skip
        out["gone"] = await suite.get("project", project["id"])
        out["again"] = await suite.delete("project", project["id"])
        return out

    out = _run(world, work)
    assert [q["text"] for q in out["questions"]] == ["Why us?"]
    assert len(out["responses"]) == 1 and out["ratings"][0]["score"] == 5
    assert out["renamed"] == "Staff Engineer"
    assert out["deleted"] == [True] * 6 and out["gone"] is None and out["again"] is False
    company = world.company
    assert len(company.projects) == len(company.candidates) == len(company.users) - 1 == 0


def test_listing_pages_through_cursor_pagination(client_world: World) -> None:
    for i in range(250):
        client_world.company.create(
            "candidate", {"first_name": "C", "last_name": str(i), "email": f"c{i}@x.example"}
        )

    async def work(suite: ApiClient) -> list[dict[str, Any]]:
        return [c async for c in suite.list("candidate")]

    listed = _run(client_world, work)
    assert len({c["id"] for c in listed}) == 250


def _saml_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "connector")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
    )  # fmt: skip
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem_key.decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


def test_saml_bearer_assertion_signs_in_as_a_user(tmp_path: Path) -> None:
    key, cert = _saml_pair()
    with World(tmp_path, suite_auth="saml") as world:
        client = world.suite.tokens.clients[SUITE_CLIENT[0]]
        world.suite.tokens.clients[SUITE_CLIENT[0]] = dataclasses.replace(
            client, saml_certificate=cert, saml_issuer="connector"
        )
        text = world.config_path.read_text()
        text = text.replace("      webhook_secret: whsec_", "      saml_subject: admin@acme.example\n"
                            "      saml_key: ${SAML_KEY}\n      saml_cert: ${SAML_CERT}\n      webhook_secret: whsec_")  # fmt: skip
        world.config_path.write_text(text)
        runtime = world.runtime(env={"SAML_KEY": key, "SAML_CERT": cert})

        async def go() -> list[dict[str, Any]]:
            async with runtime.tenant(TENANT).suite_client() as suite:
                await suite.create("project", {"name": "Via SAML"})
                return [p async for p in suite.list("project")]

        assert [p["name"] for p in asyncio.run(go())] == ["Via SAML"]
        assert world.suite.tokens.requests["urn:ietf:params:oauth:grant-type:saml2-bearer"] == 1


class Forms(HTMLParser):
    """The first form of a page: its action and its fields, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name") and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")


def submit(browser: httpx.Client, page: httpx.Response, **values: str) -> httpx.Response:
    forms = Forms()
    forms.feed(page.text)
    assert forms.action is not None, page.text
    return browser.post(urljoin(str(page.url), forms.action), data={**forms.fields, **values})


def test_consent_flow_end_to_end_with_a_browser_stand_in(tmp_path: Path) -> None:
    with World(tmp_path, suite_auth=None) as world:
        runtime = world.runtime()
        with LoopbackServer(create_app(runtime)) as engine_server:
            client = world.suite.tokens.clients[SUITE_CLIENT[0]]
            callback = f"{engine_server.url}/oauth/{TENANT}/callback"
            world.suite.tokens.clients[SUITE_CLIENT[0]] = dataclasses.replace(
                client, redirect_uris=(callback,)
            )
            signer = EmbedTokens.from_secret(world.key.encode())
            with httpx.Client(follow_redirects=True, timeout=10) as browser:
                refused = browser.get(f"{engine_server.url}/oauth/{TENANT}/start")  # no start link
                assert refused.status_code == 403 and "consent-url" in refused.text
                start = signer.issue(TENANT, "oauth-start", TENANT)
                login = browser.get(
                    f"{engine_server.url}/oauth/{TENANT}/start", params={"token": start}
                )
                assert "/sso/login" in str(login.url)  # the suite's SSO asks who we are
                consent = submit(browser, login, email="admin@acme.example")
                assert "/oauth/authorize" in str(consent.url)
                done = submit(browser, consent, decision="allow")
            assert done.status_code == 200 and "is connected to the suite" in done.text
            assert str(done.url).startswith(callback)

            async def go() -> list[dict[str, Any]]:
                async with runtime.tenant(TENANT).suite_client() as suite:
                    await suite.create("project", {"name": "After consent"})
                    world.suite.expire_access_tokens()  # the next call refreshes, once
                    return [p async for p in suite.list("project")]

            assert [p["name"] for p in asyncio.run(go())] == ["After consent"]
            assert world.suite.tokens.requests["authorization_code"] == 1
            assert world.suite.tokens.requests["refresh_token"] == 1


def test_a_forged_callback_is_refused(tmp_path: Path) -> None:
    with World(tmp_path, suite_auth=None) as world:
        runtime = world.runtime()
        with LoopbackServer(create_app(runtime)) as engine_server, httpx.Client() as browser:
            forged = browser.get(
                f"{engine_server.url}/oauth/{TENANT}/callback?code=abc&state=made-up"
            )
            assert forged.status_code == 400 and "expired or was altered" in forged.text
            unknown = browser.get(f"{engine_server.url}/oauth/nobody/start")
            assert unknown.status_code == 404
