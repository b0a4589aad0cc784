"""The suite simulator's SAML 2.0 bearer grant (RFC 7522)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from lxml import etree
from signxml import methods
from signxml.signer import XMLSigner

from tests.simulators.suite.support import SAML_GRANT, Signer, Tenant

# --- SAML 2.0 bearer assertions -----------------------------------------------------------

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def saml_assertion(
    signer: Signer,
    *,
    subject: str,
    audience: str,
    issuer: str = "connector",
    lifetime: timedelta = timedelta(minutes=5),
    start: datetime | None = None,
) -> bytes:
    """A SAML 2.0 Assertion, signed enveloped with exclusive c14n."""
    start = start or datetime.now(UTC)
    end = _iso(start + lifetime)

    def el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{SAML_NS}}}{tag}", attrs)
        node.text = text
        return node

    root = etree.Element(
        f"{{{SAML_NS}}}Assertion",
        {"ID": "_" + secrets.token_hex(16), "Version": "2.0", "IssueInstant": _iso(start)},
        nsmap={"saml": SAML_NS},
    )
    el(root, "Issuer", issuer)
    subject_el = el(root, "Subject")
    email_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    el(subject_el, "NameID", subject, Format=email_format)
    bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    confirmation = el(subject_el, "SubjectConfirmation", Method=bearer)
    el(confirmation, "SubjectConfirmationData", NotOnOrAfter=end, Recipient=audience)
    not_before = _iso(start - timedelta(seconds=5))
    conditions = el(root, "Conditions", NotBefore=not_before, NotOnOrAfter=end)
    el(el(conditions, "AudienceRestriction"), "Audience", audience)
    signed = XMLSigner(method=methods.enveloped, c14n_algorithm=EXC_C14N).sign(
        root, key=signer.key, cert=signer.cert
    )
    return bytes(etree.tostring(signed))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_saml_bearer_grant(
    http: httpx.Client, url: str, tenant: Callable[..., Tenant], signer: Signer
) -> None:
    t = tenant("acme", saml_certificate=signer.cert, saml_issuer="connector")
    token_url = f"{url}/oauth/token"
    good = saml_assertion(signer, subject="ada@acme.test", audience=token_url)

    # With client_id only (as suite.yaml's `saml` method sends it), and with no client at all.
    for extra in ({"client_id": t.client_id}, {}):
        data = {"grant_type": SAML_GRANT, "assertion": _b64url(good), **extra}
        ok = http.post(token_url, data=data)
        assert ok.status_code == 200, ok.text
        assert "refresh_token" not in ok.json()
    bearer = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    assert http.get(f"{url}/api/v1/projects", headers=bearer).status_code == 200

    tampered = good.replace(b"ada@acme.test", b"eve@acme.test")
    past = datetime.now(UTC) - timedelta(minutes=10)
    ada = "ada@acme.test"
    bad: list[tuple[bytes, str]] = [
        (tampered, "Digest mismatch"),
        (saml_assertion(signer, subject=ada, audience=token_url, start=past), "expired"),
        (saml_assertion(signer, subject=ada, audience="https://x/token"), "Audience"),
        (saml_assertion(signer, subject="zed@acme.test", audience=token_url), "not a user"),
        (saml_assertion(signer, subject=ada, audience=token_url, issuer="other"), "Issuer 'other'"),
        (good.replace(b"ds:Signature", b"ds:Nothing"), "Signature"),
    ]
    for assertion, why in bad:
        data = {"grant_type": SAML_GRANT, "assertion": _b64url(assertion), "client_id": t.client_id}
        refused = http.post(token_url, data=data)
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
        assert why in refused.json()["error_description"]
    # Another company trusting the same certificate under another issuer does not take it.
    other = tenant("globex", saml_certificate=signer.cert, saml_issuer="globex-idp")
    data = {"grant_type": SAML_GRANT, "assertion": _b64url(good), "client_id": other.client_id}
    assert http.post(token_url, data=data).json()["error"] == "invalid_grant"
