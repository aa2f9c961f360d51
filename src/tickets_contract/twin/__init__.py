"""The local twin of HubSpot's ``POST /crm/v3/objects/tickets/batch/read``.

A faithful in-memory fake: a seeded portal of tickets (``TicketStore``), the endpoint's
semantics as a pure function from request to response (``Twin.handle``), and thin
adapters to serve it over ASGI (``create_app``) or real HTTP (``serve_in_thread``,
``run_server``). Where HubSpot's behaviour is unverified the choice is a setting of
``TwinConfig`` or a ledger assumption, named in the module that makes it.
"""

from __future__ import annotations

from .asgi import create_app
from .auth import DEMO_TOKEN, EXPIRED_TOKEN, NO_SCOPE_TOKEN
from .catalog import UNIQUE_PROPERTY
from .clock import Clock
from .config import TwinConfig
from .messages import TwinRequest, TwinResponse
from .server import run_server, serve_in_thread
from .store import TicketStore
from .ticket import HistoryEntry, Ticket
from .twin import BATCH_READ_PATH, LIST_PATH, Twin

__all__ = [
    "BATCH_READ_PATH",
    "DEMO_TOKEN",
    "EXPIRED_TOKEN",
    "LIST_PATH",
    "NO_SCOPE_TOKEN",
    "UNIQUE_PROPERTY",
    "Clock",
    "HistoryEntry",
    "Ticket",
    "TicketStore",
    "Twin",
    "TwinConfig",
    "TwinRequest",
    "TwinResponse",
    "create_app",
    "run_server",
    "serve_in_thread",
]
