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

__all__ = ["JSON_CONTENT_TYPE", "TwinRequest", "TwinResponse"]

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
"""Facts §7: real responses carry ``Content-Type: application/json;charset=utf-8`` (S18),
not the spec's ``*/*`` (quirk 14)."""


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
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        try:
            body = text.encode()
        except UnicodeEncodeError:
            # A lone surrogate a client sent as "\\ud800" and the twin echoes cannot be
            # UTF-8: write it escaped, as it came (a 500 otherwise).
            body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
        return cls(
            status=status,
            headers=(("Content-Type", JSON_CONTENT_TYPE), *headers),
            body=body,
        )

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)
