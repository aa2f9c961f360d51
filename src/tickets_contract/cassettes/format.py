"""The cassette format: recorded exchanges with the batch read, one YAML file per scenario.

A cassette is written for reviewers first. Its header says what it shows and where it
came from; its interactions hold only what matters to a client of the endpoint::

    format: 1
    name: by-id-partial-miss
    demonstrates: Two known tickets and two ids that do not exist ...
    quirks: [multi-status-on-read, aggregated-not-found-error, standard-error-optional-fields]
    source:
      kind: twin                  # live | twin | docs | report
      detail: tickets-contract 0.1.0 twin served over loopback HTTP
      citation: null              # docs and report: a ledger source id S<n>/U<n>, and where
      object_type: tickets
      twin: {seed: 0, size: 1000} # twin only: the TwinConfig settings that reproduce it
    recorded_at: '2026-05-01T10:00:00Z'   # or a date, or "unknown" for a quoted report
    contract: {version: v3, spec_commit: acf8514553b8be51271a340866464e3b75069632}
    portal: {unique_properties: [hs_object_id, external_ticket_ref]}
    note: null                    # anything a reader must know (what a report left out)
    interactions:
      - request:  {method, path, query, headers, json | text}
        response: {status, headers, volatile: {body: [...], headers: [...]}, json | text}

Request headers keep ``content-type`` and a placeholder for ``authorization`` that names
which credential was used (``Bearer <access token, redacted>``), never its value.
``volatile`` lists the values that differ between two identical requests (correlation
ids, timestamps of the batch): the recorder replaced them by fixed placeholders, and
comparisons ignore them.

Loading validates everything against ``schemas/cassette.schema.json`` (shipped in the
package, so editors can check a cassette too); a broken file fails with a
``CassetteError`` naming the file, the place (``interactions[1].response.status``) and
the fix.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from tickets_contract.errors import CassetteError
from tickets_contract.files import read_yaml
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.validation import Reader

__all__ = [
    "FORMAT_VERSION",
    "SAFE_LOADER",
    "Cassette",
    "ContractStamp",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "Source",
    "SourceKind",
    "Volatile",
    "dump_cassette",
    "load_cassette",
    "load_cassettes",
    "parse_cassette",
]

FORMAT_VERSION = 1
# libyaml's safe loader when PyYAML has it (ten times faster); safe either way: cassettes
# are shared files, and unsafe loading ran code from them (vcrpy GHSA-rpj2-4hq8-938g).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SourceKind(StrEnum):
    """Where a cassette's responses came from. Never claim live for anything else."""

    LIVE = "live"  # HubSpot's API itself, recorded by `tickets-contract record`
    TWIN = "twin"  # the local twin, served over loopback HTTP and recorded the same way
    DOCS = "docs"  # transcribed from HubSpot's published documentation
    REPORT = "report"  # transcribed from a third party quoting a live answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where the responses came from: the kind, in words, and for transcriptions the citation."""

    kind: SourceKind
    detail: str
    citation: str | None = None
    object_type: str = "tickets"
    twin: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractStamp:
    """The version of the published contract the cassette was recorded against."""

    version: str
    spec_commit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Volatile:
    """Values that differ between identical requests; comparisons skip them.

    ``body`` holds JSON pointers into the response body, ``headers`` lower-case names.
    """

    body: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.body or self.headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request as sent, minus what does not matter and every secret.

    ``json`` is the parsed JSON body; ``text`` a body that is not JSON (sent verbatim);
    at most one of them is set. ``query`` keeps the order of the URL; header names are
    lower-case.
    """

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    json: Any = None
    text: str | None = None

    def content(self) -> bytes:
        """The body as bytes on the wire (JSON compact, as httpx 0.28 writes it)."""
        if self.text is not None:
            return self.text.encode()
        if self.json is None:
            return b""
        return json.dumps(self.json, separators=(",", ":"), ensure_ascii=False).encode()

    def key(self) -> tuple[str, str, str, str]:
        """What a replay matches on: method, path, query and the parsed body."""
        query = json.dumps(sorted(self.query.items()))
        body = json.dumps(self.json, sort_keys=True) if self.text is None else f"text:{self.text}"
        return (self.method, self.path, query, body)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse:
    """One response: status, the headers that matter, the body and its volatile parts."""

    status: int
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    json: Any = None
    text: str | None = None
    volatile: Volatile = field(default_factory=Volatile)

    def content(self) -> bytes:
        """The body as bytes: compact JSON, as HubSpot sends it."""
        if self.text is not None:
            return self.text.encode()
        if self.json is None:
            return b""
        return json.dumps(self.json, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True, kw_only=True)
class Interaction:
    """One request and the response it got."""

    request: RecordedRequest
    response: RecordedResponse


@dataclass(frozen=True, slots=True, kw_only=True)
class Cassette:
    """A scenario's recorded interactions, with where, when and against what they were made.

    ``path`` is the file the cassette was loaded from (not part of the file).
    """

    name: str
    demonstrates: str
    quirks: tuple[str, ...]
    source: Source
    recorded_at: str
    contract: ContractStamp
    interactions: tuple[Interaction, ...]
    unique_properties: tuple[str, ...] = (OBJECT_ID_PROPERTY,)
    note: str | None = None
    path: str | None = None

    @property
    def label(self) -> str:
        """How errors and reports name the cassette: its file, else its name."""
        return self.path or f"cassette {self.name}"

    def to_data(self) -> dict[str, Any]:
        """The cassette as plain YAML-ready data, keys in reading order."""
        source: dict[str, Any] = {
            "kind": self.source.kind.value,
            "detail": self.source.detail,
            "citation": self.source.citation,
            "object_type": self.source.object_type,
        }
        if self.source.twin:
            source["twin"] = dict(self.source.twin)
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "demonstrates": self.demonstrates,
            "quirks": list(self.quirks),
            "source": source,
            "recorded_at": self.recorded_at,
            "contract": {
                "version": self.contract.version,
                "spec_commit": self.contract.spec_commit,
            },
            "portal": {"unique_properties": list(self.unique_properties)},
            "note": self.note,
            "interactions": [_interaction_data(i) for i in self.interactions],
        }


def _interaction_data(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    req: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": dict(request.headers),
    }
    _put_body(req, request.json, request.text)
    resp: dict[str, Any] = {"status": response.status, "headers": dict(response.headers)}
    if response.volatile:
        resp["volatile"] = {
            "body": list(response.volatile.body),
            "headers": list(response.volatile.headers),
        }
    _put_body(resp, response.json, response.text)
    return {"request": req, "response": resp}


def _put_body(target: dict[str, Any], json_body: Any, text: str | None) -> None:
    if text is not None:
        target["text"] = text
    elif json_body is not None:
        target["json"] = json_body


# --- writing ----------------------------------------------------------------------------


_FOLD_AT = 72


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for short leaves (`[a, b]`, `{id: '1'}`)."""

    def ignore_aliases(self, data: Any) -> bool:
        # Anchors and aliases make a cassette hard to read and to review.
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(_is_scalar(item) for item in data) or all(
        isinstance(item, dict) and len(item) <= 2 and all(map(_is_scalar, item.values()))
        for item in data
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow and bool(data))


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=not data)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line text (ticket content) reads best as a literal block, long prose folded.
    plain = data == data.strip() and data.isprintable() or "\n" in data
    style: str | None = None
    if plain and "\n" in data and not data.endswith((" ", "\t")):
        style = "|"
    elif plain and len(data) > _FOLD_AT and " " in data and "  " not in data:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(str, _represent_str)

