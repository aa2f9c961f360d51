"""The twin's portal: its tickets, looked up by id or by a unique property value.

Two ways to fill it:

* ``TicketStore.generate(seed=..., size=...)``: a seeded portal whose ticket *i* is
  generated on first read (``generator``), then kept in a bounded LRU cache. Memory stays
  flat, a million-ticket store is free to create, and every lookup is arithmetic on the
  id or value, never a scan. A read builds only a ``Snapshot`` (current values, two
  formatted timestamps); the history is replayed only for a read that asks for it.
* ``TicketStore(tickets)``: exactly the tickets given, indexed by dicts. For tests and
  cassettes that need particular records.

Either way a lookup costs the same whether the store holds a thousand tickets or a
million, which is what "answers a 100-input batch in time independent of the number of
stored tickets" (the design's performance rule) asks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Protocol

from ..defaults import DEFAULT_TWIN_SIZE
from .catalog import DEFINED_PROPERTIES, UNIQUE_PROPERTY
from .generator import (
    generate_ticket,
    index_of_record_id,
    index_of_unique_ref,
    is_archived,
    snapshot,
)
from .ticket import Snapshot, Ticket

__all__ = ["TicketStore"]

_CACHE_SIZE = 16_384
"""Snapshots kept built. Each holds ~10 short strings in a dict of atoms, which the
garbage collector does not track, so a full cache costs no collection time."""
_TICKET_CACHE_SIZE = 1_024
"""Whole ``Ticket`` objects (history included) kept for the Python API (iteration, tests);
reads never build them."""


_UNIQUE_PROPERTIES = frozenset({UNIQUE_PROPERTY})


class _Source(Protocol):
    def __len__(self) -> int: ...
    def at(self, index: int) -> Ticket: ...
    def snapshot_at(self, index: int) -> Snapshot: ...
    def archived_at_index(self, index: int) -> bool: ...
    def index_of_id(self, ticket_id: str) -> int | None: ...
    def index_of_unique(self, value: str) -> int | None: ...


class _Generated:
    """Tickets as pure functions of ``(seed, index)``; see ``generator``."""

    def __init__(self, *, seed: int, size: int, archived_fraction: float) -> None:
        self._seed = seed
        self._size = size
        self._fraction = archived_fraction
        self.at = functools.lru_cache(maxsize=_TICKET_CACHE_SIZE)(self._build)
        self.snapshot_at = functools.lru_cache(maxsize=_CACHE_SIZE)(self._snapshot)

    def _check(self, index: int) -> None:
        if not 0 <= index < self._size:
            raise IndexError(f"ticket index {index} out of range(0, {self._size})")

    def _build(self, index: int) -> Ticket:
        self._check(index)
        return generate_ticket(self._seed, index, self._fraction)

    def _snapshot(self, index: int) -> Snapshot:
        self._check(index)
        return snapshot(self._seed, index, self._fraction)

    def __len__(self) -> int:
        return self._size

    def archived_at_index(self, index: int) -> bool:
        return is_archived(self._seed, index, self._fraction)

    def index_of_id(self, ticket_id: str) -> int | None:
        if not (ticket_id.isascii() and ticket_id.isdigit()):
            return None
        # "017000005970" names the same long but is not the stored id string.
        if ticket_id[0] == "0":
            return None
        return index_of_record_id(self._seed, self._size, int(ticket_id))

    def index_of_unique(self, value: str) -> int | None:
        return index_of_unique_ref(self._seed, self._size, value)


class _Listed:
    """Exactly the given tickets, indexed by id and by unique value."""

    def __init__(self, tickets: Iterable[Ticket]) -> None:
        self._tickets = tuple(tickets)
        self._by_id: dict[str, int] = {}
        self._by_unique: dict[str, int] = {}
        for index, ticket in enumerate(self._tickets):
            if self._by_id.setdefault(ticket.id, index) != index:
                raise ValueError(f"two tickets have id {ticket.id!r}; ids must be unique")
            value = ticket.properties.get(UNIQUE_PROPERTY)
            if value is not None and self._by_unique.setdefault(value, index) != index:
                raise ValueError(
                    f"two tickets have {UNIQUE_PROPERTY} {value!r}; "
                    "a unique-value property cannot repeat"
                )

        self._snapshots: list[Snapshot | None] = [None] * len(self._tickets)

    def __len__(self) -> int:
        return len(self._tickets)

    def at(self, index: int) -> Ticket:
        return self._tickets[index]

    def snapshot_at(self, index: int) -> Snapshot:
        built = self._snapshots[index]
        if built is None:
            built = self._snapshots[index] = Snapshot.of(self._tickets[index])
        return built

    def archived_at_index(self, index: int) -> bool:
        return self._tickets[index].archived

    def index_of_id(self, ticket_id: str) -> int | None:
        return self._by_id.get(ticket_id)

    def index_of_unique(self, value: str) -> int | None:
        return self._by_unique.get(value)


class TicketStore:
    """The tickets of one portal, by id and by unique property value.

    ``TicketStore(tickets)`` holds exactly ``tickets`` (ids must be unique, and so must
    their ``external_ticket_ref`` values); ``TicketStore.generate`` builds a seeded portal
    lazily. Ids are compared as exact strings here; reading ``"0123"`` as ``123`` is the
    batch reader's business, as it is HubSpot's. The batch reader looks up canonical
    decimal ids only (inputs are read as Java longs), so give listed tickets ids such as
    ``"17000000934"``.
    """

    __slots__ = ("_defined", "_source", "snapshot", "snapshot_by_unique")

    def __init__(self, tickets: Iterable[Ticket] = ()) -> None:
        listed = _Listed(tickets)
        extra = {name for ticket in listed._tickets for name in ticket.properties}
        self._source: _Source = listed
        self._defined = DEFINED_PROPERTIES | extra
        self._remember_ids()

    def _remember_ids(self) -> None:
        # Ids read again skip the arithmetic: a dict lookup in C instead of ~2 µs of
        # hashing in Python, for a hit and for a miss alike.
        self.snapshot = functools.lru_cache(maxsize=_CACHE_SIZE)(self._snapshot)
        self.snapshot_by_unique = functools.lru_cache(maxsize=_CACHE_SIZE)(self._snapshot_by_unique)

    @classmethod
    def generate(
        cls, *, seed: int = 0, size: int = DEFAULT_TWIN_SIZE, archived_fraction: float = 0.1
    ) -> TicketStore:
        """A portal of ``size`` tickets, each a pure function of ``(seed, index)``.

        Creating it costs nothing whatever ``size``; a ticket is built when first read.
        About ``archived_fraction`` of them are archived.
        """
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size!r}")
        if not 0.0 <= archived_fraction <= 1.0:
            raise ValueError(f"archived_fraction must be in [0, 1], got {archived_fraction!r}")
        store = cls.__new__(cls)
        store._source = _Generated(seed=seed, size=size, archived_fraction=archived_fraction)
        store._defined = DEFINED_PROPERTIES
        store._remember_ids()
        return store

    @property
    def defined_properties(self) -> frozenset[str]:
        """Every ticket property the portal defines; a read ignores other names."""
        return self._defined

    @property
    def unique_properties(self) -> frozenset[str]:
        """Properties with ``hasUniqueValue: true``, usable as ``idProperty``."""
        return _UNIQUE_PROPERTIES

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket whose id is exactly ``ticket_id``, archived or not."""
        index = self._source.index_of_id(ticket_id)
        return None if index is None else self._source.at(index)

    def by_unique(self, prop: str, value: str) -> Ticket | None:
        """The ticket whose unique property ``prop`` is exactly ``value``.

        ``None`` when no ticket has it, or when ``prop`` is not a unique property.
        """
        if prop not in self.unique_properties:
            return None
        index = self._source.index_of_unique(value)
        return None if index is None else self._source.at(index)

    def _snapshot(self, ticket_id: str) -> Snapshot | None:
        """What a read of ``ticket_id`` renders (``get``, without building the history).

        Called as ``store.snapshot(ticket_id)``, through a bounded cache.
        """
        index = self._source.index_of_id(ticket_id)
        return None if index is None else self._source.snapshot_at(index)

    def _snapshot_by_unique(self, prop: str, value: str) -> Snapshot | None:
        """What a read of unique value ``value`` renders (``by_unique`` without history).

        Called as ``store.snapshot_by_unique(prop, value)``, through a bounded cache.
        """
        if prop not in self.unique_properties:
            return None
        index = self._source.index_of_unique(value)
        return None if index is None else self._source.snapshot_at(index)

    def snapshot_at(self, index: int) -> Snapshot:
        """What a read of the ``index``-th ticket renders."""
        return self._source.snapshot_at(index)

    def ticket_at(self, index: int) -> Ticket:
        """The ``index``-th ticket in id order (generated stores) or insertion order."""
        return self._source.at(index)

    def is_archived_at(self, index: int) -> bool:
        """Whether the ``index``-th ticket is archived, without building it."""
        return self._source.archived_at_index(index)

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[Ticket]:
        source = self._source
        return (source.at(index) for index in range(len(source)))

    def __repr__(self) -> str:
        kind = "generated" if isinstance(self._source, _Generated) else "listed"
        return f"<TicketStore {kind}, {len(self)} tickets>"
