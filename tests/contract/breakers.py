"""Deliberately broken twins: each breaks one thing the gate must catch.

A breaker post-processes the real twin's answers, so everything else stays faithful and
a failing run can only be due to the one defect.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tickets_contract.twin import Twin, TwinRequest, TwinResponse

Mutation = Callable[[TwinRequest, TwinResponse], TwinResponse]


class BrokenTwin(Twin):
    def __init__(self, mutation: Mutation) -> None:
        super().__init__()
        self._mutation = mutation

    def handle(self, request: TwinRequest) -> TwinResponse:
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


def accepts_missing_inputs(request: TwinRequest, response: TwinResponse) -> TwinResponse:
    """A body without `inputs` answered 200 instead of 400."""
    body = _body(request)
    if response.status == 400 and isinstance(body, dict) and "inputs" not in body:
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
