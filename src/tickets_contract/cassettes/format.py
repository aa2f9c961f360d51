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

Loading validates everything; a broken file fails with a ``CassetteError`` naming the
file, the place (``interactions[1].response.status``) and the fix.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from tickets_contract.errors import CassetteError
from tickets_contract.files import read_yaml
from tickets_contract.hubspot import OBJECT_ID_PROPERTY

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

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CITATION = re.compile(r"\b(?:[SU]\d+|search ids? \d+)\b")
_WHEN = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)?|unknown)$")
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_TOP_KEYS = (
    "format",
    "name",
    "demonstrates",
    "quirks",
    "source",
    "recorded_at",
    "contract",
    "portal",
    "note",
    "interactions",
)
_REQUIRED_TOP = (
    "format",
    "name",
    "demonstrates",
    "quirks",
    "source",
    "recorded_at",
    "contract",
    "interactions",
)


class SourceKind(StrEnum):
    """Where a cassette's responses came from. Never claim live for anything else."""

    LIVE = "live"  # HubSpot's API itself, recorded by `tickets-contract record`
    TWIN = "twin"  # the local twin, served over loopback HTTP and recorded the same way
    DOCS = "docs"  # transcribed from HubSpot's published documentation
    REPORT = "report"  # transcribed from a third party quoting a live answer


_TRANSCRIBED = frozenset({SourceKind.DOCS, SourceKind.REPORT})


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


