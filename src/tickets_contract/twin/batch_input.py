"""The batch read body: ``BatchReadInputSimplePublicObjectId``, read as HubSpot reads it.

S1: ``inputs`` (array of ``{"id": string}``), ``properties`` and
``propertiesWithHistory`` (arrays of strings) and an optional ``idProperty`` (string).
The spec marks ``properties`` and ``propertiesWithHistory`` required, but "HubSpot's own
docs send bodies **without** ``propertiesWithHistory`` … and **without** ``properties``
… So the server does not enforce the spec's ``required``" (quirk 1): only ``inputs`` and
each input's ``id`` are required here.

Errors come in Jackson's words, at the place Jackson would name (``jackson``):

* wrong type: "Invalid input JSON on line 3, column 9: Cannot deserialize value of type
  `…SimplePublicObjectBatchInput$Json` from Array value (token `JsonToken.START_ARRAY`)"
  (search id 2470280899);
* missing field: "Invalid input JSON on line 1, column 2. Some required fields were not
  set: [name]" (search id 53033167622; note the full stop).

The members are checked in document order and the first failure wins, as a streaming
parser fails at the first bad token. Unknown members are ignored (no source shows
what unknown top-level keys get; ledger assumption), and so is ``null`` for an optional
member unless ``TwinConfig.nulls_mean_absent`` is off. The Java class names are inferred
from the public schema names plus Immutables' ``$Json`` suffix, as in the quoted body.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .config import MissingInputs
from .jackson import ParsedJson

__all__ = ["BatchReadInput", "InputProblem", "read_batch_input"]

_PACKAGE = "com.hubspot.inbounddb.publicobject.core.v2"
_ROOT_TYPE = f"{_PACKAGE}.BatchReadInputSimplePublicObjectId$Json"
_ITEM_TYPE = f"{_PACKAGE}.SimplePublicObjectId$Json"
_INPUTS_TYPE = f"java.util.ArrayList<{_ITEM_TYPE}>"
_STRING_TYPE = "java.lang.String"
_STRINGS_TYPE = f"java.util.ArrayList<{_STRING_TYPE}>"

_SHAPES: dict[type, tuple[str, str]] = {
    dict: ("Object", "START_OBJECT"),
    list: ("Array", "START_ARRAY"),
    str: ("String", "VALUE_STRING"),
    int: ("Integer", "VALUE_NUMBER_INT"),
    float: ("Floating-point", "VALUE_NUMBER_FLOAT"),
    type(None): ("Null", "VALUE_NULL"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchReadInput:
    """A well-typed batch read body.

    ``properties`` and ``properties_with_history`` are ``None`` when absent or ``null``;
    ``id_property`` likewise. ``ids`` are the inputs' ids as sent, in order, repeats kept.
    """

    ids: tuple[str, ...]
    properties: tuple[str, ...] | None = None
    properties_with_history: tuple[str, ...] | None = None
    id_property: str | None = None


class InputProblem(Exception):
    """The body parsed as JSON but is not a batch read input; ``message`` is HubSpot's.

    ``missing_field`` tells a required-field error from a type error: public code shows the
    former with ``category`` and Jackson's type errors without (search ids 53033167622,
    2470280899).
    """

    def __init__(self, message: str, *, missing_field: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing_field = missing_field


def _shape(value: object) -> tuple[str, str]:
    if isinstance(value, bool):
        return "Boolean", "VALUE_TRUE" if value else "VALUE_FALSE"
    return _SHAPES[type(value)]


class _Reader:
    def __init__(
        self,
        parsed: ParsedJson,
        *,
        coerce_scalars: bool,
        nulls_mean_absent: bool,
        missing_inputs: MissingInputs = "empty",
    ) -> None:
        self._parsed = parsed
        self._coerce = coerce_scalars
        self._nulls_mean_absent = nulls_mean_absent
        self._missing_inputs = missing_inputs

    def _mismatch(self, java_type: str, value: object, path: Sequence[str | int]) -> InputProblem:
        """Jackson's words for ``value`` where a ``java_type`` was expected."""
        where = self._parsed.start_of(path)
        is_bean = java_type in (_ROOT_TYPE, _ITEM_TYPE)
        if is_bean and isinstance(value, (str, int, float)):
            # A scalar where an object is expected: Jackson looks for a one-argument
            # creator and reports that none exists.
            if isinstance(value, bool):
                kind, shown = "boolean/Boolean", f"Boolean value ({json.dumps(value)})"
            elif isinstance(value, str):
                kind, shown = "String", f"String value ('{value}')"
            elif isinstance(value, int):
                kind, shown = "int/Int", f"Number value ({value})"
            else:
                kind, shown = "double/Double", f"Number value ({value!r})"
            reason = (
                f"Cannot construct instance of `{java_type}` (although at least one Creator "
                f"exists): no {kind}-argument constructor/factory method to deserialize from "
                f"{shown}"
            )
        else:
            shape, token = _shape(value)
            reason = (
                f"Cannot deserialize value of type `{java_type}` from {shape} value "
                f"(token `JsonToken.{token}`)"
            )
        return InputProblem(self._parsed.at(where, reason))

    def _missing(self, names: Sequence[str], path: Sequence[str | int]) -> InputProblem:
        where = self._parsed.closing_of(path)
        reason = f"Some required fields were not set: [{', '.join(names)}]"
        return InputProblem(self._parsed.at(where, reason, separator=". "), missing_field=True)

    def _string(self, value: object, path: Sequence[str | int]) -> str | None:
        if isinstance(value, str) or value is None:
            return value
        if self._coerce and isinstance(value, (int, float)):
            # Jackson's default scalar coercion writes the number or boolean as text.
            return json.dumps(value)
        raise self._mismatch(_STRING_TYPE, value, path)

    def _strings(self, value: object, path: Sequence[str | int]) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise self._mismatch(_STRINGS_TYPE, value, path)
        if {*map(type, value)} <= _STR_ONLY:
            # The common case: nothing to coerce or report, read in one pass.
            return tuple(value)
        names: list[str] = []
        for position, item in enumerate(value):
            name = self._string(item, (*path, position))
            if name is None:
                raise self._mismatch(_STRING_TYPE, item, (*path, position))
            names.append(name)
        return tuple(names)

    def _id(self, item: object, path: Sequence[str | int]) -> str:
        if not isinstance(item, dict):
            raise self._mismatch(_ITEM_TYPE, item, path)
        ticket_id = self._string(item["id"], (*path, "id")) if "id" in item else None
        if ticket_id is None:
            raise self._missing(["id"], path)
        return ticket_id

    def read(self) -> BatchReadInput:
        root = self._parsed.value
        if not isinstance(root, dict):
            raise self._mismatch(_ROOT_TYPE, root, ())
        ids: tuple[str, ...] | None = None
        fields: dict[str, tuple[str, ...] | None] = {}
        id_property: str | None = None
        for key, value in root.items():
            if key == "inputs":
                if value is None:
                    ids = None
                elif not isinstance(value, list):
                    raise self._mismatch(_INPUTS_TYPE, value, (key,))
                else:
                    ids = _plain_ids(value) or tuple(
                        self._id(item, (key, n)) for n, item in enumerate(value)
                    )
            elif key in ("properties", "propertiesWithHistory"):
                if type(value) is list and {*map(type, value)} <= _STR_ONLY:
                    fields[key] = tuple(value)  # _strings' usual case, without the call
                    continue
                if value is None and not self._nulls_mean_absent:
                    raise self._mismatch(_STRINGS_TYPE, value, (key,))
                fields[key] = self._strings(value, (key,))
            elif key == "idProperty":
                if value is None and not self._nulls_mean_absent:
                    raise self._mismatch(_STRING_TYPE, value, (key,))
                id_property = self._string(value, (key,))
        if ids is None:
            # S30: a batch body without `inputs` "returns success with empty
            # array" (quirk missing-inputs-empty-answer); "reject" is Jackson's 400.
            if self._missing_inputs == "empty":
                ids = ()
            else:
                raise self._missing(["inputs"], ())
        return BatchReadInput(
            ids=ids,
            properties=fields.get("properties"),
            properties_with_history=fields.get("propertiesWithHistory"),
            id_property=id_property,
        )


_STR_ONLY = frozenset({str})


def _plain_ids(inputs: list[object]) -> tuple[str, ...] | None:
    """The ids of ``inputs`` when every one is an object with a string ``id``, else ``None``.

    The common case, read in one pass; anything else goes through ``_Reader._id``, which
    names the fault.
    """
    try:
        ids = tuple([item["id"] for item in inputs])  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return None
    return ids if set(map(type, ids)) == {str} else None


def read_batch_input(
    parsed: ParsedJson,
    *,
    coerce_scalars: bool = False,
    nulls_mean_absent: bool = True,
    missing_inputs: MissingInputs = "empty",
) -> BatchReadInput:
    """The batch read input in ``parsed``; raise ``InputProblem`` with HubSpot's message.

    ``coerce_scalars``, ``nulls_mean_absent`` and ``missing_inputs`` are ``TwinConfig``'s
    settings.
    """
    return _Reader(
        parsed,
        coerce_scalars=coerce_scalars,
        nulls_mean_absent=nulls_mean_absent,
        missing_inputs=missing_inputs,
    ).read()
