"""HMAC signatures whose send time is an entry of the signature header, and headers sent
as base64 of such a list.

``timestamp_header: "entry:t"`` reads Stripe's ``t=`` entry of ``t=<ts>,v1=<hex>``: the
time that is signed and checked against ``tolerance`` travels in the signature itself.
``header_encoding: base64`` decodes the whole header first, for ``base64("t=…,v2=…")``.
"""

from __future__ import annotations

import base64

import pytest

from engine.web.signatures import SignatureError
from tests.web.signing import NOW, hexd, hmac_block, mac, verifier

BODY = b'{"id":"42","event":"job.update"}'
KEY = "k3y"
STRIPE = hmac_block(
    header="Stripe-Signature",
    prefix="v1=",
    timestamp_header="entry:t",
    signed="{{ timestamp }}.{{ body }}",
)
WRAPPED = hmac_block(
    header="X-Signature",
    header_encoding="base64",
    prefix="v2=",
    timestamp_header="entry:t",
    signed="{{ timestamp }}.{{ body }}",
)


def _signed(ts: int, body: bytes = BODY, key: str = KEY) -> str:
    return hexd(mac(key, f"{ts}.".encode() + body))


def _wrap(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_the_send_time_is_read_from_an_entry_of_the_signature() -> None:
    check = verifier(STRIPE, KEY)
    check.verify(BODY, {"Stripe-Signature": f"t={NOW},v1={_signed(NOW)}"}, now=NOW)
    rotated = f"t={NOW},v1={'ab' * 32},v1={_signed(NOW)}"  # a rotated key's entry beside it
    check.verify(BODY, {"stripe-signature": rotated}, now=NOW)


def test_a_stale_or_moved_send_time_is_refused() -> None:
    check = verifier(STRIPE, KEY)
    old = NOW - 301
    with pytest.raises(SignatureError, match="tolerance"):
        check.verify(BODY, {"Stripe-Signature": f"t={old},v1={_signed(old)}"}, now=NOW)
    # a fresh t= on an old signature: the time is signed, so it no longer matches
    with pytest.raises(SignatureError, match="does not match"):
        check.verify(BODY, {"Stripe-Signature": f"t={NOW},v1={_signed(old)}"}, now=NOW)


@pytest.mark.parametrize(
    "value",
    [f"v1={_signed(NOW)}", f"t={NOW},t={NOW},v1={_signed(NOW)}", f"ts={NOW},v1={_signed(NOW)}"],
    ids=["no time", "two times", "another name"],
)
def test_a_signature_without_exactly_one_send_time_is_refused(value: str) -> None:
    with pytest.raises(SignatureError, match="missing timestamp 'entry:t'"):
        verifier(STRIPE, KEY).verify(BODY, {"Stripe-Signature": value}, now=NOW)


def test_a_base64_header_is_unwrapped_before_its_entries_are_read() -> None:
    check = verifier(WRAPPED, KEY)
    check.verify(BODY, {"X-Signature": _wrap(f"t={NOW},v2={_signed(NOW)}")}, now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        check.verify(
            BODY, {"X-Signature": _wrap(f"t={NOW},v2={_signed(NOW, key='other')}")}, now=NOW
        )
    with pytest.raises(SignatureError, match="does not match"):
        check.verify(b'{"id":"43"}', {"X-Signature": _wrap(f"t={NOW},v2={_signed(NOW)}")}, now=NOW)
    stale = NOW - 3600
    with pytest.raises(SignatureError, match="tolerance"):
        check.verify(BODY, {"X-Signature": _wrap(f"t={stale},v2={_signed(stale)}")}, now=NOW)


@pytest.mark.parametrize(
    "value",
    [f"t={NOW},v2={_signed(NOW)}", "%%%not base64%%%", base64.b64encode(b"\xff\xfe").decode()],
    ids=["not wrapped", "not base64", "not text"],
)
def test_a_header_that_does_not_unwrap_is_refused(value: str) -> None:
    with pytest.raises(SignatureError, match="is not base64 of a signature"):
        verifier(WRAPPED, KEY).verify(BODY, {"X-Signature": value}, now=NOW)


def test_without_header_encoding_a_header_is_read_as_sent() -> None:
    plain = hmac_block(
        header="X-Signature",
        prefix="v2=",
        timestamp_header="entry:t",
        signed="{{ timestamp }}.{{ body }}",
    )
    wrapped = _wrap(f"t={NOW},v2={_signed(NOW)}")
    with pytest.raises(SignatureError):
        verifier(plain, KEY).verify(BODY, {"X-Signature": wrapped}, now=NOW)
    verifier(plain, KEY).verify(BODY, {"X-Signature": f"t={NOW},v2={_signed(NOW)}"}, now=NOW)


def test_an_entry_without_a_name_is_refused_when_the_verifier_is_made() -> None:
    with pytest.raises(SignatureError, match="names no entry"):
        verifier(hmac_block(header="X-Signature", timestamp_header="entry:"), KEY)
