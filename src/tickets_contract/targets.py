"""Targets: where the conformance suite's requests go.

``twin``   the twin in-process, through its ASGI app (no socket; the default)
``live``   https://api.hubapi.com with the token in HUBSPOT_ACCESS_TOKEN
``URL``    any base URL: a served twin, a proxy, a sandbox portal

For HTTP targets, requests travel through schemathesis' own transport (``requests``) with
a session whose adapter refuses, before anything leaves the process, to send a token to a
host that is not allowed or to send anything but a read.
"""

from __future__ import annotations

import ipaddress
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from tickets_contract.budget import DEFAULT_RATE_LIMIT, RateBudget, RateLimit, budget_path
from tickets_contract.contract import BATCH_READ_METHOD, BATCH_READ_PATH, Portal
from tickets_contract.errors import ConfigError, SafetyError

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "LIVE_BASE_URL",
    "TOKEN_ENV",
    "GuardedAdapter",
    "HttpTarget",
    "KnownRecords",
    "Target",
    "TwinTarget",
    "check_read",
    "check_token_host",
    "is_loopback",
    "parse_target",
    "retry_after",
    "twin_records",
]

LIVE_BASE_URL = "https://api.hubapi.com"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
DEFAULT_ALLOWED_HOSTS = ("api.hubapi.com",)
# The only operations a live target may receive: the batch read, and the list read used
# to discover known records. Both only read.
READ_OPERATIONS = frozenset(
    {(BATCH_READ_METHOD, BATCH_READ_PATH), ("GET", "/crm/v3/objects/tickets")}
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token_host(url: str, allowed_hosts: Iterable[str]) -> None:
    """Raise SafetyError unless a token may go to ``url``'s host (allowed, or loopback)."""
    allowed = frozenset(h.lower() for h in allowed_hosts)
    host = (urlsplit(url).hostname or "").lower()
    if host in allowed or is_loopback(host):
        return
    raise SafetyError(
        f"refused to send the token to {host!r}: it is not an allowed host "
        f"(allowed: {', '.join(sorted(allowed))}, and loopback). "
        "Nothing was sent. If this host is yours, allow it explicitly with "
        f"--allow-host {host}."
    )


def check_read(method: str, url: str) -> None:
    """Raise SafetyError unless ``method`` ``url`` is one of the read operations."""
    path = urlsplit(url).path
    if (method.upper(), path) not in READ_OPERATIONS:
        raise SafetyError(
            f"refused {method} {path}: only reads are sent to this target "
            f"(POST {BATCH_READ_PATH} and GET /crm/v3/objects/tickets). Nothing was sent."
        )


# Ticket properties every portal defines: the default set (published in the spec's
# info table), the always-included ones (quirk always-included-properties) and common
# standard ones.
STANDARD_TICKET_PROPERTIES = (
    "content",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "hubspot_owner_id",
    "subject",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownRecords:
    """Records known to exist on a target, so generated requests find some of them.

    Random ids almost never exist; without steering, nearly every exchange would be an
    all-missing 207 and the checks would rarely see a ticket.
    """

    ids: tuple[str, ...] = ()
    archived_ids: tuple[str, ...] = ()
    unique_property: str | None = None
    unique_values: tuple[str, ...] = ()
    archived_unique_values: tuple[str, ...] = ()
    # Property names defined on the portal; random names are almost never defined, and
    # then nulls, defaults and history would rarely show.
    properties: tuple[str, ...] = STANDARD_TICKET_PROPERTIES

    def steer(self, body: Any, query: Mapping[str, Any] | None) -> Any:
        """Replace about two in three generated ids and property names by known ones.

        Deterministic (a CRC of the generated value picks the replacement), so Hypothesis
        sees the same request for the same example; values of the wrong type are left
        alone so that negative cases stay negative.
        """
        if not isinstance(body, dict):
            return body
        steered = dict(body)
        for key in ("properties", "propertiesWithHistory"):
            if isinstance(body.get(key), list):
                steered[key] = [_pick(name, self.properties) for name in body[key]]
        if not isinstance(body.get("inputs"), list):
            return steered
        archived = str((query or {}).get("archived", "")).lower() == "true"
        id_property = body.get("idProperty")
        if id_property in (None, "hs_object_id"):
            pool = self.archived_ids if archived else self.ids
        elif id_property == self.unique_property:
            pool = self.archived_unique_values if archived else self.unique_values
        else:
            return steered
        steered["inputs"] = [
            {**item, "id": _pick(item["id"], pool)}
            if isinstance(item, dict) and "id" in item
            else item
            for item in body["inputs"]
        ]
        return steered


def _pick(value: Any, pool: tuple[str, ...]) -> Any:
    """``value``, or for two strings in three a member of ``pool`` chosen by its CRC."""
    if not isinstance(value, str) or not pool:
        return value
    crc = zlib.crc32(value.encode("utf-8", "surrogatepass"))
    return pool[crc % len(pool)] if crc % 3 else value


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where requests go, with the token to send and what the effective contract needs."""

    name: str
    token: str
    portal: Portal
    records: KnownRecords = field(default_factory=KnownRecords)
    # Targets that are not the twin must not receive methods the API does not serve.
    send_unexpected_methods: bool

    def bind(self, schema: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def recording_target(self) -> Any:  # pragma: no cover - overridden
        """The same target as the cassette recorder sees it (for the quirk probe)."""
        raise NotImplementedError

    def session(self) -> requests.Session | None:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinTarget(Target):
    """The twin, called in-process through its ASGI adapter."""

    app: Any
    seed: int = 0
    size: int = 1000

    def bind(self, schema: Any) -> Any:
        schema.app = self.app
        schema.config.update(base_url="http://testserver")
        return schema

    def recording_target(self) -> Any:
        from tickets_contract.cassettes import twin_recording_target

        return twin_recording_target(seed=self.seed, size=self.size)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpTarget(Target):
    """A base URL reached over HTTP, behind the safety guards."""

    base_url: str
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    read_only: bool = True
    # None: no client-side budget (the default for loopback, where no HubSpot limit applies).
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT
    _session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        adapter = GuardedAdapter(
            token=self.token,
            allowed_hosts=self.allowed_hosts,
            read_only=self.read_only,
            budget=(
                RateBudget(self.rate_limit, budget_path(self.base_url))
                if self.rate_limit is not None
                else None
            ),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # Fail before the first request rather than on it.
        adapter.check_host(self.base_url)

    def bind(self, schema: Any) -> Any:
        schema.config.update(base_url=self.base_url)
        return schema

    def recording_target(self) -> Any:
        # Recorded as if from the API: the probe's recordings are judged and discarded,
        # and treating the URL as live keeps the rate budget and sends no twin tokens.
        from tickets_contract.cassettes import SourceKind, http_recording_target

        return http_recording_target(
            self.base_url,
            kind=SourceKind.LIVE,
            records=self.records,
            environ={**os.environ, TOKEN_ENV: self.token},
            allowed_hosts=self.allowed_hosts,
            rate_limit=self.rate_limit or DEFAULT_RATE_LIMIT,
        )

    def session(self) -> requests.Session:
        return self._session


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that refuses unsafe requests before they are sent.

    * The token goes only to allowed hosts (and loopback): "A token is sent only to
      allowed hosts ... never to a URL the suite was merely pointed at" (DESIGN.md).
    * Only read operations reach a target when ``read_only`` is set.
    * Requests wait for the shared rate budget, and a 429 is honoured: the request is
      retried after Retry-After (or the limiter's interval), at most ``MAX_RETRIES`` times.
    """

    MAX_RETRIES = 3
    MAX_WAIT_SECONDS = 30.0

    def __init__(
        self,
        *,
        token: str,
        allowed_hosts: Iterable[str],
        read_only: bool,
        budget: RateBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self._token = token
        self._allowed = frozenset(h.lower() for h in allowed_hosts)
        self._read_only = read_only
        self._budget = budget
        self._sleep = sleep

    def check_host(self, url: str) -> None:
        check_token_host(url, self._allowed)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        url = request.url or ""
        carries_token = self._token and (
            self._token in (request.headers.get("Authorization") or "") or self._token in url
        )
        if carries_token:
            self.check_host(url)
        if self._read_only:
            check_read(str(request.method), url)
        for attempt in range(self.MAX_RETRIES + 1):
            if self._budget is not None:
                self._budget.acquire()
            response = super().send(request, *args, **kwargs)
            wait = retry_after(response)
            if wait is None or attempt == self.MAX_RETRIES or wait > self.MAX_WAIT_SECONDS:
                return response
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait before retrying a 429, or None when it must not be retried.

    HubSpot's burst limiter (policy TEN_SECONDLY_ROLLING or SECONDLY) recovers within its
    interval; the DAILY policy does not recover during a run, so it is not retried.
    """
    if response.status_code != 429:
        return None
    header = response.headers.get("Retry-After")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None
    try:
        policy = response.json().get("policyName", "")
    except ValueError:
        policy = ""
    if policy == "DAILY":
        return None
    interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
    try:
        return float(interval) / 1000 if interval else 10.0
    except ValueError:
        return 10.0


def parse_target(
    value: str,
    *,
    environ: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    unique_properties: Iterable[str] = (),
    twin_seed: int = 0,
    twin_size: int = 1000,
    rate_limit: RateLimit | None = None,
    records: KnownRecords | None = None,
) -> Target:
    """Turn ``--target`` into a Target; bad values fail with the fix."""
    environ = os.environ if environ is None else environ
    extra = tuple(unique_properties)
    if value == "twin":
        from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, TwinConfig, create_app

        twin = Twin(config=TwinConfig(seed=twin_seed, size=twin_size))
        return TwinTarget(
            name="twin",
            token=DEMO_TOKEN,
            portal=Portal(unique_properties=("hs_object_id", UNIQUE_PROPERTY, *extra)),
            records=twin_records(twin, UNIQUE_PROPERTY),
            send_unexpected_methods=True,
            app=create_app(twin),
            seed=twin_seed,
            size=twin_size,
        )
    if value == "live":
        base_url = LIVE_BASE_URL
    elif value.startswith(("http://", "https://")):
        base_url = value.rstrip("/")
        if not urlsplit(base_url).hostname:
            raise ConfigError(
                source="--target",
                where="",
                problem=f"{value!r} has no host",
                fix="use twin, live, or a base URL such as http://127.0.0.1:8000",
            )
    else:
        raise ConfigError(
            source="--target",
            where="",
            problem=f"expected twin, live or an http(s) base URL, got {value!r}",
            fix="use --target twin (default), --target live, or --target http://127.0.0.1:8000",
        )
    token = environ.get(TOKEN_ENV, "")
    if not token:
        raise ConfigError(
            source="--target",
            where=value,
            problem=f"the environment variable {TOKEN_ENV} is not set",
            fix=f"export {TOKEN_ENV}=<private app token with the tickets scope> "
            "(for a served twin, the token `tickets-contract serve` prints)",
        )
    if rate_limit is None and not is_loopback(urlsplit(base_url).hostname or ""):
        # HubSpot's limits apply to anything that is not on this machine.
        rate_limit = DEFAULT_RATE_LIMIT
    return HttpTarget(
        name=value,
        token=token,
        portal=Portal(unique_properties=_unique(records, extra)),
        records=records or KnownRecords(),
        send_unexpected_methods=False,
        base_url=base_url,
        allowed_hosts=(*DEFAULT_ALLOWED_HOSTS, *allowed_hosts),
        rate_limit=rate_limit,
    )


def _unique(records: KnownRecords | None, extra: tuple[str, ...]) -> tuple[str, ...]:
    names = ["hs_object_id", *extra]
    if records is not None and records.unique_property and records.unique_property not in names:
        names.append(records.unique_property)
    return tuple(names)


def twin_records(twin: Any, unique_property: str, limit: int = 64) -> KnownRecords:
    """Known records of a twin: the first live and archived tickets of its store."""
    live: list[Any] = []
    archived: list[Any] = []
    for index in range(min(len(twin.store), 4 * limit)):
        ticket = twin.store.ticket_at(index)
        (archived if ticket.archived else live).append(ticket)
    return KnownRecords(
        ids=tuple(t.id for t in live[:limit]),
        archived_ids=tuple(t.id for t in archived[:limit]),
        unique_property=unique_property,
        unique_values=tuple(
            v for t in live[:limit] if (v := t.properties.get(unique_property)) is not None
        ),
        archived_unique_values=tuple(
            v for t in archived[:limit] if (v := t.properties.get(unique_property)) is not None
        ),
        properties=tuple(sorted(twin.store.defined_properties)),
    )
