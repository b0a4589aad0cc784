"""The suite simulator on loopback, a shared HTTP transport, and tenants made fresh per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette

from simulators.serving import LoopbackServer
from simulators.suite import create_app
from simulators.suite.state import SuiteState
from tests.simulators.suite.support import Browser, Signer, Tenant, company_spec

# --- servers and tenants ------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite() -> Iterator[tuple[Starlette, LoopbackServer]]:
    app = create_app()
    with LoopbackServer(app) as server:
        app.state.sim.public_url = server.url
        yield app, server


@pytest.fixture(scope="module")
def transport() -> Iterator[httpx.HTTPTransport]:
    """One connection pool for every client: making an SSL context per client is slow."""
    with httpx.HTTPTransport() as shared:
        yield shared


@pytest.fixture(scope="module")
def http(transport: httpx.HTTPTransport) -> httpx.Client:
    return httpx.Client(transport=transport, timeout=10)


@pytest.fixture
def sim(suite: tuple[Starlette, LoopbackServer]) -> SuiteState:
    state: SuiteState = suite[0].state.sim
    state.reset()
    state.settings.webhook_backoff = 0.02
    return state


@pytest.fixture
def url(suite: tuple[Starlette, LoopbackServer], sim: SuiteState) -> str:
    return suite[1].url


@pytest.fixture
def tenant(
    url: str, sim: SuiteState, http: httpx.Client, transport: httpx.HTTPTransport
) -> Callable[..., Tenant]:
    """Make a company over the control plane; its API client has a token already."""

    def make(company_id: str = "acme", **client: Any) -> Tenant:
        created = http.post(f"{url}/_sim/companies", json=company_spec(company_id, **client))
        assert created.status_code == 201, created.text
        token = sim.issue_token(company_id)
        api = httpx.Client(
            base_url=f"{url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=10,
        )
        return Tenant(company_id, api, f"connector-{company_id}", f"secret-{company_id}")

    return make


@pytest.fixture
def acme(tenant: Callable[..., Tenant]) -> Tenant:
    return tenant("acme")


@pytest.fixture
def browsers(url: str, transport: httpx.HTTPTransport) -> Callable[[], Browser]:
    """New browsers, each with its own cookie jar."""
    return lambda: Browser(url, transport)


@pytest.fixture(scope="module")
def signer() -> Signer:
    """An RSA key and a self-signed certificate for it, as PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return Signer(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode())
