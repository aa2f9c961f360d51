"""The metamorphic relations, against a tiny in-test API: faithful, then broken one way.

``FakeApi`` answers batch reads from a dict of records the way the invariants expect;
each test breaks it in one way and checks that the relation it breaks names itself and
the ids involved.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tickets_contract.judging.invariants import ReadExchange
from tickets_contract.judging.relations import (
    RELATION_COST,
    RELATION_NAMES,
    Answer,
    RelationSampler,
    RelationViolation,
    check_relations,
    id_and_unique_property_agree,
    permutation_invariance,
    relations_for,
    repeatable_read,
    run_relations,
    split_and_merge,
)

RECORDS = {
    rid: {
        "id": rid,
        "properties": {"hs_object_id": rid, "ref": f"R-{rid}"},
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "archived": False,
    }
    for rid in ("1", "2", "3", "4")
}

Rewrite = Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]


class FakeApi:
    """A faithful batch read over RECORDS; ``rewrite`` breaks its answers."""

    def __init__(self, rewrite: Rewrite | None = None, status: int | None = None) -> None:
        self.sent: list[Mapping[str, Any]] = []
        self._rewrite = rewrite
        self._status = status

    def __call__(self, body: Mapping[str, Any], query: Mapping[str, Any]) -> tuple[int, Any]:
        self.sent.append(body)
        if self._status is not None:
            return self._status, {"status": "error", "category": "RATE_LIMIT"}
        name = body.get("idProperty")
        found: dict[str, Any] = {}
        missing: list[str] = []
        for item in body["inputs"]:
            raw = item["id"]
            match = [
                r for r in RECORDS.values() if (r["properties"]["ref"] if name else r["id"]) == raw
            ]
            if match:
                found.setdefault(match[0]["id"], match[0])
            elif raw not in missing:
                missing.append(raw)
        results = copy.deepcopy(sorted(found.values(), key=lambda r: str(r["id"])))
        payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if missing:
            payload["numErrors"] = 1
            payload["errors"] = [{"category": "OBJECT_NOT_FOUND", "context": {"ids": missing}}]
        payload["startedAt"] = payload["completedAt"] = (
            f"2024-03-0{len(self.sent) % 9 + 1}T00:00:00Z"
        )
        if self._rewrite is not None:
            payload = self._rewrite(body, payload)
        return (207 if missing else 200), payload


def original(*ids: str, api: FakeApi | None = None, **fields: Any) -> ReadExchange:
    body = {"inputs": [{"id": i} for i in ids], **fields}
    status, payload = (api or FakeApi())(body, {})
    exchange = ReadExchange.parse(body, {}, status, payload)
    assert exchange is not None
    return exchange


def broken(relation: Any, api: FakeApi, exchange: ReadExchange) -> RelationViolation:
    with pytest.raises(RelationViolation) as raised:
        relation(api, exchange)
    name = getattr(relation, "__name__", "")
    assert raised.value.invariant == name
    assert raised.value.title == f"Relation violated: {name}"
    return raised.value


def agree(send: Any, exchange: ReadExchange) -> None:
    id_and_unique_property_agree(send, exchange, unique_property="ref")


agree.__name__ = "id_and_unique_property_agree"

RELATIONS = [split_and_merge, permutation_invariance, repeatable_read, agree]


@pytest.mark.parametrize("relation", RELATIONS, ids=RELATION_NAMES)
@pytest.mark.parametrize(
    "ids", [("1", "2", "3"), ("1", "9"), ("8", "9"), ("1", "1", "2"), ("4", "3", "2", "1")]
)
def test_every_relation_holds_on_a_faithful_api(relation: Any, ids: tuple[str, ...]) -> None:
    relation(FakeApi(), original(*ids))


def test_split_and_merge_names_what_the_halves_disagree_on() -> None:
    def size_dependent(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        if len(body["inputs"]) > 2:
            payload["results"] = [
                {**r, "updatedAt": "2030-01-01T00:00:00Z"} for r in payload["results"]
            ]
        return payload

    api = FakeApi(size_dependent)
    failure = broken(split_and_merge, api, original("1", "2", "3", "9", api=api))
    assert (
        "records that changed (fields): [1 (updatedAt), 2 (updatedAt), 3 (updatedAt)]"
        in failure.message
    )
    assert "Follow-up: halves of 2 and 2 inputs" in failure.message
    assert [len(body["inputs"]) for body in api.sent[1:]] == [2, 2]


def test_split_and_merge_names_records_lost_in_halves() -> None:
    def loses_pairs(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        if len(body["inputs"]) == 2:
            payload["results"] = payload["results"][1:]
        return payload

    api = FakeApi(loses_pairs)
    failure = broken(split_and_merge, api, original("1", "2", "3", "4", api=FakeApi()))
    assert "records no longer returned: ['1', '3']" in failure.message


def test_split_and_merge_reads_an_all_missing_404_as_missing_ids() -> None:
    # Quirk all-missing-answer: the alternative answer to a batch with nothing found.
    class Api404(FakeApi):
        def __call__(self, body: Mapping[str, Any], query: Mapping[str, Any]) -> tuple[int, Any]:
            status, payload = super().__call__(body, query)
            if payload["results"]:
                return status, payload
            ids = payload["errors"][0]["context"]["ids"]
            return 404, {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ids}}

    api = Api404()
    split_and_merge(api, original("1", "2", "8", "9"))
    assert api.sent[-1]["inputs"] == [{"id": "8"}, {"id": "9"}]


def test_permutation_invariance_names_order_dependent_records() -> None:
    def first_differs(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        first = body["inputs"][0]["id"]
        for result in payload["results"]:
            if result["id"] == first:
                result["properties"] = {**result["properties"], "ref": "changed"}
        return payload

    api = FakeApi(first_differs)
    failure = broken(permutation_invariance, api, original("1", "2", api=api))
    assert (
        "records that changed (fields): [1 (properties.ref), 2 (properties.ref)]" in failure.message
    )
    assert api.sent[-1]["inputs"] == [{"id": "2"}, {"id": "1"}]


def test_permutation_of_a_palindrome_rotates() -> None:
    api = FakeApi()
    permutation_invariance(api, original("1", "2", "1", api=api))
    assert api.sent[-1]["inputs"] == [{"id": "2"}, {"id": "1"}, {"id": "1"}]


def test_permutation_of_one_repeated_input_sends_nothing() -> None:
    api = FakeApi()
    permutation_invariance(api, original("1", "1", api=api))
    assert len(api.sent) == 1


def test_repeatable_read_names_a_changed_status_and_records() -> None:
    reads = iter(range(100))

    def drifting(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        n = next(reads)
        payload["results"] = payload["results"][n % 2 :]
        return payload

    api = FakeApi(drifting)
    failure = broken(repeatable_read, api, original("1", "2", api=api))
    assert "records no longer returned: ['1']" in failure.message
    assert "Follow-up: the same request again" in failure.message


def test_repeatable_read_ignores_the_batch_timestamps() -> None:
    api = FakeApi()
    exchange = original("1", "9", api=api)
    repeatable_read(api, exchange)
    assert Answer.of(*api(exchange.body, {})) == Answer.of(exchange.status, exchange.payload)


def test_id_and_unique_property_names_disagreeing_records() -> None:
    def by_value_differs(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        if body.get("idProperty"):
            payload["results"] = [{**r, "archived": None} for r in payload["results"]]
        return payload

    api = FakeApi(by_value_differs)
    failure = broken(agree, api, original("2", "1", "9", api=api))
    assert "records that changed (fields): [1 (archived), 2 (archived)]" in failure.message
    assert "then by ref (1='R-1', 2='R-2')" in failure.message
    by_id, by_value = api.sent[-2:]
    assert by_id["properties"] == ["ref"]
    assert by_value == {
        "inputs": [{"id": "R-1"}, {"id": "R-2"}],
        "idProperty": "ref",
        "properties": ["ref"],
    }


def test_id_and_unique_property_names_values_reported_missing() -> None:
    def values_missing(body: Mapping[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        if body.get("idProperty"):
            payload["results"] = []
            payload["numErrors"] = 1
            payload["errors"] = [{"context": {"ids": [i["id"] for i in body["inputs"]]}}]
        return payload

    failure = broken(agree, FakeApi(values_missing), original("1"))
    assert "listed missing [] became ['R-1']" in failure.message
    assert "records no longer returned: ['1']" in failure.message


def test_a_target_that_cannot_answer_leaves_the_relation_undecided() -> None:
    exchange = original("1", "2")
    for relation in RELATIONS:
        relation(FakeApi(status=429), exchange)
        relation(FakeApi(status=503), exchange)


def test_a_rejected_follow_up_is_a_violation() -> None:
    failure = broken(repeatable_read, FakeApi(status=401), original("1", "2"))
    assert "a follow-up read answered 401 where the original read answered 200" in failure.message


def test_check_relations_collects_every_violation() -> None:
    api = FakeApi(status=400)
    violations = check_relations(api, original("1", "2"), relations_for("ref"))
    assert [v.invariant for v in violations] == list(RELATION_NAMES)


def test_relations_for_a_portal_without_a_unique_property() -> None:
    assert [r.__name__ for r in relations_for(None)] == list(RELATION_NAMES[:3])


def test_the_sampler_admits_reads_that_found_two_tickets_within_its_request_budget() -> None:
    sampler = RelationSampler(budget=2 * RELATION_COST)
    assert not sampler.admits(original("1"))
    assert not sampler.admits(original("1", "1"))
    # Two inputs, one found: nothing to split, permute or swap between records.
    assert not sampler.admits(original("1", "9"))
    assert sampler.admits(original("1", "2"))
    sampler.spend(RELATION_COST)
    assert sampler.admits(original("2", "3", "9"))
    sampler.spend(RELATION_COST)
    assert not sampler.admits(original("3", "4"))
    assert sampler.spent == 2 * RELATION_COST
    # A replay of a chosen request (Hypothesis shrinking) runs the relations again.
    assert sampler.admits(original("1", "2"))


def test_run_relations_counts_what_each_relation_evaluated() -> None:
    violations, evaluated = run_relations(FakeApi(), original("1", "2"), relations_for("ref"))
    assert violations == []
    assert evaluated == list(RELATION_NAMES)
    # Nothing found: the unique-property relation has no record to read by value.
    violations, evaluated = run_relations(FakeApi(), original("8", "9"), relations_for("ref"))
    assert "id_and_unique_property_agree" not in evaluated
    assert "split_and_merge" in evaluated
