"""``GET /crm/v3/objects/tickets``: page through the portal, to discover known records.

Kept small: ``limit`` (default 10, at most 100), ``after`` (the cursor a previous page
returned), ``properties`` (comma-separated and/or repeated) and ``archived``. The answer
is ``{"results": [...], "paging": {"next": {"after": "…", "link": "…"}}}``, ``paging``
left out on the last page. ``propertiesWithHistory`` and ``associations`` are not
served.

The cursor is opaque to clients (HubSpot's are too); here it is the store index to go
on from. A page is filled by scanning forward over cheap archived flags; the scan stops
after ``_SCAN_LIMIT`` positions so that a page costs the same in any store, and a short
page with a ``next`` cursor is then returned, as paging APIs may.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..hubspot import API_BASE_URL
from ..hubspot import LIST_MAX_LIMIT as MAX_LIMIT
from .catalog import UNIQUE_PROPERTY
from .config import ArchivedParsing
from .messages import TwinRequest
from .projection import Projection
from .query import read_archived, read_int
from .store import TicketStore

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "list_property_definitions", "list_tickets"]

DEFAULT_LIMIT = 10
_SCAN_LIMIT = 20_000


def _requested_properties(request: TwinRequest) -> list[str]:
    return [
        name.strip()
        for value in request.query_values("properties")
        for name in value.split(",")
        if name.strip()
    ]


def list_tickets(
    request: TwinRequest, store: TicketStore, *, archived_parsing: ArchivedParsing
) -> dict[str, object]:
    """One page of tickets for ``request``; raise ``Rejected`` for a bad parameter."""
    limit = read_int(request, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    start = read_int(request, "after", default=0, low=0, high=2**63 - 1)
    archived = read_archived(request, archived_parsing)
    properties = _requested_properties(request)
    projection = Projection.of(properties, None, store.defined_properties)

    results: list[dict[str, object]] = []
    index = start
    end = min(len(store), start + _SCAN_LIMIT)
    while index < end and len(results) < limit:
        if store.is_archived_at(index) == archived:
            results.append(projection.render(store.snapshot_at(index)))
        index += 1

    page: dict[str, object] = {"results": results}
    if index < len(store):
        # Links point back at the host that was asked, so that following one never
        # leaves a twin for the live API with a token meant for the twin.
        host = request.headers.get("host")
        base = f"http://{host}" if host else API_BASE_URL
        query = {"limit": str(limit), "after": str(index)}
        if properties:
            query["properties"] = ",".join(properties)
        if archived:
            query["archived"] = "true"
        page["paging"] = {
            "next": {
                "after": str(index),
                "link": f"{base}/crm/v3/objects/tickets?{urlencode(query)}",
            }
        }
    return page


def list_property_definitions(store: TicketStore) -> dict[str, object]:
    """``GET /crm/v3/properties/tickets``: the portal's ticket properties (Properties API,
    S7), each with ``hasUniqueValue``, so that discovery finds the idProperty to use."""
    return {
        "results": [
            {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "type": "string",
                "fieldType": "text",
                "hasUniqueValue": name == UNIQUE_PROPERTY,
                "calculated": False,
                "hidden": False,
            }
            for name in sorted(store.defined_properties)
        ]
    }
