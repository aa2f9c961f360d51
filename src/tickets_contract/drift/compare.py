"""Comparing two versions of the batch read: each change, judged for a client.

The rule behind every classification: a request schema is what the server accepts and a
response schema is what the server sends. A change breaks clients when the server comes
to accept less (a newly required field, a removed enum value, a tighter bound) or to
send more (a field that became optional or nullable, an added enum value, a new status
code). So the same edit is breaking on one side and harmless on the other, and each
`Change` says which, and why, in one phrase.

The comparer only finds changes: each is a `Change` naming its kind, its `Location` (and
so its report table) and its context (the side of the exchange and the circumstance its
verdict depends on). Whether it breaks clients, and why, is looked up in `JUDGEMENT`, one
row per kind of change: to change a verdict, change its row.

Only the batch read of tickets is compared: either document may be this project's
fragment or HubSpot's full tickets spec with every other operation in it, at the v3 path
or a date-versioned one (see `sources.locate`); a path that moved is a change of its own.
Local ``$ref`` s are followed, recursively, with cycles cut on the path being compared.
Descriptions, summaries and examples never count; ``include_docs`` lists them as
non-breaking.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from tickets_contract.drift.sources import Located, SpecWarning, locate
from tickets_contract.errors import SpecError
from tickets_contract.spec.contract import BATCH_READ_METHOD, BATCH_READ_PATH

__all__ = [
    "JUDGEMENT",
    "JUDGEMENT_ROWS",
    "Category",
    "Change",
    "ChangeKind",
    "Context",
    "Direction",
    "Drift",
    "Location",
    "Verdict",
    "When",
    "change_cells",
    "diff_documents",
    "judgement",
    "operation_word",
    "render_json",
    "render_markdown",
]

OPERATION = f"{BATCH_READ_METHOD} {BATCH_READ_PATH}"
_OPERATION_POINTER = "#/paths/" + BATCH_READ_PATH.replace("~", "~0").replace("/", "~1") + "/post"


class Direction(StrEnum):
    REQUEST = "request"  # the client produces it, the server accepts it
    RESPONSE = "response"  # the server produces it, the client parses it


class ChangeKind(StrEnum):
    PATH_MOVED = "path moved"
    FIELD_ADDED = "field added"
    REQUIRED_FIELD_ADDED = "required field added"
    FIELD_REMOVED = "field removed"
    BECAME_REQUIRED = "became required"
    BECAME_OPTIONAL = "became optional"
    TYPE_CHANGED = "type changed"
    FORMAT_CHANGED = "format changed"
    NULLABLE_CHANGED = "nullable changed"
    ENUM_VALUE_ADDED = "enum value added"
    ENUM_VALUE_REMOVED = "enum value removed"
    CONSTRAINT_CHANGED = "constraint changed"
    DEFAULT_CHANGED = "default changed"
    ACCESS_CHANGED = "read/write-only changed"
    DEPRECATION_CHANGED = "deprecation changed"
    ALTERNATIVE_ADDED = "alternative added"
    ALTERNATIVE_REMOVED = "alternative removed"
    STATUS_ADDED = "status code added"
    STATUS_REMOVED = "status code removed"
    PARAMETER_ADDED = "parameter added"
    PARAMETER_REMOVED = "parameter removed"
    SERIALIZATION_CHANGED = "serialization changed"
    BODY_ADDED = "request body added"
    BODY_REMOVED = "request body removed"
    CONTENT_TYPE_ADDED = "content type added"
    CONTENT_TYPE_REMOVED = "content type removed"
    HEADER_ADDED = "header added"
    HEADER_REMOVED = "header removed"
    SECURITY_ADDED = "security requirement added"
    SECURITY_REMOVED = "security requirement removed"
    SCOPE_ADDED = "scope added"
    SCOPE_REMOVED = "scope removed"
    SECURITY_SCHEME_CHANGED = "security scheme changed"
    OPERATION_ID_CHANGED = "operationId changed"
    UNCLASSIFIED = "keyword changed"
    DOCS = "documentation changed"


class Category(StrEnum):
    """The tables of a report, in the order they are printed."""

    OPERATION = "Operation"
    PARAMETERS = "Parameters"
    REQUEST_BODY = "Request body"
    RESPONSES = "Responses"
    SECURITY = "Security"
    DOCUMENTATION = "Documentation"


class When(StrEnum):
    """The circumstance of a change that its verdict depends on, besides its direction."""

    ALWAYS = "always"  # the kind alone decides
    WIDENS = "widens"  # more values are valid than before
    NARROWS = "narrows"  # fewer values are valid than before
    REPLACES = "replaces"  # neither: old values may be invalid, new ones unexpected
    REQUIRED = "required"  # a parameter or body that appears is required
    OPTIONAL = "optional"  # ... or optional
    WHOLE = "whole"  # the parameter or request body itself (not a field of its schema)
    FIELD = "field"  # a field of an object schema
    DEPRECATED = "deprecated"
    UNDEPRECATED = "undeprecated"
    SAME_URL = "same URL"  # the path is spelled differently, the URL is the same
    NEW_URL = "new URL"
    COVERED = "covered"  # a removed media type another (range) still covers
    UNCOVERED = "uncovered"
    UNDECLARED = "undeclared"  # a new status, and no `default` answered it before
    ANY_STATUS = "any status"  # `default` itself is new
    AS_DEFAULT = "as default"  # a new status with the body `default` promised
    LEAVES_DEFAULT = "leaves default"  # a new status with another body than `default`'s
    HIDES = "hides"  # readOnly in a request, writeOnly in a response
    NO_EFFECT = "no effect"  # the other one of the two
    ANONYMOUS = "anonymous"  # after the change the operation needs no credentials
    AUTHENTICATED = "authenticated"  # ... or it still needs them
    NOW_NEEDED = "now needed"  # credentials become needed where none were
    ALTERNATIVE = "alternative"  # another way to authenticate


# What a change's verdict depends on: the side of the exchange (None where no side
# applies: the path, the operation, security) and the circumstance.
Context = tuple[Direction | None, When]


@dataclass(frozen=True, slots=True)
class Verdict:
    breaking: bool
    reason: str  # may name a fact of the change in braces, e.g. {new_url}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a change is: the report table it belongs in, and the steps that reach it.

    Rendered like ``response 200 > results[] > properties{}`` (``[]`` an array's items,
    ``{}`` a map's values).
    """

    category: Category
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return " > ".join(self.parts)

    def child(self, part: str) -> Location:
        return Location(self.category, (*self.parts, part))

    def suffixed(self, suffix: str) -> Location:
        """The same place with its last step qualified (``results`` -> ``results[]``)."""
        if not self.parts:
            return Location(self.category, (suffix,))
        return Location(self.category, (*self.parts[:-1], self.parts[-1] + suffix))


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference between the old and the new operation, judged for a client.

    ``old`` and ``new`` are rendered values, None where the thing is absent on that side.
    The verdict is not the detector's to give: it is looked up in `JUDGEMENT` by the
    change's ``kind`` and ``context``, and a change whose context has no row there cannot
    be made.
    """

    where: Location
    kind: ChangeKind
    context: Context
    old: str | None
    new: str | None
    facts: tuple[tuple[str, str], ...] = ()  # what the reason names, e.g. ("new_url", ...)

    def __post_init__(self) -> None:
        judgement(self.kind, self.context)

    @property
    def verdict(self) -> Verdict:
        return judgement(self.kind, self.context)

    @property
    def breaking(self) -> bool:
        return self.verdict.breaking

    @property
    def reason(self) -> str:
        return self.verdict.reason.format_map(dict(self.facts))

    @property
    def location(self) -> str:
        return str(self.where)

    @property
    def category(self) -> Category:
        if self.kind is ChangeKind.DOCS:
            return Category.DOCUMENTATION
        return self.where.category

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "location": self.location,
            "kind": self.kind.value,
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """Every change of the operation between two documents."""

    old_source: str
    new_source: str
    changes: tuple[Change, ...]
    old_path: str = BATCH_READ_PATH
    new_path: str = BATCH_READ_PATH
    warnings: tuple[SpecWarning, ...] = ()  # faults outside the operation, ignored

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def non_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.breaking)

    @property
    def summary(self) -> str:
        return f"{len(self.breaking)} breaking, {len(self.non_breaking)} non-breaking"


# --- comparing -------------------------------------------------------------------------


def diff_documents(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    include_docs: bool = False,
    old_source: str = "old",
    new_source: str = "new",
    warnings: Iterable[SpecWarning] = (),
) -> Drift:
    """Compare the batch read operation of two OpenAPI documents.

    Pure: nothing is read or validated here (see `read_spec`). A missing operation or a
    ``$ref`` that does not resolve raises SpecError naming ``old_source``/``new_source``.
    ``warnings`` (of `read_spec`) are carried into the report.
    """
    old_at = _operation(old, old_source)
    new_at = _operation(new, new_source)
    pair = _Pair(
        old=_Document(root=old, source=old_source, located=old_at),
        new=_Document(root=new, source=new_source, located=new_at),
        include_docs=include_docs,
    )
    old_op, new_op = old_at.operation, new_at.operation
    changes = [
        *_diff_path(old_at, new_at),
        *_diff_operation(pair, old_op, new_op),
        *_diff_parameters(pair, old_op, new_op),
        *_diff_request_body(pair, old_op.get("requestBody"), new_op.get("requestBody")),
        *_diff_responses(pair, old_op.get("responses") or {}, new_op.get("responses") or {}),
        *_diff_security(pair, old_op, new_op),
    ]
    return Drift(
        old_source=old_source,
        new_source=new_source,
        changes=tuple(changes),
        old_path=old_at.path,
        new_path=new_at.path,
        warnings=tuple(warnings),
    )


# --- the judgement table ---------------------------------------------------------------
#
# The heart of the classification (see the module docstring): every verdict, one phrase
# each, keyed by the kind of change and its context. The comparer finds changes and says
# what they are and where; only this table says whether they break clients.

_REQUEST, _RESPONSE = Direction.REQUEST, Direction.RESPONSE


def _breaks(reason: str) -> Verdict:
    return Verdict(breaking=True, reason=reason)


def _harmless(reason: str) -> Verdict:
    return Verdict(breaking=False, reason=reason)


# How a change of the values a schema allows is judged, whatever the keyword.
_BY_EFFECT: dict[Context, Verdict] = {
    (_REQUEST, When.NARROWS): _breaks("clients sending values valid before are rejected"),
    (_REQUEST, When.WIDENS): _harmless("the server accepts more than before"),
    (_REQUEST, When.REPLACES): _breaks("clients sending the old form are rejected"),
    (_RESPONSE, When.NARROWS): _harmless("responses stay within what clients expect"),
    (_RESPONSE, When.WIDENS): _breaks(
        "breaks clients that parse responses: they may meet values they do not expect"
    ),
    (_RESPONSE, When.REPLACES): _breaks(
        "breaks clients that parse responses: the value has a new form"
    ),
}


def _effects(*effects: When) -> dict[Context, Verdict]:
    return {(side, when): v for (side, when), v in _BY_EFFECT.items() if when in effects}


def _either_side(
    request: Verdict, response: Verdict, when: When = When.ALWAYS
) -> dict[Context, Verdict]:
    return {(_REQUEST, when): request, (_RESPONSE, when): response}


# The context of a change whose kind alone decides its verdict, on either side.
_ANYWHERE: Context = (None, When.ALWAYS)


def _anywhere(verdict: Verdict) -> dict[Context, Verdict]:
    return {_ANYWHERE: verdict}


JUDGEMENT_ROWS: tuple[tuple[ChangeKind, Mapping[Context, Verdict]], ...] = (
    (
        ChangeKind.PATH_MOVED,
        {
            (None, When.SAME_URL): _harmless(
                "the same URL for tickets: only how the spec writes it changed"
            ),
            (None, When.NEW_URL): _breaks(
                "breaks clients that hard-code {old_url}: they must call {new_url} "
                "to get this version (the old path may still be served as an older version)"
            ),
        },
    ),
    (
        ChangeKind.FIELD_ADDED,
        _either_side(
            _harmless("optional: clients may ignore it"),
            _harmless("clients that ignore unknown fields are unaffected"),
        ),
    ),
    (
        ChangeKind.REQUIRED_FIELD_ADDED,
        _either_side(
            _breaks("clients that omit it are rejected"),
            _harmless("always sent: clients may ignore it"),
        ),
    ),
    (
        ChangeKind.FIELD_REMOVED,
        _either_side(
            _breaks("clients that send it have it ignored or rejected"),
            _breaks("breaks clients that read it"),
        ),
    ),
    (
        ChangeKind.BECAME_REQUIRED,
        {
            (_REQUEST, When.WHOLE): _breaks("clients that do not send it are rejected"),
            (_REQUEST, When.FIELD): _breaks("clients that omit it are rejected"),
            (_RESPONSE, When.FIELD): _harmless("always sent now: clients may rely on it"),
        },
    ),
    (
        ChangeKind.BECAME_OPTIONAL,
        {
            (_REQUEST, When.WHOLE): _harmless("clients may now leave it out"),
            (_REQUEST, When.FIELD): _harmless("clients may now omit it"),
            (_RESPONSE, When.FIELD): _breaks(
                "breaks clients that parse responses: it may be missing"
            ),
        },
    ),
    (ChangeKind.TYPE_CHANGED, _effects(When.WIDENS, When.NARROWS, When.REPLACES)),
    (ChangeKind.FORMAT_CHANGED, _effects(When.WIDENS, When.NARROWS, When.REPLACES)),
    (
        ChangeKind.NULLABLE_CHANGED,
        {
            **_effects(When.WIDENS, When.NARROWS),
            (_REQUEST, When.NARROWS): _breaks("clients that send null are rejected"),
            (_RESPONSE, When.WIDENS): _breaks(
                "breaks clients that parse responses: the value may now be null"
            ),
        },
    ),
    (
        ChangeKind.ENUM_VALUE_ADDED,
        _either_side(
            _harmless("the server accepts one more value"),
            _breaks("breaks clients that parse responses: a value they do not know"),
        ),
    ),
    (
        ChangeKind.ENUM_VALUE_REMOVED,
        _either_side(
            _breaks("clients that send it are rejected"),
            _harmless("the server no longer sends it"),
        ),
    ),
    (ChangeKind.CONSTRAINT_CHANGED, _effects(When.WIDENS, When.NARROWS, When.REPLACES)),
    (
        ChangeKind.DEFAULT_CHANGED,
        _either_side(
            _breaks("clients that omit it get a different behaviour"),
            _harmless("a default in a response does not change what is sent"),
        ),
    ),
    (
        ChangeKind.ACCESS_CHANGED,
        {
            **_either_side(
                _breaks("clients that send it have it ignored or rejected"),
                _breaks("breaks clients that read it: no longer sent"),
                When.HIDES,
            ),
            **_either_side(
                _harmless("no effect on requests"),
                _harmless("no effect on responses"),
                When.NO_EFFECT,
            ),
        },
    ),
    (
        ChangeKind.DEPRECATION_CHANGED,
        {
            (None, When.DEPRECATED): _harmless("still works; plan to move off it"),
            (None, When.UNDEPRECATED): _harmless("no longer deprecated"),
        },
    ),
    (ChangeKind.ALTERNATIVE_ADDED, _effects(When.WIDENS)),
    (ChangeKind.ALTERNATIVE_REMOVED, _effects(When.NARROWS)),
    (
        ChangeKind.STATUS_ADDED,
        {
            (_RESPONSE, When.UNDECLARED): _breaks(
                "breaks clients that parse responses: a status they do not handle"
            ),
            (_RESPONSE, When.ANY_STATUS): _breaks(
                "breaks clients that parse responses: any undeclared status may come"
            ),
            (_RESPONSE, When.AS_DEFAULT): _harmless("documents a status `default` already covered"),
            (_RESPONSE, When.LEAVES_DEFAULT): _breaks(
                "breaks clients that parse responses: the status leaves `default` for another body"
            ),
        },
    ),
    (
        ChangeKind.STATUS_REMOVED,
        {(_RESPONSE, When.ALWAYS): _harmless("the server no longer sends it")},
    ),
    (
        ChangeKind.PARAMETER_ADDED,
        {
            (_REQUEST, When.REQUIRED): _breaks("clients that do not send it are rejected"),
            (_REQUEST, When.OPTIONAL): _harmless("optional: clients may ignore it"),
        },
    ),
    (
        ChangeKind.PARAMETER_REMOVED,
        {(_REQUEST, When.ALWAYS): _breaks("clients that send it have it ignored or rejected")},
    ),
    (
        ChangeKind.SERIALIZATION_CHANGED,
        {(_REQUEST, When.ALWAYS): _breaks("clients encode it the old way and are misread")},
    ),
    (
        ChangeKind.BODY_ADDED,
        {
            (_REQUEST, When.REQUIRED): _breaks("clients that send no body are rejected"),
            (_REQUEST, When.OPTIONAL): _harmless("optional: clients may ignore it"),
        },
    ),
    (
        ChangeKind.BODY_REMOVED,
        {(_REQUEST, When.ALWAYS): _breaks("clients that send a body have it ignored or rejected")},
    ),
    (
        ChangeKind.CONTENT_TYPE_ADDED,
        _either_side(
            _harmless("the server accepts one more type"),
            _harmless("an alternative: clients that ask for the old type still get it"),
        ),
    ),
    (
        ChangeKind.CONTENT_TYPE_REMOVED,
        {
            **_either_side(
                _harmless("a new range still accepts it"),
                _harmless("narrowed to a type the old range covered"),
                When.COVERED,
            ),
            **_either_side(
                _breaks("clients that send it are rejected"),
                _breaks("breaks clients that ask for it: they get another type or a 406"),
                When.UNCOVERED,
            ),
        },
    ),
    (ChangeKind.HEADER_ADDED, {(_RESPONSE, When.ALWAYS): _harmless("clients may ignore it")}),
    (ChangeKind.HEADER_REMOVED, {(_RESPONSE, When.ALWAYS): _breaks("breaks clients that read it")}),
    (
        ChangeKind.SECURITY_ADDED,
        {
            (None, When.NOW_NEEDED): _breaks("clients that send no credentials are refused"),
            (None, When.ALTERNATIVE): _harmless("another way to authenticate"),
        },
    ),
    (
        ChangeKind.SECURITY_REMOVED,
        {
            (None, When.ANONYMOUS): _harmless("the operation no longer needs it"),
            (None, When.AUTHENTICATED): _breaks("clients that authenticate this way are refused"),
        },
    ),
    (ChangeKind.SCOPE_ADDED, _anywhere(_breaks("tokens without the scope are refused"))),
    (ChangeKind.SCOPE_REMOVED, _anywhere(_harmless("tokens need one scope less"))),
    (
        ChangeKind.SECURITY_SCHEME_CHANGED,
        _anywhere(_breaks("clients send credentials where the server no longer looks for them")),
    ),
    (
        ChangeKind.OPERATION_ID_CHANGED,
        _anywhere(
            _harmless("same wire format; clients generated from the spec may rename the method")
        ),
    ),
    (ChangeKind.UNCLASSIFIED, _anywhere(_breaks("not classified by this tool: review by hand"))),
    (ChangeKind.DOCS, _anywhere(_harmless("documentation only: no effect on the wire"))),
)


def _table(
    rows: Iterable[tuple[ChangeKind, Mapping[Context, Verdict]]],
) -> Mapping[ChangeKind, Mapping[Context, Verdict]]:
    table: dict[ChangeKind, Mapping[Context, Verdict]] = {}
    for kind, verdicts in rows:
        if kind in table:
            raise AssertionError(f"the judgement table has two rows for {kind.name}")
        table[kind] = MappingProxyType(dict(verdicts))
    missing = [kind.name for kind in ChangeKind if kind not in table]
    if missing:
        raise AssertionError(f"the judgement table has no row for {', '.join(missing)}")
    return MappingProxyType(table)


JUDGEMENT = _table(JUDGEMENT_ROWS)


def judgement(kind: ChangeKind, context: Context) -> Verdict:
    """The verdict on a change of ``kind`` in ``context``; a LookupError if there is none."""
    verdict = JUDGEMENT[kind].get(context)
    if verdict is None:
        side, when = context
        raise LookupError(
            f"the judgement table has no verdict for {kind.name} "
            f"({side.value if side else 'no side'}, {when.value})"
        )
    return verdict


_DOC_KEYS = ("summary", "description", "title", "example", "examples", "externalDocs", "xml")
_UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum")
_LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum")
_SCHEMA_KEYS = frozenset(
    {
        "$ref",
        "type",
        "format",
        "nullable",
        "enum",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "allOf",
        "oneOf",
        "anyOf",
        "default",
        "readOnly",
        "writeOnly",
        "deprecated",
        "pattern",
        "multipleOf",
        "uniqueItems",
        "exclusiveMaximum",
        "exclusiveMinimum",
        *_UPPER_BOUNDS,
        *_LOWER_BOUNDS,
        *_DOC_KEYS,
    }
)
# Widening pairs of formats: every int32 is an int64, every float a double.
_WIDER_FORMAT = {("int32", "int64"), ("float", "double")}

_Stack = frozenset[tuple[str | None, str | None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Document:
    root: Mapping[str, Any]
    source: str
    located: Located

    def resolve(self, node: Any, where: Location | None) -> tuple[Any, str | None]:
        """The node a (chain of) local $ref(s) points at, and the last $ref followed."""
        last: str | None = None
        seen: list[str] = []
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            reached = f"reached from {where}" if where and where.parts else "in the operation"
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise SpecError(
                    source=self.source,
                    where=f"$ref {ref!r} ({reached})",
                    problem="points outside the document",
                    fix="bundle the spec into one file first (e.g. `redocly bundle`), "
                    "so that every $ref starts with #/",
                )
            if ref in seen:
                raise SpecError(
                    source=self.source,
                    where=f"$ref {ref!r} ({reached})",
                    problem="is a circular chain of $refs that never reaches a value",
                    fix="point one of the $refs at a schema instead of another $ref",
                )
            seen.append(ref)
            last = ref
            node = self._pointer(ref, reached)
        return node, last

    def _pointer(self, ref: str, reached: str) -> Any:
        node: Any = self.root
        for raw in ref[1:].split("/")[1:]:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SpecError(
                    source=self.source,
                    where=f"$ref {ref!r} ({reached})",
                    problem=f"does not resolve: nothing at {part!r}",
                    fix="point the $ref at a component that exists, or add the component",
                )
        return node


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pair:
    old: _Document
    new: _Document
    include_docs: bool


def _operation(document: Mapping[str, Any], source: str) -> Located:
    paths = document.get("paths")
    item = paths.get(BATCH_READ_PATH) if isinstance(paths, Mapping) else None
    if isinstance(item, Mapping) and "$ref" in item:
        # Resolved strictly here, so that a broken $ref is an error naming it.
        _Document(root=document, source=source, located=_NOWHERE).resolve(item, None)
    located = locate(document)
    if located is None:
        raise SpecError(
            source=source,
            where=_OPERATION_POINTER,
            problem=f"does not declare the batch read operation ({OPERATION}, or a "
            "date-versioned path such as /crm/objects/2026-03/tickets/batch/read)",
            fix="diff two versions of this one operation: our fragment or HubSpot's "
            "tickets spec (PublicApiSpecs/CRM/Tickets/.../tickets.json)",
        )
    return located


_NOWHERE = Located(path=BATCH_READ_PATH, template="", item={}, operation={})


def _diff_path(old: Located, new: Located) -> Iterator[Change]:
    """A client calls a URL: the path is part of the contract."""
    if old.path == new.path:
        return
    when = When.SAME_URL if old.url_path == new.url_path else When.NEW_URL
    yield _change(
        Location(Category.OPERATION, ("operation", "path")),
        ChangeKind.PATH_MOVED,
        _path_word(old),
        _path_word(new),
        (None, when),
        old_url=old.url_path,
        new_url=new.url_path,
    )


def _path_word(located: Located) -> str:
    if not located.template:
        return f"{BATCH_READ_METHOD} {located.path}"
    return f"{BATCH_READ_METHOD} {located.path} ({located.template}=tickets or 0-5)"


def _change(
    where: Location, kind: ChangeKind, old: Any, new: Any, context: Context, **facts: str
) -> Change:
    """A change found: what, where, in which context; its verdict is the table's."""
    return Change(
        where=where,
        kind=kind,
        context=context,
        old=None if old is None else _show(old),
        new=None if new is None else _show(new),
        facts=tuple(sorted(facts.items())),
    )


