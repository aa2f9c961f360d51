"""Which properties a read returns, and a ticket rendered as a ``SimplePublicObject``.

S6, S13, S21 decide the keys; the choices where the sources run out are ledger
assumptions, marked below.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence, Set
from dataclasses import dataclass

import orjson

from .catalog import ALWAYS_INCLUDED, DEFAULT_PROPERTIES
from .messages import encode_json
from .ticket import Snapshot

__all__ = ["Projection"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Projection:
    """The property names a read returns: in ``properties`` and in ``propertiesWithHistory``.

    Build it with ``Projection.of``; render tickets with ``render``.
    """

    properties: tuple[str, ...]
    with_history: tuple[str, ...]
    url_base: str | None = None
    cleared_as_null: bool = False

    @classmethod
    def of(
        cls,
        requested: Sequence[str] | None,
        with_history: Sequence[str] | None,
        defined: Set[str],
        *,
        url_base: str | None = None,
        cleared_as_null: bool = False,
    ) -> Projection:
        """What a read naming ``requested`` and ``with_history`` returns.

        * Names the portal does not define are ignored: "If a requested property isn't
          defined, it won't be included in the response." (S6)
        * Naming none returns the defaults (S1). An empty list counts as none
          (no source shows whether ``"properties": []`` returns the default set;
          ledger assumption).
        * ``createdate``, ``hs_lastmodifieddate`` and ``hs_object_id`` always come back
          (S21/S22; ``createdate`` inferred).
        * A property named only in ``propertiesWithHistory`` is not added to
          ``properties`` (S6: S21 showed that, S13 the opposite; ledger
          assumption).

        ``url_base`` is the record-page URL without the id (``None``: no ``url``);
        ``cleared_as_null`` renders cleared (``""``) values as ``null``.
        """
        return _projection(
            tuple(requested) if requested else DEFAULT_PROPERTIES,
            tuple(with_history or ()),
            frozenset(defined),
            url_base,
            cleared_as_null,
        )

    def render(self, ticket: Snapshot) -> dict[str, object]:
        """``ticket`` as a batch read result (``SimplePublicObject``, S1, S4, S21).

        Keys in the order real results show them (S26, S27): ``id``,
        ``properties``, (``propertiesWithHistory``), ``createdAt``, ``updatedAt``,
        ``archived``, ``archivedAt`` for archived tickets only (S1, S23; its place is
        a ledger assumption, quirk result-key-order), then ``url``: the record's page,
        ``https://app.hubspot.com/contacts/<portalId>/record/0-5/<id>`` (quirk
        result-url; the ``0-5`` pattern is inferred from contacts' ``0-1``).
        ``objectWriteTraceId`` and ``warnings`` are spec-only so far and left out.

        A defined property that never had a value is ``null`` (S6: "If a
        requested property is defined but a ticket doesn't have a value, it will be
        returned as ``null``", S6, S22) and its history ``[]``; one that was cleared is
        ``""`` with its history (S28; quirk cleared-properties-empty-string).
        ``propertiesWithHistory`` is left out when no defined property was asked for
        with history (ledger assumption). Timestamps come formatted in the snapshot; the
        history is built only when asked for.
        """
        values = ticket.properties
        if self.cleared_as_null:
            shown = {name: values.get(name) or None for name in self.properties}
        else:
            shown = {name: values.get(name) for name in self.properties}
        result: dict[str, object] = {"id": ticket.id, "properties": shown}
        if self.with_history:
            history = ticket.history()
            result["propertiesWithHistory"] = {
                name: history.get(name, []) for name in self.with_history
            }
        result["createdAt"] = ticket.created_at
        result["updatedAt"] = ticket.updated_at
        result["archived"] = ticket.archived
        if ticket.archived_at is not None:
            result["archivedAt"] = ticket.archived_at
        if self.url_base is not None:
            result["url"] = self.url_base + ticket.id
        return result

    def encoded(self, ticket: Snapshot) -> object:
        """``render(ticket)`` for an answer body: already encoded when it has no history.

        A history-free result is the same for every read through the same projection
        (projections are cached, so equal reads share one), so its JSON is kept on the
        snapshot (one entry) and written by ``encode_json`` as is.
        """
        if self.with_history:
            return self.render(ticket)
        kept = ticket.rendered
        if kept is not None and kept[0] is self:
            return kept[1]
        fragment = orjson.Fragment(encode_json(self.render(ticket)))
        ticket.rendered = (self, fragment)
        return fragment


@functools.lru_cache(maxsize=256)
def _projection(
    chosen: tuple[str, ...],
    with_history: tuple[str, ...],
    defined: frozenset[str],
    url_base: str | None,
    cleared_as_null: bool,
) -> Projection:
    names = {name for name in chosen if name in defined}
    names.update(ALWAYS_INCLUDED)
    history = dict.fromkeys(name for name in with_history or () if name in defined)
    # Keys come back sorted, as in every recorded body (S9, S21, S22).
    return Projection(
        properties=tuple(sorted(names)),
        with_history=tuple(sorted(history)),
        url_base=url_base,
        cleared_as_null=cleared_as_null,
    )
