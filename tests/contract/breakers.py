"""Deliberately broken twins: each breaks one thing the gate must catch.

A breaker post-processes the real twin's answers, so everything else stays faithful and
a failing run can only be due to the one defect.
"""

from __future__ import annotations

import copy
import itertools
import json
import zlib
from collections.abc import Callable
from typing import Any

from tickets_contract.twin import Twin, TwinRequest, TwinResponse

Mutation = Callable[[TwinRequest, TwinResponse], TwinResponse]


class BrokenTwin(Twin):
    def __init__(self, mutation: Mutation) -> None:
        super().__init__()
        self._mutation = mutation

    def handle(self, request: TwinRequest) -> TwinResponse:
        # Only the batch read is broken: discovery's list and Properties API reads are not.
        if request.path != "/crm/v3/objects/tickets/batch/read":
            return super().handle(request)
        return self._mutation(request, super().handle(request))


def _body(request: TwinRequest) -> object:
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def integer_property(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A property value sent as a number instead of a string."""
    if response.status in (200, 207) and response.json()["results"]:
        payload = response.json()
        payload["results"][0]["properties"]["hs_object_id"] = 12345
        return TwinResponse.of_json(response.status, payload)
    return response


def accepts_malformed_inputs(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A body whose `inputs` is not a list answered 200 instead of 400."""
    body = _body(request)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if response.status == 400 and inputs is not None and not isinstance(inputs, list):
        return TwinResponse.of_json(
            200,
            {
                "completedAt": "2026-01-01T00:00:00.000Z",
                "status": "COMPLETE",
                "startedAt": "2026-01-01T00:00:00.000Z",
                "results": [],
            },
        )
    return response


def rejects_missing_inputs(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A body without `inputs` refused with 400, as the twin did before S30 showed otherwise."""
    body = _body(request)
    if response.status == 200 and isinstance(body, dict) and body.get("inputs") is None:
        return TwinResponse.of_json(
            400,
            {
                "status": "error",
                "message": "Invalid input JSON on line 1, column 2. Some required fields "
                "were not set: [inputs]",
                "correlationId": "00000000-0000-7000-8000-000000000000",
                "category": "VALIDATION_ERROR",
            },
        )
    return response


def ignores_auth(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Answers without checking the token."""
    if response.status == 401:
        return TwinResponse.of_json(
            200,
            {
                "status": "COMPLETE",
                "results": [],
                "startedAt": "2026-01-01T00:00:00.000Z",
                "completedAt": "2026-01-01T00:00:00.000Z",
            },
        )
    return response


def server_error(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Crashes on idProperty lookups."""
    body = _body(request)
    if isinstance(body, dict) and body.get("idProperty"):
        return TwinResponse(status=500, headers=(("Content-Type", "text/plain"),), body=b"boom")
    return response


def partial_miss_as_206(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A partial miss answered 206: judged against `default`, whose Error body it is not.

    (With a `default` response every status is declared, so status_code_conformance
    cannot fail on this contract; the wrong status shows as a schema violation.)
    """
    if response.status == 207:
        return TwinResponse(status=206, headers=response.headers, body=response.body)
    return response


def wrong_content_type(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A success sent as text/plain."""
    if response.status == 200:
        return TwinResponse(
            status=200, headers=(("Content-Type", "text/plain"),), body=response.body
        )
    return response


# --- Breakers of the semantic invariants and relations (tests/contract/test_invariants_gate.py).
# Each keeps every other invariant true where it can, so that the one named fails.


def _results(response: TwinResponse) -> dict[str, Any] | None:
    """The body of a 200/207 batch answer, or None."""
    if response.status not in (200, 207):
        return None
    payload = response.json()
    return payload if isinstance(payload, dict) and "results" in payload else None


def _answer(response: TwinResponse, payload: object) -> TwinResponse:
    """``payload`` in place of ``response``'s body, its other headers kept."""
    headers = tuple(h for h in response.headers if h[0].lower() != "content-type")
    return TwinResponse.of_json(response.status, payload, headers)


def _archived(request: TwinRequest) -> bool:
    return any(value.lower() == "true" for value in request.query_values("archived"))


def drops_an_id(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """One found record left out, and not listed as missing either."""
    payload = _results(response)
    if payload is None or len(payload["results"]) < 2:
        return response
    payload["results"] = payload["results"][1:]
    return _answer(response, payload)


def returns_unrequested(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A ticket nobody asked for joins the results."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    stranger = copy.deepcopy(payload["results"][0])
    stranger["id"] = "99999999999"
    stranger["properties"]["hs_object_id"] = "99999999999"
    if "url" in stranger:
        stranger["url"] = stranger["url"].rsplit("/", 1)[0] + "/99999999999"
    payload["results"].append(stranger)
    return _answer(response, payload)


def leaks_archived(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A read of live tickets (archived=false) returns a ticket that is archived."""
    payload = _results(response)
    if payload is None or not payload["results"] or _archived(request):
        return response
    leaked = payload["results"][0]
    leaked["archived"] = True
    leaked["archivedAt"] = leaked["updatedAt"]
    return _answer(response, payload)


def multi_status_as_200(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A partial miss answered 200, its errors kept."""
    if response.status == 207:
        return TwinResponse(status=200, headers=response.headers, body=response.body)
    return response


def wrong_num_errors(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """numErrors counts one more error entry than there is."""
    payload = _results(response)
    if payload is None or not payload.get("errors"):
        return response
    payload["numErrors"] = len(payload["errors"]) + 1
    return _answer(response, payload)


def extra_property(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Every result carries a property nobody asked for."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    for result in payload["results"]:
        result["properties"]["hs_unrequested_extra"] = "leaked"
    return _answer(response, payload)


def drops_empty_property(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """One result leaves out a property (an empty one if it has one) that the others carry."""
    payload = _results(response)
    if payload is None or len(payload["results"]) < 2:
        return response
    properties = payload["results"][-1]["properties"]
    always = ("createdate", "hs_lastmodifieddate", "hs_object_id")
    empty = [name for name, value in properties.items() if value is None]
    others = [name for name in properties if name not in always]
    if not empty and not others:
        return response
    del properties[(empty or others)[0]]
    return _answer(response, payload)


def unasked_history(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """History comes back for a property not in propertiesWithHistory."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    for result in payload["results"]:
        result.setdefault("propertiesWithHistory", {})["hs_unasked_history"] = []
    return _answer(response, payload)


def history_oldest_first(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """History listed oldest first (for the first name asked with history)."""
    payload = _results(response)
    body = _body(request)
    asked = body.get("propertiesWithHistory") if isinstance(body, dict) else None
    if payload is None or not payload["results"] or not asked or not isinstance(asked[0], str):
        return response
    for result in payload["results"]:
        history = result.setdefault("propertiesWithHistory", {})
        entries = history.get(asked[0]) or []
        history[asked[0]] = (
            entries[::-1]
            if len(entries) > 1
            else [
                {"value": "old", "timestamp": "2020-01-01T00:00:00.000Z", "sourceType": "API"},
                {"value": "new", "timestamp": "2021-01-01T00:00:00.000Z", "sourceType": "API"},
            ]
        )
    return _answer(response, payload)


def duplicate_result(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A found record comes back twice."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    payload["results"].append(copy.deepcopy(payload["results"][0]))
    return _answer(response, payload)


def _stamp(millis: int) -> str:
    return f"2026-01-01T00:00:{millis // 1000 % 60:02d}.{millis % 1000:03d}Z"


def _touch(result: dict[str, Any], stamp: str) -> None:
    """Another version of the record: updatedAt and hs_lastmodifieddate moved together."""
    result["updatedAt"] = stamp
    if "hs_lastmodifieddate" in result["properties"]:
        result["properties"]["hs_lastmodifieddate"] = stamp


def size_dependent(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Records depend on the size of the batch they are read in (updatedAt shows it)."""
    payload = _results(response)
    body = _body(request)
    if payload is None or not isinstance(body, dict):
        return response
    for result in payload["results"]:
        _touch(result, _stamp(len(body["inputs"])))
    return _answer(response, payload)


def order_dependent(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Records depend on the order of the inputs (a cache keyed by the request as sent):
    their updatedAt carries a digest of the input order, by id or by idProperty."""
    payload = _results(response)
    body = _body(request)
    if payload is None or not isinstance(body, dict) or not body["inputs"]:
        return response
    order = json.dumps([str(item.get("id")) for item in body["inputs"]])
    stamp = _stamp(1 + zlib.crc32(order.encode()) % 59_000)
    for result in payload["results"]:
        _touch(result, stamp)
    return _answer(response, payload)


class NonDeterministic:
    """Each read stamps its records with a new updatedAt: no two reads agree."""

    def __init__(self) -> None:
        self._reads = itertools.count(1)

    def __call__(self, request: TwinRequest, response: TwinResponse) -> TwinResponse:
        payload = _results(response)
        if payload is None:
            return response
        stamp = _stamp(next(self._reads))
        for result in payload["results"]:
            _touch(result, stamp)
        return _answer(response, payload)


nondeterministic = NonDeterministic()


def unique_property_disagrees(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Reads by the unique property return other versions of the records (updatedAt)."""
    payload = _results(response)
    body = _body(request)
    if payload is None or not isinstance(body, dict) or not body.get("idProperty"):
        return response
    if body["idProperty"] == "hs_object_id":
        return response
    for result in payload["results"]:
        _touch(result, _stamp(999))
    return _answer(response, payload)


# --- Breakers of the rules added for facts nothing checked (docs/RULES.md).


def created_at_local_time(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """createdAt rendered from local time (UTC+1) but still labelled Z: off createdate."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    for result in payload["results"]:
        created = result["createdAt"]
        result["createdAt"] = f"{created[:11]}{(int(created[11:13]) + 1) % 24:02d}{created[13:]}"
    return _answer(response, payload)


def correlation_header_regenerated(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A proxy stamps its own correlation id on every answer: the header no longer echoes
    the body of an error."""
    headers = tuple(
        (name, "00000000-0000-4000-8000-000000000000")
        if name.lower() == "x-hubspot-correlation-id"
        else (name, value)
        for name, value in response.headers
    )
    return TwinResponse(status=response.status, headers=headers, body=response.body)


def status_processing(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """The batch is reported PROCESSING although its results are all there."""
    payload = _results(response)
    if payload is None:
        return response
    payload["status"] = "PROCESSING"
    return _answer(response, payload)


def object_id_from_wrong_column(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """hs_object_id filled from the unique-value column: it no longer names the record."""
    payload = _results(response)
    if payload is None or not payload["results"]:
        return response
    for result in payload["results"]:
        result["properties"]["hs_object_id"] = f"TCK-{result['id'][-6:]}"
    return _answer(response, payload)


def offset_timestamps(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """The batch's timestamps written by Python's isoformat: +00:00 instead of Z."""
    payload = _results(response)
    if payload is None:
        return response
    for key in ("startedAt", "completedAt"):
        payload[key] = payload[key].replace("Z", "+00:00")
    return _answer(response, payload)


def completed_before_started(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """startedAt and completedAt taken from two clocks: the batch ends before it starts."""
    payload = _results(response)
    if payload is None:
        return response
    payload["startedAt"], payload["completedAt"] = "2026-01-01T00:00:01.000Z", _stamp(0)
    return _answer(response, payload)


def not_found_as_validation_error(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Missing inputs reported under category VALIDATION_ERROR, as if they were malformed."""
    payload = _results(response)
    if payload is None or not payload.get("errors"):
        return response
    for error in payload["errors"]:
        error["category"] = "VALIDATION_ERROR"
    return _answer(response, payload)


def only_requested_properties(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """`properties` filtered to exactly the names asked for: the always-included ones go."""
    payload = _results(response)
    body = _body(request)
    asked = body.get("properties") if isinstance(body, dict) else None
    if payload is None or not payload["results"] or not asked:
        return response
    for result in payload["results"]:
        result["properties"] = {k: v for k, v in result["properties"].items() if k in asked}
    return _answer(response, payload)


def url_of_a_neighbour(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """Each result links to the record page of the next result (lists zipped off by one)."""
    payload = _results(response)
    if payload is None or len(payload["results"]) < 2:
        return response
    results = payload["results"]
    for result, other in zip(results, results[1:] + results[:1], strict=True):
        result["url"] = f"https://app.hubspot.com/contacts/1234/record/0-5/{other['id']}"
    return _answer(response, payload)
