"""The ticket properties the twin's portal defines, and which of them a read returns.

A HubSpot portal defines a fixed set of ticket properties; a read names some of them.
Everything the batch reader needs to decide *which* keys appear in ``properties`` lives
here, with the fact it copies.
"""

from __future__ import annotations

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

OBJECT_ID_PROPERTY = "hs_object_id"
OBJECT_TYPE_ID = "0-5"
"""Tickets' objectTypeId (S5); HubSpot names it in idProperty errors."""

SUPPORT_PIPELINE = "0"
PIPELINE_STAGES = ("1", "2", "3", "4")
"""The default support pipeline "0": New, Waiting on contact, Waiting on us, Closed."""

PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
SOURCE_TYPES = ("EMAIL", "CHAT", "FORM", "PHONE")

DEFAULT_PROPERTIES = (
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "subject",
)
"""Returned when a read names no properties.

S6: "Default properties for tickets when ``properties`` is not given: ``content``,
``hs_pipeline``, ``hs_pipeline_stage``, ``hs_ticket_category``, ``hs_ticket_priority``,
``subject`` (S1 ``info.description`` table)."
"""

ALWAYS_INCLUDED = ("createdate", "hs_lastmodifieddate", OBJECT_ID_PROPERTY)
"""Returned whatever the read names.

S6: "Real ticket bodies add ``createdate``, ``hs_lastmodifieddate``,
``hs_object_id`` (S22)" and, when ``properties`` is given, "For tickets expect
``hs_object_id``, ``hs_lastmodifieddate`` (+ probably ``createdate``)". ``createdate`` is
the inferred part (ledger assumption).
"""

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
