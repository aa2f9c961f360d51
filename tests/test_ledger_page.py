"""The quirks page is generated from the ledger, and the committed copy is never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickets_contract.cli import EXIT_DEVIATION, EXIT_OK, main
from tickets_contract.spec.contract import specs_dir
from tickets_contract.spec.ledger import load_ledger
from tickets_contract.spec.ledger_page import render_page

# The repository: docs/QUIRKS.md and the cited cassettes, also when the package under test
# is an installed wheel.
ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "QUIRKS.md"


def test_the_committed_quirks_page_is_fresh() -> None:
    rendered = render_page(load_ledger(specs_dir() / "quirks.yaml"), root=ROOT)
    assert PAGE.read_text(encoding="utf-8") == rendered, (
        "docs/QUIRKS.md is stale: run `tickets-contract quirks --output docs/QUIRKS.md`"
    )


def test_every_quirk_has_a_section_with_its_evidence() -> None:
    ledger = load_ledger(specs_dir() / "quirks.yaml")
    page = render_page(ledger, root=ROOT)
    for quirk in ledger.quirks:
        assert f'<a id="{quirk.id}"></a>' in page
    # Sources are resolved to their descriptions for the reader, with their type, and
    # what they concern when it is not the tickets batch read.
    assert "S6 (docs): " in page
    assert ledger.sources["S6"] in page
    assert "S26 (recording) [contacts batch read]: " in page
    # Each quirk shows the kind and strength of its evidence; twin cassettes only pin.
    row = "[Every result carries its record page `url`](#result-url) | reported | analogous |"
    assert row in page
    assert "confidence **assumed** - evidence **contested**" in page
    assert "(pin the twin, not evidence)" in page


def test_check_fails_on_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "QUIRKS.md"
    stale.write_text(PAGE.read_text().replace("Quirks of", "Quirks off"))
    assert main(["quirks", "--check", str(stale)]) == EXIT_DEVIATION
    assert "is stale" in capsys.readouterr().err
    assert main(["quirks", "--output", str(stale)]) == EXIT_OK
    assert main(["quirks", "--check", str(stale)]) == EXIT_OK
