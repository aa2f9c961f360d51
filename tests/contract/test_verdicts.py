"""The gate's verdicts are those recorded in verdicts.json (issue 12: identical before and after).

``verdicts.json`` holds, for each item of the broken-API corpus and of the cassette corpus,
the verdict the gate gave at commit f1076c9, before the modules moved into subpackages
(``verdicts.py`` says how each is computed). A refactor that changes behaviour changes one.
The broken-API part runs a gate per item, so it is the ``slow`` tier (``pytest -m slow
-n 2``); the cassette corpus takes seconds and runs by default.

Record again (``python tests/contract/verdicts.py --write``) only for a change of
behaviour that is meant, and say so in the commit.
"""

from __future__ import annotations

import json

import pytest
from verdicts import cassette_verdicts, differences, load_baseline, mutant_names, mutant_verdict

BASELINE = load_baseline()


def test_the_baseline_covers_both_corpora() -> None:
    assert set(BASELINE["mutants"]) == set(mutant_names())
    assert BASELINE["mutants"]["unmutated"] == {"exit": 0, "rules": []}
    # Every mutant was killed (exit 1) naming some rule: the baseline is worth comparing to.
    killed = [v for k, v in BASELINE["mutants"].items() if k != "unmutated"]
    assert all(v["exit"] == 1 and v["rules"] for v in killed)
    assert len(BASELINE["cassettes"]) >= 30


def test_the_comparison_names_a_changed_verdict() -> None:
    changed = json.loads(json.dumps(BASELINE))
    changed["mutants"]["unmutated"] = {"exit": 1, "rules": ["inputs_accounted_for"]}
    lines = differences(BASELINE, {"mutants": changed["mutants"]})
    assert len(lines) == 1
    assert lines[0].startswith("mutants/unmutated: was ")
    assert differences(BASELINE, BASELINE) == []


def test_the_cassette_verdicts_are_unchanged() -> None:
    lines = differences(BASELINE, {"cassettes": cassette_verdicts()})
    assert not lines, "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", mutant_names())
def test_the_gate_verdict_is_unchanged(name: str) -> None:
    lines = differences(BASELINE, {"mutants": {name: mutant_verdict(name)}})
    assert not lines, "\n".join(lines)
