"""How a twin behaves where HubSpot's behaviour is unknown or tunable.

DESIGN.md: "where the evidence is missing or conflicting, choose the most likely
behaviour, make it configurable where two are plausible, and record it as an assumption
in the ledger". Each switch below names the fact it hedges; the defaults are the twin's
bet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from ..errors import ConfigError

__all__ = ["AllMissingStatus", "ArchivedParsing", "DuplicateIds", "TwinConfig"]

AllMissingStatus = Literal[207, 404]
DuplicateIds = Literal["dedupe", "reject"]
ArchivedParsing = Literal["strict", "java"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinConfig:
    """Settings of one twin; every field has a default.

    ``seed``, ``size``, ``archived_fraction``
        The generated portal (``TicketStore.generate``) when no store is given; ``seed``
        also fixes the order of results.
    ``all_missing_status``
        Facts §6.3/§10: a batch where *no* input is found is "207 + ``results: []``" in
        recorded bodies (S9, U1) but "404" in two third-party claims (S25, U4).
    ``duplicate_ids``
        Facts §6.5/§10: batch *update* rejects duplicates with "Duplicate IDs found in
        batch input" (U3); batch *read* is unverified. ``"dedupe"`` returns each record
        once; ``"reject"`` answers that 400.
    ``coerce_scalars``
        Facts §10: "``inputs[].id`` null/number" is unverified. HubSpot parses bodies
        with Jackson, whose default coerces ``123`` to ``"123"`` for a string field;
        ``False`` (the default) rejects non-string scalars where strings are expected.
    ``nulls_mean_absent``
        ``null`` for ``idProperty``, ``properties`` or ``propertiesWithHistory``: facts
        §10 leaves it open. Jackson with Immutables reads ``null`` for an optional member
        as "not set", so by default it means absent; ``False`` answers 400 as for a
        wrong type (what the published schema, with no ``nullable``, implies).
    ``archived_parsing``
        ``"strict"``: ``archived`` must be ``true``/``false`` in any case, else 400.
        ``"java"``: ``Boolean.valueOf`` — ``true`` in any case is true, anything else
        false (what a JAX-RS ``boolean`` query parameter does).
    ``parse_errors_have_category``
        Facts §7: malformed-JSON 400s were seen "sometimes **without** ``category``".
    ``rate_limit_ten_secondly``, ``rate_limit_daily``
        Requests allowed per rolling 10 s and per UTC day; ``None`` turns a limit off.
    ``max_body_bytes``
        Larger request bodies get 413.
    ``extra_tokens``
        More private-app tokens valid with scope ``tickets``, beside ``DEMO_TOKEN``.
    ``expired_token_age_seconds``
        How long ago ``EXPIRED_TOKEN`` expired, as its 401 reports it.
    ``portal_id``, ``app_id``
        Named in error messages and in the 429 ``groupName``.
    """

    seed: int = 0
    size: int = 1000
    archived_fraction: float = 0.1
    all_missing_status: AllMissingStatus = 207
    duplicate_ids: DuplicateIds = "dedupe"
    coerce_scalars: bool = False
    nulls_mean_absent: bool = True
    archived_parsing: ArchivedParsing = "strict"
    parse_errors_have_category: bool = True
    rate_limit_ten_secondly: int | None = None
    rate_limit_daily: int | None = None
    max_body_bytes: int = 1_000_000
    extra_tokens: tuple[str, ...] = ()
    expired_token_age_seconds: int = 75
    portal_id: int = 24681357
    app_id: int = 3141592

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_tokens", tuple(self.extra_tokens))
        for name, allowed in (
            ("all_missing_status", get_args(AllMissingStatus)),
            ("duplicate_ids", get_args(DuplicateIds)),
            ("archived_parsing", get_args(ArchivedParsing)),
        ):
            value = getattr(self, name)
            if value not in allowed:
                _bad(name, value, f"one of {', '.join(map(repr, allowed))}")
        if self.size < 0:
            _bad("size", self.size, "a ticket count >= 0")
        if not (math.isfinite(self.archived_fraction) and 0 <= self.archived_fraction <= 1):
            _bad("archived_fraction", self.archived_fraction, "a share between 0 and 1")
        for name in ("rate_limit_ten_secondly", "rate_limit_daily"):
            limit = getattr(self, name)
            if limit is not None and limit < 1:
                _bad(name, limit, "a request count >= 1, or None to turn the limit off")
        if self.max_body_bytes < 1:
            _bad("max_body_bytes", self.max_body_bytes, "a byte count >= 1")
        if self.expired_token_age_seconds < 0:
            _bad("expired_token_age_seconds", self.expired_token_age_seconds, "seconds >= 0")
        for token in self.extra_tokens:
            if not token or any(ch.isspace() for ch in token):
                _bad("extra_tokens", token, "non-empty tokens without whitespace")


def _bad(name: str, value: object, wanted: str) -> None:
    raise ConfigError(
        source="TwinConfig",
        where=name,
        problem=f"{name} must be {wanted}; got {value!r}",
        fix=f"pass TwinConfig({name}=...) with {wanted}",
    )
