"""A corpus of broken APIs: the twin behind a mutating proxy, served over loopback HTTP.

Each ``Mutant`` is one realistic integration bug of the batch-read endpoint (a serializer
that drops nulls, a cache that serves a stale version, an off-by-one in paging, a proxy
that stamps its own correlation id...), most of them misbehaving only on some inputs, as
real bugs do. ``MutatingProxy`` is an ASGI middleware around the twin's ASGI app: it may
rewrite the request before the twin sees it and the answer before the client does;
``serve`` runs it under uvicorn on 127.0.0.1. Only ``POST .../batch/read`` is mutated: the
listing endpoint that discovery reads stays faithful, as it would on a portal whose batch
read regressed.

``rule`` is the check or relation the gate must name when it condemns the mutant.
Everything here is test code: the judges never see it (the design rule: judges never import the
twin, and know nothing of what answered).
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tickets_contract.twin import BATCH_READ_PATH, DEMO_TOKEN, Twin, create_app

__all__ = ["CORPUS", "Mutant", "MutatingProxy", "Reply", "Sent", "mutant_named", "serve"]


@dataclass(frozen=True, slots=True)
class Sent:
    """A request as the proxy received it (or rewrote it)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def archived(self) -> bool:
        return any(k == "archived" and v.lower() == "true" for k, v in self.query)

    @property
    def inputs(self) -> list[str]:
        body = self.json()
        raw = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(raw, list):
            return []
        return [str(i.get("id")) for i in raw if isinstance(i, dict)]

    @property
    def id_property(self) -> str | None:
        body = self.json()
        name = body.get("idProperty") if isinstance(body, dict) else None
        return name if isinstance(name, str) and name != "hs_object_id" else None


