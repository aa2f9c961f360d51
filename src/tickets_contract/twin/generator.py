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

import _random
import functools
import re
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
from .clock import EPOCH, format_millis
from .seeding import mix_on, seed_state
from .ticket import HistoryEntry, RenderedHistory, Snapshot, Ticket, render_entry

__all__ = [
    "BASE_ID",
    "EPOCH_END",
    "EPOCH_START",
    "ID_STRIDE",
    "Replay",
    "generate_ticket",
    "index_of_record_id",
    "index_of_unique_ref",
    "is_archived",
    "record_id",
    "snapshot",
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
"""Share of tickets where a user later cleared a property (S28: cleared
properties come back ``""``, never-set ones ``null``; quirk cleared-properties-empty-string).
Drawn from its own stream, so the other tickets are unchanged."""
_CLEARABLE = ("hubspot_owner_id", "hs_ticket_category", "hs_ticket_priority")

_UNIQUE_REF_SHARE = 0.95
"""Share of tickets with an external reference; a unique property is optional."""
_UNIQUE_REF = re.compile(r"TCK-([0-9]{6,})")


def _state(seed: int, index: int) -> int:
    """``mix64(seed, index)``: every per-ticket hash is one more round from it."""
    return mix_on(seed_state(seed), index)


_UNIT = float(1 << 64)


def record_id(seed: int, index: int, state: int | None = None) -> int:
    """The id of ticket ``index`` (``state``: ``_state(seed, index)`` if known)."""
    state = _state(seed, index) if state is None else state
    return BASE_ID + index * ID_STRIDE + mix_on(state, _SALT_ID) % ID_STRIDE


def index_of_record_id(seed: int, size: int, value: int) -> int | None:
    """The index whose id is ``value``, or ``None``; one division, no scan."""
    index, jitter = divmod(value - BASE_ID, ID_STRIDE)
    if value < BASE_ID or index >= size:
        return None
    return index if mix_on(_state(seed, index), _SALT_ID) % ID_STRIDE == jitter else None


def is_archived(seed: int, index: int, fraction: float, state: int | None = None) -> bool:
    """Whether ticket ``index`` is archived; cheap, so listings can skip without building."""
    state = _state(seed, index) if state is None else state
    return mix_on(state, _SALT_ARCHIVED) / _UNIT < fraction


def unique_ref(seed: int, index: int, state: int | None = None) -> str | None:
    """The ticket's ``external_ticket_ref`` (``TCK-000123``), or ``None`` if it has none."""
    state = _state(seed, index) if state is None else state
    if mix_on(state, _SALT_REF) / _UNIT >= _UNIQUE_REF_SHARE:
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


# A writer of a value, as a history entry names it: (sourceType, sourceId, updatedByUserId).
_Source = tuple[str, str | None, int | None]
# S28: CALCULATED history entries "mostly carry a sourceId (e.g.
# "RollupProperties")"; which id each calculated ticket property carries is unknown, so
# all carry that one (quirk calculated-history-source-id).
_CALCULATED: _Source = ("CALCULATED", "RollupProperties", None)
_CONVERSATIONS: _Source = ("CONVERSATIONS", "conversations", None)
_API: _Source = ("API", None, None)
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

_EPOCH_START_MS = (EPOCH_START - EPOCH) // timedelta(milliseconds=1)
_EPOCH_END_MS = (EPOCH_END - EPOCH) // timedelta(milliseconds=1)
_CREATION_ROOM = (EPOCH_END - EPOCH_START - timedelta(days=120)) // timedelta(milliseconds=1)
_UPDATE_COUNTS = (0, 1, 1, 2, 2, 3, 4, 5)
_CHANGES = ("stage", "stage", "priority", "owner", "category", "subject", "content")
_FINAL_STAGE = PIPELINE_STAGES[-1]
_LATER_STAGES = {stage: PIPELINE_STAGES[i + 1 :] for i, stage in enumerate(PIPELINE_STAGES)}
_ESCALATED = "[Escalated] "
_PROPERTY_NAMES = tuple(sorted(DEFINED_PROPERTIES))

Write = tuple[str, str, int, _Source]
"""One write while a ticket's life is replayed: property, value, epoch millis, writer."""


class _Draws:
    """The draws of ``random.Random(seed)``, called without its Python-level wrappers.

    ``below(n)`` is ``Random._randbelow(n)``: ``choice(seq)`` is ``seq[below(len(seq))]``
    and ``randrange(a, b)`` is ``a + below(b - a)``, so the stream, and every generated
    ticket, is the one ``random.Random`` gives (tests pin the tickets). The C generator
    is seeded directly: ``random.Random.__init__`` adds nothing for an integer seed.
    """

    __slots__ = ("_bits", "random")

    def __init__(self, seed: int) -> None:
        generator = _random.Random(seed)
        self._bits = generator.getrandbits
        self.random = generator.random

    def below(self, n: int) -> int:
        bits = self._bits
        k = n.bit_length()
        r = bits(k)
        while r >= n:
            r = bits(k)
        return r


def _detail(draw: _Draws, template: str) -> str:
    return template.format(
        day=_DAYS[draw.below(5)], hour=7 + draw.below(12), n=1000 + draw.below(98_999)
    )


def _content(draw: _Draws, subject: str) -> str:
    details = " ".join(_detail(draw, _DETAILS[draw.below(6)]) for _ in range(1 + draw.below(3)))
    opening = _OPENINGS[draw.below(5)]
    return f"{opening}\n{subject}. {details}\nThanks, {_SIGNATURES[draw.below(7)]}"


def _user(draw: _Draws) -> _Source:
    user = _USERS[draw.below(4)]
    return ("CRM_UI", f"userId:{user}", user)


def _creation_source(draw: _Draws, channel: str) -> _Source:
    roll = draw.random()
    if channel in ("EMAIL", "CHAT") and roll < 0.5:
        return _CONVERSATIONS
    if channel == "FORM" and roll < 0.6:
        return ("FORM", _FORMS[draw.below(2)], None)
    if roll < 0.7:
        return _user(draw)
    if roll < 0.85:
        return ("INTEGRATION", _APPS[draw.below(2)], None)
    return _API


def _update_source(draw: _Draws) -> _Source:
    roll = draw.random()
    if roll < 0.5:
        return _user(draw)
    if roll < 0.7:
        enrollment = 10**9 + draw.below(9 * 10**9)
        return (
            "AUTOMATION_PLATFORM",
            f"enrollmentId:{enrollment};actionExecutionIndex:0",
            None,
        )
    if roll < 0.85:
        return ("INTEGRATION", _APPS[draw.below(2)], None)
    return _API


class Replay:
    """A ticket's life replayed on an integer timeline (epoch milliseconds).

    ``values`` are the current property values (``None``: defined, never set),
    ``created``/``updated``/``archived`` the moments in epoch millis (``archived`` is
    ``None`` for a live ticket), and ``writes`` every write, oldest first, when the
    replay was asked to keep them (``history=True``), else empty. Only the property values
    that are timestamps are formatted, once each.
    """

    __slots__ = ("archived", "created", "id", "updated", "values", "writes")

    def __init__(self, seed: int, index: int, archived_fraction: float, *, history: bool) -> None:
        state = _state(seed, index)
        draw = _Draws(mix_on(state, _SALT_TICKET))
        below = draw.below
        random_ = draw.random
        writes: list[Write] = []
        log = writes.append if history else None

        created = _EPOCH_START_MS + below(_CREATION_ROOM)
        channel = SOURCE_TYPES[below(4)]
        creator = _creation_source(draw, channel)
        category = CATEGORIES[below(4)] if random_() < 0.75 else None
        templates = _SUBJECTS[category or CATEGORIES[below(4)]]
        subject = templates[below(len(templates))].format(n=1000 + below(98_999))
        content = _content(draw, subject) if random_() < 0.8 else None
        priority = PRIORITIES[below(4)] if random_() < 0.9 else None
        owner = _OWNERS[below(6)] if random_() < 0.6 else None
        team = _TEAMS[below(2)] if random_() < 0.2 else None
        created_text = format_millis(created)
        ticket_id = str(record_id(seed, index, state))

        values: dict[str, str | None] = dict.fromkeys(_PROPERTY_NAMES)
        initial: tuple[tuple[str, str | None], ...] = (
            ("subject", subject),
            ("content", content),
            ("hs_pipeline", SUPPORT_PIPELINE),
            ("hs_pipeline_stage", PIPELINE_STAGES[0]),
            ("hs_ticket_category", category),
            ("hs_ticket_priority", priority),
            ("hubspot_owner_id", owner),
            ("hubspot_team_id", team),
            ("source_type", channel),
            (UNIQUE_PROPERTY, unique_ref(seed, index, state)),
            ("createdate", created_text),
        )
        for name, value in initial:
            if value is not None:
                values[name] = value
                if log is not None:
                    log((name, value, created, creator))
        values[OBJECT_ID_PROPERTY] = ticket_id
        values["hs_is_closed"] = "false"
        if log is not None:
            log((OBJECT_ID_PROPERTY, ticket_id, created, _CALCULATED))
            log(("hs_is_closed", "false", created, _CALCULATED))
        if owner is not None:
            values["hubspot_owner_assigneddate"] = created_text
            if log is not None:
                log(("hubspot_owner_assigneddate", created_text, created, _CALCULATED))

        modified = [created]
        at = created
        stage = PIPELINE_STAGES[0]
        for _ in range(_UPDATE_COUNTS[below(8)]):
            at += 5 * 60_000 + below(10 * 86_400_000 - 5 * 60_000)
            if at > _EPOCH_END_MS:
                break
            source = _update_source(draw)
            change = _CHANGES[below(7)]
            if change == "stage":
                later = _LATER_STAGES[stage]
                if not later:
                    continue
                stage = later[below(len(later))]
                name, value = "hs_pipeline_stage", stage
            elif change == "priority":
                choices = [p for p in PRIORITIES if p != priority]
                priority = choices[below(len(choices))]
                name, value = "hs_ticket_priority", priority
            elif change == "owner":
                owners = [o for o in _OWNERS if o != owner]
                owner = owners[below(len(owners))]
                name, value = "hubspot_owner_id", owner
            elif change == "category":
                categories = [c for c in CATEGORIES if c != category]
                category = categories[below(len(categories))]
                name, value = "hs_ticket_category", category
            elif change == "subject":
                if subject.startswith(_ESCALATED):
                    continue
                subject = _ESCALATED + subject
                name, value = "subject", subject
            else:
                note = _detail(draw, f"Update: {_DETAILS[below(6)]}")
                content = note if content is None else f"{content}\n\n{note}"
                name, value = "content", content
            values[name] = value
            if log is not None:
                log((name, value, at, source))
            if change == "owner":
                at_text = format_millis(at)
                values["hubspot_owner_assigneddate"] = at_text
                if log is not None:
                    log(("hubspot_owner_assigneddate", at_text, at, _CALCULATED))
            elif name == "hs_pipeline_stage" and stage == _FINAL_STAGE:
                closed = (
                    ("closed_date", format_millis(at)),
                    ("time_to_close", str(at - created)),
                    ("hs_is_closed", "true"),
                )
                for closed_name, closed_value in closed:
                    values[closed_name] = closed_value
                    if log is not None:
                        log((closed_name, closed_value, at, _CALCULATED))
            modified.append(at)

        if mix_on(state, _SALT_CLEARED) / _UNIT < _CLEARED_SHARE:
            # A user clears one property that has a value; the value becomes "", in the
            # properties and as the newest history entry. Its own stream, so the other
            # tickets are unchanged.
            clearing = _Draws(mix_on(state, _SALT_CLEARED))
            filled = [name for name in _CLEARABLE if values[name]]
            cleared_at = at + 5 * 60_000 + clearing.below(10 * 86_400_000 - 5 * 60_000)
            if filled and cleared_at <= _EPOCH_END_MS:
                name = filled[clearing.below(len(filled))]
                source = _user(clearing)
                values[name] = ""
                if log is not None:
                    log((name, "", cleared_at, source))
                modified.append(cleared_at)

        updated = modified[-1]
        values["hs_lastmodifieddate"] = (
            created_text if updated == created else format_millis(updated)
        )
        if log is not None:
            for moment in modified:
                log(("hs_lastmodifieddate", format_millis(moment), moment, _CALCULATED))

        archived = None
        if is_archived(seed, index, archived_fraction, state):
            # S23: archived records "carry ``archivedAt``"; archiving does not
            # change ``hs_lastmodifieddate`` (S23), so it comes after the last modification.
            archived = updated + 3_600_000 + below(60 * 86_400_000 - 3_600_000)

        self.id = ticket_id
        self.values = values
        self.created = created
        self.updated = updated
        self.archived = archived
        self.writes = writes

    def newest_first(self) -> dict[str, list[Write]]:
        """The kept writes by property, newest first, properties in order of first write."""
        by_name: dict[str, list[Write]] = {}
        for write in self.writes:
            by_name.setdefault(write[0], []).append(write)
        for entries in by_name.values():
            entries.reverse()
        return by_name


def _moment(millis: int) -> datetime:
    return EPOCH + timedelta(milliseconds=millis)


def generate_ticket(seed: int, index: int, archived_fraction: float) -> Ticket:
    """Ticket ``index`` of the portal seeded with ``seed``, history included.

    Its life is replayed (``Replay``): created with initial values, then up to five
    changes from different sources (a user in the CRM UI, a workflow, an integration, the
    API), each written to the property's history. ``hs_lastmodifieddate`` gets one
    calculated entry per change, so ``updated_at`` is the newest of them. A read builds
    the lighter ``Snapshot`` instead (``snapshot``).
    """
    life = Replay(seed, index, archived_fraction, history=True)
    history = {
        name: tuple(
            HistoryEntry(
                value=value,
                timestamp=_moment(at),
                source_type=source[0],
                source_id=source[1],
                updated_by_user_id=source[2],
            )
            for _, value, at, source in entries
        )
        for name, entries in life.newest_first().items()
    }
    return Ticket(
        id=life.id,
        created_at=_moment(life.created),
        updated_at=_moment(life.updated),
        properties=life.values,
        history=history,
        archived=life.archived is not None,
        archived_at=None if life.archived is None else _moment(life.archived),
    )


def _rendered_history(seed: int, index: int, archived_fraction: float) -> RenderedHistory:
    life = Replay(seed, index, archived_fraction, history=True)
    texts: dict[int, str] = {}
    rendered: dict[str, list[dict[str, object]]] = {}
    for name, entries in life.newest_first().items():
        rendered[name] = [
            render_entry(
                value,
                texts[at] if at in texts else texts.setdefault(at, format_millis(at)),
                source,
            )
            for _, value, at, source in entries
        ]
    return rendered


def snapshot(seed: int, index: int, archived_fraction: float) -> Snapshot:
    """What a read of ticket ``index`` renders: values and formatted timestamps.

    No history is kept: it is replayed again, on demand, only for a read that asks for
    ``propertiesWithHistory``.
    """
    life = Replay(seed, index, archived_fraction, history=False)
    values = life.values
    return Snapshot(
        id=life.id,
        properties=values,
        created_at=values["createdate"] or format_millis(life.created),
        updated_at=values["hs_lastmodifieddate"] or format_millis(life.updated),
        archived_at=None if life.archived is None else format_millis(life.archived),
        history=functools.partial(_rendered_history, seed, index, archived_fraction),
    )
