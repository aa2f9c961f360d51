"""Recording: send each scenario's requests to a target, scrub, and write atomically.

Record modes (pytest-recording's names for VCR's modes,
https://vcrpy.readthedocs.io/en/latest/usage.html#record-modes), per scenario file:

    none   send nothing, write nothing: cassettes are only replayed (the default in tests)
    once   record the scenarios that have no cassette yet; leave existing ones untouched
    new    as once, and re-send the scenarios that have one to show what changed (the
           semantic diff), without writing over them: a drift check
    all    re-record every scenario; a cassette is overwritten only when something other
           than volatile values changed, and the diff says what

Where requests go: a ``RecordingTarget``. For the twin, the recorder serves one twin per
distinct setting a scenario needs (``TwinConfig(rate_limit_ten_secondly=2)`` for the
429), over loopback HTTP, and records through the same HTTP path as for the live API.
Every request passes the safety guards of ``targets`` first (``transport``); live
requests wait for the shared rate budget and a 429 is waited out, never recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx

from tickets_contract.cassettes.diff import Change, semantic_diff
from tickets_contract.cassettes.format import (
    Cassette,
    ContractStamp,
    Interaction,
    RecordedRequest,
    Source,
    SourceKind,
    dump_cassette,
    load_cassette,
)
from tickets_contract.cassettes.scenarios import Credential, Scenario
from tickets_contract.cassettes.scrub import Scrubber, credential_role
from tickets_contract.cassettes.transport import RecordingTransport
from tickets_contract.cassettes.volatile import normalise
from tickets_contract.defaults import DEFAULT_TWIN_SIZE
from tickets_contract.errors import ConfigError
from tickets_contract.files import make_directory, write_atomically
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.network.budget import DEFAULT_RATE_LIMIT, RateBudget, RateLimit, budget_path
from tickets_contract.network.guards import (
    DEFAULT_ALLOWED_HOSTS,
    TOKEN_ENV,
    Guard,
    check_base_url,
    check_token_host,
)
from tickets_contract.records import KnownRecords
from tickets_contract.spec.contract import load_fragment

__all__ = [
    "CREDENTIAL_ENV",
    "Outcome",
    "OutcomeStatus",
    "RecordMode",
    "Recorder",
    "RecordingTarget",
    "http_recording_target",
    "twin_recording_target",
]

CREDENTIAL_ENV: Mapping[Credential, str] = MappingProxyType(
    {
        Credential.ACCESS: TOKEN_ENV,
        Credential.EXPIRED: "HUBSPOT_EXPIRED_TOKEN",
        Credential.NO_SCOPE: "HUBSPOT_NO_SCOPE_TOKEN",
    }
)
_CREDENTIAL_WORDS: Mapping[Credential, str] = MappingProxyType(
    {
        Credential.ACCESS: "a private-app token with the tickets scope",
        Credential.EXPIRED: "an expired OAuth access token",
        Credential.NO_SCOPE: "a private-app token without the tickets scope",
    }
)
_TIMEOUT = 30.0


class RecordMode(StrEnum):
    NONE = "none"
    ONCE = "once"
    NEW = "new"
    ALL = "all"


class OutcomeStatus(StrEnum):
    RECORDED = "recorded"  # written: there was no cassette
    CHANGED = "changed"  # re-recorded and written over (mode all); the diff says what
    UNCHANGED = "unchanged"  # re-recorded; nothing but volatile values differed, file kept
    DRIFTED = "drifted"  # re-recorded in mode new; it differs, and the file was kept
    KEPT = "kept"  # not sent: a cassette exists and the mode does not re-record
    SKIPPED = "skipped"  # not sent: the target cannot show this scenario (the detail says why)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened to one scenario."""

    scenario: str
    status: OutcomeStatus
    path: Path
    detail: str = ""
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingTarget:
    """Where a recording's requests go, with which tokens, and what it knows is there.

    ``base_url`` ``None`` means: serve the twin over loopback, one server per distinct
    ``TwinConfig`` a scenario needs, from the base settings in ``twin``. ``credentials``
    maps each role to a token; a scenario needing an absent one is skipped.
    """

    kind: SourceKind
    detail: str
    records: KnownRecords
    credentials: Mapping[Credential, str]
    base_url: str | None = None
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    twin: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    rate_limit: RateLimit | None = None

    @property
    def serves_twin(self) -> bool:
        return self.base_url is None