class _Reader:
    """Validation helpers that know the file, so every error names it and the place."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str, fix: str) -> CassetteError:
        return CassetteError(source=self.source, where=where, problem=problem, fix=fix)

    def mapping(self, value: Any, where: str, keys: Sequence[str], required: Sequence[str]) -> Any:
        if not isinstance(value, Mapping):
            raise self.fail(
                where or "top level",
                f"expected a mapping, got {_kind(value)}",
                f"write it as a mapping with {', '.join(required)}",
            )
        for key in required:
            if key not in value:
                raise self.fail(_at(where, key), "is missing", f"add `{key}:`")
        unknown = [key for key in value if key not in keys]
        if unknown:
            raise self.fail(
                _at(where, str(unknown[0])),
                "is not a field of this part of a cassette",
                f"use only {', '.join(keys)}; check the spelling",
            )
        return value

    def text(self, value: Any, where: str, *, fix: str = "write it as text") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected non-empty text, got {value!r:.60}", fix)
        return value

    def strings(self, value: Any, where: str, fix: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(where, f"expected a list of text, got {value!r:.60}", fix)
        return tuple(value)

    def str_map(self, value: Any, where: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self.fail(
                where,
                f"expected a mapping of text to text, got {value!r:.60}",
                "quote every value, e.g. archived: 'true'",
            )
        return dict(value)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def parse_cassette(data: Any, *, source: str) -> Cassette:
    """Validate already-parsed cassette data; ``source`` names the file in errors."""
    read = _Reader(source)
    top = read.mapping(data, "", _TOP_KEYS, _REQUIRED_TOP)
    if top["format"] != FORMAT_VERSION:
        raise read.fail(
            "format",
            f"expected format {FORMAT_VERSION}, got {top['format']!r}",
            f"set `format: {FORMAT_VERSION}`, or record the cassette again with this version",
        )
    name = read.text(top["name"], "name")
    if not _NAME.match(name):
        raise read.fail("name", f"{name!r} is not kebab-case", "use lower-case words joined by -")
    stem = Path(source).stem
    if source.endswith((".yaml", ".yml")) and stem != name:
        raise read.fail(
            "name",
            f"the cassette is named {name!r} but its file is {Path(source).name!r}",
            f"rename the file to {name}.yaml, or set `name: {stem}`",
        )
    quirks = read.strings(top["quirks"], "quirks", "list quirk ids of specs/quirks.yaml")
    for index, quirk in enumerate(quirks):
        if not _NAME.match(quirk):
            raise read.fail(f"quirks[{index}]", f"{quirk!r} is not a quirk id", "use a ledger id")
    return Cassette(
        name=name,
        demonstrates=read.text(top["demonstrates"], "demonstrates"),
        quirks=quirks,
        source=_source(read, top["source"]),
        recorded_at=_when(read, top["recorded_at"]),
        contract=_contract(read, top["contract"]),
        unique_properties=_portal(read, top.get("portal")),
        note=_note(read, top.get("note")),
        interactions=_interactions(read, top["interactions"]),
        path=source,
    )


def _source(read: _Reader, value: Any) -> Source:
    keys = ("kind", "detail", "citation", "object_type", "twin")
    raw = read.mapping(value, "source", keys, ("kind", "detail"))
    try:
        kind = SourceKind(raw["kind"])
    except ValueError:
        raise read.fail(
            "source.kind",
            f"expected one of {', '.join(k.value for k in SourceKind)}, got {raw['kind']!r}",
            "say live only for a recording of HubSpot's API, twin for the twin, docs or "
            "report for a transcribed answer",
        ) from None
    citation = raw.get("citation")
    if kind in _TRANSCRIBED:
        if not isinstance(citation, str) or not _CITATION.search(citation):
            raise read.fail(
                "source.citation",
                f"a {kind.value} cassette needs a citation, got {citation!r:.60}",
                "cite a source id of the ledger (S<n>, U<n>, specs/quirks.yaml sources) or a "
                "search id, and where",
            )
    elif citation is not None:
        read.text(citation, "source.citation")
    twin = raw.get("twin") or {}
    if not isinstance(twin, Mapping) or (twin and kind is not SourceKind.TWIN):
        raise read.fail(
            "source.twin",
            f"expected the TwinConfig settings of a twin recording, got {twin!r:.60}",
            "give twin settings (seed, size, ...) only when source.kind is twin",
        )
    return Source(
        kind=kind,
        detail=read.text(raw["detail"], "source.detail"),
        citation=citation,
        object_type=read.text(raw.get("object_type", "tickets"), "source.object_type"),
        twin=MappingProxyType(dict(twin)),
    )


def _when(read: _Reader, value: Any) -> str:
    # YAML reads an unquoted date or time as one; accept it, write it back as text.
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _WHEN.match(value):
        raise read.fail(
            "recorded_at",
            f"expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or unknown, got {value!r:.60}",
            "quote the UTC time of the recording, or the date of the quoted report",
        )
    return value


def _contract(read: _Reader, value: Any) -> ContractStamp:
    raw = read.mapping(value, "contract", ("version", "spec_commit"), ("version", "spec_commit"))
    return ContractStamp(
        version=read.text(raw["version"], "contract.version"),
        spec_commit=read.text(raw["spec_commit"], "contract.spec_commit"),
    )


def _portal(read: _Reader, value: Any) -> tuple[str, ...]:
    if value is None:
        return (OBJECT_ID_PROPERTY,)
    raw = read.mapping(value, "portal", ("unique_properties",), ("unique_properties",))
    return read.strings(
        raw["unique_properties"],
        "portal.unique_properties",
        "list the portal's unique-value properties, e.g. [hs_object_id, external_ticket_ref]",
    )


def _note(read: _Reader, value: Any) -> str | None:
    return None if value is None else read.text(value, "note")


def _interactions(read: _Reader, value: Any) -> tuple[Interaction, ...]:
    if not isinstance(value, list) or not value:
        raise read.fail(
            "interactions",
            f"expected a non-empty list, got {value!r:.60}",
            "list at least one {request, response} pair",
        )
    interactions = []
    for index, item in enumerate(value):
        where = f"interactions[{index}]"
        raw = read.mapping(item, where, ("request", "response"), ("request", "response"))
        interactions.append(
            Interaction(
                request=_request(read, raw["request"], f"{where}.request"),
                response=_response(read, raw["response"], f"{where}.response"),
            )
        )
    return tuple(interactions)


def _body(read: _Reader, raw: Mapping[str, Any], where: str) -> tuple[Any, str | None]:
    if "json" in raw and "text" in raw:
        raise read.fail(
            f"{where}.text",
            "a body is either json or text, not both",
            "keep `json:` for a JSON body, `text:` for anything else",
        )
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise read.fail(f"{where}.text", f"expected text, got {_kind(text)}", "quote the body")
    return raw.get("json"), text


def _request(read: _Reader, value: Any, where: str) -> RecordedRequest:
    keys = ("method", "path", "query", "headers", "json", "text")
    raw = read.mapping(value, where, keys, ("method", "path"))
    method = raw["method"]
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise read.fail(
            f"{where}.method", f"expected an HTTP method, got {method!r:.40}", "write e.g. POST"
        )
    path = read.text(raw["path"], f"{where}.path")
    if not path.startswith("/") or "?" in path:
        raise read.fail(
            f"{where}.path",
            f"expected a path such as /crm/v3/objects/tickets/batch/read, got {path!r:.60}",
            "start it with / and put query parameters under `query:`",
        )
    json_body, text = _body(read, raw, where)
    headers = read.str_map(raw.get("headers"), f"{where}.headers")
    return RecordedRequest(
        method=method.upper(),
        path=path,
        query=MappingProxyType(read.str_map(raw.get("query"), f"{where}.query")),
        headers=MappingProxyType({k.lower(): v for k, v in headers.items()}),
        json=json_body,
        text=text,
    )


def _response(read: _Reader, value: Any, where: str) -> RecordedResponse:
    keys = ("status", "headers", "volatile", "json", "text")
    raw = read.mapping(value, where, keys, ("status",))
    status = raw["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise read.fail(
            f"{where}.status",
            f"expected an HTTP status code (100-599), got {status!r:.40}",
            "write the status as a number, e.g. 207",
        )
    json_body, text = _body(read, raw, where)
    headers = read.str_map(raw.get("headers"), f"{where}.headers")
    return RecordedResponse(
        status=status,
        headers=MappingProxyType({k.lower(): v for k, v in headers.items()}),
        json=json_body,
        text=text,
        volatile=_volatile(read, raw.get("volatile"), f"{where}.volatile"),
    )


def _volatile(read: _Reader, value: Any, where: str) -> Volatile:
    if value is None:
        return Volatile()
    raw = read.mapping(value, where, ("body", "headers"), ())
    body = read.strings(raw.get("body", []), f"{where}.body", "list JSON pointers like /startedAt")
    for index, pointer in enumerate(body):
        if not pointer.startswith("/"):
            raise read.fail(
                f"{where}.body[{index}]",
                f"{pointer!r} is not a JSON pointer",
                "start it with /, e.g. /correlationId",
            )
    headers = read.strings(raw.get("headers", []), f"{where}.headers", "list header names")
    return Volatile(body=body, headers=tuple(h.lower() for h in headers))
