"""Judging cassettes: each recorded exchange against the effective and published contracts.

A cassette is evidence only while it is judged. Each interaction becomes a schemathesis
case and an ``httpx.Response`` (``Case.validate_response`` accepts an ``httpx.Response``,
https://github.com/schemathesis/schemathesis/blob/v4.32.5/src/schemathesis/generation/case.py;
one built by hand needs ``.elapsed``), and

* under the **effective** contract every built-in check that applies, and the
  invariants, must pass: a failure there is a regression (a tampered or stale cassette,
  or an API change);
* under the **published** contract the failures are attributed to ledger quirks
  (``judges.QuirkExplainer``, leave-one-out); every deviation must be explained, and
  only by quirks the cassette says it is evidence for.

Replaying cannot run two kinds of check. ``ignored_auth`` probes the API again without
credentials, and a recording cannot answer a request it never saw (the auth cassettes
show enforcement instead). ``negative_data_rejection`` and ``positive_data_acceptance``
rest on how schemathesis generated a case, which an explicit case does not have; their
verdict is computed here from the request itself (is the body valid under this contract?)
and the status, and fed to the explainer like schemathesis' own failures.

A transcribed cassette of another object type (``source.object_type``) is judged on
everything but the tickets property catalogue: the invariants in ``CATALOGUE_INVARIANTS``
compare property names with the tickets default set, which contacts or communications
do not share.

A quirk whose overlay only narrows the contract (``aggregated-not-found-error`` allows
exactly one error entry) can never show as a deviation from the published contract: the
cassette passing the effective contract, which includes the overlay, is its evidence.
Quirks without an overlay are evidence only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tickets_contract.cassettes.format import Cassette, Interaction
from tickets_contract.files import file_version
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.judging.judges import (
    Deviation,
    QuirkExplainer,
    check_exchange,
    excluded_check_functions,
    regressions,
    request_is_valid,
)
from tickets_contract.network.guards import LIVE_BASE_URL
from tickets_contract.spec.contract import (
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    Contract,
    ContractKind,
    Portal,
    build_contract,
    specs_dir,
)

__all__ = [
    "CATALOGUE_INVARIANTS",
    "REPLAY_EXCLUDED_CHECKS",
    "CassetteJudge",
    "CassetteVerdict",
    "InteractionVerdict",
    "exchange_of",
]

REPLAY_EXCLUDED_CHECKS: Mapping[str, str] = {
    "ignored_auth": (
        "probes the API again without credentials; a recording cannot answer a request it "
        "never saw (the auth cassettes show enforcement instead)"
    ),
}
CATALOGUE_INVARIANTS = frozenset({"properties_within_requested"})
"""Invariants that hold only for tickets' own property names."""
# What a server answers when it refuses a request's data (schemathesis' defaults for
# negative_data_rejection, less the statuses that say nothing about the data).
_REJECTIONS = frozenset({400, 413, 415, 422})
_JSON = "application/json"


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionVerdict:
    """The verdicts on one interaction: regressions, and deviations from the published."""

    index: int
    regressions: tuple[Deviation, ...]
    deviations: tuple[Deviation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CassetteVerdict:
    """The verdicts on every interaction of a cassette, and what they add up to."""

    cassette: Cassette
    ledger_ids: frozenset[str]
    interactions: tuple[InteractionVerdict, ...]

    @property
    def shown(self) -> frozenset[str]:
        """Quirks that explain a deviation from the published contract."""
        return frozenset(
            quirk for i in self.interactions for d in i.deviations for quirk in d.quirks
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """Everything wrong, one line each, naming the file, the place and the fix."""
        label = self.cassette.label
        lines = [
            f"{label}: quirks: {quirk!r} is not in specs/quirks.yaml; fix: use a ledger id"
            for quirk in self.cassette.quirks
            if quirk not in self.ledger_ids
        ]
        for verdict in self.interactions:
            where = f"{label}: interactions[{verdict.index}]"
            lines += [
                f"{where}: the effective contract rejects it: {d.check}: {d.title}: "
                f"{_first(d.message)}; fix: record the scenario again, or correct the response"
                for d in verdict.regressions
            ]
            for d in verdict.deviations:
                if d.is_regression:
                    lines.append(
                        f"{where}: deviates from the published contract and no quirk explains "
                        f"it: {d.check}: {d.title}: {_first(d.message)}; fix: add a quirk to "
                        "specs/quirks.yaml, or correct the response"
                    )
                for quirk in d.quirks:
                    if quirk not in self.cassette.quirks:
                        lines.append(
                            f"{where}: shows quirk {quirk} ({d.check}), which the cassette does "
                            f"not list; fix: add {quirk} to its quirks and cite the cassette "
                            "in the ledger"
                        )
        return tuple(dict.fromkeys(lines))

    @property
    def ok(self) -> bool:
        return not self.problems


class CassetteJudge:
    """Judges cassettes against the ledger at ``ledger_path`` (default specs/quirks.yaml).

    The contracts of each portal, and the explainer's variants of them, are built once per
    process and ledger version: building them costs most of a second.
    """

    def __init__(self, *, ledger_path: Path | None = None) -> None:
        self._ledger_path = ledger_path

    def judge(self, cassette: Cassette) -> CassetteVerdict:
        # The portal's unique properties only decide whether an idProperty is admitted
        # (quirk idproperty-must-be-unique); without one, any portal's contracts judge alike.
        uses_id_property = any(
            isinstance(i.request.json, dict) and "idProperty" in i.request.json
            for i in cassette.interactions
        )
        portal = cassette.unique_properties if uses_id_property else None
        contracts = _contracts(self._ledger_path, portal)
        tickets = cassette.source.object_type == "tickets"
        verdicts = tuple(
            contracts.judge(index, interaction, catalogue=tickets)
            for index, interaction in enumerate(cassette.interactions)
        )
        return CassetteVerdict(
            cassette=cassette,
            ledger_ids=frozenset(contracts.published.ledger.ids),
            interactions=verdicts,
        )


_BUILT: dict[tuple[str, int, int, tuple[str, ...]], _Contracts] = {}


def _contracts(ledger_path: Path | None, unique_properties: tuple[str, ...] | None) -> _Contracts:
    path = (ledger_path or specs_dir() / "quirks.yaml").resolve()
    # Keyed on the file's version too: an edited ledger is judged afresh.
    key = file_version(path) or (str(path), 0, 0)
    if unique_properties is None:
        built = [contracts for k, contracts in _BUILT.items() if k[:3] == key]
        if built:
            return built[0]
        unique_properties = (OBJECT_ID_PROPERTY,)
    key_with_portal = (*key, unique_properties)
    if key_with_portal not in _BUILT:
        portal = Portal(unique_properties=unique_properties)
        _BUILT[key_with_portal] = _Contracts(
            effective=build_contract(ContractKind.EFFECTIVE, ledger_path=path, portal=portal),
            published=build_contract(ContractKind.PUBLISHED, ledger_path=path, portal=portal),
        )
    return _BUILT[key_with_portal]


def exchange_of(interaction: Interaction) -> tuple[dict[str, Any], httpx.Response]:
    """The keyword arguments of a schemathesis ``Case`` and the ``httpx.Response``."""
    request, recorded = interaction.request, interaction.response
    sent = httpx.Request(
        request.method,
        f"{LIVE_BASE_URL}{request.path}",
        params=dict(request.query),
        headers={k: v for k, v in request.headers.items() if k != "authorization"},
        content=request.content(),
    )
    response = httpx.Response(
        recorded.status,
        headers=dict(recorded.headers),
        content=recorded.content(),
        request=sent,
    )
    # A response built without a client has no elapsed time: httpx raises on ``.elapsed``
    # until it is set (https://www.python-httpx.org/api/#response).
    response.elapsed = dt.timedelta(0)
    case = {
        "body": request.text if request.text is not None else request.json,
        "query": dict(request.query),
        "headers": {"Content-Type": request.headers.get("content-type", _JSON)},
        "media_type": _JSON,
    }
    return case, response


class _Contracts:
    def __init__(self, *, effective: Contract, published: Contract) -> None:
        # why: invariants import schemathesis (slow); loaded when a judge is built, not on import
        from tickets_contract.judging.invariants import INVARIANTS

        self.effective = effective
        self.published = published
        self._schemas = {
            ContractKind.EFFECTIVE: effective.schemathesis_schema(),
            ContractKind.PUBLISHED: published.schemathesis_schema(),
        }
        self._explainer = QuirkExplainer(published)
        self._invariants = list(INVARIANTS)
        # why: schemathesis is slow to import; only judging needs it, not loading a cassette
        from schemathesis import checks

        self._excluded = [
            *excluded_check_functions(),
            *(getattr(checks, name) for name in REPLAY_EXCLUDED_CHECKS),
        ]

    def judge(
        self, index: int, interaction: Interaction, *, catalogue: bool = True
    ) -> InteractionVerdict:
        kwargs, response = exchange_of(interaction)
        effective_case = self._case(ContractKind.EFFECTIVE, kwargs)
        failures = self._failures(
            ContractKind.EFFECTIVE, effective_case, response, catalogue=catalogue
        )
        published_case = self._case(ContractKind.PUBLISHED, kwargs)
        deviations = self._failures(ContractKind.PUBLISHED, published_case, response)
        return InteractionVerdict(
            index=index,
            regressions=tuple(regressions(effective_case, failures)),
            deviations=tuple(self._explainer.explain(published_case, response, deviations)),
        )

    def _case(self, kind: ContractKind, kwargs: Mapping[str, Any]) -> Any:
        operation = self._schemas[kind][BATCH_READ_PATH][BATCH_READ_METHOD]
        return operation.Case(**kwargs)

    def _failures(
        self, kind: ContractKind, case: Any, response: httpx.Response, *, catalogue: bool = True
    ) -> list[Any]:
        extra = self._invariants if kind is ContractKind.EFFECTIVE else []
        if not catalogue:
            extra = [check for check in extra if check.__name__ not in CATALOGUE_INVARIANTS]
        group = check_exchange(
            case, response, excluded_checks=self._excluded, additional_checks=extra
        )
        failures: list[Any] = list(group.exceptions) if group is not None else []
        return failures + self._request_side(kind, case, response.status_code)

    def _request_side(self, kind: ContractKind, case: Any, status: int) -> list[Any]:
        # why: schemathesis is slow to import; only judging needs it, not loading a cassette
        from schemathesis.core.failures import AcceptedNegativeData
        from schemathesis.openapi.checks import RejectedPositiveData

        operation = self._schemas[kind][BATCH_READ_PATH][BATCH_READ_METHOD]
        valid = request_is_valid(operation, case)
        label = f"{BATCH_READ_METHOD} {BATCH_READ_PATH}"
        if valid and status in _REJECTIONS:
            return [
                RejectedPositiveData(
                    operation=label,
                    message=f"a request the {kind.value} contract admits was refused with {status}",
                    status_code=status,
                    allowed_statuses=["2xx", "401", "403", "404", "409", "429", "5xx"],
                )
            ]
        if not valid and 200 <= status < 300:
            return [
                AcceptedNegativeData(
                    operation=label,
                    message=f"a request the {kind.value} contract rejects was answered {status}",
                    status_code=status,
                    expected_statuses=sorted(str(s) for s in _REJECTIONS),
                )
            ]
        return []


def _first(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""
