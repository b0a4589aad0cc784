"""JSON:API shapes of the Teamtailor simulator: resource objects, errors and list pages.

    resource("jobs", job)        # {"id", "type": "jobs", "attributes": {...dashed...},
                                 #  "relationships": {...}, "links": {"self": ...}}
    raise ApiError(404, "Not Found", "no jobs 7")
    # 404 {"errors": [{"status": "404", "title": "Not Found", "detail": "no jobs 7"}]}

Records are stored with snake_case keys; attributes are written with dashes, as the API
does (``first_name`` -> ``first-name``). Relationship fields end in ``_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from simulators.kit.errors import HttpError
from simulators.kit.table import Record

MEDIA_TYPE = "application/vnd.api+json"

# type -> (relationship name -> (related type, field holding its id))
RELATIONSHIPS: dict[str, dict[str, tuple[str, str]]] = {
    "jobs": {},
    "candidates": {},
    "users": {},
    "stages": {},
    "job-applications": {
        "candidate": ("candidates", "candidate_id"),
        "job": ("jobs", "job_id"),
        "stage": ("stages", "stage_id"),
    },
    "notes": {
        "candidate": ("candidates", "candidate_id"),
        "user": ("users", "user_id"),
    },
}


class ApiError(HttpError):
    """An error in the JSON:API ``errors`` shape, with the vendor's media type."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail, headers=headers)
        self.status = status
        self.title = title
        self.pointer = pointer

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "status": str(self.status),
            "title": self.title,
            "detail": self.message,
        }
        if self.pointer is not None:
            error["source"] = {"pointer": self.pointer}
        return {"errors": [error]}

    def response(self) -> Response:
        return JSONResponse(
            self.body(), status_code=self.status, headers=self.headers, media_type=MEDIA_TYPE
        )


def invalid(detail: str, pointer: str) -> ApiError:
    return ApiError(422, "Unprocessable Entity", detail, pointer=pointer)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, "Bad Request", detail)


def not_found(kind: str, rid: Any) -> ApiError:
    return ApiError(404, "Not Found", f"no {kind} with id {rid}")


def dashed(name: str) -> str:
    return name.replace("_", "-")


def resource(kind: str, record: Record, root: str = "") -> dict[str, Any]:
    """The JSON:API resource object of a stored record."""
    related = RELATIONSHIPS[kind]
    skip = {"id"} | {field for _, field in related.values()}
    attributes = {dashed(k): v for k, v in record.items() if k not in skip}
    relationships = {
        name: {
            "data": None if record.get(field) is None else {"id": record[field], "type": other},
            "links": {"related": f"{root}/v1/{kind}/{record['id']}/{name}"},
        }
        for name, (other, field) in related.items()
    }
    out: dict[str, Any] = {
        "id": record["id"],
        "type": kind,
        "attributes": attributes,
        "links": {"self": f"{root}/v1/{kind}/{record['id']}"},
    }
    if relationships:
        out["relationships"] = relationships
    return out


def document(body: Mapping[str, Any], status: int = 200) -> Response:
    return JSONResponse(dict(body), status_code=status, media_type=MEDIA_TYPE)


def page_links(base: str, query: list[tuple[str, str]], number: int, count: int) -> dict[str, str]:
    """``first``, ``prev``, ``next`` and ``last`` links: full URLs with page[number]."""

    def url(n: int) -> str:
        kept = [(k, v) for k, v in query if k != "page[number]"]
        return f"{base}?{urlencode([*kept, ('page[number]', str(n))])}"

    links = {"first": url(1), "last": url(max(count, 1))}
    if number > 1:
        links["prev"] = url(number - 1)
    if number < count:
        links["next"] = url(number + 1)
    return links
