"""Targets: where the conformance suite's requests go.

``twin``   the twin in-process, through its ASGI app (no socket; the default)
``live``   https://api.hubapi.com with the token in HUBSPOT_ACCESS_TOKEN
``URL``    any base URL: a served twin, a proxy, a sandbox portal

Each is built in one place: ``parse_target`` for the gate (``configured_target`` adds the
run's settings), ``served_twin`` for a twin on loopback, and ``parse_recording_target`` for
the cassette recorder and the quirk probe.

For HTTP targets, requests travel through schemathesis' own transport (``requests``) with
the guarded session of ``guards``: one guard for every command that sends anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from tickets_contract.defaults import DEFAULT_TWIN_SIZE
from tickets_contract.errors import ConfigError, UsageError
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.network.budget import DEFAULT_RATE_LIMIT, RateBudget, RateLimit, budget_path
from tickets_contract.network.guards import (
    DEFAULT_ALLOWED_HOSTS,
    LIVE_BASE_URL,
    TOKEN_ENV,
    Guard,
    check_base_url,
    check_token_host,
    guarded_session,
    is_loopback,
)
from tickets_contract.records import KnownRecords, twin_records
from tickets_contract.redaction import DETECTOR
from tickets_contract.spec.contract import Portal

if TYPE_CHECKING:
    from tickets_contract.cassettes import RecordingTarget
    from tickets_contract.settings import Settings

__all__ = [
    "LIVE_BASE_URL",
    "TOKEN_ENV",
    "HttpTarget",
    "Target",
    "TwinTarget",
    "check_base_url",
    "configured_target",
    "parse_recording_target",
    "parse_target",
    "served_twin",
]


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

    def recording_target(self) -> RecordingTarget:  # pragma: no cover - overridden
        """The same target as the cassette recorder sees it (for the quirk probe)."""
        raise NotImplementedError

    def session(self) -> requests.Session | None:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinTarget(Target):
    """The twin, called in-process through its ASGI adapter."""

    app: Any
    seed: int = 0
    size: int = DEFAULT_TWIN_SIZE

    def bind(self, schema: Any) -> Any:
        schema.app = self.app
        schema.config.update(base_url="http://testserver")
        return schema

    def recording_target(self) -> RecordingTarget:
        return parse_recording_target("twin", twin_seed=self.seed, twin_size=self.size)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpTarget(Target):
    """A base URL reached over HTTP, behind the safety guards."""

    base_url: str
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    read_only: bool = True
    # None: no client-side budget (the default for loopback, where no HubSpot limit applies).
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT
    _session: requests.Session = field(init=False, repr=False)

    def __post_init__(self) -> None:
        DETECTOR.add("access", self.token)
        guard = Guard(
            allowed_hosts=self.allowed_hosts,
            read_only=self.read_only,
            budget=(
                RateBudget(self.rate_limit, budget_path(self.base_url))
                if self.rate_limit is not None
                else None
            ),
        )
        object.__setattr__(self, "_session", guarded_session(guard))
        # Fail before the first request rather than on it.
        check_token_host(self.base_url, guard.allowed)

    def bind(self, schema: Any) -> Any:
        schema.config.update(base_url=self.base_url)
        return schema

    def recording_target(self) -> RecordingTarget:
        # Recorded as if from the API: the probe's recordings are judged and discarded,
        # and treating the URL as live keeps the rate budget and sends no twin tokens.
        return parse_recording_target(
            self.base_url,
            source="live",
            records=self.records,
            environ={**os.environ, TOKEN_ENV: self.token},
            allowed_hosts=self.allowed_hosts,
            rate_limit=self.rate_limit,
        )

    def session(self) -> requests.Session:
        return self._session


def parse_target(
    value: str,
    *,
    environ: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    unique_properties: Iterable[str] = (),
    twin_seed: int = 0,
    twin_size: int | None = None,
    rate_limit: RateLimit | None = None,
    records: KnownRecords | None = None,
) -> Target:
    """Turn ``--target`` into a Target; bad values fail with the fix.

    ``twin_seed`` and ``twin_size`` shape the twin's store (None: the default size).
    """
    environ = os.environ if environ is None else environ
    extra = tuple(unique_properties)
    if value == "twin":
        # why: the twin loads only for the twin target, never for a live or URL target
        from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, TwinConfig, create_app

        size = DEFAULT_TWIN_SIZE if twin_size is None else twin_size
        twin = Twin(config=TwinConfig(seed=twin_seed, size=size))
        return TwinTarget(
            name="twin",
            token=DEMO_TOKEN,
            portal=Portal(unique_properties=(OBJECT_ID_PROPERTY, UNIQUE_PROPERTY, *extra)),
            records=twin_records(twin, UNIQUE_PROPERTY),
            send_unexpected_methods=True,
            app=create_app(twin),
            seed=twin_seed,
            size=size,
        )
    if value == "live":
        base_url = LIVE_BASE_URL
    elif value.startswith(("http://", "https://")):
        base_url = check_base_url(value)
    else:
        raise UsageError(
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


@contextmanager
def served_twin(**settings: Any) -> Iterator[HttpTarget]:
    """A twin served on loopback for the block (a thread, a free port), as the HTTP
    target that reaches it with the twin's demo token. ``settings``: ``TwinConfig``'s."""
    # why: the twin loads only for a twin target, never for a live or URL target
    from tickets_contract.twin import DEMO_TOKEN, UNIQUE_PROPERTY, Twin, TwinConfig, serve_in_thread

    with serve_in_thread(Twin(config=TwinConfig(**settings))) as base_url:
        target = parse_target(
            base_url, environ={TOKEN_ENV: DEMO_TOKEN}, unique_properties=(UNIQUE_PROPERTY,)
        )
        assert isinstance(target, HttpTarget)
        yield target


def configured_target(
    value: str,
    settings: Settings,
    *,
    allowed_hosts: Iterable[str] = (),
    unique_properties: Iterable[str] = (),
    twin_seed: int = 0,
    twin_size: int | None = None,
    records: KnownRecords | None = None,
) -> Target:
    """``--target`` under the run's settings: their allowed hosts beside ``allowed_hosts``
    (the command line's), their rate limit. The plugin and ``tickets-contract run`` both
    build their target here."""
    return parse_target(
        value,
        allowed_hosts=(*settings.allowed_hosts, *allowed_hosts),
        unique_properties=unique_properties,
        twin_seed=twin_seed,
        twin_size=twin_size,
        rate_limit=settings.rate_limit,
        records=records,
    )


def parse_recording_target(
    value: str,
    *,
    source: str | None = None,
    records: KnownRecords | None = None,
    environ: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    rate_limit: RateLimit | None = None,
    twin_seed: int = 0,
    twin_size: int | None = None,
) -> RecordingTarget:
    """``--target`` as the cassette recorder sees it: ``twin`` served over loopback by
    the recorder, ``live`` (HubSpot's API), or a base URL whose answers are ``source``'s
    (``live`` or ``twin``: a cassette says where it came from).

    The one construction for ``tickets-contract record``, the plugin's
    ``--tc-record-mode`` and the quirk probe (``Target.recording_target``). Each caller
    first refuses what it cannot record, in its own options' words (a base URL without
    a source, a live target without known records).
    """
    # why: cassettes import the recorder and an HTTP client; only recording and the probe
    # need them
    from tickets_contract.cassettes import SourceKind, http_recording_target, twin_recording_target

    if value == "twin":
        return twin_recording_target(seed=twin_seed, size=twin_size)
    if value == "live":
        source = SourceKind.LIVE.value
    elif source is None:
        raise ConfigError(
            source="--source",
            where=value,
            problem="is missing: a base URL may be HubSpot behind a proxy or a twin",
            fix="say which with --source live or --source twin",
        )
    return http_recording_target(
        LIVE_BASE_URL if value == "live" else value,
        kind=SourceKind(source),
        records=records or KnownRecords(),
        environ=environ,
        allowed_hosts=allowed_hosts,
        rate_limit=rate_limit or DEFAULT_RATE_LIMIT,
    )


def _unique(records: KnownRecords | None, extra: tuple[str, ...]) -> tuple[str, ...]:
    names = [OBJECT_ID_PROPERTY, *extra]
    if records is not None and records.unique_property and records.unique_property not in names:
        names.append(records.unique_property)
    return tuple(names)
