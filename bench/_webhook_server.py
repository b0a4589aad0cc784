"""The server side of ``bench webhooks``: Connector's app plus a bare endpoint, one process.

python -m bench._webhook_server DIR PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.web.app import create_app
from simulators.world import World


async def bare(request: Request) -> Response:
    await request.body()
    return Response(b'{"status":"ok"}', media_type="application/json")


def main() -> None:
    directory, port = Path(sys.argv[1]), int(sys.argv[2])
    with World(directory) as world:
        (directory / "hook-secret").write_text(world.hook_secret, encoding="utf-8")
        app = create_app(world.runtime(), worker=False)  # ingestion only: verify and store
        app.router.routes.append(Route("/bare", bare, methods=["POST"]))
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
