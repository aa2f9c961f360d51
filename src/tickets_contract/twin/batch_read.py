"""The semantics of ``POST /crm/v3/objects/tickets/batch/read`` on a well-typed input.

Given a ``BatchReadInput`` this decides limits, lookups, archived filtering, result
order and the 200/207 body. Parsing and auth happen before (``batch_input``, ``auth``).
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import cast

from ..hubspot import MAX_INPUTS, MAX_INPUTS_WITH_HISTORY, NOT_FOUND_MESSAGE
from .batch_input import BatchReadInput
from .catalog import OBJECT_ID_PROPERTY, OBJECT_TYPE_ID
from .clock import Clock, format_instant, to_utc_millis
from .config import TwinConfig
from .projection import Projection
from .rejection import Problem, Rejected
from .seeding import mix_on, seed_state
from .store import TicketStore
from .ticket import Snapshot

__all__ = ["MAX_INPUTS", "MAX_INPUTS_WITH_HISTORY", "NOT_FOUND_MESSAGE", "read_batch"]

_JAVA_LONG = re.compile(r"[+-]?[0-9]+")
_ORDER_HASH = operator.attrgetter("order_hash")
_CANONICAL_IDS = re.compile(r"[1-9][0-9]{0,17}(?:,[1-9][0-9]{0,17})*")


def _validation(message: str, **context: list[str]) -> Rejected:
    return Rejected(
        Problem(
            status=400,
            category="VALIDATION_ERROR",
            message=message,
            context=context or None,
        )
    )


def _check_limits(batch: BatchReadInput) -> None:
    # "Object API batch endpoints are limited to 100 inputs per request" (S5);
    # the 400 bodies are quoted from live responses (U2; S11 and U5 for histories).
    if len(batch.ids) > MAX_INPUTS:
        raise _validation(
            f"The maximum number of inputs supported in a batch is {MAX_INPUTS}. "
            "Please reduce the number of items and try again"
        )
    # Only a non-empty propertiesWithHistory lowers the cap: an empty list asks for no
    # history (ledger assumption).
    if batch.properties_with_history and len(batch.ids) > MAX_INPUTS_WITH_HISTORY:
        raise _validation(
            "The maximum number of inputs supported in a batch request for property "
            f"histories is {MAX_INPUTS_WITH_HISTORY}. Please reduce the number of items "
            "and try again"
        )


def _check_duplicates(ids: tuple[str, ...]) -> None:
    # Batch update's body (U3): "Duplicate IDs found in batch input:
    # [12877907025]. IDs must be unique" with context.ids. For batch read this is
    # TwinConfig.duplicate_ids="reject"; Java prints a list as "[a, b]".
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for raw in ids:
        if raw in seen:
            repeated[raw] = None
        seen.add(raw)
    if repeated:
        listed = list(repeated)
        raise _validation(
            f"Duplicate IDs found in batch input: [{', '.join(listed)}]. IDs must be unique",
            ids=listed,
        )


def _as_record_id(raw: str) -> str | None:
    """``raw`` read as HubSpot reads a record id: a Java ``long``, or not an id at all.

    A non-numeric id "simply reported as missing" (S21). ``Long.parseLong``
    also takes a sign and leading zeros, so ``"017000005970"`` names record
    ``17000005970`` (no source shows whether ``id`` strings with leading zeros or whitespace
    match; ledger assumption). Whitespace is not a number.
    """
    if _JAVA_LONG.fullmatch(raw) is None:
        return None
    number = int(raw)
    return str(number) if 0 <= number < 2**63 else None


def _resolver(
    batch: BatchReadInput, store: TicketStore, config: TwinConfig
) -> Callable[[tuple[str, ...]], list[Snapshot | None]] | None:
    """A function from the inputs to the snapshot each names (``None``: no such ticket),
    or ``None`` for reads by record id, which ``_snapshots_by_id`` answers directly
    (the usual read: no function built per request)."""
    name = batch.id_property
    # S6: inputs are record ids unless idProperty names a unique-value property.
    # idProperty "hs_object_id" reads by record id (ledger assumption: the read path is
    # unverified; update/upsert refuse it).
    if name is None or name == OBJECT_ID_PROPERTY:
        return None
    if name in store.unique_properties:
        # Exact, case-sensitive match (no source shows case sensitivity).
        by_value = functools.partial(store.snapshot_by_unique, name)
        return lambda values: list(map(by_value, values))
    # No source shows the exact error when idProperty names a non-unique or non-existent
    # property on batch read. The wording follows the update/upsert refusal
    # "Unable to perform update/upsert by non-unique 0-2 property hs_object_id in portal
    # ID 21939747" (S19, S20); ledger assumption.
    kind = "non-unique" if name in store.defined_properties else "nonexistent"
    raise _validation(
        f"Unable to perform read by {kind} {OBJECT_TYPE_ID} property {name} in portal ID "
        f"{config.portal_id}. idProperty must name a property created with "
        "hasUniqueValue: true, or be left out to read by record ID."
    )


def _snapshots_by_id(store: TicketStore, ids: tuple[str, ...]) -> list[Snapshot | None]:
    # The common case in one C-level pass: every id canonical and below 2**63. (A raw id
    # with a comma that passes the check is no number, and no stored id.)
    snapshot = store.snapshot
    if _CANONICAL_IDS.fullmatch(",".join(ids)) is not None:
        return list(map(snapshot, ids))
    found: list[Snapshot | None] = []
    for raw in ids:
        record_id = _as_record_id(raw)
        found.append(None if record_id is None else snapshot(record_id))
    return found


def _found_and_missing(
    ids: tuple[str, ...], snapshots: list[Snapshot | None], archived: bool
) -> tuple[dict[str, Snapshot], dict[str, None]]:
    """The tickets found (by ticket id, first place kept) and the inputs missing.

    The usual read (every input found, all on the asked side of ``archived``, no ticket
    twice) is one comprehension, 40 % less than the loop of
    ``_found_and_missing_one_by_one``, which gives the same for it and decides the rest.
    """
    tickets = cast("list[Snapshot]", snapshots)  # a None raises AttributeError here
    try:
        found = {ticket.id: ticket for ticket in tickets if ticket.archived == archived}
    except AttributeError:  # an input found no ticket
        found = {}
    if len(found) == len(snapshots):
        return found, {}
    return _found_and_missing_one_by_one(ids, snapshots, archived)


def _found_and_missing_one_by_one(
    ids: tuple[str, ...], snapshots: list[Snapshot | None], archived: bool
) -> tuple[dict[str, Snapshot], dict[str, None]]:
    found: dict[str, Snapshot] = {}
    missing: dict[str, None] = {}
    for raw, ticket in zip(ids, snapshots, strict=True):
        if ticket is not None and ticket.archived == archived:
            # Repeats and different spellings of one record give it once ("dedupe").
            found.setdefault(ticket.id, ticket)
        else:
            missing[raw] = None
    return found, missing


def _order_key(seed: int, ticket: Snapshot) -> tuple[int, int]:
    """``(seed, mix64(seed, blake2b(id)))``, kept on the shared snapshot."""
    kept = ticket.order_key
    if kept is not None and kept[0] == seed:
        return kept
    digest = hashlib.blake2b(ticket.id.encode(), digest_size=8).digest()
    key = mix_on(seed_state(seed), int.from_bytes(digest, "big"))
    ticket.order_hash = key
    kept = ticket.order_key = (seed, key)
    return kept


def _unordered(found: list[Snapshot], seed: int) -> list[Snapshot]:
    """``found`` in an order that is deterministic for ``seed`` but not the input order.

    "Result order is not guaranteed to match input order" (S12: "There is no
    way to do it"). A client that relies on input order must fail against the twin, so
    when the seeded order happens to equal the input order it is rotated by one.
    """
    for ticket in found:
        kept = ticket.order_key
        if kept is None or kept[0] != seed:
            _order_key(seed, ticket)
    # Every key is (seed, hash) for this seed now, so they sort by the hash.
    ordered = sorted(found, key=_ORDER_HASH)
    if len(ordered) > 1 and ordered == found:
        ordered = ordered[1:] + ordered[:1]
    return ordered


@functools.lru_cache(maxsize=16)
def _url_base(app_host: str, portal_id: int) -> str:
    return f"https://{app_host}/contacts/{portal_id}/record/{OBJECT_TYPE_ID}/"


def _results(projection: Projection, tickets: Iterable[Snapshot]) -> list[object]:
    """``[projection.encoded(ticket) for ticket in tickets]``, the kept encodings read here.

    ``Snapshot.rendered`` holds ``(projection, encoded)`` only for a history-free
    projection (``Projection.encoded``), so finding this projection there is its answer.
    """
    encoded = projection.encoded
    return [
        kept[1] if (kept := ticket.rendered) is not None and kept[0] is projection
        # A history-free result not yet kept for this projection is encoded (and kept).
        else encoded(ticket)
        for ticket in tickets
    ]


def read_batch(
    batch: BatchReadInput,
    *,
    archived: bool,
    store: TicketStore,
    config: TwinConfig,
    started: datetime,
    clock: Clock,
) -> tuple[int, dict[str, object]]:
    """The status and body for ``batch``; raise ``Rejected`` for a 400 (or the 404).

    S10, S9, U1: 200 when every input is found; otherwise 207 with the found results
    and ONE ``OBJECT_NOT_FOUND`` error whose ``context.ids`` lists the missing inputs as
    sent (unique-property values with ``idProperty``, U1), and ``numErrors: 1`` (it
    counts entries, not ids). When nothing is found the body has ``results: []``, or the
    answer is 404 with ``all_missing_status=404``. ``status`` is always ``COMPLETE``;
    ``requestedAt`` and ``links`` are left out, as in real object batch bodies.

    Archived (S1, S23): ``archived=false`` finds live tickets only and reports
    archived ones as missing (S9, U4); ``archived=true`` finds only archived ones (the
    spec: "Whether to return only results that have been archived."; live ids then count
    as missing, ledger assumption).
    """
    _check_limits(batch)
    if config.duplicate_ids == "reject":
        _check_duplicates(batch.ids)
    lookup_all = _resolver(batch, store, config)
    url_base = _url_base(config.app_host, config.portal_id) if config.result_urls else None
    projection = Projection.of(
        batch.properties,
        batch.properties_with_history,
        store.defined_properties,
        url_base=url_base,
        cleared_as_null=config.cleared_values == "null",
    )

    ids = batch.ids
    snapshots = _snapshots_by_id(store, ids) if lookup_all is None else lookup_all(ids)
    found, missing = _found_and_missing(ids, snapshots, archived)

    if missing and not found and config.all_missing_status == 404:
        raise Rejected(
            Problem(
                status=404,
                category="OBJECT_NOT_FOUND",
                message=NOT_FOUND_MESSAGE,
                context={"ids": list(missing)},
            )
        )

    # S26, S27: keys in the order completedAt, status, startedAt, results,
    # then errors and numErrors (quirk envelope-key-order).
    completed = max(started, to_utc_millis(clock()))
    # Mostly one millisecond: written once.
    started_at = format_instant(started)
    completed_at = started_at if completed == started else format_instant(completed)
    body: dict[str, object] = {
        "completedAt": completed_at,
        "status": "COMPLETE",
        "startedAt": started_at,
        "results": _results(
            projection,
            _unordered(list(found.values()), config.seed)
            if config.result_order == "shuffled"
            else found.values(),
        ),
    }
    if missing:
        # Key order as in S9: status, category, message, context. No errors/links/id,
        # although StandardError marks them required (quirk 6).
        body["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": NOT_FOUND_MESSAGE,
                "context": {"ids": list(missing)},
            }
        ]
        body["numErrors"] = 1
    return (207 if missing else 200), body
