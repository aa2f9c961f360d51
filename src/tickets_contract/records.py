"""Known records: tickets and property names a target is known to hold.

Random ids almost never exist and random property names are almost never defined;
steering generated requests onto known ones makes answers carry tickets, nulls and
history. Live runs read them from settings (written by ``tickets-contract discover``);
the twin lists its own.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["STANDARD_TICKET_PROPERTIES", "KnownRecords", "twin_records"]


# Ticket properties every portal defines: the default set (published in the spec's
# info table), the always-included ones (quirk always-included-properties) and common
# standard ones.
STANDARD_TICKET_PROPERTIES = (
    "content",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "hubspot_owner_id",
    "subject",
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

    def steer(self, body: Any, query: Mapping[str, Any] | None) -> Any:
        """Replace about two in three generated ids and property names by known ones.

        Deterministic (a CRC of the generated value picks the replacement), so Hypothesis
        sees the same request for the same example; values of the wrong type are left
        alone so that negative cases stay negative.
        """
        if not isinstance(body, dict):
            return body
        steered = dict(body)
        for key in ("properties", "propertiesWithHistory"):
            if isinstance(body.get(key), list):
                steered[key] = [_pick(name, self.properties) for name in body[key]]
        if not isinstance(body.get("inputs"), list):
            return steered
        archived = str((query or {}).get("archived", "")).lower() == "true"
        id_property = body.get("idProperty")
        if id_property in (None, "hs_object_id"):
            pool = self.archived_ids if archived else self.ids
        elif id_property == self.unique_property:
            pool = self.archived_unique_values if archived else self.unique_values
        else:
            return steered
        steered["inputs"] = [
            {**item, "id": _pick(item["id"], pool)}
            if isinstance(item, dict) and "id" in item
            else item
            for item in body["inputs"]
        ]
        return steered


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
        ticket = twin.store.ticket_at(index)
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