@dataclass(frozen=True, slots=True)
class Reply:
    """The twin's answer (or the mutant's)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def batch(self) -> dict[str, Any] | None:
        """A copy of the body of a 200/207 batch answer, or None."""
        if self.status not in (200, 207):
            return None
        payload = self.json()
        return payload if isinstance(payload, dict) and "results" in payload else None

    def with_json(self, payload: Any, status: int | None = None) -> Reply:
        return replace(self, status=status or self.status, body=json.dumps(payload).encode())

    def with_header(self, name: str, value: str) -> Reply:
        kept = tuple(h for h in self.headers if h[0].lower() != name.lower())
        return replace(self, headers=(*kept, (name, value)))


@dataclass(frozen=True, slots=True)
class Mutant:
    """One broken version of the endpoint: what it does wrong, and who must notice."""

    name: str
    rule: str
    bug: str
    answer: Callable[[Sent, Reply], Reply] = lambda sent, reply: reply
    request: Callable[[Sent], Sent] = lambda sent: sent
    fast: bool = False
    make: Callable[[], Mutant] | None = field(default=None, compare=False)

    def fresh(self) -> Mutant:
        """A mutant with its own state (the stateful ones count reads)."""
        return self.make() if self.make is not None else self


class MutatingProxy:
    """ASGI middleware: the twin's app, with one mutant's rewrites of batch reads."""

    def __init__(self, app: ASGIApp, mutant: Mutant | None) -> None:
        self._app = app
        self._mutant = mutant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._mutant is None or scope["path"] != BATCH_READ_PATH:
            await self._app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                break
        sent = Sent(
            method=scope["method"],
            path=scope["path"],
            query=tuple(parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)),
            headers=tuple(scope["headers"]),
            body=b"".join(chunks),
        )
        sent = self._mutant.request(sent)
        inner = {
            **scope,
            "query_string": urlencode(sent.query).encode("latin-1"),
            "headers": [(k, v) for k, v in sent.headers if k.lower() != b"content-length"]
            + [(b"content-length", str(len(sent.body)).encode())],
        }
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": sent.body, "more_body": False}

        started: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self._app(inner, replay, capture)
        reply = Reply(
            status=started["status"],
            headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in started.get("headers", [])
                if k.lower() != b"content-length"
            ),
            body=b"".join(body),
        )
        reply = self._mutant.answer(sent, reply)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread's server leaves signals alone
        pass


@contextmanager
def serve(mutant: Mutant | None, twin: Twin | None = None) -> Iterator[str]:
    """Serve the twin behind ``mutant`` (None: unmutated) on 127.0.0.1; yield the base URL."""
    app = MutatingProxy(create_app(twin or Twin()), mutant.fresh() if mutant else None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="off")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mutating proxy did not start; uvicorn's log says why")
            time.sleep(0.01)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# --- helpers of the mutants --------------------------------------------------------------


def _batch_answer(
    mutate: Callable[[Sent, dict[str, Any]], dict[str, Any] | None],
) -> Callable[[Sent, Reply], Reply]:
    """An answer mutation of 200/207 batch bodies; ``mutate`` returns None to leave it."""

    def answer(sent: Sent, reply: Reply) -> Reply:
        payload = reply.batch()
        if payload is None:
            return reply
        changed = mutate(sent, copy.deepcopy(payload))
        if changed is None:
            return reply
        status = 207 if changed.get("errors") else 200
        return reply.with_json(changed, status)

    return answer


def _miss(payload: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """``ids`` added to the one OBJECT_NOT_FOUND entry (made if need be)."""
    if not ids:
        return payload
    errors = payload.setdefault("errors", [])
    if not errors:
        errors.append(
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some TICKET objects, they may be deleted or not "
                "exist. Check that ids are valid.",
                "context": {"ids": []},
            }
        )
    errors[0]["context"]["ids"].extend(ids)
    payload["numErrors"] = len(errors)
    return payload


def _reorder_keys(payload: dict[str, Any]) -> dict[str, Any]:
    # Keep HubSpot's key order (status, results, numErrors, errors, startedAt, completedAt).
    order = ["status", "results", "numErrors", "errors", "startedAt", "completedAt"]
    return {k: payload[k] for k in order if k in payload} | {
        k: v for k, v in payload.items() if k not in order
    }


def _shift_hour(stamp: str) -> str:
    return f"{stamp[:11]}{(int(stamp[11:13]) + 1) % 24:02d}{stamp[13:]}"


# --- the mutants ------------------------------------------------------------------------


def _drops_found_ticket(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if len(payload["results"]) < 3:
        return None
    payload["results"].pop()
    return payload


def _marks_live_archived(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    hit = [r for r in payload["results"] if not r.get("archived") and r["id"][-1] in "2468"]
    for result in hit:
        result["archived"] = True
        result["archivedAt"] = result["updatedAt"]
    return payload if hit else None


def _leaks_property(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    body = sent.json()
    asked = body.get("properties") if isinstance(body, dict) else None
    if not asked or "hs_all_owner_ids" in asked or not payload["results"]:
        return None
    for result in payload["results"]:
        result["properties"]["hs_all_owner_ids"] = None
    return payload


def _partial_miss_as_200(sent: Sent, reply: Reply) -> Reply:
    payload = reply.batch()
    if reply.status != 207 or payload is None or not payload["results"]:
        return reply
    payload.pop("errors", None)
    payload.pop("numErrors", None)
    return reply.with_json(payload, 200)


def _history_reversed(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    changed = False
    for result in payload["results"]:
        for name, entries in (result.get("propertiesWithHistory") or {}).items():
            if len(entries) > 1:
                result["propertiesWithHistory"][name] = entries[::-1]
                changed = True
    return payload if changed else None


def _unique_value_as_id(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # The lookup answers each record under the key it was looked up by (when it has it).
    name = sent.id_property
    if name is None:
        return None
    changed = False
    for result in payload["results"]:
        value = result["properties"].get(name)
        if isinstance(value, str):
            result["id"] = value
            changed = True
    return payload if changed else None


def _swaps_values(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    results = payload["results"]
    if len(results) < 2:
        return None
    first, second = results[0]["properties"], results[1]["properties"]
    for name in ("subject", "content", "hs_pipeline_stage", "hs_ticket_priority"):
        if name in first and name in second and first[name] != second[name]:
            first[name], second[name] = second[name], first[name]
            return payload
    return None


def _misses_in_big_batch(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # Timeouts in a fan-out: past four inputs, the last record found is reported missing.
    if len(sent.inputs) <= 4 or len(payload["results"]) < 2 or sent.id_property:
        return None
    lost = payload["results"].pop()
    spelled = [raw for raw in sent.inputs if raw.lstrip("+0") == lost["id"]][:1]
    return _reorder_keys(_miss(payload, spelled or [lost["id"]]))


def _created_at_local_time(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if not payload["results"]:
        return None
    for result in payload["results"]:
        result["createdAt"] = _shift_hour(result["createdAt"])
    return payload


def _correlation_regenerated(sent: Sent, reply: Reply) -> Reply:
    # A gateway stamps its own id in the header; the body keeps the service's.
    if reply.status < 400:
        return reply
    return reply.with_header("X-HubSpot-Correlation-Id", "019db14a-de02-7b98-8000-00000000abcd")


def _processing_when_large(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if len(sent.inputs) <= 3:
        return None
    payload["status"] = "PROCESSING"
    return payload


def _num_errors_counts_ids(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    errors = payload.get("errors") or []
    ids = [i for e in errors for i in (e.get("context") or {}).get("ids", [])]
    if len(ids) < 2:
        return None
    payload["numErrors"] = len(ids)
    return payload


def _ignores_archived(sent: Sent) -> Sent:
    return replace(sent, query=tuple((k, v) for k, v in sent.query if k != "archived"))


def _duplicates_repeated(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if sent.id_property:
        return None
    counts: dict[str, int] = {}
    for raw in sent.inputs:
        key = raw.lstrip("+0") or "0"
        counts[key] = counts.get(key, 0) + 1
    extra = [
        copy.deepcopy(r) for r in payload["results"] for _ in range(counts.get(r["id"], 1) - 1)
    ]
    if not extra:
        return None
    payload["results"].extend(extra)
    return payload


def _drops_nulls(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    changed = False
    for result in payload["results"]:
        nulls = [name for name, value in result["properties"].items() if value is None]
        for name in nulls:
            del result["properties"][name]
            changed = True
    return payload if changed else None


def _truncates_at_ten(sent: Sent) -> Sent:
    body = sent.json()
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        return sent
    if len(body["inputs"]) <= 10:
        return sent
    return replace(sent, body=json.dumps({**body, "inputs": body["inputs"][:10]}).encode())


def _id_property_first_only(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # Only the first unique value is looked up; the others are reported missing.
    name = sent.id_property
    results = payload["results"]
    if name is None or len(results) < 2:
        return None
    values = [r["properties"].get(name) for r in results[1:]]
    if not all(isinstance(v, str) for v in values):
        return None
    sent_as = {raw.casefold(): raw for raw in sent.inputs}
    payload["results"] = results[:1]
    return _reorder_keys(_miss(payload, [sent_as.get(v.casefold(), v) for v in values]))


def _stale_updated_at(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # updatedAt from a cache filled at creation: right for records never modified.
    if not payload["results"]:
        return None
    for result in payload["results"]:
        result["updatedAt"] = result["createdAt"]
    return payload


def _offset_timestamps(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if not payload["results"]:
        return None
    for result in payload["results"]:
        for key in ("createdAt", "updatedAt", "archivedAt"):
            if isinstance(result.get(key), str):
                result[key] = result[key].replace("Z", "+00:00")
    return payload


def _history_lags(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # History read from a lagging replica: the newest entry is not there yet.
    changed = False
    for result in payload["results"]:
        for name, entries in (result.get("propertiesWithHistory") or {}).items():
            if len(entries) > 1:
                result["propertiesWithHistory"][name] = entries[1:]
                changed = True
    return payload if changed else None


def _pages_the_batch(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if len(payload["results"]) <= 3:
        return None
    payload["results"] = payload["results"][:3]
    payload["paging"] = {"next": {"after": "3"}}
    return payload


def _numbers_as_numbers(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    changed = False
    for result in payload["results"]:
        for name, value in result["properties"].items():
            if isinstance(value, str) and value.isdigit() and len(value) < 4:
                result["properties"][name] = int(value)
                changed = True
    return payload if changed else None


def _any_token(sent: Sent) -> Sent:
    # A gateway that falls back to its own service token when the caller's is missing.
    kept = tuple(h for h in sent.headers if h[0].lower() != b"authorization")
    return replace(sent, headers=(*kept, (b"authorization", f"Bearer {DEMO_TOKEN}".encode())))


def _not_found_as_validation(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    if not payload.get("errors"):
        return None
    for error in payload["errors"]:
        error["category"] = "VALIDATION_ERROR"
    return payload


def _one_error_per_id(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    errors = payload.get("errors") or []
    if len(errors) != 1 or len(errors[0]["context"]["ids"]) < 2:
        return None
    entry = errors[0]
    payload["errors"] = [{**entry, "context": {"ids": [i]}} for i in entry["context"]["ids"]]
    payload["numErrors"] = len(payload["errors"])
    return payload


def _object_id_off_by_one(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    results = payload["results"]
    if len(results) < 2:
        return None
    ids = [r["properties"].get("hs_object_id") for r in results]
    for result, own in zip(results, ids[1:] + ids[:1], strict=True):
        result["properties"]["hs_object_id"] = own
    return payload


def _crashes_on_big_lookups(sent: Sent, reply: Reply) -> Reply:
    if sent.id_property is None or len(sent.inputs) < 3:
        return reply
    return Reply(
        status=500,
        headers=(("Content-Type", "text/html"),),
        body=b"<html><body>Gateway timeout in unique-value lookup</body></html>",
    )


def _only_requested(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # A client-side "fix" for extra properties: keep exactly the names asked for.
    body = sent.json()
    asked = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(asked, list) or not asked or not payload["results"]:
        return None
    for result in payload["results"]:
        result["properties"] = {k: v for k, v in result["properties"].items() if k in asked}
    return payload


def _url_of_neighbour(sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
    # The record links built from a list zipped off by one: each names the next record.
    results = payload["results"]
    if len(results) < 2 or not all("url" in r for r in results):
        return None
    urls = [r["url"] for r in results]
    for result, url in zip(results, urls[1:] + urls[:1], strict=True):
        result["url"] = url
    return payload


class _Flaky:
    """Every third batch read of found tickets answers an older version of one of them."""

    def __init__(self) -> None:
        self._reads = 0

    def __call__(self, sent: Sent, payload: dict[str, Any]) -> dict[str, Any] | None:
        if not payload["results"]:
            return None
        self._reads += 1
        if self._reads % 3:
            return None
        result = payload["results"][0]
        result["updatedAt"] = result["properties"]["hs_lastmodifieddate"] = result["createdAt"]
        return payload


def _flaky() -> Mutant:
    return Mutant(
        "stale_replica_sometimes",
        "repeatable_read",
        "every third read of found tickets comes from a stale replica (an older version)",
        _batch_answer(_Flaky()),
        make=_flaky,
    )


CORPUS: tuple[Mutant, ...] = (
    Mutant(
        "drops_found_ticket",
        "inputs_accounted_for",
        "with three or more found, the last found ticket is silently left out",
        _batch_answer(_drops_found_ticket),
    ),
    Mutant(
        "marks_live_ticket_archived",
        "archived_consistent",
        "live tickets whose id ends in an even digit come back archived (soft-delete flag "
        "read from the wrong column)",
        _batch_answer(_marks_live_archived),
    ),
    Mutant(
        "leaks_unrequested_property",
        "properties_within_requested",
        "an explicit `properties` list gets hs_all_owner_ids added (a default merged in)",
        _batch_answer(_leaks_property),
    ),
    Mutant(
        "partial_miss_as_200",
        "inputs_accounted_for",
        "a partial miss answers 200 and drops the errors (an SDK that ignores 207)",
        _partial_miss_as_200,
    ),
    Mutant(
        "history_oldest_first",
        "history_newest_first",
        "property history sorted ascending by timestamp",
        _batch_answer(_history_reversed),
    ),
    Mutant(
        "unique_value_as_id",
        "result_ids_are_record_ids",
        "a read by idProperty answers each record under its unique value as `id`",
        _batch_answer(_unique_value_as_id),
    ),
    Mutant(
        "swaps_values_between_records",
        "split_and_merge",
        "in a batch of two or more found, a property value of the first two records is "
        "swapped (rows zipped with the wrong index)",
        _batch_answer(_swaps_values),
    ),
    Mutant(
        "found_reported_missing_in_big_batch",
        "split_and_merge",
        "past four inputs, the last ticket found is reported as missing (a fan-out timeout)",
        _batch_answer(_misses_in_big_batch),
    ),
    Mutant(
        "created_at_local_time",
        "timestamps_match_properties",
        "createdAt converted from local time (UTC+1) but labelled Z; createdate is right",
        _batch_answer(_created_at_local_time),
    ),
    Mutant(
        "correlation_header_regenerated",
        "correlation_id_matches_header",
        "a gateway stamps its own X-HubSpot-Correlation-Id on errors; the body keeps the "
        "service's correlationId",
        _correlation_regenerated,
    ),
    Mutant(
        "processing_when_large",
        "batch_status_complete",
        "batches of more than three inputs say status PROCESSING (an async path) although complete",
        _batch_answer(_processing_when_large),
        fast=True,
    ),
    Mutant(
        "num_errors_counts_ids",
        "num_errors_consistent",
        "numErrors counts the missing ids instead of the error entries",
        _batch_answer(_num_errors_counts_ids),
    ),
    Mutant(
        "ignores_archived_true",
        "archived_consistent",
        "the archived query parameter is dropped by a proxy: archived=true reads live tickets",
        request=_ignores_archived,
    ),
    Mutant(
        "repeats_duplicate_inputs",
        "no_duplicate_results",
        "an id sent twice comes back twice",
        _batch_answer(_duplicates_repeated),
    ),
    Mutant(
        "drops_null_properties",
        "requested_properties_in_every_result",
        "a serializer that omits null values: empty properties vanish instead of null",
        _batch_answer(_drops_nulls),
    ),
    Mutant(
        "truncates_at_ten_inputs",
        "inputs_accounted_for",
        "only the first ten inputs are read; the others are neither returned nor missing",
        request=_truncates_at_ten,
    ),
    Mutant(
        "id_property_first_value_only",
        "id_and_unique_property_agree",
        "a read by idProperty looks up only the first value; the others are reported missing",
        _batch_answer(_id_property_first_only),
    ),
    Mutant(
        "stale_updated_at",
        "timestamps_match_properties",
        "updatedAt from a cache filled at creation: it equals createdAt",
        _batch_answer(_stale_updated_at),
    ),
    Mutant(
        "timestamps_with_offset",
        "timestamps_in_utc",
        "record timestamps written with isoformat(): +00:00 instead of Z",
        _batch_answer(_offset_timestamps),
    ),
    Mutant(
        "history_lags_current_value",
        "history_newest_first",
        "history read from a lagging replica: the newest entry is missing",
        _batch_answer(_history_lags),
    ),
    Mutant(
        "pages_the_batch",
        "inputs_accounted_for",
        "more than three results are paged (paging.next) although batch read has no paging",
        _batch_answer(_pages_the_batch),
    ),
    Mutant(
        "numbers_as_json_numbers",
        "response_schema_conformance",
        "short numeric property values (hs_pipeline '0') serialized as JSON numbers",
        _batch_answer(_numbers_as_numbers),
    ),
    Mutant(
        "gateway_token_fallback",
        "ignored_auth",
        "a gateway adds its own service token when the caller sent none or a bad one",
        request=_any_token,
        fast=True,
    ),
    Mutant(
        "not_found_as_validation_error",
        "not_found_errors_list_ids",
        "missing inputs reported under category VALIDATION_ERROR",
        _batch_answer(_not_found_as_validation),
    ),
    Mutant(
        "one_error_per_missing_id",
        "response_schema_conformance",
        "one OBJECT_NOT_FOUND entry per missing id instead of one aggregated entry",
        _batch_answer(_one_error_per_id),
    ),
    Mutant(
        "object_id_off_by_one",
        "result_ids_are_record_ids",
        "hs_object_id joined off by one: each result carries its neighbour's",
        _batch_answer(_object_id_off_by_one),
    ),
    Mutant(
        "crashes_on_big_lookups",
        "not_a_server_error",
        "a read by idProperty of three or more values answers 500 (a lookup timeout)",
        _crashes_on_big_lookups,
    ),
    Mutant(
        "strips_always_included_properties",
        "always_included_properties_returned",
        "properties filtered to exactly the names asked for: hs_object_id, createdate and "
        "hs_lastmodifieddate vanish when not asked",
        _batch_answer(_only_requested),
    ),
    Mutant(
        "record_url_of_a_neighbour",
        "result_ids_are_record_ids",
        "in a batch of two or more found, each result's url links the next record's page "
        "(lists zipped off by one)",
        _batch_answer(_url_of_neighbour),
    ),
    _flaky(),
)


def mutant_named(name: str) -> Mutant:
    return next(m for m in CORPUS if m.name == name)


# --- the gate against a mutant, as a user runs it ------------------------------------------
# Shared by test_broken_apis.py (the kill test) and verdicts.py (the recorded verdicts).

_NAMED = re.compile(r"^    ([a-z_]+): ", re.MULTILINE)
_REGRESSIONS = "deviations no quirk explains (regressions):"


def run_gate(url: str, workdir: Path, *extra: str, keep_ci: bool = True) -> tuple[int, str]:
    """``tickets-contract run --target URL`` as a user runs it: token only. Without
    ``keep_ci`` the gate does not see ``CI`` either, so an explicit ``--seed`` seeds
    generation instead of CI derandomizing it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "HYPOTHESIS")) and (keep_ci or k != "CI")
    }
    env["HUBSPOT_ACCESS_TOKEN"] = DEMO_TOKEN
    done = subprocess.run(
        [sys.executable, "-m", "tickets_contract.cli", "run", "--target", url, *extra],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def named_rules(output: str) -> set[str]:
    """The checks and relations the summary names among the regressions."""
    if _REGRESSIONS not in output:
        return set()
    return set(_NAMED.findall(output.split(_REGRESSIONS)[-1]))
