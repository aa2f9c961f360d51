"""The live run closes the loop: answers confirm or refute the ledger's bets.

A twin served on loopback and configured to answer the alternative way of each section
11 behaviour stands in for the live API (recorded as ``live`` into a temporary
directory, never into the corpus): the record command's report and the quirk probe
must say which assumed or reported entries those answers refute and which they
confirm, and ``tickets-contract quirks --observed-from`` must mark the confirmed ones
observed in a copy of the ledger, leaving it consistent with the evidence rule.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickets_contract.cassettes import (
    SCENARIOS,
    RecordedRequest,
    RecordedResponse,
    Recorder,
    RecordMode,
    SourceKind,
    http_recording_target,
    load_cassette,
    scenario_named,
)
from tickets_contract.cassettes.probe import probe_quirks
from tickets_contract.cli import EXIT_OK, main
from tickets_contract.records import twin_records
from tickets_contract.settings import render_records
from tickets_contract.spec.contract import specs_dir
from tickets_contract.spec.evidence import audit, grade, origin_reader
from tickets_contract.spec.ledger import Confidence, load_ledger
from tickets_contract.spec.witness import Verdict, witness, witness_cassettes
from tickets_contract.targets import TOKEN_ENV
from tickets_contract.twin import (
    DEMO_TOKEN,
    EXPIRED_TOKEN,
    NO_SCOPE_TOKEN,
    UNIQUE_PROPERTY,
    Twin,
    TwinConfig,
    serve_in_thread,
)

# The repository (the corpus as committed), also when the package is an installed wheel.
ROOT = Path(__file__).resolve().parents[1]
# Each section 11 behaviour answered the other way.
ALTERNATIVE = TwinConfig(
    missing_inputs="reject",
    result_urls=False,
    parse_errors_have_category=True,
    advertised_ten_secondly=None,
)
REFUTED = {
    "missing-inputs-empty-answer",
    "result-url",
    "parse-error-without-category",
    "rate-limit-headers-on-every-answer",
}
CONFIRMED = {"history-newest-first", "multi-status-on-read", "non-numeric-ids-not-found"}
# The scenarios that show them: fewer requests, so the loopback rate budget never waits.
CHOSEN = (
    "missing-inputs",
    "by-id-all-found",
    "malformed-json",
    "properties-with-history",
    "by-id-partial-miss",
    "non-numeric-ids",
)
ENV = {
    TOKEN_ENV: DEMO_TOKEN,
    "HUBSPOT_EXPIRED_TOKEN": EXPIRED_TOKEN,
    "HUBSPOT_NO_SCOPE_TOKEN": NO_SCOPE_TOKEN,
}


@pytest.fixture(scope="module")
def alternative_url() -> Iterator[str]:
    with serve_in_thread(Twin(config=ALTERNATIVE)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def recorded(alternative_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Every scenario recorded from the alternative twin as if it were live; the output."""
    directory = tmp_path_factory.mktemp("live")
    records = directory.parent / "records.toml"
    records.write_text(
        render_records(twin_records(Twin(), UNIQUE_PROPERTY), comment="the twin's records")
    )
    patch = pytest.MonkeyPatch()
    for name, value in ENV.items():
        patch.setenv(name, value)
    capture: list[str] = []
    import contextlib
    import io

    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            code = main(
                [
                    "record",
                    "--target",
                    alternative_url,
                    "--source",
                    "live",
                    "--records",
                    str(records),
                    "--cassette-dir",
                    str(directory),
                    *(f"--scenario={name}" for name in CHOSEN),
                ]
            )
    finally:
        patch.undo()
    capture.append(buffer.getvalue())
    assert code == EXIT_OK, capture[0]
    return directory, capture[0]


def _verdicts(output: str) -> dict[str, str]:
    verdicts: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split()
        if (
            len(parts) >= 3
            and parts[1].startswith("(")
            and parts[2].rstrip(":")
            in (
                "confirmed",
                "refuted",
            )
        ):
            verdicts[parts[0]] = parts[2].rstrip(":")
    return verdicts


def test_recording_live_says_which_entries_the_answers_refute_and_confirm(
    recorded: tuple[Path, str],
) -> None:
    _, output = recorded
    assert "the target's answers against the ledger's assumed and reported entries:" in output
    verdicts = _verdicts(output)
    assert {q for q, v in verdicts.items() if v == "refuted"} >= REFUTED
    assert {q for q, v in verdicts.items() if v == "confirmed"} >= CONFIRMED
    assert not REFUTED & {q for q, v in verdicts.items() if v == "confirmed"}
    assert "not witnessed by these answers:" in output


