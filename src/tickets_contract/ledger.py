"""The quirks ledger: each known deviation of the API from its published contract.

The ledger is data (``specs/quirks.yaml``); this module loads it into frozen values and
rejects a malformed file with the file, the entry and the fix.
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

__all__ = ["Confidence", "Evidence", "Ledger", "Quirk", "load_ledger", "parse_ledger"]

LEDGER_VERSION = 1
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SINCE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|unknown)$")
_SOURCE = re.compile(r"^(?:S\d+|U\d+)$")
_PATCH_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
_REQUIRED = ("id", "title", "spec_says", "api_does", "confidence", "since", "evidence")
_KNOWN = frozenset(_REQUIRED) | {"overlay", "twin"}


class Confidence(StrEnum):
    """How sure we are that the API behaves as the entry says."""

    OBSERVED = "observed"  # seen in a recorded exchange with the live API
    REPORTED = "reported"  # HubSpot docs, or third parties quoting live answers
    ASSUMED = "assumed"  # our inference; a live run confirms or refutes it


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One piece of evidence: a source from the fact sheet, or a cassette file."""

    source: str | None = None
    cite: str | None = None
    cassette: str | None = None

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    """Every quirk, in file order, and where they came from."""

    path: str
    quirks: tuple[Quirk, ...]
    sources: Mapping[str, str]

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
    sources = data.get("sources")
    if not isinstance(sources, Mapping) or not all(
        isinstance(k, str) and _SOURCE.match(k) and isinstance(v, str) and v.strip()
        for k, v in sources.items()
    ):
        raise LedgerError(
            source=source,
            where="sources",
            problem="expected a mapping of source ids (S<n> or U<n>) to descriptions",
            fix="list every source cited in evidence under `sources:`, e.g. S6: HubSpot docs ...",
        )
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
    return Ledger(path=source, quirks=tuple(quirks), sources=dict(sources))


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
    )


def _parse_evidence(value: object, fail: Any) -> tuple[Evidence, ...]:
    if not isinstance(value, list) or not value:
        raise fail("evidence", f"expected a non-empty list, got {value!r:.60}", "cite a source")
    items: list[Evidence] = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping) and isinstance(item.get("cassette"), str):
            items.append(Evidence(cassette=item["cassette"]))
            continue
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("source"), str)
            and _SOURCE.match(item["source"])
            and isinstance(item.get("cite"), str)
        ):
            items.append(Evidence(source=item["source"], cite=item["cite"]))
            continue
        raise fail(
            f"evidence[{i}]",
            f"expected {{source: S<n>|U<n>, cite: text}} or {{cassette: path}}, got {item!r:.80}",
            "use a source id from shared/research/hubspot-facts.md, or a cassette path",
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