_PREAMBLE = (
    "# A tickets-contract cassette: recorded exchanges with HubSpot's\n"
    "# POST /crm/v3/objects/tickets/batch/read. Format: src/tickets_contract/cassettes/format.py.\n"
    "# Secrets are scrubbed; volatile values are replaced by placeholders.\n"
)


def dump_cassette(cassette: Cassette) -> str:
    """The cassette as YAML text, with a short comment saying what the file is."""
    text = yaml.dump(
        cassette.to_data(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )
    return _PREAMBLE + text


# --- reading ----------------------------------------------------------------------------


def load_cassette(path: Path) -> Cassette:
    """Read and validate one cassette file."""
    data = read_yaml(
        path,
        CassetteError,
        missing_fix="pass an existing cassette, or record it with `tickets-contract record`",
        syntax_fix="correct the YAML syntax at that place, or record the cassette again",
        loader=SAFE_LOADER,
    )
    return parse_cassette(data, source=str(path))


def load_cassettes(directory: Path, names: Iterable[str] | None = None) -> tuple[Cassette, ...]:
    """Every ``*.yaml`` cassette in ``directory`` (or the ones named), sorted by name."""
    if names is not None:
        return tuple(load_cassette(directory / f"{name}.yaml") for name in names)
    if not directory.is_dir():
        raise CassetteError(
            source=str(directory),
            where="",
            problem="is not a directory",
            fix="pass the directory that holds the cassettes (--cassette-dir)",
        )
    return tuple(load_cassette(path) for path in sorted(directory.glob("*.yaml")))


_BODIES = frozenset({"json"})


def _when(value: Any) -> Any:
    # YAML reads an unquoted date or time as one; accept it, write it back as text.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_cassette(data: Any, *, source: str) -> Cassette:
    """Validate already-parsed cassette data; ``source`` names the file in errors.

    The shape is ``schemas/cassette.schema.json``; this adds what a schema cannot say:
    the file is named after the cassette.
    """
    read = Reader("cassette", source, CassetteError, opaque=_BODIES)
    if isinstance(data, Mapping) and "recorded_at" in data:
        data = {**data, "recorded_at": _when(data["recorded_at"])}
    read.check(data)
    name = data["name"]
    stem = Path(source).stem
    if source.endswith((".yaml", ".yml")) and stem != name:
        raise read.fail(
            ["name"],
            f"the cassette is named {name!r} but its file is {Path(source).name!r}",
            f"rename the file to {name}.yaml, or set `name: {stem}`",
        )
    raw = data["source"]
    portal = data.get("portal")
    return Cassette(
        name=name,
        demonstrates=data["demonstrates"],
        quirks=tuple(data["quirks"]),
        source=Source(
            kind=SourceKind(raw["kind"]),
            detail=raw["detail"],
            citation=raw.get("citation"),
            object_type=raw.get("object_type", "tickets"),
            twin=MappingProxyType(dict(raw.get("twin") or {})),
        ),
        recorded_at=data["recorded_at"],
        contract=ContractStamp(
            version=data["contract"]["version"], spec_commit=data["contract"]["spec_commit"]
        ),
        unique_properties=(
            (OBJECT_ID_PROPERTY,) if portal is None else tuple(portal["unique_properties"])
        ),
        note=data.get("note"),
        interactions=tuple(
            Interaction(request=_request(item["request"]), response=_response(item["response"]))
            for item in data["interactions"]
        ),
        path=source,
    )


def _lower(headers: Mapping[str, str] | None) -> MappingProxyType[str, str]:
    return MappingProxyType({k.lower(): v for k, v in (headers or {}).items()})


def _request(raw: Mapping[str, Any]) -> RecordedRequest:
    return RecordedRequest(
        method=raw["method"].upper(),
        path=raw["path"],
        query=MappingProxyType(dict(raw.get("query") or {})),
        headers=_lower(raw.get("headers")),
        json=raw.get("json"),
        text=raw.get("text"),
    )


def _response(raw: Mapping[str, Any]) -> RecordedResponse:
    volatile = raw.get("volatile") or {}
    return RecordedResponse(
        status=raw["status"],
        headers=_lower(raw.get("headers")),
        json=raw.get("json"),
        text=raw.get("text"),
        volatile=Volatile(
            body=tuple(volatile.get("body", ())),
            headers=tuple(h.lower() for h in volatile.get("headers", ())),
        ),
    )
