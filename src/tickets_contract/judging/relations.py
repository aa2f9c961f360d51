"""Relations: what several batch reads of one target must agree on (metamorphic relations).

An invariant judges one answer; a relation sends follow-up reads built from a judged
exchange and compares the answers. Like the invariants they know nothing of what
answered: each takes a ``Send`` that reaches the same target, and the original
``ReadExchange``.

Records are compared whole. Nothing in a ticket may change between two reads of an
unchanged portal; only the batch's own ``startedAt``/``completedAt`` vary, and an answer
is reduced to its status, records and missing ids before comparison (``Answer``).

Cost. Each relation sends one or two requests (six for all four), so
``RelationSampler`` picks the exchanges that get them: 200/207 answers to positive
batch reads that returned two or more distinct tickets (where splitting, permuting and
re-reading can lose, swap or alter a record), while the session's budget of follow-up
requests lasts: ``RELATION_BUDGET`` (120) against the in-process twin,
``REMOTE_RELATION_BUDGET`` (72) over HTTP, where every request waits for the rate
budget. A budget rather than a random sample: deterministic and bounded for live runs.
The choice is keyed by the request, so when Hypothesis replays a chosen case the
relations run again and a failure reproduces (new cases tried while shrinking past the
budget get none: the failure is reported unshrunk, never as flaky).

A new relation is one function under ``@relation``: its name is the function's name; its
body sends follow-ups through ``FollowUps.read`` and returns ``HELD``, ``NOT_APPLICABLE``
or a ``Disagreement``, and the declaration does the rest (see ``relation``).

A relation failure is a ``RelationViolation``: an ``InvariantViolation`` whose title
says "Relation violated: <name>" and whose ``invariant`` is the relation's name, which
``judges.check_name_of`` reports as the check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial, update_wrapper
from typing import Any, ClassVar

from tickets_contract.judging.invariants import (
    HELD,
    NOT_APPLICABLE,
    InvariantViolation,
    ReadExchange,
)
from tickets_contract.spec.contract import BATCH_READ_METHOD, BATCH_READ_PATH

__all__ = [
    "RELATION_BUDGET",
    "RELATION_COST",
    "RELATION_NAMES",
    "REMOTE_RELATION_BUDGET",
    "Answer",
    "Disagreement",
    "FollowUps",
    "Relation",
    "RelationSampler",
    "RelationVerdict",
    "RelationViolation",
    "Send",
    "check_relations",
    "id_and_unique_property_agree",
    "permutation_invariance",
    "relation",
    "relations_for",
    "repeatable_read",
    "run_relations",
    "split_and_merge",
]

Send = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[int, Any]]
"""Send a batch-read body with query parameters to the target of the original exchange;
return the status and the parsed JSON answer (``None`` when it is not JSON)."""

Relation = Callable[[Send, ReadExchange], bool]
"""A relation: send follow-up reads for an exchange; return ``HELD`` when it compared
answers and they agreed, ``NOT_APPLICABLE`` when it had nothing to compare; raise
``RelationViolation`` when they disagreed."""

RELATION_BUDGET = 120
"""Follow-up requests per session, against a target in the process (the twin: a few
milliseconds each): 20 exchanges with every relation."""

REMOTE_RELATION_BUDGET = 72
"""The same over HTTP, where every request waits for the rate budget (80 per 10 s by
default): 12 exchanges with every relation, about 9 s against the live API."""

RELATION_COST = 6
"""Follow-up requests all four relations send for one exchange, at most."""

_LISTED = 10


class RelationViolation(InvariantViolation):
    """Two or more reads of one target disagreed where the relation says they agree."""

    kind_title: ClassVar[str] = "Relation violated"
    label: ClassVar[str] = "Relation violated"


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """An answer reduced to what relations compare.

    ``records`` maps each result's id to the result; ``missing`` holds the ids listed in
    error entries. A 404 whose body is OBJECT_NOT_FOUND with ``context.ids`` is the
    all-missing answer of quirk all-missing-answer (the alternative to 207).
    """

    status: int
    records: Mapping[str, Mapping[str, Any]]
    missing: frozenset[str]
    num_errors: Any

    @classmethod
    def of(cls, status: int, payload: Any) -> Answer | None:
        """``None`` when the answer is neither a 200/207 batch body nor an all-missing 404."""
        if not isinstance(payload, dict):
            return None
        if status == 404 and payload.get("category") == "OBJECT_NOT_FOUND":
            context = payload.get("context")
            ids = context.get("ids") if isinstance(context, dict) else None
            if not isinstance(ids, list):
                return None
            return cls(status=status, records={}, missing=frozenset(map(str, ids)), num_errors=1)
        # Any batch answer parses against an empty request; only its answer is used.
        exchange = ReadExchange.parse({"inputs": []}, None, status, payload)
        if exchange is None:
            return None
        return cls(
            status=status,
            records={str(r.get("id")): r for r in exchange.results},
            missing=frozenset(exchange.listed_missing),
            num_errors=payload.get("numErrors"),
        )

    def difference(self, other: Answer, *, compare_status: bool = True) -> list[str]:
        """How ``other`` differs from this answer, one line per kind, naming the ids."""
        lines = []
        if compare_status and (self.status, self.num_errors) != (other.status, other.num_errors):
            lines.append(
                f"status {self.status} (numErrors {self.num_errors!r}) became {other.status} "
                f"(numErrors {other.num_errors!r})"
            )
        gone = sorted(self.records.keys() - other.records.keys())
        new = sorted(other.records.keys() - self.records.keys())
        if gone:
            lines.append(f"records no longer returned: {_shown(gone)}")
        if new:
            lines.append(f"records now returned: {_shown(new)}")
        changed = [
            f"{rid} ({', '.join(_changed_fields(self.records[rid], other.records[rid]))})"
            for rid in sorted(self.records.keys() & other.records.keys())
            if self.records[rid] != other.records[rid]
        ]
        if changed:
            lines.append(f"records that changed (fields): {_shown(changed, quote=False)}")
        if self.missing != other.missing:
            lines.append(
                f"listed missing {_shown(sorted(self.missing))} became "
                f"{_shown(sorted(other.missing))}"
            )
        return lines


def _shown(values: Sequence[str], *, quote: bool = True) -> str:
    shown = ", ".join(repr(v) if quote else v for v in values[:_LISTED])
    more = f", ... ({len(values) - _LISTED} more)" if len(values) > _LISTED else ""
    return f"[{shown}{more}]"


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    fields: list[str] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            fields.extend(
                f"{key}.{k}" for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)
            )
        elif old != new:
            fields.append(key)
    return fields


def _fail(relation: str, exchange: ReadExchange, lines: list[str], sent: str) -> RelationViolation:
    return RelationViolation(
        invariant=relation,
        message="\n".join(lines)
        + f"\n\nOriginal inputs: {_shown(list(exchange.inputs))}, query {dict(exchange.query)!r}"
        + f"\nFollow-up: {sent}",
        operation=f"{BATCH_READ_METHOD} {BATCH_READ_PATH}",
    )


def _original(exchange: ReadExchange) -> Answer:
    answer = Answer.of(exchange.status, exchange.payload)
    if answer is None:  # pragma: no cover - a ReadExchange always parses as an Answer
        raise ValueError("not a batch read answer")
    return answer


class _Unanswered(Exception):
    """The target could not answer a follow-up (429, 5xx): the relation is not decided."""


@dataclass(frozen=True, slots=True)
class FollowUps:
    """Follow-up reads for one relation on one exchange, sent to the original's target."""

    send: Send
    relation: str
    exchange: ReadExchange

    def read(self, body: Mapping[str, Any]) -> Answer:
        """The answer to ``body``, with the original query.

        A target that could not answer (429, 5xx) leaves the relation undecided
        (``NOT_APPLICABLE``). Every follow-up is as valid as the original read, so any
        other answer (a 400, or a 401 because the token was lost) is itself a violation.
        """
        status, payload = self.send(body, self.exchange.query)
        answer = Answer.of(status, payload)
        if answer is not None:
            return answer
        if status == 429 or status >= 500:
            raise _Unanswered
        raise _fail(
            self.relation,
            self.exchange,
            [
                f"a follow-up read answered {status} where the original read answered "
                f"{self.exchange.status}"
            ],
            f"{json.dumps(dict(body))[:300]}",
        )


