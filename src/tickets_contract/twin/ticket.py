"""A stored ticket and the history of its property values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

__all__ = ["HistoryEntry", "Ticket"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One past value of a property: HubSpot's ``ValueWithTimestamp`` (facts §3.4, §6.7).

    ``source_id`` and ``updated_by_user_id`` are optional as in real bodies: "``sourceLabel``
    and ``updatedByUserId`` are often omitted" (facts §6.7, S13, S21).
    """

    value: str
    timestamp: datetime
    source_type: str
    source_id: str | None = None
    updated_by_user_id: int | None = None


_V = TypeVar("_V")


def _frozen_mapping(value: Mapping[str, _V]) -> Mapping[str, _V]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    """A ticket as the store holds it; the batch reader projects it into a result.

    ``properties`` maps every property the ticket carries to its value: ``None`` when the
    property is defined but never had a value (rendered as JSON ``null``, facts §6.6),
    ``""`` when it had one and was cleared (facts §11, S28). ``history``
    maps a property to its values newest first; the first entry's value is the current
    value, and a property that never had a value has no entries. Both mappings are
    read-only: the store shares one ``Ticket`` between requests.

    Invariants the generator keeps (facts §6.10, §6.9): ``createdate`` is ``created_at``,
    ``hs_lastmodifieddate`` is ``updated_at``, ``hs_object_id`` is ``id``;
    ``archived_at`` is set exactly when ``archived`` and is not before ``updated_at``
    (archiving does not change ``hs_lastmodifieddate``, S23).
    """

    id: str
    created_at: datetime
    updated_at: datetime
    properties: Mapping[str, str | None]
    history: Mapping[str, tuple[HistoryEntry, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    archived: bool = False
    archived_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "properties", _frozen_mapping(self.properties))
        object.__setattr__(self, "history", _frozen_mapping(self.history))
        if self.archived != (self.archived_at is not None):
            raise ValueError(
                f"ticket {self.id}: archived={self.archived!r} but "
                f"archived_at={self.archived_at!r}; set both or neither"
            )
