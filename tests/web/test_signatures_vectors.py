"""Webhook signatures: the vectors that SmartRecruiters and the Standard Webhooks
libraries publish.

Verifiers are built through lint from ``signature:`` blocks (``tests.web.signing``); the
vendors' schemes are in ``tests.web.vendors``.
"""

from __future__ import annotations

import pytest

from engine.web.signatures import SignatureError
from tests.web.signing import SECRET, verifier
from tests.web.vendors import SCHEME, SMARTRECRUITERS_BODY, SR_HEADERS


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
