"""Spec drift: each kind of change, judged in both directions, and the `diff` command."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml

from tickets_contract.cli import EXIT_DEVIATION, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from tickets_contract.drift import (
    JUDGEMENT,
    Category,
    Change,
    ChangeKind,
    Direction,
    Drift,
    Location,
    When,
    diff_documents,
    load_spec,
    render_json,
    render_markdown,
)
from tickets_contract.drift import compare as compare_module
from tickets_contract.drift.compare import JUDGEMENT_ROWS
from tickets_contract.errors import SpecError
from tickets_contract.spec.contract import BATCH_READ_PATH, load_fragment, specs_dir

K = ChangeKind
FRAGMENT = specs_dir() / "tickets-batch-read.openapi.yaml"
# CI checks shared/ out beside the repository, as it is here.
PUBLISHED_JSON = (
    Path(__file__).resolve().parents[2]
    / "shared/reference/hubspot-tickets-batch-read.published.json"
)
needs_published = pytest.mark.skipif(
    not PUBLISHED_JSON.is_file(), reason="shared/ reference data not beside the checkout"
)
OPERATION_POINTER = "/paths/" + BATCH_READ_PATH.replace("/", "~1") + "/post"
SCHEMAS = "/components/schemas"

# A small document with the shape of the real one: $refs, an array of objects, a map,
# an enum in each direction, a self-referencing schema, a `*/*` default response.
BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "drift test", "version": "1"},
    "paths": {
        BATCH_READ_PATH: {
            "post": {
                "operationId": "batch-read",
                "security": [{"oauth2": ["tickets"]}],
                "parameters": [
                    {
                        "name": "archived",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean", "default": False},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Input"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}
                        },
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "required": ["inputs"],
                "properties": {
                    "inputs": {
                        "type": "array",
                        "maxItems": 100,
                        "items": {"$ref": "#/components/schemas/Id"},
                    },
                    "idProperty": {"type": "string"},
                    "pageSize": {"type": "integer", "format": "int32", "minimum": 1},
                    "sort": {"type": "string", "enum": ["ASC", "DESC"]},
                },
            },
            "Id": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}},
            },
            "Batch": {
                "type": "object",
                "required": ["results", "status"],
                "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Obj"}},
                    "status": {"type": "string", "enum": ["COMPLETE", "PENDING"]},
                },
            },
            "Obj": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "count": {"type": "integer", "format": "int32"},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "properties": {"type": "object", "additionalProperties": {"type": "string"}},
                    "parent": {"$ref": "#/components/schemas/Obj"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            },
        },
        "responses": {
            "Error": {
                "description": "error",
                "content": {"*/*": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
        "securitySchemes": {
            "oauth2": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": "https://app.hubspot.com/oauth/authorize",
                        "tokenUrl": "https://api.hubapi.com/oauth/v1/token",
                        "scopes": {"tickets": "", "oauth": ""},
                    }
                },
            },
            "private_apps": {"type": "apiKey", "in": "header", "name": "private-app"},
        },
    },
}

OP = OPERATION_POINTER


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def remove(path: str) -> dict[str, Any]:
    return {"op": "remove", "path": path}


# id, patch applied to BASE, then (location, kind, breaking) expected from BASE -> patched
# and from patched -> BASE (the same edit seen in the other direction).
Expected = set[tuple[str, ChangeKind, bool]]
CASES: list[tuple[str, list[dict[str, Any]], Expected, Expected]] = [
    # --- request body schema: the server accepts it, so narrowing breaks ---
    (
        "request-required-field-added",
        [
            add(f"{SCHEMAS}/Input/properties/limit", {"type": "integer"}),
            add(f"{SCHEMAS}/Input/required/-", "limit"),
        ],
        {("request body > limit", K.REQUIRED_FIELD_ADDED, True)},
        {("request body > limit", K.FIELD_REMOVED, True)},
    ),
    (
        "request-optional-field-added",
        [add(f"{SCHEMAS}/Input/properties/limit", {"type": "integer"})],
        {("request body > limit", K.FIELD_ADDED, False)},
        {("request body > limit", K.FIELD_REMOVED, True)},
    ),
    (
        "request-field-became-required",
        [add(f"{SCHEMAS}/Input/required/-", "idProperty")],
        {("request body > idProperty", K.BECAME_REQUIRED, True)},
        {("request body > idProperty", K.BECAME_OPTIONAL, False)},
    ),
    (
        "request-enum-value-removed",
        [replace(f"{SCHEMAS}/Input/properties/sort/enum", ["ASC"])],
        {("request body > sort", K.ENUM_VALUE_REMOVED, True)},
        {("request body > sort", K.ENUM_VALUE_ADDED, False)},
    ),
    (
        "request-enum-lifted",
        [remove(f"{SCHEMAS}/Input/properties/sort/enum")],
        {("request body > sort", K.CONSTRAINT_CHANGED, False)},
        {("request body > sort", K.CONSTRAINT_CHANGED, True)},
    ),
    (
        "request-max-items-tightened",
        [replace(f"{SCHEMAS}/Input/properties/inputs/maxItems", 50)],
        {("request body > inputs", K.CONSTRAINT_CHANGED, True)},
        {("request body > inputs", K.CONSTRAINT_CHANGED, False)},
    ),
    (
        "request-max-items-dropped",
        [remove(f"{SCHEMAS}/Input/properties/inputs/maxItems")],
        {("request body > inputs", K.CONSTRAINT_CHANGED, False)},
        {("request body > inputs", K.CONSTRAINT_CHANGED, True)},
    ),
    (
        "request-minimum-raised",
        [replace(f"{SCHEMAS}/Input/properties/pageSize/minimum", 10)],
        {("request body > pageSize", K.CONSTRAINT_CHANGED, True)},
        {("request body > pageSize", K.CONSTRAINT_CHANGED, False)},
    ),
    (
        "request-max-length-added",
        [add(f"{SCHEMAS}/Input/properties/idProperty/maxLength", 64)],
        {("request body > idProperty", K.CONSTRAINT_CHANGED, True)},
        {("request body > idProperty", K.CONSTRAINT_CHANGED, False)},
    ),
    (
        "request-pattern-added",
        [add(f"{SCHEMAS}/Input/properties/idProperty/pattern", "^[a-z_]+$")],
        {("request body > idProperty", K.CONSTRAINT_CHANGED, True)},
        {("request body > idProperty", K.CONSTRAINT_CHANGED, False)},
    ),
    (
        "request-retyped-in-items",
        [replace(f"{SCHEMAS}/Id/properties/id/type", "integer")],
        {("request body > inputs[] > id", K.TYPE_CHANGED, True)},
        {("request body > inputs[] > id", K.TYPE_CHANGED, True)},
    ),
    (
        "request-integer-widened-to-number",
        [replace(f"{SCHEMAS}/Input/properties/pageSize/type", "number")],
        {("request body > pageSize", K.TYPE_CHANGED, False)},
        {("request body > pageSize", K.TYPE_CHANGED, True)},
    ),
    (
        "request-format-int32-to-int64",
        [replace(f"{SCHEMAS}/Input/properties/pageSize/format", "int64")],
        {("request body > pageSize", K.FORMAT_CHANGED, False)},
        {("request body > pageSize", K.FORMAT_CHANGED, True)},
    ),
    (
        "request-became-nullable",
        [add(f"{SCHEMAS}/Input/properties/idProperty/nullable", True)],
        {("request body > idProperty", K.NULLABLE_CHANGED, False)},
        {("request body > idProperty", K.NULLABLE_CHANGED, True)},
    ),
    (
        "request-became-read-only",
        [add(f"{SCHEMAS}/Input/properties/idProperty/readOnly", True)],
        {("request body > idProperty", K.ACCESS_CHANGED, True)},
        {("request body > idProperty", K.ACCESS_CHANGED, False)},
    ),
    (
        "request-unknown-keyword",
        [add(f"{SCHEMAS}/Input/properties/idProperty/not", {"type": "integer"})],
        {("request body > idProperty > not", K.UNCLASSIFIED, True)},
        {("request body > idProperty > not", K.UNCLASSIFIED, True)},
    ),
    # --- the request as a whole ---
    (
        "request-body-became-optional",
        [replace(f"{OP}/requestBody/required", False)],
        {("request body", K.BECAME_OPTIONAL, False)},
        {("request body", K.BECAME_REQUIRED, True)},
    ),
    (
        "request-content-type-added",
        [
            add(
                f"{OP}/requestBody/content/application~1x-ndjson",
                {"schema": {"$ref": "#/components/schemas/Input"}},
            )
        ],
        {("request body", K.CONTENT_TYPE_ADDED, False)},
        {("request body", K.CONTENT_TYPE_REMOVED, True)},
    ),
    (
        "parameter-became-required",
        [replace(f"{OP}/parameters/0/required", True)],
        {("parameter query archived", K.BECAME_REQUIRED, True)},
        {("parameter query archived", K.BECAME_OPTIONAL, False)},
    ),
    (
        "parameter-optional-added",
        [
            add(
                f"{OP}/parameters/-",
                {"name": "limit", "in": "query", "schema": {"type": "integer"}},
            )
        ],
        {("parameter query limit", K.PARAMETER_ADDED, False)},
        {("parameter query limit", K.PARAMETER_REMOVED, True)},
    ),
    (
        "parameter-required-added",
        [
            add(
                f"{OP}/parameters/-",
                {"name": "portal", "in": "header", "required": True, "schema": {"type": "string"}},
            )
        ],
        {("parameter header portal", K.PARAMETER_ADDED, True)},
        {("parameter header portal", K.PARAMETER_REMOVED, True)},
    ),
    (
        "parameter-retyped",
        [replace(f"{OP}/parameters/0/schema/type", "string")],
        {("parameter query archived", K.TYPE_CHANGED, True)},
        {("parameter query archived", K.TYPE_CHANGED, True)},
    ),
    (
        "parameter-default-changed",
        [replace(f"{OP}/parameters/0/schema/default", True)],
        {("parameter query archived", K.DEFAULT_CHANGED, True)},
        {("parameter query archived", K.DEFAULT_CHANGED, True)},
    ),
    (
        "parameter-serialization-changed",
        [add(f"{OP}/parameters/0/explode", False)],
        {("parameter query archived", K.SERIALIZATION_CHANGED, True)},
        {("parameter query archived", K.SERIALIZATION_CHANGED, True)},
    ),
    # --- response schemas: the client parses them, so widening breaks ---
    (
        "response-field-removed",
        [remove(f"{SCHEMAS}/Obj/properties/count")],
        {("response 200 > results[] > count", K.FIELD_REMOVED, True)},
        {("response 200 > results[] > count", K.FIELD_ADDED, False)},
    ),
    (
        "response-field-became-optional",
        [replace(f"{SCHEMAS}/Batch/required", ["results"])],
        {("response 200 > status", K.BECAME_OPTIONAL, True)},
        {("response 200 > status", K.BECAME_REQUIRED, False)},
    ),
    (
        "response-required-field-added",
        [
            add(f"{SCHEMAS}/Batch/properties/numErrors", {"type": "integer"}),
            add(f"{SCHEMAS}/Batch/required/-", "numErrors"),
        ],
        {("response 200 > numErrors", K.REQUIRED_FIELD_ADDED, False)},
        {("response 200 > numErrors", K.FIELD_REMOVED, True)},
    ),
    (
        "response-enum-value-added",
        [add(f"{SCHEMAS}/Batch/properties/status/enum/-", "CANCELED")],
        {("response 200 > status", K.ENUM_VALUE_ADDED, True)},
        {("response 200 > status", K.ENUM_VALUE_REMOVED, False)},
    ),
    (
        "response-retyped",
        [replace(f"{SCHEMAS}/Obj/properties/count/type", "string")],
        {("response 200 > results[] > count", K.TYPE_CHANGED, True)},
        {("response 200 > results[] > count", K.TYPE_CHANGED, True)},
    ),
    (
        "response-map-values-retyped",
        [replace(f"{SCHEMAS}/Obj/properties/properties/additionalProperties/type", "integer")],
        {("response 200 > results[] > properties{}", K.TYPE_CHANGED, True)},
        {("response 200 > results[] > properties{}", K.TYPE_CHANGED, True)},
    ),
    (
        "response-format-changed",
        [replace(f"{SCHEMAS}/Obj/properties/createdAt/format", "date")],
        {("response 200 > results[] > createdAt", K.FORMAT_CHANGED, True)},
        {("response 200 > results[] > createdAt", K.FORMAT_CHANGED, True)},
    ),
    (
        "response-format-dropped",
        [remove(f"{SCHEMAS}/Obj/properties/createdAt/format")],
        {("response 200 > results[] > createdAt", K.FORMAT_CHANGED, True)},
        {("response 200 > results[] > createdAt", K.FORMAT_CHANGED, False)},
    ),
    (
        "response-format-int32-to-int64",
        [replace(f"{SCHEMAS}/Obj/properties/count/format", "int64")],
        {("response 200 > results[] > count", K.FORMAT_CHANGED, True)},
        {("response 200 > results[] > count", K.FORMAT_CHANGED, False)},
    ),
    (
        "response-became-nullable",
        [add(f"{SCHEMAS}/Obj/properties/count/nullable", True)],
        {("response 200 > results[] > count", K.NULLABLE_CHANGED, True)},
        {("response 200 > results[] > count", K.NULLABLE_CHANGED, False)},
    ),
    (
        "response-max-items-added",
        [add(f"{SCHEMAS}/Batch/properties/results/maxItems", 100)],
        {("response 200 > results", K.CONSTRAINT_CHANGED, False)},
        {("response 200 > results", K.CONSTRAINT_CHANGED, True)},
    ),
    (
        "response-became-write-only",
        [add(f"{SCHEMAS}/Obj/properties/count/writeOnly", True)],
        {("response 200 > results[] > count", K.ACCESS_CHANGED, True)},
        {("response 200 > results[] > count", K.ACCESS_CHANGED, False)},
    ),
    (
        "response-status-added",
        [
            add(
                f"{OP}/responses/207",
                {"description": "partial", "content": {"application/json": {"schema": {}}}},
            )
        ],
        {("response 207", K.STATUS_ADDED, True)},
        {("response 207", K.STATUS_REMOVED, False)},
    ),
    (
        "response-status-added-with-the-default-body",
        [add(f"{OP}/responses/429", {"$ref": "#/components/responses/Error"})],
        {("response 429", K.STATUS_ADDED, False)},
        {("response 429", K.STATUS_REMOVED, False)},
    ),
    (
        "response-default-dropped",
        [remove(f"{OP}/responses/default")],
        {("response default", K.STATUS_REMOVED, False)},
        {("response default", K.STATUS_ADDED, True)},
    ),
    (
        "response-default-replaced-by-a-status",
        [
            remove(f"{OP}/responses/default"),
            add(f"{OP}/responses/400", {"$ref": "#/components/responses/Error"}),
        ],
        # 400 was answered under `default`, with the same body: nothing new for clients.
        {("response default", K.STATUS_REMOVED, False), ("response 400", K.STATUS_ADDED, False)},
        {("response 400", K.STATUS_REMOVED, False), ("response default", K.STATUS_ADDED, True)},
    ),
    (
        "response-content-type-narrowed",
        [
            replace(
                "/components/responses/Error/content",
                {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            )
        ],
        {
            ("response default", K.CONTENT_TYPE_REMOVED, False),
            ("response default", K.CONTENT_TYPE_ADDED, False),
        },
        {
            ("response default", K.CONTENT_TYPE_REMOVED, True),
            ("response default", K.CONTENT_TYPE_ADDED, False),
        },
    ),
    (
        "response-renamed-type-keeps-schema-diff",
        [
            replace(
                "/components/responses/Error/content",
                {"application/json": {"schema": {"type": "object"}}},
            )
        ],
        {
            ("response default", K.CONTENT_TYPE_REMOVED, False),
            ("response default", K.CONTENT_TYPE_ADDED, False),
            ("response default > message", K.FIELD_REMOVED, True),
        },
        {
            ("response default", K.CONTENT_TYPE_REMOVED, True),
            ("response default", K.CONTENT_TYPE_ADDED, False),
            ("response default > message", K.REQUIRED_FIELD_ADDED, False),
        },
    ),
    (
        "response-header-added",
        [add(f"{OP}/responses/200/headers", {"X-Trace": {"schema": {"type": "string"}}})],
        {("response 200 > header x-trace", K.HEADER_ADDED, False)},
        {("response 200 > header x-trace", K.HEADER_REMOVED, True)},
    ),
    # --- security and the operation ---
    (
        "security-scope-added",
        [add(f"{OP}/security/0/oauth2/-", "crm.objects.tickets.read")],
        {("security oauth2", K.SCOPE_ADDED, True)},
        {("security oauth2", K.SCOPE_REMOVED, False)},
    ),
    (
        "security-alternative-added",
        [add(f"{OP}/security/-", {"private_apps": []})],
        {("security", K.SECURITY_ADDED, False)},
        {("security", K.SECURITY_REMOVED, True)},
    ),
    (
        "security-dropped",
        [replace(f"{OP}/security", [])],
        {("security", K.SECURITY_REMOVED, False)},
        {("security", K.SECURITY_ADDED, True)},
    ),
    (
        "security-scheme-moved",
        [
            replace(
                "/components/securitySchemes/oauth2/flows/authorizationCode/tokenUrl",
                "https://api.hubapi.com/oauth/v3/token",
            )
        ],
        {("security oauth2", K.SECURITY_SCHEME_CHANGED, True)},
        {("security oauth2", K.SECURITY_SCHEME_CHANGED, True)},
    ),
    (
        "operation-id-changed",
        [replace(f"{OP}/operationId", "read-tickets")],
        {("operation", K.OPERATION_ID_CHANGED, False)},
        {("operation", K.OPERATION_ID_CHANGED, False)},
    ),
    (
        "operation-deprecated",
        [add(f"{OP}/deprecated", True)],
        {("operation", K.DEPRECATION_CHANGED, False)},
        {("operation", K.DEPRECATION_CHANGED, False)},
    ),
    (
        # HubSpot's date-versioned API (tests/test_drift_sources.py has the other forms).
        "path-moved-to-a-date-version",
        [
            {
                "op": "move",
                "from": OP.removesuffix("/post"),
                "path": "/paths/~1crm~1objects~12026-03~1tickets~1batch~1read",
            }
        ],
        {("operation > path", K.PATH_MOVED, True)},
        {("operation > path", K.PATH_MOVED, True)},
    ),
]


def patched(ops: list[dict[str, Any]], document: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = jsonpatch.apply_patch(copy.deepcopy(document or BASE), ops)
    return result


def found(drift: Drift) -> set[tuple[str, ChangeKind, bool]]:
    return {(c.location, c.kind, c.breaking) for c in drift.changes}


@pytest.mark.parametrize(
    ("ops", "forward", "backward"),
    [pytest.param(ops, fwd, back, id=name) for name, ops, fwd, back in CASES],
)
def test_each_change_is_classified_in_both_directions(
    ops: list[dict[str, Any]],
    forward: set[tuple[str, ChangeKind, bool]],
    backward: set[tuple[str, ChangeKind, bool]],
) -> None:
    changed = patched(ops)
    there = diff_documents(BASE, changed)
    back = diff_documents(changed, BASE)
    assert found(there) == forward
    assert found(back) == backward
    assert all(c.reason for c in (*there.changes, *back.changes))


def test_every_kind_but_a_few_is_covered_by_the_table() -> None:
    covered = {kind for _, _, fwd, back in CASES for _, kind, _ in fwd | back}
    # Covered by the tests below instead: documentation, and alternatives of oneOf/anyOf;
    # a request body that appears or disappears entirely.
    elsewhere = {K.DOCS, K.ALTERNATIVE_ADDED, K.ALTERNATIVE_REMOVED, K.BODY_ADDED, K.BODY_REMOVED}
    assert set(ChangeKind) - covered == elsewhere


def test_a_status_added_without_default_breaks_response_parsers() -> None:
    old = patched([remove(f"{OP}/responses/default")])
    new = patched([add(f"{OP}/responses/404", {"$ref": "#/components/responses/Error"})], old)
    (change,) = diff_documents(old, new).changes
    assert (change.location, change.kind, change.breaking) == ("response 404", K.STATUS_ADDED, True)
    assert change.reason == "breaks clients that parse responses: a status they do not handle"


def test_one_of_alternatives_and_request_body_presence() -> None:
    with_alternatives = patched(
        [replace(f"{SCHEMAS}/Obj/properties/count", {"oneOf": [{"type": "integer"}]})]
    )
    more = patched(
        [add(f"{SCHEMAS}/Obj/properties/count/oneOf/-", {"type": "string"})], with_alternatives
    )
    assert found(diff_documents(with_alternatives, more)) == {
        ("response 200 > results[] > count > oneOf[1]", K.ALTERNATIVE_ADDED, True)
    }
    assert found(diff_documents(more, with_alternatives)) == {
        ("response 200 > results[] > count > oneOf[1]", K.ALTERNATIVE_REMOVED, False)
    }
    bodiless = patched([remove(f"{OP}/requestBody")])
    assert found(diff_documents(BASE, bodiless)) == {("request body", K.BODY_REMOVED, True)}
    assert found(diff_documents(bodiless, BASE)) == {("request body", K.BODY_ADDED, True)}


# --- the judgement table ---------------------------------------------------------------

# Pairs of edits (before, after), each compared both ways with documentation on, that
# reach the table's verdicts CASES does not: together they emit every kind in every
# context the table judges.
TEMPLATED = "/crm/objects/2025-09/{objectType}/batch/read"
OBJECT_TYPE = {"name": "objectType", "in": "path", "required": True, "schema": {"type": "string"}}
MORE_CONTEXTS: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = [
    (  # alternatives in a request and in a response
        [
            replace(f"{SCHEMAS}/Input/properties/idProperty", {"oneOf": [{"type": "string"}]}),
            replace(f"{SCHEMAS}/Obj/properties/count", {"oneOf": [{"type": "integer"}]}),
        ],
        [
            replace(
                f"{SCHEMAS}/Input/properties/idProperty",
                {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            ),
            replace(
                f"{SCHEMAS}/Obj/properties/count",
                {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            ),
        ],
    ),
    ([], [remove(f"{OP}/requestBody")]),  # a required body
    ([replace(f"{OP}/requestBody/required", False)], [remove(f"{OP}/requestBody")]),
    (  # patterns replaced on both sides
        [
            add(f"{SCHEMAS}/Input/properties/idProperty/pattern", "^a$"),
            add(f"{SCHEMAS}/Obj/properties/id/pattern", "^a$"),
        ],
        [
            add(f"{SCHEMAS}/Input/properties/idProperty/pattern", "^b$"),
            add(f"{SCHEMAS}/Obj/properties/id/pattern", "^b$"),
        ],
    ),
    (  # a request media type replaced by a range that covers it
        [],
        [
            replace(
                f"{OP}/requestBody/content",
                {"application/*": {"schema": {"$ref": "#/components/schemas/Input"}}},
            )
        ],
    ),
    ([], [add(f"{SCHEMAS}/Obj/properties/count/default", 0)]),
    ([], [add(f"{SCHEMAS}/Obj/properties/id/description", "the id")]),
    ([], [replace(f"{SCHEMAS}/Input/properties/pageSize/format", "uuid")]),
    ([], [replace(f"{SCHEMAS}/Obj/properties/count/type", "number")]),
    (  # a status added where no `default` answered before
        [remove(f"{OP}/responses/default")],
        [
            remove(f"{OP}/responses/default"),
            add(f"{OP}/responses/404", {"$ref": "#/components/responses/Error"}),
        ],
    ),
    (  # the same URL, spelled with the object type as a template
        [
            {
                "op": "move",
                "from": "/paths/" + BATCH_READ_PATH.replace("/", "~1"),
                "path": "/paths/~1crm~1objects~12025-09~1tickets~1batch~1read",
            }
        ],
        [
            {
                "op": "move",
                "from": "/paths/" + BATCH_READ_PATH.replace("/", "~1"),
                "path": "/paths/" + TEMPLATED.replace("/", "~1"),
            },
            add("/paths/" + TEMPLATED.replace("/", "~1") + "/post/parameters/-", OBJECT_TYPE),
        ],
    ),
]


def every_change_the_tests_make() -> list[Change]:
    pairs = [([], ops) for _, ops, _, _ in CASES] + MORE_CONTEXTS
    changes: list[Change] = []
    for before_ops, after_ops in pairs:
        before, after = patched(before_ops), patched(after_ops)
        for old, new in ((before, after), (after, before)):
            changes += diff_documents(old, new, include_docs=True).changes
    return changes


def test_the_judgement_table_has_exactly_one_row_per_kind() -> None:
    kinds = [kind for kind, _ in JUDGEMENT_ROWS]
    assert sorted(kinds) == sorted(ChangeKind)  # none missing, none twice
    assert set(JUDGEMENT) == set(ChangeKind)
    assert all(JUDGEMENT[kind] for kind in ChangeKind)


def test_every_change_is_judged_by_its_row_and_every_row_is_reached() -> None:
    changes = every_change_the_tests_make()
    for change in changes:
        verdict = JUDGEMENT[change.kind][change.context]
        assert change.breaking is verdict.breaking, change
        assert change.reason == verdict.reason.format_map(dict(change.facts)), change
        assert "{" not in change.reason, change
    # Every kind the comparer emits, in every context: the table has no dead verdict,
    # and the comparer no change the table does not judge.
    reached = {(change.kind, change.context) for change in changes}
    judged = {(kind, context) for kind, row in JUDGEMENT.items() for context in row}
    assert reached == judged


def test_no_detector_decides_a_verdict() -> None:
    # The verdict is not a field: a detector can only name a kind and a context.
    assert {f.name for f in dataclasses.fields(Change)}.isdisjoint({"breaking", "reason"})
    # And there is one place that makes a change.
    tree = ast.parse(Path(compare_module.__file__).read_text(encoding="utf-8"))
    makers = [
        function.name
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for call in ast.walk(function)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "Change"
    ]
    assert makers == ["_change"]


def test_a_change_the_table_does_not_judge_cannot_be_made() -> None:
    where = Location(Category.RESPONSES, ("response 200",))
    with pytest.raises(LookupError, match="HEADER_ADDED"):
        Change(
            where=where,
            kind=K.HEADER_ADDED,
            context=(Direction.REQUEST, When.ALWAYS),
            old=None,
            new="x",
        )


def test_the_category_is_where_the_change_was_found_not_its_wording() -> None:
    # A location's text never decides its table: a parameter named like a response stays
    # a parameter.
    where = Location(Category.PARAMETERS, ("response 200",))
    change = Change(
        where=where,
        kind=K.PARAMETER_REMOVED,
        context=(Direction.REQUEST, When.ALWAYS),
        old="string, optional",
        new=None,
    )
    assert change.category is Category.PARAMETERS
    assert change.location == "response 200"


EQUIVALENT = [
    pytest.param(
        [
            replace(
                f"{OP}/requestBody/content/application~1json/schema",
                BASE["components"]["schemas"]["Input"],
            )
        ],
        id="inline-schema-instead-of-ref",
    ),
    pytest.param(
        [
            replace(
                f"{SCHEMAS}/Obj",
                {
                    "allOf": [
                        {"$ref": "#/components/schemas/Base"},
                        {
                            k: v
                            for k, v in BASE["components"]["schemas"]["Obj"].items()
                            if k != "required"
                        },
                    ]
                },
            ),
            add(f"{SCHEMAS}/Base", {"type": "object", "required": ["id"]}),
        ],
        id="allOf-split",
    ),
    pytest.param(
        [add(f"{SCHEMAS}/Obj/properties/count/example", 3), add(f"{OP}/summary", "Read tickets")],
        id="docs-only",
    ),
    pytest.param([add(f"{OP}/responses/200/x-hubspot-note", "ignored")], id="extension"),
    pytest.param([add(f"{SCHEMAS}/Obj/properties/id/example", None)], id="example-null-noise"),
]


@pytest.mark.parametrize("ops", EQUIVALENT)
def test_equivalent_documents_have_no_change(ops: list[dict[str, Any]]) -> None:
    assert diff_documents(BASE, patched(ops)).changes == ()
    assert diff_documents(patched(ops), BASE).changes == ()


def test_yaml_integer_status_codes_equal_strings() -> None:
    document = copy.deepcopy(BASE)
    responses = document["paths"][BATCH_READ_PATH]["post"]["responses"]
    responses[200] = responses.pop("200")
    assert diff_documents(BASE, document).changes == ()


def test_documentation_is_listed_only_on_request() -> None:
    changed = patched([add(f"{SCHEMAS}/Obj/properties/count/description", "how many")])
    assert diff_documents(BASE, changed).changes == ()
    drift = diff_documents(BASE, changed, include_docs=True)
    assert found(drift) == {("response 200 > results[] > count > description", K.DOCS, False)}
    assert drift.changes[0].category is Category.DOCUMENTATION


def test_a_cycle_is_followed_once() -> None:
    # Obj.parent is an Obj: the change shows where Obj is first met, not forever after.
    drift = diff_documents(BASE, patched([replace(f"{SCHEMAS}/Obj/properties/id/type", "integer")]))
    assert found(drift) == {("response 200 > results[] > id", K.TYPE_CHANGED, True)}


def test_shared_components_are_reported_at_each_place() -> None:
    document = patched(
        [
            add(
                f"{OP}/responses/207",
                {
                    "description": "partial",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}
                    },
                },
            )
        ]
    )
    changed = patched([remove(f"{SCHEMAS}/Obj/properties/count")], document)
    assert {c.location for c in diff_documents(document, changed).changes} == {
        "response 200 > results[] > count",
        "response 207 > results[] > count",
    }


def test_other_operations_are_ignored() -> None:
    other = {"get": {"responses": {"200": {"description": "ok"}}}}
    old = patched([add("/paths/~1crm~1v3~1objects~1tickets~1{ticketId}", other)])
    new = patched([add("/paths/~1crm~1v3~1objects~1tickets~1{ticketId}/get/deprecated", True)], old)
    assert diff_documents(old, new).changes == ()


@pytest.mark.parametrize(
    ("ops", "problem"),
    [
        pytest.param(
            [
                replace(
                    f"{OP}/responses/200/content/application~1json/schema/$ref",
                    "#/components/schemas/Nope",
                )
            ],
            "does not resolve",
            id="dangling",
        ),
        pytest.param(
            [
                replace(
                    f"{OP}/responses/200/content/application~1json/schema/$ref", "other.yaml#/Batch"
                )
            ],
            "points outside",
            id="external",
        ),
        pytest.param(
            [replace(f"{SCHEMAS}/Batch", {"$ref": "#/components/schemas/Batch"})],
            "circular",
            id="ref-loop",
        ),
        pytest.param(
            [remove("/paths/~1crm~1v3~1objects~1tickets~1batch~1read/post")],
            "does not declare the batch read operation",
            id="no-operation",
        ),
    ],
)
def test_broken_references_name_the_document(ops: list[dict[str, Any]], problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        diff_documents(BASE, patched(ops), new_source="new.yaml")
    assert caught.value.source == "new.yaml"
    assert problem in caught.value.problem


# --- our fragment, and HubSpot's published file ----------------------------------------


def test_fragment_against_itself_has_no_change() -> None:
    fragment = load_fragment()
    assert diff_documents(fragment, fragment, include_docs=True).changes == ()


@needs_published
def test_fragment_against_published_differs_in_documentation_only() -> None:
    ours, published = load_fragment(), load_spec(PUBLISHED_JSON)
    assert diff_documents(ours, published).changes == ()
    assert diff_documents(published, ours).changes == ()
    drift = diff_documents(ours, published, include_docs=True)
    assert {c.kind for c in drift.changes} == {K.DOCS}
    # Our descriptions and examples are our own; HubSpot's `example: null` is not a change.
    assert {c.location.rsplit(" > ", 1)[1] for c in drift.changes} <= {
        "description",
        "schema description",
        "example",
        "schema example",
        "examples",
    }
    locations = {c.location for c in drift.changes}
    assert {
        "parameter query archived > examples",  # ours has named examples, HubSpot's none
        "response 200 > description",  # the response's text ...
        "response 200 > schema description",  # ... and its schema's, told apart
        "response 200 > results[] > example",  # HubSpot's example of SimplePublicObject
    } <= locations
    assert not any(loc.endswith("inputs > example") for loc in locations)  # `example: null`


# --- rendering -------------------------------------------------------------------------


def test_markdown_has_title_summary_and_a_table_per_category() -> None:
    changed = patched(
        [
            add(f"{SCHEMAS}/Batch/properties/status/enum/-", "A|B"),
            replace(f"{OP}/parameters/0/required", True),
            add(f"{SCHEMAS}/Input/properties/limit", {"type": "integer"}),
        ]
    )
    text = render_markdown(diff_documents(BASE, changed, old_source="a.yaml", new_source="b.json"))
    lines = text.splitlines()
    assert lines[0] == f"# Spec drift: POST {BATCH_READ_PATH}"
    assert "`a.yaml` -> `b.json`" in lines
    assert "**2 breaking, 1 non-breaking**" in lines
    assert [line for line in lines if line.startswith("## ")] == [
        "## Parameters",
        "## Request body",
        "## Responses",
    ]
    row = next(line for line in lines if "enum value added" in line)
    assert row.startswith("| **breaking** | `response 200 > status` |")
    assert "`A\\|B`" in row  # an escaped pipe keeps the table's columns


def test_markdown_without_changes() -> None:
    text = render_markdown(diff_documents(BASE, BASE))
    assert "**0 breaking, 0 non-breaking**" in text
    assert "No change to the operation." in text


def test_json_report() -> None:
    changed = patched([remove(f"{SCHEMAS}/Obj/properties/count")])
    report = json.loads(render_json(diff_documents(BASE, changed)))
    assert (report["breaking"], report["non_breaking"]) == (1, 0)
    assert report["changes"] == [
        {
            "category": "Responses",
            "location": "response 200 > results[] > count",
            "kind": "field removed",
            "old": "integer, optional",
            "new": None,
            "breaking": True,
            "reason": "breaks clients that read it",
        }
    ]


# --- the command -----------------------------------------------------------------------


def write(path: Path, document: dict[str, Any]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(document), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def fragment_json(tmp_path: Path) -> Path:
    """Our fragment, saved as JSON."""
    return write(tmp_path / "fragment.json", load_fragment())


@pytest.fixture
def broken_fragment(tmp_path: Path) -> Path:
    """Our fragment with a response field removed: one breaking change."""
    return write(
        tmp_path / "new.yaml",
        patched([remove(f"{SCHEMAS}/SimplePublicObject/properties/url")], load_fragment()),
    )


def test_cli_no_breaking_change_exits_0(
    fragment_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(FRAGMENT), str(fragment_json)]) == EXIT_OK
    assert "**0 breaking, 0 non-breaking**" in capsys.readouterr().out


def test_cli_breaking_change_exits_1(
    broken_fragment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(FRAGMENT), str(broken_fragment)]) == EXIT_DEVIATION
    out = capsys.readouterr().out
    assert "**2 breaking, 0 non-breaking**" in out  # SimplePublicObject is in 200 and 207
    assert "`response 207 > results[] > url`" in out


def test_cli_non_breaking_change_exits_0(
    broken_fragment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(broken_fragment), str(FRAGMENT), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in report["changes"]] == ["field added", "field added"]


def test_cli_writes_the_report_atomically(
    broken_fragment: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.md"
    target.write_text("stale")
    assert main(["diff", str(FRAGMENT), str(broken_fragment), "--output", str(target)]) == 1
    assert target.read_text().startswith("# Spec drift")
    assert "2 breaking, 0 non-breaking; report written to" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.yaml", "report.md"]


def test_cli_unwritable_output_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "report.md"
    assert main(["diff", str(FRAGMENT), str(FRAGMENT), "--output", str(target)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"--output: {target}: cannot be written" in err
    assert "fix:" in err


BAD_FILES = [
    pytest.param("bad.json", '{"openapi": "3.0.3",\n  "info": }', "line 2, column", id="json"),
    pytest.param("bad.yaml", "openapi: 3.0.3\ninfo: [\n", "not valid YAML", id="yaml"),
    pytest.param("list.yaml", "- openapi\n", "expected an OpenAPI mapping", id="not-a-mapping"),
    pytest.param("invalid.yaml", "openapi: 3.0.3\npaths: {}\n", "not valid OpenAPI", id="invalid"),
    pytest.param(
        "other.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /crm/v3/objects/tickets:\n    get:\n      responses: {'200': {description: ok}}\n",
        "does not declare the batch read operation",
        id="no-operation",
    ),
    pytest.param("absent.yaml", None, "cannot be read", id="missing"),
]


@pytest.mark.parametrize(("name", "text", "problem"), BAD_FILES)
@pytest.mark.parametrize("side", ["old", "new"])
def test_cli_malformed_input_exits_4_naming_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str | None,
    problem: str,
    side: str,
) -> None:
    bad = tmp_path / name
    if text is not None:
        bad.write_text(text, encoding="utf-8")
    args = [str(bad), str(FRAGMENT)] if side == "old" else [str(FRAGMENT), str(bad)]
    assert main(["diff", *args]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"tickets-contract: error: {bad}:")
    assert problem in captured.err
    assert "\n  fix: " in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["diff", "only-one.yaml"], id="missing-new"),
        pytest.param(["diff", "a.yaml", "b.yaml", "--format", "html"], id="bad-format"),
        pytest.param(["diff", "a.yaml", "b.yaml", "--unknown"], id="unknown-option"),
    ],
)
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_USAGE
    assert "usage: tickets-contract" in capsys.readouterr().err


@needs_published
def test_cli_fragment_against_published_passes_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(FRAGMENT), str(PUBLISHED_JSON), "--include-docs"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "**0 breaking," in out
    assert "## Documentation" in out
