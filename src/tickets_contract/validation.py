"""One validating reader for every file the project reads: cassettes, the ledger, settings.

Each format is a JSON Schema (draft-07, what YAML and TOML language servers support)
shipped in the package (``tickets_contract/schemas/``), so editors can check a file as it
is typed (README, "Checking files in an editor"). The schema decides the shape; what a
schema cannot say (references between entries, a file name that must match a field)
stays in the format's module, raised through the same ``Reader.fail`` so every message
has one shape: the file, the place, what was expected and what was received, and the fix
(``errors.InputError``).

A schema speaks to users through annotations that validators ignore:

``x-error``
    ``{"problem": ..., "fix": ...}``: the message for any failure inside this schema,
    reported at the place the schema applies to (so a list whose items are wrong is
    reported as the list, as a reader sees it).
``x-errors``
    the same, per keyword of this schema (``required``, ``additionalProperties``,
    ``anyOf``, ``minItems``, ...); a failure below a keyword is named by that keyword.
    A missing or unknown field is reported at the field, unless the message says
    ``"place": "self"`` (then at the mapping).
``x-defaults``
    (at the root) the messages for keywords no schema above a failure names.
``x-unknown-order``
    ``"sorted"``: of several unknown fields, name the first in sorted order (else the
    first in the file).

The innermost schema with a message wins. Messages are ``str.format`` templates over
``value`` (what was received, e.g. ``{value!r:.60}``), ``kind`` (its type in words;
``type`` its Python name), ``key`` (the field at fault), ``parent`` (the mapping holding
it), ``required`` and ``known`` (the fields of the mapping's schema, comma-separated).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from tickets_contract.errors import InputError

__all__ = ["SCHEMAS", "Reader", "schema_text"]

SCHEMAS = ("cassette", "ledger", "settings")
"""The shipped schemas, by name: ``schemas/<name>.schema.json`` in the package."""


def schema_text(name: str) -> str:
    """The JSON text of a shipped schema, as the package holds it."""
    if name not in SCHEMAS:
        raise KeyError(name)
    return (resources.files("tickets_contract") / "schemas" / f"{name}.schema.json").read_text(
        encoding="utf-8"
    )


@cache
def _schema(name: str, part: str | None = None) -> Mapping[str, Any]:
    """A shipped schema, or its ``definitions`` entry ``part`` (which holds no ``$ref``)."""
    loaded: Mapping[str, Any] = json.loads(schema_text(name))
    return loaded if part is None else loaded["definitions"][part]


@cache
def _validator(name: str, part: str | None = None) -> Any:
    # why: jsonschema costs ~90 ms to import; commands that read no file skip it
    from jsonschema import Draft7Validator

    Draft7Validator.check_schema(_schema(name))
    return Draft7Validator(_schema(name, part))


class Reader:
    """Validates one file's data against its schema; every error names the file and place.

    ``error`` is the ``InputError`` subclass raised; ``part`` names the ``definitions`` entry
    that describes the data when it is part of the file (the settings table of a TOML
    file); ``prefix`` goes before every place (settings name their table); a list entry
    holding a text ``label`` field (the ledger's ``id``) is named by it too:
    ``quirks[3] (id duplicate-ids).since``. Fields named in ``opaque`` hold data the
    schema leaves free (a recorded JSON body): their keys are not checked to be text.
    """

    def __init__(
        self,
        schema: str,
        source: str,
        error: type[InputError],
        *,
        part: str | None = None,
        prefix: str = "",
        label: str | None = None,
        opaque: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.part = part
        self.source = source
        self.error = error
        self.prefix = prefix
        self.label = label
        self.opaque = opaque
        self._data: Any = None

    def fail(self, where: str | Sequence[str | int], problem: str, fix: str) -> InputError:
        """The error for ``where`` (a place as text, or a path into the data checked)."""
        if not isinstance(where, str):
            where = self.place(where)
        return self.error(source=self.source, where=where, problem=problem, fix=fix)

    def place(self, path: Sequence[str | int]) -> str:
        """How a path into the data reads in a message: ``interactions[0].request.path``."""
        text = ""
        node = self._data
        for step in path:
            node = _child(node, step)
            if isinstance(step, int):
                text += f"[{step}]"
                if self.label and isinstance(node, Mapping):
                    name = node.get(self.label)
                    if isinstance(name, str):
                        text += f" ({self.label} {name})"
            else:
                text += f".{step}" if text else str(step)
        return self.prefix + text if text else self.prefix + "top level"

    def check(self, data: Any) -> None:
        """Raise the first error of ``data`` against the schema, in the schema's order."""
        self._data = data
        # The same data passes again: a run reads the ledger and the corpus many times,
        # and jsonschema takes ~17 ms over the ledger. repr() tells types apart (1 from
        # "1", a date from its text), so equal fingerprints mean equal data.
        fingerprint = (self.schema, self.part, self.opaque, _digest(data))
        if fingerprint in _PASSED:
            return
        _text_keys(self, data, [])
        error = next(iter(_validator(self.schema, self.part).iter_errors(data)), None)
        if error is not None:
            raise self._translate(error)
        _PASSED.add(fingerprint)

    def _translate(self, error: Any) -> InputError:
        root = _schema(self.schema, self.part)
        path = list(error.absolute_path)
        keyword = error.validator
        leaf_key: str | None = None
        if keyword == "required":
            leaf_key = next(key for key in error.validator_value if key not in error.instance)
        elif keyword == "additionalProperties":
            leaf_key = _unknown(error.instance, error.schema)[0]
        owners = _owners(root, list(error.absolute_schema_path))
        for schema, step, depth in reversed(owners):
            leaf = depth == len(path)
            message = schema.get("x-errors", {}).get(step) or schema.get("x-error")
            if message is None:
                continue
            if leaf and message.get("place") != "self":
                return self._message(message, schema, path, leaf_key)
            return self._message(message, schema, path[:depth], None)
        schema = owners[-1][0] if owners else root
        fallback = root.get("x-defaults", {}).get(keyword)
        if fallback is None and keyword == "required":
            # A missing field with a message of its own: the message, with nothing received.
            wanted = schema.get("properties", {}).get(leaf_key, {})
            fallback = wanted.get("x-error") or wanted.get("x-errors", {}).get("type")
        return self._message(
            fallback
            or {
                "problem": f"{error.message} (schema {self.schema})",
                "fix": f"see `tickets-contract schema {self.schema}`",
            },
            schema,
            path,
            leaf_key,
        )

    def _message(
        self,
        message: Mapping[str, str],
        schema: Mapping[str, Any],
        path: list[str | int],
        key: str | None,
    ) -> InputError:
        """``message`` filled in for the value at ``path``, or its field ``key``."""
        holder = _at(self._data, path)
        if key is None:
            value = holder
            name: str | int = path[-1] if path else ""
            parent = _at(self._data, path[:-1])
        else:
            value = holder.get(key) if isinstance(holder, Mapping) else None
            name, parent, path = key, holder, [*path, key]
        fields = {
            "value": value,
            "kind": "nothing" if value is None else type(value).__name__,
            "type": type(value).__name__,
            "key": name,
            "parent": parent if isinstance(parent, Mapping) else {},
            "required": ", ".join(schema.get("required", ())),
            "known": ", ".join(schema.get("properties", {})),
        }
        return self.fail(path, message["problem"].format(**fields), message["fix"].format(**fields))


def _owners(
    root: Mapping[str, Any], steps: list[str | int]
) -> list[tuple[Mapping[str, Any], str, int]]:
    """Each schema on the way from ``root`` to a failing keyword, with the keyword taken
    from it and how deep into the data it applies."""
    owners: list[tuple[Mapping[str, Any], str, int]] = []
    node: Any = root
    depth = 0
    i = 0
    while i < len(steps) and isinstance(node, Mapping):
        step = steps[i]
        # jsonschema leaves $ref out of the path: follow it where the step is not here.
        while "$ref" in node and step not in node:
            node = _resolve(root, node["$ref"])
        owners.append((node, str(step), depth))
        more = i + 1 < len(steps)
        if step in ("properties", "patternProperties") and more:
            node, depth, i = node[step][steps[i + 1]], depth + 1, i + 2
        elif step in ("items", "additionalProperties") and more:
            node, depth, i = node[step], depth + 1, i + 1
        elif step in ("allOf", "anyOf", "oneOf", "dependencies") and more:
            node, i = node[step][steps[i + 1]], i + 2
        elif step in ("if", "then", "else", "not") and more:
            node, i = node[step], i + 1
        else:
            i += 1
    return owners


_PASSED: set[tuple[str, str | None, frozenset[str], bytes]] = set()


def _digest(data: Any) -> bytes:
    return hashlib.blake2b(repr(data).encode(), digest_size=16).digest()


def _child(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and step < len(node) else None
    return node.get(step) if isinstance(node, Mapping) else None


def _at(data: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        data = _child(data, step)
    return data


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _unknown(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """The keys of ``instance`` its schema does not name, in the schema's chosen order."""
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    unknown = [
        key
        for key in instance
        if key not in schema.get("properties", {}) and not any(p.search(key) for p in patterns)
    ]
    return sorted(unknown) if schema.get("x-unknown-order") == "sorted" else unknown


def _text_keys(
    reader: Reader, data: Any, path: list[str | int], inside: frozenset[int] = frozenset()
) -> None:
    """JSON has text keys only; YAML also has numbers, booleans and null as keys, and
    aliases that can make a value contain itself."""
    if isinstance(data, Mapping | list):
        if id(data) in inside:
            raise reader.fail(
                path, "contains itself (a YAML alias loop)", "write the value out without *alias"
            )
        inside = inside | {id(data)}
    for step, child in _children(data):
        if not isinstance(step, str | int) or (isinstance(step, int) and isinstance(data, Mapping)):
            raise reader.fail(
                path,
                f"has the key {step!r}, which is not text",
                f"quote the key: '{step}'",
            )
        if step not in reader.opaque:
            _text_keys(reader, child, [*path, step], inside)


def _children(data: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(data, Mapping):
        yield from data.items()
    elif isinstance(data, list):
        yield from enumerate(data)
