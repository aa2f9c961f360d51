"""The semantic diff of two cassettes: what changed apart from volatile values.

Re-recording a scenario shows this diff rather than a text diff, so that a reviewer sees
"interactions[0].response.status: 207 -> 200" and not a new correlation id. Compared:
the header (what it demonstrates, quirks, source, contract, portal; not when it was
recorded), and each interaction's request and response with the values marked volatile
left out. Results are compared as a set keyed by id and the ids of an OBJECT_NOT_FOUND
error as a set: the API promises no order (quirk results-unordered), so a new order is
not a change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tickets_contract.cassettes.format import Cassette, Interaction
from tickets_contract.cassettes.volatile import stable_body, stable_headers

__all__ = ["Change", "render_changes", "semantic_diff"]

_SHOWN = 80


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference: where, the old value and the new one (as short JSON)."""

    where: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.where}: {self.old} -> {self.new}"


def semantic_diff(old: Cassette, new: Cassette) -> tuple[Change, ...]:
    """Every difference between ``old`` and ``new`` that is not a volatile value."""
    changes: list[Change] = []
    _compare(changes, "header", _header(old), _header(new))
    if len(old.interactions) != len(new.interactions):
        changes.append(
            Change(
                where="interactions",
                old=f"{len(old.interactions)} interactions",
                new=f"{len(new.interactions)} interactions",
            )
        )
    for index, (before, after) in enumerate(zip(old.interactions, new.interactions, strict=False)):
        _compare(changes, f"interactions[{index}]", _stable(before), _stable(after))
    return tuple(changes)


def render_changes(changes: tuple[Change, ...], *, indent: str = "    ") -> str:
    """The changes, one per line."""
    return "\n".join(f"{indent}{change}" for change in changes)


def _header(cassette: Cassette) -> dict[str, Any]:
    data = cassette.to_data()
    for key in ("format", "recorded_at", "interactions"):
        data.pop(key)
    return data


def _stable(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    return {
        "request": {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "headers": dict(request.headers),
            "json": request.json,
            "text": request.text,
        },
        "response": {
            "status": response.status,
            "headers": dict(stable_headers(response)),
            "json": _canonical(stable_body(response)),
            "text": response.text,
        },
    }


def _canonical(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    body = dict(body)
    results = body.get("results")
    if isinstance(results, list) and all(isinstance(r, dict) for r in results):
        body["results"] = {str(r.get("id")): r for r in results}
    errors = body.get("errors")
    if isinstance(errors, list):
        body["errors"] = [_sorted_ids(error) for error in errors]
    return body


def _sorted_ids(error: Any) -> Any:
    context = error.get("context") if isinstance(error, dict) else None
    if isinstance(context, dict) and isinstance(context.get("ids"), list):
        return {**error, "context": {**context, "ids": sorted(map(str, context["ids"]))}}
    return error


def _compare(changes: list[Change], where: str, old: Any, new: Any) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in dict.fromkeys([*old, *new]):
            place = f"{where}.{key}" if where else str(key)
            if key not in old:
                changes.append(Change(where=place, old="(absent)", new=_show(new[key])))
            elif key not in new:
                changes.append(Change(where=place, old=_show(old[key]), new="(absent)"))
            else:
                _compare(changes, place, old[key], new[key])
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            _compare(changes, f"{where}[{index}]", before, after)
        return
    if old != new or type(old) is not type(new):
        changes.append(Change(where=where, old=_show(old), new=_show(new)))


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
