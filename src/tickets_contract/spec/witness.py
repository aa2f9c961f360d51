"""What one answer says about the ledger: each entry it confirms or refutes.

The ledger's assumed and reported entries are bets on the live API. A live answer, from
``tickets-contract record --target live`` or from the gate's quirk probe, settles some
of them: each witness below looks at one recorded exchange and answers ``confirmed``,
``refuted``, or nothing when the exchange does not bear on the entry. ``witness`` folds
them over many exchanges: one refutation refutes; otherwise one confirmation confirms.

Witnesses are judges: they never import the twin, so they condemn a twin, a cassette
or the live API alike. Entries without a witness (``UNWITNESSED``) need an exchange no
scenario sends, or more than one answer to decide.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tickets_contract.cassettes.format import Cassette, RecordedRequest, RecordedResponse
from tickets_contract.hubspot import (
    ALWAYS_INCLUDED_PROPERTIES,
    CORRELATION_ID_HEADER,
    CREATED_PROPERTY,
    MAX_INPUTS,
    MAX_INPUTS_WITH_HISTORY,
    MODIFIED_PROPERTY,
    NOT_FOUND_MESSAGE,
    OBJECT_ID_PROPERTY,
    TICKETS_OBJECT_TYPE_ID,
)
from tickets_contract.spec.ledger import Confidence, Ledger

__all__ = [
    "WITNESSES",
    "Verdict",
    "Witnessed",
    "render_settled",
    "settled",
    "witness",
    "witness_cassettes",
]


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"


@dataclass(frozen=True, slots=True, kw_only=True)
class Witnessed:
    """An entry's verdict, and the exchange that gave it (``cassette#interaction``)."""

    verdict: Verdict
    where: str
    why: str


_ENVELOPE = ("completedAt", "status", "startedAt", "results", "errors", "numErrors")
_RESULT = ("id", "properties", "propertiesWithHistory", "createdAt", "updatedAt", "archived")
_URL = re.compile(
    r"^https://app(?:-[a-z0-9]+)?\.hubspot\.com/contacts/\d+/record/"
    rf"{re.escape(TICKETS_OBJECT_TYPE_ID)}/(\d+)$"
)
_CORRELATION_HEADER = CORRELATION_ID_HEADER.lower()
_ALLOWED_ERROR_KEYS = frozenset({"status", "category", "message", "context"})
_RATE_HEADERS = (
    "x-hubspot-ratelimit-interval-milliseconds",
    "x-hubspot-ratelimit-max",
    "x-hubspot-ratelimit-remaining",
)
_FRACTIONLESS = re.compile(r"T\d\d:\d\d:\d\dZ$")


@dataclass(frozen=True, slots=True)
class _Exchange:
    request: RecordedRequest
    response: RecordedResponse

    @property
    def body(self) -> Mapping[str, Any]:
        return self.request.json if isinstance(self.request.json, dict) else {}

    @property
    def answer(self) -> Mapping[str, Any]:
        return self.response.json if isinstance(self.response.json, dict) else {}

    @property
    def batch(self) -> bool:
        return self.response.status in (200, 207) and isinstance(self.answer.get("results"), list)

    @property
    def results(self) -> list[Mapping[str, Any]]:
        results = self.answer.get("results") if self.batch else None
        return [r for r in results or () if isinstance(r, dict)]

    @property
    def inputs(self) -> list[Any]:
        inputs = self.body.get("inputs")
        return inputs if isinstance(inputs, list) else []

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        errors = self.answer.get("errors") if self.batch else None
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


Outcome = tuple[Verdict, str] | None
Witness = Callable[[_Exchange], Outcome]


def _is(condition: bool, confirmed: str, refuted: str) -> Outcome:
    return (Verdict.CONFIRMED, confirmed) if condition else (Verdict.REFUTED, refuted)


def _missing_inputs(x: _Exchange) -> Outcome:
    if x.request.text is not None or x.body.get("inputs") is not None or not x.body:
        return None
    empty = x.batch and x.answer.get("results") == [] and x.response.status == 200
    return _is(empty, "200 with no results", f"answered {x.response.status}")


