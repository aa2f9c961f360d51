"""Volatile values: what differs between two identical requests, and its placeholders.

S17: "``correlationId`` is a UUID, unique per request", echoed in
``X-HubSpot-Correlation-Id``; the 429 of the DAILY policy adds a ``requestId``. The batch
envelope's ``startedAt``/``completedAt`` are the time of the call, and an expired token's
401 says when it expired and how many seconds ago. None of these is a fact about the
API's behaviour, and all would turn every re-recording into a diff. The recorder
replaces them by fixed placeholders of the same format (so replays still conform to the
contract) and lists them in the response's ``volatile`` marker; counters such as
``X-HubSpot-RateLimit-Remaining`` keep their value and are only marked. Comparisons
(``diff``, twin parity) skip everything marked.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from tickets_contract.cassettes.format import RecordedResponse, Volatile
from tickets_contract.hubspot import CORRELATION_ID_HEADER

__all__ = [
    "PLACEHOLDER_INSTANT",
    "PLACEHOLDER_UUID",
    "normalise",
    "placeholder_uuid",
    "stable_body",
    "stable_headers",
]

PLACEHOLDER_UUID = "00000000-0000-0000-0000-000000000000"
"""The nil UUID: a valid ``format: uuid`` that nobody takes for a real correlation id."""


def placeholder_uuid(value: str) -> str:
    """The placeholder for the UUID ``value``: all zeros but its version and variant.

    S33: live correlation ids are time-ordered UUIDv7; keeping the version
    lets a recording still say so (quirk correlation-id-uuid7) without its value.
    """
    try:
        version = uuid.UUID(value).version
    except ValueError:
        return PLACEHOLDER_UUID
    if version is None or uuid.UUID(value).int == 0:
        return PLACEHOLDER_UUID
    return f"00000000-0000-{version:x}000-8000-000000000000"


PLACEHOLDER_INSTANT = "2000-01-01T00:00:00Z"
"""An instant written as HubSpot writes one (``Instant.toString()``, S21)."""

_UUID_KEYS = ("correlationId", "requestId")
_INSTANT_KEYS = ("startedAt", "completedAt", "requestedAt")
_UUID_HEADERS = (CORRELATION_ID_HEADER.lower(),)
# Counters of the rate limiter depend on the portal's other traffic: kept, but ignored.
_COUNTER_HEADERS = (
    "x-hubspot-ratelimit-remaining",
    "x-hubspot-ratelimit-secondly-remaining",
    "x-hubspot-ratelimit-daily-remaining",
)
_EXPIRE_TIME = "expire time"


def normalise(response: RecordedResponse) -> RecordedResponse:
    """``response`` with its volatile values replaced by placeholders and marked."""
    body = copy.deepcopy(response.json)
    pointers: list[str] = []
    if isinstance(body, dict):
        for key in _UUID_KEYS:
            if isinstance(body.get(key), str):
                body[key] = placeholder_uuid(body[key])
                pointers.append(f"/{key}")
        for key in _INSTANT_KEYS:
            if isinstance(body.get(key), str):
                body[key] = PLACEHOLDER_INSTANT
                pointers.append(f"/{key}")
        context = body.get("context")
        if body.get("category") == "EXPIRED_AUTHENTICATION" and isinstance(context, dict):
            # U6: {"message": "The OAuth token used to make this call expired 75 second(s)
            # ago.", "context": {"expire time": ["2022-06-21T10:37:52.040Z"]}}: the instant
            # becomes a placeholder, the seconds in the message are only marked.
            times = context.get(_EXPIRE_TIME)
            if isinstance(times, list):
                context[_EXPIRE_TIME] = [PLACEHOLDER_INSTANT for _ in times]
                pointers += [f"/context/{_EXPIRE_TIME}/{i}" for i in range(len(times))]
            pointers.append("/message")
    headers = dict(response.headers)
    marked: list[str] = []
    for name in _UUID_HEADERS:
        if name in headers:
            headers[name] = placeholder_uuid(headers[name])
            marked.append(name)
    marked += [name for name in _COUNTER_HEADERS if name in headers]
    volatile = Volatile(
        body=tuple(dict.fromkeys((*response.volatile.body, *pointers))),
        headers=tuple(dict.fromkeys((*response.volatile.headers, *marked))),
    )
    return replace(response, json=body, headers=MappingProxyType(headers), volatile=volatile)


def stable_body(response: RecordedResponse) -> Any:
    """The JSON body without the values marked volatile (a copy)."""
    body = copy.deepcopy(response.json)
    for pointer in response.volatile.body:
        _remove(body, pointer)
    return body


def stable_headers(response: RecordedResponse) -> Mapping[str, str]:
    """The headers without those marked volatile."""
    return {k: v for k, v in response.headers.items() if k not in response.volatile.headers}


def _remove(document: Any, pointer: str) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    for part in parts[:-1]:
        node = _child(node, part)
        if node is None:
            return
    last = parts[-1] if parts else ""
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        # Keep the list's length (a shape) and drop only the value.
        node[int(last)] = None


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None
