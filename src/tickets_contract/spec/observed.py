"""Marking ledger entries observed from live cassettes: ``tickets-contract quirks
--observed-from DIR``.

For every live cassette in ``DIR`` (``source.kind: live``, recorded by ``tickets-contract
record --target live``), the witnesses (``witness``) say which assumed or reported
entries its answers confirm. Each confirmed entry gets the cassette as evidence and
``confidence: observed`` in the ledger (the confidence its evidence now supports,
``evidence.grade``), and the cassette lists the entry among its quirks, so the two cite
each other. Refuted entries are only reported: what the API does instead is for a person
to write. Both files are written atomically; the ledger is edited as text, so its
comments and layout stay.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from tickets_contract.cassettes.format import (
    Cassette,
    SourceKind,
    dump_cassette,
    load_cassettes,
)
from tickets_contract.errors import LedgerError
from tickets_contract.files import SAFE_LOADER, write_atomically
from tickets_contract.spec.ledger import Confidence, Ledger, load_ledger, parse_ledger
from tickets_contract.spec.witness import Verdict, Witnessed, witness_cassettes

__all__ = ["Marking", "mark_observed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Marking:
    """What ``mark_observed`` did: entries marked (with their cassette), and refuted."""

    marked: Mapping[str, str]
    refuted: Mapping[str, Witnessed]
    live_cassettes: int


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def mark_observed(ledger_path: Path, directory: Path, *, root: Path) -> Marking:
    """Mark the entries the live cassettes in ``directory`` confirm; see the module."""
    ledger = load_ledger(ledger_path)
    live = [c for c in load_cassettes(directory) if c.source.kind is SourceKind.LIVE]
    candidates = [q.id for q in ledger.quirks if q.confidence is not Confidence.OBSERVED]
    marked: dict[str, str] = {}
    refuted: dict[str, Witnessed] = {}
    by_cassette: dict[str, list[str]] = {}
    for cassette in live:
        for quirk_id, seen in witness_cassettes([cassette], candidates).items():
            if seen.verdict is Verdict.REFUTED:
                refuted.setdefault(quirk_id, seen)
            elif quirk_id not in marked:
                marked[quirk_id] = _relative(Path(cassette.label), root)
                by_cassette.setdefault(cassette.label, []).append(quirk_id)
    for quirk_id in refuted:
        if quirk_id in marked:
            # A live answer refuted it elsewhere: not observed.
            by_cassette[_label_of(live, marked[quirk_id], root)].remove(quirk_id)
            del marked[quirk_id]
    if marked:
        text = ledger_path.read_text(encoding="utf-8")
        for quirk_id, cassette_path in marked.items():
            text = _mark(text, quirk_id, cassette_path, ledger)
        parse_ledger(_yaml(text, ledger_path), source=str(ledger_path))  # still valid
        write_atomically(ledger_path, text)
        for cassette in live:
            extra = [q for q in by_cassette.get(cassette.label, []) if q not in cassette.quirks]
            if extra:
                updated: Cassette = replace(cassette, quirks=(*cassette.quirks, *extra))
                write_atomically(Path(cassette.label), dump_cassette(updated))
    return Marking(marked=marked, refuted=refuted, live_cassettes=len(live))


def _label_of(live: list[Cassette], relative: str, root: Path) -> str:
    return next(c.label for c in live if _relative(Path(c.label), root) == relative)


def _yaml(text: str, path: Path) -> object:
    # why: PyYAML loads only when an observation file is read
    import yaml

    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # libyaml, as the ledger is read
    except yaml.YAMLError as exc:  # pragma: no cover - only our own edit could cause it
        raise LedgerError(
            source=str(path),
            where="(after marking)",
            problem=f"the edited ledger is not YAML ({exc})",
            fix="restore the file from version control",
        ) from None


def _mark(text: str, quirk_id: str, cassette_path: str, ledger: Ledger) -> str:
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.rstrip() == f"  - id: {quirk_id}"), None
    )
    if start is None:
        raise LedgerError(
            source=ledger.path,
            where=f"quirk {quirk_id}",
            problem="the entry is not written as `  - id: <id>` at the top of its block",
            fix="keep the ledger's layout (two spaces, dash, id) or mark the entry by hand",
        )
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")), len(lines)
    )
    block = lines[start:end]
    for i, line in enumerate(block):
        if re.match(r"^    confidence: ", line):
            block[i] = "    confidence: observed\n"
    evidence = next(i for i, line in enumerate(block) if line.rstrip() == "    evidence:")
    last = evidence
    for i in range(evidence + 1, len(block)):
        if block[i].startswith("      ") and block[i].strip():
            last = i
        elif block[i].strip():
            break
    block.insert(last + 1, f"      - cassette: {cassette_path}\n")
    return "".join([*lines[:start], *block, *lines[end:]])