def _empty_inputs(x: _Exchange) -> Outcome:
    if x.body.get("inputs") != []:
        return None
    empty = x.response.status == 200 and x.answer.get("results") == []
    return _is(empty, "200 with no results", f"answered {x.response.status}")


def _result_url(x: _Exchange) -> Outcome:
    if not x.results:
        return None
    for result in x.results:
        match = _URL.match(str(result.get("url", "")))
        if match is None or match.group(1) != result.get("id"):
            return (Verdict.REFUTED, f"result {result.get('id')} has url {result.get('url')!r}")
    return (Verdict.CONFIRMED, "every result has its record page url")


def _envelope_order(x: _Exchange) -> Outcome:
    if not x.batch:
        return None
    keys = [k for k in x.answer if k in _ENVELOPE]
    expected = [k for k in _ENVELOPE if k in x.answer]
    return _is(keys == expected, "keys in the recorded order", f"keys came as {keys}")


def _result_order(x: _Exchange) -> Outcome:
    if not x.results:
        return None
    for result in x.results:
        keys = [k for k in result if k in _RESULT]
        if keys != [k for k in _RESULT if k in result] or (
            "url" in result and list(result)[-1] != "url"
        ):
            return (Verdict.REFUTED, f"result keys came as {list(result)}")
    return (Verdict.CONFIRMED, "result keys in the recorded order")


def _rate_headers(x: _Exchange) -> Outcome:
    if not x.batch:
        return None
    missing = [h for h in _RATE_HEADERS if h not in x.response.headers]
    return _is(not missing, "rate-limit headers on a 2xx", f"no {', '.join(missing)}")


def _parse_error_category(x: _Exchange) -> Outcome:
    message = str(x.answer.get("message", ""))
    if x.response.status != 400 or not message.startswith("Invalid input JSON"):
        return None
    if "Some required fields were not set" in message:
        return None
    return _is("category" not in x.answer, "no category", f"category {x.answer.get('category')}")


def _uuid_version(text: Any) -> int | None:
    try:
        parsed = uuid.UUID(str(text))
    except ValueError:
        return None
    return None if parsed.int == 0 or parsed.int >> 76 == 0 else parsed.version


def _correlation_uuid7(x: _Exchange) -> Outcome:
    # Recordings replace correlation ids by a placeholder that keeps only the version.
    value = x.response.headers.get(_CORRELATION_HEADER, x.answer.get("correlationId"))
    version = _uuid_version(value) if value is not None else None
    if version is None:
        return None
    return _is(version == 7, "a UUIDv7", f"a UUIDv{version}")


def _cleared_empty(x: _Exchange) -> Outcome:
    for result in x.results:
        properties = result.get("properties")
        if isinstance(properties, dict) and "" in properties.values():
            return (Verdict.CONFIRMED, f'result {result.get("id")} has a property ""')
    return None


def _histories(x: _Exchange) -> Iterable[tuple[str, list[Any]]]:
    for result in x.results:
        history = result.get("propertiesWithHistory")
        if isinstance(history, dict):
            for name, entries in history.items():
                if isinstance(entries, list):
                    yield f"{result.get('id')}.{name}", entries


def _calculated_source(x: _Exchange) -> Outcome:
    calculated = [
        e
        for _, entries in _histories(x)
        for e in entries
        if isinstance(e, dict) and e.get("sourceType") == "CALCULATED"
    ]
    if not calculated:
        return None
    with_id = sum(1 for e in calculated if "sourceId" in e)
    return _is(
        with_id * 2 >= len(calculated),
        f"{with_id} of {len(calculated)} CALCULATED entries carry a sourceId",
        f"only {with_id} of {len(calculated)} CALCULATED entries carry a sourceId",
    )


