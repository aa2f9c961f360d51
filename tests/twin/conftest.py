"""Fixtures for the twin's tests: one small seeded portal, a fake clock, a twin."""

from __future__ import annotations

import pytest

from tickets_contract.twin import Ticket, TicketStore, Twin, TwinConfig

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
    """Indexes of the tickets the store builds from now on (counted, not timed)."""
    from tickets_contract.twin import store as store_module

    built: list[int] = []
    real = store_module.generate_ticket

    def counting(seed: int, index: int, fraction: float) -> Ticket:
        built.append(index)
        return real(seed, index, fraction)

    monkeypatch.setattr(store_module, "generate_ticket", counting)
    return built
