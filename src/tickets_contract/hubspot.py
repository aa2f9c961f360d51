"""Facts about HubSpot's tickets API that several parts of the suite rely on, each named once.

The contract, the judges, the targets and the twin each read these facts from here, so
that no part spells them on its own. This module imports nothing: the twin may read it
without loading a judge, and a judge without loading the twin (neither imports the other).

Each fact cites the ledger source (``specs/quirks.yaml``, S1..S34) or quirk it rests on.
The self-tests spell the values out again on purpose: a wrong fact here must fail them,
not pass through the twin and the judges alike.
"""

from __future__ import annotations

__all__ = [
    "ALWAYS_INCLUDED_PROPERTIES",
    "API_BASE_URL",
    "API_HOST",
    "BATCH_READ_METHOD",
    "BATCH_READ_PATH",
    "CORRELATION_ID_HEADER",
    "CREATED_PROPERTY",
    "DEFAULT_PROPERTIES",
    "LIST_MAX_LIMIT",
    "LIST_PATH",
    "MAX_INPUTS",
    "MAX_INPUTS_WITH_HISTORY",
    "MODIFIED_PROPERTY",
    "NOT_FOUND_MESSAGE",
    "OBJECT_ID_PROPERTY",
    "PROPERTIES_PATH",
    "TICKETS_OBJECT_TYPE_ID",
]

API_HOST = "api.hubapi.com"
"""The host of HubSpot's public API: the one host a token goes to by default."""
API_BASE_URL = f"https://{API_HOST}"

BATCH_READ_METHOD = "POST"
BATCH_READ_PATH = "/crm/v3/objects/tickets/batch/read"
"""The operation under contract (S1)."""
LIST_PATH = "/crm/v3/objects/tickets"
"""The tickets list read (``GET``), used to discover known records (S5)."""
PROPERTIES_PATH = "/crm/v3/properties/tickets"
"""The Properties API's tickets read (``GET``): which property has unique values (S7)."""

CORRELATION_ID_HEADER = "X-HubSpot-Correlation-Id"
"""The header that carries an answer's correlation id, on errors and successes alike (S17,
S18, S29). Header names are case-insensitive; HubSpot spells it so."""

TICKETS_OBJECT_TYPE_ID = "0-5"
"""Tickets' objectTypeId (S5, S34); HubSpot names it in idProperty errors."""

OBJECT_ID_PROPERTY = "hs_object_id"
"""The record id as a property; also accepted as ``idProperty`` (quirk
idproperty-hs-object-id, S32)."""
CREATED_PROPERTY = "createdate"
"""The property a result's ``createdAt`` mirrors (S4, S21, S22)."""
MODIFIED_PROPERTY = "hs_lastmodifieddate"
"""The property a result's ``updatedAt`` mirrors (S4, S21, S22)."""

DEFAULT_PROPERTIES = (
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "subject",
)
"""Returned when a read names no properties (quirk always-included-properties: the S1
``info.description`` table of default properties per object type; S6; S22 bodies)."""

ALWAYS_INCLUDED_PROPERTIES = (CREATED_PROPERTY, MODIFIED_PROPERTY, OBJECT_ID_PROPERTY)
"""Returned whatever the read names (quirk always-included-properties: S21, S22, S26);
``createdate`` is the assumed part (quirk createdate-always-included)."""

MAX_INPUTS = 100
"""Inputs one batch read takes (quirk batch-input-limit; S5: "Object API batch endpoints
are limited to 100 inputs per request")."""
MAX_INPUTS_WITH_HISTORY = 50
"""Inputs one batch read takes when it asks for property history (quirk
history-input-limit, S11)."""

NOT_FOUND_MESSAGE = (
    "Could not get some TICKET objects, they may be deleted or not exist. Check that ids are valid."
)
"""The message of the OBJECT_NOT_FOUND entry that lists a read's missing inputs (quirk
ticket-not-found-wording): S9, U1, S21 "Could not get some <OBJECT_TYPE_UPPER> objects,
they may be deleted or not exist. Check that ids are valid." with ``TICKET`` (U4)."""

LIST_MAX_LIMIT = 100
"""The largest page (``limit``) the list read gives: discovery asks for it, the twin serves
no more. Believed, as for HubSpot's other CRM list reads; no ledger source states it."""
