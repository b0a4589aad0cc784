"""Webhook signatures: each vendor's scheme passes as the vendor signs it, and fails,
without leaking, however the request is tampered with.

Verifiers are built through lint from ``signature:`` blocks (``tests.web.signing``); the
vendors' schemes are in ``tests.web.vendors``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
import yaml

from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec
from engine.paths import MAPPINGS_DIR
from engine.web import signatures
from engine.web.signatures import SignatureError, make_verifier
from tests.web.signing import NOW, Request, Scheme, dump, verifier
from tests.web.vendors import SCHEME, SCHEMES


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
        return replace(request, body=dump(body))
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


# --- Lever's caveats ---------------------------------------------------------------------


def test_lever_signs_only_token_and_triggered_at() -> None:
    """Lever's documented caveat: the rest of the body is not covered."""
    scheme = SCHEME["lever"]
    body = json.loads(scheme.valid().body)
    body["data"]["toStageId"] = "s-9"
    verifier(scheme.block, scheme.secret).verify(dump(body), {}, now=NOW)


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