def _newest_first(x: _Exchange) -> Outcome:
    seen = False
    for where, entries in _histories(x):
        stamps = [str(e.get("timestamp")) for e in entries if isinstance(e, dict)]
        if len(stamps) >= 2:
            seen = True
            if stamps != sorted(stamps, reverse=True):
                return (Verdict.REFUTED, f"{where} is not newest first")
    return (Verdict.CONFIRMED, "every history newest first") if seen else None


def _all_missing(x: _Exchange) -> Outcome:
    if not x.inputs or x.response.status not in (207, 404):
        return None
    if x.response.status == 404:
        return (Verdict.REFUTED, "answered 404")
    if x.answer.get("results") != []:
        return None
    return (Verdict.CONFIRMED, "207 with results []")


def _duplicates(x: _Exchange) -> Outcome:
    ids = [str(i.get("id")) for i in x.inputs if isinstance(i, dict)]
    by_record = x.body.get("idProperty") in (None, OBJECT_ID_PROPERTY)
    if len(ids) == len(set(ids)) or not by_record:
        return None
    if x.response.status == 400:
        return (Verdict.REFUTED, "answered 400")
    if not x.batch:
        return None
    result_ids = [r.get("id") for r in x.results]
    return _is(
        len(result_ids) == len(set(result_ids)),
        "each record once",
        "a record came back twice",
    )


def _multi_status(x: _Exchange) -> Outcome:
    if not x.batch:
        return None
    if x.errors:
        return _is(x.response.status == 207, "207 with errors", f"{x.response.status} with errors")
    return None


def _aggregated(x: _Exchange) -> Outcome:
    if not x.errors:
        return None
    ok = (
        len(x.errors) == 1
        and x.errors[0].get("category") == "OBJECT_NOT_FOUND"
        and isinstance(x.errors[0].get("context", {}).get("ids"), list)
        and x.answer.get("numErrors") == 1
    )
    return _is(ok, "one OBJECT_NOT_FOUND entry, numErrors 1", f"{len(x.errors)} error entries")


def _error_keys(x: _Exchange) -> Outcome:
    if not x.errors:
        return None
    extra = sorted({k for e in x.errors for k in e} - _ALLOWED_ERROR_KEYS)
    return _is(not extra, "entries hold status, category, message, context", f"also {extra}")


def _not_found_wording(x: _Exchange) -> Outcome:
    if not x.errors:
        return None
    message = x.errors[0].get("message")
    return _is(message == NOT_FOUND_MESSAGE, "the TICKET wording", f"{message!r}")


def _limit(limit: int, with_history: bool) -> Witness:
    def check(x: _Exchange) -> Outcome:
        history = bool(x.body.get("propertiesWithHistory"))
        count = len(x.inputs)
        if history != with_history or count <= limit or (with_history and count > MAX_INPUTS):
            return None
        return _is(x.response.status == 400, "400", f"answered {x.response.status}")

    return check


def _empty_history_limit(x: _Exchange) -> Outcome:
    if (
        x.body.get("propertiesWithHistory") != []
        or not MAX_INPUTS_WITH_HISTORY < len(x.inputs) <= MAX_INPUTS
    ):
        return None
    return _is(x.response.status != 400, "no 400", "answered 400")


def _nulls(x: _Exchange) -> Outcome:
    for result in x.results:
        properties = result.get("properties")
        if isinstance(properties, dict) and None in properties.values():
            return (Verdict.CONFIRMED, f"result {result.get('id')} has a null property")
    return None


def _sorted_keys(x: _Exchange) -> Outcome:
    if not x.results:
        return None
    for result in x.results:
        properties = result.get("properties")
        if isinstance(properties, dict) and list(properties) != sorted(properties):
            return (Verdict.REFUTED, f"result {result.get('id')} properties unsorted")
    return (Verdict.CONFIRMED, "property keys sorted")


def _always_included(x: _Exchange) -> Outcome:
    if not x.results:
        return None
    for result in x.results:
        properties = result.get("properties")
        if not isinstance(properties, dict) or not {
            OBJECT_ID_PROPERTY,
            MODIFIED_PROPERTY,
        } <= set(properties):
            return (Verdict.REFUTED, f"result {result.get('id')} lacks hs_object_id or modified")
    return (Verdict.CONFIRMED, "hs_object_id and hs_lastmodifieddate in every result")


