"""Webhook signatures, checked against each vendor's scheme as its documentation states it.

Every vector is computed here with ``hmac``/``hashlib``/``base64`` the way the vendor's
docs do it, and every verifier is built from a ``signature:`` block that goes through
lint into a real spec, so the YAML below is the YAML a spec author writes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import yaml

from engine.dsl import model
from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec
from engine.paths import MAPPINGS_DIR
from engine.web import signatures
from engine.web.signatures import VERIFIERS, SignatureError, Verifier, make_verifier

NOW = 1_717_171_717
SECRET = "{{ secrets.webhook_secret }}"


# --- building verifiers from real specs ---------------------------------------------


@functools.cache
def _compile(block: str) -> model.Signature:
    document = {
        "kind": "ats",
        "name": "hooks",
        "title": "Hooks",
        "setups": ["ideal"],
        "secrets": {"webhook_secret": {"description": "webhook signing secret"}},
        "connection": {"base_url": "https://ats.example.com", "auth": {"type": "none"}},
        "resources": {"job": {"endpoints": {"list": {"path": "/jobs"}}}},
        "sync": {"jobs": {"direction": "to_suite", "source": "job", "target": "project"}},
        "webhooks": [
            {
                "route": "hooks",
                "signature": json.loads(block),
                "event_id": "body.id",
                "event_type": "body.action",
                "events": [{"event": "job_created", "resource": "job"}],
            }
        ],
    }
    result = lint_text("hooks.yaml", yaml.safe_dump(document, sort_keys=False))
    assert result.errors == [], result.errors
    assert isinstance(result.spec, AtsSpec)
    return result.spec.webhooks[0].signature


def verifier(block: dict[str, Any], secret: str) -> Verifier:
    """The verifier for a ``signature:`` block, compiled through a validated spec."""
    return make_verifier(_compile(json.dumps(block, sort_keys=True)), secret)


# --- the vendors' schemes -----------------------------------------------------------


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def _mac(key: bytes | str, message: bytes) -> bytes:
    return hmac.new(key.encode() if isinstance(key, str) else key, message, hashlib.sha256).digest()


def hexd(digest: bytes) -> str:
    return digest.hex()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def b64hex(digest: bytes) -> str:
    return base64.b64encode(digest.hex().encode()).decode()


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


Signer = Callable[..., Request]


@dataclass(frozen=True)
class Scheme:
    name: str
    block: dict[str, Any]  # the spec's `signature:` block
    secret: str  # the rendered secret
    sign: Signer  # sign(key, ts, encode, prefix, drop) -> a request as the vendor sends it
    encode: Callable[[bytes], str]
    wrong_encoding: Callable[[bytes], str]
    prefix: str
    signed_text: bytes  # bytes of the body that the signature covers
    signature_at: str  # the header, or `body:` field, holding the signature
    timestamp_at: str | None = None  # where a signed timestamp is, if any
    stale_checked: bool = False
    extra_missing: tuple[str, ...] = field(default=())

    def valid(self, **kwargs: Any) -> Request:
        args: dict[str, Any] = {
            "key": self.secret,
            "ts": NOW,
            "encode": self.encode,
            "prefix": self.prefix,
            "drop": None,
        }
        return self.sign(**{**args, **kwargs})


def _headers(drop: str | None, **headers: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != drop}


# Greenhouse: developers.greenhouse.io/webhooks.html (grnhse/greenhouse-api-docs,
# source/includes/webhooks/_introduction.md): `Signature: sha256 <hex>`, HMAC-SHA256 of
# the entire raw body, keyed with the secret key as typed; no timestamp.
GREENHOUSE_BODY = (
    b'{"action":"new_candidate_application","payload":{"application":'
    b'{"id":48206478,"candidate":{"first_name":"Ada \\u003cA\\u003e"}}}}'
)


def greenhouse(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    signature = prefix + encode(_mac(key, GREENHOUSE_BODY))
    return Request(
        GREENHOUSE_BODY,
        _headers(drop, Signature=signature, **{"Greenhouse-Event-ID": "a7d1e2"}),
    )


# Lever: hire.lever.co/developer/documentation#webhooks ("Securing webhooks"): the body
# carries `token`, `triggeredAt` (ms) and `signature` = hex HMAC-SHA256 of
# token + triggeredAt, keyed with the signature token. The rest of the body is unsigned.
LEVER_TOKEN = "257fd5a05e24c1dcb94d42be3a2db0c3d62f3bca7e00c1c6"


def lever(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    triggered_at = ts * 1000 + 951
    body: dict[str, Any] = {
        "id": "e9b1c2d3-0000-4000-8000-0123456789ab",
        "event": "candidateStageChange",
        "triggeredAt": triggered_at,
        "token": LEVER_TOKEN,
        "signature": prefix + encode(_mac(key, f"{LEVER_TOKEN}{triggered_at}".encode())),
        "data": {"candidateId": "c-1", "toStageId": "s-2"},
    }
    body.pop(drop or "", None)
    return Request(_dump(body), {"Content-Type": "application/json"})


# Workable: workable.readme.io/reference/webhooks: `X-Workable-Signature`, "HMAC SHA256
# on the payload of the request" keyed with the account token or the OAuth app secret.
# Hex is what third-party receivers use; the official page does not say [UNCONFIRMED].
WORKABLE_BODY = b'{"event_type":"candidate_created","data":{"id":"3fc9a80f","name":"Ada"}}'


def workable(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    signature = prefix + encode(_mac(key, WORKABLE_BODY))
    return Request(WORKABLE_BODY, _headers(drop, **{"X-Workable-Signature": signature}))


# Teamtailor partner webhooks (the second system named on partner.teamtailor.com/
# company_webhooks): `Teamtailor-Signature` = base64(hex(HMAC-SHA256(key, resource_id))).
# Third-party integrations only [UNCONFIRMED officially]; the official company-webhook
# example signature does base64-decode to a 64-char hex string, which agrees.
TEAMTAILOR_RESOURCE = "7d9f1c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"


def teamtailor(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    body = {"resource_id": TEAMTAILOR_RESOURCE, "event_name": "job_application.create"}
    signature = prefix + encode(_mac(key, TEAMTAILOR_RESOURCE.encode()))
    return Request(_dump(body), _headers(drop, **{"Teamtailor-Signature": signature}))


# Ashby: developers.ashbyhq.com/docs/authenticating-webhooks: `Ashby-Signature:
# sha256=<hex>`, HMAC-SHA256 of the raw body keyed with the webhook's secret token.
ASHBY_BODY = b'{"action":"applicationSubmit","data":{"application":{"id":"0a1b2c3d"}}}'


def ashby(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    signature = prefix + encode(_mac(key, ASHBY_BODY))
    return Request(ASHBY_BODY, _headers(drop, **{"Ashby-Signature": signature}))


# SmartRecruiters: developers.smartrecruiters.com/docs/webhooks-security:
# `smartrecruiters-signature: v1=<hex>[;v1=<hex>]`, HMAC-SHA256 hex of
# timestamp.body.event-id.event-name.event-version.link (a missing header is empty),
# `smartrecruiters-timestamp` in seconds, keyed with the generated secret key.
SMARTRECRUITERS_BODY = b'{"job_id":"jid","candidate_id":"cid"}'
SR_HEADERS = {
    "event-id": "123",
    "event-name": "application.created",
    "event-version": "v201910",
    "link": "<http://smartrecruiters.com/endpoint>; rel=self",
}


def smartrecruiters(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    parts = [str(ts).encode(), SMARTRECRUITERS_BODY, *(v.encode() for v in SR_HEADERS.values())]
    signature = prefix + encode(_mac(key, b".".join(parts)))
    headers = {"smartrecruiters-signature": signature, "smartrecruiters-timestamp": str(ts)}
    return Request(SMARTRECRUITERS_BODY, _headers(drop, **headers, **SR_HEADERS))


# Standard Webhooks: github.com/standard-webhooks/standard-webhooks, spec/standard-
# webhooks.md: `webhook-signature: v1,<base64>` (space-separated list), HMAC-SHA256 of
# "{webhook-id}.{webhook-timestamp}.{body}", keyed with base64-decoded bytes after whsec_.
STANDARD_SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
STANDARD_BODY = b'{"type":"candidate.created","timestamp":"2024-05-31T16:08:37Z","data":{}}'


def standard(key: str, ts: int, encode: Any, prefix: str, drop: str | None) -> Request:
    raw = base64.b64decode(key.removeprefix("whsec_"))
    signature = prefix + encode(_mac(raw, f"msg_2h7Kx.{ts}.".encode() + STANDARD_BODY))
    headers = {"webhook-id": "msg_2h7Kx", "webhook-timestamp": str(ts)}
    return Request(STANDARD_BODY, _headers(drop, **headers, **{"webhook-signature": signature}))


def _hmac(**block: Any) -> dict[str, Any]:
    return {"type": "hmac", **block, "secret": SECRET}


SR_SIGNED = ".".join(
    ["{{ timestamp }}", "{{ body }}", *(f"{{{{ headers.get('{h}', '') }}}}" for h in SR_HEADERS)]
)

SCHEMES = [
    Scheme(
        name="greenhouse",
        block=_hmac(header="Signature", algorithm="sha256", encoding="hex", prefix="sha256 "),
        secret="gh-secret-key",
        sign=greenhouse,
        encode=hexd,
        wrong_encoding=b64,
        prefix="sha256 ",
        signed_text=b"48206478",
        signature_at="Signature",
    ),
    Scheme(
        name="lever",
        block=_hmac(header="body:signature", signed="{{ json.token }}{{ json.triggeredAt }}"),
        secret="lever-signature-token",
        sign=lever,
        encode=hexd,
        wrong_encoding=b64,
        prefix="",
        signed_text=LEVER_TOKEN.encode(),
        signature_at="body:signature",
        timestamp_at="body:triggeredAt",
    ),
    Scheme(
        name="workable",
        block=_hmac(header="X-Workable-Signature"),
        secret="workable-account-token",
        sign=workable,
        encode=hexd,
        wrong_encoding=b64,
        prefix="",
        signed_text=b"3fc9a80f",
        signature_at="X-Workable-Signature",
    ),
    Scheme(
        name="teamtailor",
        block=_hmac(
            header="Teamtailor-Signature", encoding="base64", signed="{{ json.resource_id }}"
        ),
        secret="teamtailor-signature-key",
        sign=teamtailor,
        encode=b64hex,
        wrong_encoding=hexd,
        prefix="",
        signed_text=TEAMTAILOR_RESOURCE.encode(),
        signature_at="Teamtailor-Signature",
    ),
    Scheme(
        name="ashby",
        block=_hmac(header="Ashby-Signature", prefix="sha256="),
        secret="ashby-secret-token",
        sign=ashby,
        encode=hexd,
        wrong_encoding=b64,
        prefix="sha256=",
        signed_text=b"0a1b2c3d",
        signature_at="Ashby-Signature",
    ),
    Scheme(
        name="smartrecruiters",
        block=_hmac(
            header="smartrecruiters-signature",
            prefix="v1=",
            timestamp_header="smartrecruiters-timestamp",
            signed=SR_SIGNED,
        ),
        secret="HeBVky2bccvvkcXPimH8c",
        sign=smartrecruiters,
        encode=hexd,
        wrong_encoding=b64,
        prefix="v1=",
        signed_text=b"jid",
        signature_at="smartrecruiters-signature",
        timestamp_at="smartrecruiters-timestamp",
        stale_checked=True,
        extra_missing=("smartrecruiters-timestamp",),
    ),
    Scheme(
        name="standard_webhooks",
        block={"type": "standard_webhooks", "secret": SECRET},
        secret=STANDARD_SECRET,
        sign=standard,
        encode=b64,
        wrong_encoding=hexd,
        prefix="v1,",
        signed_text=b"candidate.created",
        signature_at="webhook-signature",
        timestamp_at="webhook-timestamp",
        stale_checked=True,
        extra_missing=("webhook-id", "webhook-timestamp"),
    ),
]
SCHEME = {scheme.name: scheme for scheme in SCHEMES}


def _flip(data: bytes, part: bytes) -> bytes:
    """``data`` with one byte of ``part`` changed."""
    assert part in data
    changed = part[:-1] + bytes([part[-1] ^ 1])
    return data.replace(part, changed, 1)


def _shift_timestamp(scheme: Scheme, request: Request) -> Request:
    at = scheme.timestamp_at
    assert at is not None
    if at.startswith("body:"):
        body = json.loads(request.body)
        body[at[5:]] += 1
        return replace(request, body=_dump(body))
    headers = {**request.headers, at: str(int(request.headers[at]) + 1)}
    return replace(request, headers=headers)


def _tampered(scheme: Scheme) -> Iterator[tuple[str, Request, str]]:
    """(label, request, the reason the verifier must give) for each way to break it."""
    valid = scheme.valid()
    mismatch = "match"  # "signature does not match", "no v1 signature matches"
    yield "body-one-byte", replace(valid, body=_flip(valid.body, scheme.signed_text)), mismatch
    yield "wrong-key", scheme.valid(key=_other_key(scheme.secret)), mismatch
    yield "wrong-encoding", scheme.valid(encode=scheme.wrong_encoding), mismatch
    for name in (scheme.signature_at.removeprefix("body:"), *scheme.extra_missing):
        yield f"missing-{name}", scheme.valid(drop=name), "missing"
    if scheme.prefix:
        reason = mismatch if scheme.block["type"] == "standard_webhooks" else "start with"
        yield "wrong-prefix", scheme.valid(prefix=_other_prefix(scheme.prefix)), reason
    if scheme.timestamp_at:
        yield "timestamp-changed", _shift_timestamp(scheme, valid), mismatch
    if scheme.stale_checked:
        tolerance = 300
        yield "stale", scheme.valid(ts=NOW - tolerance - 1), "tolerance"
        yield "far-future", scheme.valid(ts=NOW + tolerance + 1), "tolerance"


def _other_key(secret: str) -> str:
    if secret.startswith("whsec_"):
        return "whsec_" + base64.b64encode(bytes(range(1, 33))).decode()
    return secret + "x"


def _other_prefix(prefix: str) -> str:
    return {"sha256 ": "sha256=", "sha256=": "sha1=", "v1=": "v0=", "v1,": "v1a,"}[prefix]


def _signature_texts(scheme: Scheme, request: Request) -> list[str]:
    at = scheme.signature_at
    value = json.loads(request.body)[at[5:]] if at.startswith("body:") else request.headers[at]
    return [value, value.removeprefix(scheme.prefix)]


TAMPERED = [
    pytest.param(scheme, request, reason, id=f"{scheme.name}-{label}")
    for scheme in SCHEMES
    for label, request, reason in _tampered(scheme)
]


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_a_vendor_signed_request_passes(scheme: Scheme) -> None:
    request = scheme.valid()
    verifier(scheme.block, scheme.secret).verify(request.body, request.headers, now=NOW)


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_header_names_are_case_insensitive(scheme: Scheme) -> None:
    request = scheme.valid()
    for case in (str.lower, str.upper):
        headers = {case(k): v for k, v in request.headers.items()}
        verifier(scheme.block, scheme.secret).verify(request.body, headers, now=NOW)


@pytest.mark.parametrize(("scheme", "request_", "reason"), TAMPERED)
def test_a_tampered_request_fails_without_leaking(
    scheme: Scheme, request_: Request, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason) as caught:
        verifier(scheme.block, scheme.secret).verify(request_.body, request_.headers, now=NOW)
    message = str(caught.value)
    assert scheme.secret not in message
    for text in _signature_texts(scheme, scheme.valid()):
        assert text not in message


# --- published vectors ----------------------------------------------------------------


def test_smartrecruiters_documented_vector() -> None:
    """The example on developers.smartrecruiters.com/docs/webhooks-security."""
    scheme = SCHEME["smartrecruiters"]
    headers = {
        **SR_HEADERS,
        "smartrecruiters-timestamp": "1574080897",
        "smartrecruiters-signature": "v1=2e9291f10d44ca10204a4cd81b05d73b6a316b2b605d4e2e0e0b37b40198ce1f",
    }
    check = verifier(scheme.block, "HeBVky2bccvvkcXPimH8c")
    check.verify(SMARTRECRUITERS_BODY, headers, now=1574080897)
    # During a key rotation both keys sign, separated by `;`.
    rotated = {
        **headers,
        "smartrecruiters-signature": "v1=" + "0" * 64 + ";" + headers["smartrecruiters-signature"],
    }
    check.verify(SMARTRECRUITERS_BODY, rotated, now=1574080897)


# The reference vector of the Standard Webhooks libraries (standard-webhooks/standard-
# webhooks, libraries/python/tests/test_webhooks.py, test_sign_function; also svix's).
SW_VECTOR = {
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_BODY = b'{"test": 2432232314}'
SW_BLOCK = {"type": "standard_webhooks", "secret": SECRET}


@pytest.mark.parametrize("secret", [SW_SECRET, SW_SECRET.removeprefix("whsec_")])
def test_standard_webhooks_reference_vector(secret: str) -> None:
    verifier(SW_BLOCK, secret).verify(SW_BODY, SW_VECTOR, now=1614265330)


@pytest.mark.parametrize(
    "signature",
    [
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",  # the library's invalid one
        "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",  # other versions are ignored
        "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    ],
)
def test_standard_webhooks_reference_vector_rejects(signature: str) -> None:
    headers = {**SW_VECTOR, "webhook-signature": signature}
    with pytest.raises(SignatureError):
        verifier(SW_BLOCK, SW_SECRET).verify(SW_BODY, headers, now=1614265330)


def test_standard_webhooks_key_rotation() -> None:
    """During a rotation the sender signs with both keys; one valid entry is enough."""
    old = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="  # a retired key's signature
    check = verifier(SW_BLOCK, SW_SECRET)
    rotated = {**SW_VECTOR, "webhook-signature": f"{old} {SW_VECTOR['webhook-signature']}"}
    check.verify(SW_BODY, rotated, now=1614265330)
    only_old = {**SW_VECTOR, "webhook-signature": f"v1a,xyz {old} v1,!!"}
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        check.verify(SW_BODY, only_old, now=1614265330)


def test_standard_webhooks_names_the_missing_headers() -> None:
    check = verifier(SW_BLOCK, SW_SECRET)
    with pytest.raises(SignatureError, match="missing header webhook-id, webhook-signature"):
        check.verify(SW_BODY, {"webhook-timestamp": "1614265330"}, now=1614265330)


def test_standard_webhooks_secret_that_is_not_base64() -> None:
    with pytest.raises(SignatureError) as caught:
        verifier(SW_BLOCK, "whsec_not base64!")
    assert "not base64!" not in str(caught.value)


# --- the docs -------------------------------------------------------------------------


def test_the_module_docstring_example_verifies() -> None:
    doc = signatures.__doc__ or ""
    key = re.search(r"the key ``(.+?)``", doc)
    header = re.search(r"Signature: (sha256 [0-9a-f]{64})", doc)
    body = re.search(r"^    (\{.*\})$", doc, re.MULTILINE)
    assert key and header and body
    spec = yaml.safe_load(doc[doc.index("    signature:") :].split("\n\n")[0])
    check = verifier(spec["signature"], key[1])
    check.verify(body[1].encode(), {"Signature": header[1]}, now=NOW)


def test_the_shipped_greenhouse_spec_verifies_greenhouse() -> None:
    path = MAPPINGS_DIR / "ats" / "greenhouse.yaml"
    result = lint_text(str(path), path.read_text())
    assert isinstance(result.spec, AtsSpec)
    request = SCHEME["greenhouse"].valid()
    check = make_verifier(result.spec.webhooks[0].signature, SCHEME["greenhouse"].secret)
    check.verify(request.body, request.headers, now=NOW)


# --- the hmac options -----------------------------------------------------------------

BODY = b'{"id":1,"name":"caf\xc3\xa9"}'


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_hmac_algorithms_and_encodings(algorithm: str, encoding: str) -> None:
    digest = hmac.new(b"k3y", BODY, algorithm).digest()
    text = digest.hex().upper() if encoding == "hex" else base64.b64encode(digest).decode()
    block = _hmac(header="X-Sig", algorithm=algorithm, encoding=encoding)
    verifier(block, "k3y").verify(BODY, {"x-sig": text}, now=NOW)
    other = base64.b64encode(digest).decode() if encoding == "hex" else digest.hex()
    with pytest.raises(SignatureError, match="does not match"):
        verifier(block, "k3y").verify(BODY, {"x-sig": other}, now=NOW)


def test_hmac_stripe_style_list_any_entry_may_match() -> None:
    block = _hmac(
        header="X-Sig", prefix="v1=", timestamp_header="X-Ts", signed="{{ timestamp }}.{{ body }}"
    )
    good = hexd(_mac("k3y", f"{NOW}.".encode() + BODY))
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
    block = _hmac(header="X-Sig", timestamp_header="X-Ts", signed="{{ timestamp }}.{{ body }}")
    headers = {"X-Sig": hexd(_mac("k3y", f"{timestamp}.".encode() + BODY)), "X-Ts": timestamp}
    check = verifier(block, "k3y")
    if error is None:
        check.verify(BODY, headers, now=NOW)
    else:
        with pytest.raises(SignatureError, match=error):
            check.verify(BODY, headers, now=NOW)


def test_hmac_signs_raw_bytes_even_when_not_utf8_or_reserialisable() -> None:
    body = b'{"b": 1,  "a":"\xff"}'
    for signed in ("{{ body }}", "{{ body }}{{ '' }}"):
        block = _hmac(header="X-Sig", signed=signed)
        verifier(block, "k3y").verify(body, {"X-Sig": hexd(_mac("k3y", body))}, now=NOW)


def test_lever_signs_only_token_and_triggered_at() -> None:
    """Lever's documented caveat: the rest of the body is not covered."""
    scheme = SCHEME["lever"]
    body = json.loads(scheme.valid().body)
    body["data"]["toStageId"] = "s-9"
    verifier(scheme.block, scheme.secret).verify(_dump(body), {}, now=NOW)


