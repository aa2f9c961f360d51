"""The broken-API corpus: the gate, run as a user runs it against a URL, kills every mutant.

Each mutant of ``mutants.py`` is the twin behind a mutating ASGI proxy, served by uvicorn
on 127.0.0.1. The gate runs as a child process, exactly as a user starts it:
``tickets-contract run --target URL`` with ``HUBSPOT_ACCESS_TOKEN`` set and nothing else
(no records, no settings: it starts in an empty directory). It must exit 1 naming the
mutant's rule among the regressions, and exit 0 on the unmutated proxy.

The whole corpus (~30 s a mutant on 2 cores) is the ``slow`` tier: ``pytest -m slow``
(add ``-n 2`` with pytest-xdist to halve it). The default run keeps the unmutated proxy
and the mutants marked ``fast``, with the gate's examples phase only (``--phases
examples``): the same command and verdicts on far fewer generated cases. So few cases
leave some rules unevaluated, which makes a run inconclusive (exit 6); the fast subset
accepts that (``--accept-inconclusive``), the slow tier does not: there the unmutated
proxy must pass outright.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mutants import CORPUS, Mutant, named_rules, run_gate, serve

from tickets_contract.cli import EXIT_DEVIATION, EXIT_OK
from tickets_contract.twin import DEMO_TOKEN

FAST_PHASES = ("--phases", "examples", "--accept-inconclusive")


def _assert_killed(mutant: Mutant, code: int, output: str) -> None:
    tail = output[-6000:]
    assert code == EXIT_DEVIATION, f"{mutant.name} ({mutant.bug}) survived:\n{tail}"
    assert mutant.rule in named_rules(output), f"{mutant.name}: {mutant.rule} not named:\n{tail}"


def test_the_corpus_is_large_and_each_mutant_is_distinct() -> None:
    names = [mutant.name for mutant in CORPUS]
    assert len(names) >= 20
    assert len(set(names)) == len(names)
    assert all(mutant.bug and mutant.rule for mutant in CORPUS)
    assert [m for m in CORPUS if m.fast], "the default run needs a fast subset"


def test_the_proxy_forwards_faithfully_and_mutates_only_batch_reads() -> None:
    import httpx

    from tickets_contract.twin import BATCH_READ_PATH, LIST_PATH

    mutant = next(m for m in CORPUS if m.name == "processing_when_large")
    body = {"inputs": [{"id": str(n)} for n in range(5)]}
    auth = {"Authorization": f"Bearer {DEMO_TOKEN}"}
    answers = {}
    for broken in (None, mutant):
        with serve(broken) as url, httpx.Client(base_url=url, headers=auth) as client:
            answers[broken] = (
                client.post(BATCH_READ_PATH, json=body).json(),
                client.get(LIST_PATH, params={"limit": 2}).json(),
            )
    (faithful, listed), (broken_read, broken_list) = answers[None], answers[mutant]
    assert faithful["status"] == "COMPLETE"
    assert broken_read["status"] == "PROCESSING"
    assert broken_list["results"] == listed["results"]


@pytest.mark.parametrize(
    "mutant", [None, *(m for m in CORPUS if m.fast)], ids=lambda m: m.name if m else "unmutated"
)
def test_the_fast_subset(mutant: Mutant | None, tmp_path: Path) -> None:
    with serve(mutant) as url:
        code, output = run_gate(url, tmp_path, *FAST_PHASES)
    if mutant is None:
        assert code == EXIT_OK, output[-6000:]
        assert "no deviation" in output
    else:
        _assert_killed(mutant, code, output)


@pytest.mark.slow
def test_the_gate_passes_the_unmutated_proxy(tmp_path: Path) -> None:
    with serve(None) as url:
        code, output = run_gate(url, tmp_path)
    assert code == EXIT_OK, output[-6000:]
    assert "no deviation" in output


@pytest.mark.slow
@pytest.mark.parametrize("mutant", CORPUS, ids=lambda m: m.name)
def test_the_gate_kills_each_mutant_naming_its_rule(mutant: Mutant, tmp_path: Path) -> None:
    with serve(mutant) as url:
        code, output = run_gate(url, tmp_path)
    _assert_killed(mutant, code, output)
