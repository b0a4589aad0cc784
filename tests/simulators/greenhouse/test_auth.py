"""The Greenhouse simulator's OAuth client credentials and bearer tokens over real HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from typing import Any

import pytest

from tests.simulators.greenhouse.support import CLIENT, SECRET, Env

# OAuth ----------------------------------------------------------------------------------------


def test_token_flow_returns_bearer_with_absolute_expiry(env: Env) -> None:
    user_id = next(iter(env.sim.users))
    response = env.http.post(
        "/token",
        auth=(CLIENT, SECRET),
        data={"grant_type": "client_credentials", "sub": str(user_id)},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", body["expires_at"])
    expires = dt.datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
    assert abs(expires - (time.time() + 3600)) < 5
    api = env.api(body["access_token"])
    assert api.get("/v3/users").status_code == 200
    tokens = env.sim.state()["tokens"]
    assert tokens["requests"] == 1
    assert tokens["issued"] == 1
    assert tokens["requests_by_client"] == {CLIENT: 1}


BASIC = {"auth": (CLIENT, SECRET)}


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        pytest.param(
            {
                "data": {
                    "grant_type": "client_credentials",
                    "sub": "SUB",
                    "client_id": CLIENT,
                    "client_secret": SECRET,
                }
            },
            401,
            "invalid_client",
            id="credentials-in-body",
        ),
        pytest.param(
            {
                **BASIC,
                "data": {"grant_type": "client_credentials", "sub": "SUB", "client_secret": SECRET},
            },
            401,
            "invalid_client",
            id="secret-in-body-too",
        ),
        pytest.param(
            {"auth": (CLIENT, "wrong"), "data": {"grant_type": "client_credentials", "sub": "SUB"}},
            401,
            "invalid_client",
            id="wrong-secret",
        ),
        pytest.param({**BASIC, "data": {"sub": "SUB"}}, 400, "invalid_request", id="no-grant"),
        pytest.param(
            {**BASIC, "data": {"grant_type": "password", "sub": "SUB"}},
            400,
            "unsupported_grant_type",
            id="other-grant",
        ),
        pytest.param(
            {**BASIC, "data": {"grant_type": "client_credentials"}},
            400,
            "invalid_request",
            id="no-sub",
        ),
        pytest.param(
            {**BASIC, "data": {"grant_type": "client_credentials", "sub": "999"}},
            400,
            "invalid_request",
            id="unknown-sub",
        ),
        pytest.param(
            {**BASIC, "json": {"grant_type": "client_credentials", "sub": "SUB"}},
            400,
            "invalid_request",
            id="json-body",
        ),
    ],
)
def test_token_errors(env: Env, kwargs: dict[str, Any], status: int, error: str) -> None:
    sub = str(next(iter(env.sim.users)))
    for key in ("data", "json"):
        if key in kwargs:
            kwargs = {**kwargs, key: {k: sub if v == "SUB" else v for k, v in kwargs[key].items()}}
    response = env.http.post("/token", **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert env.sim.state()["tokens"]["failures"] == 1


def test_expired_tokens_are_refused(env: Env) -> None:
    env.sim.configure(token_ttl_seconds=0)
    assert env.api().get("/v3/jobs").status_code == 401
    env.sim.configure(token_ttl_seconds=3600)
    api = env.api()
    assert api.get("/v3/jobs").status_code == 200
    assert env.http.post("/_sim/tokens/expire").json() == {"expired": 2}
    response = api.get("/v3/jobs")
    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v3/jobs", {}),
        ("/v3/jobs", {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}),
        ("/v3/applications", {"Authorization": "Bearer not-a-token"}),
        ("/v3/no-such-thing", {}),
    ],
)
def test_v3_requires_a_valid_bearer_token(env: Env, path: str, headers: dict[str, str]) -> None:
    assert env.http.get(path, headers=headers).status_code == 401
