"""The gate against a twin served over loopback, as a user runs it with --target URL."""

from __future__ import annotations

import pytest
from breakers import BrokenTwin, leaks_archived

from tickets_contract.twin import DEMO_TOKEN, Twin, serve_in_thread

TEST = (
    "from tickets_contract.suite.test_conformance import test_batch_read_conforms\n"
    "from tickets_contract.suite.test_conformance import test_ledger_quirks_still_reproduce\n"
)
CONFTEST = "from tickets_contract.plugin import Judge\nJudge.PROGRESS_SECONDS = 0.0\n"


def _gate(
    pytester: pytest.Pytester,
    twin: Twin,
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    subprocess: bool = False,
) -> pytest.RunResult:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", DEMO_TOKEN)
    pytester.makepyfile(test_gate_run=TEST)
    pytester.makeconftest(CONFTEST)
    with serve_in_thread(twin) as base_url:
        # No records table: the gate discovers the served twin's records itself. In a
        # subprocess, output capture works on the real file descriptors, as in a shell.
        run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
        return run(
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile",
            "ci",
            "--tc-target",
            base_url,
            "--tc-phases",
            "examples",
            # As `tickets-contract run` does: the gate has no asserts, and a subprocess
            # would otherwise rewrite those of every schemathesis and Hypothesis module.
            "--assert=plain",
            *args,
        )


def _evaluated(out: str) -> dict[str, int]:
    summary = out.split("evaluated on (exchanges):")[-1].split("  no deviation")[0]
    counts = {}
    for line in summary.strip().splitlines():
        name, _, count = line.strip().rpartition(" ")
        if name.strip() and count.isdigit():
            counts[name.strip()] = int(count)
    return counts


def test_the_served_twin_passes_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _gate(pytester, Twin(), monkeypatch, subprocess=True)
    assert result.ret == pytest.ExitCode.OK
    out = result.stdout.str()
    assert "no deviation" in out
    # Progress lines reach the terminal while the test runs, not a captured section.
    progress = out.index("exchanges judged in")
    assert progress < out.index("= tickets-contract =")
    assert "Captured" not in out
    assert "quirk probe:" in out
    assert "records discovered (4 read-only requests): 60 live and 60 archived tickets, " in out
    assert "unique-value property external_ticket_ref" in out
    assert "batch reads: " in out
    assert "returned tickets " in out
    # Every invariant and relation was evaluated on some exchange: none at zero.
    from tickets_contract.judging.invariants import INVARIANTS
    from tickets_contract.judging.relations import RELATION_NAMES

    counts = _evaluated(out)
    rules = {check.__name__ for check in INVARIANTS} | set(RELATION_NAMES)
    assert set(counts) == rules
    assert all(counts[rule] > 0 for rule in rules), counts
    assert "INCONCLUSIVE" not in out
    assert "[100%]" in out  # the progress bar does not stop at 66%


def test_a_served_twin_with_one_invariant_broken_fails_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _gate(pytester, BrokenTwin(leaks_archived), monkeypatch)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = result.stdout.str().split("= tickets-contract =")[-1]
    assert "deviations no quirk explains (regressions):" in summary
    assert "archived_consistent:" in summary


def test_an_empty_portal_is_an_inconclusive_run_saying_what_it_could_not_exercise(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tickets_contract.twin import TwinConfig

    result = _gate(pytester, Twin(config=TwinConfig(size=0)), monkeypatch)
    assert result.ret == 6  # inconclusive, never a silent pass
    out = result.stdout.str()
    assert "records discovered (3 read-only requests): 0 live and 0 archived tickets" in out
    assert "0 properties holding values, 0 with history" in out
    assert "could not exercise: the portal lists no live tickets" in out
    assert "INCONCLUSIVE: rules this run never evaluated:" in out
    assert "archived_consistent: needs an answer carrying tickets" in out
