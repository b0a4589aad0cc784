"""SAML 2.0 bearer assertions for the OAuth 2.0 assertion grant (RFC 7522).

The assertion names the user to act as (``subject``), is addressed to the token
endpoint (``audience``, ``recipient``), lives ``lifetime`` seconds, and is signed with
an enveloped XML-DSig signature (RSA-SHA256, exclusive canonicalisation) placed right
after ``Issuer`` as the SAML schema requires.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from lxml import etree
from signxml import XMLSigner  # type: ignore[attr-defined]

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SAML}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def signed_assertion(
    *,
    issuer: str,
    audience: str,
    recipient: str,
    subject: str,
    private_key: str,
    certificate: str,
    lifetime: float = 300.0,
    now: datetime | None = None,
) -> bytes:
    """The signed assertion as XML bytes."""
    now = now or datetime.now(UTC)
    expires = now + timedelta(seconds=lifetime)
    root = etree.Element(
        f"{{{SAML}}}Assertion",
        {"ID": "_" + secrets.token_hex(16), "IssueInstant": _instant(now), "Version": "2.0"},
        nsmap={"saml": SAML},
    )
    _el(root, "Issuer", issuer)
    etree.SubElement(root, f"{{{DSIG}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DSIG})
    subject_el = _el(root, "Subject")
    _el(subject_el, "NameID", subject, Format=EMAIL)
    confirmation = _el(subject_el, "SubjectConfirmation", Method=BEARER)
    _el(
        confirmation, "SubjectConfirmationData", NotOnOrAfter=_instant(expires), Recipient=recipient
    )
    conditions = _el(root, "Conditions", NotBefore=_instant(now), NotOnOrAfter=_instant(expires))
    _el(_el(conditions, "AudienceRestriction"), "Audience", audience)
    statement = _el(root, "AuthnStatement", AuthnInstant=_instant(now))
    _el(
        _el(statement, "AuthnContext"),
        "AuthnContextClassRef",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified",
    )
    signer = XMLSigner(
        signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC_C14N
    )
    signed = signer.sign(
        root, key=private_key.encode(), cert=certificate, reference_uri=root.get("ID")
    )
    return bytes(etree.tostring(signed))
