"""Check a SAML 2.0 bearer assertion for the token endpoint (RFC 7522).

    xml = decode_assertion(form["assertion"])          # base64url, padding optional
    email = verify_assertion(xml, certificate=pem, issuer="connector",
                             audiences={"https://suite.example.com/oauth/token"}, now=time.time())

Only what the signature covers is trusted: the checks read ``signed_xml`` from signxml, never
the document as received, so a wrapped or appended element cannot slip in. The signature must
be enveloped in the Assertion itself. Times may be off by ``skew`` seconds either way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

NS = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion"}
ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"


class AssertionRejected(ValueError):
    pass


def decode_assertion(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise AssertionRejected("the assertion is not base64url") from None


def peek_issuer(xml: bytes) -> str | None:
    """The Issuer as written, unverified: only to pick which certificate to verify with."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError:
        return None
    issuer = root.find("saml:Issuer", NS)
    return issuer.text.strip() if issuer is not None and issuer.text else None


def verify_assertion(
    xml: bytes,
    *,
    certificate: str,
    issuer: str,
    audiences: Collection[str],
    now: float,
    skew: float = 60.0,
) -> str:
    """The Subject's NameID of a valid assertion; AssertionRejected says what is wrong.

    ``audiences`` are the names of this token endpoint (public and as requested); the
    Audience and any Recipient must be one of them.
    """
    try:
        result: Any = XMLVerifier().verify(
            xml, x509_cert=certificate, expect_config=SignatureConfiguration(location="./")
        )
    except (SignXMLException, etree.XMLSyntaxError, ValueError) as exc:
        raise AssertionRejected(f"signature: {exc}") from None
    root = result.signed_xml
    if root is None or root.tag != ASSERTION:
        raise AssertionRejected("the signed element is not a saml:Assertion")
    if root.get("Version") != "2.0":
        raise AssertionRejected(f"Version {root.get('Version')!r} is not '2.0'")
    found_issuer = _text(root, "saml:Issuer")
    if found_issuer != issuer:
        raise AssertionRejected(f"Issuer {found_issuer!r} is not {issuer!r}")
    ends = _check_conditions(root, audiences, now, skew)
    subject = root.find("saml:Subject", NS)
    if subject is None:
        raise AssertionRejected("there is no Subject")
    confirmations = [
        c for c in subject.findall("saml:SubjectConfirmation", NS) if c.get("Method") == BEARER
    ]
    if not confirmations:
        raise AssertionRejected(f"no SubjectConfirmation has Method {BEARER!r}")
    for confirmation in confirmations:
        data = confirmation.find("saml:SubjectConfirmationData", NS)
        if data is None:
            continue
        recipient = data.get("Recipient")
        if recipient is not None and recipient not in audiences:
            raise AssertionRejected(f"Recipient {recipient!r} is not one of {sorted(audiences)}")
        if data.get("NotOnOrAfter") is not None:
            ends = True
            if now - skew >= _time(data, "NotOnOrAfter"):
                raise AssertionRejected("the subject confirmation has expired")
    if not ends:
        raise AssertionRejected("the assertion has no NotOnOrAfter")
    name_id = _text(subject, "saml:NameID")
    if not name_id:
        raise AssertionRejected("the Subject has no NameID")
    return name_id


def _check_conditions(root: Any, audiences: Collection[str], now: float, skew: float) -> bool:
    """Check Conditions; True if they bound the assertion's life with NotOnOrAfter."""
    conditions = root.find("saml:Conditions", NS)
    if conditions is None:
        raise AssertionRejected("there are no Conditions")
    if conditions.get("NotBefore") is not None and now + skew < _time(conditions, "NotBefore"):
        raise AssertionRejected("the assertion is not valid yet (NotBefore)")
    ends = conditions.get("NotOnOrAfter") is not None
    if ends and now - skew >= _time(conditions, "NotOnOrAfter"):
        raise AssertionRejected("the assertion has expired (NotOnOrAfter)")
    restrictions = conditions.findall("saml:AudienceRestriction", NS)
    if not restrictions:
        raise AssertionRejected("there is no AudienceRestriction")
    for restriction in restrictions:
        listed = {(a.text or "").strip() for a in restriction.findall("saml:Audience", NS)}
        if not listed & set(audiences):
            raise AssertionRejected(f"Audience {sorted(listed)} is not one of {sorted(audiences)}")
    return ends


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, NS)
    return found.text.strip() if found is not None and found.text else None


def _time(element: Any, attribute: str) -> float:
    text = element.get(attribute)
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise AssertionRejected(f"{attribute} {text!r} is not an xs:dateTime") from None
    if value.tzinfo is None:  # SAML times are UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
