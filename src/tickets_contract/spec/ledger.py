"""The quirks ledger: each known deviation of the API from its published contract.

The ledger is data (``specs/quirks.yaml``); this module loads it into frozen values and
rejects a malformed file with the file, the entry and the fix. Its shape is
``schemas/ledger.schema.json``, shipped in the package so editors can check it too. How
strong each entry's evidence is, and so its confidence, is derived from that evidence by
``evidence``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tickets_contract.errors import LedgerError
from tickets_contract.files import file_version, read_yaml
from tickets_contract.validation import Reader

__all__ = [
    "Confidence",
    "Evidence",
    "Ledger",
    "Quirk",
    "SourceType",
    "Weight",
    "load_ledger",
    "parse_ledger",
]

LEDGER_VERSION = 1


class Confidence(StrEnum):
    """How sure we are that the API behaves as the entry says; derived by ``evidence``."""

    OBSERVED = "observed"  # seen in a recorded exchange with the live API
    REPORTED = "reported"  # HubSpot docs, or third parties quoting or recording live answers
    ASSUMED = "assumed"  # nothing shows it; a live run confirms or refutes it


class SourceType(StrEnum):
    """What kind of thing a source is, weakest evidence of live behaviour last."""

    RECORDING = "recording"  # a third party's recording of live answers (fixtures, snapshots)
    QUOTE = "quote"  # a third party quoting a whole or partial live answer
    DOCS = "docs"  # HubSpot's own words: documentation, changelog, a maintainer
    ACCOUNT = "account"  # a first-hand description of a live answer, without its body
    CLAIM = "claim"  # a third party asserting behaviour, no exchange described
    SPEC = "spec"  # HubSpot's published OpenAPI: what the spec says, not what the API does
    SDK = "sdk"  # HubSpot's client code: what clients expect, not what the API does


class Weight(StrEnum):
    """How one piece of evidence bears on the entry."""

    FOR = "for"  # shows the behaviour the entry states
    AGAINST = "against"  # shows a different behaviour: the entry is contested
    HINT = "hint"  # related (another operation, a neighbouring case): never support


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One piece of evidence: a source from the fact sheet, or a cassette file.

    ``about`` says what the source shows when it is not the tickets batch read (another
    object type or another batch operation), e.g. ``contacts batch update``.
    """

    source: str | None = None
    cite: str | None = None
    cassette: str | None = None
    about: str | None = None
    weight: Weight = Weight.FOR

    def __str__(self) -> str:
        if self.cassette is not None:
            return f"cassette {self.cassette}"
        return f"{self.source}: {self.cite}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Quirk:
    """One known deviation, and the JSON Patch that folds it into the effective contract."""

    id: str
    title: str
    spec_says: str
    api_does: str
    confidence: Confidence
    since: str
    evidence: tuple[Evidence, ...]
    patch: tuple[Mapping[str, Any], ...] = ()
    twin: str | None = None
    pins: tuple[str, ...] = ()
    """Cassettes recorded from the twin that pin how the twin shows this entry. They are
    never evidence of HubSpot's behaviour."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    """Every quirk, in file order, and where they came from."""

    path: str
    quirks: tuple[Quirk, ...]
    sources: Mapping[str, str]
    source_types: Mapping[str, SourceType]

    def __getitem__(self, quirk_id: str) -> Quirk:
        for quirk in self.quirks:
            if quirk.id == quirk_id:
                return quirk
        raise KeyError(quirk_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(quirk.id for quirk in self.quirks)


_LOADED: dict[tuple[str, str, int, int], Ledger] = {}


def load_ledger(path: Path) -> Ledger:
    """Read and validate a ledger file.

    Kept per process and version of the file (path, mtime, size): one run built the
    contracts from the same unchanged ledger five times. An edited file is read afresh.
    """
    version = file_version(path)
    # The spelling too: the ledger carries it as its source, for messages.
    key = None if version is None else (str(path), *version)
    if key is not None and key in _LOADED:
        return _LOADED[key]
    data = read_yaml(
        path,
        LedgerError,
        missing_fix="pass the path of an existing quirks.yaml, or restore specs/quirks.yaml",
    )
    ledger = parse_ledger(data, source=str(path))
    if key is not None:
        _LOADED[key] = ledger
    return ledger


def parse_ledger(data: object, *, source: str) -> Ledger:
    """Validate already-parsed ledger data.

    The shape is ``schemas/ledger.schema.json``; this adds what a schema cannot say:
    ids are unique, and every source cited in evidence is listed under ``sources``.
    """
    # An overlay's `value` is a piece of OpenAPI the schema leaves free.
    read = Reader("ledger", source, LedgerError, label="id", opaque=frozenset({"value"}))
    if isinstance(data, Mapping) and isinstance(data.get("quirks"), list):
        # A date-like `since` is text: YAML may have read it as a date.
        data = {**data, "quirks": [_since_as_text(entry) for entry in data["quirks"]]}
    read.check(data)
    assert isinstance(data, Mapping)
    sources = {key: entry["text"] for key, entry in data["sources"].items()}
    source_types = {key: SourceType(entry["type"]) for key, entry in data["sources"].items()}
    quirks: list[Quirk] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["quirks"]):
        quirk = _quirk(entry)
        for i, item in enumerate(quirk.evidence):
            if item.source is not None and item.source not in sources:
                raise read.fail(
                    ["quirks", index, "evidence", i],
                    f"cites {item.source}, which `sources` does not list",
                    f"add {item.source} to `sources:` or cite a listed source",
                )
        if quirk.id in seen:
            raise read.fail(
                ["quirks", index],
                "this id is used by an earlier entry",
                "give every entry its own id; ids are never reused",
            )
        seen.add(quirk.id)
        quirks.append(quirk)
    return Ledger(path=source, quirks=tuple(quirks), sources=sources, source_types=source_types)


def _since_as_text(entry: object) -> object:
    if isinstance(entry, Mapping) and "since" in entry:
        return {**entry, "since": str(entry["since"])}
    return entry


def _quirk(entry: Mapping[str, Any]) -> Quirk:
    overlay = entry.get("overlay")
    return Quirk(
        id=entry["id"],
        title=entry["title"],
        spec_says=entry["spec_says"],
        api_does=entry["api_does"],
        confidence=Confidence(entry["confidence"]),
        since=entry["since"],
        evidence=tuple(_evidence(item) for item in entry["evidence"]),
        patch=() if overlay is None else tuple(overlay["patch"]),
        twin=entry.get("twin"),
        pins=tuple(item["cassette"] for item in entry.get("pins") or ()),
    )


def _evidence(item: Mapping[str, Any]) -> Evidence:
    weight = Weight(item.get("weight", "for"))
    if "cassette" in item:
        return Evidence(cassette=item["cassette"], weight=weight)
    return Evidence(
        source=item["source"], cite=item["cite"], about=item.get("about"), weight=weight
    )