@dataclass(frozen=True, slots=True)
class Disagreement:
    """What a relation's body returns when the answers disagree: one line per
    difference, and what the follow-up reads were."""

    lines: list[str]
    sent: str


RelationVerdict = bool | Disagreement
"""What a relation's body returns: ``HELD``, ``NOT_APPLICABLE`` or a ``Disagreement``."""

_DECLARED: dict[str, Relation] = {}


def relation(body: Callable[..., RelationVerdict]) -> Callable[..., bool]:
    """Declare the function below as a relation, named by the function's name.

    The body gets ``FollowUps`` bound to the relation and the exchange, the exchange, and
    any keyword options (such as ``unique_property``), and returns ``HELD``, ``NOT_APPLICABLE`` or a
    ``Disagreement``, which the declaration raises as ``RelationViolation`` under the
    relation's name. A follow-up the target could not answer makes the relation
    ``NOT_APPLICABLE``. ``RELATION_NAMES`` lists the declared relations in order; a name
    declared twice is refused.
    """
    name = body.__name__
    if name in _DECLARED:
        raise ValueError(f"relation {name!r} is declared twice")

    def run(send: Send, exchange: ReadExchange, **options: Any) -> bool:
        try:
            verdict = body(FollowUps(send, name, exchange), exchange, **options)
        except _Unanswered:
            return NOT_APPLICABLE
        if isinstance(verdict, Disagreement):
            raise _fail(name, exchange, verdict.lines, verdict.sent)
        return verdict

    update_wrapper(run, body)
    _DECLARED[name] = run
    return run