def _createdate(x: _Exchange) -> Outcome:
    asked = x.body.get("properties")
    if not x.results or not isinstance(asked, list) or not asked or CREATED_PROPERTY in asked:
        return None
    present = all(CREATED_PROPERTY in (r.get("properties") or {}) for r in x.results)
    return _is(present, "createdate without asking", "no createdate unless asked")


def _history_only(x: _Exchange) -> Outcome:
    asked = x.body.get("properties")
    history = x.body.get("propertiesWithHistory")
    if not x.results or not isinstance(asked, list) or not asked or not history:
        return None
    only = set(history) - set(asked) - set(ALWAYS_INCLUDED_PROPERTIES)
    shown = {n for r in x.results for n in (r.get("properties") or {})}
    return _is(not (only & shown), "history-only names not in properties", f"{only & shown}")


def _status_complete(x: _Exchange) -> Outcome:
    if not x.batch:
        return None
    return _is(x.answer.get("status") == "COMPLETE", "COMPLETE", str(x.answer.get("status")))


def _lists_optional(x: _Exchange) -> Outcome:
    if not x.inputs or ("properties" in x.body and "propertiesWithHistory" in x.body):
        return None
    if x.response.status == 400:
        return (Verdict.REFUTED, "a body without a property list was refused")
    return (Verdict.CONFIRMED, "accepted") if x.batch else None


def _error_status_field(x: _Exchange) -> Outcome:
    if x.response.status < 400 or not x.answer:
        return None
    return _is(x.answer.get("status") == "error", '"status": "error"', "no status field")


def _error_content_type(x: _Exchange) -> Outcome:
    if x.response.status < 400 or not x.answer:
        return None
    kind = x.response.headers.get("content-type", "")
    return _is(kind.startswith("application/json"), kind, kind or "no content type")


def _instants(x: _Exchange) -> Outcome:
    stamps = [str(x.answer.get(k, "")) for k in ("startedAt", "completedAt")]
    stamps += [str(r.get(k, "")) for r in x.results for k in ("createdAt", "updatedAt")]
    if any(s.endswith(".000Z") for s in stamps):
        return (Verdict.REFUTED, "a .000 fraction was written")
    if any(_FRACTIONLESS.search(s) for s in stamps):
        return (Verdict.CONFIRMED, "an instant without a fraction")
    return None


def _id_property_message(x: _Exchange) -> Outcome:
    name = x.body.get("idProperty")
    message = str(x.answer.get("message", ""))
    if x.response.status != 400 or not isinstance(name, str) or "maximum number" in message:
        return None
    return _is(message.startswith("Unable to perform read by"), "the assumed words", message)


def _non_numeric(x: _Exchange) -> Outcome:
    if x.body.get("idProperty") not in (None, OBJECT_ID_PROPERTY):
        return None
    odd = [
        i.get("id")
        for i in x.inputs
        if isinstance(i, dict) and isinstance(i.get("id"), str) and not i["id"].isdigit()
    ]
    if not odd:
        return None
    if x.response.status == 400:
        return (Verdict.REFUTED, "a non-numeric id was refused")
    listed = {i for e in x.errors for i in (e.get("context") or {}).get("ids", [])}
    return _is(set(odd) <= listed, "listed missing", "not listed missing") if x.batch else None


