"""Fixtures for the twin's tests: one small seeded portal, a fake clock, a twin."""

from __future__ import annotations

import pytest

from tickets_contract.twin import Ticket, TicketStore, Twin, TwinConfig
from tickets_contract.twin.ticket import Snapshot

from .helpers import FakeClock

SIZE = 400


@pytest.fixture(scope="session")
def store() -> TicketStore:
    """A seeded portal shared by every test; stores are read-only."""
    return TicketStore.generate(seed=7, size=SIZE)


@pytest.fixture
def clock() -> FakeClock:
    """A clock standing at 2026-03-02T09:30:00.123Z until advanced."""
    return FakeClock()


@pytest.fixture
def twin(store: TicketStore, clock: FakeClock) -> Twin:
    """A twin with default settings over the shared store."""
    return Twin(store, TwinConfig(seed=7, size=SIZE), clock)


@pytest.fixture
def built_tickets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Indexes of the tickets the store builds from now on (counted, not timed).

    Both kinds count: whole tickets (``generate_ticket``) and the snapshots reads render.
    """
    from tickets_contract.twin import store as store_module

    built: list[int] = []
    real_ticket = store_module.generate_ticket
    real_snapshot = store_module.snapshot

    def counting_ticket(seed: int, index: int, fraction: float) -> Ticket:
        built.append(index)
        return real_ticket(seed, index, fraction)

    def counting_snapshot(seed: int, index: int, fraction: float) -> Snapshot:
        built.append(index)
        return real_snapshot(seed, index, fraction)

    monkeypatch.setattr(store_module, "generate_ticket", counting_ticket)
    monkeypatch.setattr(store_module, "snapshot", counting_snapshot)
    return built


@pytest.fixture
def replayed_histories(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Indexes of the tickets whose history is replayed from now on (counted, not timed)."""
    from tickets_contract.twin import generator

    replayed: list[int] = []
    real = generator.Replay

    class Counting(real):  # type: ignore[misc,valid-type]
        __slots__ = ()

        def __init__(self, seed: int, index: int, fraction: float, *, history: bool) -> None:
            if history:
                replayed.append(index)
            super().__init__(seed, index, fraction, history=history)

    monkeypatch.setattr(generator, "Replay", Counting)
    return replayed
