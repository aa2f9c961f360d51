"""Invariants: what every batch-read answer must satisfy, whoever gave it.

Each invariant is a schemathesis check, ``(ctx, response, case) -> None``, that judges
one exchange from the request and the answer alone: the same code condemns the twin, a
cassette or the live API (the design rule: "Judges never import the twin"). They are *not*
registered with ``@schemathesis.check``, which would add them to every schemathesis test
in the user's process; ``INVARIANTS`` is passed as ``additional_checks=`` by the gate.

They judge 200 and 207 answers to positive-mode batch reads whose body is an object
with an ``inputs`` list of ``{"id": <string>}``; anything else is left to the schema
checks. A 404 for an all-missing batch (quirk all-missing-answer, the alternative the
twin offers with ``all_missing_status=404``) is therefore not judged here.

Each returns ``NOT_APPLICABLE`` when the exchange gives it nothing to judge (no answer
it reads, no results, no history...) and ``HELD`` when it judged the exchange and the
rule held, so that the gate counts on how many exchanges each rule was really
evaluated (a run that evaluated one zero times is inconclusive, not a pass).

A violation raises ``InvariantViolation``, whose title names the invariant;
``judges.check_name_of`` reports the invariant's name as the check.

A new invariant is one function under ``@invariant(...)``: its name is the function's
name (the name the gate's ``--tc-checks``, its counters and docs/RULES.md use), its body
judges a parsed ``ReadExchange`` and returns ``HELD``, ``NOT_APPLICABLE`` or the
violation's message; the declaration parses the exchange, skips what the rule does not
apply to (``needs=``), raises the violation and adds the rule to ``INVARIANTS``.

Ids. Without ``idProperty`` (or with ``hs_object_id``) an input is a record id, which
HubSpot reads as a Java ``long``: ``"017000000934"`` finds record ``17000000934``. Inputs
and result ids are compared by numeric value when they are numbers, so an answer that
normalises ids is not condemned (and neither is one that does not). With a unique-value
``idProperty`` the inputs are property values: results map back through
``properties[idProperty]`` only when that property was requested (S19), else
only counts can be compared.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import update_wrapper
from typing import Any, ClassVar, TypeVar, overload

from schemathesis.core.failures import Failure, Severity

from tickets_contract.hubspot import (
    ALWAYS_INCLUDED_PROPERTIES,
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    CORRELATION_ID_HEADER,
    CREATED_PROPERTY,
    DEFAULT_PROPERTIES,
    MODIFIED_PROPERTY,
    OBJECT_ID_PROPERTY,
)

__all__ = [
    "ALWAYS_INCLUDED_PROPERTIES",
    "DEFAULT_PROPERTIES",
    "HELD",
    "INVARIANTS",
    "NOT_APPLICABLE",
    "OBJECT_ID_PROPERTY",
    "Check",
    "InvariantViolation",
    "ReadExchange",
    "Verdict",
    "always_included_properties_returned",
    "archived_consistent",
    "batch_status_complete",
    "batch_times_ordered",
    "correlation_id_matches_header",
    "history_keys_as_asked",
    "history_newest_first",
    "inputs_accounted_for",
    "invariant",
    "no_duplicate_results",
    "no_unrequested_results",
    "not_found_errors_list_ids",
    "num_errors_consistent",
    "properties_within_requested",
    "record_key",
    "requested_properties_in_every_result",
    "result_ids_are_record_ids",
    "status_matches_errors",
    "timestamps_in_utc",
    "timestamps_match_properties",
]

Check = Callable[[Any, Any, Any], "bool | None"]
"""A schemathesis check: ``(ctx, response, case)``, raising a ``Failure`` on a violation."""

NOT_APPLICABLE = True
"""What a rule returns when the exchange gives it nothing to judge (schemathesis reads a
check's ``True`` as "skipped")."""
HELD = False
"""What a rule returns when it judged the exchange and the rule held. The gate counts a
rule as evaluated on an exchange when it returned ``HELD`` or raised; a rule that
returns ``None`` is never counted, so a new rule must say which it did."""

Verdict = bool | str
"""What an invariant's body returns: ``HELD``, ``NOT_APPLICABLE``, or the message of its
violation (the declaration raises ``InvariantViolation`` with it, under the rule's name)."""

_SUCCESS_STATUSES = frozenset({200, 207})
_JAVA_LONG = re.compile(r"([+-]?)0*([0-9]+)")
_LISTED = 10


class InvariantViolation(Failure):
    """An answer broke the invariant named ``invariant``."""

    kind_title: ClassVar[str] = "Invariant violated"
    label: ClassVar[str] = "Invariant violated"

    __slots__ = ("invariant",)

    def __init__(
        self, *, invariant: str, message: str, operation: str | None, case_id: str | None = None
    ) -> None:
        super().__init__(
            operation=operation,
            title=f"{self.label}: {invariant}",
            message=message,
            case_id=case_id,
            severity=Severity.HIGH,
        )
        self.invariant = invariant

    @property
    def _unique_key(self) -> str:
        # schemathesis keeps one failure per class and key: one per invariant, not one in all.
        return self.invariant


def record_key(raw: str) -> str:
    """``raw`` as HubSpot reads a record id: a number's canonical digits, else ``raw``.

    ``Long.parseLong`` takes a sign and leading zeros (quirk non-numeric-ids-not-found;
    S21), so ``"+017"`` and ``"17"`` name the same record.
    """
    match = _JAVA_LONG.fullmatch(raw)
    if match is None:
        return raw
    sign, digits = match.groups()
    return f"-{digits}" if sign == "-" and digits != "0" else digits


def _names(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(name for name in value if isinstance(name, str))


def _archived_query(query: Mapping[str, Any] | None) -> bool:
    # The spec: archived is a boolean query parameter, default false. Positive-mode values
    # arrive as a bool or its text.
    return str((query or {}).get("archived", "false")).lower() == "true"


def _shown(values: Iterable[object]) -> str:
    items = list(values)
    shown = ", ".join(repr(item) for item in items[:_LISTED])
    more = f", ... ({len(items) - _LISTED} more)" if len(items) > _LISTED else ""
    return f"[{shown}{more}]"


def _per_record(names: Mapping[str, Sequence[str]]) -> str:
    """``{id: [names]}`` as ``id [names]; ...``, the ids first in the message."""
    shown = [f"{record} {_shown(listed)}" for record, listed in list(names.items())[:_LISTED]]
    more = f"; ... ({len(names) - _LISTED} more)" if len(names) > _LISTED else ""
    return "; ".join(shown) + more


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadExchange:
    """One batch read and its 200/207 answer, parsed for the invariants and relations.

    Build it with ``ReadExchange.parse`` (raw request and answer) or ``ReadExchange.of``
    (a schemathesis case and response); both return ``None`` for exchanges the
    invariants do not judge.
    """

    body: Mapping[str, Any]
    query: Mapping[str, Any]
    status: int
    payload: Mapping[str, Any]
    inputs: tuple[str, ...]
    id_property: str | None
    properties: tuple[str, ...] | None
    with_history: tuple[str, ...]
    archived: bool
    results: tuple[Mapping[str, Any], ...]
    errors: tuple[Mapping[str, Any], ...]

    @classmethod
    def parse(
        cls, body: Any, query: Mapping[str, Any] | None, status: int, payload: Any
    ) -> ReadExchange | None:
        if status not in _SUCCESS_STATUSES or not isinstance(body, dict):
            return None
        raw_inputs = body.get("inputs")
        if not isinstance(raw_inputs, list):
            return None
        inputs = []
        for item in raw_inputs:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                return None
            inputs.append(item["id"])
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            return None
        results = tuple(r for r in payload["results"] if isinstance(r, dict))
        raw_errors = payload.get("errors")
        errors = tuple(e for e in raw_errors if isinstance(e, dict)) if raw_errors else ()
        id_property = body.get("idProperty")
        return cls(
            body=body,
            query=dict(query or {}),
            status=status,
            payload=payload,
            inputs=tuple(inputs),
            id_property=id_property if isinstance(id_property, str) else None,
            properties=_names(body.get("properties")),
            with_history=_names(body.get("propertiesWithHistory")) or (),
            archived=_archived_query(query),
            results=results,
            errors=errors,
        )

    @classmethod
    def of(cls, case: Any, response: Any) -> ReadExchange | None:
        if not _is_batch_read(case):
            return None
        meta = getattr(case, "meta", None)
        if meta is not None and meta.generation.mode.is_negative:
            return None
        if response.status_code not in _SUCCESS_STATUSES:
            return None
        try:
            payload = response.json()
        except ValueError:
            return None
        return cls.parse(case.body, case.query, response.status_code, payload)

    @property
    def by_record_id(self) -> bool:
        """Whether inputs are record ids (no idProperty, or hs_object_id)."""
        return self.id_property in (None, OBJECT_ID_PROPERTY)

    @property
    def distinct_inputs(self) -> tuple[str, ...]:
        # Quirk duplicate-ids: "Believed to answer each distinct input once".
        return tuple(dict.fromkeys(self.inputs))

    @property
    def listed_missing(self) -> tuple[str, ...]:
        """Every id listed in an error's ``context.ids``, repeats kept, as sent."""
        listed: list[str] = []
        for error in self.errors:
            context = error.get("context")
            ids = context.get("ids") if isinstance(context, dict) else None
            if isinstance(ids, list):
                listed.extend(str(item) for item in ids)
        return tuple(listed)

    @property
    def result_ids(self) -> tuple[str, ...]:
        return tuple(str(result.get("id")) for result in self.results)

    @property
    def maps_by_value(self) -> bool:
        """Whether results map back to unique-value inputs: the property was requested
        in ``properties`` and came back in every result."""
        name = self.id_property
        return (
            not self.by_record_id
            and name is not None
            and name in (self.properties or ())
            and all(name in _properties(result) for result in self.results)
        )

    def answered_as(self, result: Mapping[str, Any]) -> str:
        """The input ``result`` answers, as ``input_key`` spells it."""
        if self.by_record_id:
            return record_key(str(result.get("id")))
        return str(_properties(result).get(self.id_property or "")).casefold()

    def input_key(self, raw: str) -> str:
        """``raw`` as the answer may spell it: a record key, or a casefolded value.

        No source shows whether unique-value matching is case-sensitive, so an
        answer that matches values case-insensitively is not condemned for it.
        """
        return record_key(raw) if self.by_record_id else raw.casefold()


def _is_batch_read(case: Any) -> bool:
    return bool(case.method.upper() == BATCH_READ_METHOD and case.path == BATCH_READ_PATH)


def _violation(invariant: str, message: str, case: Any) -> InvariantViolation:
    operation = getattr(getattr(case, "operation", None), "label", None)
    return InvariantViolation(
        invariant=invariant,
        message=message,
        operation=operation or f"{BATCH_READ_METHOD} {BATCH_READ_PATH}",
        case_id=getattr(case, "id", None),
    )


def _keyed(exchange: ReadExchange) -> list[tuple[str, Mapping[str, Any]]]:
    return [(str(result.get("id")), result) for result in exchange.results]


def _names_by_record(
    exchange: ReadExchange, names: Callable[[Mapping[str, Any]], Iterable[str]]
) -> dict[str, list[str]]:
    """``{result id: sorted names}`` for the results where ``names`` finds any."""
    found = {record: sorted(names(result)) for record, result in _keyed(exchange)}
    return {record: listed for record, listed in found.items() if listed}


def _properties(result: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = result.get("properties")
    return properties if isinstance(properties, dict) else {}


def _history(result: Mapping[str, Any]) -> Mapping[str, Any]:
    history = result.get("propertiesWithHistory")
    return history if isinstance(history, dict) else {}


# --- declaring an invariant -------------------------------------------------------------

_T = TypeVar("_T")
_DECLARED: dict[str, Check] = {}


@overload
def invariant(
    *, needs: Callable[[ReadExchange], bool] | None = None
) -> Callable[[Callable[[ReadExchange], Verdict]], Check]: ...
@overload
def invariant(
    *, reads: Callable[[Any, Any], _T | None], needs: Callable[[_T], bool] | None = None
) -> Callable[[Callable[[_T], Verdict]], Check]: ...
def invariant(
    *,
    reads: Callable[[Any, Any], Any] = ReadExchange.of,
    needs: Callable[[Any], bool] | None = None,
) -> Callable[[Callable[[Any], Verdict]], Check]:
    """Declare the function below as an invariant, named by the function's name.

    The body judges what ``reads`` makes of ``(case, response)`` (a ``ReadExchange`` by
    default) and returns ``HELD``, ``NOT_APPLICABLE`` or its violation's message. The
    declaration turns it into a schemathesis check: ``NOT_APPLICABLE`` when ``reads``
    gives nothing or ``needs`` says the exchange has nothing for the rule, and a message
    raised as ``InvariantViolation`` under the rule's name. ``INVARIANTS`` lists every
    declared rule in the order of declaration; a name declared twice is refused.
    """

    def declare(rule: Callable[[Any], Verdict]) -> Check:
        name = rule.__name__
        if name in _DECLARED:
            raise ValueError(f"invariant {name!r} is declared twice")

        def check(ctx: Any, response: Any, case: Any) -> bool:
            judged = reads(case, response)
            if judged is None or (needs is not None and not needs(judged)):
                return NOT_APPLICABLE
            verdict = rule(judged)
            if isinstance(verdict, str):
                raise _violation(name, verdict, case)
            return verdict

        update_wrapper(check, rule)
        _DECLARED[name] = check
        return check

    return declare


def _has_inputs(exchange: ReadExchange) -> bool:
    return bool(exchange.inputs)


def _has_results(exchange: ReadExchange) -> bool:
    return bool(exchange.results)


def _has_two_results(exchange: ReadExchange) -> bool:
    return len(exchange.results) >= 2


def _has_errors(exchange: ReadExchange) -> bool:
    return bool(exchange.errors)


def _has_history(exchange: ReadExchange) -> bool:
    return any(_history(result) for result in exchange.results)


# --- the invariants ---------------------------------------------------------------------


@invariant(needs=_has_inputs)
def inputs_accounted_for(exchange: ReadExchange) -> Verdict:
    """Every distinct input is returned or listed as missing, exactly once.

    Quirk aggregated-not-found-error: "All missing inputs are listed in `context.ids` of
    a single OBJECT_NOT_FOUND entry (as sent, also for idProperty values)"; S9, U1, S21.
    Quirk duplicate-ids: a repeated input is answered once.
    """
    inputs = exchange.distinct_inputs
    listed = exchange.listed_missing
    problems = []
    not_sent = [raw for raw in dict.fromkeys(listed) if raw not in inputs]
    if not_sent:
        problems.append(f"Listed as missing but never sent: {_shown(not_sent)}")
    repeated = [raw for raw, count in Counter(listed).items() if count > 1]
    if repeated:
        problems.append(f"Listed as missing more than once: {_shown(repeated)}")
    missing = set(listed)
    if exchange.by_record_id or exchange.maps_by_value:
        answered = {exchange.answered_as(result) for result in exchange.results}
        unaccounted = [
            raw for raw in inputs if raw not in missing and exchange.input_key(raw) not in answered
        ]
        if unaccounted:
            problems.append(f"Neither returned nor listed as missing: {_shown(unaccounted)}")
        # Exact spelling only: an API that does not normalise "017" may report it missing
        # while "17" is found.
        exact = {str(result.get("id")) for result in exchange.results}
        if not exchange.by_record_id:
            exact = {str(_properties(r).get(exchange.id_property or "")) for r in exchange.results}
        both = [raw for raw in inputs if raw in missing and raw in exact]
        if both:
            problems.append(f"Both returned and listed as missing: {_shown(both)}")
    else:
        # Unique values without the property in the answer: only counts compare.
        expected = len([raw for raw in inputs if raw not in missing])
        found = len(set(exchange.result_ids))
        if found < expected:
            problems.append(
                f"{expected - found} of the inputs not listed as missing were not returned: "
                f"{expected} expected, {found} distinct results for {exchange.id_property}"
                f" values {_shown(inputs)} (missing: {_shown(listed)})"
            )
    if problems:
        return (
            "\n".join(problems)
            + f"\n\nExpected: each of the inputs {_shown(inputs)} in `results` or in an "
            "error's context.ids, exactly once\n"
            f"Received: results {_shown(exchange.result_ids)}, listed missing {_shown(listed)}"
        )
    return HELD


@invariant(needs=_has_results)
def no_unrequested_results(exchange: ReadExchange) -> Verdict:
    """Nothing is returned that was not asked for.

    The operation "reads a batch of tickets by internal ID or unique property values"
    (spec summary); a result answers one of the inputs.
    """
    keys = {exchange.input_key(raw) for raw in exchange.inputs}
    if exchange.by_record_id or exchange.maps_by_value:
        extra = [
            str(result.get("id"))
            for result in exchange.results
            if exchange.answered_as(result) not in keys
        ]
        if extra:
            what = "ids" if exchange.by_record_id else f"{exchange.id_property} values"
            return (
                f"Results that answer no input: {_shown(dict.fromkeys(extra))}\n\n"
                f"Expected: results whose {what} are among the inputs {_shown(sorted(keys))}\n"
                f"Received: {_shown(exchange.answered_as(r) for r in exchange.results)}"
            )
        return HELD
    missing = set(exchange.listed_missing)
    expected = len([raw for raw in exchange.distinct_inputs if raw not in missing])
    found = set(exchange.result_ids)
    if len(found) > expected:
        return (
            f"More records than inputs found: {len(found)} distinct results for "
            f"{expected} {exchange.id_property} values not listed as missing\n\n"
            f"Expected: at most {expected} results for inputs {_shown(exchange.inputs)}\n"
            f"Received: results {_shown(sorted(found))}"
        )
    return HELD


@invariant()
def status_matches_errors(exchange: ReadExchange) -> Verdict:
    """207 exactly when there are errors; 200 exactly when there are none.

    Quirk multi-status-on-read: "Answers 207 whenever at least one input was not found";
    S1, S10: "Success is HTTP 200 when every input was found". An empty ``errors``
    list in a 200 is tolerated (the associations endpoint emits one, S14).
    """
    has_errors = bool(exchange.errors)
    if has_errors != (exchange.status == 207):
        expected = 207 if has_errors else 200
        return (
            f"Expected: status {expected} for an answer with {len(exchange.errors)} error "
            f"entries\nReceived: status {exchange.status}, errors "
            f"{_shown(e.get('category') for e in exchange.errors)}"
        )
    return HELD


@invariant()
def num_errors_consistent(exchange: ReadExchange) -> Verdict:
    """``numErrors`` is present when there are errors and counts the error entries.

    Spec: numErrors is "the number of errors"; quirk aggregated-not-found-error:
    "`numErrors` counts entries, so it is 1" (U1, S21: it counts entries, not ids).
    """
    num_errors = exchange.payload.get("numErrors")
    count = len(exchange.errors)
    if ("numErrors" in exchange.payload or count) and num_errors != count:
        return (
            f"Expected: numErrors {count} (the number of entries in `errors`)\n"
            f"Received: numErrors {num_errors!r}"
        )
    return HELD


@invariant(needs=_has_results)
def archived_consistent(exchange: ReadExchange) -> Verdict:
    """Every result's ``archived`` equals the query's, with ``archivedAt`` exactly then.

    Quirk archived-query-exclusive: "archived=false excludes archived tickets (reported
    missing); archived=true finds only archived ones, with archivedAt" (S1, S23).
    """
    wrong = [
        str(result.get("id"))
        for result in exchange.results
        if result.get("archived") is not exchange.archived
        or (result.get("archivedAt") is not None) != exchange.archived
    ]
    if wrong:
        shown = [
            (str(r.get("id")), r.get("archived"), r.get("archivedAt"))
            for r in exchange.results
            if str(r.get("id")) in wrong
        ]
        return (
            f"Results that disagree with archived={str(exchange.archived).lower()}: "
            f"{_shown(wrong)}\n\n"
            f"Expected: archived {exchange.archived}, archivedAt "
            f"{'set' if exchange.archived else 'absent'}\n"
            f"Received (id, archived, archivedAt): {_shown(shown)}"
        )
    return HELD


@invariant(needs=_has_results)
def properties_within_requested(exchange: ReadExchange) -> Verdict:
    """Returned properties are the requested ones (or the default set) plus the always
    included ones.

    Quirk always-included-properties (S6). Names asked for only with history
    are admitted too: quirk history-only-properties is assumed and its sources conflict
    (S21 left them out of ``properties``, S13 had them).
    """
    requested = set(exchange.properties or ()) or set(DEFAULT_PROPERTIES)
    allowed = requested | set(ALWAYS_INCLUDED_PROPERTIES) | set(exchange.with_history)
    extra = _names_by_record(exchange, lambda result: set(_properties(result)) - allowed)
    if extra:
        return (
            f"Unrequested properties returned (result id [names]): {_per_record(extra)}\n\n"
            f"Expected: names within {_shown(sorted(allowed))}\n"
            f"Received: {_per_record({r: sorted(_properties(x)) for r, x in _keyed(exchange)})}"
        )
    return HELD


@invariant(needs=_has_two_results)
def requested_properties_in_every_result(exchange: ReadExchange) -> Verdict:
    """A property returned for one result is present, ``null`` if empty, in every result.

    Quirk null-property-values: "A requested property that is defined but empty on the
    ticket is returned with the value null" (S6, S22). Whether a name is
    defined on the portal is target knowledge; that one result carries it shows it is.
    """
    returned = {name for result in exchange.results for name in _properties(result)}
    lacking = _names_by_record(exchange, lambda result: returned - set(_properties(result)))
    if lacking:
        return (
            f"Results without properties that other results carry (result id [names]): "
            f"{_per_record(lacking)}\n\n"
            f"Expected: every result with each of {_shown(sorted(returned))} (null when empty)\n"
            f"Received: {_per_record({r: sorted(_properties(x)) for r, x in _keyed(exchange)})}"
        )
    return HELD


@invariant(needs=_has_results)
def history_keys_as_asked(exchange: ReadExchange) -> Verdict:
    """History comes back only for names listed in ``propertiesWithHistory``.

    S13, S21: ``"propertiesWithHistory": {"<prop>": [ValueWithTimestamp, ...]}`` for the
    requested names; nothing asked, no history.
    """
    asked = set(exchange.with_history)
    extra = _names_by_record(exchange, lambda result: set(_history(result)) - asked)
    not_lists = sorted(
        {
            name
            for r in exchange.results
            for name, v in _history(r).items()
            if not isinstance(v, list)
        }
    )
    if extra or not_lists:
        return (
            (f"History not asked for (result id [names]): {_per_record(extra)}\n" if extra else "")
            + (f"History that is not a list: {_shown(not_lists)}\n" if not_lists else "")
            + f"\nExpected: history keys within {_shown(sorted(asked))}, each a list\n"
            f"Received: {_shown(sorted({n for r in exchange.results for n in _history(r)}))}"
        )
    return HELD


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@invariant(needs=_has_history)
def history_newest_first(exchange: ReadExchange) -> Verdict:
    """History lists newest first, its first value the current one.

    Quirk history-newest-first (assumed): "Believed to list history newest first, the
    first entry equal to the current value." Its own invariant, so that a live run that
    refutes the belief names it and nothing else.
    """
    problems = []
    for result in exchange.results:
        record = str(result.get("id"))
        values = _properties(result)
        for name, entries in _history(result).items():
            if not isinstance(entries, list) or not entries:
                continue
            stamps = [
                _instant(e.get("timestamp")) if isinstance(e, dict) else None for e in entries
            ]
            known = [stamp for stamp in stamps if stamp is not None]
            if any(later > earlier for earlier, later in zip(known, known[1:], strict=False)):
                problems.append(
                    f"{record}.{name}: timestamps not newest first: "
                    f"{_shown(e.get('timestamp') for e in entries if isinstance(e, dict))}"
                )
            current = values.get(name)
            first = entries[0].get("value") if isinstance(entries[0], dict) else None
            if name in values and current is not None and first != current:
                problems.append(
                    f"{record}.{name}: newest history value {first!r}, current value {current!r}"
                )
    if problems:
        return (
            "\n".join(problems)
            + "\n\nExpected: entries newest first, the first equal to the current value"
        )
    return HELD


@invariant(needs=_has_two_results)
def no_duplicate_results(exchange: ReadExchange) -> Verdict:
    """Each record comes back at most once.

    Quirk duplicate-ids: "Believed to answer each distinct input once"; two spellings of
    one record id (``"17"``, ``"017"``) are one record too.
    """
    repeated = [rid for rid, count in Counter(exchange.result_ids).items() if count > 1]
    if repeated:
        return (
            f"Records returned more than once: {_shown(repeated)}\n\n"
            f"Expected: distinct result ids for inputs {_shown(exchange.inputs)}\n"
            f"Received: {_shown(exchange.result_ids)}"
        )
    return HELD


# --- rules added for facts no invariant above checked (docs/RULES.md) ---------------------
# Each returns NOT_APPLICABLE when it did not apply to the exchange, HELD when it judged
# the exchange and the rule held.

_CORRELATION_HEADER = CORRELATION_ID_HEADER.lower()
_RECORD_ID = re.compile(r"[0-9]+")
# A record page: .../record/<objectTypeId>/<id> (S26); tickets are 0-5 (S34), but the
# judges also read recorded answers of other objects (contacts, 0-1), so any type passes.
_URL_RECORD = re.compile(r"/record/[0-9]+-[0-9]+/([^/?#]+)$")


def _url_record(url: Any) -> str | None:
    """The record id a record page's url names, or None."""
    found = _URL_RECORD.search(url) if isinstance(url, str) else None
    return found[1] if found else None


@invariant()
def timestamps_match_properties(exchange: ReadExchange) -> Verdict:
    """``createdAt`` is ``createdate`` and ``updatedAt`` is ``hs_lastmodifieddate``,
    whenever those properties come back with a value.

    "createdAt equals the createdate property and updatedAt equals
    hs_lastmodifieddate in real bodies" (S4, S21, S22). Compared as instants: quirk-free
    formatting differences (``...17Z`` and ``...17.000Z``, S21) are equal.
    """
    compared = 0
    wrong = []
    for result in exchange.results:
        values = _properties(result)
        for field, name in (("createdAt", CREATED_PROPERTY), ("updatedAt", MODIFIED_PROPERTY)):
            if values.get(name) is None:
                continue
            compared += 1
            stated, held = result.get(field), values[name]
            if _instant(stated) is None or _instant(stated) != _instant(held):
                wrong.append(f"{result.get('id')}: {field} {stated!r}, {name} {held!r}")
    if not compared:
        return NOT_APPLICABLE
    if wrong:
        return (
            f"Record timestamps that disagree with their properties: {_shown(wrong)}\n\n"
            "Expected: createdAt the instant of createdate, updatedAt that of "
            "hs_lastmodifieddate"
        )
    return HELD


@dataclass(frozen=True, slots=True, kw_only=True)
class _CorrelatedAnswer:
    """An answer of the operation, any status, with its correlation-id header's values."""

    status: int
    sent: list[str]
    body_id: Any

    @classmethod
    def of(cls, case: Any, response: Any) -> _CorrelatedAnswer | None:
        """``None`` for another operation, or an answer without the header."""
        if not _is_batch_read(case):
            return None
        headers = getattr(response, "headers", None) or {}
        values = next((v for k, v in headers.items() if k.lower() == _CORRELATION_HEADER), None)
        sent = [values] if isinstance(values, str) else list(values or [])
        if not sent:
            return None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        body_id = payload.get("correlationId") if isinstance(payload, dict) else None
        return cls(status=response.status_code, sent=sent, body_id=body_id)


@invariant(reads=_CorrelatedAnswer.of)
def correlation_id_matches_header(answer: _CorrelatedAnswer) -> Verdict:
    """The ``X-HubSpot-Correlation-Id`` header, when an answer has one, is one UUID, and
    the body's ``correlationId`` when the body carries one (the error answers).

    "correlationId is a UUID, unique per request" (S17) and "Real responses also
    carry header X-HubSpot-Correlation-Id equal to the body's correlationId" (S18); the
    header comes on ordinary answers too (S29). Judged on every answer of the
    operation with the header; a missing header is not judged: documented and reported
    bodies are quoted without their headers.
    """
    sent, body_id = answer.sent, answer.body_id
    expected = f"{body_id!r} (the body's correlationId)" if body_id is not None else "one UUID"
    if len(sent) != 1 or not _is_uuid(sent[0]) or (body_id is not None and sent != [body_id]):
        return (
            f"Expected: header X-HubSpot-Correlation-Id {expected} on a "
            f"{answer.status} answer\nReceived: {_shown(sent)}"
        )
    return HELD


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@invariant()
def batch_status_complete(exchange: ReadExchange) -> Verdict:
    """A batch read's ``status`` is ``COMPLETE``.

    Spec: "The expected value is \"COMPLETE\"" (S1); every real body seen says so
    (S4, S9, S21, U1); quirk status-enum-spelling: "A synchronous read always answers
    COMPLETE". PENDING or PROCESSING on a read would mean results still to come.
    """
    status = exchange.payload.get("status")
    if status != "COMPLETE":
        return (
            f"Expected: status 'COMPLETE' for a batch read\nReceived: status {status!r} with "
            f"{len(exchange.results)} results"
        )
    return HELD


@invariant(needs=_has_results)
def result_ids_are_record_ids(exchange: ReadExchange) -> Verdict:
    """Each result's ``id`` is an internal record id: a number, equal to the record's
    ``hs_object_id`` when that comes back, and named by its ``url`` when there is one;
    never the ``idProperty`` value read by.

    "Results' id is the internal record id, not the unique value" (S19);
    record ids are Java longs (quirk non-numeric-ids-not-found); ``hs_object_id`` is the
    record id and always comes back (quirk always-included-properties). Results
    carry ``"url": "https://app.hubspot.com/contacts/<portalId>/record/<objectTypeId>/<id>"``
    (S26, S27, contacts), so a url ends in ``/record/<objectTypeId>/<id>`` (tickets: 0-5,
    S34; the type is not checked, as recorded answers of other objects are judged too).
    """
    wrong = []
    for result in exchange.results:
        rid = result.get("id")
        own = _properties(result).get(OBJECT_ID_PROPERTY)
        if not isinstance(rid, str) or _RECORD_ID.fullmatch(rid) is None:
            wrong.append(f"{rid!r} is not a record id")
        elif own is not None and record_key(str(own)) != record_key(rid):
            wrong.append(f"{rid!r} differs from its {OBJECT_ID_PROPERTY} {own!r}")
        elif "url" in result and _url_record(result["url"]) != rid:
            wrong.append(f"{rid!r} is not the record of its url {result['url']!r}")
    if wrong:
        return (
            f"Result ids that are not record ids: {_shown(wrong)}\n\n"
            f"Expected: numeric record ids (each its {OBJECT_ID_PROPERTY}), also when read "
            f"by {exchange.id_property or 'idProperty'}\n"
            f"Received: {_shown(exchange.result_ids)}"
        )
    return HELD


def _utc_problems(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str) or _instant(value) is None or not value.endswith("Z"):
        return [f"{where} {value!r}"]
    return []


@invariant()
def timestamps_in_utc(exchange: ReadExchange) -> Verdict:
    """Every timestamp of the answer is ISO 8601 in UTC with the ``Z`` designator.

    S4, S7: "createdAt/updatedAt/archivedAt/startedAt/completedAt ... are ISO 8601
    UTC with Z" (S4; S7: "the values will always use the UTC designator 'Z'"); history
    timestamps alike (S13, S21, S28). An offset such as ``+00:00`` is a valid date-time
    for the schema but not what HubSpot sends; milliseconds may be dropped (S21).
    """
    problems = []
    for field in ("startedAt", "completedAt", "requestedAt"):
        problems += _utc_problems(field, exchange.payload.get(field))
    for result in exchange.results:
        rid = result.get("id")
        for field in ("createdAt", "updatedAt", "archivedAt"):
            problems += _utc_problems(f"{rid}.{field}", result.get(field))
        for name, entries in _history(result).items():
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict):
                    problems += _utc_problems(f"{rid}.{name} history", entry.get("timestamp"))
    if problems:
        return (
            f"Timestamps not in UTC with Z: {_shown(problems)}\n\n"
            "Expected: e.g. '2024-08-15T17:09:13.648Z'"
        )
    return HELD


@invariant()
def batch_times_ordered(exchange: ReadExchange) -> Verdict:
    """A batch does not complete before it starts: ``startedAt`` <= ``completedAt``.

    Spec: both are required date-times of the batch (S1); real bodies show them equal or
    a few milliseconds apart (U1; S21). [inferred from their meaning]
    """
    started = _instant(exchange.payload.get("startedAt"))
    completed = _instant(exchange.payload.get("completedAt"))
    if started is None or completed is None or started.tzinfo is None or completed.tzinfo is None:
        return NOT_APPLICABLE
    if completed < started:
        return (
            f"Expected: startedAt <= completedAt\nReceived: startedAt "
            f"{exchange.payload.get('startedAt')!r}, completedAt "
            f"{exchange.payload.get('completedAt')!r}"
        )
    return HELD


@invariant(needs=_has_errors)
def not_found_errors_list_ids(exchange: ReadExchange) -> Verdict:
    """Each error entry of a read is an OBJECT_NOT_FOUND with ``status: error`` and the
    missing inputs in ``context.ids``.

    The error entry of a partial answer is "exactly {status: "error",
    category: "OBJECT_NOT_FOUND", message, context: {ids: [...]}}" (S27; S9, U1, S21).
    An entry that names the missing ids only in its message leaves a client nothing to
    match on.
    """
    wrong = []
    for error in exchange.errors:
        context = error.get("context")
        ids = context.get("ids") if isinstance(context, dict) else None
        if (
            error.get("status") != "error"
            or error.get("category") != "OBJECT_NOT_FOUND"
            or not isinstance(ids, list)
            or not ids
        ):
            wrong.append(
                f"status {error.get('status')!r}, category {error.get('category')!r}, "
                f"context.ids {ids!r}"
            )
    if wrong:
        return (
            f"Error entries that are not OBJECT_NOT_FOUND with context.ids: {_shown(wrong)}"
            "\n\nExpected: {status: 'error', category: 'OBJECT_NOT_FOUND', message, "
            "context: {ids: [the missing inputs]}}"
        )
    return HELD


def _with_aliases(result: Mapping[str, Any]) -> set[str]:
    # Contacts name their last-modified property lastmodifieddate (S26); the
    # judges also read recorded answers of contacts.
    names = set(_properties(result))
    return names | {MODIFIED_PROPERTY} if "lastmodifieddate" in names else names


@invariant(needs=_has_results)
def always_included_properties_returned(exchange: ReadExchange) -> Verdict:
    """``hs_object_id``, ``createdate`` and ``hs_lastmodifieddate`` come back in every
    result, whatever ``properties`` asked for.

    Quirk always-included-properties: "hs_object_id, createdate and hs_lastmodifieddate
    always come back" (S21: requested properties plus hs_lastmodifieddate and
    hs_object_id; S22 ticket bodies; S26: a body with only inputs). Assumed
    for createdate: a live run that refutes it names this rule alone.
    """
    lacking = _names_by_record(
        exchange, lambda result: set(ALWAYS_INCLUDED_PROPERTIES) - _with_aliases(result)
    )
    if lacking:
        return (
            f"Results without the always-included properties (result id [names]): "
            f"{_per_record(lacking)}\n\n"
            f"Expected: {_shown(sorted(ALWAYS_INCLUDED_PROPERTIES))} in every result, also "
            f"when `properties` was {_shown(exchange.properties or ())}"
        )
    return HELD


INVARIANTS: Sequence[Check] = tuple(_DECLARED.values())
"""Every invariant, in the order they run: pass as ``additional_checks=``."""