def _version() -> str:
    try:
        return metadata.version("hubspot-tickets-contract")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed here
        return "unknown"


def twin_recording_target(
    *, seed: int = 0, size: int | None = None, access_token: str | None = None
) -> RecordingTarget:
    """The twin, served over loopback by the recorder itself.

    ``access_token`` replaces the twin's public demo token (it is added to the twin's
    ``extra_tokens``); the expired and no-scope roles use the twin's public tokens.
    """
    # why: the twin loads only when a cassette is recorded from or compared with it
    from tickets_contract.records import twin_records
    from tickets_contract.twin import (
        DEMO_TOKEN,
        EXPIRED_TOKEN,
        NO_SCOPE_TOKEN,
        UNIQUE_PROPERTY,
        Twin,
        TwinConfig,
    )

    token = access_token or DEMO_TOKEN
    base: dict[str, Any] = {"seed": seed, "size": DEFAULT_TWIN_SIZE if size is None else size}
    records = twin_records(Twin(config=TwinConfig(**base)), UNIQUE_PROPERTY)
    if access_token:
        base["extra_tokens"] = (access_token,)
    return RecordingTarget(
        kind=SourceKind.TWIN,
        detail=f"the tickets-contract {_version()} twin, served over loopback HTTP",
        records=records,
        credentials={
            Credential.ACCESS: token,
            Credential.EXPIRED: EXPIRED_TOKEN,
            Credential.NO_SCOPE: NO_SCOPE_TOKEN,
        },
        twin=MappingProxyType(base),
    )


def http_recording_target(
    base_url: str,
    *,
    kind: SourceKind,
    records: KnownRecords,
    environ: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
) -> RecordingTarget:
    """A base URL: the live API, or a twin someone serves (``kind`` says which).

    Tokens come from the environment (``CREDENTIAL_ENV``); for a served twin the expired
    and no-scope roles default to the twin's public tokens.
    """
    environ = os.environ if environ is None else environ
    # Refused before anything else: credentials in the URL, a host parsers disagree on,
    # a host that is not allowed. Nothing is sent to it, and it is never written.
    base_url = check_base_url(base_url)
    allowed = (*DEFAULT_ALLOWED_HOSTS, *allowed_hosts)
    check_token_host(base_url, allowed)
    credentials = {
        role: environ[name] for role, name in CREDENTIAL_ENV.items() if environ.get(name)
    }
    if Credential.ACCESS not in credentials:
        raise ConfigError(
            source="--target",
            where=base_url,
            problem=f"the environment variable {TOKEN_ENV} is not set",
            fix=f"export {TOKEN_ENV}=<private app token with the tickets scope> (for a "
            "served twin, the token `tickets-contract serve` prints)",
        )
    if kind is SourceKind.TWIN:
        # why: the twin loads only when a cassette is recorded from or compared with it
        from tickets_contract.twin import EXPIRED_TOKEN, NO_SCOPE_TOKEN

        credentials.setdefault(Credential.EXPIRED, EXPIRED_TOKEN)
        credentials.setdefault(Credential.NO_SCOPE, NO_SCOPE_TOKEN)
        detail = f"a twin served at {base_url}, recorded by tickets-contract {_version()}"
    elif kind is SourceKind.LIVE:
        detail = f"HubSpot's API at {base_url}, recorded by tickets-contract {_version()}"
    else:
        raise ConfigError(
            source="--source",
            where=kind.value,
            problem="only live and twin answers can be recorded",
            fix="use --source live or --source twin; docs and reports are transcribed by hand",
        )
    return RecordingTarget(
        kind=kind,
        detail=detail,
        records=records,
        credentials=credentials,
        base_url=base_url,
        allowed_hosts=allowed,
        rate_limit=rate_limit if kind is SourceKind.LIVE else None,
    )


