"""Every verifier type against arbitrary requests: a request signed the way the sender
signs verifies, one flipped byte of what the signature covers (or of the signature)
fails, and nothing a sender can put in a body or a header raises anything but
``SignatureError``."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.web.signatures import SignatureError, Verifier
from tests.web.signing import NOW, SECRET, b64, b64hex, hexd, hmac_block, verifier

Tamper = Callable[[bytes], bytes]
SECRETS = st.text(min_size=1, max_size=40)


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]
    covered: tuple[int, int]  # the span of the body that the signature covers


@dataclass(frozen=True)
class Variant:
    """A ``signature:`` block and a sender that signs ``payload`` for it, the digest
    passed through ``tamper`` before it is written into the request."""

    name: str
    block: dict[str, Any]
    sign: Callable[[bytes, str, Tamper], Signed]
    headers: tuple[str, ...]  # the header names the verifier reads
    secrets: st.SearchStrategy[str] = SECRETS

    def verifier(self, secret: str) -> Verifier:
        return verifier(self.block, secret)


def _mac(key: bytes | str, message: bytes, algorithm: str = "sha256") -> bytes:
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, message, algorithm).digest()


def _whole(body: bytes, headers: dict[str, str]) -> Signed:
    return Signed(body, headers, (0, len(body)))


def _raw(header: str, prefix: str, encode: Callable[[bytes], str], algorithm: str) -> Any:
    def sign(body: bytes, secret: str, tamper: Tamper) -> Signed:
        digest = tamper(_mac(secret, body, algorithm))
        return _whole(body, {header: prefix + encode(digest)})

    return sign


def _field(payload: bytes) -> str:
    """A JSON string value whose every byte stands for itself (no escapes)."""
    text = "".join(chr(0x21 + b % 0x5E) for b in payload) or "x"
    return text.replace('"', "!").replace("\\", "!")


def _in_body(body: dict[str, Any], key: str) -> Signed:
    """``body`` as JSON, covering the string value of ``key``."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    start = raw.index(f'"{key}":"'.encode()) + len(key) + 4
    return Signed(raw, {"Content-Type": "application/json"}, (start, start + len(body[key])))


def _lever(payload: bytes, secret: str, tamper: Tamper) -> Signed:
    token, at = _field(payload), NOW * 1000 + 951
    digest = tamper(_mac(secret, f"{token}{at}".encode()))
    body = {"event": "x", "triggeredAt": at, "token": token, "signature": digest.hex(), "data": {}}
    return _in_body(body, "token")


def _teamtailor(payload: bytes, secret: str, tamper: Tamper) -> Signed:
    resource = _field(payload)
    signed = _in_body({"resource_id": resource, "event_name": "job.create"}, "resource_id")
    digest = tamper(_mac(secret, resource.encode()))
    return Signed(signed.body, {"Teamtailor-Signature": b64hex(digest)}, signed.covered)


def _timestamped(body: bytes, secret: str, tamper: Tamper) -> Signed:
    digest = tamper(_mac(secret, f"{NOW}.".encode() + body))
    return _whole(body, {"X-Sig": "v0=old, v1=" + digest.hex(), "X-Ts": str(NOW)})


def _wrapped(body: bytes, secret: str, tamper: Tamper) -> Signed:
    digest = tamper(_mac(secret, f"{NOW}.".encode() + body))
    listed = f"t={NOW},v2={digest.hex()}"
    return _whole(body, {"TT-Signature": base64.b64encode(listed.encode()).decode()})


STANDARD_KEY = bytes(range(32))


def _standard(body: bytes, secret: str, tamper: Tamper) -> Signed:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = tamper(_mac(key, f"msg_1.{NOW}.".encode() + body))
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(NOW)}
    return _whole(body, {**headers, "webhook-signature": f"v1,{b64(b'x' * 32)} v1,{b64(digest)}"})