def test_a_default_twin_confirms_what_the_alternative_refutes(tmp_path: Path) -> None:
    # The same scenarios against a twin that follows section 11: no refutation at all.
    with serve_in_thread(Twin()) as base_url:
        target = http_recording_target(
            base_url,
            kind=SourceKind.LIVE,
            records=twin_records(Twin(), UNIQUE_PROPERTY),
            environ=ENV,
        )
        chosen = [s for s in SCENARIOS if s.name in CHOSEN]
        outcomes = Recorder(target, tmp_path, RecordMode.ONCE).record(chosen)
    verdicts = {
        q: w.verdict for q, w in witness_cassettes(load_cassette(o.path) for o in outcomes).items()
    }
    assert {q for q, v in verdicts.items() if v is Verdict.REFUTED} == set()
    assert {q for q, v in verdicts.items() if v is Verdict.CONFIRMED} >= REFUTED | CONFIRMED


def test_the_probe_reports_refutations_from_a_live_answer(alternative_url: str) -> None:
    target = http_recording_target(
        alternative_url,
        kind=SourceKind.LIVE,
        records=twin_records(Twin(), UNIQUE_PROPERTY),
        environ=ENV,
    )
    names = ("missing-inputs", "by-id-all-found")
    result = probe_quirks(
        target,
        corpus=ROOT / "tests" / "cassettes",
        scenarios=[s for s in SCENARIOS if s.name in names],
    )
    refuted = {q for q, w in result.witnessed.items() if w.verdict is Verdict.REFUTED}
    assert refuted == REFUTED - {"parse-error-without-category"}


def test_quirks_marks_confirmed_entries_observed(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live_dir = tmp_path / "live"
    shutil.copytree(recorded[0], live_dir)
    ledger_path = tmp_path / "quirks.yaml"
    shutil.copy(specs_dir() / "quirks.yaml", ledger_path)
    page = tmp_path / "QUIRKS.md"
    code = main(
        [
            "quirks",
            "--observed-from",
            str(live_dir),
            "--ledger",
            str(ledger_path),
            "--output",
            str(page),
        ]
    )
    assert code == EXIT_OK
    err = capsys.readouterr().err
    before = load_ledger(specs_dir() / "quirks.yaml")
    after = load_ledger(ledger_path)
    for quirk_id in CONFIRMED:
        assert before[quirk_id].confidence is not Confidence.OBSERVED
        assert after[quirk_id].confidence is Confidence.OBSERVED, err
        cited = [e.cassette for e in after[quirk_id].evidence if e.cassette]
        assert any(str(live_dir) in str(c) for c in cited)
        assert f"observed  {quirk_id}" in err
    for quirk_id in REFUTED:
        assert after[quirk_id].confidence is before[quirk_id].confidence
        assert f"refuted   {quirk_id}" in err
    # The marked ledger keeps the evidence rule, and its page says observed.
    assert audit(after, origin_reader(ROOT)) == []
    graded = grade(after["history-newest-first"], after, origin_reader(ROOT))
    assert graded.confidence is Confidence.OBSERVED
    assert "| observed | direct |" in page.read_text()
    # Each live cassette now lists the entries it is evidence for.
    marked_from = next(e.cassette for e in after["history-newest-first"].evidence if e.cassette)
    assert "history-newest-first" in load_cassette(Path(marked_from)).quirks
    # Comments and layout of the ledger survive the edit.
    assert ledger_path.read_text().startswith("# The quirks ledger")


def _exchange(body: Any, status: int, answer: Any) -> tuple[str, RecordedRequest, RecordedResponse]:
    return (
        "crafted",
        RecordedRequest(method="POST", path="/x", json=body),
        RecordedResponse(status=status, json=answer),
    )


@pytest.mark.parametrize(
    ("quirk", "exchange", "verdict"),
    [
        (
            "all-missing-answer",
            _exchange({"inputs": [{"id": "1"}]}, 404, {"status": "error"}),
            Verdict.REFUTED,
        ),
        (
            "duplicate-ids",
            _exchange({"inputs": [{"id": "1"}, {"id": "1"}]}, 400, {"status": "error"}),
            Verdict.REFUTED,
        ),
        (
            "empty-inputs",
            _exchange({"inputs": []}, 200, {"status": "COMPLETE", "results": []}),
            Verdict.CONFIRMED,
        ),
        (
            "instant-drops-zero-millis",
            _exchange(
                {"inputs": []}, 200, {"results": [], "startedAt": "2026-01-01T00:00:00.000Z"}
            ),
            Verdict.REFUTED,
        ),
    ],
)
def test_each_witness_decides_on_one_exchange(
    quirk: str, exchange: tuple[str, RecordedRequest, RecordedResponse], verdict: Verdict
) -> None:
    assert witness([exchange], [quirk])[quirk].verdict is verdict


def test_a_missing_inputs_scenario_exists_for_live_runs() -> None:
    scenario = scenario_named("missing-inputs")
    assert scenario is not None
    assert "missing-inputs-empty-answer" in scenario.quirks
    assert yaml.safe_load((ROOT / "tests/cassettes/missing-inputs.yaml").read_text())
