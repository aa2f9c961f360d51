"""Reading one version of the spec, as HubSpot publishes it: a file or a URL.

HubSpot's files are not always valid OpenAPI: over its history the tickets spec has
shipped an unrelated operation's path parameter with ``"style": "SIMPLE"`` and a
``private_apps_legacy`` security scheme with malformed flows. What a client of the batch
read depends on is the operation and what it references, so only that part must be
valid: it is validated on its own (with the document's envelope, ``openapi``, ``info``
and ``servers``) and a fault there is an error naming the place. Every fault elsewhere
is a `SpecWarning`, reported and otherwise ignored.

The operation is found at any of HubSpot's paths for the tickets batch read: the v3
path, or a date-versioned one with the object type fixed (``tickets``, ``0-5``) or a
template (``{objectType}``) -- see `locate`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from tickets_contract.errors import SpecError, UnreachableError
from tickets_contract.files import SAFE_LOADER
from tickets_contract.spec.contract import (
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    TICKETS_OBJECT_TYPES,
    batch_read_template,
    validate_document,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Located",
    "Spec",
    "SpecWarning",
    "is_url",
    "load_spec",
    "locate",
    "read_spec",
    "show_source",
]

DEFAULT_TIMEOUT = 30.0  # seconds, for connecting and for each read
MAX_BYTES = 50 * 1024 * 1024  # HubSpot's largest spec is a few MB
_ENVELOPE = ("openapi", "info", "servers")
_METHOD = BATCH_READ_METHOD.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecWarning:
    """A fault outside the batch read operation: reported, never a refusal."""

    source: str
    where: str  # a JSON pointer into the document
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.problem}"

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "where": self.where, "problem": self.problem}


@dataclass(frozen=True, slots=True, kw_only=True)
class Located:
    """Where a document declares the tickets batch read.

    ``path`` is the key in ``paths`` (``/crm/objects/2025-09/{objectType}/batch/read``);
    ``template`` the name of its object-type parameter, "" when the path is fixed;
    ``url_path`` what a client calls for tickets (the template filled with ``tickets``).
    """

    path: str
    template: str
    item: Mapping[str, Any]
    operation: Mapping[str, Any]

    @property
    def url_path(self) -> str:
        if not self.template:
            return self.path
        return self.path.replace("{" + self.template + "}", TICKETS_OBJECT_TYPES[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """One version of the spec: its document, where the operation is, what was ignored."""

    source: str
    document: Mapping[str, Any]
    located: Located
    warnings: tuple[SpecWarning, ...] = ()


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def show_source(source: str | Path) -> str:
    """How a source is named in reports and errors: a URL without credentials or query."""
    if not is_url(source):
        return str(source)
    parts = urlsplit(str(source))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = "..." if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def load_spec(path: Path | str) -> dict[str, Any]:
    """The document of `read_spec` (kept for callers that want the mapping alone)."""
    return dict(read_spec(path).document)


def read_spec(source: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> Spec:
    """Load one version of the spec from a file or an http(s) URL.

    YAML, or JSON when the name ends in .json (or a URL answers with a JSON media type).
    The batch read and what it references must be valid OpenAPI (else SpecError naming
    the place); faults elsewhere become warnings. An unreachable URL raises
    UnreachableError; a URL is fetched without any token.
    """
    shown = show_source(source)
    if is_url(source):
        text, is_json = _fetch(str(source), timeout)
    else:
        text = _read_file(Path(source))
        is_json = Path(source).suffix.lower() == ".json"
    data = _parse_json(text, shown) if is_json else _parse_yaml(text, shown)
    if not isinstance(data, dict):
        raise SpecError(
            source=shown,
            where="top level",
            problem=f"expected an OpenAPI mapping, got {type(data).__name__}",
            fix="pass an OpenAPI document: a mapping that starts with `openapi: 3.0.x`",
        )
    return check_document(data, source=shown)


def check_document(original: Mapping[str, Any], *, source: str) -> Spec:
    """Validate the batch read's part of a document strictly and the rest as warnings.

    HubSpot's generator flaws that have one certain reading are repaired first (see
    `_repair`), each reported as a warning: the comparison reads the repaired document.
    """
    data, repairs = _repair(original)
    located = locate(data)
    if located is None:
        # The envelope first: a document that is not OpenAPI at all says so.
        validate_document(
            {k: data[k] for k in _ENVELOPE if k in data} | {"paths": {}}, source=source
        )
        raise SpecError(
            source=source,
            where=_pointer(("paths",)),
            problem=f"does not declare the batch read operation ({BATCH_READ_METHOD} on "
            f"{BATCH_READ_PATH} or a date-versioned path such as "
            "/crm/objects/2026-03/tickets/batch/read)",
            fix="diff two versions of this one operation: our fragment or HubSpot's "
            "tickets spec (PublicApiSpecs/CRM/Tickets/.../tickets.json)",
        )
    part, dangling = _operation_part(data, located)
    if dangling:
        ref, reached = dangling[0]
        raise SpecError(
            source=source,
            where=f"$ref {ref!r} (reached from {reached})",
            problem="the batch read operation refers to a component that does not exist",
            fix="add the component, or point the $ref at one that exists",
        )
    repaired = tuple(SpecWarning(source=source, where=w, problem=p) for w, p in repairs)
    faults = _openapi_faults(data)
    if not faults:
        return Spec(source=source, document=data, located=located, warnings=repaired)
    # Something is wrong: is it in the operation's part? Then it is the user's problem.
    inside = _openapi_faults(part)
    if inside:
        where, problem = inside[0]
        raise SpecError(
            source=source,
            where=where,
            problem=f"the batch read operation is not valid OpenAPI 3.0: {problem}",
            fix="correct the document at that place (faults elsewhere in the file are only "
            "warnings, but this operation and what it references must be valid)",
        )
    warnings = tuple(
        SpecWarning(source=source, where=w, problem=f"{p} (outside the batch read: ignored)")
        for w, p in faults
    )
    return Spec(source=source, document=data, located=located, warnings=repaired + warnings)


# --- repairs ---------------------------------------------------------------------------

_Repairs = list[tuple[str, str]]


def _repair(document: Mapping[str, Any]) -> tuple[dict[str, Any], _Repairs]:
    """A copy of ``document`` with the flaws of HubSpot's generator that have one certain
    reading repaired, and the list of repairs (JSON pointer, what was done).

    Seen in the history of HubSpot's tickets.json: OpenAPI keywords' values in capitals
    (``"style": "FORM"``, ``"type": "APIKEY"``, ``"in": "HEADER"``), an apiKey scheme
    (``private_apps_legacy``) given oauth2 ``flows``, and an operation on a fixed path
    (``/crm/v3/objects/tickets/batch/read``) declaring the path parameter ``objectType``
    of the generic objects API, which it has no place for. None changes what a client
    sends or receives; every other fault is left for validation to name.
    """
    copied: dict[str, Any] = copy.deepcopy(dict(document))
    repairs: _Repairs = []
    paths = copied.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        if not isinstance(item, dict):
            continue
        for key, node in item.items():
            where = ("paths", str(path), str(key))
            if key == "parameters":
                _repair_parameters(node, str(path), ("paths", str(path)), repairs)
            elif isinstance(node, dict) and isinstance(node.get("parameters"), list):
                _repair_parameters(node["parameters"], str(path), where, repairs)
    components = copied.get("components")
    components = components if isinstance(components, dict) else {}
    parameters = components.get("parameters")
    for name, parameter in parameters.items() if isinstance(parameters, dict) else ():
        _repair_case(parameter, ("components", "parameters", str(name)), repairs)
    schemes = components.get("securitySchemes")
    for name, scheme in schemes.items() if isinstance(schemes, dict) else ():
        if isinstance(scheme, dict):
            _repair_scheme(scheme, ("components", "securitySchemes", str(name)), repairs)
    return copied, repairs


def _repair_parameters(
    parameters: Any, path: str, where: tuple[str, ...], repairs: _Repairs
) -> None:
    if not isinstance(parameters, list):
        return
    templates = set(re.findall(r"\{([^{}/]+)\}", path))
    for index in reversed(range(len(parameters))):
        parameter = parameters[index]
        here = (*where, "parameters", str(index))
        if not isinstance(parameter, dict) or "$ref" in parameter:
            continue
        _repair_case(parameter, here, repairs)
        name = parameter.get("name")
        if parameter.get("in") == "path" and isinstance(name, str) and name not in templates:
            del parameters[index]
            repairs.append(
                (
                    _pointer(here),
                    f"repaired: path parameter {name!r} dropped: {path} has no {{{name}}} "
                    "to put it in, so no client can send it",
                )
            )


def _repair_case(node: Any, where: tuple[str, ...], repairs: _Repairs) -> None:
    if isinstance(node, dict):
        for keyword, allowed in (("in", _PLACES), ("style", _STYLES)):
            _fix_case(node, keyword, allowed, where, repairs)


def _repair_scheme(scheme: dict[str, Any], where: tuple[str, ...], repairs: _Repairs) -> None:
    _fix_case(scheme, "type", _SCHEME_TYPES, where, repairs)
    if scheme.get("type") == "apiKey":
        _fix_case(scheme, "in", ("query", "header", "cookie"), where, repairs)
    if scheme.get("type") in ("apiKey", "http") and "flows" in scheme:
        del scheme["flows"]
        repairs.append(
            (
                _pointer((*where, "flows")),
                f"repaired: `flows` dropped: an {scheme['type']} scheme has none "
                "(only oauth2 schemes do)",
            )
        )


def _fix_case(
    node: dict[str, Any],
    keyword: str,
    allowed: tuple[str, ...],
    where: tuple[str, ...],
    repairs: _Repairs,
) -> None:
    value = node.get(keyword)
    if not isinstance(value, str) or value in allowed:
        return
    matches = [option for option in allowed if option.lower() == value.lower()]
    if len(matches) == 1:
        node[keyword] = matches[0]
        repairs.append(
            (
                _pointer((*where, keyword)),
                f"repaired: {keyword} {value!r} read as {matches[0]!r} "
                "(OpenAPI 3.0's values are case-sensitive)",
            )
        )


def locate(document: Mapping[str, Any]) -> Located | None:
    """The tickets batch read of ``document``, or None.

    When a document declares it at several paths, the v3 path wins, then a fixed object
    type (``tickets`` before ``0-5``), then a template; a template whose parameter's enum
    admits neither ``tickets`` nor ``0-5`` is another object's operation.
    """
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return None
    found: list[tuple[int, Located]] = []
    for order, (path, raw_item) in enumerate(paths.items()):
        template = batch_read_template(str(path))
        if template is None:
            continue
        item = _follow(document, raw_item)
        operation = item.get(_METHOD) if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or not isinstance(operation, Mapping):
            continue
        if template and not _admits_tickets(document, item, operation, template):
            continue
        if path == BATCH_READ_PATH:
            rank = 0
        elif not template:
            rank = 1 if str(path).split("/")[-3] == "tickets" else 2
        else:
            rank = 3
        located = Located(path=str(path), template=template, item=item, operation=operation)
        found.append((rank * 100_000 + order, located))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _admits_tickets(
    document: Mapping[str, Any],
    item: Mapping[str, Any],
    operation: Mapping[str, Any],
    template: str,
) -> bool:
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = _follow(document, raw)
        if (
            isinstance(parameter, Mapping)
            and parameter.get("in") == "path"
            and parameter.get("name") == template
        ):
            schema = _follow(document, parameter.get("schema"))
            enum = schema.get("enum") if isinstance(schema, Mapping) else None
            if isinstance(enum, list) and not set(TICKETS_OBJECT_TYPES) & set(map(str, enum)):
                return False
    return True


def _follow(document: Mapping[str, Any], node: Any) -> Any:
    # A best-effort $ref chain for locating; the comparison resolves strictly.
    for _ in range(16):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
            return node
        node = _at(document, node["$ref"])
    return None


def _at(document: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


# --- the operation's part of a document ------------------------------------------------


def _operation_part(
    document: Mapping[str, Any], located: Located
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The envelope, the operation, and every component it reaches (its $ref closure);
    and the $refs into components that do not resolve, with where they were reached."""
    item: dict[str, Any] = {_METHOD: located.operation}
    if "parameters" in located.item:
        item["parameters"] = located.item["parameters"]
    part: dict[str, Any] = {k: document[k] for k in _ENVELOPE if k in document}
    part["paths"] = {located.path: item}
    schemes = _scheme_names(document, located.operation)
    if "security" in document and "security" not in located.operation:
        part["security"] = document["security"]
    components: dict[str, dict[str, Any]] = {}
    all_components = document.get("components")
    all_components = all_components if isinstance(all_components, Mapping) else {}
    operation_place = f"{BATCH_READ_METHOD} {located.path}"
    pending: list[tuple[Any, str]] = [(item, operation_place)]
    declared = all_components.get("securitySchemes")
    for name in schemes:
        if isinstance(declared, Mapping) and name in declared:
            components.setdefault("securitySchemes", {})[name] = declared[name]
            pending.append((declared[name], f"#/components/securitySchemes/{name}"))
    seen: set[str] = set()
    dangling: list[tuple[str, str]] = []
    while pending:
        node, reached = pending.pop()
        for ref in _refs(node):
            parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
            if len(parts) < 3 or parts[0] != "components":
                continue  # outside components: left to the validator, which names it
            key = f"{parts[1]}/{parts[2]}"
            section = all_components.get(parts[1])
            if not isinstance(section, Mapping) or parts[2] not in section:
                dangling.append((ref, reached))
                continue
            if key in seen:
                continue
            seen.add(key)
            components.setdefault(parts[1], {})[parts[2]] = section[parts[2]]
            pending.append((section[parts[2]], f"#/components/{key}"))
    if components:
        part["components"] = components
    return part, dangling


