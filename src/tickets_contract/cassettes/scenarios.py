"""The scenario corpus: each scenario's requests and what it demonstrates, defined once.

A scenario's requests are templates over ``KnownRecords`` (ids that exist on the target,
archived ids, a unique-value property and its values), so the same scenario records
unchanged against the twin (``records.twin_records``) and against a live portal (the
records table that ``tickets-contract discover`` writes). Ids that must *not* exist are
fixed here: 13-digit numbers far above the ids a portal hands out, and values no unique
property holds.

Credentials: most scenarios send the access token. Three need another one, which a live
recording takes from the environment and skips, with the reason, when it is absent:

    HUBSPOT_EXPIRED_TOKEN   an expired OAuth access token (scenario expired-token)
    HUBSPOT_NO_SCOPE_TOKEN  a private-app token without the tickets scope (missing-scope)

The twin has its own public tokens for both. Provoking a 429 from the live API would spend
the portal's shared rate limit, which the design forbids ("Requests stay under HubSpot's
rate limits"): ``rate-limited`` is recorded only from a twin configured with a low limit,
and the real 429 bodies quoted by HubSpot's docs and by reports are kept as transcribed
cassettes beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tickets_contract.cassettes.format import RecordedRequest
from tickets_contract.cassettes.scrub import authorization_placeholder
from tickets_contract.hubspot import MAX_INPUTS, MAX_INPUTS_WITH_HISTORY
from tickets_contract.records import KnownRecords
from tickets_contract.spec.contract import BATCH_READ_METHOD, BATCH_READ_PATH

__all__ = [
    "MISSING_IDS",
    "MISSING_VALUES",
    "SCENARIOS",
    "Credential",
    "RequestTemplate",
    "Scenario",
    "scenario_named",
]

MISSING_IDS = tuple(str(9_000_000_000_001 + i) for i in range(120))
"""Record ids no portal has: far above the 11-digit ids HubSpot hands out (S9, S19)."""
MISSING_VALUES = ("tickets-contract-missing-1", "tickets-contract-missing-2")
"""Values no unique-value property holds."""
UNDEFINED_PROPERTY = "tickets_contract_undefined_property"


class Credential(StrEnum):
    """Which token a request carries."""

    ACCESS = "access"  # HUBSPOT_ACCESS_TOKEN, a token with the tickets scope
    EXPIRED = "expired"  # HUBSPOT_EXPIRED_TOKEN, an expired OAuth access token
    NO_SCOPE = "no-scope"  # HUBSPOT_NO_SCOPE_TOKEN, a token without the tickets scope
    NONE = "none"  # no Authorization header at all


BodyTemplate = Callable[[KnownRecords], Any]
"""The JSON body of a request, as a function of the target's known records."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestTemplate:
    """One request of a scenario, ``repeat`` times in a row.

    ``body`` is a JSON body template, or raw text sent verbatim (a malformed body).
    """

    body: BodyTemplate | str
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    credential: Credential = Credential.ACCESS
    method: str = BATCH_READ_METHOD
    path: str = BATCH_READ_PATH
    repeat: int = 1

    def resolve(self, records: KnownRecords) -> tuple[RecordedRequest, ...]:
        headers = {"content-type": "application/json"}
        if self.credential is not Credential.NONE:
            headers["authorization"] = authorization_placeholder(self.credential.value)
        if isinstance(self.body, str):
            json_body, text = None, self.body
        else:
            json_body, text = self.body(records), None
        request = RecordedRequest(
            method=self.method,
            path=self.path,
            query=MappingProxyType(dict(self.query)),
            headers=MappingProxyType(headers),
            json=json_body,
            text=text,
        )
        return (request,) * self.repeat


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named situation of the endpoint, the requests that produce it, and what it shows.

    ``needs`` names the ``KnownRecords`` fields that must be non-empty; ``twin`` the
    ``TwinConfig`` settings a twin needs to show it; ``live`` says why it cannot be
    recorded from the live API (``None``: it can).
    """

    name: str
    demonstrates: str
    quirks: tuple[str, ...]
    requests: tuple[RequestTemplate, ...]
    needs: tuple[str, ...] = ("ids",)
    twin: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    live: str | None = None

    @property
    def credentials(self) -> frozenset[Credential]:
        return frozenset(template.credential for template in self.requests)

    def missing_records(self, records: KnownRecords) -> tuple[str, ...]:
        """The needed record fields that ``records`` leaves empty."""
        return tuple(name for name in self.needs if not getattr(records, name))

    def resolve(self, records: KnownRecords) -> tuple[RecordedRequest, ...]:
        """The concrete requests against a target with ``records``, in order."""
        return tuple(r for template in self.requests for r in template.resolve(records))


def _ids(values: Sequence[str]) -> list[dict[str, str]]:
    return [{"id": value} for value in values]


def _by_id(*names: str, history: Sequence[str] = ()) -> Callable[[Sequence[str]], Any]:
    def body(inputs: Sequence[str]) -> Any:
        return {
            "inputs": _ids(inputs),
            "properties": list(names),
            "propertiesWithHistory": list(history),
        }

    return body


def _unique_lookup(values: Callable[[KnownRecords], Sequence[str]]) -> BodyTemplate:
    def body(records: KnownRecords) -> Any:
        return {
            "idProperty": records.unique_property,
            "inputs": _ids(values(records)),
            "properties": ["subject", records.unique_property],
            "propertiesWithHistory": [],
        }

    return body


_BASIC = _by_id("subject", "hs_pipeline", "hs_pipeline_stage")
_NOT_FOUND = (
    "multi-status-on-read",
    "aggregated-not-found-error",
    "standard-error-optional-fields",
)
_ERROR_BODY = ("error-body-status-field", "error-content-type")


def _limit_body(count: int, history: bool) -> BodyTemplate:
    def body(records: KnownRecords) -> Any:
        return {
            "inputs": _ids(MISSING_IDS[:count]),
            "properties": ["subject"],
            "propertiesWithHistory": ["hs_pipeline_stage"] if history else [],
        }

    return body


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="by-id-all-found",
        demonstrates=(
            "Three tickets read by record id, all found: 200 with one result per input, "
            "the requested properties plus hs_object_id, createdate and hs_lastmodifieddate."
        ),
        quirks=("always-included-properties",),
        requests=(RequestTemplate(body=lambda r: _BASIC(r.ids[:3])),),
    ),
    Scenario(
        name="by-id-partial-miss",
        demonstrates=(
            "Two known tickets and two ids that do not exist: 207 with the two found tickets "
            "and ONE OBJECT_NOT_FOUND error whose context.ids lists both missing ids; "
            "numErrors is 1 and the error entry has no errors, links or id."
        ),
        quirks=(*_NOT_FOUND, "ticket-not-found-wording"),
        requests=(RequestTemplate(body=lambda r: _BASIC([*r.ids[:2], *MISSING_IDS[:2]])),),
    ),
    Scenario(
        name="by-id-all-missing",
        demonstrates=(
            "Only ids that do not exist: 207 with results [] and the aggregated "
            "OBJECT_NOT_FOUND error (two third-party reports claim 404 instead)."
        ),
        quirks=("all-missing-answer", *_NOT_FOUND),
        requests=(RequestTemplate(body=lambda r: _BASIC(MISSING_IDS[:2])),),
        needs=(),
    ),
    Scenario(
        name="id-property-all-found",
        demonstrates=(
            "Two tickets looked up by the values of a unique-value property (idProperty): "
            "200; each result's id is the record id, and the property maps it back."
        ),
        quirks=("idproperty-must-be-unique",),
        requests=(RequestTemplate(body=_unique_lookup(lambda r: r.unique_values[:2])),),
        needs=("unique_property", "unique_values"),
    ),
    Scenario(
        name="id-property-partial-miss",
        demonstrates=(
            "One known unique value and two unknown ones: 207; context.ids holds the "
            "unknown values as sent, not record ids."
        ),
        quirks=(*_NOT_FOUND, "unique-value-case-sensitive"),
        requests=(
            RequestTemplate(
                body=_unique_lookup(lambda r: [*r.unique_values[:1], *MISSING_VALUES]),
            ),
        ),
        needs=("unique_property", "unique_values"),
    ),
    Scenario(
        name="id-property-not-unique",
        demonstrates=(
            "idProperty naming a property without unique values (hs_pipeline): the whole "
            "batch is refused with 400 VALIDATION_ERROR."
        ),
        quirks=("idproperty-must-be-unique", *_ERROR_BODY, "idproperty-non-unique-message"),
        requests=(
            RequestTemplate(
                body=lambda r: {
                    "idProperty": "hs_pipeline",
                    "inputs": _ids(["0"]),
                    "properties": ["subject"],
                    "propertiesWithHistory": [],
                },
            ),
        ),
        needs=(),
    ),
    Scenario(
        name="archived-only",
        demonstrates=(
            "archived=true with two archived tickets: 200, each result archived: true "
            "with archivedAt."
        ),
        quirks=("archived-query-exclusive", "archived-at-key-position"),
        requests=(
            RequestTemplate(
                body=lambda r: _BASIC(r.archived_ids[:2]),
                query=MappingProxyType({"archived": "true"}),
            ),
        ),
        needs=("archived_ids",),
    ),
    Scenario(
        name="archived-mixed",
        demonstrates=(
            "One archived and one live ticket, asked for with archived=true (the live one "
            "is reported missing) and then without it (the archived one is missing)."
        ),
        quirks=("archived-query-exclusive", *_NOT_FOUND, "archived-true-excludes-live"),
        requests=(
            RequestTemplate(
                body=lambda r: _BASIC([r.archived_ids[0], r.ids[0]]),
                query=MappingProxyType({"archived": "true"}),
            ),
            RequestTemplate(body=lambda r: _BASIC([r.archived_ids[0], r.ids[0]])),
        ),
        needs=("ids", "archived_ids"),
    ),
    Scenario(
        name="default-properties",
        demonstrates=(
            "Bodies without `properties` and `propertiesWithHistory` (as HubSpot's own "
            "guides send them), then with `properties: []`: both answer the default set "
            "(content, hs_pipeline, hs_pipeline_stage, hs_ticket_category, "
            "hs_ticket_priority, subject) plus the always-included properties."
        ),
        quirks=(
            "request-property-lists-optional",
            "always-included-properties",
            "null-property-values",
        ),
        requests=(
            RequestTemplate(body=lambda r: {"inputs": _ids(r.ids[:2])}),
            RequestTemplate(body=lambda r: {"inputs": _ids(r.ids[:2]), "properties": []}),
        ),
    ),
    Scenario(
        name="unknown-and-empty-properties",
        demonstrates=(
            "A property name the portal does not define is left out without an error; "
            "defined properties without a value (closed_date of open tickets, an "
            "unassigned team) come back as null."
        ),
        quirks=(
            "unknown-properties-ignored",
            "null-property-values",
            "history-key-omitted-without-defined-names",
        ),
        requests=(
            RequestTemplate(
                body=lambda r: _by_id(
                    "subject", "closed_date", "hubspot_team_id", UNDEFINED_PROPERTY
                )(r.ids[:2]),
            ),
        ),
    ),
    Scenario(
        name="properties-with-history",
        demonstrates=(
            "propertiesWithHistory [hs_pipeline_stage] beside properties [subject]: each "
            "result carries the stage's history of values (newest first), and the stage "
            "is not added to `properties`."
        ),
        quirks=("history-only-properties", "history-newest-first", "calculated-history-source-id"),
        requests=(
            RequestTemplate(
                body=lambda r: _by_id("subject", history=["hs_pipeline_stage"])(r.ids[:2])
            ),
        ),
    ),
    Scenario(
        name="duplicate-ids",
        demonstrates=(
            "The same id twice and another once: each distinct ticket is answered once "
            "(batch update would refuse the duplicate; read is unverified)."
        ),
        quirks=("duplicate-ids",),
        requests=(RequestTemplate(body=lambda r: _BASIC([r.ids[0], r.ids[0], r.ids[1]])),),
    ),
    Scenario(
        name="non-numeric-ids",
        demonstrates=(
            "An input that cannot be a record id ('invalid') beside a known one: it is "
            "reported missing like any other id, not refused."
        ),
        quirks=("non-numeric-ids-not-found", *_NOT_FOUND),
        requests=(RequestTemplate(body=lambda r: _BASIC([r.ids[0], "invalid"])),),
    ),
    Scenario(
        name="input-limit",
        demonstrates=(
            "100 inputs are read (all missing here: a 207 listing them); 101 inputs are "
            "refused with 400 VALIDATION_ERROR 'The maximum number of inputs supported in a "
            "batch is 100'."
        ),
        quirks=("batch-input-limit", *_NOT_FOUND, *_ERROR_BODY),
        requests=(
            RequestTemplate(body=_limit_body(MAX_INPUTS, history=False)),
            RequestTemplate(body=_limit_body(MAX_INPUTS + 1, history=False)),
        ),
        needs=(),
    ),
    Scenario(
        name="history-input-limit",
        demonstrates=(
            "With propertiesWithHistory, 50 inputs are read and 51 are refused with 400 "
            "VALIDATION_ERROR 'The maximum number of inputs supported in a batch request "
            "for property histories is 50'."
        ),
        quirks=(
            "history-input-limit",
            *_NOT_FOUND,
            *_ERROR_BODY,
            "empty-history-list-keeps-100-limit",
        ),
        requests=(
            RequestTemplate(body=_limit_body(MAX_INPUTS_WITH_HISTORY, history=True)),
            RequestTemplate(body=_limit_body(MAX_INPUTS_WITH_HISTORY + 1, history=True)),
        ),
        needs=(),
    ),
    Scenario(
        name="missing-inputs",
        demonstrates=(
            "A body naming properties but no inputs: 200, status COMPLETE, results [] "
            "(S30), not a 400."
        ),
        quirks=("missing-inputs-empty-answer", "request-property-lists-optional"),
        requests=(RequestTemplate(body=lambda records: {"properties": ["subject"]}),),
        needs=(),
    ),
    Scenario(
        name="malformed-json",
        demonstrates=(
            "A body that is not JSON: 400 with 'Invalid input JSON on line 1, column ...' "
            "in HubSpot's error shape, without category."
        ),
        quirks=(*_ERROR_BODY, "parse-error-without-category"),
        requests=(RequestTemplate(body='{"inputs": [{"id": "1"}'),),
        needs=(),
    ),
    Scenario(
        name="missing-token",
        demonstrates=(
            "No Authorization header: 401 INVALID_AUTHENTICATION, 'Authentication "
            "credentials not found'."
        ),
        quirks=("auth-error-bodies", *_ERROR_BODY),
        requests=(
            RequestTemplate(body=lambda r: _BASIC(MISSING_IDS[:1]), credential=Credential.NONE),
        ),
        needs=(),
    ),
    Scenario(
        name="expired-token",
        demonstrates=(
            "An expired OAuth access token: 401 EXPIRED_AUTHENTICATION, with how long ago "
            "it expired in the message and the instant in context['expire time']."
        ),
        quirks=("auth-error-bodies", *_ERROR_BODY),
        requests=(
            RequestTemplate(body=lambda r: _BASIC(MISSING_IDS[:1]), credential=Credential.EXPIRED),
        ),
        needs=(),
    ),
    Scenario(
        name="missing-scope",
        demonstrates=(
            "A token without the tickets scope: 403 MISSING_SCOPES, the required scopes in "
            "errors[0].context.requiredGranularScopes and links.scopes."
        ),
        quirks=("auth-error-bodies", *_ERROR_BODY),
        requests=(
            RequestTemplate(body=lambda r: _BASIC(MISSING_IDS[:1]), credential=Credential.NO_SCOPE),
        ),
        needs=(),
    ),
    Scenario(
        name="rate-limited",
        demonstrates=(
            "Three identical requests against a limit of two per ten seconds: two answers "
            "with X-HubSpot-RateLimit-* headers, then 429 with errorType RATE_LIMIT and "
            "policyName TEN_SECONDLY_ROLLING (and no category)."
        ),
        quirks=("rate-limit-body", "rate-limit-accounting"),
        requests=(RequestTemplate(body=lambda r: _BASIC(r.ids[:1]), repeat=3),),
        twin=MappingProxyType({"rate_limit_ten_secondly": 2}),
        live=(
            "provoking a 429 would spend the portal's shared rate limit, which the design "
            "forbids; the real 429 bodies are kept as transcribed cassettes"
        ),
    ),
)


def scenario_named(name: str) -> Scenario | None:
    """The scenario called ``name``, or ``None``."""
    return next((s for s in SCENARIOS if s.name == name), None)