WITNESSES: Mapping[str, Witness] = {
    "missing-inputs-empty-answer": _missing_inputs,
    "empty-inputs": _empty_inputs,
    "result-url": _result_url,
    "envelope-key-order": _envelope_order,
    "result-key-order": _result_order,
    "rate-limit-headers-on-every-answer": _rate_headers,
    "parse-error-without-category": _parse_error_category,
    "correlation-id-uuid7": _correlation_uuid7,
    "cleared-properties-empty-string": _cleared_empty,
    "calculated-history-source-id": _calculated_source,
    "history-newest-first": _newest_first,
    "all-missing-answer": _all_missing,
    "duplicate-ids": _duplicates,
    "multi-status-on-read": _multi_status,
    "aggregated-not-found-error": _aggregated,
    "standard-error-optional-fields": _error_keys,
    "ticket-not-found-wording": _not_found_wording,
    "batch-input-limit": _limit(MAX_INPUTS, False),
    "history-input-limit": _limit(MAX_INPUTS_WITH_HISTORY, True),
    "empty-history-list-keeps-100-limit": _empty_history_limit,
    "null-property-values": _nulls,
    "property-keys-sorted": _sorted_keys,
    "always-included-properties": _always_included,
    "createdate-always-included": _createdate,
    "history-only-properties": _history_only,
    "status-enum-spelling": _status_complete,
    "request-property-lists-optional": _lists_optional,
    "error-body-status-field": _error_status_field,
    "error-content-type": _error_content_type,
    "instant-drops-zero-millis": _instants,
    "idproperty-non-unique-message": _id_property_message,
    "non-numeric-ids-not-found": _non_numeric,
}


def witness(
    exchanges: Iterable[tuple[str, RecordedRequest, RecordedResponse]],
    quirk_ids: Sequence[str] | None = None,
) -> dict[str, Witnessed]:
    """Each entry's verdict over ``exchanges`` (``(where, request, response)``).

    One refutation refutes; otherwise the first confirmation confirms. Entries no
    exchange bears on are left out.
    """
    chosen = [q for q in (quirk_ids or list(WITNESSES)) if q in WITNESSES]
    verdicts: dict[str, Witnessed] = {}
    for where, request, response in exchanges:
        exchange = _Exchange(request, response)
        for quirk in chosen:
            if verdicts.get(quirk, None) is not None and (
                verdicts[quirk].verdict is Verdict.REFUTED
            ):
                continue
            outcome = WITNESSES[quirk](exchange)
            if outcome is None:
                continue
            verdict, why = outcome
            if verdict is Verdict.REFUTED or quirk not in verdicts:
                verdicts[quirk] = Witnessed(verdict=verdict, where=where, why=why)
    return verdicts


def witness_cassettes(
    cassettes: Iterable[Cassette], quirk_ids: Sequence[str] | None = None
) -> dict[str, Witnessed]:
    """``witness`` over every interaction of ``cassettes``, each named by its file."""
    return witness(
        (
            (f"{c.label}#interactions[{n}]", i.request, i.response)
            for c in cassettes
            for n, i in enumerate(c.interactions)
        ),
        quirk_ids,
    )


def settled(ledger: Ledger, witnessed: Mapping[str, Witnessed]) -> dict[str, str]:
    """For each assumed or reported entry: what the answers said, in a few words.

    ``confirmed: <why> (<where>)``, ``refuted: <why> (<where>)``, or ``not witnessed``.
    """
    lines: dict[str, str] = {}
    for quirk in ledger.quirks:
        if quirk.confidence is Confidence.OBSERVED:
            continue
        seen = witnessed.get(quirk.id)
        if seen is None:
            lines[quirk.id] = "not witnessed"
        else:
            lines[quirk.id] = f"{seen.verdict.value}: {seen.why} ({seen.where})"
    return lines


def render_settled(ledger: Ledger, witnessed: Mapping[str, Witnessed]) -> list[str]:
    """The lines a report prints: refuted first, then confirmed, then a count of the rest."""
    verdicts = settled(ledger, witnessed)
    lines = ["the target's answers against the ledger's assumed and reported entries:"]
    for word in ("refuted", "confirmed"):
        for quirk_id, text in verdicts.items():
            if text.startswith(word):
                confidence = ledger[quirk_id].confidence.value
                lines.append(f"  {quirk_id:<40} ({confidence}) {text}")
    silent = [q for q, text in verdicts.items() if text == "not witnessed"]
    if silent:
        lines.append(f"  not witnessed by these answers: {', '.join(silent)}")
    return lines
