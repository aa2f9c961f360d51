"""A stored ticket and the history of its property values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from .clock import format_instant

__all__ = ["HistoryEntry", "RenderedHistory", "Snapshot", "Ticket", "render_entry"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One past value of a property: HubSpot's ``ValueWithTimestamp`` (S1, S13, S21).

    ``source_id`` and ``updated_by_user_id`` are optional as in real bodies: "``sourceLabel``
    and ``updatedByUserId`` are often omitted" (S13, S21).
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
    property is defined but never had a value (rendered as JSON ``null``, S6),
    ``""`` when it had one and was cleared (S28). ``history``
    maps a property to its values newest first; the first entry's value is the current
    value, and a property that never had a value has no entries. Both mappings are
    read-only: the store shares one ``Ticket`` between requests.

    Invariants the generator keeps (S4, S21, S22; S23): ``createdate`` is ``created_at``,
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


RenderedHistory = Mapping[str, list[dict[str, object]]]
"""Histories as a result's ``propertiesWithHistory`` shows them, by property name."""


def render_entry(
    value: str, timestamp: str, source: tuple[str, str | None, int | None]
) -> dict[str, object]:
    """One history entry as HubSpot writes it (``ValueWithTimestamp``).

    S1, S13, S21: value, timestamp, sourceType, then sourceId and updatedByUserId when
    known, in the order of the recorded bodies (S13, S21). ``source`` is
    ``(sourceType, sourceId, updatedByUserId)``.
    """
    rendered: dict[str, object] = {"value": value, "timestamp": timestamp, "sourceType": source[0]}
    if source[1] is not None:
        rendered["sourceId"] = source[1]
    if source[2] is not None:
        rendered["updatedByUserId"] = source[2]
    return rendered


class Snapshot:
    """A ticket as a read renders it: current values, timestamps already formatted.

    What the store hands the batch reader and the listing, for generated and listed
    tickets alike. ``history`` returns the rendered histories; a generated ticket
    replays its life again to build them, so a read that asks for none never pays for
    them. Read-only by convention: the store shares one snapshot between requests.
    """

    __slots__ = (
        "_history",
        "archived",
        "rendered",
        "archived_at",
        "created_at",
        "id",
        "order_hash",
        "order_key",
        "properties",
        "updated_at",
    )

    def __init__(
        self,
        *,
        id: str,
        properties: Mapping[str, str | None],
        created_at: str,
        updated_at: str,
        archived_at: str | None,
        history: Callable[[], RenderedHistory],
    ) -> None:
        self.id = id
        self.properties = properties
        self.created_at = created_at
        self.updated_at = updated_at
        self.archived = archived_at is not None
        self.archived_at = archived_at
        self._history = history
        self.order_key: tuple[int, int] | None = None
        """``(seed, key)``: the batch reader's seeded sort key, computed once and kept."""
        self.order_hash = 0
        """``order_key``'s key alone: results sort on an int, not on a tuple."""
        self.rendered: tuple[object, object] | None = None
        """``(projection, encoded result)``: the last result rendered without history, kept
        for the next read through the same projection (one tuple: threads see it whole)."""

    @classmethod
    def of(cls, ticket: Ticket) -> Snapshot:
        """The snapshot of a stored ``Ticket``."""
        rendered = {
            name: [
                render_entry(
                    entry.value,
                    format_instant(entry.timestamp),
                    (entry.source_type, entry.source_id, entry.updated_by_user_id),
                )
                for entry in entries
            ]
            for name, entries in ticket.history.items()
        }
        return cls(
            id=ticket.id,
            properties=ticket.properties,
            created_at=format_instant(ticket.created_at),
            updated_at=format_instant(ticket.updated_at),
            archived_at=None if ticket.archived_at is None else format_instant(ticket.archived_at),
            history=lambda: rendered,
        )

    def history(self) -> RenderedHistory:
        """Each property's rendered history, newest first; absent for never-set ones."""
        return self._history()
