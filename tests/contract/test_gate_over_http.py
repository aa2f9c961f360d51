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
    pytester: pytest.Pytester, twin: Twin, monkeypatch: pytest.MonkeyPatch
) -> pytest.RunResult:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", DEMO_TOKEN)
    pytester.makepyfile(test_gate_run=TEST)
    pytester.makeconftest(CONFTEST)
    with serve_in_thread(twin) as base_url:
        # Known records make generated ids and the probe's scenarios find tickets.
        records = pytester.path / "records.toml"
        from tickets_contract.records import twin_records
        from tickets_contract.settings import render_records
        from tickets_contract.twin import UNIQUE_PROPERTY

        records.write_text(render_records(twin_records(twin, UNIQUE_PROPERTY), comment="test"))
        return pytester.runpytest(
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile",
            "ci",
            "--tc-target",
            base_url,
            "--tc-config",
            str(records),
            "--tc-phases",
            "examples",
        )


def test_the_served_twin_passes_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _gate(pytester, Twin(), monkeypatch)
    assert result.ret == pytest.ExitCode.OK
    out = result.stdout.str()
    assert "no deviation" in out
    assert "exchanges judged in" in out  # progress lines on the way
    assert "quirk probe:" in out


def test_a_served_twin_with_one_invariant_broken_fails_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _gate(pytester, BrokenTwin(leaks_archived), monkeypatch)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = result.stdout.str().split("= tickets-contract =")[-1]
    assert "deviations no quirk explains (regressions):" in summary
    assert "archived_consistent:" in summary
