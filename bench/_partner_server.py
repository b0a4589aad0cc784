"""The server side of ``bench partner``: Connector's app (its partner routes) and a bare
endpoint, in one process, against the simulators ``python -m simulators DIR`` serves in
another (the suite is another system: it does not share Connector's process).

python -m bench._partner_server DIR PORT

Reads DIR/connector.yaml and DIR/key; writes DIR/partner.json: the partner key and the
ids of the tests (suite projects it made).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.store.migrate import upgrade
from engine.store.partner_keys import PartnerKeys
from engine.store.tokens import KEY_ENV
from engine.tenants import Runtime
from engine.web.app import create_app

TENANT = "acme"
TESTS = 5


async def bare(request: Request) -> Response:
    await request.body()
    return Response(b'{"status":"ok"}', media_type="application/json")


async def _tests(runtime: Runtime) -> list[str]:
    async with runtime.tenant(TENANT).suite_client() as suite:
        made = [await suite.create("project", {"name": f"Interview {n}"}) for n in range(TESTS)]
    return [str(p["id"]) for p in made]


def main() -> None:
    directory, port = Path(sys.argv[1]), int(sys.argv[2])
    os.environ[KEY_ENV] = (directory / "key").read_text(encoding="utf-8").strip()
    config = directory / "connector.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + f"server:\n  public_url: http://127.0.0.1:{port}\n")  # fmt: skip
    runtime = Runtime.from_config(config)
    upgrade(runtime.engine)
    key = PartnerKeys(runtime.engine).issue(TENANT)
    tests = asyncio.run(_tests(runtime))
    (directory / "partner.json").write_text(json.dumps({"key": key, "tests": tests}))
    app = create_app(runtime, worker=False)  # the routes answer; no callbacks are due
    app.router.routes.append(Route("/bare", bare, methods=["GET", "POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
