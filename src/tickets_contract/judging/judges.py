"""Judges: target-independent verdicts on (request, response) exchanges.

A judge never knows what answered: the twin, a cassette or the live API are condemned
by the same code. This module holds

* the built-in schemathesis checks that do not apply to this endpoint, with reasons;
* the mapping from a schemathesis failure to the check that raised it;
* quirk attribution: when a run judged against the *published* contract fails, which
  ledger entries explain the deviation, and which deviations nothing explains (new
  regressions).

Attribution is leave-one-out: a deviation that passes under the effective contract is
explained by quirk q when it fails again under "effective minus q". That also credits
every quirk when one response shows several at once (a 207 with null values *and* error
entries without ``links``), which single-overlay trials would miss.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tickets_contract.spec.contract import (
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    Contract,
    ContractKind,
    Portal,
    effective_document,
)
from tickets_contract.spec.ledger import Quirk

if TYPE_CHECKING:
    from schemathesis.core.failures import FailureGroup

__all__ = [
    "BUILTIN_CHECKS",
    "EXCLUDED_CHECKS",
    "REQUEST_SIDE_CHECKS",
    "Deviation",
    "QuirkExplainer",
    "check_exchange",
    "check_name_of",
    "excluded_check_functions",
    "regressions",
    "request_is_valid",
]

# The built-in checks of schemathesis 4.32 (pinned to that minor: checks change between).
BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
    "object_level_authorization",
    "max_response_time",
)

# Built-in checks that cannot apply to this endpoint. Every other built-in check runs.
EXCLUDED_CHECKS: Mapping[str, str] = {
    "use_after_free": (
        "needs a delete operation and links between operations; the contract has one "
        "read-only operation"
    ),
    "ensure_resource_availability": (
        "needs a create operation whose result a later read must find; the contract has "
        "one read-only operation"
    ),
    "object_level_authorization": (
        "needs objects owned by one identity and read by another; tickets in a portal "
        "are shared by every token with the tickets scope"
    ),
    "max_response_time": (
        "performance is measured by the benchmark scripts (bench/), never asserted per request"
    ),
}

# Failure classes -> the check that raises them (schemathesis 4.32; pinned to that minor).
_FAILURE_CHECKS: Mapping[str, str] = {
    "ServerError": "not_a_server_error",
    "UndefinedStatusCode": "status_code_conformance",
    "MissingContentType": "content_type_conformance",
    "MalformedMediaType": "content_type_conformance",
    "UndefinedContentType": "content_type_conformance",
    "MissingHeaders": "response_headers_conformance",
    "JsonSchemaError": "response_schema_conformance",
    "MalformedJson": "response_schema_conformance",
    "ContentDeserializationError": "response_schema_conformance",
    "DiscriminatorMismatch": "response_schema_conformance",
    "AcceptedNegativeData": "negative_data_rejection",
    "RejectedPositiveData": "positive_data_acceptance",
    "MissingHeaderNotRejected": "missing_required_header",
    "UnsupportedMethodResponse": "unsupported_method",
    "AllowHeaderMismatch": "allow_header_conformance",
    "IgnoredAuth": "ignored_auth",
    "UseAfterFree": "use_after_free",
    "EnsureResourceAvailability": "ensure_resource_availability",
    "ObjectLevelAuthorizationViolation": "object_level_authorization",
    "ResponseTimeExceeded": "max_response_time",
}

# Checks that judge whether the *request* was valid; attribution re-validates the
# request instead of re-running the check (their verdict rests on generation metadata).
REQUEST_SIDE_CHECKS = frozenset({"negative_data_rejection", "positive_data_acceptance"})


def check_name_of(failure: BaseException) -> str:
    """The schemathesis check that raised ``failure`` (its class name when unknown)."""
    # why: invariants import schemathesis (slow to import); needed only once a failure is named
    from tickets_contract.judging.invariants import InvariantViolation

    # Invariants and relations share one failure class; each names itself.
    if isinstance(failure, InvariantViolation):
        return failure.invariant
    for cls in type(failure).__mro__:
        if cls.__name__ in _FAILURE_CHECKS:
            return _FAILURE_CHECKS[cls.__name__]
    return type(failure).__name__


def check_exchange(
    case: Any,
    response: Any,
    *,
    checks: Sequence[Any] | None = None,
    additional_checks: Sequence[Any] = (),
    excluded_checks: Sequence[Any] = (),
    session: Any = None,
) -> FailureGroup | None:
    """Run schemathesis' checks on one exchange: the failures, or None when all passed.

    The one place that asks schemathesis for a verdict (``Case.validate_response``).
    ``checks`` replaces schemathesis' default set, ``additional_checks`` adds to it (the
    invariants), ``excluded_checks`` removes from it. ``session``: the ``requests``
    session of an HTTP target, for the checks that send again (``ignored_auth``).

    schemathesis 4.32 raises exactly one ``FailureGroup`` for any number of failures: its
    ``run_checks`` catches a check's ``AssertionError`` (a ``Failure``, or a bare
    ``assert``) and wraps it (schemathesis/checks.py, ``run_checks``), and a
    ``FailureGroup`` is a ``BaseExceptionGroup``, no ``AssertionError``. Any other
    exception is a broken check, not a verdict, and propagates.
    """
    # why: schemathesis is slow to import; judges' constants are read without it
    from schemathesis.core.failures import FailureGroup

    try:
        case.validate_response(
            response,
            checks=list(checks) if checks is not None else None,
            additional_checks=list(additional_checks),
            excluded_checks=list(excluded_checks),
            transport_kwargs={"session": session} if session is not None else None,
        )
    except FailureGroup as group:
        return group
    return None


def excluded_check_functions() -> list[Any]:
    # why: schemathesis is slow to import; judges' constants are read without it
    from schemathesis import checks

    return [getattr(checks, name) for name in EXCLUDED_CHECKS if hasattr(checks, name)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deviation:
    """One failed check of one exchange, and the quirks that explain it (none: regression)."""

    check: str
    title: str
    message: str
    case_id: str
    quirks: tuple[str, ...]

    @property
    def is_regression(self) -> bool:
        return not self.quirks


def request_is_valid(operation: Any, case: Any) -> bool:
    """Whether ``case`` is a valid request of ``operation`` (a schemathesis operation).

    Validity exactly as schemathesis judges it when generating (its nullable and enum
    handling differs from strict OpenAPI 3.0 validators), so that verdicts on recorded or
    generated requests and the generator agree.
    """
    if case.method.upper() != BATCH_READ_METHOD or case.path != BATCH_READ_PATH:
        return False
    bodies = [body for body in operation.body if body.media_type == case.media_type]
    if not bodies or not bodies[0].is_valid(case.body):
        return False
    # The only query parameter, a boolean: query values travel as text.
    archived = (case.query or {}).get("archived")
    return archived is None or archived in (True, False, "true", "false")


def regressions(case: Any, failures: Sequence[BaseException]) -> list[Deviation]:
    """Failures under the effective contract: the ledger already absorbed every quirk."""
    return [
        Deviation(
            check=check_name_of(failure),
            title=getattr(failure, "title", type(failure).__name__),
            message=str(getattr(failure, "message", failure)),
            case_id=str(getattr(case, "id", "")),
            quirks=(),
        )
        for failure in failures
    ]


_VariantKey = tuple[int, str, Portal]
_VARIANTS: dict[_VariantKey, tuple[Mapping[str, Any], dict[str | None, dict[str, Any]]]] = {}
_SCHEMAS: dict[_VariantKey, tuple[Mapping[str, Any], dict[str | None, Any]]] = {}


def _variant_key(
    fragment: Mapping[str, Any], patched: Sequence[Quirk], portal: Portal
) -> _VariantKey:
    patches = json.dumps([[q.id, q.patch] for q in patched], sort_keys=True, default=str)
    return (id(fragment), patches, portal)


def _variant_documents(
    fragment: Mapping[str, Any], patched: Sequence[Quirk], portal: Portal
) -> dict[str | None, dict[str, Any]]:
    """None -> the full effective document; q.id -> effective without q's overlay.

    The published contract's document is the fragment it was built from. Loading the
    ledger checked that every overlay applies and that the whole stays OpenAPI; the
    variants are not validated again. Kept per process (fragment, overlays, portal): every
    explainer of one run, and every run in one process, shares them.
    """
    key = _variant_key(fragment, patched, portal)
    kept = _VARIANTS.get(key)
    if kept is not None and kept[0] is fragment:
        return kept[1]
    variants: dict[str | None, dict[str, Any]] = {
        None: effective_document(fragment, patched, portal=portal, validate=False)
    }
    for quirk in patched:
        others = [q for q in patched if q.id != quirk.id]
        variants[quirk.id] = effective_document(fragment, others, portal=portal, validate=False)
    _VARIANTS[key] = (fragment, variants)
    return variants


def _variant_schemas(
    fragment: Mapping[str, Any], patched: Sequence[Quirk], portal: Portal
) -> dict[str | None, Any]:
    """A schemathesis schema per variant, kept like the variants (building one is slow)."""
    # why: schemathesis is slow to import; judges' constants are read without it
    import schemathesis

    key = _variant_key(fragment, patched, portal)
    kept = _SCHEMAS.get(key)
    if kept is not None and kept[0] is fragment:
        return kept[1]
    schemas = {
        name: schemathesis.openapi.from_dict(copy.deepcopy(doc))
        for name, doc in _variant_documents(fragment, patched, portal).items()
    }
    _SCHEMAS[key] = (fragment, schemas)
    return schemas


class QuirkExplainer:
    """Attribute failures seen under the published contract to ledger entries."""

    def __init__(self, published: Contract) -> None:
        if published.kind is not ContractKind.PUBLISHED:
            raise ValueError("QuirkExplainer needs the published contract")
        self._published = published
        self._patched = tuple(q for q in published.ledger.quirks if q.patch)

    @cached_property
    def _variants(self) -> dict[str | None, dict[str, Any]]:
        return _variant_documents(self._published.document, self._patched, self._published.portal)

    @cached_property
    def _schemas(self) -> dict[str | None, Any]:
        return _variant_schemas(self._published.document, self._patched, self._published.portal)

    def explain(
        self, case: Any, response: Any, failures: Sequence[BaseException]
    ) -> list[Deviation]:
        deviations = []
        for failure in failures:
            check = check_name_of(failure)
            quirks: tuple[str, ...] = ()
            if self._passes(None, check, case, response):
                quirks = tuple(
                    q.id for q in self._patched if not self._passes(q.id, check, case, response)
                )
            deviations.append(
                Deviation(
                    check=check,
                    title=getattr(failure, "title", type(failure).__name__),
                    message=str(getattr(failure, "message", failure)),
                    case_id=str(getattr(case, "id", "")),
                    quirks=quirks,
                )
            )
        return deviations

    def _passes(self, variant: str | None, check: str, case: Any, response: Any) -> bool:
        if check in REQUEST_SIDE_CHECKS:
            valid = self._request_is_valid(variant, case)
            # Rejecting invalid data, or accepting valid data, is what the variant expects.
            return valid if check == "negative_data_rejection" else not valid
        return self._response_passes(variant, check, case, response)

    def _request_is_valid(self, variant: str | None, case: Any) -> bool:
        return request_is_valid(self._schemas[variant][BATCH_READ_PATH][BATCH_READ_METHOD], case)

    def _response_passes(self, variant: str | None, check: str, case: Any, response: Any) -> bool:
        # why: schemathesis is slow to import; judges' constants are read without it
        from schemathesis import checks

        function = getattr(checks, check, None)
        if function is None:
            return False
        schema = self._schemas[variant]
        key = _exchange_key(check, case, response)
        memo = _PASSES.setdefault(id(schema), (schema, {}))[1] if key is not None else None
        if memo is not None and key is not None and key in memo:
            return memo[key]
        operation = schema[BATCH_READ_PATH][BATCH_READ_METHOD]
        rebound = operation.Case(
            method=case.method,
            path_parameters=case.path_parameters,
            headers=dict(case.headers or {}),
            query=case.query,
            body=case.body,
            media_type=case.media_type,
        )
        passed = check_exchange(rebound, response, checks=[function]) is None
        if memo is not None and key is not None:
            if len(memo) >= _PASSES_KEPT:
                memo.clear()
            memo[key] = passed
        return passed


# Checks whose verdict is a function of the request and the response alone (no generation
# metadata, no further request, no history): the explainer's trials of them are kept.
_PURE_RESPONSE_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    }
)
# Per variant; an entry holds the response body (shared by the variants): a bounded memory.
_PASSES_KEPT = 1024
# id(variant schema) -> (the schema, kept alive so that its id stays its own; exchange -> passes)
_PASSES: dict[int, tuple[Any, dict[tuple[Any, ...], bool]]] = {}


def _exchange_key(check: str, case: Any, response: Any) -> tuple[Any, ...] | None:
    """What a pure check's verdict on (case, response) depends on, as a key; None for
    other checks. Explaining one deviation tries the check under each variant of the
    contract (~15 trials, a millisecond each); the probe judges every corpus scenario as
    committed and as answered again, mostly the same exchanges, and every gate run in one
    process (a test session) repeats them."""
    if check not in _PURE_RESPONSE_CHECKS:
        return None
    headers = response.headers
    multi = getattr(headers, "multi_items", None)
    response_headers = tuple(multi()) if multi is not None else repr(headers)
    return (
        check,
        repr(
            (
                case.method,
                case.path,
                case.path_parameters,
                case.headers,
                case.query,
                case.body,
                case.media_type,
            )
        ),
        response.status_code,
        response_headers,
        bytes(response.content),
    )
