"""The quirks ledger: the committed file is complete, and malformed ledgers fail clearly."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickets_contract.errors import LedgerError
from tickets_contract.files import SAFE_LOADER
from tickets_contract.spec.contract import specs_dir
from tickets_contract.spec.ledger import Confidence, load_ledger, parse_ledger

LEDGER = specs_dir() / "quirks.yaml"

# The minimum, plus every behaviour of the twin that rests on an assumption.
REQUIRED_QUIRKS = {
    "request-property-lists-optional",
    "null-property-values",
    "standard-error-optional-fields",
    "error-body-status-field",
    "error-content-type",
    "multi-status-on-read",
    "results-unordered",
    "batch-input-limit",
    "history-input-limit",
    "duplicate-ids",
    "all-missing-answer",
    "empty-inputs",
    "idproperty-must-be-unique",
}


def test_committed_ledger_loads_and_holds_the_required_quirks() -> None:
    ledger = load_ledger(LEDGER)
    assert REQUIRED_QUIRKS <= set(ledger.ids)
    for quirk in ledger.quirks:
        assert quirk.evidence, quirk.id


def test_assumptions_are_marked_assumed() -> None:
    ledger = load_ledger(LEDGER)
    for quirk_id in (
        "duplicate-ids",
        "all-missing-answer",
        "empty-inputs",
        "idproperty-must-be-unique",
    ):
        assert ledger[quirk_id].confidence is Confidence.ASSUMED


@functools.cache
def _committed() -> dict[str, Any]:
    # Parsed once, with libyaml as the package reads it: the pure-Python loader took
    # ~0.1 s a parse, and 17 tests each break their own copy of the same file.
    data: dict[str, Any] = yaml.load(LEDGER.read_text(), Loader=SAFE_LOADER)
    return data


def _data() -> dict[str, Any]:
    return copy.deepcopy(_committed())


def _break(mutate: Any) -> dict[str, Any]:
    data = _data()
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "where", "problem"),
    [
        (lambda d: d.update(version=2), "version", "expected version 1"),
        (lambda d: d.update(quirks=[]), "quirks", "non-empty list"),
        (
            lambda d: d["quirks"][1].pop("evidence"),
            "quirks[1] (id null-property-values).evidence",
            "is missing",
        ),
        (
            lambda d: d["quirks"][0].update(confidence="certain"),
            ".confidence",
            "expected one of observed",
        ),
        (lambda d: d["quirks"][0].update(since="last year"), ".since", "YYYY-MM-DD"),
        (lambda d: d["quirks"][0].update(id="Not Kebab"), ".id", "not kebab-case"),
        (
            lambda d: d["quirks"][2].update(id=d["quirks"][0]["id"]),
            "quirks[2]",
            "used by an earlier entry",
        ),
        (lambda d: d["quirks"][0].update(evidnce=[]), ".evidnce", "not a ledger field"),
        (
            lambda d: d["quirks"][0].update(evidence=[{"source": "X9", "cite": "?"}]),
            ".evidence[0]",
            "expected {source",
        ),
        (
            lambda d: d["quirks"][0].update(
                overlay={"patch": [{"op": "frobnicate", "path": "/x"}]}
            ),
            ".overlay.patch[0]",
            "RFC 6902",
        ),
        (lambda d: d["quirks"][0].update(overlay=[1]), ".overlay", "expected {patch"),
        (
            lambda d: d["quirks"][0]["evidence"].append({"source": "S99", "cite": "?"}),
            ".evidence[",
            "which `sources` does not list",
        ),
        (lambda d: d.update(sources={"X": "y"}), "sources.X", "is not a source id"),
        (lambda d: d["sources"].update(S1="text only"), "sources.S1", "expected {type, text}"),
        (
            lambda d: d["sources"].update(S1={"type": "rumour", "text": "t"}),
            "sources.S1.type",
            "expected one of recording",
        ),
        (
            lambda d: d["quirks"][0]["evidence"][0].update(weight="maybe"),
            ".evidence[0]",
            "weight for|against|hint",
        ),
        (lambda d: d["quirks"][0].update(pins=["x.yaml"]), ".pins", "{cassette: path}"),
    ],
    ids=[
        "version",
        "empty",
        "missing-field",
        "confidence",
        "since",
        "id-format",
        "duplicate-id",
        "unknown-field",
        "evidence-source",
        "patch-op",
        "overlay-shape",
        "unlisted-source",
        "sources-shape",
        "source-without-type",
        "source-type",
        "evidence-weight",
        "pins-shape",
    ],
)
def test_malformed_ledger_names_the_entry_and_the_fix(
    mutate: Any, where: str, problem: str
) -> None:
    with pytest.raises(LedgerError) as info:
        parse_ledger(_break(mutate), source="quirks.yaml")
    message = str(info.value)
    assert message.startswith("quirks.yaml: ")
    assert where in message
    assert problem in message
    assert "fix:" in message


def test_unreadable_and_invalid_yaml_ledgers(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="cannot be read"):
        load_ledger(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nquirks:\n  - id: [unclosed\n")
    with pytest.raises(LedgerError, match=r"line \d+, column \d+"):
        load_ledger(bad)
