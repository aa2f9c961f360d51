"""The recorded corpus: each cassette judged, the twin's parity with it, the ledger's links.

Reads ``--tc-cassette-dir`` (default: the committed corpus, tests/cassettes), so the same
tests judge a fresh recording: ``pytest --tc-record-mode all --tc-target live`` re-records the
corpus from the live API and then judges what it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tickets_contract.cassettes import (
    SCENARIOS,
    SourceKind,
    corpus_dir,
    load_cassette,
    scenario_named,
)
from tickets_contract.cassettes.judging import CassetteJudge
from tickets_contract.cassettes.parity import twin_parity
from tickets_contract.cassettes.scrub import Scrubber
from tickets_contract.spec.contract import ContractKind, build_contract

# Transcribed cassettes the twin must reproduce, with the twin settings that do it.
# Answers of other object types or batch operations are translated to the tickets batch
# read and compared on what the twin can share with them (cassettes.parity.FOREIGN_COMPARED:
# not property names). docs-rate-limit-daily and report-v1-secondly-rate-limit are left out:
# their limits (DAILY, and the retired SECONDLY) are not the twin's ten-secondly one.
TRANSCRIBED_PARITY: dict[str, dict[str, Any]] = {
    "report-missing-token": {},
    "report-expired-token": {},
    "docs-missing-scopes-deals": {},
    "report-contacts-batch-read-inputs-only": {},
    "report-contacts-batch-update-partial": {},
    "report-contacts-update-array-input": {},
    "report-communications-non-numeric-id": {},
    "report-contacts-input-limit": {},
    "report-contacts-all-missing-by-email": {},
}
# The alternative setting of a section 11 behaviour, and a transcribed live answer the twin
# then no longer matches: parity measures what the recordings show.
ALTERNATIVES = [
    ("report-contacts-batch-read-inputs-only", {"result_urls": False}, "shape"),
    ("report-contacts-update-array-input", {"parse_errors_have_category": True}, "shape"),
    ("report-contacts-all-missing-by-email", {"all_missing_status": 404}, "status"),
]
# Deviations from the published contract each cassette must show: if one stops showing,
# the cassette (or the twin it came from) no longer demonstrates the quirk.
SHOWN = {
    "by-id-partial-miss": {"standard-error-optional-fields"},
    "id-property-partial-miss": {"standard-error-optional-fields"},
    "default-properties": {"request-property-lists-optional", "null-property-values"},
    "unknown-and-empty-properties": {"null-property-values"},
    "input-limit": {"batch-input-limit"},
    "history-input-limit": {"history-input-limit"},
    "id-property-not-unique": {"idproperty-must-be-unique"},
    "rate-limited": {"rate-limit-body"},
    "docs-rate-limit-daily": {"rate-limit-body"},
    "report-contacts-all-missing-by-email": {"standard-error-optional-fields"},
    "report-contacts-batch-read-inputs-only": {"request-property-lists-optional"},
    "report-contacts-batch-update-partial": {"standard-error-optional-fields"},
    "report-contacts-update-array-input": {"parse-error-without-category"},
    "report-communications-non-numeric-id": {"standard-error-optional-fields"},
    "report-contacts-input-limit": {"batch-input-limit"},
    "report-v1-secondly-rate-limit": {"rate-limit-body"},
}


def _directory(config: pytest.Config) -> Path:
    option = config.getoption("--tc-cassette-dir")
    return Path(option) if option else corpus_dir()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    paths = sorted(_directory(metafunc.config).glob("*.yaml"))
    if "cassette_path" in metafunc.fixturenames:
        metafunc.parametrize("cassette_path", paths, ids=[p.stem for p in paths])
    if "parity_path" in metafunc.fixturenames:
        # Recordings (twin, live) and the transcriptions the twin reproduces; the other
        # transcriptions name records of other portals and object types.
        chosen = [
            p
            for p in paths
            if p.stem in TRANSCRIBED_PARITY
            or load_cassette(p).source.kind in (SourceKind.TWIN, SourceKind.LIVE)
        ]
        metafunc.parametrize("parity_path", chosen, ids=[p.stem for p in chosen])


@pytest.fixture(scope="module", autouse=True)
def _recorded(cassette_recorder: Any) -> None:
    """Records the corpus first when --tc-record-mode asks for it (none: nothing)."""
    cassette_recorder()


@pytest.fixture(scope="module")
def judge() -> CassetteJudge:
    return CassetteJudge()


def test_cassette_conforms_to_the_contracts(cassette_path: Path, judge: CassetteJudge) -> None:
    verdict = judge.judge(load_cassette(cassette_path))
    assert not verdict.problems, "\n".join(verdict.problems)


@pytest.mark.parametrize(("name", "quirks"), sorted(SHOWN.items()))
def test_the_published_contract_fails_where_the_cassette_is_evidence(
    request: pytest.FixtureRequest, judge: CassetteJudge, name: str, quirks: set[str]
) -> None:
    verdict = judge.judge(load_cassette(_directory(request.config) / f"{name}.yaml"))
    assert quirks <= verdict.shown, f"{name} no longer shows {sorted(quirks - verdict.shown)}"


def test_the_twin_answers_as_the_cassette_shows(parity_path: Path) -> None:
    cassette = load_cassette(parity_path)
    mismatches = twin_parity(cassette, settings=TRANSCRIBED_PARITY.get(cassette.name))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(("name", "settings", "part"), ALTERNATIVES)
def test_the_alternative_settings_depart_from_the_recorded_answers(
    name: str, settings: dict[str, Any], part: str
) -> None:
    cassette = load_cassette(corpus_dir() / f"{name}.yaml")
    assert twin_parity(cassette, settings={}) == []
    mismatches = twin_parity(cassette, settings=settings)
    assert any(f": {part}: " in m for m in mismatches), mismatches


def test_every_scenario_has_a_cassette_that_is_not_stale(request: pytest.FixtureRequest) -> None:
    from tickets_contract.records import twin_records
    from tickets_contract.twin import UNIQUE_PROPERTY, Twin, TwinConfig

    directory = _directory(request.config)
    records: dict[str, Any] = {}
    for scenario in SCENARIOS:
        path = directory / f"{scenario.name}.yaml"
        assert path.is_file(), f"{path} is missing; fix: tickets-contract record"
        cassette = load_cassette(path)
        assert cassette.quirks == scenario.quirks, f"{path}: quirks differ from the scenario's"
        if cassette.source.kind is not SourceKind.TWIN:
            continue
        settings = cassette.source.twin
        key = repr(sorted((k, v) for k, v in settings.items() if k in ("seed", "size")))
        if key not in records:
            records[key] = twin_records(Twin(config=TwinConfig(**settings)), UNIQUE_PROPERTY)
        expected = scenario.resolve(records[key])
        recorded = tuple(i.request for i in cassette.interactions)
        assert [(r.key(), dict(r.headers)) for r in recorded] == [
            (r.key(), dict(r.headers)) for r in expected
        ], f"{path} was recorded from another version of its scenario; fix: record it again"


def test_every_cassette_that_is_not_a_scenario_is_a_transcription(
    request: pytest.FixtureRequest,
) -> None:
    for path in sorted(_directory(request.config).glob("*.yaml")):
        if scenario_named(path.stem) is None:
            cassette = load_cassette(path)
            assert cassette.source.kind in (SourceKind.DOCS, SourceKind.REPORT), path
            assert cassette.source.citation, path


def test_committed_cassettes_hold_no_token() -> None:
    from tickets_contract.twin import DEMO_TOKEN, EXPIRED_TOKEN, NO_SCOPE_TOKEN

    scrubber = Scrubber(
        {"access": DEMO_TOKEN, "expired": EXPIRED_TOKEN, "no-scope": NO_SCOPE_TOKEN}
    )
    for path in sorted(corpus_dir().rglob("*")):
        assert path.suffix == ".yaml", f"{path}: only cassettes belong in the corpus"
        scrubber.ensure_clean(path.read_text(encoding="utf-8"), where=str(path))


def test_the_ledger_and_the_cassettes_cite_each_other() -> None:
    ledger = build_contract(ContractKind.PUBLISHED).ledger
    root = Path(__file__).resolve().parents[2]  # the repository (cassettes are cited from it)
    cited: set[tuple[str, str]] = set()
    for quirk in ledger.quirks:
        paths = [e.cassette for e in quirk.evidence if e.cassette is not None]
        for path in [*paths, *quirk.pins]:
            assert (root / path).is_file(), (
                f"specs/quirks.yaml: {quirk.id} cites {path}, which does not exist"
            )
            cited.add((quirk.id, path))
    listed: set[tuple[str, str]] = set()
    for path in sorted(corpus_dir().glob("*.yaml")):
        for quirk_id in load_cassette(path).quirks:
            assert quirk_id in ledger.ids, f"{path}: quirk {quirk_id} is not in the ledger"
            listed.add((quirk_id, f"tests/cassettes/{path.name}"))
    assert listed - cited == set(), "cassettes the ledger does not cite as evidence"
    assert cited - listed == set(), "ledger evidence the cassette does not claim"
