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

from tickets_contract.invariants import INVARIANTS
from tickets_contract.relations import RELATION_NAMES

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
}
RELATION_BREAKERS = {
    "size_dependent": "split_and_merge",
    "order_dependent": "permutation_invariance",
    "nondeterministic": "repeatable_read",
    "unique_property_disagrees": "id_and_unique_property_agree",
}
BREAKERS = {**INVARIANT_BREAKERS, **RELATION_BREAKERS}

CONFTEST = """
import dataclasses
import pytest
from tickets_contract.plugin import Judge
from tickets_contract.report import Tally
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


def test_each_breaker_fails_the_gate_naming_what_it_breaks(
    pytester: pytest.Pytester, subtests: pytest.Subtests
) -> None:
    here = Path(__file__).parent
    pytester.makepyfile(breakers=(here / "breakers.py").read_text())
    pytester.makeconftest(CONFTEST.format(names=["faithful", *BREAKERS]))
    pytester.makepyfile(test_invariants_gate_run=TEST)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--hypothesis-profile", "ci", "--tc-phases", "examples"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    sections = _sections(result)
    assert sorted(sections) == sorted(["faithful", *BREAKERS])
    assert "no deviation" in sections["faithful"]
    invariants = [check.__name__ for check in INVARIANTS]
    for breaker, name in BREAKERS.items():
        with subtests.test(breaker=breaker, fails=name):
            summary = sections[breaker]
            assert "deviations no quirk explains (regressions):" in summary
            kind = "Invariant" if breaker in INVARIANT_BREAKERS else "Relation"
            assert f"    {name}: {kind} violated: {name}" in summary
            # Each breaker breaks what it names alone among the invariants (a relation
            # breaker's answers are each faithful; relations may overlap).
            named = [other for other in invariants if f"    {other}: " in summary]
            assert named == ([name] if kind == "Invariant" else [])


def test_every_invariant_and_relation_has_a_breaker() -> None:
    assert sorted(INVARIANT_BREAKERS.values()) == sorted(check.__name__ for check in INVARIANTS)
    assert sorted(RELATION_BREAKERS.values()) == sorted(RELATION_NAMES)
