"""JSON:API documents: the resources a page sideloads in ``included``, joined back.

    resolve({"data": [{"relationships": {"stage": {"data": {"type": "stages", "id": "3"}}}}],
             "included": [{"type": "stages", "id": "3", "attributes": {"name": "Inbox"}}]})
    # [{"relationships": {"stage": {"data": {...}, "included": {... "name": "Inbox" ...}}}}]

Behind the ``jsonapi()`` spec function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resolve(document: Mapping[str, Any]) -> object:
    """The document's ``data`` (a list or one resource), each relationship given the
    resource its linkage names as ``included``: None when not sideloaded, a list for a
    to-many relationship."""
    found = {
        (str(r.get("type")), str(r.get("id"))): r
        for r in document.get("included") or []
        if isinstance(r, dict)
    }
    data = document.get("data")
    if isinstance(data, list):
        return [_resolved(r, found) for r in data]
    return _resolved(data, found)


def _resolved(record: object, found: Mapping[tuple[str, str], object]) -> object:
    if not isinstance(record, dict) or not isinstance(record.get("relationships"), dict):
        return record
    relationships: dict[str, object] = {}
    for name, relation in record["relationships"].items():
        linkage = relation.get("data") if isinstance(relation, dict) else None
        if isinstance(linkage, dict):
            included = found.get((str(linkage.get("type")), str(linkage.get("id"))))
        elif isinstance(linkage, list):
            included = [found.get((str(i.get("type")), str(i.get("id")))) for i in linkage
                        if isinstance(i, dict)]  # fmt: skip
        else:
            included = None
        relationships[name] = (
            {**relation, "included": included} if isinstance(relation, dict) else relation
        )
    return {**record, "relationships": relationships}
