"""A loopback API that pages through N generated records with ``Link`` headers.

Run in its own process (``python -m bench._listing_api PORT``) so that the client's
memory is measured alone. Records are made on the fly: the server holds none.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def record(i: int) -> dict[str, object]:
    return {
        "id": i,
        "name": f"Candidate {i}",
        "email": f"candidate{i}@example.com",
        "status": "in_process",
        "stage_name": "Video Interview" if i % 3 == 0 else "Application Review",
        "job_id": i % 200,
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-02-03T04:05:06Z",
        "tags": ["remote", "senior"],
    }


async def items(request: Request) -> JSONResponse:
    q = request.query_params
    total = int(q.get("total", "20000"))
    if "cursor" in q:
        start, size, total = (int(x) for x in q["cursor"].split("-"))
    else:
        start, size = 0, int(q.get("per_page", "100"))
    end = min(start + size, total)
    headers = {}
    if end < total:
        headers["Link"] = f'<{request.url_for("items")}?cursor={end}-{size}-{total}>; rel="next"'
    return JSONResponse([record(i) for i in range(start, end)], headers=headers)


app = Starlette(routes=[Route("/items", items, name="items")])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
