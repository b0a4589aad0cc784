"""Webhook signatures: the options of ``hmac``, ``shared_secret`` and ``none``, and what
every verifier shares.

Verifiers are built through lint from ``signature:`` blocks (``tests.web.signing``); the
vendors' schemes are in ``tests.web.vendors``.
"""

from __future__ import annotations

import base64
import hmac
import time

import pytest

from engine.web.signatures import VERIFIERS, SignatureError
from tests.web.signing import NOW, SECRET, hexd, hmac_block, mac, verifier
from tests.web.vendors import SCHEME

# --- the hmac options -----------------------------------------------------------------

BODY = b'{"id":1,"name":"caf\xc3\xa9"}'


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_hmac_algorithms_and_encodings(algorithm: str, encoding: str) -> None:
    digest = hmac.new(b"k3y", BODY, algorithm).digest()
    text = digest.hex().upper() if encoding == "hex" else base64.b64encode(digest).decode()
    block = hmac_block(header="X-Sig", algorithm=algorithm, encoding=encoding)
    verifier(block, "k3y").verify(BODY, {"x-sig": text}, now=NOW)
    other = base64.b64encode(digest).decode() if encoding == "hex" else digest.hex()
    with pytest.raises(SignatureError, match="does not match"):
        verifier(block, "k3y").verify(BODY, {"x-sig": other}, now=NOW)


def test_hmac_stripe_style_list_any_entry_may_match() -> None:
    block = hmac_block(
        header="X-Sig", prefix="v1=", timestamp_header="X-Ts", signed="{{ timestamp }}.{{ body }}"
    )
    good = hexd(mac("k3y", f"{NOW}.".encode() + BODY))
    value = f"t={NOW},v1={'ab' * 32},v0={good},v1={good}"
    verifier(block, "k3y").verify(BODY, {"X-Sig": value, "X-Ts": str(NOW)}, now=NOW)
    with pytest.raises(SignatureError):
        verifier(block, "k3y").verify(
            BODY, {"X-Sig": f"t={NOW},v0={good}", "X-Ts": str(NOW)}, now=NOW
        )


@pytest.mark.parametrize(
    ("timestamp", "error"),
    [
        (str(NOW * 1000 + 999), None),  # milliseconds
        (str(NOW - 299), None),
        (str((NOW - 301) * 1000), "tolerance"),
        ("1.7e9", "not an integer"),
        ("-5", "not an integer"),
        ("", "not an integer"),
    ],
)
def test_hmac_timestamps(timestamp: str, error: str | None) -> None:
    block = hmac_block(header="X-Sig", timestamp_header="X-Ts", signed="{{ timestamp }}.{{ body }}")
    headers = {"X-Sig": hexd(mac("k3y", f"{timestamp}.".encode() + BODY)), "X-Ts": timestamp}
    check = verifier(block, "k3y")
    if error is None:
        check.verify(BODY, headers, now=NOW)
    else:
        with pytest.raises(SignatureError, match=error):
            check.verify(BODY, headers, now=NOW)


def test_hmac_signs_raw_bytes_even_when_not_utf8_or_reserialisable() -> None:
    body = b'{"b": 1,  "a":"\xff"}'
    for signed in ("{{ body }}", "{{ body }}{{ '' }}"):
        block = hmac_block(header="X-Sig", signed=signed)
        verifier(block, "k3y").verify(body, {"X-Sig": hexd(mac("k3y", body))}, now=NOW)


def test_hmac_signed_template_reading_missing_fields_fails_cleanly() -> None:
    scheme = SCHEME["lever"]
    with pytest.raises(SignatureError, match="cannot build the signed content"):
        verifier(scheme.block, scheme.secret).verify(b'{"signature": "ab"}', {}, now=NOW)
    with pytest.raises(SignatureError, match="missing signature"):
        verifier(scheme.block, scheme.secret).verify(b"not json", {}, now=NOW)


def test_hmac_timestamp_in_template_needs_timestamp_header() -> None:
    with pytest.raises(SignatureError, match="timestamp_header"):
        verifier(hmac_block(header="X-Sig", signed="{{ timestamp }}.{{ body }}"), "k3y")


# --- shared_secret and none -----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"X-Webhook-Token": "t0k3n-value"}, None),
        ({"x-webhook-token": "t0k3n-value"}, None),
        ({"X-Webhook-Token": "t0k3n-valuf"}, "wrong value"),
        ({"X-Webhook-Token": ""}, "wrong value"),
        ({}, "missing header"),
    ],
)
def test_shared_secret(headers: dict[str, str], error: str | None) -> None:
    block = {"type": "shared_secret", "header": "X-Webhook-Token", "secret": SECRET}
    check = verifier(block, "t0k3n-value")
    if error is None:
        check.verify(b"{}", headers, now=NOW)
    else:
        with pytest.raises(SignatureError, match=error) as caught:
            check.verify(b"{}", headers, now=NOW)
        assert "t0k3n" not in str(caught.value)


def test_none_accepts_anything() -> None:
    verifier({"type": "none"}, "").verify(b"\x00garbage", {})


def test_every_schema_type_has_a_verifier() -> None:
    assert set(VERIFIERS) == {"hmac", "none", "shared_secret", "standard_webhooks"}


def test_an_invalid_body_path_fails_when_the_verifier_is_made() -> None:
    with pytest.raises(SignatureError, match="invalid JMESPath"):
        verifier(hmac_block(header="body:sig["), "k3y")


def test_now_defaults_to_the_clock() -> None:
    scheme = SCHEME["standard_webhooks"]
    request = scheme.valid(ts=int(time.time()))
    verifier(scheme.block, scheme.secret).verify(request.body, request.headers)
