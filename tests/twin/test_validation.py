"""400s in HubSpot's words (U2, S11, S31), 413/415, and never a 5xx."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets_contract.twin import TicketStore, Twin, TwinConfig

from .helpers import FakeClock, batch_request, inputs, live, read

VALID = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
ROOT = "com.hubspot.inbounddb.publicobject.core.v2.BatchReadInputSimplePublicObjectId$Json"
ITEM = "com.hubspot.inbounddb.publicobject.core.v2.SimplePublicObjectId$Json"
LIST = "java.util.ArrayList"
STRING = "java.lang.String"


def creator(java_type: str, kind: str, shown: str) -> str:
    return (
        f"Cannot construct instance of `{java_type}` (although at least one Creator exists): "
        f"no {kind}-argument constructor/factory method to deserialize from {shown}"
    )


def mismatch(java_type: str, shape: str, token: str) -> str:
    return (
        f"Cannot deserialize value of type `{java_type}` from {shape} value "
        f"(token `JsonToken.{token}`)"
    )


# (body, line, column, reason); "." marks a required-field error, written "column C. reason".
SYNTAX = [
    pytest.param(b"", 1, 1, "No content to map due to end-of-input", id="empty"),
    pytest.param(b"  \n ", 2, 2, "No content to map due to end-of-input", id="whitespace"),
    pytest.param(
        b"%",
        1,
        2,
        f"Unexpected character ('%' (code 37)): expected a valid value {VALID}",
        id="percent-as-quoted-in-facts",
    ),
    pytest.param(
        b'{"inputs": [tru]}',
        1,
        16,
        f"Unrecognized token 'tru': was expecting {VALID}",
        id="bad-literal",
    ),
    pytest.param(
        b'{\n  "inputs": [\n    {"id": "1"}\n    {"id": "2"}\n  ]\n}',
        4,
        6,
        "Unexpected character ('{' (code 123)): was expecting comma to separate Array entries",
        id="missing-comma-multiline",
    ),
    pytest.param(
        b'{"inputs": [{"id": "1"}]',
        1,
        25,
        "Unexpected end-of-input: expected close marker for Object",
        id="unclosed-object",
    ),
    pytest.param(
        b'{"inputs": ["abc',
        1,
        17,
        "Unexpected end-of-input: was expecting closing quote for a string value",
        id="unclosed-string",
    ),
    pytest.param(
        b'{"inputs" [',
        1,
        12,
        "Unexpected character ('[' (code 91)): was expecting a colon to separate field name "
        "and value",
        id="missing-colon",
    ),
    pytest.param(
        b"{inputs: []}",
        1,
        3,
        "Unexpected character ('i' (code 105)): was expecting double-quote to start field name",
        id="unquoted-name",
    ),
    pytest.param(
        b'{"inputs": [{"id": "1"}], }',
        1,
        28,
        "Unexpected character ('}' (code 125)): was expecting double-quote to start field name",
        id="trailing-comma",
    ),
    pytest.param(
        b'{"inputs": [{"id": "a\x01"}]}',
        1,
        23,
        "Illegal unquoted character ((CTRL-CHAR, code 1)): has to be escaped using backslash "
        "to be included in string value",
        id="control-character",
    ),
    pytest.param(
        b'{"inputs": ["\\q"]}',
        1,
        16,
        "Unrecognized character escape 'q' (code 113)",
        id="bad-escape",
    ),
    pytest.param(b"\xff{}", 1, 2, "Invalid UTF-8 start byte 0xff", id="not-utf8"),
    pytest.param(
        b'{"inputs": [], "x": NaN}',
        1,
        24,
        "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
        id="nan",
    ),
    pytest.param(
        b"[" * 3000,
        1,
        1,
        "Document nesting depth exceeds the maximum allowed (1000, from "
        "`StreamReadConstraints.getMaxNestingDepth()`)",
        id="too-deep",
    ),
]

SHAPE = [
    pytest.param(b"[]", 1, 1, mismatch(ROOT, "Array", "START_ARRAY"), id="body-array"),
    pytest.param(b"null", 1, 1, mismatch(ROOT, "Null", "VALUE_NULL"), id="body-null"),
    pytest.param(b'"abc"', 1, 1, creator(ROOT, "String", "String value ('abc')"), id="body-string"),
    pytest.param(b"{}", 1, 2, ". Some required fields were not set: [inputs]", id="inputs-missing"),
    pytest.param(
        b'{"properties": ["subject"]}',
        1,
        27,
        ". Some required fields were not set: [inputs]",
        id="only-properties",
    ),
    pytest.param(
        b'{"inputs": null}',
        1,
        16,
        ". Some required fields were not set: [inputs]",
        id="inputs-null",
    ),
    pytest.param(
        b'{"inputs": {"id": "1"}}',
        1,
        12,
        mismatch(f"{LIST}<{ITEM}>", "Object", "START_OBJECT"),
        id="inputs-object",
    ),
    pytest.param(
        b'{"inputs": "1"}',
        1,
        12,
        mismatch(f"{LIST}<{ITEM}>", "String", "VALUE_STRING"),
        id="inputs-string",
    ),
    pytest.param(
        b'{"inputs": ["1"]}',
        1,
        13,
        creator(ITEM, "String", "String value ('1')"),
        id="item-string",
    ),
    pytest.param(
        b'{"inputs": [1]}', 1, 13, creator(ITEM, "int/Int", "Number value (1)"), id="item-int"
    ),
    pytest.param(
        b'{"inputs": [true]}',
        1,
        13,
        creator(ITEM, "boolean/Boolean", "Boolean value (true)"),
        id="item-boolean",
    ),
    pytest.param(
        b'{"inputs": [[]]}', 1, 13, mismatch(ITEM, "Array", "START_ARRAY"), id="item-array"
    ),
    pytest.param(
        b'{"inputs": [{"ids": "1"}]}',
        1,
        24,
        ". Some required fields were not set: [id]",
        id="id-missing",
    ),
    pytest.param(
        b'{"inputs": [{"id": "1"}, {"id": null}]}',
        1,
        37,
        ". Some required fields were not set: [id]",
        id="id-null",
    ),
    pytest.param(
        b'{"inputs": [{"id": 1}]}',
        1,
        20,
        mismatch(STRING, "Integer", "VALUE_NUMBER_INT"),
        id="id-number",
    ),
    pytest.param(
        b'{"inputs": [{"id": ["1"]}]}',
        1,
        20,
        mismatch(STRING, "Array", "START_ARRAY"),
        id="id-array",
    ),
    pytest.param(
        b'{"inputs": [], "idProperty": 5}',
        1,
        30,
        mismatch(STRING, "Integer", "VALUE_NUMBER_INT"),
        id="idProperty-number",
    ),
    pytest.param(
        b'{"inputs": [], "idProperty": {}}',
        1,
        30,
        mismatch(STRING, "Object", "START_OBJECT"),
        id="idProperty-object",
    ),
    pytest.param(
        b'{"inputs": [], "properties": "subject"}',
        1,
        30,
        mismatch(f"{LIST}<{STRING}>", "String", "VALUE_STRING"),
        id="properties-string",
    ),
    pytest.param(
        b'{"inputs": [], "properties": [null]}',
        1,
        31,
        mismatch(STRING, "Null", "VALUE_NULL"),
        id="properties-null-item",
    ),
    pytest.param(
        b'{"inputs": [], "propertiesWithHistory": [1.5]}',
        1,
        42,
        mismatch(STRING, "Floating-point", "VALUE_NUMBER_FLOAT"),
        id="history-float-item",
    ),
    pytest.param(
        b'{"inputs": [], "propertiesWithHistory": {"a": 1}}',
        1,
        41,
        mismatch(f"{LIST}<{STRING}>", "Object", "START_OBJECT"),
        id="history-object",
    ),
    pytest.param(
        b'{"properties": 1, "inputs": 2}',
        1,
        16,
        mismatch(f"{LIST}<{STRING}>", "Integer", "VALUE_NUMBER_INT"),
        id="first-bad-member-in-document-order",
    ),
    pytest.param(
        b'{"inputs": [{"x": 1}], "properties": 1}',
        1,
        20,
        ". Some required fields were not set: [id]",
        id="inner-object-closes-first",
    ),
]


@pytest.mark.parametrize(("body", "line", "column", "reason"), [*SYNTAX, *SHAPE])
def test_body_errors_in_hubspots_words(
    store: TicketStore, clock: FakeClock, body: bytes, line: int, column: int, reason: str
) -> None:
    # The alternative settings: a missing `inputs` refused, every parse 400 categorised.
    config = TwinConfig(missing_inputs="reject", parse_errors_have_category=True)
    response = read(Twin(store, config, clock), raw=body)
    assert response.status == 400
    separator = "" if reason.startswith(".") else ": "
    expected = f"Invalid input JSON on line {line}, column {column}{separator}{reason}"
    assert response.json()["message"] == expected
    assert response.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("body", "category"),
    [
        pytest.param(b"%", None, id="syntax"),
        pytest.param(b"[]", None, id="type"),
        pytest.param(b'{"inputs": [[]]}', None, id="item-type-as-quoted-in-S31"),
        pytest.param(b'{"inputs": [{}]}', "VALIDATION_ERROR", id="required-field-keeps-category"),
    ],
)
def test_parse_errors_lack_category_by_default(
    twin: Twin, body: bytes, category: str | None
) -> None:
    # S31: the whole quoted live body of a Jackson type error holds only
    # status, message and correlationId (quirk parse-error-without-category).
    payload = read(twin, raw=body).json()
    assert payload.get("category") == category
    if category is None:
        assert list(payload) == ["status", "message", "correlationId"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b'{"properties": ["subject"]}', id="only-properties"),
        pytest.param(b'{"inputs": null}', id="inputs-null"),
    ],
)
def test_a_body_without_inputs_is_an_empty_success(twin: Twin, body: bytes) -> None:
    # S30: "a success response but no results" (quirk
    # missing-inputs-empty-answer).
    response = read(twin, raw=body)
    assert response.status == 200
    payload = response.json()
    assert payload["status"] == "COMPLETE"
    assert payload["results"] == []
    assert "errors" not in payload


def _limit_message(histories: bool) -> str:
    if histories:
        return (
            "The maximum number of inputs supported in a batch request for property histories "
            "is 50. Please reduce the number of items and try again"
        )
    return (
        "The maximum number of inputs supported in a batch is 100. Please reduce the number "
        "of items and try again"
    )


@pytest.mark.parametrize(
    ("count", "history", "refused"),
    [
        pytest.param(100, None, None, id="100-plain"),
        pytest.param(101, None, "plain", id="101-plain"),
        pytest.param(50, ["subject"], None, id="50-with-history"),
        pytest.param(51, ["subject"], "history", id="51-with-history"),
        pytest.param(51, ["no_such_property"], "history", id="51-with-unknown-history"),
        pytest.param(51, [], None, id="51-with-empty-history"),
        pytest.param(100, [], None, id="100-with-empty-history"),
        pytest.param(101, ["subject"], "plain", id="101-with-history-names-the-100-cap"),
    ],
)
def test_batch_size_limits(
    twin: Twin, count: int, history: list[str] | None, refused: str | None
) -> None:
    body: dict[str, object] = {"inputs": inputs(*(str(n) for n in range(count)))}
    if history is not None:
        body["propertiesWithHistory"] = history
    response = read(twin, body)
    if refused is None:
        assert response.status == 207  # the ids do not exist, but the batch is accepted
    else:
        assert response.status == 400
        assert response.json()["message"] == _limit_message(refused == "history")
        assert response.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="neither-list"),
        pytest.param({"properties": ["subject"]}, id="no-propertiesWithHistory"),
        pytest.param({"propertiesWithHistory": ["subject"]}, id="no-properties"),
        pytest.param({"properties": None, "idProperty": None}, id="nulls-mean-absent"),
        pytest.param({"limit": 5, "after": "x"}, id="unknown-keys-ignored"),
    ],
)
def test_spec_required_lists_are_optional(
    twin: Twin, store: TicketStore, extra: dict[str, object]
) -> None:
    # S1: the API does not enforce the spec's required properties lists (quirk 1).
    ticket = live(store, 1)[0]
    assert read(twin, {"inputs": inputs(ticket.id), **extra}).status == 200


@pytest.mark.parametrize(
    ("member", "column", "java_type"),
    [
        pytest.param("idProperty", 30, STRING, id="idProperty"),
        pytest.param("properties", 30, f"{LIST}<{STRING}>", id="properties"),
        pytest.param("propertiesWithHistory", 41, f"{LIST}<{STRING}>", id="propertiesWithHistory"),
    ],
)
def test_null_members_can_be_refused(
    store: TicketStore, clock: FakeClock, member: str, column: int, java_type: str
) -> None:
    body = {"inputs": [], member: None}
    assert read(Twin(store, TwinConfig(), clock), body).status == 200
    response = read(Twin(store, TwinConfig(nulls_mean_absent=False), clock), body)
    assert response.status == 400
    assert response.json()["message"] == (
        f"Invalid input JSON on line 1, column {column}: "
        + mismatch(java_type, "Null", "VALUE_NULL")
    )


def test_text_after_the_body_is_ignored_like_jackson(twin: Twin, store: TicketStore) -> None:
    ticket = live(store, 1)[0]
    body = json.dumps({"inputs": inputs(ticket.id)}).encode() + b" trailing garbage"
    assert read(twin, raw=body).status == 200
    assert read(twin, raw=b"\xef\xbb\xbf" + body).status == 200, "a UTF-8 BOM is skipped"


def test_scalar_ids_are_coerced_when_configured(store: TicketStore, clock: FakeClock) -> None:
    ticket = live(store, 1)[0]
    body = {"inputs": [{"id": int(ticket.id)}], "properties": [7], "idProperty": None}
    assert read(Twin(store, TwinConfig(), clock), body).status == 400
    response = read(Twin(store, TwinConfig(coerce_scalars=True), clock), body)
    assert response.status == 200
    assert response.json()["results"][0]["id"] == ticket.id


@pytest.mark.parametrize(
    ("value", "parsing", "expect"),
    [
        pytest.param("true", "strict", True, id="true"),
        pytest.param("TRUE", "strict", True, id="TRUE"),
        pytest.param("False", "strict", False, id="False"),
        pytest.param("yes", "strict", 400, id="yes-strict"),
        pytest.param("", "strict", 400, id="empty-strict"),
        pytest.param("1", "strict", 400, id="one-strict"),
        pytest.param("yes", "java", False, id="yes-java-Boolean.valueOf"),
        pytest.param("tRuE", "java", True, id="tRuE-java"),
    ],
)
def test_archived_query_parsing(
    store: TicketStore, clock: FakeClock, value: str, parsing: str, expect: bool | int
) -> None:
    twin = Twin(store, TwinConfig(archived_parsing=parsing), clock)  # type: ignore[arg-type]
    ticket = next(t for t in store if t.archived)
    response = read(twin, {"inputs": inputs(ticket.id)}, query=[("archived", value)])
    if expect == 400:
        assert response.status == 400
        assert response.json()["message"] == (
            f'Invalid value {value!r} for query parameter archived: expected "true" or "false".'
        )
    else:
        # The archived ticket is found exactly when the flag reads as true.
        assert response.status == (200 if expect else 207)


def test_repeated_archived_takes_the_first(twin: Twin, store: TicketStore) -> None:
    ticket = next(t for t in store if t.archived)
    query = [("archived", "true"), ("archived", "false")]
    assert read(twin, {"inputs": inputs(ticket.id)}, query=query).status == 200


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        pytest.param("application/json", 200, id="json"),
        pytest.param("Application/JSON; charset=UTF-8", 200, id="json-with-charset"),
        pytest.param(None, 200, id="none-is-read-as-json"),
        pytest.param("text/plain", 415, id="text"),
        pytest.param("application/x-www-form-urlencoded", 415, id="form"),
        pytest.param("application/json-patch+json", 415, id="json-patch"),
    ],
)
def test_content_type(
    twin: Twin, store: TicketStore, content_type: str | None, status: int
) -> None:
    request = batch_request({"inputs": inputs(live(store, 1)[0].id)})
    headers = dict(request.headers)
    del headers["content-type"]
    if content_type is not None:
        headers["content-type"] = content_type
    response = twin.handle(
        type(request)(method="POST", path=request.path, headers=headers, body=request.body)
    )
    assert response.status == status
    if status == 415:
        assert response.json()["message"] == "HTTP 415 Unsupported Media Type"


def test_body_over_the_limit_is_413(store: TicketStore, clock: FakeClock) -> None:
    twin = Twin(store, TwinConfig(max_body_bytes=64), clock)
    assert read(twin, raw=b'{"inputs": []}' + b" " * 50).status == 200
    response = read(twin, raw=b'{"inputs": []}' + b" " * 51)
    assert response.status == 413
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert "64 bytes" in response.json()["message"]


ERROR_REQUESTS = [
    pytest.param({"raw": b'{"inputs": [{}]}'}, 400, id="400-required"),
    pytest.param({"token": None}, 401, id="401"),
    pytest.param({"token": "CK7715c0de-twin-expired-oauth-access-token"}, 401, id="401-expired"),
    pytest.param({"headers": {"Content-Type": "text/csv"}}, 415, id="415"),
    pytest.param({"query": [("archived", "maybe")]}, 400, id="400-query"),
]


@pytest.mark.parametrize(("kwargs", "status"), ERROR_REQUESTS)
def test_every_error_body_has_hubspots_envelope(
    twin: Twin, kwargs: dict[str, object], status: int
) -> None:
    body = kwargs.pop("raw", b'{"inputs": []}')
    assert isinstance(body, bytes)
    response = read(twin, raw=body, **kwargs)  # type: ignore[arg-type]
    assert response.status == status
    payload = response.json()
    assert payload["status"] == "error"
    assert payload["message"]
    assert payload["category"]
    assert uuid.UUID(payload["correlationId"]).version == 7
    assert response.header("X-HubSpot-Correlation-Id") == payload["correlationId"]
    assert response.header("content-type") == "application/json;charset=utf-8"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["inputs", "id", "properties", "propertiesWithHistory", "idProperty", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON_VALUES, archived=st.sampled_from([None, "true", "false", "x"]))
def test_any_json_body_gets_a_hubspot_answer(
    twin: Twin, body: object, archived: str | None
) -> None:
    query = [] if archived is None else [("archived", archived)]
    response = read(twin, body, query=query)
    assert response.status in (200, 207, 400)
    payload = response.json()
    if response.status == 400:
        assert payload.get("category", "VALIDATION_ERROR") == "VALIDATION_ERROR"
        assert payload["message"]
    else:
        assert payload["status"] == "COMPLETE"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=64) | st.text(max_size=40).map(str.encode))
def test_any_bytes_get_a_hubspot_answer(twin: Twin, body: bytes) -> None:
    response = read(twin, raw=body)
    assert response.status in (200, 207, 400)
    response.json()
