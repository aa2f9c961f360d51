"""docs/RULES.md, the list of facts and the rules that check them, names every rule."""

from __future__ import annotations

from pathlib import Path

from tickets_contract.judging.invariants import INVARIANTS
from tickets_contract.judging.relations import RELATION_NAMES

PAGE = Path(__file__).resolve().parents[1] / "docs" / "RULES.md"


def test_every_invariant_and_relation_is_on_the_rules_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    names = [check.__name__ for check in INVARIANTS] + list(RELATION_NAMES)
    assert [name for name in names if f"`{name}`" not in text] == []


def test_the_rules_page_cites_no_unshipped_path() -> None:
    assert "../shared" not in PAGE.read_text(encoding="utf-8")
