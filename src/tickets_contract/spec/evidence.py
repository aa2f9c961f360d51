"""How strong each ledger entry's evidence is, and so its confidence: derived, never stated.

The rule (the project's evidence rule for the ledger): a cassette recorded from the twin
shows what the twin does and is never evidence of HubSpot's behaviour. Evidence of
HubSpot's behaviour is a live recording (**observed**), or a source that quotes,
records or describes HubSpot's answers, or HubSpot's own docs (**reported**). Anything
else is **assumed**. In detail, for one entry:

* ``observed``: a live cassette supports it (``weight: for``);
* otherwise ``assumed`` when evidence of a reporting kind says otherwise (``weight:
  against``): the evidence conflicts, so the twin's choice is a bet;
* otherwise ``reported`` when a recording, a quote, HubSpot's docs, a first-hand account,
  or a transcribed (docs/report) cassette supports it;
* otherwise ``assumed``: the published spec, SDK code, third-party claims and hints (a
  neighbouring operation or case, ``weight: hint``) are never support.

``strength`` says how far the support reaches: **direct** when some of it concerns the
tickets batch read itself, **analogous** when all of it concerns another object type or
another batch operation (named), **contested** or **none** for assumptions.
``audit`` lists every entry that breaks the rule; a test keeps the committed ledger clean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tickets_contract.spec.ledger import Confidence, Evidence, Ledger, Quirk, SourceType, Weight

__all__ = ["CassetteOrigin", "Grade", "audit", "grade", "origin_reader"]

_REPORTING = frozenset(
    {SourceType.RECORDING, SourceType.QUOTE, SourceType.DOCS, SourceType.ACCOUNT}
)
_TRANSCRIBED = frozenset({"docs", "report"})
_DIRECT_OBJECT = "tickets"


@dataclass(frozen=True, slots=True, kw_only=True)
class CassetteOrigin:
    """What a cassette's header says about where it came from."""

    kind: str  # live | twin | docs | report
    object_type: str = _DIRECT_OBJECT
    citation: str | None = None


OriginReader = Callable[[str], CassetteOrigin | None]


def origin_reader(root: Path) -> OriginReader:
    """Reads cassette headers below ``root`` (the project directory); None when absent."""
    cache: dict[str, CassetteOrigin | None] = {}

    def read(path: str) -> CassetteOrigin | None:
        if path not in cache:
            cache[path] = _read_origin(_located(root, path))
        return cache[path]

    return read


def _located(root: Path, path: str) -> Path:
    """``root / path``; for the ledger's ``tests/cassettes/NAME`` citations, the corpus an
    installed package carries when ``root`` is not a source checkout."""
    where = root / path
    if not where.is_file() and path.startswith("tests/cassettes/"):
        # why: cassettes loads the recorder and an HTTP client; only an installed corpus needs it
        from tickets_contract.cassettes import corpus_dir

        return corpus_dir() / path.removeprefix("tests/cassettes/")
    return where