@pytest.mark.parametrize(("age", "ok"), [(60, True), (3 * 3600, False)])
def test_lever_optional_replay_window(age: int, ok: bool) -> None:
    """Lever suggests checking triggeredAt (ms) yourself; ``body:`` reads it."""
    scheme = SCHEME["lever"]
    block = {**scheme.block, "timestamp_header": "body:triggeredAt", "tolerance": "1h"}
    request = scheme.valid(ts=NOW - age)
    check = verifier(block, scheme.secret)
    if ok:
        check.verify(request.body, request.headers, now=NOW)
    else:
        with pytest.raises(SignatureError, match="tolerance"):
            check.verify(request.body, request.headers, now=NOW)


def test_hmac_signed_template_reading_missing_fields_fails_cleanly() -> None:
    scheme = SCHEME["lever"]
    with pytest.raises(SignatureError, match="cannot build the signed content"):
        verifier(scheme.block, scheme.secret).verify(b'{"signature": "ab"}', {}, now=NOW)
    with pytest.raises(SignatureError, match="missing signature"):
        verifier(scheme.block, scheme.secret).verify(b"not json", {}, now=NOW)


def test_hmac_timestamp_in_template_needs_timestamp_header() -> None:
    with pytest.raises(SignatureError, match="timestamp_header"):
        verifier(_hmac(header="X-Sig", signed="{{ timestamp }}.{{ body }}"), "k3y")


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
        verifier(_hmac(header="body:sig["), "k3y")


def test_now_defaults_to_the_clock() -> None:
    scheme = SCHEME["standard_webhooks"]
    request = scheme.valid(ts=int(time.time()))
    verifier(scheme.block, scheme.secret).verify(request.body, request.headers)
