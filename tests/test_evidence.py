"""Confidence is derived from evidence, and a twin recording is never evidence of HubSpot."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickets_contract.spec.contract import specs_dir
from tickets_contract.spec.evidence import CassetteOrigin, audit, grade, origin_reader
from tickets_contract.spec.ledger import Confidence, load_ledger, parse_ledger

LEDGER = specs_dir() / "quirks.yaml"
# The repository (the corpus as committed), also when the package is an installed wheel.
ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_ledger_keeps_the_evidence_rule() -> None:
    # No entry cites a twin cassette as evidence, and every stated confidence is the one
    # its evidence supports.
    problems = audit(load_ledger(LEDGER), origin_reader(ROOT))
    assert problems == []


def test_every_twin_cassette_in_the_ledger_only_pins() -> None:
    ledger = load_ledger(LEDGER)
    read = origin_reader(ROOT)
    pinned = {path for quirk in ledger.quirks for path in quirk.pins}
    assert pinned, "the twin's recordings are listed under pins"
    for path in pinned:
        origin = read(path)
        assert origin is not None
        assert origin.kind == "twin"
    for quirk in ledger.quirks:
        for item in quirk.evidence:
            if item.cassette is not None:
                origin = read(item.cassette)
                assert origin is not None
                assert origin.kind != "twin", f"{quirk.id} cites {item.cassette}"


ORIGINS = {
    "twin.yaml": CassetteOrigin(kind="twin"),
    "live.yaml": CassetteOrigin(kind="live"),
    "report.yaml": CassetteOrigin(kind="report", object_type="contacts", citation="S9"),
}
SOURCES = {
    "S1": {"type": "spec", "text": "the published spec"},
    "S2": {"type": "sdk", "text": "an SDK"},
    "S9": {"type": "quote", "text": "a quoted live answer"},
    "S25": {"type": "claim", "text": "a claim"},
}


def _ledger(confidence: str, evidence: list[dict[str, Any]], **extra: Any) -> Any:
    entry = {
        "id": "some-quirk",
        "title": "t",
        "spec_says": "s",
        "api_does": "a",
        "confidence": confidence,
        "since": "unknown",
        "evidence": evidence,
        **extra,
    }
    data = {"version": 1, "sources": copy.deepcopy(SOURCES), "quirks": [entry]}
    return parse_ledger(data, source="quirks.yaml")


def _audit(confidence: str, evidence: list[dict[str, Any]], **extra: Any) -> list[str]:
    return audit(_ledger(confidence, evidence, **extra), ORIGINS.get)


@pytest.mark.parametrize(
    ("evidence", "derived", "strength"),
    [
        pytest.param([{"cassette": "live.yaml"}], "observed", "direct", id="live-cassette"),
        pytest.param(
            [{"source": "S9", "cite": "c"}, {"source": "S25", "cite": "c", "weight": "against"}],
            "assumed",
            "contested",
            id="contested",
        ),
        pytest.param(
            [{"source": "S9", "cite": "c", "about": "contacts batch update"}],
            "reported",
            "analogous",
            id="another-operation",
        ),
        pytest.param([{"source": "S9", "cite": "c"}], "reported", "direct", id="quote"),
        pytest.param([{"cassette": "report.yaml"}], "reported", "analogous", id="report-cassette"),
        pytest.param(
            [{"source": "S1", "cite": "c"}, {"source": "S2", "cite": "c"}],
            "assumed",
            "none",
            id="spec-and-sdk-are-no-support",
        ),
        pytest.param([{"source": "S25", "cite": "c"}], "assumed", "none", id="claim"),
        pytest.param(
            [{"source": "S9", "cite": "c", "weight": "hint"}], "assumed", "none", id="hint"
        ),
        pytest.param(
            [{"cassette": "twin.yaml"}], "assumed", "none", id="twin-cassette-is-no-support"
        ),
    ],
)
def test_confidence_is_derived_from_the_evidence(
    evidence: list[dict[str, Any]], derived: str, strength: str
) -> None:
    ledger = _ledger("assumed", evidence)
    graded = grade(ledger.quirks[0], ledger, ORIGINS.get)
    assert graded.confidence is Confidence(derived)
    assert graded.strength == strength


def test_a_twin_cassette_cited_as_evidence_fails_the_audit() -> None:
    problems = _audit("reported", [{"source": "S9", "cite": "c"}, {"cassette": "twin.yaml"}])
    assert len(problems) == 1
    assert "cites the twin cassette twin.yaml as evidence" in problems[0]
    assert "pins" in problems[0]


@pytest.mark.parametrize(
    ("stated", "evidence"),
    [
        pytest.param("reported", [{"source": "S1", "cite": "c"}], id="spec-claimed-reported"),
        pytest.param("observed", [{"source": "S9", "cite": "c"}], id="quote-claimed-observed"),
        pytest.param("assumed", [{"source": "S9", "cite": "c"}], id="understated"),
        pytest.param(
            "reported",
            [{"source": "S9", "cite": "c"}, {"source": "S9", "cite": "d", "weight": "against"}],
            id="contested-claimed-reported",
        ),
    ],
)
def test_a_confidence_the_evidence_does_not_support_fails_the_audit(
    stated: str, evidence: list[dict[str, Any]]
) -> None:
    problems = _audit(stated, evidence)
    assert len(problems) == 1
    assert f"states confidence {stated}" in problems[0]


def test_pins_must_be_twin_recordings() -> None:
    problems = _audit(
        "reported", [{"source": "S9", "cite": "c"}], pins=[{"cassette": "report.yaml"}]
    )
    assert len(problems) == 1
    assert "not a twin recording" in problems[0]


def test_the_committed_ledger_would_fail_if_a_twin_cassette_were_evidence() -> None:
    data = yaml.safe_load(LEDGER.read_text())
    entry = next(q for q in data["quirks"] if q.get("pins"))
    entry["evidence"].append({"cassette": entry["pins"][0]["cassette"]})
    ledger = parse_ledger(data, source=str(LEDGER))
    problems = audit(ledger, origin_reader(ROOT))
    assert any("cites the twin cassette" in p and entry["id"] in p for p in problems)