def _read_origin(path: Path) -> CassetteOrigin | None:
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    source = data.get("source") if isinstance(data, Mapping) else None
    if not isinstance(source, Mapping) or not isinstance(source.get("kind"), str):
        return None
    return CassetteOrigin(
        kind=source["kind"],
        object_type=str(source.get("object_type") or _DIRECT_OBJECT),
        citation=source.get("citation"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Grade:
    """An entry's derived confidence, how far its support reaches, and in words."""

    confidence: Confidence
    strength: str  # direct | analogous | contested | none
    detail: str

    def __str__(self) -> str:
        return f"{self.confidence.value}, {self.strength}: {self.detail}"


def _kind(item: Evidence, ledger: Ledger, read: OriginReader) -> str | None:
    """The item's kind of support: live, reporting, or None (no support)."""
    if item.cassette is not None:
        origin = read(item.cassette)
        if origin is None:
            return None
        if origin.kind == "live":
            return "live"
        return "reporting" if origin.kind in _TRANSCRIBED else None
    source_type = ledger.source_types.get(item.source or "")
    return "reporting" if source_type in _REPORTING else None


def _about(item: Evidence, read: OriginReader) -> str | None:
    """What the item shows when it is not the tickets batch read, else None."""
    if item.cassette is not None:
        origin = read(item.cassette)
        if origin is not None and origin.object_type != _DIRECT_OBJECT:
            return f"{origin.object_type} batch read"
        return None
    return item.about


def _label(item: Evidence, ledger: Ledger, read: OriginReader) -> str:
    if item.cassette is not None:
        origin = read(item.cassette)
        return f"{origin.kind if origin else 'missing'} cassette"
    return ledger.source_types[item.source or ""].value


def grade(quirk: Quirk, ledger: Ledger, read: OriginReader) -> Grade:
    """The confidence ``quirk``'s evidence supports, and its strength."""
    supporting = [i for i in quirk.evidence if i.weight is Weight.FOR]
    live = [i for i in supporting if _kind(i, ledger, read) == "live"]
    reporting = [i for i in supporting if _kind(i, ledger, read) == "reporting"]
    against = [i for i in quirk.evidence if i.weight is Weight.AGAINST]
    against_reporting = [
        i
        for i in against
        if _kind(i, ledger, read) in ("live", "reporting")
        or ledger.source_types.get(i.source or "") is SourceType.CLAIM
    ]
    counted = Counter(_label(i, ledger, read) for i in live or reporting)
    kinds = ", ".join(f"{n} {label}" for label, n in sorted(counted.items()))
    if live:
        return Grade(confidence=Confidence.OBSERVED, strength="direct", detail=kinds)
    if against_reporting:
        return Grade(
            confidence=Confidence.ASSUMED,
            strength="contested",
            detail=f"{len(reporting)} reporting for, {len(against_reporting)} against",
        )
    if reporting:
        abouts = [_about(i, read) for i in reporting]
        if any(about is None for about in abouts):
            return Grade(confidence=Confidence.REPORTED, strength="direct", detail=kinds)
        named = "; ".join(sorted({a for a in abouts if a}))
        return Grade(
            confidence=Confidence.REPORTED, strength="analogous", detail=f"{kinds} ({named})"
        )
    hints = sum(1 for i in quirk.evidence if i.weight is Weight.HINT)
    detail = f"{hints} hint(s) only" if hints else "nothing shows it"
    return Grade(confidence=Confidence.ASSUMED, strength="none", detail=detail)


def audit(ledger: Ledger, read: OriginReader) -> list[str]:
    """Every way the ledger breaks the evidence rule; empty when it keeps it."""
    problems: list[str] = []
    for quirk in ledger.quirks:
        where = f"{ledger.path}: {quirk.id}"
        for item in quirk.evidence:
            if item.cassette is None:
                continue
            origin = read(item.cassette)
            if origin is None:
                problems.append(f"{where}: cites {item.cassette}, which cannot be read")
            elif origin.kind == "twin":
                problems.append(
                    f"{where}: cites the twin cassette {item.cassette} as evidence; a twin "
                    "recording shows the twin, not HubSpot: list it under `pins:`"
                )
        for path in quirk.pins:
            origin = read(path)
            if origin is None or origin.kind != "twin":
                kind = origin.kind if origin else "unreadable"
                problems.append(
                    f"{where}: pins {path}, which is {kind}, not a twin recording; "
                    "cite it under `evidence:` instead"
                )
        derived = grade(quirk, ledger, read)
        if quirk.confidence is not derived.confidence:
            problems.append(
                f"{where}: states confidence {quirk.confidence.value}, but its evidence "
                f"supports {derived.confidence.value} ({derived.strength}: {derived.detail}); "
                f"set `confidence: {derived.confidence.value}` or add the evidence"
            )
    return problems
