"""The real app, in process, against arbitrary requests under ``/hooks/``: every answer
is below 500, and a request that is not signed stores nothing in the inbox."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from engine.web.app import create_app
from simulators.world import TENANT, World
from tests.web.test_webhooks import rows

SUITE_KEY = base64.b64decode("A" * 32)  # the suite webhook secret World writes: whsec_AAAA…


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Starlette]]:
    with World(tmp_path_factory.mktemp("fuzz")) as world:
        yield world, create_app(world.runtime(), worker=False)


def send(
    app: Starlette, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(
                method, quote(path, safe="/%"), headers=headers, content=body
            )

    return asyncio.run(go())


segments = st.one_of(
    st.sampled_from([TENANT, "greenhouse", "suite", "nobody", "lever", "", ".", "..", "%2F",
                     "%00", "acme-x", "ACME"]),
    st.text(max_size=20),
)  # fmt: skip
paths = st.one_of(
    st.tuples(st.sampled_from([TENANT, "nobody"]), st.sampled_from(["greenhouse", "suite"])).map(
        lambda p: f"/hooks/{p[0]}/{p[1]}"
    ),
    st.lists(segments, min_size=0, max_size=4).map(lambda parts: "/hooks/" + "/".join(parts)),
)
methods = st.sampled_from(["POST"] * 6 + ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]) | (
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
)
CONTENT_TYPES = [b"application/json", b"application/json; charset=utf-16", b"text/plain",
                 b"multipart/form-data; boundary=x", b"application/x-www-form-urlencoded",
                 b"application/xml", b"", b"\xff\xfe", b";;;"]  # fmt: skip
NAMES = [b"signature", b"greenhouse-event-id", b"webhook-id", b"webhook-timestamp",
         b"webhook-signature", b"content-length", b"content-encoding", b"x-forwarded-for",
         b"transfer-encoding", b"expect"]  # fmt: skip
TOKEN = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
header_values = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"sha256 ", b"sha256 " + b"0" * 64, b"v1,", b"v1,AAAA", b"99999999999",
                     b"-1", b"0", str(int(time.time())).encode(), b"chunked", b"gzip",
                     b"100-continue"]),
)  # fmt: skip
headers = st.lists(
    st.tuples(
        st.sampled_from(NAMES) | st.text(TOKEN, min_size=1, max_size=16).map(str.encode),
        header_values,
    ),
    max_size=6,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
events = st.fixed_dictionaries(
    {"action": st.sampled_from(["ping", "job_created", "job_updated", "offer_created", ""])
     | json_values,
     "type": st.sampled_from(["webhook.ping", "project.updated", ""]) | json_values,
     "payload": json_values},
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=500),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.text(max_size=100).map(lambda text: text.encode("utf-16")),
    json_values.map(lambda value: json.dumps(value).encode()),
    events.map(lambda value: json.dumps(value).encode()),
    events.map(lambda value: json.dumps(value).encode()[:-1]),  # broken JSON
    st.sampled_from([b"", b"{", b"[" * 5000, b'{"a": NaN}', b'{"a": 1e999}', b"1" * 5000,
                     b'"\\ud800"', b"[" * 900 + b"]" * 900, b'{"a":' * 400 + b"1" + b"}" * 400,
                     b"\xef\xbb\xbf{}", b"{}" + b" " * 300_000,
                     b'{"pad": "' + b"x" * 1_100_000 + b'"}']),
)  # fmt: skip


def content_type(kind: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", kind)] if kind else []


@settings(max_examples=150, deadline=None)
@given(methods, paths, headers, st.sampled_from(CONTENT_TYPES), bodies)
def test_unsigned_requests_are_refused_below_500_and_store_nothing(
    app: tuple[World, Starlette],
    method: str,
    path: str,
    sent: list[tuple[bytes, bytes]],
    kind: bytes,
    body: bytes,
) -> None:
    _, server = app
    before = rows(server)
    answer = send(server, method, path, content_type(kind) + sent, body)
    assert answer.status_code < 500, (answer.status_code, answer.text)
    assert rows(server) == before


def _greenhouse(secret: str, body: bytes, event_id: bytes) -> tuple[str, list[tuple[bytes, bytes]]]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"/hooks/{TENANT}/greenhouse", [
        (b"signature", f"sha256 {signature}".encode()),
        (b"greenhouse-event-id", event_id),
    ]


def _suite(body: bytes, event_id: bytes) -> tuple[str, list[tuple[bytes, bytes]]]:
    now = str(int(time.time())).encode()
    digest = hmac.new(SUITE_KEY, event_id + b"." + now + b"." + body, hashlib.sha256).digest()
    return f"/hooks/{TENANT}/suite", [
        (b"webhook-id", event_id),
        (b"webhook-timestamp", now),
        (b"webhook-signature", b"v1," + base64.b64encode(digest)),
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["greenhouse", "suite"]),
    bodies,
    st.binary(min_size=0, max_size=24),
    st.sampled_from(CONTENT_TYPES),
)
def test_signed_requests_with_arbitrary_bodies_answer_below_500(
    app: tuple[World, Starlette], route: str, body: bytes, event_id: bytes, kind: bytes
) -> None:
    world, server = app
    if route == "greenhouse":
        path, signed = _greenhouse(world.hook_secret, body, event_id)
    else:
        path, signed = _suite(body, event_id)
    answer = send(server, "POST", path, content_type(kind) + signed, body)
    assert answer.status_code < 500, (answer.status_code, answer.text)
    assert "json" in answer.headers.get("content-type", ""), answer.headers
    answer.json()


def test_a_signed_event_is_stored_through_the_same_client(app: tuple[World, Starlette]) -> None:
    """The in-process client reaches the inbox: the unsigned tests' zero means something."""
    world, server = app
    body = json.dumps({"action": "job_created", "payload": {"job": {"id": 1}}}).encode()
    path, signed = _greenhouse(world.hook_secret, body, b"fuzz-control")
    before = rows(server)
    answer = send(server, "POST", path, signed, body)
    assert answer.json() == {"status": "accepted"}
    assert rows(server) == before + 1
