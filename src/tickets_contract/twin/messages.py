"""The twin's request and response values: plain data, no I/O.

The core (``Twin.handle``) maps a ``TwinRequest`` to a ``TwinResponse``; the ASGI app,
a respx side effect or an in-process target only translate to and from these.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

__all__ = ["JSON_CONTENT_TYPE", "TwinRequest", "TwinResponse", "encode_json"]

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
"""Real responses carry ``Content-Type: application/json;charset=utf-8`` (S18),
not the spec's ``*/*`` (quirk 14)."""


def encode_json(payload: object) -> bytes:
    """``payload`` as compact UTF-8 JSON, the bytes ``json.dumps(payload,
    ensure_ascii=False, separators=(",", ":"))`` gives, keys in the given order.

    orjson writes the same bytes for what the twin answers (str keys, str/int/bool/None
    values, lists, dicts), ~10x faster: JSON encoding was 16 % of a 100-input read's time
    (docs/PERFORMANCE.md). What orjson refuses (an int beyond 64 bits) or cannot write
    as UTF-8 goes through the standard library.
    """
    try:
        return orjson.dumps(payload)
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_fragment)
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate a client sent as "\ud800" and the twin echoes cannot be UTF-8
        # (orjson refuses it too): write it escaped, as it came (a 500 otherwise).
        return json.dumps(
            payload, ensure_ascii=True, separators=(",", ":"), default=_fragment
        ).encode()


def _fragment(value: object) -> object:
    # Results already encoded (orjson.Fragment) when the standard library writes a body.
    if isinstance(value, orjson.Fragment):
        return json.loads(orjson.dumps(value))  # orjson writes a fragment as it is
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinRequest:
    """One HTTP request as the twin sees it.

    ``query`` is the raw decoded query, in order, repeated keys kept. ``headers`` are
    normalised to lower-case names on construction; pass a ``Mapping`` or pairs.
    ``method`` is upper-cased.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    body: bytes = b""

    def __post_init__(self) -> None:
        pairs: Iterable[tuple[str, str]] = (
            self.headers.items() if isinstance(self.headers, Mapping) else self.headers
        )
        object.__setattr__(
            self, "headers", MappingProxyType({name.lower(): value for name, value in pairs})
        )
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "query", tuple((str(k), str(v)) for k, v in self.query))

    def query_values(self, name: str) -> list[str]:
        """Every value of query parameter ``name``, in order."""
        return [value for key, value in self.query if key == name]


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinResponse:
    """One HTTP response: status, headers in order (names as HubSpot spells them), body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of_json(
        cls, status: int, payload: object, headers: Iterable[tuple[str, str]] = ()
    ) -> TwinResponse:
        """A JSON response; ``payload`` is encoded compactly as UTF-8, keys in given order."""
        return cls(
            status=status,
            headers=(("Content-Type", JSON_CONTENT_TYPE), *headers),
            body=encode_json(payload),
        )

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)