class Recorder:
    """Records scenarios from one target into one directory, in one mode."""

    def __init__(
        self,
        target: RecordingTarget,
        cassette_dir: Path,
        mode: RecordMode,
        *,
        scrubber: Scrubber | None = None,
    ) -> None:
        self._target = target
        self._dir = cassette_dir
        self._mode = mode
        secrets = {role.value: token for role, token in target.credentials.items()}
        self._scrubber = scrubber if scrubber is not None else Scrubber(secrets)
        self._secrets = tuple(secrets.values())
        self._budget = (
            RateBudget(target.rate_limit, budget_path(target.base_url or ""))
            if target.rate_limit is not None
            else None
        )

    def record(self, scenarios: Sequence[Scenario]) -> list[Outcome]:
        """Record ``scenarios`` in order; the outcome of each, skipped ones included."""
        if self._mode is not RecordMode.NONE:
            make_directory(self._dir, option="--cassette-dir")
        outcomes = []
        # The one guard (guards.Guard): allowed hosts, reads only, the rate budget, and
        # for the live API the 429 retries (a twin's 429 is a scenario, so it is kept).
        guard = Guard(
            allowed_hosts=self._target.allowed_hosts,
            budget=self._budget,
            retry=self._target.kind is SourceKind.LIVE,
            sleep=_sleep,
        )
        transport = RecordingTransport(guard=guard)
        with (
            contextlib.ExitStack() as stack,
            httpx.Client(transport=transport, timeout=_TIMEOUT) as client,
        ):
            twins = _Twins(stack, self._target.twin)
            for scenario in scenarios:
                outcomes.append(self._one(scenario, twins, client, transport))
        return outcomes

    def _one(
        self,
        scenario: Scenario,
        twins: _Twins,
        client: httpx.Client,
        transport: RecordingTransport,
    ) -> Outcome:
        path = self._dir / f"{scenario.name}.yaml"
        exists = path.exists()
        rerecords = self._mode in (RecordMode.NEW, RecordMode.ALL)
        # Loaded before anything is sent: a broken cassette stops the run with its fix.
        old = load_cassette(path) if exists and rerecords else None

        def outcome(status: OutcomeStatus, detail: str = "", **kwargs: Any) -> Outcome:
            return Outcome(
                scenario=scenario.name, status=status, path=path, detail=detail, **kwargs
            )

        if self._mode is RecordMode.NONE:
            return outcome(OutcomeStatus.KEPT, "record mode none: nothing is sent")
        if exists and self._mode is RecordMode.ONCE:
            return outcome(OutcomeStatus.KEPT, "a cassette exists; record mode all re-records it")
        reason = self._cannot(scenario)
        if reason:
            return outcome(OutcomeStatus.SKIPPED, reason)
        base_url = self._target.base_url or twins.base_url(scenario.twin)
        cassette = self._cassette(scenario, self._send(scenario, base_url, client, transport))
        text = dump_cassette(cassette)
        # Fail closed: the serialized text is checked, not the values we meant to write.
        self._scrubber.ensure_clean(text, where=str(path))
        if old is None:
            write_atomically(path, text, option="--cassette-dir")
            count = len(cassette.interactions)
            return outcome(OutcomeStatus.RECORDED, f"{count} interaction{'s' * (count != 1)}")
        changes = semantic_diff(old, cassette)
        if not changes:
            return outcome(OutcomeStatus.UNCHANGED, "nothing changed apart from volatile values")
        if self._mode is RecordMode.ALL:
            write_atomically(path, text, option="--cassette-dir")
            return outcome(OutcomeStatus.CHANGED, f"{len(changes)} changes", changes=changes)
        return outcome(
            OutcomeStatus.DRIFTED,
            f"{len(changes)} changes; kept the old file (record mode all writes it)",
            changes=changes,
        )

    def _cannot(self, scenario: Scenario) -> str | None:
        target = self._target
        if target.kind is SourceKind.LIVE and scenario.live:
            return f"not recordable from the live API: {scenario.live}"
        if scenario.twin and not target.serves_twin:
            settings = ", ".join(f"{k}={v}" for k, v in scenario.twin.items())
            return (
                f"needs a twin configured with {settings}; record it with --target twin, "
                "which serves one"
            )
        for role in sorted(scenario.credentials - {Credential.NONE}):
            if role not in target.credentials:
                return f"needs {CREDENTIAL_ENV[role]} ({_CREDENTIAL_WORDS[role]}); it is not set"
        missing = scenario.missing_records(target.records)
        if missing:
            return (
                f"the known records have no {', '.join(missing)}; add them to "
                "[tool.tickets-contract.records] (tickets-contract discover writes it)"
            )
        return None

    def _send(
        self,
        scenario: Scenario,
        base_url: str,
        client: httpx.Client,
        transport: RecordingTransport,
    ) -> list[Interaction]:
        transport.exchanges.clear()
        for planned in scenario.resolve(self._target.records):
            # A live 429 is HubSpot's limiter, not the scenario: the guard waits, sends
            # again, and only the answer that came through is kept.
            client.send(self._request(client, base_url, planned))
        return [
            Interaction(
                request=self._scrubber.request(request),
                response=normalise(self._scrubber.response(response)),
            )
            for request, response in transport.exchanges
        ]

    def _request(
        self, client: httpx.Client, base_url: str, planned: RecordedRequest
    ) -> httpx.Request:
        headers = {k: v for k, v in planned.headers.items() if k != "authorization"}
        if "authorization" in planned.headers:
            role = Credential(credential_role(planned.headers) or "none")
            headers["authorization"] = f"Bearer {self._target.credentials[role]}"
        return client.build_request(
            planned.method,
            f"{base_url}{planned.path}",
            params=dict(planned.query),
            headers=headers,
            content=planned.content(),
        )

    def _cassette(self, scenario: Scenario, interactions: list[Interaction]) -> Cassette:
        target = self._target
        info = load_fragment()["info"]
        unique: tuple[str, ...] = (OBJECT_ID_PROPERTY,)
        if target.records.unique_property:
            unique += (target.records.unique_property,)
        twin: Mapping[str, Any] = MappingProxyType({})
        if target.kind is SourceKind.TWIN and target.serves_twin:
            # The settings that reproduce the answers; never the tokens.
            settings = {k: v for k, v in target.twin.items() if k != "extra_tokens"}
            twin = MappingProxyType({**settings, **scenario.twin})
        return Cassette(
            name=scenario.name,
            demonstrates=scenario.demonstrates,
            quirks=scenario.quirks,
            source=Source(kind=target.kind, detail=target.detail, twin=twin),
            recorded_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            contract=ContractStamp(
                version=str(info.get("version")),
                spec_commit=str(info.get("x-provenance", {}).get("source_commit", "unknown")),
            ),
            unique_properties=unique,
            interactions=tuple(interactions),
        )


class _Twins:
    """Twins served over loopback on demand, one per distinct setting; stopped on exit."""

    def __init__(self, stack: contextlib.ExitStack, base: Mapping[str, Any]) -> None:
        self._stack = stack
        self._base = dict(base)
        self._urls: dict[tuple[tuple[str, Any], ...], str] = {}

    def base_url(self, settings: Mapping[str, Any]) -> str:
        key = tuple(sorted(settings.items()))
        if key not in self._urls:
            # why: the twin loads only when a cassette is recorded from or compared with it
            from tickets_contract.twin import Twin, TwinConfig, serve_in_thread

            twin = Twin(config=TwinConfig(**{**self._base, **settings}))
            self._urls[key] = self._stack.enter_context(serve_in_thread(twin))
        return self._urls[key]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)
