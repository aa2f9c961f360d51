"""The gate enforces every invariant and relation: a twin broken in one way fails it.

One pytester session runs the conformance test against every breaker (a session-scoped
``contract_target`` parametrized by breaker name, as cheap as one run: ~0.2 s a breaker
against ~2 s a session). So that each breaker is judged alone, the scratch conftest
gives every breaker its own ``Judge`` and ``Tally`` and prints each tally under its
name, exactly as the plugin's summary renders it. Only the named examples run
(``--tc-phases examples``): they reach every breaker, and nothing shrinks.
Each breaker is a subtest of one test, so a report names the breaker that slipped through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tickets_contract.judging.invariants import INVARIANTS
from tickets_contract.judging.relations import RELATION_NAMES

# breaker (tests/contract/breakers.py) -> the invariant or relation that must name it.
INVARIANT_BREAKERS = {
    "drops_an_id": "inputs_accounted_for",
    "returns_unrequested": "no_unrequested_results",
    "leaks_archived": "archived_consistent",
    "multi_status_as_200": "status_matches_errors",
    "wrong_num_errors": "num_errors_consistent",
    "extra_property": "properties_within_requested",
    "drops_empty_property": "requested_properties_in_every_result",
    "unasked_history": "history_keys_as_asked",
    "history_oldest_first": "history_newest_first",
    "duplicate_result": "no_duplicate_results",
    "created_at_local_time": "timestamps_match_properties",
    "status_processing": "batch_status_complete",
    "object_id_from_wrong_column": "result_ids_are_record_ids",
    "offset_timestamps": "timestamps_in_utc",
    "completed_before_started": "batch_times_ordered",
    "not_found_as_validation_error": "not_found_errors_list_ids",
    "only_requested_properties": "always_included_properties_returned",
    "url_of_a_neighbour": "result_ids_are_record_ids",
}
RELATION_BREAKERS = {
    "size_dependent": "split_and_merge",
    "order_dependent": "permutation_invariance",
    "nondeterministic": "repeatable_read",
    "unique_property_disagrees": "id_and_unique_property_agree",
}
# Breakers of what only error answers show: the named examples are all valid reads, so
# these run with the coverage phase too, whose invalid bodies draw 400s.
ERROR_BREAKERS = {
    "correlation_header_regenerated": "correlation_id_matches_header",
}
BREAKERS = {**INVARIANT_BREAKERS, **RELATION_BREAKERS}

CONFTEST = """
import dataclasses
import pytest
from tickets_contract.plugin import Judge
from tickets_contract.judging.report import Tally
from tickets_contract.targets import parse_target
from tickets_contract.twin import create_app
import breakers

TALLIES = {{}}
BREAKER_OF = {{}}

@pytest.fixture(scope="session", params={names!r})
def contract_target(request):
    target = parse_target("twin")
    if request.param != "faithful":
        twin = breakers.BrokenTwin(getattr(breakers, request.param))
        target = dataclasses.replace(target, app=create_app(twin))
    BREAKER_OF[id(target)] = request.param
    return target

@pytest.fixture(scope="session")
def contract_judge(contract, contract_target):
    tally = Tally(kind=contract.kind, ledger=contract.ledger)
    TALLIES[BREAKER_OF[id(contract_target)]] = tally
    return Judge(contract, contract_target, tally)

def pytest_terminal_summary(terminalreporter):
    for name, tally in TALLIES.items():
        terminalreporter.write_sep("=", "breaker " + name)
        terminalreporter.write_line(tally.render())
"""

TEST = "from tickets_contract.suite.test_conformance import test_batch_read_conforms\n"


def _sections(result: pytest.RunResult) -> dict[str, str]:
    """Each breaker's summary section of the run, by breaker name."""
    found = {}
    for chunk in result.stdout.str().split("= breaker ")[1:]:
        name, _, rest = chunk.partition(" =")
        found[name.strip()] = rest
    return found


def _run(pytester: pytest.Pytester, names: list[str], phases: str) -> dict[str, str]:
    here = Path(__file__).parent
    pytester.makepyfile(breakers=(here / "breakers.py").read_text())
    pytester.makeconftest(CONFTEST.format(names=["faithful", *names]))
    pytester.makepyfile(test_invariants_gate_run=TEST)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "--tc-phases", phases
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    sections = _sections(result)
    assert sorted(sections) == sorted(["faithful", *names])
    assert "no deviation" in sections["faithful"]
    return sections


def _assert_named(summary: str, name: str, kind: str) -> None:
    assert "deviations no quirk explains (regressions):" in summary
    assert f"    {name}: {kind} violated: {name}" in summary
    # Each breaker breaks what it names alone among the invariants (a relation
    # breaker's answers are each faithful; relations may overlap).
    invariants = [check.__name__ for check in INVARIANTS]
    named = [other for other in invariants if f"    {other}: " in summary]
    assert named == ([name] if kind == "Invariant" else [])


def test_each_breaker_fails_the_gate_naming_what_it_breaks(
    pytester: pytest.Pytester, subtests: pytest.Subtests
) -> None:
    sections = _run(pytester, list(BREAKERS), "examples")
    for breaker, name in BREAKERS.items():
        with subtests.test(breaker=breaker, fails=name):
            kind = "Invariant" if breaker in INVARIANT_BREAKERS else "Relation"
            _assert_named(sections[breaker], name, kind)


def test_each_error_answer_breaker_fails_the_gate_naming_what_it_breaks(
    pytester: pytest.Pytester, subtests: pytest.Subtests
) -> None:
    sections = _run(pytester, list(ERROR_BREAKERS), "examples,coverage")
    for breaker, name in ERROR_BREAKERS.items():
        with subtests.test(breaker=breaker, fails=name):
            _assert_named(sections[breaker], name, "Invariant")


def test_every_invariant_and_relation_has_a_breaker() -> None:
    judged = {**INVARIANT_BREAKERS, **ERROR_BREAKERS}
    # Every invariant has at least one breaker (result_ids_are_record_ids has two).
    assert set(judged.values()) == {check.__name__ for check in INVARIANTS}
    assert sorted(RELATION_BREAKERS.values()) == sorted(RELATION_NAMES)