def _with_inputs(exchange: ReadExchange, inputs: Sequence[Any]) -> dict[str, Any]:
    return {**exchange.body, "inputs": list(inputs)}


# --- the relations ----------------------------------------------------------------------


@relation
def split_and_merge(reads: FollowUps, exchange: ReadExchange) -> RelationVerdict:
    """Split a batch in two and merge the answers: the same records, the same missing ids.

    A batch read is a set of independent single reads (S9, U1, S21: found inputs come
    back, missing ones are listed, whatever else the batch holds).
    """
    inputs = list(exchange.body["inputs"])
    middle = len(inputs) // 2
    halves = (inputs[:middle], inputs[middle:])
    first, second = (reads.read(_with_inputs(exchange, half)) for half in halves)
    clash = [
        rid
        for rid in first.records.keys() & second.records.keys()
        if first.records[rid] != second.records[rid]
    ]
    merged = Answer(
        status=exchange.status,
        records={**first.records, **second.records},
        missing=first.missing | second.missing,
        num_errors=exchange.payload.get("numErrors"),
    )
    lines = _original(exchange).difference(merged, compare_status=False)
    if clash:
        lines.append(f"the two halves returned different records for {_shown(sorted(clash))}")
    if lines:
        return Disagreement(
            ["the merged halves differ from the whole:", *lines],
            f"halves of {middle} and {len(inputs) - middle} inputs",
        )
    return HELD


@relation
def permutation_invariance(reads: FollowUps, exchange: ReadExchange) -> RelationVerdict:
    """Permute the inputs: nothing but the order of the results changes.

    Quirk results-unordered: "clients must match by id"; the answer is a set.
    """
    inputs = list(exchange.body["inputs"])
    permuted = inputs[::-1]
    if permuted == inputs:
        permuted = inputs[1:] + inputs[:1]
    if permuted == inputs:
        return NOT_APPLICABLE
    lines = _original(exchange).difference(reads.read(_with_inputs(exchange, permuted)))
    if lines:
        return Disagreement(lines, "the same inputs, reversed")
    return HELD


@relation
def repeatable_read(reads: FollowUps, exchange: ReadExchange) -> RelationVerdict:
    """Read the same batch twice: the same answer, but for the batch's timestamps.

    Reading changes nothing (the operation is a read; S23: even archiving leaves
    ``hs_lastmodifieddate`` alone).
    """
    lines = _original(exchange).difference(reads.read(dict(exchange.body)))
    if lines:
        return Disagreement(lines, "the same request again")
    return HELD


