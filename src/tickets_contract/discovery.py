"""Discovery: find known records on a target by listing tickets, read-only.

Uses HubSpot's list endpoint, ``GET /crm/v3/objects/tickets?limit=&after=&archived=
&properties=``, through the same guarded session as every other HTTP request, so the
token goes only to allowed hosts and nothing but reads is sent. A value that holds a
configured secret in any encoding (``redaction``) is never kept: a record is data that
gets written to a file.
"""

from __future__ import annotations

from typing import Any

import requests

from tickets_contract.errors import ConfigError
from tickets_contract.records import KnownRecords
from tickets_contract.redaction import DETECTOR

__all__ = ["LIST_PATH", "discover"]

LIST_PATH = "/crm/v3/objects/tickets"
PAGE_SIZE = 100  # the list endpoint's maximum
MAX_PAGES = 20  # bounded: discovery never walks a whole portal


def discover(
    session: requests.Session,
    base_url: str,
    token: str,
    *,
    unique_property: str | None,
    count: int = 20,
    timeout: float = 10.0,
) -> KnownRecords:
    """Up to ``count`` live and ``count`` archived tickets, with their unique values."""
    live = _collect(
        session, base_url, token, unique_property, count, archived=False, timeout=timeout
    )
    archived = _collect(
        session, base_url, token, unique_property, count, archived=True, timeout=timeout
    )
    if not live:
        raise ConfigError(
            source=base_url,
            where=LIST_PATH,
            problem="the portal lists no live tickets",
            fix="create a few tickets in the portal (or a sandbox) and discover again",
        )

    def values(items: list[dict[str, Any]]) -> tuple[str, ...]:
        if unique_property is None:
            return ()
        found = (item.get("properties", {}).get(unique_property) for item in items)
        return tuple(v for v in found if isinstance(v, str) and _keepable(v))

    def ids(items: list[dict[str, Any]]) -> tuple[str, ...]:
        return tuple(i for i in (str(item["id"]) for item in items) if _keepable(i))

    return KnownRecords(
        ids=ids(live),
        archived_ids=ids(archived),
        unique_property=unique_property,
        unique_values=values(live),
        archived_unique_values=values(archived),
    )


def _keepable(value: str) -> bool:
    """A value worth writing: printable (TOML and the terminal take it) and no secret."""
    return bool(value) and value.isprintable() and DETECTOR.find(value) is None


def _collect(
    session: requests.Session,
    base_url: str,
    token: str,
    unique_property: str | None,
    count: int,
    *,
    archived: bool,
    timeout: float,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, str] = {"limit": str(PAGE_SIZE), "archived": str(archived).lower()}
        if unique_property:
            params["properties"] = unique_property
        if after:
            params["after"] = after
        try:
            response = session.get(
                base_url + LIST_PATH,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise ConfigError(
                source=base_url,
                where=f"GET {LIST_PATH}",
                problem=f"cannot be reached ({type(exc).__name__})",
                fix="check that the target is up and the base URL (host and port) is right",
            ) from None
        if response.status_code != 200:
            raise ConfigError(
                source=base_url,
                where=f"GET {LIST_PATH}",
                problem=f"answered {response.status_code}: "
                + DETECTOR.redact(response.text[:300])[:200].replace("\n", " "),
                fix="check the token (tickets scope) and the target's base URL",
            )
        try:
            page = response.json()
            if not isinstance(page, dict):
                raise ValueError(page)
        except ValueError:
            raise ConfigError(
                source=base_url,
                where=f"GET {LIST_PATH}",
                problem="answered 200 with a body that is not a JSON object",
                fix="point --target at the API's base URL (the list endpoint must answer JSON)",
            ) from None
        results = page.get("results")
        for item in results if isinstance(results, list) else []:
            if isinstance(item, dict) and "id" in item and bool(item.get("archived")) == archived:
                found.append(item)
                if len(found) >= count:
                    return found
        paging = page.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        after = following.get("after") if isinstance(following, dict) else None
        if not after or not isinstance(after, str):
            break
    return found
