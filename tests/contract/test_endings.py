"""Honest endings: each way a gate run can end has its own exit code and one line.

    0 pass, 1 regression (test_gate.py), 5 no tests collected, 6 inconclusive,
    7 target unreachable, 8 internal error, 130 interrupted (README, Exit codes)

pytester runs the gate in a scratch directory; the conftest breaks the gate itself (not
the API) to show that a breakdown is never reported as a regression.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tickets_contract.cli import (
    EXIT_DEVIATION,
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_TESTS,
    EXIT_OK,
    EXIT_UNREACHABLE,
    main,
)

TEST = (
    "from tickets_contract.suite.test_conformance import test_batch_read_conforms\n"
    "from tickets_contract.suite.test_conformance import test_ledger_quirks_still_reproduce\n"
)

# The gate's own code fails (not the API): Judge.send raises.
BREAKDOWN = """
import pytest
from tickets_contract.plugin import Judge

def send(self, case):
    raise {error}

@pytest.fixture(autouse=True, scope="session")
def _broken_gate():
    original = Judge.send
    Judge.send = send
    yield
    Judge.send = original
"""

# A target that holds no records the generated requests can find.
NO_RECORDS = """
import dataclasses
import pytest
from tickets_contract.records import KnownRecords
from tickets_contract.targets import parse_target

@pytest.fixture(scope="session")
def contract_target():
    return dataclasses.replace(parse_target("twin"), records=KnownRecords())
"""


def _gate(pytester: pytest.Pytester, conftest: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_gate_run=TEST)
    pytester.makeconftest(conftest)
    return pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--hypothesis-profile",
        "ci",
        "--tc-phases",
        "examples",
        *args,
    )


def test_an_internal_error_is_its_own_code_and_one_line(pytester: pytest.Pytester) -> None:
    result = _gate(pytester, BREAKDOWN.format(error="RuntimeError('a bug of ours')"))
    assert result.ret == EXIT_INTERNAL
    out = result.stdout.str()
    assert "internal error of tickets-contract: RuntimeError: a bug of ours" in out
    assert "Traceback" not in out
    assert "regressions" not in out


def test_an_interrupted_run_is_its_own_code(pytester: pytest.Pytester) -> None:
    result = _gate(pytester, BREAKDOWN.format(error="KeyboardInterrupt()"))
    assert result.ret == EXIT_INTERRUPTED


def test_a_target_that_goes_away_mid_run_is_unreachable_not_a_regression(
    pytester: pytest.Pytester,
) -> None:
    result = _gate(
        pytester, BREAKDOWN.format(error="__import__('requests').ConnectionError('gone')")
    )
    assert result.ret == EXIT_UNREACHABLE
    assert "target unreachable during the run: ConnectionError: gone" in result.stdout.str()


def test_a_run_that_evaluated_a_rule_zero_times_is_inconclusive_naming_it(
    pytester: pytest.Pytester,
) -> None:
    result = _gate(pytester, NO_RECORDS)
    assert result.ret == EXIT_INCONCLUSIVE
    out = result.stdout.str()
    assert "INCONCLUSIVE: rules this run never evaluated:" in out
    assert "split_and_merge: needs a read that returned two or more tickets" in out
    assert f"INCONCLUSIVE (exit {EXIT_INCONCLUSIVE})" in out
    # Accepted deliberately, the same run passes and says so.
    accepted = _gate(pytester, NO_RECORDS, "--tc-accept-inconclusive")
    assert accepted.ret == EXIT_OK
    assert "inconclusive run accepted (--tc-accept-inconclusive)" in accepted.stdout.str()


def test_the_cli_maps_every_ending_to_its_documented_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tickets_contract.cli as cli

    expected = {
        0: EXIT_OK,
        1: EXIT_DEVIATION,
        2: EXIT_INTERRUPTED,
        5: EXIT_NO_TESTS,
        6: EXIT_INCONCLUSIVE,
        7: EXIT_UNREACHABLE,
        8: EXIT_INTERNAL,
        130: EXIT_INTERRUPTED,
    }
    for pytest_code, cli_code in expected.items():
        monkeypatch.setattr(pytest, "main", lambda args, code=pytest_code: code)
        assert main(["run"]) == cli_code, pytest_code
    err = capsys.readouterr().err
    assert "no tests collected" in err
    assert "internal error (not a verdict on the API)" in err
    assert cli.EXIT_SAFETY == 3


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickets_contract.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_tests_collected_is_its_own_code_and_one_line(tmp_path: Path) -> None:
    done = _cli("run", "--phases", "examples", "-k", "no_such_test", cwd=tmp_path)
    assert done.returncode == EXIT_NO_TESTS
    assert done.stderr.strip().splitlines()[-1].startswith("tickets-contract: no tests collected")
    assert "Traceback" not in done.stderr


def test_an_unreachable_target_is_one_line_before_anything_runs(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = _cli("run", "--target", url, cwd=tmp_path, env={"HUBSPOT_ACCESS_TOKEN": "t"})
    assert done.returncode == EXIT_UNREACHABLE
    assert done.stderr.strip().splitlines() == [
        f"tickets-contract: unreachable: {url}: did not answer GET "
        "/crm/v3/objects/tickets (ConnectionError); is the target running, and is the URL right?"
    ]
    assert done.stdout == ""


def test_another_projects_pytest_configuration_changes_nothing(tmp_path: Path) -> None:
    # A folder whose pytest configuration would deselect, misname or break the gate.
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = -k nothing_at_all -p no:hypothesispytest\n"
        "python_files = check_*.py\nfilterwarnings = error\nxfail_strict = true\n"
    )
    (tmp_path / "conftest.py").write_text("raise RuntimeError('a conftest of another project')\n")
    done = _cli("run", "--phases", "examples", cwd=tmp_path)
    assert done.returncode == EXIT_OK, done.stdout[-2000:] + done.stderr[-2000:]
    assert "no deviation" in done.stdout
    assert "2 passed" in done.stdout
