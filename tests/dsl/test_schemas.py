"""The schemas themselves: valid Draft 2020-12, every property documented with an
example that validates, and table-driven valid and invalid configs per strategy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from engine.dsl.schemas import KINDS, load_schema, validator

FILES = (*KINDS, "common")


def _properties(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{path}.{name}", prop
        for key, value in node.items():
            yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{path}[{i}]")


@pytest.mark.parametrize("name", FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", FILES)
def test_every_property_has_a_description_and_an_example(name: str) -> None:
    for where, prop in _properties(load_schema(name), name):
        if list(prop) == ["const"]:
            continue
        assert prop.get("description"), f"{where} has no description"
        assert prop.get("examples"), f"{where} has no example"


def _sub(definition: str) -> Validator:
    """A validator for one common definition, resolved inside the common schema."""
    schema = {"$ref": f"common.schema.json#/$defs/{definition}"}
    base = validator("ats")
    return base.evolve(schema={"$id": "https://connector.dev/schemas/x.json", **schema})


VALID = [
    ("auth", {"type": "none"}),
    ("auth", {"type": "api_key", "in": "query", "name": "api_key", "value": "{{ secrets.k }}"}),
    ("auth", {"type": "basic", "username": "{{ secrets.k }}"}),
    ("auth", {"type": "bearer", "token": "t"}),
    ("auth", {"type": "token_header", "value": "Token token=t"}),
    (
        "auth",
        {
            "type": "oauth2_client_credentials",
            "token_url": "u",
            "client_id": "i",
            "client_secret": "s",
            "client_auth": "body",
        },
    ),
    (
        "auth",
        {
            "type": "oauth2_authorization_code",
            "authorize_url": "a",
            "token_url": "u",
            "client_id": "i",
        },
    ),
    (
        "auth",
        {
            "type": "saml2_bearer",
            "token_url": "u",
            "issuer": "i",
            "audience": "a",
            "subject": "s",
            "private_key": "k",
            "certificate": "c",
        },
    ),
    ("pagination", {"type": "link_header", "page_size": {"param": "per_page", "value": 500}}),
    ("pagination", {"type": "next_url", "next": "paging.next"}),
    ("pagination", {"type": "offset", "limit": 100, "has_more": "hasMore"}),
    ("pagination", {"type": "page_number", "has_more": "!paginationComplete"}),
    ("pagination", {"type": "cursor", "cursor": "next", "param": "cursor", "in": "body"}),
    ("signature", {"type": "hmac", "header": "X-Sig", "secret": "s", "encoding": "base64"}),
    ("signature", {"type": "standard_webhooks", "secret": "whsec_x"}),
    ("signature", {"type": "shared_secret", "header": "X-Token", "secret": "s"}),
    ("signature", {"type": "none"}),
    ("duration", "500ms"),
    ("duration", "7d"),
]
INVALID = [
    ("auth", {"type": "apikey"}, "type"),
    ("auth", {"type": "api_key", "name": "k"}, "value"),
    ("auth", {"type": "api_key", "name": "k", "value": "v", "in": "cookie"}, "in"),
    ("auth", {"type": "bearer", "token": "t", "username": "u"}, "username"),
    (
        "auth",
        {"type": "oauth2_client_credentials", "token_url": "u", "client_id": "i"},
        "client_secret",
    ),
    ("pagination", {"type": "offset"}, "limit"),
    ("pagination", {"type": "cursor", "cursor": "c"}, "param"),
    ("pagination", {"type": "link_header", "max_pages": 0}, "max_pages"),
    ("pagination", {"type": "page_number", "page_size": {"param": "n"}}, "value"),
    ("signature", {"type": "hmac", "header": "h", "secret": "s", "algorithm": "md5"}, "algorithm"),
    ("signature", {"type": "standard_webhooks"}, "secret"),
    ("duration", "15 minutes", "15 minutes"),
    ("duration", 900, "900"),
    ("name", "x" * 65, "is too long"),  # run triggers and link entities are stored by name
]


@pytest.mark.parametrize(("definition", "value"), VALID)
def test_valid_configs(definition: str, value: Any) -> None:
    assert list(_sub(definition).iter_errors(value)) == []


@pytest.mark.parametrize(("definition", "value", "mentions"), INVALID)
def test_invalid_configs_name_the_real_field(definition: str, value: Any, mentions: str) -> None:
    errors = list(_sub(definition).iter_errors(value))
    assert errors, f"{value} should be invalid"
    text = " | ".join(f"{list(e.absolute_path)} {e.message}" for e in errors)
    assert mentions in text
    # discriminated unions: an error never comes from another variant's rules
    assert all(e.validator not in ("anyOf", "oneOf") for e in errors)