def _docs(
    pair: _Pair,
    old: Any,
    new: Any,
    where: Location,
    prefix: str = "",
    keys: Sequence[str] = _DOC_KEYS,
) -> Iterator[Change]:
    if not pair.include_docs or not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return
    for key in keys:
        # HubSpot publishes `example: null` on nearly every node: the same as no example.
        before, after = old.get(key), new.get(key)
        if before != after:
            yield _change(where.child(prefix + key), ChangeKind.DOCS, before, after, _ANYWHERE)


def _diff_operation(
    pair: _Pair, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    where = Location(Category.OPERATION, ("operation",))
    yield from _docs(pair, old, new, where, keys=(*_DOC_KEYS, "tags"))
    if old.get("operationId") != new.get("operationId") and not _follows_path(pair, old, new):
        yield _change(
            where,
            ChangeKind.OPERATION_ID_CHANGED,
            old.get("operationId"),
            new.get("operationId"),
            _ANYWHERE,
        )
    yield from _deprecation(old, new, where)


def _follows_path(pair: _Pair, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    # HubSpot derives operationIds from the path ("post-/crm/v3/.../batch/read_read"):
    # one that changed only by the move is reported once, as the move.
    before, after = old.get("operationId"), new.get("operationId")
    old_path, new_path = pair.old.located.path, pair.new.located.path
    return (
        isinstance(before, str)
        and isinstance(after, str)
        and old_path != new_path
        and old_path in before
        and before.replace(old_path, new_path) == after
    )


def _deprecation(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location
) -> Iterator[Change]:
    before, after = bool(old.get("deprecated")), bool(new.get("deprecated"))
    if before != after:
        when = When.DEPRECATED if after else When.UNDEPRECATED
        yield _change(where, ChangeKind.DEPRECATION_CHANGED, before, after, (None, when))


# --- parameters ------------------------------------------------------------------------


def _parameters(
    document: _Document, operation: Mapping[str, Any]
) -> dict[tuple[str, str], Mapping[str, Any]]:
    # Operation parameters override path-level ones with the same name and location.
    # A templated path's object type is part of the path, compared as the path.
    item = document.located.item
    template = document.located.template
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter, _ = document.resolve(raw, Location(Category.PARAMETERS, ("parameters",)))
        if isinstance(parameter, Mapping):
            place, name = str(parameter.get("in")), str(parameter.get("name"))
            if template and (place, name) == ("path", template):
                continue
            # Header names are case-insensitive (RFC 9110, section 5.1).
            found[place, name.lower() if place == "header" else name] = parameter
    return found


def _serialization(parameter: Mapping[str, Any]) -> str:
    # OpenAPI 3.0 defaults: form for query and cookie, simple for path and header;
    # explode is true exactly when the style is form.
    default = "form" if parameter.get("in") in ("query", "cookie") else "simple"
    style = parameter.get("style", default)
    explode = parameter.get("explode", style == "form")
    return f"style={style}, explode={str(explode).lower()}"


def _parameter_schema(parameter: Mapping[str, Any]) -> Any:
    if "schema" in parameter:
        return parameter["schema"]
    # A parameter with `content` instead of `schema` has exactly one media type.
    content: Mapping[str, Any] = parameter.get("content") or {}
    for media in content.values():
        return media.get("schema") if isinstance(media, Mapping) else None
    return None


def _diff_parameters(
    pair: _Pair, old_op: Mapping[str, Any], new_op: Mapping[str, Any]
) -> Iterator[Change]:
    old = _parameters(pair.old, old_op)
    new = _parameters(pair.new, new_op)
    for key in _ordered(old, new):
        where = Location(Category.PARAMETERS, (f"parameter {key[0]} {key[1]}",))
        if key not in new:
            yield _change(
                where,
                ChangeKind.PARAMETER_REMOVED,
                _describe_parameter(pair.old, old[key], where),
                None,
                (Direction.REQUEST, When.ALWAYS),
            )
            continue
        after = new[key]
        if key not in old:
            yield _change(
                where,
                ChangeKind.PARAMETER_ADDED,
                None,
                _describe_parameter(pair.new, after, where),
                (Direction.REQUEST, _presence(after)),
            )
            continue
        before = old[key]
        yield from _docs(pair, before, after, where)
        yield from _required_flag(bool(before.get("required")), bool(after.get("required")), where)
        yield from _deprecation(before, after, where)
        if _serialization(before) != _serialization(after):
            yield _change(
                where,
                ChangeKind.SERIALIZATION_CHANGED,
                _serialization(before),
                _serialization(after),
                (Direction.REQUEST, When.ALWAYS),
            )
        yield from _diff_schema(
            pair,
            _parameter_schema(before),
            _parameter_schema(after),
            where,
            Direction.REQUEST,
            frozenset(),
        )


def _describe_parameter(document: _Document, parameter: Mapping[str, Any], where: Location) -> str:
    required = bool(parameter.get("required"))
    return _field_word(document, _parameter_schema(parameter), required, where)


def _required_flag(before: bool, after: bool, where: Location) -> Iterator[Change]:
    # Parameters and request bodies are sent by the client.
    yield from _requiredness(before, after, where, (Direction.REQUEST, When.WHOLE))


def _requiredness(before: bool, after: bool, where: Location, context: Context) -> Iterator[Change]:
    if before != after:
        kind = ChangeKind.BECAME_REQUIRED if after else ChangeKind.BECAME_OPTIONAL
        yield _change(where, kind, _required_word(before), _required_word(after), context)


def _presence(added: Mapping[str, Any]) -> When:
    """Whether a parameter or request body that appears is required."""
    return When.REQUIRED if added.get("required") else When.OPTIONAL


def _required_word(required: bool) -> str:
    return "required" if required else "optional"


# --- request body ----------------------------------------------------------------------


def _diff_request_body(pair: _Pair, old: Any, new: Any) -> Iterator[Change]:
    where = Location(Category.REQUEST_BODY, ("request body",))
    before, _ = pair.old.resolve(old, where)
    after, _ = pair.new.resolve(new, where)
    if not isinstance(before, Mapping) and not isinstance(after, Mapping):
        return
    if not isinstance(after, Mapping):
        yield _change(
            where, ChangeKind.BODY_REMOVED, "body", None, (Direction.REQUEST, When.ALWAYS)
        )
        return
    if not isinstance(before, Mapping):
        yield _change(
            where,
            ChangeKind.BODY_ADDED,
            None,
            _required_word(bool(after.get("required"))),
            (Direction.REQUEST, _presence(after)),
        )
        return
    yield from _docs(pair, before, after, where)
    yield from _required_flag(bool(before.get("required")), bool(after.get("required")), where)
    yield from _diff_content(
        pair, before.get("content") or {}, after.get("content") or {}, where, Direction.REQUEST
    )


# --- content types ---------------------------------------------------------------------


def _essence(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _covers(media_range: str, media_type: str) -> bool:
    kind, _, sub = _essence(media_range).partition("/")
    other_kind, _, other_sub = _essence(media_type).partition("/")
    return kind in ("*", other_kind) and sub in ("*", other_sub)


def _diff_content(
    pair: _Pair,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Location,
    direction: Direction,
) -> Iterator[Change]:
    old_by_key = {str(k).replace(" ", "").lower(): str(k) for k in old}
    new_by_key = {str(k).replace(" ", "").lower(): str(k) for k in new}
    removed = [old_by_key[k] for k in old_by_key if k not in new_by_key]
    added = [new_by_key[k] for k in new_by_key if k not in old_by_key]
    for media_type in removed:
        if direction is Direction.REQUEST:
            # The server accepts what a new range covers.
            kept = any(_covers(n, media_type) for n in new)
        else:
            # A client asking for a range still gets a type in it.
            kept = "*" in media_type and any(_covers(media_type, n) for n in new)
        when = When.COVERED if kept else When.UNCOVERED
        yield _change(where, ChangeKind.CONTENT_TYPE_REMOVED, media_type, None, (direction, when))
    for media_type in added:
        yield _change(
            where, ChangeKind.CONTENT_TYPE_ADDED, None, media_type, (direction, When.ALWAYS)
        )
    pairs = [(old_by_key[k], new_by_key[k]) for k in old_by_key if k in new_by_key]
    if len(removed) == 1 and len(added) == 1:
        # One type renamed (e.g. */* -> application/json): its schema is still the body.
        pairs.append((removed[0], added[0]))
    single = len(old) == 1 and len(new) == 1
    for before_type, after_type in pairs:
        here = where if single else where.suffixed(f" ({after_type})")
        before, after = old[before_type], new[after_type]
        if not isinstance(before, Mapping) or not isinstance(after, Mapping):
            continue
        yield from _docs(pair, before, after, here, keys=("example", "examples"))
        yield from _diff_schema(
            pair, before.get("schema"), after.get("schema"), here, direction, frozenset()
        )


# --- responses -------------------------------------------------------------------------


def _diff_responses(
    pair: _Pair, old: Mapping[Any, Any], new: Mapping[Any, Any]
) -> Iterator[Change]:
    # YAML reads an unquoted 200 as an integer; OpenAPI status codes are strings.
    old_codes = {str(k): v for k, v in old.items() if not str(k).startswith("x-")}
    new_codes = {str(k): v for k, v in new.items() if not str(k).startswith("x-")}
    for code in _ordered(old_codes, new_codes):
        where = Location(Category.RESPONSES, (f"response {code}",))
        if code not in new_codes:
            yield _change(
                where, ChangeKind.STATUS_REMOVED, code, None, (Direction.RESPONSE, When.ALWAYS)
            )
            continue
        if code not in old_codes:
            if code == "default":
                when = When.ANY_STATUS
            elif "default" not in old_codes:
                when = When.UNDECLARED
            # The status was already answered under `default`; it only breaks clients
            # if its body now differs from what `default` promised.
            elif _same_body(pair, old_codes["default"], new_codes[code], where):
                when = When.AS_DEFAULT
            else:
                when = When.LEAVES_DEFAULT
            yield _change(where, ChangeKind.STATUS_ADDED, None, code, (Direction.RESPONSE, when))
            continue
        before, _ = pair.old.resolve(old_codes[code], where)
        after, _ = pair.new.resolve(new_codes[code], where)
        if not isinstance(before, Mapping) or not isinstance(after, Mapping):
            continue
        yield from _docs(pair, before, after, where)
        yield from _diff_content(
            pair,
            before.get("content") or {},
            after.get("content") or {},
            where,
            Direction.RESPONSE,
        )
        yield from _diff_headers(
            pair, before.get("headers") or {}, after.get("headers") or {}, where
        )


def _same_body(pair: _Pair, old_default: Any, new_response: Any, where: Location) -> bool:
    before, _ = pair.old.resolve(old_default, where)
    after, _ = pair.new.resolve(new_response, where)
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return False
    plain = _Pair(old=pair.old, new=pair.new, include_docs=False)
    content = _diff_content(
        plain, before.get("content") or {}, after.get("content") or {}, where, Direction.RESPONSE
    )
    return not any(change.breaking for change in content)


def _diff_headers(
    pair: _Pair, old: Mapping[str, Any], new: Mapping[str, Any], where: Location
) -> Iterator[Change]:
    old_names = {str(k).lower(): k for k in old}
    new_names = {str(k).lower(): k for k in new}
    for name in _ordered(old_names, new_names):
        here = where.child(f"header {name}")
        if name not in new_names:
            yield _change(
                here,
                ChangeKind.HEADER_REMOVED,
                old_names[name],
                None,
                (Direction.RESPONSE, When.ALWAYS),
            )
        elif name not in old_names:
            yield _change(
                here,
                ChangeKind.HEADER_ADDED,
                None,
                new_names[name],
                (Direction.RESPONSE, When.ALWAYS),
            )
        else:
            before, _ = pair.old.resolve(old[old_names[name]], here)
            after, _ = pair.new.resolve(new[new_names[name]], here)
            if isinstance(before, Mapping) and isinstance(after, Mapping):
                yield from _diff_schema(
                    pair,
                    before.get("schema"),
                    after.get("schema"),
                    here,
                    Direction.RESPONSE,
                    frozenset(),
                )


# --- schemas ---------------------------------------------------------------------------


def _diff_schema(
    pair: _Pair,
    old: Any,
    new: Any,
    where: Location,
    direction: Direction,
    stack: _Stack,
) -> Iterator[Change]:
    before, old_ref = pair.old.resolve(old, where)
    after, new_ref = pair.new.resolve(new, where)
    if old_ref or new_ref:
        # A pair of $refs already being compared further up: the rest is a repeat.
        if (old_ref, new_ref) in stack:
            return
        stack = stack | {(old_ref, new_ref)}
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        if before != after:
            yield _change(where, ChangeKind.UNCLASSIFIED, before, after, _ANYWHERE)
        return
    before = _flatten_all_of(pair.old, before, where)
    after = _flatten_all_of(pair.new, after, where)
    # A root schema shares its location with the response, body or parameter it types.
    yield from _docs(pair, before, after, where, "schema " if len(where.parts) == 1 else "")

    old_types, new_types = _types(before), _types(after)
    if old_types != new_types:
        effect = _type_effect(old_types, new_types)
        yield _change(
            where,
            ChangeKind.TYPE_CHANGED,
            _type_word(old_types),
            _type_word(new_types),
            (direction, effect),
        )
        if effect is When.REPLACES:
            return  # what lies below an object that became a string is not comparable
    yield from _diff_nullable(before, after, where, direction)
    yield from _diff_format(before, after, where, direction)
    yield from _diff_enum(before, after, where, direction)
    yield from _diff_constraints(before, after, where, direction)
    yield from _diff_flags(before, after, where, direction)
    yield from _diff_properties(pair, before, after, where, direction, stack)
    yield from _diff_items(pair, before, after, where, direction, stack)
    yield from _diff_additional(pair, before, after, where, direction, stack)
    yield from _diff_alternatives(pair, before, after, where, direction, stack)
    for key in sorted((set(before) | set(after)) - _SCHEMA_KEYS):
        if not key.startswith("x-") and before.get(key) != after.get(key):
            yield _change(
                where.child(key),
                ChangeKind.UNCLASSIFIED,
                before.get(key),
                after.get(key),
                _ANYWHERE,
            )


def _flatten_all_of(
    document: _Document, schema: Mapping[str, Any], where: Location, depth: int = 0
) -> Mapping[str, Any]:
    # allOf is how specs spell inheritance: compare the merged object, not member lists.
    if "allOf" not in schema:
        return schema
    if depth > 32:
        raise SpecError(
            source=document.source,
            where=f"allOf reached from {where}",
            problem="nests deeper than 32 levels (an allOf that contains itself?)",
            fix="break the cycle: an allOf member must not include the schema itself",
        )
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    properties = dict(merged.get("properties") or {})
    required = list(merged.get("required") or [])
    for raw in schema["allOf"]:
        member, _ = document.resolve(raw, where)
        if not isinstance(member, Mapping):
            continue
        member = _flatten_all_of(document, member, where, depth + 1)
        for name, value in (member.get("properties") or {}).items():
            properties.setdefault(name, value)
        required += [r for r in member.get("required") or [] if r not in required]
        for key, value in member.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _types(schema: Mapping[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        names = {declared}
    elif isinstance(declared, list):
        names = {str(t) for t in declared}
    elif "properties" in schema or "additionalProperties" in schema:
        names = {"object"}  # an undeclared type with object keywords means an object
    elif "items" in schema:
        names = {"array"}
    else:
        names = set()
    return frozenset(names - {"null"})  # OpenAPI 3.1 spells nullable as a "null" type


def _type_covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    if not wide:
        return True  # no type: any value
    if not narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_effect(old: frozenset[str], new: frozenset[str]) -> When:
    if _type_covers(new, old):
        return When.WIDENS
    if _type_covers(old, new):
        return When.NARROWS
    return When.REPLACES


def _type_word(types: frozenset[str]) -> str:
    return " | ".join(sorted(types)) if types else "any"


def _nullable(schema: Mapping[str, Any]) -> bool:
    declared = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(declared, list) and "null" in declared)


def _diff_nullable(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location, direction: Direction
) -> Iterator[Change]:
    before, after = _nullable(old), _nullable(new)
    if before != after:
        effect = When.WIDENS if after else When.NARROWS
        yield _change(where, ChangeKind.NULLABLE_CHANGED, before, after, (direction, effect))


def _diff_format(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location, direction: Direction
) -> Iterator[Change]:
    before, after = old.get("format"), new.get("format")
    if before == after:
        return
    if before is None:
        effect = When.NARROWS
    elif after is None or (before, after) in _WIDER_FORMAT:
        effect = When.WIDENS
    elif (after, before) in _WIDER_FORMAT:
        effect = When.NARROWS
    else:
        effect = When.REPLACES
    yield _change(where, ChangeKind.FORMAT_CHANGED, before, after, (direction, effect))


def _diff_enum(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location, direction: Direction
) -> Iterator[Change]:
    before, after = old.get("enum"), new.get("enum")
    if before is None and after is None:
        return
    if before is None or after is None:
        # An enum that appears restricts the values; one that disappears lifts them.
        effect = When.NARROWS if before is None else When.WIDENS
        yield _change(
            where,
            ChangeKind.CONSTRAINT_CHANGED,
            _enum_word(before),
            _enum_word(after),
            (direction, effect),
        )
        return
    old_keys = {_canonical(v): v for v in before}
    new_keys = {_canonical(v): v for v in after}
    context: Context = (direction, When.ALWAYS)
    for key, value in old_keys.items():
        if key not in new_keys:
            yield _change(where, ChangeKind.ENUM_VALUE_REMOVED, value, None, context)
    for key, value in new_keys.items():
        if key not in old_keys:
            yield _change(where, ChangeKind.ENUM_VALUE_ADDED, None, value, context)


def _enum_word(values: Sequence[Any] | None) -> str | None:
    if values is None:
        return None
    return "enum " + ", ".join(_show(v) for v in values)


def _diff_constraints(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location, direction: Direction
) -> Iterator[Change]:
    for key in (
        *_UPPER_BOUNDS,
        *_LOWER_BOUNDS,
        "exclusiveMaximum",
        "exclusiveMinimum",
        "pattern",
        "multipleOf",
        "uniqueItems",
    ):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        yield _change(
            where,
            ChangeKind.CONSTRAINT_CHANGED,
            _keyword(key, before),
            _keyword(key, after),
            (direction, _constraint_effect(key, before, after)),
        )


def _constraint_effect(key: str, before: Any, after: Any) -> When:
    if isinstance(before, bool) or isinstance(after, bool):
        # uniqueItems, and 3.0's boolean exclusiveMaximum/Minimum: true is the tighter.
        return When.NARROWS if bool(after) else When.WIDENS
    if before is None:
        return When.NARROWS
    if after is None:
        return When.WIDENS
    upper = key in _UPPER_BOUNDS or key == "exclusiveMaximum"
    lower = key in _LOWER_BOUNDS or key == "exclusiveMinimum"
    if (upper or lower) and _is_number(before) and _is_number(after):
        tighter = after < before if upper else after > before
        return When.NARROWS if tighter else When.WIDENS
    if key == "multipleOf" and _is_number(before) and _is_number(after) and before:
        # Multiples of 10 are all multiples of 5: a multiple of the old step narrows.
        if math.isclose(after / before, round(after / before)):
            return When.NARROWS
    return When.REPLACES


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _keyword(key: str, value: Any) -> str | None:
    return None if value is None else f"{key} {_show(value)}"


def _diff_flags(
    old: Mapping[str, Any], new: Mapping[str, Any], where: Location, direction: Direction
) -> Iterator[Change]:
    if old.get("default") != new.get("default"):
        yield _change(
            where,
            ChangeKind.DEFAULT_CHANGED,
            _keyword("default", old.get("default")),
            _keyword("default", new.get("default")),
            (direction, When.ALWAYS),
        )
    # readOnly hides a field from requests, writeOnly hides it from responses.
    hiding = "readOnly" if direction is Direction.REQUEST else "writeOnly"
    for key in ("readOnly", "writeOnly"):
        before, after = bool(old.get(key)), bool(new.get(key))
        if before == after:
            continue
        when = When.HIDES if key == hiding and after else When.NO_EFFECT
        yield _change(
            where,
            ChangeKind.ACCESS_CHANGED,
            _keyword(key, before),
            _keyword(key, after),
            (direction, when),
        )
    yield from _deprecation(old, new, where)


def _diff_properties(
    pair: _Pair,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Location,
    direction: Direction,
    stack: _Stack,
) -> Iterator[Change]:
    old_props: Mapping[str, Any] = old.get("properties") or {}
    new_props: Mapping[str, Any] = new.get("properties") or {}
    old_required = set(old.get("required") or [])
    new_required = set(new.get("required") or [])
    context: Context = (direction, When.ALWAYS)
    for name in _ordered(old_props, new_props):
        here = where.child(name)
        if name not in new_props:
            yield _change(
                here,
                ChangeKind.FIELD_REMOVED,
                _field_word(pair.old, old_props[name], name in old_required, here),
                None,
                context,
            )
        elif name not in old_props:
            required = name in new_required
            yield _change(
                here,
                ChangeKind.REQUIRED_FIELD_ADDED if required else ChangeKind.FIELD_ADDED,
                None,
                _field_word(pair.new, new_props[name], required, here),
                context,
            )
        else:
            yield from _diff_schema(pair, old_props[name], new_props[name], here, direction, stack)
    # Required-ness of fields on both sides (added and removed fields are reported above).
    for name in sorted((old_required ^ new_required) - (set(old_props) ^ set(new_props))):
        yield from _requiredness(
            name in old_required, name in new_required, where.child(name), (direction, When.FIELD)
        )


def _field_word(document: _Document, schema: Any, required: bool, where: Location) -> str:
    # A field that comes or goes is shown with its type, or the component it names.
    resolved, ref = document.resolve(schema, where)
    if ref is not None:
        kind = ref.rsplit("/", 1)[-1]
    elif isinstance(resolved, Mapping):
        types = _types(resolved)
        kind = _type_word(types)
        if types == {"array"} and isinstance(resolved.get("items"), Mapping):
            item, item_ref = document.resolve(resolved["items"], where)
            inner = item_ref.rsplit("/", 1)[-1] if item_ref else _type_word(_types(item))
            kind = f"array of {inner}"
    else:
        kind = "any"
    return f"{kind}, {_required_word(required)}"


def _diff_items(
    pair: _Pair,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Location,
    direction: Direction,
    stack: _Stack,
) -> Iterator[Change]:
    before, after = old.get("items"), new.get("items")
    if before is None and after is None:
        return
    if before is None or after is None:
        effect = When.NARROWS if before is None else When.WIDENS
        yield _change(
            where,
            ChangeKind.CONSTRAINT_CHANGED,
            _keyword("items", before),
            _keyword("items", after),
            (direction, effect),
        )
        return
    yield from _diff_schema(pair, before, after, where.suffixed("[]"), direction, stack)


def _diff_additional(
    pair: _Pair,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Location,
    direction: Direction,
    stack: _Stack,
) -> Iterator[Change]:
    # Absent means any extra key is allowed, the same as true.
    before = old.get("additionalProperties", True)
    after = new.get("additionalProperties", True)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        yield from _diff_schema(pair, before, after, where.suffixed("{}"), direction, stack)
        return
    if before == after:
        return
    if after is True or before is False:
        effect = When.WIDENS  # true allows everything; anything allows more than false
    else:
        effect = When.NARROWS
    yield _change(
        where,
        ChangeKind.CONSTRAINT_CHANGED,
        _additional_word(before),
        _additional_word(after),
        (direction, effect),
    )


def _additional_word(value: Any) -> str:
    if value is True:
        return "additionalProperties any"
    if value is False:
        return "additionalProperties none"
    return "additionalProperties " + _show(value)


def _diff_alternatives(
    pair: _Pair,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    where: Location,
    direction: Direction,
    stack: _Stack,
) -> Iterator[Change]:
    for key in ("oneOf", "anyOf"):
        before, after = old.get(key), new.get(key)
        if before is None and after is None:
            continue
        if not isinstance(before, list) or not isinstance(after, list):
            yield _change(where.child(key), ChangeKind.UNCLASSIFIED, before, after, _ANYWHERE)
            continue
        old_keys, new_keys = _alternative_keys(before), _alternative_keys(after)
        for index, alt_key in enumerate(old_keys):
            if alt_key not in new_keys:
                yield _change(
                    where.child(f"{key}[{index}]"),
                    ChangeKind.ALTERNATIVE_REMOVED,
                    alt_key,
                    None,
                    (direction, When.NARROWS),
                )
        for index, alt_key in enumerate(new_keys):
            here = where.child(f"{key}[{index}]")
            if alt_key not in old_keys:
                yield _change(
                    here, ChangeKind.ALTERNATIVE_ADDED, None, alt_key, (direction, When.WIDENS)
                )
            else:
                yield from _diff_schema(
                    pair, before[old_keys.index(alt_key)], after[index], here, direction, stack
                )


def _alternative_keys(alternatives: list[Any]) -> list[str]:
    # Alternatives are matched by the component they name, else by position.
    return [
        str(alt["$ref"]) if isinstance(alt, Mapping) and "$ref" in alt else f"#{index}"
        for index, alt in enumerate(alternatives)
    ]


# --- security --------------------------------------------------------------------------


def _requirements(
    document: Mapping[str, Any], operation: Mapping[str, Any]
) -> dict[frozenset[str], dict[str, frozenset[str]]]:
    # The operation's security overrides the document's; [] means no authentication.
    declared = operation["security"] if "security" in operation else document.get("security")
    found: dict[frozenset[str], dict[str, frozenset[str]]] = {}
    for requirement in declared or []:
        if isinstance(requirement, Mapping):
            scopes = {str(k): frozenset(str(s) for s in v or []) for k, v in requirement.items()}
            found[frozenset(scopes)] = scopes
    return found


def _requirement_word(schemes: Mapping[str, frozenset[str]]) -> str:
    if not schemes:
        return "none (anonymous)"
    return " + ".join(
        f"{name} [{', '.join(sorted(scopes))}]" if scopes else name
        for name, scopes in sorted(schemes.items())
    )


def _diff_security(
    pair: _Pair, old_op: Mapping[str, Any], new_op: Mapping[str, Any]
) -> Iterator[Change]:
    old = _requirements(pair.old.root, old_op)
    new = _requirements(pair.new.root, new_op)
    where = Location(Category.SECURITY, ("security",))
    anonymous_before = not old or frozenset() in old
    anonymous_after = not new or frozenset() in new
    for key in _ordered(old, new):
        if key not in new:
            when = When.ANONYMOUS if anonymous_after else When.AUTHENTICATED
            yield _change(
                where, ChangeKind.SECURITY_REMOVED, _requirement_word(old[key]), None, (None, when)
            )
        elif key not in old:
            needs_now = anonymous_before and not anonymous_after
            when = When.NOW_NEEDED if needs_now else When.ALTERNATIVE
            yield _change(
                where, ChangeKind.SECURITY_ADDED, None, _requirement_word(new[key]), (None, when)
            )
        else:
            for scheme in sorted(key):
                here = _scheme_location(scheme)
                for scope in sorted(new[key][scheme] - old[key][scheme]):
                    yield _change(here, ChangeKind.SCOPE_ADDED, None, scope, _ANYWHERE)
                for scope in sorted(old[key][scheme] - new[key][scheme]):
                    yield _change(here, ChangeKind.SCOPE_REMOVED, scope, None, _ANYWHERE)
    used = set().union(*old, *new)
    for scheme in sorted(used):
        before = _scheme(pair.old, scheme)
        after = _scheme(pair.new, scheme)
        if before is not None and after is not None and before != after:
            yield _change(
                _scheme_location(scheme),
                ChangeKind.SECURITY_SCHEME_CHANGED,
                _scheme_word(before, after),
                _scheme_word(after, before),
                (None, When.ALWAYS),
            )


def _scheme_location(name: str) -> Location:
    return Location(Category.SECURITY, (f"security {name}",))


def _scheme(document: _Document, name: str) -> dict[str, Any] | None:
    schemes = (document.root.get("components") or {}).get("securitySchemes") or {}
    raw = schemes.get(name)
    if raw is None:
        return None
    scheme, _ = document.resolve(raw, _scheme_location(name))
    if not isinstance(scheme, Mapping):
        return None
    # How credentials travel matters; descriptions and the scopes' texts do not (the
    # scopes an operation needs are compared on its requirements).
    flows = {
        flow: {k: v for k, v in body.items() if k != "scopes" and not k.startswith("x-")}
        for flow, body in (scheme.get("flows") or {}).items()
        if isinstance(body, Mapping)
    }
    kept = {
        k: v
        for k, v in scheme.items()
        if k not in ("description", "flows") and not k.startswith("x-")
    }
    return {**kept, "flows": flows} if flows else kept


def _scheme_word(scheme: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    differing = {
        k: scheme.get(k) for k in sorted(set(scheme) | set(other)) if scheme.get(k) != other.get(k)
    }
    return ", ".join(f"{k}={_show(v)}" for k, v in differing.items())


# --- rendering -------------------------------------------------------------------------


def render_markdown(drift: Drift) -> str:
    """A report for a person: title, summary line, one table per category."""
    lines = [
        f"# Spec drift: {operation_word(drift.old_path, drift.new_path)}",
        "",
        f"{_code(drift.old_source)} -> {_code(drift.new_source)}",
        "",
        f"**{drift.summary}**",
    ]
    if not drift.changes:
        lines += ["", "No change to the operation."]
    for category in Category:
        rows = [c for c in drift.changes if c.category is category]
        if not rows:
            continue
        # Breaking rows first; otherwise the order is the documents' own.
        rows.sort(key=lambda c: not c.breaking)
        lines += [
            "",
            f"## {category.value}",
            "",
            "| | Location | Change | Old -> New | Why |",
            "|---|---|---|---|---|",
        ]
        lines += [f"| {change_cells(change)} |" for change in rows]
    if drift.warnings:
        lines += [
            "",
            "## Warnings",
            "",
            f"{len(drift.warnings)} flaws: repaired where the reading is certain, "
            "ignored outside the batch read operation:",
            "",
            "| File | Where | Problem |",
            "|---|---|---|",
        ]
        lines += [
            f"| {_cell(_code(w.source))} | {_cell(_code(w.where))} | {_cell(w.problem)} |"
            for w in drift.warnings
        ]
    return "\n".join(lines) + "\n"


def operation_word(old_path: str, new_path: str) -> str:
    """``POST <path>``, or ``POST <old> -> <new>`` when the path moved."""
    if old_path == new_path:
        return f"{BATCH_READ_METHOD} {old_path}"
    return f"{BATCH_READ_METHOD} {old_path} -> {new_path}"


def change_cells(change: Change) -> str:
    """The cells of one change's row: verdict | location | change | old -> new | why."""
    verdict = "**breaking**" if change.breaking else "non-breaking"
    values = f"{_cell_value(change.old)} -> {_cell_value(change.new)}"
    return (
        f"{verdict} | {_cell(_code(change.location))} | {change.kind.value} "
        f"| {_cell(values)} | {_cell(change.reason)}"
    )


def render_json(drift: Drift) -> str:
    """The same report for a program."""
    report = {
        "operation": operation_word(drift.old_path, drift.new_path),
        "old": drift.old_source,
        "new": drift.new_source,
        "old_path": drift.old_path,
        "new_path": drift.new_path,
        "breaking": len(drift.breaking),
        "non_breaking": len(drift.non_breaking),
        "changes": [c.to_json() for c in drift.changes],
        "warnings": [w.to_json() for w in drift.warnings],
    }
    return json.dumps(report, indent=2) + "\n"


def _cell_value(value: str | None) -> str:
    return "(none)" if value is None else _code(value)


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    # GFM tables: a pipe ends the cell even inside a code span unless escaped.
    return text.replace("|", "\\|").replace("\n", " ")


# --- small helpers ---------------------------------------------------------------------


def _ordered(old: Iterable[Any], new: Iterable[Any]) -> list[Any]:
    # The old document's order, then what only the new one has: stable, readable output.
    seen = list(old)
    return seen + [key for key in new if key not in seen]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _show(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else _canonical(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
