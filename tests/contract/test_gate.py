"""The gate can fail: a twin broken in one way fails it, naming the check.

Each run uses pytester: a scratch directory collects the same conformance test as
tests/contract/ and overrides ``contract_target`` with a twin broken by one breaker.
"""

from __future__ import annotations

import pytest

# breaker -> (the check that must name it, the phases that reach it). The named examples
# reach most defects; a wrong type, or a body without `inputs`, comes from the coverage
# phase.
BREAKERS = {
    "integer_property": ("response_schema_conformance", "examples"),
    "accepts_malformed_inputs": ("negative_data_rejection", "coverage"),
    "rejects_missing_inputs": ("positive_data_acceptance", "coverage"),
    "ignores_auth": ("ignored_auth", "examples"),
    "server_error": ("not_a_server_error", "examples"),
    "partial_miss_as_206": ("response_schema_conformance", "examples"),
    "wrong_content_type": ("content_type_conformance", "examples"),
}

CONFTEST = """
import dataclasses
import pytest
from tickets_contract.targets import parse_target
from tickets_contract.twin import create_app
import breakers

@pytest.fixture(scope="session")
def contract_target():
    target = parse_target("twin")
    mutation = {breaker}
    if mutation is None:
        return target
    return dataclasses.replace(target, app=create_app(breakers.BrokenTwin(mutation)))
"""

TEST = "from tickets_contract.suite.test_conformance import test_batch_read_conforms\n"


def _gate(pytester: pytest.Pytester, breaker: str | None, *args: str) -> pytest.RunResult:
    from pathlib import Path

    here = Path(__file__).parent
    pytester.makepyfile(breakers=(here / "breakers.py").read_text())
    pytester.makeconftest(CONFTEST.format(breaker=f"breakers.{breaker}" if breaker else None))
    pytester.makepyfile(test_gate_run=TEST)
    return pytester.runpytest("-p", "no:cacheprovider", "--hypothesis-profile", "ci", *args)


@pytest.mark.parametrize(
    ("breaker", "check", "phases"),
    [(name, check, phases) for name, (check, phases) in BREAKERS.items()],
    ids=list(BREAKERS),
)
def test_a_broken_twin_fails_the_gate_naming_the_check(
    pytester: pytest.Pytester, breaker: str, check: str, phases: str
) -> None:
    result = _gate(pytester, breaker, "--tc-phases", phases)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = result.stdout.str().split("= tickets-contract =")[-1]
    assert "deviations no quirk explains (regressions):" in summary
    assert f"{check}:" in summary


def test_the_faithful_twin_passes_the_gate(pytester: pytest.Pytester) -> None:
    result = _gate(pytester, None)
    assert result.ret == pytest.ExitCode.OK
    assert "no deviation" in result.stdout.str()


def test_strict_lists_known_quirks_and_passes(pytester: pytest.Pytester) -> None:
    # Against the published contract the faithful twin deviates only where the ledger
    # says so: every deviation is a known quirk, none a regression, so the gate passes.
    result = _gate(pytester, None, "--tc-contract", "published")
    assert result.ret == pytest.ExitCode.OK
    out = result.stdout.str()
    assert "judged against the published contract" in out
    for quirk in (
        "request-property-lists-optional",
        "null-property-values",
        "standard-error-optional-fields",
        "idproperty-must-be-unique",
    ):
        assert quirk in out
    assert "regressions" not in out


def test_strict_fails_on_a_deviation_no_quirk_explains(pytester: pytest.Pytester) -> None:
    result = _gate(
        pytester, "integer_property", "--tc-contract", "published", "--tc-phases", "examples"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = result.stdout.str().split("= tickets-contract =")[-1]
    assert "deviations no quirk explains (regressions):" in summary
    assert "response_schema_conformance:" in summary
