"""Twin parity: the twin must answer every cassette's requests as the cassette shows.

The twin is worth what its fidelity is worth (the design's premise). Each cassette's requests are
sent to a fresh in-process twin and the answers compared with the recorded ones, on what
a client relies on and what does not depend on the data:

* the status;
* the shape: the top-level keys, the keys of results, of their properties and histories,
  of error entries and of their context;
* which inputs were found and which are missing, by position;
* the error categories (``category``, ``errorType`` and ``policyName`` of a 429, and the
  category of each 207 error entry).

A cassette recorded from the twin is replayed as it is, against a twin with the
cassette's ``source.twin`` settings. A live cassette's ids do not exist in the twin, so
its scenario is resolved again against the twin's own known records; inputs line up by
position. Transcribed cassettes (docs, report) name records of other portals: they are
compared only when a caller asks, with the twin settings that reproduce them.

A transcription of another object type or batch operation (contacts, a batch update)
is *translated* first (``translate``): sent to the tickets batch read, each input that
the recorded answer found replaced by a ticket the twin holds and each missing one kept
as sent, an ``idProperty`` other than ``hs_object_id`` replaced by the twin's unique
property, an update's per-input properties dropped. Parity then compares what the twin
can share with another object type (``FOREIGN_COMPARED``), never its property names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from tickets_contract.cassettes.format import Cassette, RecordedRequest, SourceKind
from tickets_contract.cassettes.scenarios import scenario_named
from tickets_contract.cassettes.scrub import credential_role
from tickets_contract.errors import CassetteError
from tickets_contract.hubspot import OBJECT_ID_PROPERTY
from tickets_contract.spec.contract import BATCH_READ_PATH

__all__ = ["FOREIGN_COMPARED", "Signature", "is_foreign", "signature", "translate", "twin_parity"]

FOREIGN_COMPARED = ("status", "shape", "outcome", "categories")
"""What parity compares for another object type: the status, the keys of the envelope,
of results and of error entries (not of ``properties`` or ``propertiesWithHistory``),
the outcome per input and the error categories."""
_PROPERTY_SHAPES = ("properties", "history")

Signature = dict[str, Any]
"""What parity compares of one exchange: status, shape, outcome by input, categories."""


def twin_parity(cassette: Cassette, *, settings: Mapping[str, Any] | None = None) -> list[str]:
    """How the twin's answers differ from the cassette's; empty when they agree.

    ``settings`` are ``TwinConfig`` settings; by default the cassette's ``source.twin``.
    """
    # why: the twin loads only when a cassette is recorded from or compared with it
    from tickets_contract.records import twin_records
    from tickets_contract.twin import (
        DEMO_TOKEN,
        EXPIRED_TOKEN,
        NO_SCOPE_TOKEN,
        UNIQUE_PROPERTY,
        Twin,
        TwinConfig,
        TwinRequest,
    )

    chosen = dict(cassette.source.twin if settings is None else settings)
    try:
        twin = Twin(config=TwinConfig(**chosen))
    except TypeError as exc:
        raise CassetteError(
            source=cassette.label,
            where="source.twin",
            problem=f"is not a set of TwinConfig settings ({exc})",
            fix="use TwinConfig's field names, e.g. {seed: 0, size: 1000}",
        ) from None
    requests = [interaction.request for interaction in cassette.interactions]
    scenario = scenario_named(cassette.name)
    if cassette.source.kind is SourceKind.LIVE and scenario is not None:
        requests = list(scenario.resolve(twin_records(twin, UNIQUE_PROPERTY)))
    foreign = is_foreign(cassette)
    if foreign:
        records = twin_records(twin, UNIQUE_PROPERTY)
        requests = [
            translate(i.request, i.response.json, records.ids, records.unique_values)
            for i in cassette.interactions
        ]
    tokens = {"access": DEMO_TOKEN, "expired": EXPIRED_TOKEN, "no-scope": NO_SCOPE_TOKEN}
    mismatches: list[str] = []
    if len(requests) != len(cassette.interactions):
        return [
            f"{cassette.label}: the scenario sends {len(requests)} requests, the cassette "
            f"holds {len(cassette.interactions)}; fix: record the scenario again"
        ]
    for index, (request, interaction) in enumerate(
        zip(requests, cassette.interactions, strict=True)
    ):
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        role = credential_role(request.headers)
        if role is not None:
            headers["authorization"] = f"Bearer {tokens.get(role, 'not-a-token')}"
        answer = twin.handle(
            TwinRequest(
                method=request.method,
                path=request.path,
                query=tuple(request.query.items()),
                headers=headers,
                body=request.content(),
            )
        )
        try:
            body = answer.json()
        except ValueError:
            body = None
        expected = signature(
            interaction.request, interaction.response.status, interaction.response.json
        )
        actual = signature(request, answer.status, body)
        if foreign:
            for sig in (expected, actual):
                for part in _PROPERTY_SHAPES:
                    sig["shape"].pop(part, None)
        for key, value in expected.items():
            if actual[key] != value:
                mismatches.append(
                    f"{cassette.label}: interactions[{index}]: {key}: the cassette has "
                    f"{value!r}, the twin answers {actual[key]!r}"
                )
    return mismatches


def is_foreign(cassette: Cassette) -> bool:
    """Whether ``cassette`` shows another object type or batch operation than ours."""
    paths = {i.request.path for i in cassette.interactions}
    return cassette.source.object_type != "tickets" or paths != {BATCH_READ_PATH}


def translate(
    request: RecordedRequest,
    answer: Any,
    ids: Sequence[str],
    unique_values: Sequence[str],
) -> RecordedRequest:
    """``request`` of another object type or operation, as the tickets batch read.

    By position, an input the recorded ``answer`` found becomes the next of ``ids`` (or
    ``unique_values`` with an ``idProperty``); a missing one is kept as sent. A body
    that is not a JSON object is sent as it is.
    """
    body = request.json
    if request.text is not None or not isinstance(body, dict):
        return replace(request, path=BATCH_READ_PATH)
    # why: the twin loads only when a cassette is recorded from or compared with it
    from tickets_contract.twin import UNIQUE_PROPERTY

    outcome = _outcome(request, answer)
    translated: dict[str, Any] = {
        key: value
        for key, value in body.items()
        if key in ("properties", "propertiesWithHistory") and isinstance(value, list)
    }
    id_property = body.get("idProperty")
    by_value = isinstance(id_property, str) and id_property != OBJECT_ID_PROPERTY
    if by_value:
        translated["idProperty"] = UNIQUE_PROPERTY
    inputs = body.get("inputs")
    if isinstance(inputs, list):
        known = iter(unique_values if by_value else ids)
        items: list[Any] = []
        for position, item in enumerate(inputs):
            found = outcome is not None and outcome[position] == "found"
            raw = item.get("id") if isinstance(item, dict) else item
            items.append({"id": next(known)} if found else {"id": raw})
        translated["inputs"] = items
    return replace(request, path=BATCH_READ_PATH, json=translated)


def signature(request: RecordedRequest, status: int, body: Any) -> Signature:
    """The parts of an exchange that parity compares."""
    return {
        "status": status,
        "shape": _shape(body),
        "outcome": _outcome(request, body),
        "categories": _categories(body),
    }


def _keys(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def _shape(body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        return {"body": [type(body).__name__]}
    shape: dict[str, set[str]] = {"top": set(body)}
    results = body.get("results")
    for result in results if isinstance(results, list) else []:
        shape.setdefault("result", set()).update(_keys(result))
        if isinstance(result, dict):
            shape.setdefault("properties", set()).update(_keys(result.get("properties")))
            shape.setdefault("history", set()).update(_keys(result.get("propertiesWithHistory")))
    errors = body.get("errors")
    for error in errors if isinstance(errors, list) else []:
        shape.setdefault("error", set()).update(_keys(error))
        if isinstance(error, dict):
            shape.setdefault("error context", set()).update(_keys(error.get("context")))
    if isinstance(body.get("context"), dict):
        shape["context"] = set(body["context"])
    return {key: sorted(values) for key, values in shape.items()}


def _outcome(request: RecordedRequest, body: Any) -> list[str] | None:
    inputs = request.json.get("inputs") if isinstance(request.json, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return None
    if not isinstance(inputs, list):
        return None
    missing: set[str] = set()
    for error in body.get("errors") or []:
        context = error.get("context") if isinstance(error, dict) else None
        if isinstance(context, dict) and isinstance(context.get("ids"), list):
            missing.update(map(str, context["ids"]))
    return [
        "missing" if isinstance(item, dict) and str(item.get("id")) in missing else "found"
        for item in inputs
    ]


def _categories(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    found = [f"{key}={body[key]}" for key in ("category", "errorType", "policyName") if key in body]
    for error in body.get("errors") or []:
        if isinstance(error, dict) and "category" in error:
            found.append(f"errors[].category={error['category']}")
    return sorted(found)
