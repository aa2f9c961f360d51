"""Discovery: find known records on a target by listing tickets, read-only.

Uses HubSpot's list endpoint, ``GET /crm/v3/objects/tickets?limit=&after=&archived=
&properties=``, the Properties API, ``GET /crm/v3/properties/tickets`` (which property
has ``hasUniqueValue``; S7), and one batch read with ``propertiesWithHistory`` (which
properties hold history), all through the same guarded session as every other HTTP
request: the token goes only to allowed hosts, nothing but reads is sent, and every
request waits for the rate budget. A value that holds a configured secret in any
encoding (``redaction``), or that is not printable, is never kept: records are data that
get written to files and reports.

Two entry points:

``discover``       the ``tickets-contract discover`` command: a records table to write;
                   a portal without live tickets is an error.
``discover_run``   a gate run over HTTP with no records configured: a bounded number of
                   reads (``RUN_PAGES`` list pages of each kind, one Properties API read,
                   one batch read), never an error for an empty portal; it says what it
                   found and what it could not find (``Discovery.gaps``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from tickets_contract.errors import ConfigError, UnreachableError
from tickets_contract.hubspot import LIST_MAX_LIMIT, LIST_PATH, OBJECT_ID_PROPERTY, PROPERTIES_PATH
from tickets_contract.records import STANDARD_TICKET_PROPERTIES, KnownRecords
from tickets_contract.redaction import DETECTOR
from tickets_contract.spec.contract import BATCH_READ_PATH

__all__ = ["LIST_PATH", "PROPERTIES_PATH", "Discovery", "discover", "discover_run", "reach"]

PAGE_SIZE = LIST_MAX_LIMIT
MAX_PAGES = 20  # bounded: discovery never walks a whole portal
RUN_PAGES = 2  # per kind (live, archived) at the start of a gate run
RUN_COUNT = 60  # records of each kind a gate run keeps
HISTORY_SAMPLE = 10  # tickets read with history to learn which properties hold some


@dataclass(frozen=True, slots=True, kw_only=True)
class Discovery:
    """What a gate run found on its target before generating requests."""

    records: KnownRecords
    requests: int
    gaps: tuple[str, ...] = field(default_factory=tuple)
    # Properties seen holding a value (0: steering falls back to the standard ones).
    properties_seen: int = 0

    def summary(self) -> str:
        """One line: what was found; then one line per gap."""
        records = self.records
        unique = (
            f"unique-value property {records.unique_property} "
            f"({len(records.unique_values)} live, {len(records.archived_unique_values)} "
            "archived values)"
            if records.unique_property
            else "no unique-value property"
        )
        lines = [
            f"records discovered ({self.requests} read-only requests): "
            f"{len(records.ids)} live and {len(records.archived_ids)} archived tickets, "
            f"{unique}, {self.properties_seen} properties holding values, "
            f"{len(records.history_properties)} with history"
        ]
        lines += [f"  could not exercise: {gap}" for gap in self.gaps]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        r = self.records
        return {
            "records": {
                "ids": list(r.ids),
                "archived_ids": list(r.archived_ids),
                "unique_property": r.unique_property,
                "unique_values": list(r.unique_values),
                "archived_unique_values": list(r.archived_unique_values),
                "properties": list(r.properties),
                "history_properties": list(r.history_properties),
            },
            "requests": self.requests,
            "gaps": list(self.gaps),
            "properties_seen": self.properties_seen,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Discovery:
        r = data["records"]
        return cls(
            records=KnownRecords(
                ids=tuple(r["ids"]),
                archived_ids=tuple(r["archived_ids"]),
                unique_property=r["unique_property"],
                unique_values=tuple(r["unique_values"]),
                archived_unique_values=tuple(r["archived_unique_values"]),
                properties=tuple(r["properties"]),
                history_properties=tuple(r["history_properties"]),
            ),
            requests=int(data["requests"]),
            gaps=tuple(data["gaps"]),
            properties_seen=int(data.get("properties_seen", 0)),
        )


class _Reader:
    """GETs and one POST through the target's guarded session, counted."""

    def __init__(self, session: requests.Session, base_url: str, token: str, timeout: float):
        self.session = session
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = timeout
        self.requests = 0

    def get(self, path: str, params: dict[str, str]) -> requests.Response:
        return self._send("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self._send("POST", path, json=body)

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self.requests += 1
        try:
            return self.session.request(
                method,
                self.base_url + path,
                headers=self.headers,
                timeout=self.timeout,
                **kwargs,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise UnreachableError(
                source=self.base_url,
                problem=f"did not answer {method} {path} ({type(exc).__name__})",
                fix="is the target running, and is the URL right?",
            ) from None


def reach(session: requests.Session, base_url: str, token: str, *, timeout: float = 10.0) -> None:
    """One list read of one ticket: raise ``UnreachableError`` when nothing answers,
    ``ConfigError`` when the token is refused; the gate's start checks this first."""
    reader = _Reader(session, base_url, token, timeout)
    response = reader.get(LIST_PATH, {"limit": "1"})
    if response.status_code in (401, 403):
        raise _failed(reader, f"GET {LIST_PATH}", response)


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
    reader = _Reader(session, base_url, token, timeout)
    names = (unique_property,) if unique_property else ()
    live = _collect(reader, names, count, archived=False, pages=MAX_PAGES)
    archived = _collect(reader, names, count, archived=True, pages=MAX_PAGES)
    if not live:
        raise ConfigError(
            source=base_url,
            where=LIST_PATH,
            problem="the portal lists no live tickets",
            fix="create a few tickets in the portal (or a sandbox) and discover again",
        )
    return KnownRecords(
        ids=tuple(str(item["id"]) for item in live),
        archived_ids=tuple(str(item["id"]) for item in archived),
        unique_property=unique_property,
        unique_values=_values(live, unique_property),
        archived_unique_values=_values(archived, unique_property),
    )


def discover_run(
    session: requests.Session,
    base_url: str,
    token: str,
    *,
    unique_properties: Iterable[str] = (),
    count: int = RUN_COUNT,
    timeout: float = 10.0,
) -> Discovery:
    """Known records for a gate run, in at most ``2 * RUN_PAGES + 2`` reads.

    ``unique_properties`` (from ``--unique-property``) win over the Properties API. An
    empty or small portal is no error: ``Discovery.gaps`` says what it leaves untested.
    """
    reader = _Reader(session, base_url, token, timeout)
    defined, unique_defined = _definitions(reader)
    given = [name for name in unique_properties if name != OBJECT_ID_PROPERTY]
    candidates = given or unique_defined
    unique: str | None = candidates[0] if candidates else None
    names = tuple(
        dict.fromkeys([*(defined or STANDARD_TICKET_PROPERTIES), *([unique] if unique else [])])
    )
    live = _collect(reader, names, count, archived=False, pages=RUN_PAGES)
    archived = _collect(reader, names, count, archived=True, pages=RUN_PAGES)
    holding = sorted(
        {
            name
            for item in [*live, *archived]
            for name, value in _properties(item).items()
            if value not in (None, "") and _keepable(name)
        }
    )
    history = _history(reader, [str(item["id"]) for item in live[:HISTORY_SAMPLE]], holding)
    gaps = []
    if not live:
        gaps.append("the portal lists no live tickets: no read can return a ticket")
    elif len(live) < 2:
        gaps.append("fewer than two live tickets: no read can return two or more")
    if not archived:
        gaps.append("no archived tickets: archived=true reads return none")
    if unique is None:
        gaps.append(
            "no unique-value ticket property (Properties API: none with hasUniqueValue): "
            "idProperty reads find nothing; name one with --unique-property"
        )
    if live and not history:
        gaps.append("no property with history on the sampled tickets")
    records = KnownRecords(
        ids=tuple(str(item["id"]) for item in live),
        archived_ids=tuple(str(item["id"]) for item in archived),
        unique_property=unique,
        unique_values=_values(live, unique),
        archived_unique_values=_values(archived, unique),
        properties=tuple(holding) or STANDARD_TICKET_PROPERTIES,
        history_properties=tuple(history),
    )
    return Discovery(
        records=records, requests=reader.requests, gaps=tuple(gaps), properties_seen=len(holding)
    )


def _keepable(value: str) -> bool:
    """A value worth writing: printable (TOML and the terminal take it) and no secret."""
    return bool(value) and value.isprintable() and DETECTOR.find(value) is None


def _properties(item: dict[str, Any]) -> dict[str, Any]:
    properties = item.get("properties")
    return properties if isinstance(properties, dict) else {}


def _values(items: list[dict[str, Any]], unique_property: str | None) -> tuple[str, ...]:
    if unique_property is None:
        return ()
    found = (_properties(item).get(unique_property) for item in items)
    return tuple(v for v in found if isinstance(v, str) and _keepable(v))


def _failed(reader: _Reader, what: str, response: requests.Response) -> ConfigError:
    # The body is the target's text: redacted (it may echo the token) and on one line.
    text = " ".join(DETECTOR.redact(response.text[:400]).split())[:200]
    return ConfigError(
        source=reader.base_url,
        where=what,
        problem=f"answered {response.status_code}: {text}",
        fix="check the token (tickets scope) and the target's base URL",
    )


def _definitions(reader: _Reader) -> tuple[list[str], list[str]]:
    """Defined property names and the unique-value ones; empty when not served."""
    response = reader.get(PROPERTIES_PATH, {})
    if response.status_code in (401, 403) and not response.ok:
        # A token without the properties scope can still read tickets: go on without.
        return [], []
    try:
        results = response.json().get("results") if response.ok else None
    except (ValueError, AttributeError):
        results = None
    if not isinstance(results, list):
        return [], []
    items = [r for r in results if isinstance(r, dict) and isinstance(r.get("name"), str)]
    names = [r["name"] for r in items if not r.get("hidden")]
    unique = [
        r["name"]
        for r in items
        if r.get("hasUniqueValue") is True and r["name"] != OBJECT_ID_PROPERTY
    ]
    return names, unique


def _collect(
    reader: _Reader, names: tuple[str, ...], count: int, *, archived: bool, pages: int
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(pages):
        params: dict[str, str] = {"limit": str(PAGE_SIZE), "archived": str(archived).lower()}
        if names:
            params["properties"] = ",".join(names)
        if after:
            params["after"] = after
        response = reader.get(LIST_PATH, params)
        if response.status_code != 200:
            raise _failed(reader, f"GET {LIST_PATH}", response)
        try:
            page = response.json()
            if not isinstance(page, dict):
                raise ValueError(page)
        except ValueError:
            raise _failed(reader, f"GET {LIST_PATH}", response) from None
        results = page.get("results")
        for item in results if isinstance(results, list) else []:
            if (
                isinstance(item, dict)
                and isinstance(item.get("id"), str | int)
                and _keepable(str(item["id"]))
                and bool(item.get("archived")) == archived
            ):
                found.append(item)
                if len(found) >= count:
                    return found
        paging = page.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        after = following.get("after") if isinstance(following, dict) else None
        if not after or not isinstance(after, str):
            break
    return found


def _history(reader: _Reader, ids: list[str], names: list[str]) -> list[str]:
    """The properties that hold history on some of ``ids`` (one batch read)."""
    if not ids or not names:
        return []
    body = {"inputs": [{"id": i} for i in ids], "propertiesWithHistory": names}
    response = reader.post(BATCH_READ_PATH, body)
    try:
        results = response.json().get("results") if response.status_code in (200, 207) else None
    except (ValueError, AttributeError):
        results = None
    if not isinstance(results, list):
        return []
    return sorted(
        {
            name
            for result in results
            if isinstance(result, dict)
            for name, entries in (result.get("propertiesWithHistory") or {}).items()
            if isinstance(entries, list) and entries
        }
    )
