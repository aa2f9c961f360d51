"""Tampering with a recorded response makes the replay tests fail.

A required field removed or a wrong status in one recorded response must fail the corpus
tests (test_corpus.py) when they judge a copy of the corpus holding it: the contract
judges catch the first, the twin's parity the second.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickets_contract.cassettes import corpus_dir, load_cassette
from tickets_contract.cassettes.judging import CassetteJudge
from tickets_contract.cassettes.parity import twin_parity

NAME = "by-id-partial-miss"


def _drop_created_at(response: dict[str, Any]) -> None:
    del response["json"]["results"][0]["createdAt"]


def _status_200(response: dict[str, Any]) -> None:
    response["status"] = 200


def _tampered(directory: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    path = directory / f"{NAME}.yaml"
    shutil.copy(corpus_dir() / path.name, path)
    data = yaml.safe_load(path.read_text())
    change(data["interactions"][0]["response"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_untouched_cassette_passes(tmp_path: Path) -> None:
    cassette = load_cassette(_tampered(tmp_path, lambda response: None))
    assert CassetteJudge().judge(cassette).ok
    assert twin_parity(cassette) == []


def test_a_removed_required_field_fails_the_contract(tmp_path: Path) -> None:
    verdict = CassetteJudge().judge(load_cassette(_tampered(tmp_path, _drop_created_at)))
    assert any(
        "effective contract rejects it: response_schema_conformance" in line and "createdAt" in line
        for line in verdict.problems
    ), verdict.problems


def test_a_wrong_status_fails_parity_and_the_invariants(tmp_path: Path) -> None:
    cassette = load_cassette(_tampered(tmp_path, _status_200))
    assert twin_parity(cassette) == [
        f"{cassette.label}: interactions[0]: status: the cassette has 200, the twin answers 207"
    ]
    assert not CassetteJudge().judge(cassette).ok


CORPUS_TESTS = Path(__file__).with_name("test_corpus.py")


@pytest.mark.parametrize(
    ("change", "failed", "message"),
    [
        # The contract judges it; the twin's parity compares shapes, which still agree.
        (_drop_created_at, 1, "*response_schema_conformance*createdAt*"),
        # The invariant status_matches_errors judges it, and the twin answers 207.
        (_status_200, 2, "*the twin answers 207*"),
    ],
    ids=["required-field-removed", "wrong-status"],
)
def test_the_corpus_tests_fail_on_a_tampered_copy(
    pytester: pytest.Pytester,
    change: Callable[[dict[str, Any]], None],
    failed: int,
    message: str,
) -> None:
    copy = pytester.mkdir("cassettes")
    _tampered(copy, change)
    pytester.makepyfile(test_corpus=CORPUS_TESTS.read_text())
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--tc-cassette-dir", str(copy), "-k", "conforms or twin_answers"
    )
    result.assert_outcomes(failed=failed, passed=2 - failed)
    result.stdout.fnmatch_lines([message])