HMAC_VARIANTS = [
    Variant(
        "hex with a prefix",
        hmac_block(header="Signature", algorithm="sha256", encoding="hex", prefix="sha256 "),
        _raw("Signature", "sha256 ", hexd, "sha256"),
        ("signature",),
    ),
    Variant(
        "sha1 base64",
        hmac_block(header="X-Sig", algorithm="sha1", encoding="base64"),
        _raw("X-Sig", "", b64, "sha1"),
        ("x-sig",),
    ),
    Variant(
        "sha512 hex",
        hmac_block(header="X-Sig", algorithm="sha512"),
        _raw("X-Sig", "", hexd, "sha512"),
        ("x-sig",),
    ),
    Variant(
        "signature in the body",
        hmac_block(header="body:signature", signed="{{ json.token }}{{ json.triggeredAt }}"),
        _lever,
        ("content-type",),
    ),
    Variant(
        "base64 of the hex digest of a body field",
        hmac_block(
            header="Teamtailor-Signature", encoding="base64", signed="{{ json.resource_id }}"
        ),
        _teamtailor,
        ("teamtailor-signature",),
    ),
    Variant(
        "timestamp header and a signed template",
        hmac_block(
            header="X-Sig",
            prefix="v1=",
            timestamp_header="X-Ts",
            signed="{{ timestamp }}.{{ body }}",
        ),
        _timestamped,
        ("x-sig", "x-ts"),
    ),
    Variant(
        "a base64-wrapped list with its timestamp entry",
        hmac_block(
            header="TT-Signature",
            header_encoding="base64",
            prefix="v2=",
            timestamp_header="entry:t",
            signed="{{ timestamp }}.{{ body }}",
        ),
        _wrapped,
        ("tt-signature",),
    ),
]
STANDARD = Variant(
    "standard webhooks",
    {"type": "standard_webhooks", "secret": SECRET},
    _standard,
    ("webhook-id", "webhook-timestamp", "webhook-signature"),
    st.binary(min_size=1, max_size=64).map(lambda key: "whsec_" + b64(key)),
)
SIGNED = [*HMAC_VARIANTS, STANDARD]
SHARED = {"type": "shared_secret", "header": "X-Webhook-Token", "secret": SECRET}
NONE = {"type": "none"}

bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=100).map(str.encode),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(), max_size=4).map(
        lambda d: json.dumps(d).encode()
    ),
    st.sampled_from([b"", b"{", b"null", b"[]", b'{"signature": {}}', b'{"token": 1e999}',
                     b'{"signature": null}', b'{"triggeredAt": [1]}', b"\xff\xfe", b"[" * 5000]),
)  # fmt: skip
header_values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", " ", "sha256 ", "v1=", "v1,", "t=", "t=1,t=2", "=", ",;,", "whsec_",
                     str(NOW), "99999999999999999999", "-1", "0x10", "v2=zz"]),
    st.binary(max_size=60).map(lambda raw: base64.b64encode(raw).decode()),
    st.binary(max_size=40).map(bytes.hex),
)  # fmt: skip


