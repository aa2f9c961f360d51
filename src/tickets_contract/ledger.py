"""The quirks ledger: each known deviation of the API from its published contract.

The ledger is data (``specs/quirks.yaml``); this module loads it into frozen values and
rejects a malformed file with the file, the entry and the fix. How strong each entry's
evidence is, and so its confidence, is derived from that evidence by ``evidence``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tickets_contract.errors import LedgerError
from tickets_contract.files import read_yaml

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
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SINCE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|unknown)$")
_SOURCE = re.compile(r"^(?:S\d+|U\d+)$")
_PATCH_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
_REQUIRED = ("id", "title", "spec_says", "api_does", "confidence", "since", "evidence")
_KNOWN = frozenset(_REQUIRED) | {"overlay", "twin", "pins"}


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


def load_ledger(path: Path) -> Ledger:
    """Read and validate a ledger file."""
    data = read_yaml(
        path,
        LedgerError,
        missing_fix="pass the path of an existing quirks.yaml, or restore specs/quirks.yaml",
    )
    return parse_ledger(data, source=str(path))


def parse_ledger(data: object, *, source: str) -> Ledger:
    """Validate already-parsed ledger data."""
    if not isinstance(data, Mapping):
        raise LedgerError(
            source=source,
            where="top level",
            problem=f"expected a mapping with `version` and `quirks`, got {type(data).__name__}",
            fix="start the file with `version: 1` and a `quirks:` list",
        )
    if data.get("version") != LEDGER_VERSION:
        raise LedgerError(
            source=source,
            where="version",
            problem=f"expected version {LEDGER_VERSION}, got {data.get('version')!r}",
            fix=f"set `version: {LEDGER_VERSION}`",
        )
    entries = data.get("quirks")
    if not isinstance(entries, list) or not entries:
        raise LedgerError(
            source=source,
            where="quirks",
            problem=f"expected a non-empty list of entries, got {entries!r:.60}",
            fix="list the quirks under `quirks:`, one mapping per entry",
        )
    sources, source_types = _parse_sources(data.get("sources"), source=source)
    quirks: list[Quirk] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        quirk = _parse_entry(entry, index=index, source=source)
        for i, item in enumerate(quirk.evidence):
            if item.source is not None and item.source not in sources:
                raise LedgerError(
                    source=source,
                    where=f"quirks[{index}] (id {quirk.id}).evidence[{i}]",
                    problem=f"cites {item.source}, which `sources` does not list",
                    fix=f"add {item.source} to `sources:` or cite a listed source",
                )
        if quirk.id in seen:
            raise LedgerError(
                source=source,
                where=f"quirks[{index}] (id {quirk.id})",
                problem="this id is used by an earlier entry",
                fix="give every entry its own id; ids are never reused",
            )
        seen.add(quirk.id)
        quirks.append(quirk)
    return Ledger(path=source, quirks=tuple(quirks), sources=sources, source_types=source_types)


def _parse_sources(value: object, *, source: str) -> tuple[dict[str, str], dict[str, SourceType]]:
    kinds = ", ".join(t.value for t in SourceType)
    if not isinstance(value, Mapping) or not value:
        raise LedgerError(
            source=source,
            where="sources",
            problem="expected a mapping of source ids (S<n> or U<n>) to {type, text}",
            fix="list every source cited in evidence under `sources:`, e.g. "
            "S6: {type: docs, text: HubSpot docs ...}",
        )
    texts: dict[str, str] = {}
    types: dict[str, SourceType] = {}
    for key, entry in value.items():
        where = f"sources.{key}"
        if not (isinstance(key, str) and _SOURCE.match(key)):
            raise LedgerError(
                source=source,
                where=where,
                problem=f"{key!r} is not a source id",
                fix="use S<n> or U<n> as in the fact sheet",
            )
        if not (
            isinstance(entry, Mapping)
            and set(entry) == {"type", "text"}
            and isinstance(entry["text"], str)
            and entry["text"].strip()
        ):
            raise LedgerError(
                source=source,
                where=where,
                problem=f"expected {{type, text}}, got {entry!r:.60}",
                fix=f"write `{key}: {{type: <one of {kinds}>, text: what the source is}}`",
            )
        try:
            types[key] = SourceType(entry["type"])
        except ValueError:
            raise LedgerError(
                source=source,
                where=f"{where}.type",
                problem=f"expected one of {kinds}, got {entry['type']!r}",
                fix="say recording for captured live answers, quote for a quoted answer, "
                "docs for HubSpot's own words, account or claim for descriptions",
            ) from None
        texts[key] = entry["text"]
    return texts, types


def _parse_entry(entry: object, *, index: int, source: str) -> Quirk:
    label = f"quirks[{index}]"
    if not isinstance(entry, Mapping):
        raise LedgerError(
            source=source,
            where=label,
            problem=f"expected a mapping, got {type(entry).__name__}",
            fix="write each entry as a mapping with id, title, spec_says, api_does, ...",
        )
    if isinstance(entry.get("id"), str):
        label = f"{label} (id {entry['id']})"

    def fail(field: str, problem: str, fix: str) -> LedgerError:
        return LedgerError(source=source, where=f"{label}.{field}", problem=problem, fix=fix)

    for field in _REQUIRED:
        if field not in entry:
            raise fail(field, "is missing", f"add `{field}:` to the entry")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise fail(
            unknown[0],
            "is not a ledger field",
            f"use only {', '.join(sorted(_KNOWN))}; check the spelling",
        )
    for field in ("id", "title", "spec_says", "api_does"):
        value = entry[field]
        if not isinstance(value, str) or not value.strip():
            raise fail(field, f"expected non-empty text, got {value!r:.60}", "write it out")
    if not _ID.match(entry["id"]):
        raise fail("id", f"{entry['id']!r} is not kebab-case", "use lower-case words joined by -")
    try:
        confidence = Confidence(entry["confidence"])
    except ValueError:
        raise fail(
            "confidence",
            f"expected one of {', '.join(c.value for c in Confidence)}, "
            f"got {entry['confidence']!r}",
            "say observed only for a recorded live exchange, reported for docs or "
            "third-party reports, assumed for inference",
        ) from None
    since = str(entry["since"])
    if not _SINCE.match(since):
        raise fail("since", f"expected YYYY-MM-DD or unknown, got {since!r}", "quote the date")
    evidence = _parse_evidence(entry["evidence"], fail)
    patch = _parse_overlay(entry.get("overlay"), fail)
    twin = entry.get("twin")
    if twin is not None and not isinstance(twin, str):
        raise fail("twin", f"expected text, got {twin!r:.60}", "describe it in one line")
    pins = _parse_pins(entry.get("pins"), fail)
    return Quirk(
        id=entry["id"],
        title=entry["title"],
        spec_says=entry["spec_says"],
        api_does=entry["api_does"],
        confidence=confidence,
        since=since,
        evidence=evidence,
        patch=patch,
        twin=twin,
        pins=pins,
    )


def _parse_pins(value: object, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(item, Mapping)
        and set(item) == {"cassette"}
        and isinstance(item["cassette"], str)
        for item in value
    ):
        raise fail(
            "pins",
            f"expected a list of {{cassette: path}}, got {value!r:.80}",
            "list the twin cassettes that pin this behaviour, "
            "e.g. - cassette: tests/cassettes/x.yaml",
        )
    return tuple(item["cassette"] for item in value)


def _parse_evidence(value: object, fail: Any) -> tuple[Evidence, ...]:
    if not isinstance(value, list) or not value:
        raise fail("evidence", f"expected a non-empty list, got {value!r:.60}", "cite a source")
    items: list[Evidence] = []
    for i, item in enumerate(value):
        weight = item.get("weight", "for") if isinstance(item, Mapping) else None
        about = item.get("about") if isinstance(item, Mapping) else None
        if weight not in {w.value for w in Weight} or not (
            about is None or (isinstance(about, str) and about.strip())
        ):
            raise fail(
                f"evidence[{i}]",
                f"expected weight for|against|hint and about as text, got {item!r:.80}",
                "write weight: against for contrary evidence, hint for related evidence",
            )
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("cassette"), str)
            and set(item) <= {"cassette", "weight"}
        ):
            items.append(Evidence(cassette=item["cassette"], weight=Weight(weight)))
            continue
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("source"), str)
            and _SOURCE.match(item["source"])
            and isinstance(item.get("cite"), str)
            and set(item) <= {"source", "cite", "about", "weight"}
        ):
            items.append(
                Evidence(
                    source=item["source"], cite=item["cite"], about=about, weight=Weight(weight)
                )
            )
            continue
        raise fail(
            f"evidence[{i}]",
            "expected {source: S<n>|U<n>, cite: text, about?, weight?} or "
            f"{{cassette: path, weight?}}, got {item!r:.80}",
            "use a source id from the ledger's sources table, or a cassette path",
        )
    return tuple(items)


def _parse_overlay(value: object, fail: Any) -> tuple[Mapping[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping) or set(value) != {"patch"}:
        raise fail("overlay", f"expected {{patch: [...]}}, got {value!r:.80}", "write `patch:`")
    ops = value["patch"]
    if not isinstance(ops, Sequence) or isinstance(ops, str) or not ops:
        raise fail("overlay.patch", "expected a non-empty list of operations", "see RFC 6902")
    for i, op in enumerate(ops):
        if not (
            isinstance(op, Mapping)
            and op.get("op") in _PATCH_OPS
            and isinstance(op.get("path"), str)
            and op["path"].startswith("/")
        ):
            raise fail(
                f"overlay.patch[{i}]",
                f"expected an RFC 6902 operation with op and a /path, got {op!r:.80}",
                f"use op one of {', '.join(sorted(_PATCH_OPS))} and a JSON pointer path",
            )
    return tuple(ops)