def _scheme_names(document: Mapping[str, Any], operation: Mapping[str, Any]) -> set[str]:
    declared = operation["security"] if "security" in operation else document.get("security")
    names: set[str] = set()
    for requirement in declared if isinstance(declared, list) else []:
        if isinstance(requirement, Mapping):
            names.update(str(name) for name in requirement)
    return names


def _refs(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Mapping):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                yield ref
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _openapi_faults(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every fault the validator finds: (JSON pointer, what is wrong)."""
    version = str(document.get("openapi", ""))
    validator_class = (
        OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    )
    faults: list[tuple[str, str]] = []
    try:
        for error in validator_class(_plain(document)).iter_errors():
            place = list(getattr(error, "absolute_path", ()))
            faults.append(_explain(place, _node(document, place), _first_line(error)))
    except Exception as exc:  # the validator raises several unrelated types on odd input
        faults.append(("document", _first_line(exc)))
    return faults


# The validator says "{...the whole node...} is not valid under any of the schemas
# listed in the 'oneOf' keyword": name the keyword at fault instead, for the faults
# HubSpot's files are known to have (OpenAPI's keywords are case-sensitive).
_STYLES = ("matrix", "label", "form", "simple", "spaceDelimited", "pipeDelimited", "deepObject")
_PLACES = ("query", "header", "path", "cookie")
_SCHEME_TYPES = ("apiKey", "http", "oauth2", "openIdConnect")
_FLOWS = {
    "implicit": ("authorizationUrl", "scopes"),
    "password": ("tokenUrl", "scopes"),
    "clientCredentials": ("tokenUrl", "scopes"),
    "authorizationCode": ("authorizationUrl", "tokenUrl", "scopes"),
}


def _node(document: Mapping[str, Any], place: list[Any]) -> Any:
    node: Any = document
    for part in place:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _explain(place: list[Any], instance: Any, message: str) -> tuple[str, str]:
    if isinstance(instance, Mapping):
        found = _keyword_fault(instance)
        if found is not None:
            key, problem = found
            return _pointer([*place, *key]), problem
        if message.startswith("{") and " is not valid under " in message:
            message = "this value" + message[message.find(" is not valid under ") :]
    return _pointer(place), message


def _keyword_fault(node: Mapping[str, Any]) -> tuple[list[str], str] | None:
    if "in" in node and "name" in node and "type" not in node:  # a parameter
        if node["in"] not in _PLACES:
            return ["in"], _one_of("in", node["in"], _PLACES)
        if "style" in node and node["style"] not in _STYLES:
            return ["style"], _one_of("style", node["style"], _STYLES)
        return None
    if "type" in node and ("flows" in node or "scheme" in node or node.get("in") is not None):
        kind = node["type"]  # a security scheme
        if kind not in _SCHEME_TYPES:
            return ["type"], _one_of("type", kind, _SCHEME_TYPES)
        if kind == "apiKey" and node.get("in") not in ("query", "header", "cookie"):
            return ["in"], _one_of("in", node.get("in"), ("query", "header", "cookie"))
        if kind != "oauth2" and "flows" in node:
            return ["flows"], f"type {kind} has no `flows` (only oauth2 schemes have them)"
        if kind == "oauth2":
            return _flows_fault(node.get("flows"))
    return None


def _flows_fault(flows: Any) -> tuple[list[str], str] | None:
    if not isinstance(flows, Mapping) or not flows:
        return ["flows"], "oauth2 needs `flows`: a mapping of at least one flow"
    for name, flow in flows.items():
        if name not in _FLOWS:
            return ["flows", str(name)], _one_of("flow", name, tuple(_FLOWS))
        if not isinstance(flow, Mapping):
            return ["flows", str(name)], f"flow {name!r} must be a mapping"
        missing = [key for key in _FLOWS[name] if key not in flow]
        if missing:
            return ["flows", str(name)], f"flow {name!r} lacks {', '.join(missing)}"
    return None


def _one_of(keyword: str, value: Any, allowed: tuple[str, ...]) -> str:
    return (
        f"{keyword} {value!r} is not one of {', '.join(allowed)} "
        "(OpenAPI 3.0's values are case-sensitive)"
    )


# --- reading ---------------------------------------------------------------------------


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            source=str(path),
            where=f"byte {exc.start}",
            problem="is not UTF-8 text",
            fix="save the spec as UTF-8 (HubSpot publishes UTF-8 JSON)",
        ) from None
    except OSError as exc:
        raise SpecError(
            source=str(path),
            where="",
            problem=f"cannot be read ({exc.strerror})",
            fix="pass the path (or http(s) URL) of an OpenAPI file (YAML or JSON) that "
            f"declares {BATCH_READ_METHOD} {BATCH_READ_PATH}, "
            "e.g. specs/tickets-batch-read.openapi.yaml",
        ) from None


def _fetch(url: str, timeout: float) -> tuple[str, bool]:
    """GET a public spec: no token, no cookies, bounded in time and size."""
    shown = show_source(url)
    advice = "check the URL and the network, or download the file and pass its path"
    try:
        with (
            httpx.Client(
                timeout=timeout,
                follow_redirects=True,
                headers={"User-Agent": "tickets-contract (spec drift)"},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise UnreachableError(
                    source=shown, problem=f"answered HTTP {response.status_code}", fix=advice
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise UnreachableError(
                        source=shown,
                        problem=f"is larger than {MAX_BYTES // (1024 * 1024)} MB",
                        fix="pass a spec file, not an archive or a page",
                    )
                chunks.append(chunk)
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.TimeoutException:
        raise UnreachableError(
            source=shown, problem=f"did not answer within {timeout:g} s", fix=advice
        ) from None
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreachableError(
            source=shown, problem=f"cannot be fetched ({reason})", fix=advice
        ) from None
    body = b"".join(chunks)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            source=shown,
            where=f"byte {exc.start}",
            problem="is not UTF-8 text",
            fix="point at the raw file (e.g. raw.githubusercontent.com), not a web page",
        ) from None
    is_json = urlsplit(url).path.lower().endswith(".json") or media_type.endswith("json")
    return text, is_json


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            source=source,
            where=f"line {exc.lineno}, column {exc.colno}",
            problem=f"is not valid JSON ({exc.msg})",
            fix="correct the JSON syntax at that place, or rename the file to .yaml if it is YAML",
        ) from None


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(
            source=source,
            where=f"line {mark.line + 1}, column {mark.column + 1}" if mark else "",
            problem=f"is not valid YAML ({getattr(exc, 'problem', None) or exc})",
            fix="correct the YAML syntax at that place",
        ) from None


# --- small helpers ---------------------------------------------------------------------


def _pointer(parts: Any) -> str:
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "#/" + "/".join(escaped)


def _plain(document: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(document, default=str))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:197] + "..."