def _headers(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    known = st.sampled_from([*names, *(n.upper() for n in names), "content-type"])
    return st.dictionaries(known | st.text(min_size=1, max_size=12), header_values, max_size=6)


def _refused_or_accepted(check: Verifier, body: bytes, headers: dict[str, str]) -> None:
    with contextlib.suppress(SignatureError):
        check.verify(body, headers, now=NOW)


def _flip(data: bytes, at: int, mask: int) -> bytes:
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


def _keep(digest: bytes) -> bytes:
    return digest


every = st.sampled_from([*SIGNED, Variant("shared secret", SHARED, _lever, ("x-webhook-token",))])


@settings(max_examples=300)
@given(every, st.text(min_size=1, max_size=30), bodies, st.data())
def test_arbitrary_requests_raise_only_signature_error(
    variant: Variant, secret: str, body: bytes, data: st.DataObject
) -> None:
    if variant is STANDARD:
        secret = data.draw(STANDARD.secrets, label="secret")
    check = variant.verifier(secret)
    _refused_or_accepted(check, body, data.draw(_headers(variant.headers), label="headers"))


@settings(max_examples=150)
@given(st.sampled_from(SIGNED), bodies, st.data())
def test_a_signed_request_with_one_header_garbled_raises_only_signature_error(
    variant: Variant, body: bytes, data: st.DataObject
) -> None:
    secret = data.draw(variant.secrets, label="secret")
    signed = variant.sign(body, secret, _keep)
    headers = dict(signed.headers)
    name = data.draw(st.sampled_from(sorted(headers)), label="header")
    headers[name] = data.draw(header_values, label="value")
    _refused_or_accepted(variant.verifier(secret), signed.body, headers)


@settings(max_examples=200)
@given(st.sampled_from(SIGNED), bodies, st.data())
def test_a_correctly_signed_request_verifies(
    variant: Variant, body: bytes, data: st.DataObject
) -> None:
    secret = data.draw(variant.secrets, label="secret")
    signed = variant.sign(body, secret, _keep)
    variant.verifier(secret).verify(signed.body, signed.headers, now=NOW)


@settings(max_examples=200)
@given(st.sampled_from(SIGNED), bodies, st.data())
def test_one_flipped_byte_of_the_signed_content_fails(
    variant: Variant, body: bytes, data: st.DataObject
) -> None:
    secret = data.draw(variant.secrets, label="secret")
    signed = variant.sign(body, secret, _keep)
    start, end = signed.covered
    if start == end:
        return  # an empty body: nothing to flip (the signature flip covers it)
    at = data.draw(st.integers(start, end - 1), label="byte")
    mask = data.draw(st.integers(1, 255), label="mask")
    check = variant.verifier(secret)
    try:
        check.verify(_flip(signed.body, at, mask), signed.headers, now=NOW)
    except SignatureError:
        return
    raise AssertionError(f"byte {at} of the body flipped with {mask:#x} still verifies")


@settings(max_examples=200)
@given(st.sampled_from(SIGNED), bodies, st.data())
def test_one_flipped_byte_of_the_signature_fails(
    variant: Variant, body: bytes, data: st.DataObject
) -> None:
    secret = data.draw(variant.secrets, label="secret")
    at = data.draw(st.integers(0, 19), label="byte")  # sha1, the shortest, has 20
    mask = data.draw(st.integers(1, 255), label="mask")
    signed = variant.sign(body, secret, lambda digest: _flip(digest, at, mask))
    try:
        variant.verifier(secret).verify(signed.body, signed.headers, now=NOW)
    except SignatureError:
        return
    raise AssertionError(f"byte {at} of the signature flipped with {mask:#x} still verifies")


@settings(max_examples=150)
@given(st.text(min_size=1, max_size=40), bodies, st.data())
def test_shared_secret_takes_the_secret_and_nothing_one_byte_off(
    secret: str, body: bytes, data: st.DataObject
) -> None:
    check = verifier(SHARED, secret)
    check.verify(body, {"x-webhook-token": secret}, now=NOW)
    raw = secret.encode()
    at = data.draw(st.integers(0, len(raw) - 1), label="byte")
    wrong = _flip(raw, at, data.draw(st.integers(1, 255), label="mask"))
    try:
        check.verify(body, {"X-Webhook-Token": wrong.decode("latin-1")}, now=NOW)
    except SignatureError:
        return
    raise AssertionError("a token one byte off was taken")


@settings(max_examples=100)
@given(bodies, _headers(("x-webhook-token", "signature")))
def test_none_accepts_everything(body: bytes, headers: dict[str, str]) -> None:
    verifier(NONE, "").verify(body, headers, now=NOW)


def test_standard_key_is_the_whsec_base64() -> None:
    """The signer above keys with the bytes after whsec_, as the scheme says."""
    secret = "whsec_" + b64(STANDARD_KEY)
    signed = _standard(b"{}", secret, _keep)
    expected = hmac.new(STANDARD_KEY, f"msg_1.{NOW}.{{}}".encode(), hashlib.sha256).digest()
    assert signed.headers["webhook-signature"].endswith(b64(expected))
