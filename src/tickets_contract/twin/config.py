"""How a twin behaves where HubSpot's behaviour is unknown or tunable.

The design rule: "where the evidence is missing or conflicting, choose the most likely
behaviour, make it configurable where two are plausible, and record it as an assumption
in the ledger". Each switch below names the fact it hedges; the defaults are the twin's
bet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from ..defaults import DEFAULT_TWIN_SIZE
from ..errors import ConfigError

__all__ = [
    "AllMissingStatus",
    "ArchivedParsing",
    "ClearedValues",
    "DuplicateIds",
    "MissingInputs",
    "ResultOrder",
    "TwinConfig",
    "UnknownPath",
]

AllMissingStatus = Literal[207, 404]
DuplicateIds = Literal["dedupe", "reject"]
ArchivedParsing = Literal["strict", "java"]
MissingInputs = Literal["empty", "reject"]
ClearedValues = Literal["empty-string", "null"]
UnknownPath = Literal["html", "json"]
ResultOrder = Literal["shuffled", "input"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinConfig:
    """Settings of one twin; every field has a default.

    ``seed``, ``size``, ``archived_fraction``
        The generated portal (``TicketStore.generate``) when no store is given; ``seed``
        also fixes the order of results.
    ``all_missing_status``
        A batch where *no* input is found is "207 + ``results: []``" in
        recorded bodies (S9, U1) but "404" in two third-party claims (S25, U4).
    ``duplicate_ids``
        Batch *update* rejects duplicates with "Duplicate IDs found in
        batch input" (U3); batch *read* is unverified. ``"dedupe"`` returns each record
        once; ``"reject"`` answers that 400.
    ``coerce_scalars``
        No source shows what a null or number ``inputs[].id`` gets. HubSpot parses bodies
        with Jackson, whose default coerces ``123`` to ``"123"`` for a string field;
        ``False`` (the default) rejects non-string scalars where strings are expected.
    ``nulls_mean_absent``
        ``null`` for ``idProperty``, ``properties`` or ``propertiesWithHistory``: no
        source shows it. Jackson with Immutables reads ``null`` for an optional member
        as "not set", so by default it means absent; ``False`` answers 400 as for a
        wrong type (what the published schema, with no ``nullable``, implies).
    ``archived_parsing``
        ``"strict"``: ``archived`` must be ``true``/``false`` in any case, else 400.
        ``"java"``: ``Boolean.valueOf`` — ``true`` in any case is true, anything else
        false (what a JAX-RS ``boolean`` query parameter does).
    ``parse_errors_have_category``
        Malformed-JSON and wrong-type 400s were seen "sometimes **without**
        ``category``" (search ids 32308135614, 2470280899); the one whole quoted live
        body of that kind (S31) has none, so by default they have none (quirk
        parse-error-without-category); ``True`` adds ``VALIDATION_ERROR``.
    ``missing_inputs``
        S30: a batch body without ``inputs`` "returns success with empty
        array" on three batch operations. ``"empty"`` answers 200 ``COMPLETE`` with
        ``results: []`` (quirk missing-inputs-empty-answer); ``"reject"`` answers
        Jackson's "Some required fields were not set: [inputs]" 400.
    ``cleared_values``
        S28: a property that had a value and was cleared comes back ``""``;
        one that never had a value comes back ``null`` (S6). ``"null"`` renders both
        as ``null`` (quirk cleared-properties-empty-string).
    ``result_urls``, ``app_host``
        S26, S27: every result carries ``url``,
        ``https://<app_host>/contacts/<portalId>/record/<objectTypeId>/<id>``
        (``app-eu1.hubspot.com`` for an EU1 portal). ``False`` leaves it out.
    ``advertised_ten_secondly``
        S29: ordinary answers carry ``X-HubSpot-RateLimit-Max`` and
        ``-Remaining`` even when nothing is limited. This is the ``Max`` announced when
        ``rate_limit_ten_secondly`` is off (100, the value S18 recorded); ``None`` sends
        no rate-limit header unless a limit is on.
    ``result_order``
        Results are "not guaranteed to match input order" (S12, batch
        create); no recorded read shows its inputs' order. ``"shuffled"`` returns a
        seeded order that never equals the inputs' (quirk results-unordered);
        ``"input"`` returns them in input order.
    ``unknown_path``
        S33: unrouted paths answer an HTML "Error 404" page (Jetty);
        ``"json"`` answers a JSON ``OBJECT_NOT_FOUND`` body instead.
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
    size: int = DEFAULT_TWIN_SIZE
    archived_fraction: float = 0.1
    all_missing_status: AllMissingStatus = 207
    duplicate_ids: DuplicateIds = "dedupe"
    coerce_scalars: bool = False
    nulls_mean_absent: bool = True
    archived_parsing: ArchivedParsing = "strict"
    parse_errors_have_category: bool = False
    missing_inputs: MissingInputs = "empty"
    cleared_values: ClearedValues = "empty-string"
    result_urls: bool = True
    app_host: str = "app.hubspot.com"
    advertised_ten_secondly: int | None = 100
    unknown_path: UnknownPath = "html"
    result_order: ResultOrder = "shuffled"
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
            ("missing_inputs", get_args(MissingInputs)),
            ("cleared_values", get_args(ClearedValues)),
            ("unknown_path", get_args(UnknownPath)),
            ("result_order", get_args(ResultOrder)),
        ):
            value = getattr(self, name)
            if value not in allowed:
                _bad(name, value, f"one of {', '.join(map(repr, allowed))}")
        if self.size < 0:
            _bad("size", self.size, "a ticket count >= 0")
        if not (math.isfinite(self.archived_fraction) and 0 <= self.archived_fraction <= 1):
            _bad("archived_fraction", self.archived_fraction, "a share between 0 and 1")
        if not self.app_host or any(ch in self.app_host for ch in "/: \t"):
            _bad("app_host", self.app_host, "a host name such as app.hubspot.com")
        for name in ("rate_limit_ten_secondly", "rate_limit_daily", "advertised_ten_secondly"):
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