@relation
def id_and_unique_property_agree(
    reads: FollowUps, exchange: ReadExchange, *, unique_property: str
) -> RelationVerdict:
    """Read the found records by id and by their unique property: the answers agree.

    S7: ``idProperty`` names a property "created with hasUniqueValue: true"
    (S7), and the results' ``id`` is the record id either way.
    """
    ids = list(dict.fromkeys(exchange.result_ids))
    if not ids:
        return NOT_APPLICABLE
    properties = list(dict.fromkeys([*(exchange.properties or ()), unique_property]))
    shared: dict[str, Any] = {"properties": properties}
    if exchange.with_history:
        shared["propertiesWithHistory"] = list(exchange.with_history)
    by_id = reads.read({"inputs": [{"id": i} for i in ids], **shared})
    values = {
        rid: value
        for rid, record in by_id.records.items()
        if isinstance(value := (record.get("properties") or {}).get(unique_property), str)
    }
    if not values:
        return NOT_APPLICABLE
    body = {"inputs": [{"id": v} for v in values.values()], "idProperty": unique_property, **shared}
    by_value = reads.read(body)
    expected = Answer(
        status=200,
        records={rid: by_id.records[rid] for rid in values},
        missing=frozenset(),
        num_errors=None,
    )
    lines = expected.difference(by_value, compare_status=False)
    if lines:
        pairs = ", ".join(f"{rid}={value!r}" for rid, value in list(values.items())[:_LISTED])
        return Disagreement(
            [f"read by {unique_property} instead of by id:", *lines],
            f"by id {_shown(ids)}, then by {unique_property} ({pairs})",
        )
    return HELD


RELATION_NAMES = tuple(_DECLARED)
"""Every relation's name, in the order they run."""


def relations_for(unique_property: str | None) -> tuple[Relation, ...]:
    """Every relation; the id/unique-property one only when the portal has such a property."""
    relations: list[Relation] = [split_and_merge, permutation_invariance, repeatable_read]
    if unique_property:
        agree = partial(id_and_unique_property_agree, unique_property=unique_property)
        relations.append(update_wrapper(agree, id_and_unique_property_agree))
    return tuple(relations)


def check_relations(
    send: Send, exchange: ReadExchange, relations: Sequence[Relation]
) -> list[RelationViolation]:
    """Run ``relations`` on ``exchange``; the violations, one per broken relation."""
    return run_relations(send, exchange, relations)[0]


def run_relations(
    send: Send, exchange: ReadExchange, relations: Sequence[Relation]
) -> tuple[list[RelationViolation], list[str]]:
    """Run ``relations`` on ``exchange``: the violations, and the names of the relations
    evaluated (held or violated; not those with nothing to compare)."""
    violations = []
    evaluated = []
    for relation in relations:
        name = getattr(relation, "__name__", repr(relation))
        try:
            if relation(send, exchange) is HELD:
                evaluated.append(name)
        except RelationViolation as violation:
            violations.append(violation)
            evaluated.append(name)
    return violations, evaluated


class RelationSampler:
    """Chooses the exchanges that get follow-up reads: see the module docstring.

    ``budget`` counts follow-up requests; ``spend`` records what an exchange's relations
    sent. An exchange chosen once is chosen again when Hypothesis replays it, so that a
    failure reproduces.
    """

    def __init__(self, budget: int = RELATION_BUDGET) -> None:
        self._budget = budget
        self._spent = 0
        self._chosen: set[str] = set()

    @property
    def spent(self) -> int:
        return self._spent

    def admits(self, exchange: ReadExchange) -> bool:
        if len(set(exchange.result_ids)) < 2:
            return False
        key = json.dumps([exchange.body, exchange.query], sort_keys=True, default=str)
        if key in self._chosen:
            return True
        if self._spent + RELATION_COST > self._budget:
            return False
        self._chosen.add(key)
        return True

    def spend(self, requests: int) -> None:
        self._spent += requests
