"""Known records: tickets and property names a target is known to hold.

Random ids almost never exist and random property names are almost never defined;
steering generated requests onto known ones makes answers carry tickets, nulls and
history. Live runs read them from settings (written by ``tickets-contract discover``);
the twin lists its own.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tickets_contract.hubspot import (
    ALWAYS_INCLUDED_PROPERTIES,
    DEFAULT_PROPERTIES,
    MAX_INPUTS_WITH_HISTORY,
    OBJECT_ID_PROPERTY,
)

__all__ = ["STANDARD_TICKET_PROPERTIES", "KnownRecords", "twin_records"]


# Ticket properties every portal defines: the default set (published in the spec's
# info table), the always-included ones (quirk always-included-properties) and common
# standard ones.
STANDARD_TICKET_PROPERTIES = tuple(
    sorted({*DEFAULT_PROPERTIES, *ALWAYS_INCLUDED_PROPERTIES, "hubspot_owner_id"})
)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownRecords:
    """Records known to exist on a target, so generated requests find some of them.

    Random ids almost never exist; without steering, nearly every exchange would be an
    all-missing 207 and the checks would rarely see a ticket.
    """

    ids: tuple[str, ...] = ()
    archived_ids: tuple[str, ...] = ()
    unique_property: str | None = None
    unique_values: tuple[str, ...] = ()
    archived_unique_values: tuple[str, ...] = ()
    # Property names defined on the portal; random names are almost never defined, and
    # then nulls, defaults and history would rarely show.
    properties: tuple[str, ...] = STANDARD_TICKET_PROPERTIES
    # Properties known to hold history (discovered); empty: any of ``properties``.
    history_properties: tuple[str, ...] = ()

    def steer(self, body: Any, query: Mapping[str, Any] | None, *, mix: bool = False) -> Any:
        """Point a generated request at known records.

        Property names: about two in three become names the portal holds values (or
        history) for. Ids of a negative-mode case: about two in three become known ones,
        values of the wrong type left alone so that negative cases stay negative.

        With ``mix`` (positive-mode cases outside the examples phase), ids follow a
        controlled mix, picked by a CRC of the generated request (deterministic: Hypothesis
        sees the same request for the same example): of batches, 40% ask only for known
        records, 35% mix known and missing ones (partial misses), 10% only missing ones, 15%
        repeat known ones (duplicates); two in three single-input batches are widened to 2-6
        inputs, so that most reads return two or more tickets; four in five unknown
        ``idProperty`` names, and one in five reads without one, become reads by the
        portal's unique-value property; one in three empty ``propertiesWithHistory`` lists
        asks for a property with history. The pool follows the request: archived ids for
        ``archived=true``, unique values for that ``idProperty``. Missing inputs keep the
        generated value (any string the contract allows, so odd ids still get sent).

        A body without ``inputs`` (absent or null) is valid and answers 200 with no results
        (quirk missing-inputs-empty-answer), so the fuzzer draws it often; with ``mix``,
        seven in eight such bodies get one input to steer, and one in eight keeps the shape
        so that the quirk stays exercised. Without this, a third of the generated reads over
        HTTP returned no ticket.
        """
        if not isinstance(body, dict):
            return body
        if mix and body.get("inputs") is None and _fill_missing_inputs(body, query):
            body = {**body, "inputs": [{"id": "0"}]}
        steered = dict(body)
        if isinstance(body.get("properties"), list):
            steered["properties"] = [_pick(name, self.properties) for name in body["properties"]]
        if isinstance(body.get("propertiesWithHistory"), list):
            pool = self.history_properties or self.properties
            steered["propertiesWithHistory"] = [
                _pick(name, pool) for name in body["propertiesWithHistory"]
            ]
        if not isinstance(body.get("inputs"), list):
            return steered
        archived = str((query or {}).get("archived", "")).lower() == "true"
        digest = zlib.crc32(
            json.dumps([body, dict(query or {})], sort_keys=True, default=str).encode(
                "utf-8", "surrogatepass"
            )
        )
        id_property = body.get("idProperty")
        if mix and self.unique_property and _unique_shape(id_property, digest):
            steered["idProperty"] = id_property = self.unique_property
        history = steered.get("propertiesWithHistory")
        if (
            mix
            and history == []
            and (digest >> 12) % 3 == 0
            and len(body["inputs"]) < _HISTORY_LIMIT
        ):
            steered["propertiesWithHistory"] = [(self.history_properties or self.properties)[0]]
        if id_property in (None, OBJECT_ID_PROPERTY):
            pool = self.archived_ids if archived else self.ids
        elif id_property == self.unique_property:
            pool = self.archived_unique_values if archived else self.unique_values
        else:
            return steered
        if not mix:
            steered["inputs"] = [
                {**item, "id": _pick(item["id"], pool)}
                if isinstance(item, dict) and "id" in item
                else item
                for item in body["inputs"]
            ]
            return steered
        steered["inputs"] = _mix(body["inputs"], pool, digest)
        return steered


def _fill_missing_inputs(body: dict[str, Any], query: Mapping[str, Any] | None) -> bool:
    """Whether a positive read without ``inputs`` gets one (seven in eight, by CRC)."""
    digest = zlib.crc32(
        json.dumps([body, dict(query or {})], sort_keys=True, default=str).encode(
            "utf-8", "surrogatepass"
        )
    )
    return bool(digest % 8)


def _unique_shape(id_property: Any, digest: int) -> bool:
    """Whether a positive read becomes a read by the unique-value property: four in five
    with an unknown ``idProperty`` name, one in five without one."""
    if id_property is None:
        return (digest >> 16) % 5 == 0
    return isinstance(id_property, str) and id_property != OBJECT_ID_PROPERTY and bool(digest % 5)


_SHAPES = ("found",) * 8 + ("partial",) * 7 + ("missing",) * 2 + ("duplicates",) * 3


def _mix(inputs: list[Any], pool: tuple[str, ...], digest: int) -> list[Any]:
    """Inputs of a positive batch read, rewritten to the shape ``digest`` picks."""
    items = list(inputs)
    if (
        not pool
        or not items
        or not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in items)
    ):
        return items
    if len(items) == 1 and (digest >> 3) % 3:
        extra = 1 + (digest >> 5) % 5
        items += [{**items[0], "id": f"{items[0]['id']}{index}"} for index in range(extra)]
    shape = _SHAPES[(digest >> 8) % len(_SHAPES)]
    start = digest % len(pool)
    if shape == "missing":
        return items
    # Hits first; a partial miss alternates found and generated inputs when there are four
    # or more, else adds one generated (missing) input; duplicates repeat the first hit.
    alternate = shape == "partial" and len(items) >= 4
    mixed = [
        item
        if alternate and (index + digest) % 2
        else {**item, "id": pool[(start + index) % len(pool)]}
        for index, item in enumerate(items)
    ]
    if len(mixed) < _HISTORY_LIMIT:
        if shape == "partial" and not alternate:
            mixed.append(items[0])
        elif shape == "duplicates":
            mixed.append(mixed[0])
    return mixed


# Quirk history-input-limit: fewer inputs keep every shape valid with history.
_HISTORY_LIMIT = MAX_INPUTS_WITH_HISTORY


def _pick(value: Any, pool: tuple[str, ...]) -> Any:
    """``value``, or for two strings in three a member of ``pool`` chosen by its CRC."""
    if not isinstance(value, str) or not pool:
        return value
    crc = zlib.crc32(value.encode("utf-8", "surrogatepass"))
    return pool[crc % len(pool)] if crc % 3 else value


def twin_records(twin: Any, unique_property: str, limit: int = 64) -> KnownRecords:
    """Known records of a twin: the first live and archived tickets of its store."""
    live: list[Any] = []
    archived: list[Any] = []
    for index in range(min(len(twin.store), 4 * limit)):
        # A snapshot (id, archived, current values) is all this reads: a whole ticket
        # replays its history too, 4x the cost, and every twin target and parity check
        # builds these records afresh.
        ticket = twin.store.snapshot_at(index)
        (archived if ticket.archived else live).append(ticket)
    return KnownRecords(
        ids=tuple(t.id for t in live[:limit]),
        archived_ids=tuple(t.id for t in archived[:limit]),
        unique_property=unique_property,
        unique_values=tuple(
            v for t in live[:limit] if (v := t.properties.get(unique_property)) is not None
        ),
        archived_unique_values=tuple(
            v for t in archived[:limit] if (v := t.properties.get(unique_property)) is not None
        ),
        properties=tuple(sorted(twin.store.defined_properties)),
    )
