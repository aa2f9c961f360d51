"""The contract: the published fragment, and the effective one derived from the ledger.

The published fragment (``specs/tickets-batch-read.openapi.yaml``) is what HubSpot's
spec says. The effective contract is that fragment with every ledger overlay applied:
what the API really does. It is always computed, never edited by hand.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jsonpatch
import yaml
from openapi_spec_validator import validate as validate_openapi

import tickets_contract
from tickets_contract.errors import ConfigError, LedgerError, SpecError
from tickets_contract.files import read_yaml
from tickets_contract.hubspot import (
    BATCH_READ_METHOD,
    BATCH_READ_PATH,
    OBJECT_ID_PROPERTY,
    TICKETS_OBJECT_TYPE_ID,
)
from tickets_contract.spec.ledger import Ledger, Quirk, load_ledger

__all__ = [
    "BATCH_READ_METHOD",
    "BATCH_READ_PATH",
    "Contract",
    "ContractKind",
    "Portal",
    "batch_read_template",
    "build_contract",
    "effective_document",
    "load_fragment",
    "relocate_operation",
    "specs_dir",
    "validate_document",
]

# Where HubSpot serves the same batch read: the v3 path, and the date-versioned ones
# (/crm/objects/2026-03/tickets/batch/read) beside it, with the object type fixed or a
# template ({objectType}) whose value for tickets is `tickets` or its type id `0-5` (S34).
TICKETS_OBJECT_TYPES = ("tickets", TICKETS_OBJECT_TYPE_ID)
_BATCH_READ_SHAPE = re.compile(
    r"^/crm/(?:v3/objects|objects/[A-Za-z0-9._-]+)/"
    rf"(?P<type>{'|'.join(map(re.escape, TICKETS_OBJECT_TYPES))}|\{{[^{{}}/]+\}})/batch/read$"
)
FRAGMENT_NAME = "tickets-batch-read.openapi.yaml"
LEDGER_NAME = "quirks.yaml"


class ContractKind(StrEnum):
    PUBLISHED = "published"  # HubSpot's spec alone: a strict run lists every quirk
    EFFECTIVE = "effective"  # published + ledger overlays: what the API really does


@dataclass(frozen=True, slots=True, kw_only=True)
class Portal:
    """Facts about one HubSpot portal that the effective contract depends on."""

    # hs_object_id is accepted as idProperty (assumed; quirk idproperty-must-be-unique).
    unique_properties: tuple[str, ...] = (OBJECT_ID_PROPERTY,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contract:
    """A ready OpenAPI document of one kind, with the ledger it came with."""

    kind: ContractKind
    document: Mapping[str, Any]
    ledger: Ledger
    portal: Portal = field(default_factory=Portal)

    def to_yaml(self) -> str:
        return yaml.safe_dump(_plain(self.document), sort_keys=False, allow_unicode=True)

    def schemathesis_schema(self) -> Any:
        """A fresh schemathesis schema of this document (schemathesis mutates its input)."""
        # why: schemathesis is slow to import; reading the contract does not need it
        import schemathesis

        return schemathesis.openapi.from_dict(copy.deepcopy(_plain(self.document)))


def specs_dir() -> Path:
    """Where the fragment and the ledger live.

    Installed wheels carry a copy inside the package; a source checkout (also an
    editable install) reads the files at the top of the repository, where reviewers
    edit them.
    """
    # From the package's root, not this module's file: the module may sit at any depth.
    package = Path(tickets_contract.__file__).parent
    packaged = package / "specs"
    if (packaged / FRAGMENT_NAME).is_file():
        return packaged
    return package.resolve().parents[1] / "specs"


def load_fragment(path: Path | None = None) -> dict[str, Any]:
    """Load and validate the published fragment."""
    path = path or specs_dir() / FRAGMENT_NAME
    return _load_fragment_cached(path.resolve())


def build_contract(
    kind: ContractKind,
    *,
    fragment_path: Path | None = None,
    ledger_path: Path | None = None,
    portal: Portal | None = None,
    path: str = BATCH_READ_PATH,
) -> Contract:
    """The published or the effective contract, validated.

    ``path`` serves the operation at another of HubSpot's paths for the same batch read
    (e.g. ``/crm/objects/2026-03/tickets/batch/read``): the overlays, written against
    the v3 path, apply to it all the same.
    """
    portal = portal or Portal()
    fragment = load_fragment(fragment_path)
    ledger = load_ledger(ledger_path or specs_dir() / LEDGER_NAME)
    if kind is ContractKind.PUBLISHED:
        document = fragment
    else:
        document = effective_document(fragment, ledger.quirks, portal=portal, source=ledger.path)
    if path != BATCH_READ_PATH:
        document = relocate_operation(document, path, source="--path")
    return Contract(kind=kind, document=document, ledger=ledger, portal=portal)


def batch_read_template(path: str) -> str | None:
    """For a path of the tickets batch read: "" when fixed, else its template's name.

    None when ``path`` is not one of HubSpot's paths for this operation.
    """
    match = _BATCH_READ_SHAPE.match(path)
    if match is None:
        return None
    kind = match["type"]
    return kind[1:-1] if kind.startswith("{") else ""


def relocate_operation(
    document: Mapping[str, Any], path: str, *, source: str = "path"
) -> dict[str, Any]:
    """``document`` with its batch read served at ``path`` instead of the v3 path.

    Everything else stays as it is, so overlays applied before still hold. A templated
    path gains its path parameter, restricted to the values that mean tickets.
    """
    template = batch_read_template(path)
    if template is None:
        raise ConfigError(
            source=source,
            where=repr(path),
            problem="is not a path of the tickets batch read",
            fix="use /crm/v3/objects/tickets/batch/read or a date-versioned one such as "
            "/crm/objects/2026-03/tickets/batch/read or "
            "/crm/objects/2025-09/{objectType}/batch/read",
        )
    relocated: dict[str, Any] = copy.deepcopy(dict(document))
    paths = relocated.get("paths") or {}
    relocated["paths"] = {(path if key == BATCH_READ_PATH else key): v for key, v in paths.items()}
    if template:
        item = relocated["paths"][path]
        item["parameters"] = [
            *item.get("parameters", []),
            {
                "name": template,
                "in": "path",
                "required": True,
                "description": "The object type: `tickets`, or its type id `0-5`.",
                "schema": {"type": "string", "enum": list(TICKETS_OBJECT_TYPES)},
            },
        ]
    validate_document(relocated, source=source)
    return relocated


def effective_document(
    fragment: Mapping[str, Any],
    quirks: Iterable[Quirk],
    *,
    portal: Portal,
    source: str = "quirks.yaml",
    validate: bool = True,
) -> dict[str, Any]:
    """Apply the overlays of ``quirks``, in order, to a copy of ``fragment``.

    Each overlay must apply cleanly and the result must stay valid OpenAPI; the error
    names the entry that broke it. ``validate=False`` skips the OpenAPI check, for
    variants of a contract already validated whole (the quirk explainer's).
    """
    document: dict[str, Any] = copy.deepcopy(dict(fragment))
    patched = [quirk for quirk in quirks if quirk.patch]
    for index, quirk in enumerate(patched):
        # In place: the document is this call's own copy (a copy per overlay was most of
        # the time of building the quirk explainer's variants).
        document = _apply(document, quirk, portal, source, in_place=True, walked=index > 0)
    # Validation is slow (~10 ms a document): validate the result once, and only when it
    # is invalid apply the overlays again one by one to name the first that broke it.
    if validate and patched and _openapi_error(document) is not None:
        intermediate: dict[str, Any] = copy.deepcopy(dict(fragment))
        for quirk in patched:
            intermediate = _apply(intermediate, quirk, portal, source, in_place=True)
            error = _openapi_error(intermediate)
            if error is not None:
                raise LedgerError(
                    source=source,
                    where=f"quirk {quirk.id}, overlay.patch",
                    problem=f"makes the contract invalid OpenAPI: {error}",
                    fix="correct the patch so that the result is still OpenAPI 3.0",
                )
    info = document.setdefault("info", {})
    info["title"] = "HubSpot CRM tickets - batch read (effective contract)"
    info["x-derived-from"] = {
        "fragment": FRAGMENT_NAME,
        "ledger": LEDGER_NAME,
        "quirks": [quirk.id for quirk in patched],
    }
    return document


def _apply(
    document: dict[str, Any],
    quirk: Quirk,
    portal: Portal,
    source: str,
    *,
    in_place: bool,
    walked: bool = False,
) -> dict[str, Any]:
    # Copied: applied in place, an added value must not stay shared with the ledger's.
    ops = copy.deepcopy([_resolve_portal(dict(op), portal) for op in quirk.patch])
    try:
        result: dict[str, Any] = jsonpatch.apply_patch(document, ops, in_place=in_place)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
        raise _patch_error(document, ops, quirk.id, source) from None
    for node in _touched(result, ops) if walked else [result]:
        _drop_empty_required(node)
    return result


def _touched(document: Any, ops: list[dict[str, Any]]) -> list[Any]:
    """The subtrees where ``ops`` can have left a ``required: []`` (the whole document when
    one cannot tell): the grandparent of each operation's target holds every node whose
    ``required`` or ``properties`` the operation changed, and every value it inserted.

    Everywhere else the document is as before the operations, and every ``required: []``
    had been dropped there already, by the walks after the previous overlays (``walked``:
    the first overlay applied to a document walks all of it).
    Walking only these subtrees was most of the time of building the explainer's variants.
    """
    nodes = []
    for op in ops:
        # A move also changes the node it takes its value from.
        targets = [op.get("path"), *([op.get("from")] if op.get("op") == "move" else [])]
        for target in targets:
            parts = str(target).split("/")[1:] if isinstance(target, str) else []
            node = _resolve(document, parts[:-2]) if len(parts) >= 2 else None
            if node is None:
                return [document]
            nodes.append(node)
    return nodes


def _resolve(document: Any, parts: list[str]) -> Any:
    """The node at the JSON pointer of ``parts`` (escaped), or None when there is none."""
    node = document
    for part in parts:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _patch_error(
    document: dict[str, Any], ops: list[dict[str, Any]], quirk_id: str, source: str
) -> LedgerError:
    """The first operation of ``ops`` that does not apply, named briefly: jsonpatch's own
    message quotes the whole document (thousands of characters)."""
    index, op = 0, ops[0] if ops else {}
    for index, op in enumerate(ops):  # noqa: B007 - the failing one is kept
        try:
            document = jsonpatch.apply_patch(document, [op])
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            reason = str(exc).split(" in {", 1)[0].split(" of {", 1)[0][:160]
            break
    else:  # an operation applied in place before the failing one changed the document
        reason = "it conflicts with an earlier operation of the same patch"
    return LedgerError(
        source=source,
        where=f"quirk {quirk_id}, overlay.patch[{index}]",
        problem=f"`{op.get('op')}` at {str(op.get('path'))[:120]!r} does not apply to the "
        f"published fragment ({reason})",
        fix="point the patch at a path that exists in specs/"
        f"{FRAGMENT_NAME} (JSON pointer, '/' escaped as ~1)",
    )


def _drop_empty_required(node: Any) -> None:
    """Delete every ``required: []``: OpenAPI 3.0 forbids an empty list and means none.

    Two overlays may each remove a required name (quirks request-property-lists-optional
    and missing-inputs-empty-answer); either may apply without the other.
    """
    if isinstance(node, dict):
        if node.get("required") == [] and "properties" in node:
            del node["required"]
        for value in node.values():
            _drop_empty_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_empty_required(value)


def validate_document(data: Mapping[str, Any], *, source: str) -> None:
    """Raise SpecError, with a JSON pointer to the place, unless ``data`` is valid OpenAPI."""
    try:
        validate_openapi(data)
    except Exception as exc:  # openapi-spec-validator raises several unrelated types
        parts = [
            str(p).replace("~", "~0").replace("/", "~1") for p in getattr(exc, "absolute_path", ())
        ]
        raise SpecError(
            source=source,
            where="#/" + "/".join(parts) if parts else "document",
            problem=f"is not valid OpenAPI 3.0: {_first_line(exc)}",
            fix="correct the document at that place (openapi-spec-validator explains more)",
        ) from None


def _openapi_error(document: Mapping[str, Any]) -> str | None:
    try:
        validate_openapi(_plain(document))
    except Exception as exc:  # the validator raises several unrelated types
        return _first_line(exc)
    return None


def _resolve_portal(op: dict[str, Any], portal: Portal) -> dict[str, Any]:
    return {**op, "value": _portal_value(op.get("value"), portal, op)} if "value" in op else op


def _portal_value(value: Any, portal: Portal, op: Mapping[str, Any]) -> Any:
    """Replace every ``{$portal: unique_properties}`` inside an overlay value."""
    if isinstance(value, Mapping):
        if set(value) == {"$portal"}:
            if value["$portal"] != "unique_properties":
                raise LedgerError(
                    source=LEDGER_NAME,
                    where=f"overlay op {op.get('path')}",
                    problem=f"unknown portal fact {value['$portal']!r}",
                    fix="use {$portal: unique_properties}",
                )
            return list(portal.unique_properties)
        return {key: _portal_value(item, portal, op) for key, item in value.items()}
    if isinstance(value, list):
        return [_portal_value(item, portal, op) for item in value]
    return value


@cache
def _load_fragment_cached(path: Path) -> dict[str, Any]:
    data = read_yaml(
        path,
        SpecError,
        missing_fix=f"pass the path of an existing OpenAPI file, or restore specs/{FRAGMENT_NAME}",
    )
    if not isinstance(data, dict):
        raise SpecError(
            source=str(path),
            where="top level",
            problem=f"expected an OpenAPI mapping, got {type(data).__name__}",
            fix="the file must start with `openapi: 3.0.x`",
        )
    validate_document(data, source=str(path))
    operation = data.get("paths", {}).get(BATCH_READ_PATH, {}).get(BATCH_READ_METHOD.lower())
    if not isinstance(operation, dict):
        raise SpecError(
            source=str(path),
            where="#/paths/" + BATCH_READ_PATH.replace("/", "~1"),
            problem="the batch read operation (POST) is missing",
            fix=f"declare `post` under `{BATCH_READ_PATH}`",
        )
    return data


def _plain(document: Mapping[str, Any]) -> Any:
    # YAML dumpers and validators want plain dicts and lists, not mappings or tuples.
    return json.loads(json.dumps(document))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
