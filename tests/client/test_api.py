"""The client's safety and error handling against a real loopback API."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from engine.errors import ConnectorError, UnsafeRequest, UpstreamError
from tests.client.conftest import client_for
from tests.client.testapi import State

NONE = {"auth": {"type": "none"}}


def _call(
    url: str,
    resources: dict[str, Any],
    fn: str,
    *args: Any,
    connection: dict[str, Any] | None = None,
) -> Any:
    async def run() -> Any:
        async with client_for(url, connection or NONE, resources) as client:
            return await getattr(client, fn)(*args)

    return asyncio.run(run())


def test_a_redirect_to_another_host_is_refused(api: tuple[str, State]) -> None:
    url, _ = api
    with pytest.raises(UnsafeRequest, match=r"refused a request to http://127\.0\.0\.2"):
        _call(url, {"thing": {"endpoints": {"get": {"path": "/redirect-away"}}}}, "get", "thing", 1)


def test_a_redirect_on_the_same_host_is_followed(api: tuple[str, State]) -> None:
    url, _ = api
    seen = _call(
        url, {"thing": {"endpoints": {"get": {"path": "/redirect-home"}}}}, "get", "thing", 1
    )
    assert seen["query"] == {"redirected": "1"}


def test_ids_cannot_change_the_path(api: tuple[str, State]) -> None:
    url, state = api
    resources = {"thing": {"endpoints": {"get": {"path": "/items/{{ id }}"}}}}
    seen = _call(url, resources, "get", "thing", "../../echo?x=1")
    assert seen == {"id": "../../echo?x=1"}
    assert state.last_request["raw"] == "/items/..%2F..%2Fecho%3Fx%3D1"


def test_a_non_json_answer_is_a_clear_error(api: tuple[str, State]) -> None:
    url, _ = api
    with pytest.raises(UpstreamError, match="answer is not JSON: <html>maintenance</html>"):
        _call(url, {"thing": {"endpoints": {"get": {"path": "/not-json"}}}}, "get", "thing", 1)


def test_a_404_on_get_means_absent(api: tuple[str, State]) -> None:
    url, _ = api
    assert (
        _call(url, {"thing": {"endpoints": {"get": {"path": "/status/404"}}}}, "get", "thing", 1)
        is None
    )


def test_writes_send_the_record(api: tuple[str, State]) -> None:
    url, _ = api
    resources = {"thing": {"endpoints": {"create": {"path": "/echo"}, "update": {"path": "/echo"}}}}
    created = _call(url, resources, "create", "thing", {"name": "Ada"})
    assert (
        created["body"] == '{"name":"Ada"}'
        and created["headers"]["content-type"] == "application/json"
    )


def test_a_write_path_reads_the_record_quoted_and_a_body_reads_secrets(
    api: tuple[str, State],
) -> None:
    """``/candidates/{{ record.candidate_id }}/comments``; a body may send a configured
    value such as the acting member's id."""
    url, state = api
    nested = {"comment": {"endpoints": {"create": {
        "path": "/items/{{ record.candidate_id }}/comments",
        "body": "{member_id: secrets.key, comment: {body: record.body}}",
    }}}}  # fmt: skip
    written = _call(url, nested, "create", "comment", {"candidate_id": "c/../7", "body": "Hi"})
    assert written == {"id": "c/../7/comments"}
    assert state.last_request["raw"] == "/items/c%2F..%2F7/comments"  # one segment, quoted
    echoed = {"comment": {"endpoints": {"create": {
        "path": "/echo", "params": {"about": "{{ record.candidate_id }}"},
        "body": "{member_id: secrets.key, comment: {body: record.body}}",
    }}}}  # fmt: skip
    sent = _call(url, echoed, "create", "comment", {"candidate_id": "c 7", "body": "Hi"})
    assert sent["query"] == {"about": "c 7"}
    assert sent["body"] == '{"member_id":"k-123456","comment":{"body":"Hi"}}'


def test_a_list_of_values_sends_the_parameter_once_per_value(api: tuple[str, State]) -> None:
    """``expand=applications&expand=stage``, as Lever documents it."""
    url, _ = api
    resources = {"thing": {"endpoints": {"get": {
        "path": "/echo", "params": {"expand": ["applications", "{{ id }}"], "one": "x"},
    }}}}  # fmt: skip
    echoed = _call(url, resources, "get", "thing", "stage")
    assert echoed["query_items"] == [["expand", "applications"], ["expand", "stage"], ["one", "x"]]


def test_a_missing_secret_is_a_clear_error(api: tuple[str, State]) -> None:
    url, _ = api
    connection = {"auth": {"type": "bearer", "token": "{{ secrets.key }}"}}

    async def run() -> None:
        async with client_for(
            url, connection, {"thing": {"endpoints": {"get": {"path": "/echo"}}}}, secrets={}
        ) as client:
            await client.get("thing", 1)

    with pytest.raises(ConnectorError, match="is every secret configured"):
        asyncio.run(run())


def test_secrets_never_reach_logs_or_errors(
    api: tuple[str, State], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = api
    connection = {
        "auth": {"type": "api_key", "in": "query", "name": "api_key", "value": "{{ secrets.key }}"},
        "retry": {"max_attempts": 1},
    }
    caplog.set_level(logging.DEBUG, logger="connector.http")
    with pytest.raises(UpstreamError) as caught:
        _call(
            url,
            {"thing": {"endpoints": {"get": {"path": "/status/500"}}}},
            "get",
            "thing",
            1,
            connection=connection,
        )
    assert "k-123456" not in str(caught.value)
    assert "k-123456" not in caplog.text and "api_key=***" in caplog.text


@pytest.mark.parametrize("method", ["update", "delete"])
def test_a_redirected_write_is_never_replayed_as_a_read(
    method: str, api: tuple[str, State]
) -> None:
    url, state = api
    resources = {"thing": {"endpoints": {method: {"path": "/redirect-home"}}}}
    args = ("thing", 1, {"name": "x"}) if method == "update" else ("thing", 1)
    with pytest.raises(UpstreamError, match="refusing to replay a write as a read"):
        _call(url, resources, method, *args)
    assert state.hits["echo"] == 0  # the GET it would have become was never sent


def test_a_next_link_to_another_port_is_refused(api: tuple[str, State]) -> None:
    url, _ = api

    async def run() -> None:
        connection = {"auth": {"type": "none"}, "pagination": {"type": "link_header"}}
        resources = {"thing": {"endpoints": {"list": {"path": "/link-other-port"}}}}
        async with client_for(url, connection, resources) as client:
            [r async for r in client.list("thing")]

    with pytest.raises(UnsafeRequest, match=r"may only be called at http://127\.0\.0\.1:"):
        asyncio.run(run())
