"""Invariants and relations are declared once, and named by their declaration.

``@invariant`` and ``@relation`` take a rule's name from its function, register it once,
and build ``INVARIANTS`` and ``RELATION_NAMES``: the names the gate's ``--tc-checks``, its
counters, its summary and docs/RULES.md use. These tests fail when a registered name is
not the declared one, when a name is declared twice, or when a list of rule names
elsewhere (the report's ``RULE_NEEDS``, cassette judging's ``CATALOGUE_INVARIANTS``)
names another. Also: ``hubspot.py``, the facts module the twin and the judges both read,
imports nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tickets_contract import hubspot
from tickets_contract.cassettes.judging import CATALOGUE_INVARIANTS
from tickets_contract.judging import invariants, relations
from tickets_contract.judging.invariants import (
    HELD,
    INVARIANTS,
    NOT_APPLICABLE,
    InvariantViolation,
    ReadExchange,
    invariant,
)
from tickets_contract.judging.relations import (
    RELATION_NAMES,
    Disagreement,
    FollowUps,
    RelationViolation,
    relation,
    relations_for,
)
from tickets_contract.judging.report import RULE_NEEDS


def test_each_invariant_is_registered_under_its_declared_name() -> None:
    declared = {check.__name__: check for check in INVARIANTS}
    assert len(declared) == len(INVARIANTS), "an invariant name is declared twice"
    assert list(declared) == list(invariants._DECLARED)
    for name, check in declared.items():
        assert invariants._DECLARED[name] is check
        # The module attribute of that name is the declared check, and the body it wraps
        # is the function of that name.
        assert getattr(invariants, name) is check
        assert check.__wrapped__.__name__ == name  # type: ignore[attr-defined]


def test_each_relation_is_registered_under_its_declared_name() -> None:
    assert len(set(RELATION_NAMES)) == len(RELATION_NAMES), "a relation is declared twice"
    assert RELATION_NAMES == tuple(relations._DECLARED)
    for name in RELATION_NAMES:
        declared = getattr(relations, name)
        assert relations._DECLARED[name] is declared
        assert declared.__name__ == declared.__wrapped__.__name__ == name
    assert [r.__name__ for r in relations_for("ref")] == list(RELATION_NAMES)


def test_an_invariant_and_a_relation_never_share_a_name() -> None:
    assert not {check.__name__ for check in INVARIANTS} & set(RELATION_NAMES)


def test_a_name_declared_twice_is_refused() -> None:
    before = dict(invariants._DECLARED)

    def inputs_accounted_for(exchange: ReadExchange) -> bool:
        return HELD

    with pytest.raises(ValueError, match="'inputs_accounted_for' is declared twice"):
        invariant()(inputs_accounted_for)
    assert invariants._DECLARED == before

    def repeatable_read(reads: FollowUps, exchange: ReadExchange) -> bool:
        return HELD

    with pytest.raises(ValueError, match="'repeatable_read' is declared twice"):
        relation(repeatable_read)
    assert tuple(relations._DECLARED) == RELATION_NAMES


def _case(*ids: str) -> Any:
    return SimpleNamespace(
        method="POST",
        path=hubspot.BATCH_READ_PATH,
        body={"inputs": [{"id": i} for i in ids]},
        query=None,
        meta=None,
        id="case-9",
        operation=SimpleNamespace(label="POST batch/read"),
    )


def _response(payload: Any, status: int = 200) -> Any:
    return SimpleNamespace(status_code=status, json=lambda: payload)


def test_a_declared_invariant_skips_judges_and_names_its_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(invariants, "_DECLARED", {})
    seen: list[ReadExchange] = []

    @invariant(needs=lambda exchange: bool(exchange.results))
    def results_are_few(exchange: ReadExchange) -> invariants.Verdict:
        seen.append(exchange)
        return f"{len(exchange.results)} results" if len(exchange.results) > 1 else HELD

    assert invariants._DECLARED == {"results_are_few": results_are_few}
    # Not a batch-read answer (a 400), and an answer with nothing the rule needs: skipped
    # without running the body.
    assert results_are_few(None, _response({}, 400), _case("1")) is NOT_APPLICABLE
    assert results_are_few(None, _response({"results": []}), _case("1")) is NOT_APPLICABLE
    assert seen == []
    assert results_are_few(None, _response({"results": [{"id": "1"}]}), _case("1")) is HELD
    two = _response({"results": [{"id": "1"}, {"id": "2"}]})
    with pytest.raises(InvariantViolation) as raised:
        results_are_few(None, two, _case("1", "2"))
    assert raised.value.invariant == "results_are_few"
    assert raised.value.title == "Invariant violated: results_are_few"
    assert raised.value.message == "2 results"
    assert raised.value.case_id == "case-9"


def test_a_declared_relation_names_its_disagreement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relations, "_DECLARED", {})

    @relation
    def reads_twice(reads: FollowUps, exchange: ReadExchange) -> relations.RelationVerdict:
        reads.read(dict(exchange.body))
        return Disagreement(["they differ"], "the same request again")

    payload = {"status": "COMPLETE", "results": [{"id": "1"}]}
    exchange = ReadExchange.parse({"inputs": [{"id": "1"}]}, {}, 200, payload)
    assert exchange is not None
    with pytest.raises(RelationViolation) as raised:
        reads_twice(lambda body, query: (200, payload), exchange)
    assert raised.value.invariant == "reads_twice"
    assert raised.value.title == "Relation violated: reads_twice"
    # A target that cannot answer leaves the relation undecided.
    assert reads_twice(lambda body, query: (429, None), exchange) is NOT_APPLICABLE
    assert tuple(relations._DECLARED) == ("reads_twice",)


def test_every_list_of_rule_names_elsewhere_names_declared_rules() -> None:
    # Modules that must not import the invariants (schemathesis is slow to import) list
    # names: the report what each rule needs, cassette judging the catalogue invariants.
    rules = [check.__name__ for check in INVARIANTS] + list(RELATION_NAMES)
    assert sorted(RULE_NEEDS) == sorted(rules)
    assert CATALOGUE_INVARIANTS <= {check.__name__ for check in INVARIANTS}


def test_the_hubspot_facts_module_imports_nothing() -> None:
    # The twin and the judges both read it; an import here could join what must stay apart.
    tree = ast.parse(Path(hubspot.__file__).read_text(encoding="utf-8"))
    imports = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        or (isinstance(node, ast.ImportFrom) and node.module != "__future__")
    ]
    assert imports == []
