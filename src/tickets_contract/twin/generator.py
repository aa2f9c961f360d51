"""Ticket *i* of a seeded portal, as a pure function of ``(seed, i)``.

Why lazy: the store must answer a 100-input batch in time independent of how many
tickets it holds, and a million-ticket portal must be cheap to stand up. So no ticket is
built until it is read: ids, archived flags and unique values are invertible or cheap
functions of ``(seed, index)``, and the full ticket (properties, history) is generated
from a ``random.Random`` seeded with ``mix64(seed, index)``. Generating the same index
twice gives equal tickets, in any process.

Ids are sparse, like a real portal's: ticket *i* has id
``BASE_ID + i * ID_STRIDE + jitter(seed, i)`` with ``0 <= jitter < ID_STRIDE``, so most
numbers near a real id are not ids, and an id maps back to its index by one division.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .catalog import (
    CATEGORIES,
    DEFINED_PROPERTIES,
    OBJECT_ID_PROPERTY,
    PIPELINE_STAGES,
    PRIORITIES,
    SOURCE_TYPES,
    SUPPORT_PIPELINE,
    UNIQUE_PROPERTY,
)
from .clock import format_instant
from .seeding import mix64, unit_interval
from .ticket import HistoryEntry, Ticket

__all__ = [
    "BASE_ID",
    "EPOCH_END",
    "EPOCH_START",
    "ID_STRIDE",
    "generate_ticket",
    "index_of_record_id",
    "index_of_unique_ref",
    "is_archived",
    "record_id",
    "unique_ref",
]

BASE_ID = 17_000_000_000
"""Recent portals hand out 11-digit ticket ids (longs, beyond Java's ``int``)."""
ID_STRIDE = 1_000

EPOCH_START = datetime(2021, 1, 4, tzinfo=UTC)
EPOCH_END = datetime(2025, 9, 30, tzinfo=UTC)
"""No ticket is created or modified after this (archiving may come up to 60 days later)."""

_SALT_ID = 0x1D
_SALT_ARCHIVED = 0xA7
_SALT_TICKET = 0x71
_SALT_REF = 0x2E
_SALT_CLEARED = 0xC1
_CLEARED_SHARE = 0.15
"""Share of tickets where a user later cleared a property (facts §11, S28: cleared
properties come back ``""``, never-set ones ``null``; quirk cleared-properties-empty-string).
Drawn from its own stream, so the other tickets are unchanged."""
_CLEARABLE = ("hubspot_owner_id", "hs_ticket_category", "hs_ticket_priority")

_UNIQUE_REF_SHARE = 0.95
"""Share of tickets with an external reference; a unique property is optional."""
_UNIQUE_REF = re.compile(r"TCK-([0-9]{6,})")


def record_id(seed: int, index: int) -> int:
    """The id of ticket ``index``."""
    return BASE_ID + index * ID_STRIDE + mix64(seed, index, _SALT_ID) % ID_STRIDE


def index_of_record_id(seed: int, size: int, value: int) -> int | None:
    """The index whose id is ``value``, or ``None``; one division, no scan."""
    index, jitter = divmod(value - BASE_ID, ID_STRIDE)
    if value < BASE_ID or index >= size:
        return None
    return index if mix64(seed, index, _SALT_ID) % ID_STRIDE == jitter else None


def is_archived(seed: int, index: int, fraction: float) -> bool:
    """Whether ticket ``index`` is archived; cheap, so listings can skip without building."""
    return unit_interval(seed, index, _SALT_ARCHIVED) < fraction


def unique_ref(seed: int, index: int) -> str | None:
    """The ticket's ``external_ticket_ref`` (``TCK-000123``), or ``None`` if it has none."""
    if unit_interval(seed, index, _SALT_REF) >= _UNIQUE_REF_SHARE:
        return None
    return f"TCK-{index + 1:06d}"


def index_of_unique_ref(seed: int, size: int, value: str) -> int | None:
    """The index whose ``external_ticket_ref`` is exactly ``value``, or ``None``."""
    match = _UNIQUE_REF.fullmatch(value)
    if match is None:
        return None
    index = int(match.group(1)) - 1
    if not 0 <= index < size or unique_ref(seed, index) != value:
        return None
    return index


@dataclass(frozen=True, slots=True, kw_only=True)
class _Source:
    """Who wrote a value: a history entry's ``sourceType``/``sourceId``/``updatedByUserId``."""

    type: str
    id: str | None = None
    user: int | None = None


# Facts §11 (S28): CALCULATED history entries "mostly carry a sourceId (e.g.
# "RollupProperties")"; which id each calculated ticket property carries is unknown, so
# all carry that one (quirk calculated-history-source-id).
_CALCULATED = _Source(type="CALCULATED", id="RollupProperties")
_OWNERS = ("52731988", "61829302", "70314551", "81250067", "93318820", "104472211")
_TEAMS = ("4217753", "4217754")
_USERS = (28604240, 31177395, 46630012, 50091184)
_APPS = ("8113404", "1160452")
_FORMS = ("b3f7c1de-52a4-4e0b-9a0c-6f0d9a2f8e11", "0c4a2e77-1d35-46b9-8f62-3e5b7d90a4c2")

_SUBJECTS = {
    "PRODUCT_ISSUE": (
        "Dashboard does not load after the latest update",
        "Export to CSV times out for lists over {n} rows",
        "Mobile app crashes when opening attachments",
        "Search returns no results for exact names",
        "Password reset email never arrives",
    ),
    "BILLING_ISSUE": (
        "Charged twice for invoice INV-{n}",
        "Need a copy of last month's invoice",
        "Card declined although the account is funded",
        "Prorated charge after downgrade looks wrong",
    ),
    "FEATURE_REQUEST": (
        "Feature request: dark mode for the dashboard",
        "Please add bulk edit for tags",
        "Allow more than five users on the starter plan",
        "Export reports as PDF",
    ),
    "GENERAL_INQUIRY": (
        "How do I add a second admin?",
        "Where can I find the API documentation?",
        "Can we change the account owner?",
        "Do you offer onboarding sessions in Spanish?",
    ),
}
_OPENINGS = ("Hi team,", "Hello,", "Hi there,", "Good morning,", "Hallo,")
_DETAILS = (
    "It started on {day} around {hour}:00 UTC.",
    "Three people on our side see the same thing.",
    "We already cleared the cache and tried another browser.",
    "This blocks our month-end close, so a quick answer would help.",
    "Screenshot attached; the error code was E{n}.",
    "Our account id is {n}.",
)
_SIGNATURES = ("Zoë", "José", "Łukasz", "Amara", "Kenji", "Priya", "Sam")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _content(rng: random.Random, subject: str) -> str:
    details = " ".join(
        rng.choice(_DETAILS).format(
            day=rng.choice(_DAYS), hour=rng.randrange(7, 19), n=rng.randrange(1000, 99999)
        )
        for _ in range(rng.randrange(1, 4))
    )
    return f"{rng.choice(_OPENINGS)}\n{subject}. {details}\nThanks, {rng.choice(_SIGNATURES)}"


def _user(rng: random.Random) -> _Source:
    user = rng.choice(_USERS)
    return _Source(type="CRM_UI", id=f"userId:{user}", user=user)


def _creation_source(rng: random.Random, channel: str) -> _Source:
    roll = rng.random()
    if channel in ("EMAIL", "CHAT") and roll < 0.5:
        return _Source(type="CONVERSATIONS", id="conversations")
    if channel == "FORM" and roll < 0.6:
        return _Source(type="FORM", id=rng.choice(_FORMS))
    if roll < 0.7:
        return _user(rng)
    if roll < 0.85:
        return _Source(type="INTEGRATION", id=rng.choice(_APPS))
    return _Source(type="API")


def _update_source(rng: random.Random) -> _Source:
    roll = rng.random()
    if roll < 0.5:
        return _user(rng)
    if roll < 0.7:
        enrollment = rng.randrange(10**9, 10**10)
        return _Source(
            type="AUTOMATION_PLATFORM", id=f"enrollmentId:{enrollment};actionExecutionIndex:0"
        )
    if roll < 0.85:
        return _Source(type="INTEGRATION", id=rng.choice(_APPS))
    return _Source(type="API")


class _Timeline:
    """Current values plus every write, oldest first, while a ticket's life is replayed."""

    def __init__(self) -> None:
        self.values: dict[str, str | None] = dict.fromkeys(sorted(DEFINED_PROPERTIES))
        self.writes: dict[str, list[HistoryEntry]] = {}

    def set(self, name: str, value: str, at: datetime, source: _Source) -> None:
        self.values[name] = value
        self.writes.setdefault(name, []).append(
            HistoryEntry(
                value=value,
                timestamp=at,
                source_type=source.type,
                source_id=source.id,
                updated_by_user_id=source.user,
            )
        )

    def newest_first(self) -> dict[str, tuple[HistoryEntry, ...]]:
        return {name: tuple(reversed(entries)) for name, entries in self.writes.items()}


def _close(timeline: _Timeline, created: datetime, at: datetime) -> None:
    timeline.set("closed_date", format_instant(at), at, _CALCULATED)
    elapsed = (at - created) // timedelta(milliseconds=1)
    timeline.set("time_to_close", str(elapsed), at, _CALCULATED)
    timeline.set("hs_is_closed", "true", at, _CALCULATED)


def _update(rng: random.Random, timeline: _Timeline, created: datetime, at: datetime) -> bool:
    """Apply one random change at ``at``; ``False`` if the drawn change was a no-op."""
    source = _update_source(rng)
    values = timeline.values
    change = rng.choice(("stage", "stage", "priority", "owner", "category", "subject", "content"))
    if change == "stage":
        current = values["hs_pipeline_stage"] or PIPELINE_STAGES[0]
        later = PIPELINE_STAGES[PIPELINE_STAGES.index(current) + 1 :]
        if not later:
            return False
        stage = rng.choice(later)
        timeline.set("hs_pipeline_stage", stage, at, source)
        if stage == PIPELINE_STAGES[-1]:
            _close(timeline, created, at)
    elif change == "priority":
        choices = [p for p in PRIORITIES if p != values["hs_ticket_priority"]]
        timeline.set("hs_ticket_priority", rng.choice(choices), at, source)
    elif change == "owner":
        owners = [o for o in _OWNERS if o != values["hubspot_owner_id"]]
        timeline.set("hubspot_owner_id", rng.choice(owners), at, source)
        timeline.set("hubspot_owner_assigneddate", format_instant(at), at, _CALCULATED)
    elif change == "category":
        categories = [c for c in CATEGORIES if c != values["hs_ticket_category"]]
        timeline.set("hs_ticket_category", rng.choice(categories), at, source)
    elif change == "subject":
        subject = values["subject"] or ""
        if subject.startswith("[Escalated] "):
            return False
        timeline.set("subject", f"[Escalated] {subject}", at, source)
    else:
        note = f"Update: {rng.choice(_DETAILS)}".format(
            day=rng.choice(_DAYS), hour=rng.randrange(7, 19), n=rng.randrange(1000, 99999)
        )
        content = values["content"]
        timeline.set("content", note if content is None else f"{content}\n\n{note}", at, source)
    return True


def _clear_one(rng: random.Random, timeline: _Timeline, after: datetime) -> datetime | None:
    """A user clears one property that has a value, after ``after``; when, or ``None``.

    The cleared value is ``""``, in ``properties`` and as the newest history entry.
    """
    filled = [name for name in _CLEARABLE if timeline.values[name]]
    at = after + timedelta(milliseconds=rng.randrange(5 * 60_000, 10 * 86_400_000))
    if not filled or at > EPOCH_END:
        return None
    timeline.set(rng.choice(filled), "", at, _user(rng))
    return at


def generate_ticket(seed: int, index: int, archived_fraction: float) -> Ticket:
    """Ticket ``index`` of the portal seeded with ``seed``.

    Its life is replayed: created with initial values, then up to five changes from
    different sources (a user in the CRM UI, a workflow, an integration, the API), each
    written to the property's history. ``hs_lastmodifieddate`` gets one calculated entry
    per change, so ``updated_at`` is the newest of them.
    """
    rng = random.Random(mix64(seed, index, _SALT_TICKET))
    ticket_id = str(record_id(seed, index))
    room = (EPOCH_END - EPOCH_START - timedelta(days=120)) // timedelta(milliseconds=1)
    created = EPOCH_START + timedelta(milliseconds=rng.randrange(room))

    channel = rng.choice(SOURCE_TYPES)
    creator = _creation_source(rng, channel)
    category = rng.choice(CATEGORIES) if rng.random() < 0.75 else None
    subject = rng.choice(_SUBJECTS[category or rng.choice(CATEGORIES)]).format(
        n=rng.randrange(1000, 99999)
    )
    initial: dict[str, str | None] = {
        "subject": subject,
        "content": _content(rng, subject) if rng.random() < 0.8 else None,
        "hs_pipeline": SUPPORT_PIPELINE,
        "hs_pipeline_stage": PIPELINE_STAGES[0],
        "hs_ticket_category": category,
        "hs_ticket_priority": rng.choice(PRIORITIES) if rng.random() < 0.9 else None,
        "hubspot_owner_id": rng.choice(_OWNERS) if rng.random() < 0.6 else None,
        "hubspot_team_id": rng.choice(_TEAMS) if rng.random() < 0.2 else None,
        "source_type": channel,
        UNIQUE_PROPERTY: unique_ref(seed, index),
        "createdate": format_instant(created),
    }

    timeline = _Timeline()
    for name, value in initial.items():
        if value is not None:
            timeline.set(name, value, created, creator)
    timeline.set(OBJECT_ID_PROPERTY, ticket_id, created, _CALCULATED)
    timeline.set("hs_is_closed", "false", created, _CALCULATED)
    if initial["hubspot_owner_id"] is not None:
        timeline.set("hubspot_owner_assigneddate", format_instant(created), created, _CALCULATED)

    modified = [created]
    at = created
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 5))):
        at += timedelta(milliseconds=rng.randrange(5 * 60_000, 10 * 86_400_000))
        if at > EPOCH_END:
            break
        if _update(rng, timeline, created, at):
            modified.append(at)
    if unit_interval(seed, index, _SALT_CLEARED) < _CLEARED_SHARE:
        cleared = _clear_one(random.Random(mix64(seed, index, _SALT_CLEARED)), timeline, at)
        if cleared is not None:
            modified.append(cleared)
    for moment in modified:
        timeline.set("hs_lastmodifieddate", format_instant(moment), moment, _CALCULATED)
    updated = modified[-1]

    archived_at = None
    if is_archived(seed, index, archived_fraction):
        # Facts §6.9: archived records "carry ``archivedAt``"; archiving does not change
        # ``hs_lastmodifieddate`` (S23), so it comes after the last modification.
        archived_at = updated + timedelta(milliseconds=rng.randrange(3_600_000, 60 * 86_400_000))

    return Ticket(
        id=ticket_id,
        created_at=created,
        updated_at=updated,
        properties=timeline.values,
        history=timeline.newest_first(),
        archived=archived_at is not None,
        archived_at=archived_at,
    )
