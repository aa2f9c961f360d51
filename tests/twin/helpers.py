"""Drivers shared by the twin's tests: a settable clock and request builders."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tickets_contract.twin import (
    BATCH_READ_PATH,
    DEMO_TOKEN,
    LIST_PATH,
    Ticket,
    TicketStore,
    Twin,
    TwinRequest,
    TwinResponse,
)

JAVA_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")
"""``Instant.toString()`` at millisecond precision: the fraction only when non-zero."""

START = datetime(2026, 3, 2, 9, 30, 0, 123000, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def batch_request(
    body: object = None,
    *,
    raw: bytes | None = None,
    token: str | None = DEMO_TOKEN,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    method: str = "POST",
    path: str = BATCH_READ_PATH,
) -> TwinRequest:
    sent = {"Content-Type": "application/json"}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    return TwinRequest(
        method=method,
        path=path,
        query=tuple(query),
        headers=sent,
        body=raw if raw is not None else json.dumps(body).encode(),
    )


def read(
    twin: Twin,
    body: object = None,
    *,
    raw: bytes | None = None,
    token: str | None = DEMO_TOKEN,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> TwinResponse:
    """``twin``'s answer to a batch read of ``body`` (or of the bytes ``raw``)."""
    return twin.handle(batch_request(body, raw=raw, token=token, query=query, headers=headers))


def list_request(query: Iterable[tuple[str, str]] = (), token: str = DEMO_TOKEN) -> TwinRequest:
    return TwinRequest(
        method="GET",
        path=LIST_PATH,
        query=tuple(query),
        headers={"Authorization": f"Bearer {token}", "Host": "twin.test"},
    )


def inputs(*ids: str) -> list[dict[str, str]]:
    return [{"id": ticket_id} for ticket_id in ids]


def live(store: TicketStore, count: int | None = None) -> list[Ticket]:
    found = [ticket for ticket in store if not ticket.archived]
    return found if count is None else found[:count]


def archived(store: TicketStore, count: int | None = None) -> list[Ticket]:
    found = [ticket for ticket in store if ticket.archived]
    return found if count is None else found[:count]


def call_asgi(
    app: Any, scope: Mapping[str, Any], pieces: Iterable[bytes]
) -> list[dict[str, Any]]:
    """Drive ``app`` once, as a server would: the body in ``pieces`` (one
    ``http.request`` message each, the last without ``more_body``), then a disconnect.

    Returns the messages the app sent. ``scope`` is completed with an HTTP type.
    """
    bodies = list(pieces) or [b""]
    messages = [
        {"type": "http.request", "body": piece, "more_body": n < len(bodies) - 1}
        for n, piece in enumerate(bodies)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "http", **scope}, receive, send))
    return sent
